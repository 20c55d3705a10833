/** The command line's model options, shared by analyze, evaluate and listen. */
import * as fs from 'fs';
import * as path from 'path';
import type { CryModel, CryModelInfo } from '../core/model/cry-model';
import { createCryModel, parseModelChoice, resolveModel, ResolvedModel } from '../core/model/select';
import type { BackendName } from '../core/model/tf';
import type { YamnetInputOptions } from '../core/model/yamnet/yamnet-model';
import { withInfantPitchGate } from '../core/model/voicing';
import type { ParsedArgs } from './args';

export function backendOption(value: string | true | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw new Error(`--backend must be tensorflow, wasm or cpu, got ${String(value)}`);
}

/** The model the command line asks for, resolved; an explicit `--model yamnet` without its file is an error. */
export function resolvedFromArgs(args: ParsedArgs): ResolvedModel {
  const raw = args.options.model;
  const looksLikeDir =
    typeof raw === 'string' && (raw.includes('/') || fs.existsSync(path.join(raw, 'metadata.json')));
  const choice = looksLikeDir ? 'cry-baby-cnn' : parseModelChoice(raw);
  const resolved = resolveModel(choice, {
    yamnetFile: typeof args.options['yamnet-file'] === 'string' ? args.options['yamnet-file'] : undefined,
    cnnDir: looksLikeDir ? String(raw) : undefined,
  });
  if (choice === 'yamnet' && resolved.yamnetMissing) {
    throw new Error(
      `the YAMNet file is not installed (looked in ${resolved.yamnetMissing.looked.join(', ')}); run 'cry-baby models fetch yamnet' or pass --yamnet-file`,
    );
  }
  return resolved;
}

/**
 * `--yamnet-band-limit HZ` (0: the full band) and `--yamnet-level-ceiling DBFS` (0: no scaling); each left out is
 * undefined (what models/yamnet/metadata.json says).
 */
export function yamnetInputOptions(args: ParsedArgs): YamnetInputOptions {
  const band = args.options['yamnet-band-limit'];
  const level = args.options['yamnet-level-ceiling'];
  let bandLimitHz: number | undefined;
  let levelCeilingDbfs: number | undefined;
  if (band !== undefined) {
    bandLimitHz = Number(band);
    if (!(Number.isFinite(bandLimitHz) && bandLimitHz >= 0 && bandLimitHz < 8000)) {
      throw new Error(
        `--yamnet-band-limit must be a frequency in Hz below 8000 (0: the full band), got ${String(band)}`,
      );
    }
  }
  if (level !== undefined) {
    levelCeilingDbfs = Number(level);
    if (!(Number.isFinite(levelCeilingDbfs) && levelCeilingDbfs <= 0 && levelCeilingDbfs >= -90)) {
      throw new Error(
        `--yamnet-level-ceiling must be a level in dBFS from -90 to 0 (0: no scaling), got ${String(level)}`,
      );
    }
  }
  const outscored = args.options['yamnet-outscored-by'];
  let outscoredBy: number[] | undefined;
  if (outscored !== undefined) {
    const text = String(outscored);
    outscoredBy = text === 'none' ? [] : text.split(',').map(Number);
    if (outscored === true || outscoredBy.some((index) => !(Number.isInteger(index) && index >= 0))) {
      throw new Error(
        `--yamnet-outscored-by must be AudioSet class indices separated by commas, or none, got ${String(outscored)}`,
      );
    }
  }
  return { bandLimitHz, levelCeilingDbfs, ...(outscoredBy ? { outscoredBy } : {}) };
}

/** The model the command line asks for (nothing loads until `ensureLoaded`). */
export function modelFromArgs(args: ParsedArgs): CryModel {
  const model = createCryModel(resolvedFromArgs(args), {
    backend: backendOption(args.options.backend),
    yamnet: yamnetInputOptions(args),
  });
  const gate = args.options['infant-pitch-gate'];
  if (gate === undefined) return model;
  const seconds = Number(gate);
  if (gate === true || !(Number.isFinite(seconds) && seconds >= 0 && seconds <= 4))
    throw new Error(`--infant-pitch-gate must be seconds from 0 to 4, got ${String(gate)}`);
  return withInfantPitchGate(model, seconds);
}

export function describe(info: CryModelInfo): string {
  // The notes say what else ran (YAMNet's layers on our int8 kernels) or why a faster backend did not.
  const notes = info.backendNotes.length ? ` (${info.backendNotes.join('; ')})` : '';
  return `model ${info.name} (${info.source}) on the ${info.backend} backend${notes}, threshold ${info.threshold.toFixed(4)}`;
}

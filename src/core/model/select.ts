/**
 * Choosing the cry model: `yamnet` when its file is installed, else the built-in Cry Baby CNN (`auto`), or one of
 * them by name. Only this file knows both models.
 */
import { defaultModelDir } from './classifier';
import { createCnnCryModel } from './cnn-model';
import type { CryModel, CryModelName } from './cry-model';
import type { BackendName } from './tf';
import { findYamnetFile, yamnetCandidates } from './yamnet/fetch';
import { createYamnetCryModel, YamnetInputOptions } from './yamnet/yamnet-model';

/** What the user asked for. */
export type ModelChoice = CryModelName | 'auto';

/** Parses a model choice from config or the command line. */
export function parseModelChoice(value: unknown): ModelChoice {
  const text = value === undefined || value === null || value === '' ? 'auto' : String(value).trim();
  if (text === 'auto' || text === 'yamnet' || text === 'cry-baby-cnn') return text;
  throw new Error(`model must be yamnet, cry-baby-cnn or auto, got "${text}"`);
}

/** The model to run and why. */
export interface ResolvedModel {
  readonly name: CryModelName;
  /** The YAMNet file, or the CNN folder. */
  readonly source: string;
  /** Set when YAMNet was asked for (or auto) but its file is not installed. */
  readonly yamnetMissing?: { readonly looked: readonly string[] };
}

/** Resolves a choice against what is installed. */
export function resolveModel(
  choice: ModelChoice,
  options: { yamnetFile?: string; userDir?: string; cnnDir?: string; env?: NodeJS.ProcessEnv } = {},
): ResolvedModel {
  const cnnDir = options.cnnDir?.trim() ? options.cnnDir.trim() : defaultModelDir();
  if (choice === 'cry-baby-cnn') return { name: 'cry-baby-cnn', source: cnnDir };
  const lookup = { explicit: options.yamnetFile, userDir: options.userDir, env: options.env };
  const file = findYamnetFile(lookup);
  if (file) return { name: 'yamnet', source: file };
  return { name: 'cry-baby-cnn', source: cnnDir, yamnetMissing: { looked: yamnetCandidates(lookup) } };
}

/** Creates the resolved model (nothing loads until `ensureLoaded`). */
export function createCryModel(
  resolved: ResolvedModel,
  options: { backend?: BackendName; yamnet?: YamnetInputOptions } = {},
): CryModel {
  return resolved.name === 'yamnet'
    ? createYamnetCryModel(resolved.source, { backend: options.backend, ...options.yamnet })
    : createCnnCryModel(resolved.source, { backend: options.backend });
}

/** The `metadata.json` stored beside a Cry Baby model, and its validation. */
import type { MelSettings } from '../dsp/mel';
import type { EvaluationFigures } from './evaluate';

/** Validation figures at the stored threshold, overall and per category. */
export interface ValidationSummary extends EvaluationFigures {
  readonly perCategory?: Readonly<Record<string, EvaluationFigures>>;
}

/** Everything a model needs to be used the way it was trained. */
export interface ModelMetadata {
  readonly name: string;
  readonly format: 'tfjs-layers';
  readonly labels: readonly ['noncry', 'cry'];
  readonly inputShape: readonly [number, number, number];
  readonly preprocessing: MelSettings & {
    readonly normalisation: string;
    readonly silence: string;
    /** Channel-blind input: only the lowest this many mel bands reach the network (see input-bands.ts). */
    readonly keptBands?: number;
    /** The frequency those bands lie below, in Hz. */
    readonly bandLimitHz?: number;
  };
  readonly threshold: number;
  readonly thresholdRule?: string;
  readonly training?: Readonly<Record<string, unknown>>;
  readonly validation?: ValidationSummary;
}

/** Checks the parsed JSON and returns it typed; throws naming the first missing or wrong field. */
export function parseModelMetadata(value: unknown, source: string): ModelMetadata {
  const object = value as Partial<ModelMetadata> | null;
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!object || typeof object !== 'object') return fail('expected a JSON object');
  const shape = object.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((n) => !Number.isInteger(n) || n <= 0)) {
    fail(`inputShape must be [mels, frames, 1], got ${JSON.stringify(shape)}`);
  }
  if (typeof object.threshold !== 'number' || !(object.threshold > 0 && object.threshold < 1)) {
    fail(`threshold must be a number between 0 and 1, got ${JSON.stringify(object.threshold)}`);
  }
  const p = object.preprocessing;
  if (!p || typeof p.sampleRate !== 'number' || typeof p.nMels !== 'number' || typeof p.frames !== 'number') {
    fail('preprocessing must give sampleRate, nMels, frames, nFft, hopLength');
  }
  if (
    p?.keptBands !== undefined &&
    !(Number.isInteger(p.keptBands) && p.keptBands > 0 && p.keptBands <= p.nMels)
  ) {
    fail(
      `preprocessing.keptBands must be a whole number from 1 to ${p.nMels}, got ${JSON.stringify(p.keptBands)}`,
    );
  }
  const rows = p?.keptBands ?? p?.nMels;
  if (p && shape && (rows !== shape[0] || p.frames !== shape[1])) {
    fail(
      `preprocessing (${rows} mels x ${p.frames} frames) does not match inputShape ${JSON.stringify(shape)}`,
    );
  }
  return object as ModelMetadata;
}

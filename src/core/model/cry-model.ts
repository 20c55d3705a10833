/**
 * The one seam between audio and the rest of Cry Baby (house style rule 13): a cry model takes 16 kHz mono
 * samples and returns a verdict per window of its own (p(cry), the window's place, and whatever else the model
 * knows). Nodes, CLI, evaluation and the detection policy see only this interface; each model owns its front end
 * and its `metadata.json`.
 */
import type { DetectionSettings } from '../detect/policy';
import type { BackendName } from './tf';

/** The models Cry Baby ships or fetches. */
export type CryModelName = 'yamnet' | 'cry-baby-cnn';

/** One AudioSet class and its score. */
export interface ClassScore {
  readonly index: number;
  readonly label: string;
  readonly score: number;
}

/** A verdict for one window of the model. */
export interface CryVerdict {
  /** Where the window starts, in samples from the start of the audio given to `analyze`. */
  readonly startSample: number;
  /** Probability that a baby is crying in the window, 0..1. */
  readonly probability: number;
  /** YAMNet only: the scores that matter in a nursery (crying, laughter, babbling classes). */
  readonly scores?: Readonly<Record<string, number>>;
  /** YAMNet only: the five best AudioSet classes. */
  readonly top?: readonly ClassScore[];
}

/** What a loaded model reports about itself. */
export interface CryModelInfo {
  readonly name: CryModelName;
  /** The model's own name (its metadata's `name`), as verdicts and logs report it. */
  readonly id: string;
  /** Where it came from: the model folder or the TFLite file. */
  readonly source: string;
  readonly description: string;
  /** Window length and hop, in samples at 16 kHz. */
  readonly windowSamples: number;
  readonly hopSamples: number;
  /** The model's operating threshold on `probability`. */
  readonly threshold: number;
  /** Detection defaults from the model's metadata (used where `cry detect` leaves a field empty). */
  readonly detection?: Partial<DetectionSettings>;
  readonly backend: BackendName;
  readonly backendNotes: readonly string[];
}

/** A cry model behind one interface. */
export interface CryModel {
  /** Loads everything (once; later calls return the same promise). */
  ensureLoaded(): Promise<CryModelInfo>;
  /**
   * Verdicts for the windows at 0, hop, 2·hop, … that fit in `samples` (16 kHz mono, [-1, 1]); audio shorter than
   * one window gives one window, zero-padded.
   */
  analyze(samples: Float32Array, onProgress?: (fraction: number) => void): Promise<CryVerdict[]>;
  dispose(): void;
}

/** The sample rate every cry model takes. */
export const MODEL_SAMPLE_RATE = 16000;

/** Window starts for `length` samples: 0, hop, …, while a whole window fits (at least one). */
export function modelWindowStarts(length: number, windowSamples: number, hopSamples: number): number[] {
  const starts = [0];
  for (let start = hopSamples; start + windowSamples <= length; start += hopSamples) starts.push(start);
  return starts;
}

/**
 * Fundamental frequency by YIN (A. de Cheveigné and H. Kawahara, "YIN, a fundamental frequency estimator for speech
 * and music", JASA 111(4), 2002), steps 1–5:
 *   d(τ)  = Σ_{j=0}^{W−1} (x_{t+j} − x_{t+j+τ})²                       difference function
 *   d'(τ) = d(τ) · τ / Σ_{k=1}^{τ} d(k),  d'(0) = 1                    cumulative mean normalised difference
 *   τ*    = the first τ ≥ τmin with d'(τ) < threshold, then followed down to the local minimum
 *   f0    = sampleRate / (τ* refined by a parabola through d'(τ*−1), d'(τ*), d'(τ*+1))
 * A frame without such a τ, or quieter than `minRmsDbfs`, is unvoiced (f0 0).
 *
 * Used to measure the data, not on the runtime path: how much of a recording is voiced at an infant's pitch.
 */

/** Settings of the tracker. */
export interface YinSettings {
  readonly sampleRate: number;
  /** Lowest and highest f0 searched, in Hz. */
  readonly minHz: number;
  readonly maxHz: number;
  /** Integration window W and hop, in samples. */
  readonly windowLength: number;
  readonly hopLength: number;
  /** The absolute threshold on d'. */
  readonly threshold: number;
  /** Frames quieter than this (RMS over W + τmax samples, dB relative to full scale) are unvoiced. */
  readonly minRmsDbfs: number;
}

/** 20 ms frames at 16 kHz, f0 75–1000 Hz: adult voices down to a low male one, an infant's cry up to 1 kHz. */
export const DEFAULT_YIN_SETTINGS: YinSettings = Object.freeze({
  sampleRate: 16000,
  minHz: 75,
  maxHz: 1000,
  windowLength: 320,
  hopLength: 320,
  threshold: 0.2,
  minRmsDbfs: -50,
});

/** Per-frame f0 in Hz (0 where unvoiced) of a whole signal; frame i starts at sample i · hop. */
export type PitchTracker = (samples: Float32Array) => Float32Array;

/** Creates a tracker; its difference buffer is allocated once and reused. */
export function createYinPitchTracker(settings: YinSettings = DEFAULT_YIN_SETTINGS): PitchTracker {
  const { sampleRate, minHz, maxHz, windowLength, hopLength, threshold } = settings;
  if (!(minHz > 0 && maxHz > minHz && maxHz < sampleRate / 2))
    throw new Error(
      `YIN needs 0 < minHz < maxHz < sampleRate / 2, got ${minHz}, ${maxHz} at ${sampleRate} Hz`,
    );
  const tauMin = Math.max(2, Math.floor(sampleRate / maxHz));
  const tauMax = Math.ceil(sampleRate / minHz);
  if (windowLength < tauMax)
    throw new Error(`YIN's window (${windowLength}) must cover the longest period (${tauMax})`);
  const span = windowLength + tauMax + 1;
  const minPower = 10 ** (settings.minRmsDbfs / 10);
  const normalised = new Float64Array(tauMax + 2);
  return (samples) => {
    const frames = samples.length < span ? 0 : Math.floor((samples.length - span) / hopLength) + 1;
    const f0 = new Float32Array(frames);
    for (let frame = 0; frame < frames; frame++) {
      const t = frame * hopLength;
      let power = 0;
      for (let j = t; j < t + span; j++) power += samples[j] * samples[j];
      if (power / span < minPower) continue;
      normalised[0] = 1;
      let runningSum = 0;
      for (let tau = 1; tau <= tauMax + 1; tau++) {
        let difference = 0;
        for (let j = t; j < t + windowLength; j++) {
          const delta = samples[j] - samples[j + tau];
          difference += delta * delta;
        }
        runningSum += difference;
        normalised[tau] = runningSum > 0 ? (difference * tau) / runningSum : 1;
      }
      let best = -1;
      for (let tau = tauMin; tau <= tauMax; tau++) {
        if (normalised[tau] < threshold) {
          while (tau + 1 <= tauMax && normalised[tau + 1] < normalised[tau]) tau++;
          best = tau;
          break;
        }
      }
      if (best < 0) continue;
      const before = normalised[best - 1];
      const at = normalised[best];
      const after = normalised[best + 1];
      const curvature = before - 2 * at + after;
      const shift = curvature > 0 ? (0.5 * (before - after)) / curvature : 0;
      f0[frame] = sampleRate / (best + Math.max(-0.5, Math.min(0.5, shift)));
    }
    return f0;
  };
}

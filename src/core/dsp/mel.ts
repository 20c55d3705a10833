/**
 * The original Cry Baby preprocessing, reproduced from librosa 0.10:
 *   S = librosa.feature.melspectrogram(y, sr=16000, n_fft=2048, hop_length=512, n_mels=128)
 *       (periodic Hann window, centred frames with zero padding, power 2, Slaney mel scale with area norm)
 *   S padded with zero-power columns / cropped to 126 frames (4 s)
 *   D = librosa.power_to_db(S, ref=1, amin=1e-10, top_db=80)
 *   Z = (D - mean(D)) / std(D)     (one global mean and population standard deviation)
 * Slaney scale: linear below 1 kHz (f / (200/3)), logarithmic above (27/ln 6.4 per octave ratio); each triangular
 * filter is scaled by 2 / (f_{m+2} - f_m) (librosa.filters.mel, norm='slaney').
 *
 * Silence: librosa gives std 0 and so NaN everywhere. Here a spectrogram whose dB values have (near) zero spread
 * normalises to all zeros (the value every z-scored input has on average), so no NaN can reach the classifier.
 *
 * Window, filter bank and FFT tables are computed once per settings; frames already computed for an overlapping
 * window of the same stream are reused (see `createSlidingMelSpectrogram`).
 */
import { createPowerSpectrum, createWindowedPowerSpectrum } from './fft';

/** Preprocessing settings; the defaults are the original program's. */
export interface MelSettings {
  readonly sampleRate: number;
  readonly nFft: number;
  readonly hopLength: number;
  readonly nMels: number;
  readonly frames: number;
  readonly fMin: number;
  readonly fMax: number;
  readonly amin: number;
  readonly topDb: number;
}

/** The original program's preprocessing settings. */
export const DEFAULT_MEL_SETTINGS: MelSettings = Object.freeze({
  sampleRate: 16000,
  nFft: 2048,
  hopLength: 512,
  nMels: 128,
  frames: 126,
  fMin: 0,
  fMax: 8000,
  amin: 1e-10,
  topDb: 80,
});

/** A computed log-mel spectrogram: each array is row-major, `nMels` rows (bands) of `frames` columns. */
export interface MelSpectrogram {
  readonly nMels: number;
  readonly frames: number;
  /** Frames computed from audio before padding/cropping to `frames`. */
  readonly rawFrames: number;
  readonly power: Float32Array;
  readonly db: Float32Array;
  readonly norm: Float32Array;
  readonly mean: number;
  readonly std: number;
}

function hzToMelSlaney(hz: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp;
}

function melToHzSlaney(mel: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

/** One band of the filter bank, stored sparsely: weights for FFT bins firstBin..firstBin+weights.length-1. */
export interface MelBand {
  readonly firstBin: number;
  readonly weights: Float64Array;
}

/** librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney'), weights rounded to float32. */
export function createMelFilterBank(settings: MelSettings): MelBand[] {
  const { sampleRate, nFft, nMels, fMin, fMax } = settings;
  const bins = nFft / 2 + 1;
  const fftFreqs = Float64Array.from({ length: bins }, (_, k) => (k * sampleRate) / nFft);
  const melMin = hzToMelSlaney(fMin);
  const melMax = hzToMelSlaney(fMax);
  const melF = Float64Array.from({ length: nMels + 2 }, (_, i) =>
    melToHzSlaney(melMin + ((melMax - melMin) * i) / (nMels + 1)),
  );
  const bands: MelBand[] = [];
  for (let m = 0; m < nMels; m++) {
    const lower = melF[m];
    const centre = melF[m + 1];
    const upper = melF[m + 2];
    const enorm = 2 / (upper - lower);
    const row = new Float64Array(bins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < bins; k++) {
      const rising = (fftFreqs[k] - lower) / (centre - lower);
      const falling = (upper - fftFreqs[k]) / (upper - centre);
      const weight = Math.max(0, Math.min(rising, falling));
      if (weight > 0) {
        row[k] = Math.fround(weight * enorm);
        if (first < 0) first = k;
        last = k;
      }
    }
    bands.push(
      first < 0
        ? { firstBin: 0, weights: new Float64Array(0) }
        : { firstBin: first, weights: row.slice(first, last + 1) },
    );
  }
  return bands;
}

/** The periodic Hann window, scipy.signal.get_window('hann', n, fftbins=True). */
export function createPeriodicHann(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
}

/**
 * Computes the mel power of single STFT frames of a signal: frame t is centred on sample t * hop and zero-padded
 * where it reaches past either end of the signal (librosa's center=True, pad_mode='constant').
 */
export type MelFrameComputer = (
  signal: Float32Array,
  centre: number,
  out: Float32Array,
  outOffset: number,
  outStride: number,
) => void;

/** Builds a frame computer with its window, FFT tables, filter bank and scratch buffers made once. */
export function createMelFrameComputer(settings: MelSettings = DEFAULT_MEL_SETTINGS): MelFrameComputer {
  const { nFft } = settings;
  const window = createPeriodicHann(nFft);
  const bands = createMelFilterBank(settings);
  const powerSpectrum = createPowerSpectrum(nFft);
  const windowedPowerSpectrum = createWindowedPowerSpectrum(window);
  const frame = new Float64Array(nFft);
  const power = new Float64Array(nFft / 2 + 1);
  const halfWindow = nFft / 2;
  return (signal, centre, out, outOffset, outStride) => {
    const start = centre - halfWindow;
    if (start >= 0 && start + nFft <= signal.length) {
      windowedPowerSpectrum(signal, start, power);
    } else {
      for (let i = 0; i < nFft; i++) {
        const at = start + i;
        frame[i] = at >= 0 && at < signal.length ? signal[at] * window[i] : 0;
      }
      powerSpectrum(frame, power);
    }
    for (let m = 0; m < bands.length; m++) {
      const { firstBin, weights } = bands[m];
      let acc = 0;
      for (let j = 0; j < weights.length; j++) acc += weights[j] * power[firstBin + j];
      out[outOffset + m * outStride] = acc;
    }
  };
}

/**
 * Turns a mel power matrix (nMels x frames, row-major) into dB and z-scored arrays (`scratch`, reused between
 * calls by the spectrogram functions, holds the float64 dB values):
 * power_to_db(ref=1, amin, top_db) then (D - mean) / std with the population std.
 */
export function powerToNormalisedDb(
  power: Float32Array,
  settings: MelSettings,
  db: Float32Array = new Float32Array(power.length),
  norm: Float32Array = new Float32Array(power.length),
  scratch?: Float64Array,
): { db: Float32Array; norm: Float32Array; mean: number; std: number } {
  const dbValues = scratch && scratch.length === power.length ? scratch : new Float64Array(power.length);
  for (let i = 0; i < power.length; i++) dbValues[i] = powerToDb(power[i], settings.amin);
  return normaliseDb(dbValues, settings, db, norm);
}

/** power_to_db of one value with ref=1: 10 log10(max(amin, p)). */
export function powerToDb(power: number, amin: number): number {
  return 10 * Math.log10(Math.max(amin, power));
}

/**
 * The rest of `powerToNormalisedDb` from dB values already computed (`dbValues`, overwritten with the top_db
 * floor applied): the floor top_db below the maximum, then (D - mean) / std with the population std.
 */
export function normaliseDb(
  dbValues: Float64Array,
  settings: MelSettings,
  db: Float32Array = new Float32Array(dbValues.length),
  norm: Float32Array = new Float32Array(dbValues.length),
): { db: Float32Array; norm: Float32Array; mean: number; std: number } {
  let max = -Infinity;
  for (let i = 0; i < dbValues.length; i++) if (dbValues[i] > max) max = dbValues[i];
  const floor = max - settings.topDb;
  let sum = 0;
  for (let i = 0; i < dbValues.length; i++) {
    if (dbValues[i] < floor) dbValues[i] = floor;
    sum += dbValues[i];
  }
  const mean = sum / dbValues.length;
  let squares = 0;
  for (let i = 0; i < dbValues.length; i++) squares += (dbValues[i] - mean) ** 2;
  const std = Math.sqrt(squares / dbValues.length);
  const flat = !(std > 1e-6);
  for (let i = 0; i < dbValues.length; i++) {
    db[i] = dbValues[i];
    norm[i] = flat ? 0 : (dbValues[i] - mean) / std;
  }
  return { db, norm, mean, std };
}

/** Computes the log-mel spectrogram of one clip (any length; padded or cropped to `settings.frames`). */
export type MelSpectrogramFunction = (samples: Float32Array) => MelSpectrogram;

/** Builds the one-clip mel spectrogram function: `createMelSpectrogram(settings)(samples)`. */
export function createMelSpectrogram(
  settings: MelSettings = DEFAULT_MEL_SETTINGS,
  computeFrame: MelFrameComputer = createMelFrameComputer(settings),
): MelSpectrogramFunction {
  const { nMels, frames, hopLength } = settings;
  const scratch = new Float64Array(nMels * frames);
  return (samples) => {
    const rawFrames = 1 + Math.floor(samples.length / hopLength);
    const power = new Float32Array(nMels * frames);
    const used = Math.min(rawFrames, frames);
    for (let t = 0; t < used; t++) computeFrame(samples, t * hopLength, power, t, frames);
    const { db, norm, mean, std } = powerToNormalisedDb(power, settings, undefined, undefined, scratch);
    return { nMels, frames, rawFrames, power, db, norm, mean, std };
  };
}

/**
 * The mel spectrogram of successive windows of one stream. A window is given with the index of its first sample
 * in the stream; frames that lie wholly inside the window depend only on the stream and are cached by their
 * absolute centre, so an overlapping window whose start is on the hop grid recomputes only its new frames and
 * its edge frames (those that reach past the window and are zero-padded). Results are identical to
 * `createMelSpectrogram` applied to each window alone.
 */
export interface SlidingMelSpectrogram {
  compute(samples: Float32Array, startSample: number): MelSpectrogram;
  /** Frames computed and frames reused since creation (for benchmarks and tests). */
  readonly counters: { computed: number; reused: number };
}

/** Builds a sliding-window mel spectrogram with a frame cache (sharing `computeFrame`'s tables when given). */
export function createSlidingMelSpectrogram(
  settings: MelSettings = DEFAULT_MEL_SETTINGS,
  computeFrame: MelFrameComputer = createMelFrameComputer(settings),
): SlidingMelSpectrogram {
  const { nMels, frames, hopLength, nFft } = settings;
  // Mel power of interior frames, and its dB (ref=1, so a frame's own), by absolute centre; frames that leave the
  // window go back to `spare` for reuse.
  const cache = new Map<number, { power: Float32Array; db: Float64Array }>();
  const spare: { power: Float32Array; db: Float64Array }[] = [];
  const counters = { computed: 0, reused: 0 };
  const dbScratch = new Float64Array(nMels * frames);
  // Frames past the clip's end are zero power: their dB is that of amin.
  const silentDb = powerToDb(0, settings.amin);
  let lastStart = -Infinity;
  const release = (keep: (centre: number) => boolean) => {
    for (const [centre, frame] of cache) {
      if (!keep(centre)) {
        cache.delete(centre);
        spare.push(frame);
      }
    }
  };
  return {
    counters,
    compute(samples, startSample) {
      // A window earlier than the last one starts a new stream under the same id: nothing cached applies.
      if (startSample < lastStart) release(() => false);
      lastStart = startSample;
      const rawFrames = 1 + Math.floor(samples.length / hopLength);
      const used = Math.min(rawFrames, frames);
      const power = new Float32Array(nMels * frames);
      dbScratch.fill(silentDb);
      const aligned = startSample % hopLength === 0;
      for (let t = 0; t < used; t++) {
        const local = t * hopLength;
        const interior = aligned && local - nFft / 2 >= 0 && local + nFft / 2 <= samples.length;
        const absolute = startSample + local;
        const known = interior ? cache.get(absolute) : undefined;
        if (known) {
          for (let m = 0; m < nMels; m++) {
            power[m * frames + t] = known.power[m];
            dbScratch[m * frames + t] = known.db[m];
          }
          counters.reused++;
          continue;
        }
        computeFrame(samples, local, power, t, frames);
        for (let m = 0; m < nMels; m++)
          dbScratch[m * frames + t] = powerToDb(power[m * frames + t], settings.amin);
        counters.computed++;
        if (interior) {
          const frame = spare.pop() ?? { power: new Float32Array(nMels), db: new Float64Array(nMels) };
          for (let m = 0; m < nMels; m++) {
            frame.power[m] = power[m * frames + t];
            frame.db[m] = dbScratch[m * frames + t];
          }
          cache.set(absolute, frame);
        }
      }
      // Keep only this window's interior frames: later windows start later, so earlier frames are done with.
      const firstInterior = startSample + nFft / 2;
      const lastInterior = startSample + samples.length - nFft / 2;
      release((centre) => centre >= firstInterior && centre <= lastInterior);
      // The dB of each frame was taken once, when it was computed (the same formula on the same power).
      const { db, norm, mean, std } = normaliseDb(dbScratch, settings);
      return { nMels, frames, rawFrames, power, db, norm, mean, std };
    },
  };
}

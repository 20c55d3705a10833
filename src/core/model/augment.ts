/**
 * Training-audio augmentation, applied to both classes so that no artefact of the sources becomes a cue
 * (clips drawn uniformly within a class, see weightedPool):
 * random crop (time shift), random gain (peak at -30 to -1 dBFS), random band-limiting (most cries come from 8 kHz recordings, so a
 * low-pass with a cutoff of 3.4-7.6 kHz is applied to 60 % of the examples of either class),
 * digital silence (non-cry) and short events in digital silence (both classes), mixing of non-cry audio under cries and
 * under other non-cry audio at random SNR, white or brown noise, and short clips either zero-padded (what
 * inference does with a short clip) or placed inside a background.
 */
import { besselI0 } from '../audio/resample';
import type { RandomSource } from './random';

/** Clips grouped by source (e.g. cry/donateacry, noncry/music), each group drawn with its weight. */
export interface WeightedPool {
  readonly groups: readonly (readonly Float32Array[])[];
  readonly weights: readonly number[];
}

/** The audio pools an example is drawn from (16 kHz mono). */
export interface AugmentationPools {
  readonly cry: WeightedPool;
  readonly noncry: WeightedPool;
  /** Non-cry clips at least one window long, used as backgrounds. */
  readonly backgrounds: readonly Float32Array[];
}

/**
 * Groups clips by source; `weighting` 'clips' draws every clip alike (a source weighs its clip count), 'sqrt'
 * weights each source by the square root of its clip count (small sources seen more often).
 */
export function weightedPool(
  clips: readonly Float32Array[],
  sources: readonly string[],
  weighting: 'clips' | 'sqrt' = 'clips',
): WeightedPool {
  const bySource = new Map<string, Float32Array[]>();
  clips.forEach((clip, i) => {
    const list = bySource.get(sources[i]) ?? [];
    list.push(clip);
    bySource.set(sources[i], list);
  });
  const groups = [...bySource.keys()].sort().map((key) => bySource.get(key) as Float32Array[]);
  return { groups, weights: groups.map((g) => (weighting === 'sqrt' ? Math.sqrt(g.length) : g.length)) };
}

/** Draws a clip: a source by weight, then a clip of it uniformly. */
function pickFrom(pool: WeightedPool, random: RandomSource): Float32Array {
  const total = pool.weights.reduce((a, b) => a + b, 0);
  let r = random.next() * total;
  for (let i = 0; i < pool.groups.length; i++) {
    r -= pool.weights[i];
    if (r < 0 || i === pool.groups.length - 1) return random.pick(pool.groups[i]);
  }
  return random.pick(pool.groups[0]);
}

/** A window-sized FIR low-pass bank, built once. */
export interface LowPassBank {
  readonly cutoffs: readonly number[];
  apply(samples: Float32Array, index: number): Float32Array;
}

/** Builds Kaiser-windowed sinc low-pass filters (63 taps, beta 6) for cutoffs spread over [low, high] Hz. */
export function createLowPassBank(sampleRate: number, low = 3400, high = 7600, count = 15): LowPassBank {
  const taps = 63;
  const half = (taps - 1) / 2;
  const cutoffs = Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
  const kernels = cutoffs.map((cutoff) => {
    const fc = cutoff / sampleRate;
    const kernel = new Float64Array(taps);
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const x = k - half;
      const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
      const window = besselI0(6 * Math.sqrt(1 - (x / half) ** 2)) / besselI0(6);
      kernel[k] = sinc * window;
      sum += kernel[k];
    }
    return kernel.map((v) => v / sum);
  });
  return {
    cutoffs,
    apply(samples, index) {
      const kernel = kernels[index];
      const out = new Float32Array(samples.length);
      for (let n = 0; n < samples.length; n++) {
        let acc = 0;
        const kStart = Math.max(0, half - n);
        const kEnd = Math.min(taps, samples.length - n + half);
        for (let k = kStart; k < kEnd; k++) acc += kernel[k] * samples[n + k - half];
        out[n] = acc;
      }
      return out;
    },
  };
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / Math.max(1, samples.length)) + 1e-9;
}

function crop(samples: Float32Array, length: number, random: RandomSource): Float32Array {
  return cropAt(samples, length, random).audio;
}

/** A random crop of `length` samples (the whole clip if shorter) and where it starts in the clip. */
function cropAt(
  samples: Float32Array,
  length: number,
  random: RandomSource,
): { audio: Float32Array; start: number } {
  if (samples.length <= length) return { audio: samples.slice(), start: 0 };
  const start = random.integer(0, samples.length - length + 1);
  return { audio: samples.slice(start, start + length), start };
}

/** The stretch of a cry recording an example was cut from, to look up a teacher's scores for it. */
export interface CryExcerpt {
  readonly clip: Float32Array;
  readonly start: number;
  readonly length: number;
}

/** One augmented example: its audio and, for a cry example, the cry recording's stretch it holds. */
export interface TrainingExample {
  readonly audio: Float32Array;
  readonly cry?: CryExcerpt;
}

function mixAtSnr(target: Float32Array, other: Float32Array, snrDb: number): void {
  const scale = rms(target) / rms(other) / 10 ** (snrDb / 20);
  for (let i = 0; i < target.length; i++) target[i] += scale * other[i % other.length];
}

/**
 * Makes one augmented training example of `windowLength` samples or fewer (a short, zero-padded clip); a cry
 * example says which stretch of which cry recording it holds.
 */
export function makeTrainingExample(
  label: 'cry' | 'noncry',
  pools: AugmentationPools,
  lowPass: LowPassBank,
  random: RandomSource,
  windowLength: number,
): TrainingExample {
  let audio: Float32Array;
  let cry: CryExcerpt | undefined;
  const sparse = random.next();
  if (label === 'noncry' && sparse < 0.03) {
    // Digital silence (a muted input, the padding of a recording) is not crying.
    return { audio: new Float32Array(windowLength) };
  }
  if (sparse < 0.1) {
    // A short event in digital silence, as in padded recordings: for both classes, so silence is no cue.
    const source = pickFrom(label === 'cry' ? pools.cry : pools.noncry, random);
    const event = cropAt(source, Math.round(random.uniform(0.1, 0.4) * windowLength), random);
    if (label === 'cry') cry = { clip: source, start: event.start, length: event.audio.length };
    audio = new Float32Array(windowLength);
    audio.set(event.audio, random.integer(0, windowLength - event.audio.length + 1));
  } else if (label === 'cry') {
    const source = pickFrom(pools.cry, random);
    const excerpt =
      random.next() < 0.2
        ? cropAt(source, Math.round(random.uniform(0.35, 0.95) * windowLength), random)
        : cropAt(source, windowLength, random);
    audio = excerpt.audio;
    cry = { clip: source, start: excerpt.start, length: audio.length };
    if (random.next() < 0.5)
      mixAtSnr(audio, crop(random.pick(pools.backgrounds), audio.length, random), random.uniform(0, 20));
  } else {
    const source = pickFrom(pools.noncry, random);
    if (source.length >= windowLength) audio = crop(source, windowLength, random);
    else if (random.next() < 0.5) audio = source.slice();
    else {
      audio = crop(random.pick(pools.backgrounds), windowLength, random);
      const level = 10 ** (random.uniform(-30, -10) / 20);
      for (let i = 0; i < audio.length; i++) audio[i] *= level;
      const offset = random.integer(0, windowLength - source.length + 1);
      for (let i = 0; i < source.length; i++) audio[offset + i] += source[i];
    }
    if (random.next() < 0.25)
      mixAtSnr(audio, crop(random.pick(pools.backgrounds), audio.length, random), random.uniform(0, 20));
  }
  // Most cries come from 8 kHz recordings: band-limit audio of both classes so bandwidth is less of a cue.
  if (random.next() < 0.6) audio = lowPass.apply(audio, random.integer(0, lowPass.cutoffs.length));
  if (random.next() < 0.5) {
    const noise = new Float32Array(audio.length);
    const brown = random.next() < 0.5;
    let previous = 0;
    for (let i = 0; i < noise.length; i++) {
      const white = random.normal();
      previous = brown ? 0.98 * previous + 0.2 * white : white;
      noise[i] = previous;
    }
    mixAtSnr(audio, noise, random.uniform(10, 40));
  }
  const gain = 10 ** (random.uniform(-30, -1) / 20) / Math.max(1e-4, peak(audio));
  for (let i = 0; i < audio.length; i++) audio[i] *= gain;
  return { audio, ...(cry ? { cry } : {}) };
}

function peak(samples: Float32Array): number {
  let max = 0;
  for (let i = 0; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i]));
  return max;
}

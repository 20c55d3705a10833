/**
 * Rational-ratio polyphase resampler with a Kaiser-windowed sinc low-pass (J. F. Kaiser, "Nonrecursive digital
 * filter design using the I0-sinh window function", 1974; the same family as libsamplerate and soxr).
 *
 * Design, stated relative to the Nyquist frequency of the lower of the two rates:
 *   passband edge 0.91 (7.28 kHz when the output is 16 kHz), stopband edge 1.00, stopband attenuation 100 dB,
 *   passband ripple below 0.001 dB. The filter for every output phase is tabulated once per rate pair.
 */

/** Settings of a resampling filter. */
export interface ResamplerSettings {
  readonly fromRate: number;
  readonly toRate: number;
  /** Passband edge as a fraction of the lower Nyquist frequency. */
  readonly passband?: number;
  /** Stopband edge as a fraction of the lower Nyquist frequency. */
  readonly stopband?: number;
  /** Stopband attenuation in dB. */
  readonly attenuationDb?: number;
}

/** Resamples a whole mono signal. */
export type Resampler = (input: Float32Array) => Float32Array;

function greatestCommonDivisor(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The modified Bessel function of the first kind, order 0 (power series), for Kaiser windows. */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Sample rates accepted as input (every microphone, camera and file rate in use lies inside). */
export const MIN_SAMPLE_RATE = 4000;
export const MAX_SAMPLE_RATE = 192000;
/** The largest filter table built (entries of 8 bytes: 16 MB); an odd rate pair beyond it is refused. */
const MAX_TABLE_ENTRIES = 2_000_000;

/** Builds a resampler from `fromRate` to `toRate` (integer rates in Hz). */
export function createResampler(settings: ResamplerSettings): Resampler {
  const { fromRate, toRate } = settings;
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new Error(`sample rates must be positive integers, got ${fromRate} -> ${toRate}`);
  }
  for (const rate of [fromRate, toRate]) {
    if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
      throw new Error(`sample rate ${rate} Hz is outside ${MIN_SAMPLE_RATE}-${MAX_SAMPLE_RATE} Hz`);
    }
  }
  if (fromRate === toRate) return (input) => input.slice();
  const passband = settings.passband ?? 0.91;
  const stopband = settings.stopband ?? 1.0;
  const attenuation = settings.attenuationDb ?? 100;
  const divisor = greatestCommonDivisor(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  const lowerNyquist = Math.min(fromRate, toRate) / 2;
  // Everything below is measured in input samples.
  const cutoff = (((passband + stopband) / 2) * lowerNyquist) / fromRate;
  const transition = ((stopband - passband) * lowerNyquist) / fromRate;
  const beta =
    attenuation > 50
      ? 0.1102 * (attenuation - 8.7)
      : 0.5842 * (attenuation - 21) ** 0.4 + 0.07886 * (attenuation - 21);
  const halfLength = Math.ceil((attenuation - 7.95) / (2.285 * 2 * Math.PI * transition) / 2) + 1;
  const taps = 2 * halfLength;
  if (up * taps > MAX_TABLE_ENTRIES) {
    throw new Error(
      `sample rate ${fromRate} Hz would need a ${Math.round((up * taps * 8) / 2 ** 20)} MB filter to reach ${toRate} Hz; use a common rate (8000, 16000, 22050, 32000, 44100, 48000, 96000 Hz)`,
    );
  }
  const i0Beta = besselI0(beta);
  const phaseCount = up;
  const table = new Float64Array(phaseCount * taps);
  for (let phase = 0; phase < phaseCount; phase++) {
    const frac = phase / up;
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const x = k - halfLength + 1 - frac;
      const ratio = x / halfLength;
      const window = Math.abs(ratio) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta;
      const arg = 2 * cutoff * x;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
      const value = 2 * cutoff * sinc * window;
      table[phase * taps + k] = value;
      sum += value;
    }
    for (let k = 0; k < taps; k++) table[phase * taps + k] /= sum;
  }
  return (input) => {
    const outLength = Math.ceil((input.length * up) / down);
    const out = new Float32Array(outLength);
    for (let n = 0; n < outLength; n++) {
      const position = n * down;
      const base = Math.floor(position / up);
      const phase = position - base * up;
      const first = base - halfLength + 1;
      const row = phase * taps;
      let acc = 0;
      const kStart = first < 0 ? -first : 0;
      const kEnd = Math.min(taps, input.length - first);
      for (let k = kStart; k < kEnd; k++) acc += table[row + k] * input[first + k];
      out[n] = acc;
    }
    return out;
  };
}

/** Resamplers by input rate, the least recently used dropped beyond `maxEntries` (a stream has one rate). */
export interface ResamplerCache {
  resample(input: Float32Array, fromRate: number): Float32Array;
}

/** Creates a cache of resamplers into `toRate`. */
export function createResamplerCache(toRate: number, maxEntries = 4): ResamplerCache {
  const resamplers = new Map<number, Resampler>();
  return {
    resample(input, fromRate) {
      if (fromRate === toRate) return input;
      let resampler = resamplers.get(fromRate);
      if (resampler) resamplers.delete(fromRate);
      else resampler = createResampler({ fromRate, toRate });
      resamplers.set(fromRate, resampler);
      if (resamplers.size > maxEntries) resamplers.delete(resamplers.keys().next().value as number);
      return resampler(input);
    },
  };
}

/** Convenience: resample once, building the filter for this rate pair. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  return createResampler({ fromRate, toRate })(input);
}

/**
 * YAMNet's log-mel front end (tensorflow/models research/audioset/yamnet `features.py`: 25 ms frames at a 10 ms
 * hop, periodic Hann window, 512-point RFFT magnitude, 64 mel bands from 125 to 7500 Hz, log(mel + 0.001)),
 * computed so that it equals, bit for bit, what Google's TFLite interpreter with its XNNPACK delegate computes from
 * the same file: the Hann window, the mel matrix and the log offset are read from the model file (recomputing them
 * is not bit-equal); the FFT runs in float64 and is rounded to float32 parts; |X| is float32(hypot); each mel band
 * starts at its bias and accumulates k = 0..256 in order as a fused multiply-add rounded to float32 (zero weights
 * are skipped, which leaves the sum unchanged), or, for the dynamic-range file's int8 mel matrix, XNNPACK's
 * dynamically quantised GEMM; the log is XNNPACK's f32 rational 3/3 approximation (`xnn_f32_vlog`), every step
 * rounded to float32 (its first step, m·√½ − 1, is a separate multiply and subtract; the rest fused). See `../../../../README.md` (YAMNet parity) for the measurements.
 */

import * as fs from 'fs';
import * as path from 'path';

/** YAMNet's framing, fixed by the model (yamnet/params.py). */
export const YAMNET_SAMPLE_RATE = 16000;
export const YAMNET_FRAME_LENGTH = 400;
export const YAMNET_FRAME_HOP = 160;
export const YAMNET_FFT_LENGTH = 512;
export const YAMNET_BANDS = 64;
/** Frames per patch (0.96 s of frames) and the hop between patches (0.48 s). */
export const YAMNET_PATCH_FRAMES = 96;
export const YAMNET_PATCH_HOP_FRAMES = 48;
/** Samples one patch needs (15600 = 0.975 s) and the hop between patch starts (7680 = 0.48 s). */
export const YAMNET_PATCH_SAMPLES = (YAMNET_PATCH_FRAMES - 1) * YAMNET_FRAME_HOP + YAMNET_FRAME_LENGTH;
export const YAMNET_PATCH_HOP_SAMPLES = YAMNET_PATCH_HOP_FRAMES * YAMNET_FRAME_HOP;

/** The front end's constants, as stored in the model file. */
export interface YamnetFrontEndTables {
  /** The analysis window, 400 values. */
  readonly window: Float32Array;
  /** The mel matrix, 64 rows of 257 weights (row-major, one row per band). */
  readonly mel: Float32Array;
  /** Added to each band before the log (0.001 in YAMNet). */
  readonly melBias: Float32Array;
  /**
   * Set when the mel matrix is stored as int8 in a dynamic-range file: the interpreter then quantises each
   * magnitude frame on the fly (asymmetric int8, XNNPACK's qd8 quantisation) and multiplies integers.
   */
  readonly hybridMel?: { readonly weights: Int8Array; readonly scales: Float32Array };
}

/** Writes the log-mel frame of `samples[start .. start + 400)` (64 values) into `out` at `outOffset`. */
export interface YamnetLogMelFrame {
  (samples: Float32Array, start: number, out: Float32Array, outOffset: number): void;
  /** Writes `count` frames at the 160-sample hop from `start`, 64 values apart from `outOffset` (same values). */
  frames(samples: Float32Array, start: number, count: number, out: Float32Array, outOffset: number): void;
}

/** A single-frame function with `frames` as its loop. */
function withFrames(
  frame: (samples: Float32Array, start: number, out: Float32Array, outOffset: number) => void,
): YamnetLogMelFrame {
  return Object.assign(frame, {
    frames(samples: Float32Array, start: number, count: number, out: Float32Array, outOffset: number) {
      for (let f = 0; f < count; f++) {
        frame(samples, start + f * YAMNET_FRAME_HOP, out, outOffset + f * YAMNET_BANDS);
      }
    },
  });
}

const f32 = Math.fround;

/**
 * Builds the frame computer; the FFT tables and the sparse mel bands are made once. `engine: 'auto'` runs the
 * steps in WebAssembly (frontend-kernels.wat, about 4x faster) when this runtime can, else, or with `'js'`, in
 * JavaScript; both give the same bits.
 */
export function createYamnetLogMelFrame(
  tables: YamnetFrontEndTables,
  options: { engine?: 'auto' | 'js'; bandLimitHz?: number } = {},
): YamnetLogMelFrame {
  const bins = YAMNET_FFT_LENGTH / 2 + 1;
  if (options.bandLimitHz !== undefined) tables = bandLimited(tables, options.bandLimitHz);
  if (tables.window.length !== YAMNET_FRAME_LENGTH) {
    throw new Error(`expected a ${YAMNET_FRAME_LENGTH}-point window, got ${tables.window.length}`);
  }
  if (tables.mel.length !== YAMNET_BANDS * bins || tables.melBias.length !== YAMNET_BANDS) {
    throw new Error(`expected a ${YAMNET_BANDS} x ${bins} mel matrix with ${YAMNET_BANDS} offsets`);
  }
  const bands = Array.from({ length: YAMNET_BANDS }, (_, band) => {
    const bins_: number[] = [];
    const weights: number[] = [];
    for (let k = 0; k < bins; k++) {
      const w = tables.mel[band * bins + k];
      if (w !== 0) {
        bins_.push(k);
        weights.push(w);
      }
    }
    return { bins: Int32Array.from(bins_), weights: Float64Array.from(weights), bias: tables.melBias[band] };
  });
  const hybrid = tables.hybridMel;
  const quantized = new Float64Array(bins);
  if ((options.engine ?? 'auto') === 'auto') {
    const wasm = createWasmLogMelFrame(tables, bands);
    if (wasm) return wasm;
  }
  const spectrum = createRealFftMagnitude(YAMNET_FFT_LENGTH);
  const frameValues = new Float64Array(YAMNET_FRAME_LENGTH);
  const magnitude = new Float64Array(bins);
  const window = tables.window;
  return withFrames((samples, start, out, outOffset) => {
    if (start < 0 || start + YAMNET_FRAME_LENGTH > samples.length) {
      throw new Error(`frame at ${start} does not fit in ${samples.length} samples`);
    }
    for (let i = 0; i < YAMNET_FRAME_LENGTH; i++) frameValues[i] = f32(samples[start + i] * window[i]);
    spectrum(frameValues, magnitude);
    if (hybrid) {
      hybridMelFrame(magnitude, quantized, hybrid.weights, hybrid.scales, tables.melBias, out, outOffset);
      return;
    }
    for (let band = 0; band < YAMNET_BANDS; band++) {
      const { bins: ks, weights, bias } = bands[band];
      let acc = bias;
      for (let j = 0; j < ks.length; j++) acc = f32(magnitude[ks[j]] * weights[j] + acc);
      out[outOffset + band] = xnnpackLog(acc);
    }
  });
}

/**
 * Channel-blind input: the mel matrix without the FFT bins above `limitHz`, so that the network sees what it would
 * see of audio sampled at 2 x `limitHz` (the bands above are at the log floor, log(0.001)). A full-band recording
 * and a telephone-band one of the same sound then look alike, and a band-limited cry does not vanish under
 * full-band music or television above the limit.
 */
export function bandLimited(tables: YamnetFrontEndTables, limitHz: number): YamnetFrontEndTables {
  if (!(limitHz > 0 && limitHz < YAMNET_SAMPLE_RATE / 2)) {
    throw new Error(`the band limit must be between 0 and ${YAMNET_SAMPLE_RATE / 2} Hz, got ${limitHz}`);
  }
  const bins = YAMNET_FFT_LENGTH / 2 + 1;
  const mel = Float32Array.from(tables.mel);
  const hybridWeights = tables.hybridMel ? Int8Array.from(tables.hybridMel.weights) : undefined;
  for (let band = 0; band < YAMNET_BANDS; band++) {
    for (let k = 0; k < bins; k++) {
      if ((k * YAMNET_SAMPLE_RATE) / YAMNET_FFT_LENGTH > limitHz) {
        mel[band * bins + k] = 0;
        if (hybridWeights) hybridWeights[band * bins + k] = 0;
      }
    }
  }
  return {
    ...tables,
    mel,
    hybridMel:
      tables.hybridMel && hybridWeights ? { ...tables.hybridMel, weights: hybridWeights } : undefined,
  };
}

/** The compiled front end beside this file (scripts/build-wasm.js). */
export const FRONTEND_KERNELS_FILE = path.join(__dirname, 'frontend-kernels.wasm');

interface FrontEndKernels {
  spectrum2(
    samplesA: number,
    samplesB: number,
    window: number,
    xa: number,
    xb: number,
    reverse: number,
    re2: number,
    im2: number,
    cs: number,
    split: number,
    magnitude2: number,
  ): void;
  melLog2(
    magnitude2: number,
    bands: number,
    melK: number,
    melW: number,
    melBias: number,
    outA: number,
    outB: number,
  ): void;
}

/** The frame computer on frontend-kernels.wasm, or undefined where it cannot load (then JavaScript runs). */
function createWasmLogMelFrame(
  tables: YamnetFrontEndTables,
  bands: readonly { bins: Int32Array; weights: Float64Array; bias: number }[],
): YamnetLogMelFrame | undefined {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(fs.readFileSync(FRONTEND_KERNELS_FILE));
  } catch {
    return undefined;
  }
  if (!WebAssembly.validate(bytes)) return undefined;
  const n = YAMNET_FFT_LENGTH;
  const m = n >> 1;
  const bins = m + 1;
  const nonzero = bands.reduce((count, band) => count + band.bins.length, 0);
  let end = 0;
  const take = (byteLength: number): number => {
    const at = end;
    end += Math.ceil(byteLength / 16) * 16;
    return at;
  };
  const layout = {
    samples: take(4 * YAMNET_FRAME_LENGTH),
    samplesB: take(4 * YAMNET_FRAME_LENGTH),
    window: take(4 * YAMNET_FRAME_LENGTH),
    xa: take(4 * n),
    xb: take(4 * n),
    reverse: take(4 * m),
    re2: take(16 * m),
    im2: take(16 * m),
    cs: take(16 * (m - 1)),
    split: take(16 * bins),
    magnitude2: take(16 * bins),
    bands: take(8 * YAMNET_BANDS),
    melK: take(4 * nonzero),
    melW: take(8 * nonzero),
    melBias: take(8 * YAMNET_BANDS),
    out: take(4 * YAMNET_BANDS),
    outB: take(4 * YAMNET_BANDS),
  };
  const memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) });
  const buffer = memory.buffer;
  new Float32Array(buffer, layout.window, YAMNET_FRAME_LENGTH).set(tables.window);
  const levels = Math.log2(m);
  const reverse = new Int32Array(buffer, layout.reverse, m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < levels; b++) r |= ((i >> b) & 1) << (levels - 1 - b);
    reverse[i] = r;
  }
  // Per stage (size 2 ... m), per j < size / 2: (cos, sin) of 2πj / size.
  const cs = new Float64Array(buffer, layout.cs, 2 * (m - 1));
  for (let size = 2, t = 0; size <= m; size <<= 1) {
    for (let j = 0; j < size >> 1; j++, t += 2) {
      cs[t] = Math.cos((2 * Math.PI * j) / size);
      cs[t + 1] = Math.sin((2 * Math.PI * j) / size);
    }
  }
  const split = new Float64Array(buffer, layout.split, 2 * bins);
  for (let k = 0; k < bins; k++) {
    split[2 * k] = Math.cos((2 * Math.PI * k) / n);
    split[2 * k + 1] = Math.sin((2 * Math.PI * k) / n);
  }
  const bandTable = new Int32Array(buffer, layout.bands, 2 * YAMNET_BANDS);
  const melK = new Int32Array(buffer, layout.melK, nonzero);
  const melW = new Float64Array(buffer, layout.melW, nonzero);
  const melBias = new Float64Array(buffer, layout.melBias, YAMNET_BANDS);
  let first = 0;
  bands.forEach((band, index) => {
    bandTable[2 * index] = first;
    bandTable[2 * index + 1] = band.bins.length;
    melK.set(band.bins, first);
    melW.set(band.weights, first);
    melBias[index] = band.bias;
    first += band.bins.length;
  });
  const kernels = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
    .exports as unknown as FrontEndKernels;
  const samplesView = new Float32Array(buffer, layout.samples, YAMNET_FRAME_LENGTH);
  const samplesViewB = new Float32Array(buffer, layout.samplesB, YAMNET_FRAME_LENGTH);
  const magnitude = new Float64Array(bins);
  const magnitude2 = new Float64Array(buffer, layout.magnitude2, 2 * bins);
  const outView = new Float32Array(buffer, layout.out, YAMNET_BANDS);
  const outViewB = new Float32Array(buffer, layout.outB, YAMNET_BANDS);
  const hybrid = tables.hybridMel;
  const quantized = new Float64Array(bins);
  const check = (samples: Float32Array, start: number, count: number) => {
    const end = start + (count - 1) * YAMNET_FRAME_HOP + YAMNET_FRAME_LENGTH;
    if (start < 0 || end > samples.length) {
      throw new Error(`frames at ${start}..${end} do not fit in ${samples.length} samples`);
    }
  };
  /** Lane `lane`'s log-mel frame (after spectrum2, and melLog2 unless the mel matrix is the hybrid one) into out. */
  const keepLane = (lane: number, out: Float32Array, offset: number) => {
    if (!hybrid) {
      out.set(lane === 0 ? outView : outViewB, offset);
      return;
    }
    for (let k = 0; k < bins; k++) magnitude[k] = magnitude2[2 * k + lane];
    hybridMelFrame(magnitude, quantized, hybrid.weights, hybrid.scales, tables.melBias, out, offset);
  };
  /**
   * The log-mel frames at `start` (lane A) and at `startB` (lane B) into out[offsetA..] and out[offsetB..]; a lone
   * frame passes the same start twice and no offsetB (both lanes compute it, one is kept).
   */
  const pair = (
    samples: Float32Array,
    start: number,
    startB: number,
    out: Float32Array,
    offsetA: number,
    offsetB?: number,
  ) => {
    copyFrame(samples, start, samplesView);
    copyFrame(samples, startB, samplesViewB);
    kernels.spectrum2(
      layout.samples,
      layout.samplesB,
      layout.window,
      layout.xa,
      layout.xb,
      layout.reverse,
      layout.re2,
      layout.im2,
      layout.cs,
      layout.split,
      layout.magnitude2,
    );
    if (!hybrid) {
      kernels.melLog2(
        layout.magnitude2,
        layout.bands,
        layout.melK,
        layout.melW,
        layout.melBias,
        layout.out,
        layout.outB,
      );
    }
    keepLane(0, out, offsetA);
    if (offsetB !== undefined) keepLane(1, out, offsetB);
  };
  const frame = (samples: Float32Array, start: number, out: Float32Array, outOffset: number) => {
    check(samples, start, 1);
    pair(samples, start, start, out, outOffset);
  };
  return Object.assign(frame, {
    frames(samples: Float32Array, start: number, count: number, out: Float32Array, outOffset: number) {
      if (count <= 0) return;
      check(samples, start, count);
      let f = 0;
      for (; f + 1 < count; f += 2) {
        const a = start + f * YAMNET_FRAME_HOP;
        const offsetA = outOffset + f * YAMNET_BANDS;
        pair(samples, a, a + YAMNET_FRAME_HOP, out, offsetA, offsetA + YAMNET_BANDS);
      }
      if (f < count) frame(samples, start + f * YAMNET_FRAME_HOP, out, outOffset + f * YAMNET_BANDS);
    },
  });
}

/** Copies one frame's samples into the kernels' memory (a loop: no subarray object per frame). */
function copyFrame(samples: Float32Array, start: number, target: Float32Array): void {
  for (let i = 0; i < YAMNET_FRAME_LENGTH; i++) target[i] = samples[start + i];
}

/**
 * The dynamic-range file's int8 mel matrix as XNNPACK's qd8 fully connected layer runs it: each magnitude frame
 * quantised to int8 with its own scale (`xnn_f32_qd8_asymmetric_quantization_params`, float32 arithmetic; the
 * magnitudes are >= 0, so the zero point is -128), the integer dot product of the centred values, then
 * `fma(acc · s_frame, s_w, bias)`.
 */
function hybridMelFrame(
  magnitude: Float64Array,
  quantized: Float64Array,
  weights: Int8Array,
  scales: Float32Array,
  bias: Float32Array,
  out: Float32Array,
  outOffset: number,
): void {
  const bins = magnitude.length;
  let rmax = 0;
  for (let k = 0; k < bins; k++) if (magnitude[k] > rmax) rmax = magnitude[k];
  const inverse = rmax === 0 ? 1 : f32(255 / rmax);
  const rmaxScaled = f32(rmax * inverse);
  const useMin = f32(-128 + f32(rmaxScaled + 127)) > 0;
  const zeroPoint = roundHalfEven(Math.min(127, Math.max(-128, useMin ? -128 : f32(127 - rmaxScaled))));
  const scale = f32(1 / inverse);
  const toQuantized = f32(1 / scale);
  for (let k = 0; k < bins; k++) {
    const q = roundHalfEven(f32(magnitude[k] * toQuantized)) + zeroPoint;
    quantized[k] = Math.min(127, Math.max(-128, q)) - zeroPoint;
  }
  for (let band = 0; band < YAMNET_BANDS; band++) {
    let dot = 0;
    const row = band * bins;
    for (let k = 0; k < bins; k++) dot += weights[row + k] * quantized[k];
    out[outOffset + band] = xnnpackLog(f32(f32(dot * scale) * scales[band] + bias[band]));
  }
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const LOG_SQRT2 = f32(1.414213419);
const LOG_SQRT_HALF = f32(0.70710688829);
const LOG_P1 = f32(0.182499691844);
const LOG_Q1 = f32(0.049584995955);
const LOG_Q2 = f32(0.599170029163);
const LN2 = f32(0.69314718055994531);
const bits = new DataView(new ArrayBuffer(4));

/**
 * XNNPACK's float32 natural log (rational 3/3 on the reduced mantissa): v = x·√2, e = exponent(v), t =
 * mantissa(v)·√½ − 1, log = e·ln2 + t·(1 + t·(1 + 0.1825 t)) / (1 + t·(1.5 + t·(0.5992 + 0.0496 t))), each
 * multiply-add but the first fused and rounded to float32 (found against the interpreter's log of the
 * dynamic-range file, 0 of 6,144 values differing). Positive finite input only (the mel bias keeps it above 0.001).
 */
export function xnnpackLog(x: number): number {
  const v = f32(x * LOG_SQRT2);
  bits.setFloat32(0, v, true);
  const word = bits.getUint32(0, true);
  const e = ((word >>> 23) & 0xff) - 127;
  bits.setUint32(0, (word & 0x007fffff) | 0x3f800000, true);
  const m = bits.getFloat32(0, true);
  const t = f32(f32(m * LOG_SQRT_HALF) - 1);
  const p = f32(t * f32(t * f32(t * LOG_P1 + 1) + 1));
  const q = f32(t * f32(t * f32(t * LOG_Q1 + LOG_Q2) + 1.5) + 1);
  return f32(e * LN2 + f32(p / q));
}

/**
 * |RFFT| of a real frame (zero-padded to `n`, a power of two) in float64, as float32 magnitudes: the frame's even and
 * odd samples as one complex sequence of n/2 points (radix-2, decimation in time, twiddles per stage), then split
 * into the n/2 + 1 bins of the real transform. Each part is rounded to float32 (the interpreter's RFFT2D computes
 * in double and stores float32) and |X| is hypot of those, rounded to float32.
 */
function createRealFftMagnitude(n: number): (frame: Float64Array, magnitude: Float64Array) => void {
  const m = n >> 1;
  const levels = Math.log2(m);
  const reverse = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < levels; b++) r |= ((i >> b) & 1) << (levels - 1 - b);
    reverse[i] = r;
  }
  // Stage twiddles exp(-2πi j / size), j < size / 2, for size = 2, 4, ..., m, one after another.
  const stageCos = new Float64Array(m);
  const stageSin = new Float64Array(m);
  for (let size = 2, at = 0; size <= m; size *= 2) {
    for (let j = 0; j < size / 2; j++, at++) {
      stageCos[at] = Math.cos((2 * Math.PI * j) / size);
      stageSin[at] = Math.sin((2 * Math.PI * j) / size);
    }
  }
  const splitCos = Float64Array.from({ length: m + 1 }, (_, k) => Math.cos((2 * Math.PI * k) / n));
  const splitSin = Float64Array.from({ length: m + 1 }, (_, k) => Math.sin((2 * Math.PI * k) / n));
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  return (frame, magnitude) => {
    for (let i = 0; i < m; i++) {
      const j = reverse[i];
      const a = 2 * j;
      re[i] = a < frame.length ? frame[a] : 0;
      im[i] = a + 1 < frame.length ? frame[a + 1] : 0;
    }
    for (let size = 2, at = 0; size <= m; at += size >> 1, size <<= 1) {
      const half = size >> 1;
      for (let i = 0; i < m; i += size) {
        for (let j = 0; j < half; j++) {
          const c = stageCos[at + j];
          const s = stageSin[at + j];
          const a = i + j;
          const b = a + half;
          const tre = re[b] * c + im[b] * s;
          const tim = im[b] * c - re[b] * s;
          re[b] = re[a] - tre;
          im[b] = im[a] - tim;
          re[a] += tre;
          im[a] += tim;
        }
      }
    }
    // X[k] = E[k] + exp(-2πi k / n) O[k], with E and O the transforms of the even and odd samples.
    for (let k = 0; k <= m; k++) {
      const p = k & (m - 1);
      const q = (m - k) & (m - 1);
      const ar = re[p];
      const ai = im[p];
      const br = re[q];
      const bi = -im[q];
      const er = (ar + br) * 0.5; // exact: the same as / 2
      const ei = (ai + bi) * 0.5;
      const or = (ai - bi) * 0.5;
      const oi = -(ar - br) * 0.5;
      const c = splitCos[k];
      const s = splitSin[k];
      const xr = f32(er + c * or + s * oi);
      const xi = f32(ei + c * oi - s * or);
      // The squares are exact in float64, so this is hypot rounded once to float64, then to float32.
      magnitude[k] = f32(Math.sqrt(xr * xr + xi * xi));
    }
  };
}

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
export type YamnetLogMelFrame = (
  samples: Float32Array,
  start: number,
  out: Float32Array,
  outOffset: number,
) => void;

const f32 = Math.fround;

/** Builds the frame computer; the FFT tables and the sparse mel bands are made once. */
export function createYamnetLogMelFrame(tables: YamnetFrontEndTables): YamnetLogMelFrame {
  const bins = YAMNET_FFT_LENGTH / 2 + 1;
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
  const fft = createComplexFft(YAMNET_FFT_LENGTH);
  const re = new Float64Array(YAMNET_FFT_LENGTH);
  const im = new Float64Array(YAMNET_FFT_LENGTH);
  const magnitude = new Float64Array(bins);
  const window = tables.window;
  return (samples, start, out, outOffset) => {
    if (start < 0 || start + YAMNET_FRAME_LENGTH > samples.length) {
      throw new Error(`frame at ${start} does not fit in ${samples.length} samples`);
    }
    for (let i = 0; i < YAMNET_FRAME_LENGTH; i++) re[i] = f32(samples[start + i] * window[i]);
    re.fill(0, YAMNET_FRAME_LENGTH);
    im.fill(0);
    fft(re, im);
    for (let k = 0; k < bins; k++) {
      const r = f32(re[k]);
      const i = f32(im[k]);
      // The squares are exact in float64, so this is hypot rounded once to float64, then to float32.
      magnitude[k] = f32(Math.sqrt(r * r + i * i));
    }
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
  };
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

/** An in-place radix-2 complex FFT in float64 (Cooley-Tukey, decimation in time) of a fixed power-of-two length. */
function createComplexFft(n: number): (re: Float64Array, im: Float64Array) => void {
  const levels = Math.log2(n);
  const reverse = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < levels; b++) r |= ((i >> b) & 1) << (levels - 1 - b);
    reverse[i] = r;
  }
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let i = 0; i < n / 2; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / n);
    sin[i] = Math.sin((2 * Math.PI * i) / n);
  }
  return (re, im) => {
    for (let i = 0; i < n; i++) {
      const j = reverse[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let i = 0; i < n; i += size) {
        for (let j = 0; j < half; j++) {
          const k = j * step;
          const a = i + j;
          const b = a + half;
          const tre = re[b] * cos[k] + im[b] * sin[k];
          const tim = im[b] * cos[k] - re[b] * sin[k];
          re[b] = re[a] - tre;
          im[b] = im[a] - tim;
          re[a] += tre;
          im[a] += tim;
        }
      }
    }
  };
}

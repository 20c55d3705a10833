/**
 * The float arithmetic around the int8 sums of the dynamic-range YAMNet, in the interpreter's exact order (found
 * layer by layer against Google's interpreter; with these every convolution, the mean and the classifier layer of
 * the file give its very values):
 *
 * - pointwise convolutions and the classifier layer run as XNNPACK's qd8 GEMM: `fma(float(acc) · s_row, s_w, bias)`;
 * - depthwise convolutions run TFLite's own hybrid kernel: the image quantised as `AsymmetricQuantizeFloats`
 *   does (scale and zero point computed in float64; each value `round(float32(v · (1 / scale))) + zero point`,
 *   halves away from zero), and the output `float(acc) · s_w · s_image + bias`, left to right, not fused;
 * - the float MEAN sums in order and multiplies by the float32 reciprocal of the count.
 *
 * A fused multiply-add of float32 values is taken as one float64 add and one rounding (the product of two float32
 * is exact in float64), see float-conv.ts.
 */

const f32 = Math.fround;

/** Clamps to [0, high] when `high` is given (ReLU: Infinity, ReLU6: 6). */
function activate(value: number, high: number | undefined): number {
  if (high === undefined) return value;
  return value < 0 ? 0 : value > high ? high : value;
}

/** XNNPACK's qd8 GEMM output: `acc` is rows x channels, one input scale per row. */
export function gemmOutput(
  acc: Float32Array,
  rowScales: Float32Array,
  channelScales: Float32Array,
  bias: Float32Array,
  high?: number,
): Float32Array {
  const channels = channelScales.length;
  const out = new Float32Array(acc.length);
  for (let i = 0, row = 0, c = 0; i < acc.length; i++) {
    out[i] = activate(f32(f32(acc[i] * rowScales[row]) * channelScales[c] + bias[c]), high);
    if (++c === channels) {
      c = 0;
      row++;
    }
  }
  return out;
}

/** TFLite's hybrid depthwise output: `acc` is images x (pixels x channels), one input scale per image. */
export function depthwiseHybridOutput(
  acc: Float32Array,
  imageScales: Float32Array,
  channelScales: Float32Array,
  bias: Float32Array,
  high?: number,
): Float32Array {
  const channels = channelScales.length;
  const perImage = acc.length / imageScales.length;
  const out = new Float32Array(acc.length);
  for (let i = 0, c = 0; i < acc.length; i++) {
    const scale = imageScales[Math.floor(i / perImage)];
    out[i] = activate(f32(f32(f32(acc[i] * channelScales[c]) * scale) + bias[c]), high);
    if (++c === channels) c = 0;
  }
  return out;
}

/** C's round(): halves away from zero. */
function roundAway(value: number): number {
  return value < 0 ? -Math.round(-value) : Math.round(value);
}

/**
 * TFLite's `AsymmetricQuantizeFloats` per image: the centred values (q - zero point, as float32) and each image's
 * scale. An image of zeros gets scale 1 and zeros.
 */
export function quantizeImagesAsTflite(
  values: Float32Array,
  images: number,
): { centred: Float32Array; scales: Float32Array } {
  const perImage = values.length / images;
  const centred = new Float32Array(values.length);
  const scales = new Float32Array(images);
  for (let b = 0; b < images; b++) {
    const start = b * perImage;
    let min = Infinity;
    let max = -Infinity;
    for (let i = start; i < start + perImage; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
    const rmin = Math.min(0, min);
    const rmax = Math.max(0, max);
    if (rmin === rmax) {
      scales[b] = 1;
      continue;
    }
    const scale = (rmax - rmin) / 255;
    const fromMin = -128 - rmin / scale;
    const fromMax = 127 - rmax / scale;
    const zeroPointDouble = 128 + Math.abs(rmin / scale) < 127 + Math.abs(rmax / scale) ? fromMin : fromMax;
    const zeroPoint =
      zeroPointDouble <= -128 ? -128 : zeroPointDouble >= 127 ? 127 : roundAway(zeroPointDouble);
    const scaleF = f32(scale);
    const inverse = f32(1 / scaleF);
    scales[b] = scaleF;
    for (let i = start; i < start + perImage; i++) {
      const q = roundAway(f32(values[i] * inverse)) + zeroPoint;
      centred[i] = (q < -128 ? -128 : q > 127 ? 127 : q) - zeroPoint;
    }
  }
  return { centred, scales };
}

/** The float MEAN over the middle axes of NHWC: sum in order, times fround(1 / count). Gives [batch, channels]. */
export function meanOverPixels(values: Float32Array, shape: readonly number[]): Float32Array {
  const [batch, height, width, channels] = shape;
  const pixels = height * width;
  const inverse = f32(1 / pixels);
  const out = new Float32Array(batch * channels);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      let acc = 0;
      for (let p = 0; p < pixels; p++) acc = f32(acc + values[(b * pixels + p) * channels + c]);
      out[b * channels + c] = f32(acc * inverse);
    }
  }
  return out;
}

/**
 * The float32 convolutions of the dynamic-range YAMNet (its first convolution and the depthwise layers whose
 * weights stayed float) summed exactly as XNNPACK sums them on x86, so that what follows sees the interpreter's
 * very values: the accumulator starts at the bias and takes one fused multiply-add per tap, a regular
 * convolution's taps in kernel-row order (then input channel), a depthwise convolution's in kernel-column order
 * (XNNPACK packs depthwise weights column by column). Found by comparing every output of these layers with
 * Google's interpreter: 0 of 49,152 (conv) and 0 of 49,152 / 24,576 (depthwise) values differ, against ~9,000
 * differing with TensorFlow.js's own (unfused, other order) convolution.
 *
 * A fused multiply-add of float32 values: the product of two float32 is exact in float64, so one float64 add and one
 * rounding to float32 (a double rounding, which can differ from a true FMA only when the float64 sum lies exactly
 * halfway between two float32 values; none did in the comparison).
 */

/** The geometry of one convolution (NHWC input, SAME or VALID padding as TFLite computes it). */
export interface FloatConvGeometry {
  readonly depthwise: boolean;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly padding: 'same' | 'valid';
  /** 0 = none, else the upper clamp (Infinity for ReLU, 6 for ReLU6); the lower one is then 0. */
  readonly clampHigh?: number;
}

function outputSize(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'same' | 'valid',
) {
  const effective = (kernel - 1) * dilation + 1;
  const out = padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
  const padTotal = Math.max(0, (out - 1) * stride + effective - size);
  return { out, before: padding === 'same' ? Math.floor(padTotal / 2) : 0 };
}

/**
 * Convolves `input` ([batch, height, width, channels]); `weights` in TFLite's layout ([out, kh, kw, in] for a
 * regular convolution, [1, kh, kw, channels x multiplier] for a depthwise one). Returns the output and its shape.
 */
export function floatConvolution(
  input: Float32Array,
  shape: readonly [number, number, number, number],
  weights: Float32Array,
  bias: Float32Array,
  outChannels: number,
  geometry: FloatConvGeometry,
): { output: Float32Array; shape: [number, number, number, number] } {
  const [batch, height, width, channels] = shape;
  const { kernelH, kernelW, strideH, strideW, dilationH, dilationW, depthwise } = geometry;
  const rows = outputSize(height, kernelH, strideH, dilationH, geometry.padding);
  const cols = outputSize(width, kernelW, strideW, dilationW, geometry.padding);
  const output = new Float32Array(batch * rows.out * cols.out * outChannels);
  const high = geometry.clampHigh;
  const multiplier = depthwise ? outChannels / channels : 1;
  // Tap order: kernel rows outer for a regular convolution, kernel columns outer for a depthwise one.
  const taps: [number, number][] = [];
  if (depthwise) {
    for (let kx = 0; kx < kernelW; kx++) for (let ky = 0; ky < kernelH; ky++) taps.push([ky, kx]);
  } else {
    for (let ky = 0; ky < kernelH; ky++) for (let kx = 0; kx < kernelW; kx++) taps.push([ky, kx]);
  }
  let o = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * height * width * channels;
    for (let oy = 0; oy < rows.out; oy++) {
      for (let ox = 0; ox < cols.out; ox++) {
        for (let oc = 0; oc < outChannels; oc++) {
          let acc = bias[oc];
          for (const [ky, kx] of taps) {
            const iy = oy * strideH - rows.before + ky * dilationH;
            const ix = ox * strideW - cols.before + kx * dilationW;
            // Padding reads zeros: a multiply-add of zero leaves the accumulator as it is.
            if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
            const pixel = image + (iy * width + ix) * channels;
            if (depthwise) {
              const w = weights[(ky * kernelW + kx) * outChannels + oc];
              acc = Math.fround(acc + input[pixel + Math.floor(oc / multiplier)] * w);
            } else {
              const row = ((oc * kernelH + ky) * kernelW + kx) * channels;
              for (let c = 0; c < channels; c++) acc = Math.fround(acc + input[pixel + c] * weights[row + c]);
            }
          }
          if (high !== undefined) acc = acc < 0 ? 0 : acc > high ? high : acc;
          output[o++] = acc;
        }
      }
    }
  }
  return { output, shape: [batch, rows.out, cols.out, outChannels] };
}

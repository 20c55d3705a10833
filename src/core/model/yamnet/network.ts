/**
 * Runs the convolutional part of a YAMNet TFLite file (from the log-mel patch to the class scores) from the file's
 * own tensors and operators, in order. A fully quantised file (the classification file) goes to our int8
 * WebAssembly kernels (int8-engine.ts) unless `engine: 'tfjs'` is asked for or they cannot load; everything below is
 * the TensorFlow.js path, which gives the same scores for such a file and runs every other file.
 *
 * Fully quantised layers (int8 in, int8 weights, int32 bias) are emulated exactly as XNNPACK computes them: the
 * activations are carried as their centred integers (q - zero point) in float32, which convolution sums exactly
 * (no partial sum reaches 2^24; checked from the weights when the network is built); the int32 bias is added, the
 * sum is multiplied by the per-channel multiplier fround(fround(s_in·s_w) / s_out), rounded half to even and
 * clamped to the output's range (the fused Relu6 is that clamp), in one pass (requantize.ts). MEAN multiplies its
 * integer sum by fround(s_in / fround(s_out·n)); LOGISTIC is a 256-entry table over the int8 input.
 *
 * Dynamic-range files (int8 weights, float activations) are reproduced as the interpreter runs them: float
 * convolutions summed in XNNPACK's order with fused multiply-adds (float-conv.ts); pointwise convolutions and
 * the classifier layer as XNNPACK's dynamically quantised GEMM (one quantisation per pixel or row), depthwise
 * ones as TFLite's own hybrid kernel (one quantisation per image), and the float MEAN, each in its exact
 * arithmetic (hybrid.ts). Measured: every embedding and score equal to the interpreter's but for the float
 * logistic (within 6e-7).
 *
 * The backend must compute in true float32 (WASM and CPU do; no float16 textures, no Winograd convolution).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import {
  BuiltinOperator,
  TensorType,
  TfliteModel,
  TfliteOperator,
  TfliteTensor,
  tensorValues,
} from '../tflite/model';
import { YAMNET_BANDS, YAMNET_PATCH_FRAMES } from './frontend';
import { floatConvolution } from './float-conv';
import { depthwiseHybridOutput, gemmOutput, meanOverPixels, quantizeImagesAsTflite } from './hybrid';
import { registerRequantizeKernel, requantize } from './requantize';
import { createInt8Network } from './int8-engine';
import { activationRange, int8LogisticTable, Quant } from './quantization';

type Tf = typeof tfc;
type Tensor = tfc.Tensor;

/** What one run gives per patch. */
export interface YamnetNetworkOutput {
  /** 521 scores per patch, patch after patch. */
  readonly scores: Float32Array;
  /** 1024 values per patch, when the file outputs embeddings. */
  readonly embeddings?: Float32Array;
}

/** The network of one model file, with its constant tensors made once. */
export interface YamnetNetwork {
  /** True when the layers are fully int8 (the classification file): scores are then multiples of 1/256. */
  readonly fullyQuantized: boolean;
  /** What computes the layers, for the model's description ("int8 WebAssembly SIMD kernels", "TensorFlow.js"). */
  readonly engine: string;
  readonly classes: number;
  /** Runs `count` log-mel patches (96 x 64 each, row-major, patch after patch). */
  run(patches: Float32Array, count: number): Promise<YamnetNetworkOutput>;
  /** Releases every constant tensor. */
  dispose(): void;
}

/** Integer arithmetic in float32 is exact below this magnitude. */
const EXACT_LIMIT = 2 ** 24;
const f32 = Math.fround;

type Step = (values: Map<number, Tensor>) => void;

/** Which implementation runs a fully quantised file: our int8 kernels when they load (`auto`), or TensorFlow.js. */
export type YamnetEngine = 'auto' | 'tfjs';

/**
 * Builds the network from the model file; `tf` is an initialised TensorFlow.js (WASM or CPU backend). A fully
 * quantised file runs on our int8 WebAssembly kernels (int8-engine.ts) unless `engine` is `tfjs` or they cannot
 * load; `network.engine` says which ran.
 */
export function createYamnetNetwork(
  model: TfliteModel,
  tf: Tf,
  options: { engine?: YamnetEngine } = {},
): YamnetNetwork {
  let int8Note = '';
  if (
    (options.engine ?? 'auto') === 'auto' &&
    model.operators.some((op) => op.code === BuiltinOperator.QUANTIZE)
  ) {
    const int8 = createInt8Network(model);
    if (!('unsupported' in int8)) return int8;
    int8Note = ` (int8 kernels not used: ${int8.unsupported})`;
  }
  registerRequantizeKernel(tf);
  const constants: Tensor[] = [];
  const keep = <T extends Tensor>(tensor: T): T => {
    constants.push(tensor);
    return tensor;
  };
  const firstConv = model.operators.findIndex((op) => op.code === BuiltinOperator.CONV_2D);
  if (firstConv < 0) throw new Error('the model has no CONV_2D operator: not a YAMNet file');
  const quantizeOp = model.operators.slice(0, firstConv).find((op) => op.code === BuiltinOperator.QUANTIZE);
  const networkInput = model.operators[firstConv].inputs[0];
  const inputQuant = quantizeOp ? perTensor(model.tensors[quantizeOp.outputs[0]]) : undefined;
  // A dynamic-range file: int8 weights with float activations (the classification file's input is quantised).
  const dynamicRange =
    !inputQuant &&
    model.tensors.some((tensor) => tensor.type === TensorType.INT8 && tensor.data !== undefined);
  const inputMultiplier = inputQuant ? keep(tf.tensor1d([f32(1 / inputQuant.scale)])) : undefined;
  const steps: Step[] = [];
  let scoresTensor = -1;
  let embeddingsTensor = -1;
  // The int8 logistic (a 256-entry table) and the dequantisation after it run in JavaScript on the 521 downloaded
  // values: a TensorFlow.js gather cost more than all the depthwise layers together (measured 3.4 ms a patch).
  let tail: { input: number; table: Float32Array; offset: number; scale: number } | undefined;
  try {
    for (const op of model.operators.slice(firstConv)) {
      if (tail) {
        if (op.code !== BuiltinOperator.DEQUANTIZE) {
          throw new Error(
            `operator ${op.index} (code ${op.code}) follows the int8 logistic; only DEQUANTIZE may`,
          );
        }
        tail.scale = perTensor(model.tensors[op.inputs[0]]).scale;
        continue;
      }
      if (op.code === BuiltinOperator.LOGISTIC && model.tensors[op.inputs[0]].type === TensorType.INT8) {
        tail = { input: op.inputs[0], ...logisticTable(op), scale: 1 };
        continue;
      }
      steps.push(buildStep(op));
    }
  } catch (error) {
    constants.forEach((tensor) => tensor.dispose());
    throw error;
  }
  const outputs = new Set(model.outputs);
  const scoresCandidates = model.operators.filter(
    (op) => op.code === BuiltinOperator.LOGISTIC || op.code === BuiltinOperator.DEQUANTIZE,
  );
  const last = scoresCandidates[scoresCandidates.length - 1];
  if (!last) throw new Error('the model has no LOGISTIC output: not a YAMNet file');
  scoresTensor = last.outputs[0];
  const meanOp = model.operators.find((op) => op.code === BuiltinOperator.MEAN);
  if (meanOp && outputs.has(meanOp.outputs[0])) embeddingsTensor = meanOp.outputs[0];
  const classes = model.tensors[scoresTensor].shape.at(-1) ?? 0;

  function buildStep(op: TfliteOperator): Step {
    const input = (i: number): TfliteTensor => model.tensors[op.inputs[i]];
    const output = model.tensors[op.outputs[0]];
    const quantized = input(0).type === TensorType.INT8;
    switch (op.code) {
      case BuiltinOperator.CONV_2D:
      case BuiltinOperator.DEPTHWISE_CONV_2D:
        return quantized ? quantizedConv(op, output) : floatConv(op);
      case BuiltinOperator.MEAN: {
        const axes = Array.from(tensorValues(input(1)));
        if (!quantized) {
          const keepDims = op.reducer?.keepDims ?? false;
          if (axes.join() !== '1,2' || input(0).shape.length !== 4) {
            return unary(op, (x) => tf.mean(x, axes, keepDims));
          }
          return unary(op, (x) => {
            const [n, , , c] = x.shape;
            const mean = meanOverPixels(x.dataSync() as Float32Array, x.shape);
            return keepDims ? tf.tensor4d(mean, [n, 1, 1, c]) : tf.tensor2d(mean, [n, c]);
          });
        }
        const count = axes.reduce((n, axis) => n * (input(0).shape[axis] ?? 1), 1);
        const inQ = perTensor(input(0));
        const outQ = perTensor(output);
        const multiplier = keep(tf.tensor1d([f32(inQ.scale / f32(outQ.scale * count))]));
        return unary(op, (x) =>
          requantize(tf, tf.sum(x, axes, true), multiplier, -128 - outQ.zeroPoint, 127 - outQ.zeroPoint),
        );
      }
      case BuiltinOperator.FULLY_CONNECTED:
        return fullyConnected(op, output, quantized);
      case BuiltinOperator.LOGISTIC:
        return unary(op, (x) => tf.sigmoid(x));
      case BuiltinOperator.DEQUANTIZE: {
        const q = perTensor(input(0));
        return unary(op, (x) => tf.mul(x, q.scale));
      }
      case BuiltinOperator.RESHAPE:
        return unary(op, (x) => x);
      default:
        throw new Error(
          `operator code ${op.code} (operator ${op.index}) is not supported in the YAMNet network`,
        );
    }
  }

  /** XNNPACK's int8 sigmoid table of the operator (quantization.ts). */
  function logisticTable(op: TfliteOperator): { table: Float32Array; offset: number } {
    return int8LogisticTable(perTensor(model.tensors[op.inputs[0]]), perTensor(model.tensors[op.outputs[0]]));
  }

  function unary(op: TfliteOperator, fn: (x: Tensor) => Tensor): Step {
    return (values) => {
      const x = values.get(op.inputs[0]);
      if (!x) throw new Error(`operator ${op.index} runs before its input is computed`);
      values.set(op.outputs[0], fn(x));
    };
  }

  function filterOf(op: TfliteOperator, dequantize: boolean): { filter: Tensor; scales: Float32Array } {
    const weights = model.tensors[op.inputs[1]];
    const raw = tensorValues(weights);
    const [a, kh, kw, b] = weights.shape;
    const channels = op.code === BuiltinOperator.CONV_2D ? a : b;
    const scales = channelScales(weights, channels);
    if (dequantize && weights.type === TensorType.INT8) {
      const axis = weights.quantization?.quantizedDimension ?? 0;
      const inner = weights.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
      for (let i = 0; i < raw.length; i++) raw[i] = f32(raw[i] * scales[Math.floor(i / inner) % channels]);
    }
    let filter: Tensor;
    if (op.code === BuiltinOperator.CONV_2D) {
      filter = tf.tidy(() => tf.transpose(tf.tensor4d(raw, [a, kh, kw, b]), [1, 2, 3, 0]));
    } else {
      const multiplier = op.conv?.depthMultiplier || 1;
      const inChannels = b / multiplier;
      filter = tf.tensor4d(raw, [kh, kw, inChannels, multiplier]);
    }
    return { filter: keep(filter), scales };
  }

  /** The operator's convolution (regular or depthwise) of `x`, with its strides, padding and dilations. */
  function convolve(
    op: TfliteOperator,
    x: Tensor,
    filter: Tensor,
    bias?: Tensor,
    activation: 'linear' | 'relu' | 'relu6' = 'linear',
  ): Tensor {
    const conv = op.conv!;
    const args = {
      x: x as tfc.Tensor4D,
      filter: filter as tfc.Tensor4D,
      strides: [conv.strideH, conv.strideW] as [number, number],
      pad: conv.padding,
      dilations: [conv.dilationH, conv.dilationW] as [number, number],
      bias,
      activation,
    };
    return op.code === BuiltinOperator.CONV_2D ? tf.fused.conv2d(args) : tf.fused.depthwiseConv2d(args);
  }

  function floatConv(op: TfliteOperator): Step {
    const conv = op.conv!;
    const weights = model.tensors[op.inputs[1]];
    const depthwise = op.code === BuiltinOperator.DEPTHWISE_CONV_2D;
    // XNNPACK takes the pointwise convolutions as dynamically quantised GEMMs (one quantisation per pixel, a row
    // of the GEMM); the depthwise ones stay with TFLite's hybrid kernel, which quantises per image (hybrid.ts).
    if (weights.type === TensorType.INT8) return hybridConv(op, depthwise ? [1, 2, 3] : [3]);
    if (!dynamicRange) {
      // An all-float file (the official float32 one): TensorFlow.js's own convolution, fast, float32 but not
      // in XNNPACK's summation order.
      const { filter } = filterOf(op, true);
      const bias = keep(tf.tensor1d(tensorValues(model.tensors[op.inputs[2]])));
      const activation =
        conv.activation === 'relu6' ? 'relu6' : conv.activation === 'relu' ? 'relu' : 'linear';
      return unary(op, (x) => convolve(op, x, filter, bias, activation));
    }
    // Float weights among int8 ones (the dynamic-range file's first layers): summed in JavaScript in XNNPACK's
    // order with fused multiply-adds (see float-conv.ts), so that the quantised layers after them start from the
    // interpreter's exact values (their input quantisation turns any difference into a rounding flip).
    const weightValues = tensorValues(weights);
    const biasValues = tensorValues(model.tensors[op.inputs[2]]);
    const [, kernelH, kernelW] = weights.shape;
    const outChannels = depthwise ? weights.shape[3] : weights.shape[0];
    const geometry = {
      depthwise,
      kernelH,
      kernelW,
      strideH: conv.strideH,
      strideW: conv.strideW,
      dilationH: conv.dilationH,
      dilationW: conv.dilationW,
      padding: conv.padding,
      clampHigh: conv.activation === 'relu6' ? 6 : conv.activation === 'relu' ? Infinity : undefined,
    };
    return unary(op, (x) => {
      const result = floatConvolution(
        x.dataSync() as Float32Array,
        x.shape as [number, number, number, number],
        weightValues,
        biasValues,
        outChannels,
        geometry,
      );
      return tf.tensor4d(result.output, result.shape);
    });
  }

  /**
   * An int8-weight layer on float input as the interpreter runs it: the input is quantised over `axes` (asymmetric
   * int8 from its own min and max), the integer sum of the centred values is scaled back by input scale x weight
   * scale, then the float bias and the activation.
   */
  function hybridConv(op: TfliteOperator, axes: number[]): Step {
    const conv = op.conv!;
    const { filter, scales } = filterOf(op, false);
    const bias = tensorValues(model.tensors[op.inputs[2]]);
    const high = conv.activation === 'relu6' ? 6 : conv.activation === 'relu' ? Infinity : undefined;
    if (axes.length === 1) {
      return unary(op, (x) => {
        const { centred, scale } = quantizeDynamically(x, axes);
        const acc = convolve(op, centred, filter);
        const out = gemmOutput(
          acc.dataSync() as Float32Array,
          scale.dataSync() as Float32Array,
          scales,
          bias,
          high,
        );
        return tf.tensor(out, acc.shape);
      });
    }
    return unary(op, (x) => {
      const { centred, scales: imageScales } = quantizeImagesAsTflite(
        x.dataSync() as Float32Array,
        x.shape[0],
      );
      const acc = convolve(op, tf.tensor(centred, x.shape), filter);
      const out = depthwiseHybridOutput(acc.dataSync() as Float32Array, imageScales, scales, bias, high);
      return tf.tensor(out, acc.shape);
    });
  }

  /** XNNPACK's `xnn_f32_qd8_asymmetric_quantization_params` + `xnn_compute_f32_qd8_convert` over `axes`: q - zero point, and the scale. */
  function quantizeDynamically(x: Tensor, axes: number[]): { centred: Tensor; scale: Tensor } {
    const rmin = tf.minimum(tf.min(x, axes, true), 0);
    const rmax = tf.maximum(tf.max(x, axes, true), 0);
    const range = tf.sub(rmax, rmin);
    const empty = tf.equal(range, 0);
    const inverse = tf.where(
      empty,
      tf.onesLike(range),
      tf.div(255, tf.where(empty, tf.onesLike(range), range)),
    );
    const rminScaled = tf.mul(rmin, inverse);
    const rmaxScaled = tf.mul(rmax, inverse);
    const fromMin = tf.sub(-128, rminScaled);
    const fromMax = tf.sub(127, rmaxScaled);
    const useMin = tf.greater(tf.add(tf.add(rminScaled, -128), tf.add(rmaxScaled, 127)), 0);
    const zeroPoint = tf.round(tf.clipByValue(tf.where(useMin, fromMin, fromMax), -128, 127));
    // The values are multiplied by 255 / range itself; the scale handed on is its float32 reciprocal.
    const scale = tf.div(1, inverse);
    const centred = tf.sub(
      tf.clipByValue(tf.add(tf.round(tf.mul(x, inverse)), zeroPoint), -128, 127),
      zeroPoint,
    );
    return { centred, scale };
  }

  function quantizedConv(op: TfliteOperator, output: TfliteTensor): Step {
    const conv = op.conv!;
    const inQ = perTensor(model.tensors[op.inputs[0]]);
    const outQ = perTensor(output);
    const { filter, scales } = filterOf(op, false);
    const biasValues = tensorValues(model.tensors[op.inputs[2]]);
    checkExact(op, model.tensors[op.inputs[1]], biasValues);
    const bias = keep(tf.tensor1d(biasValues));
    const multipliers = keep(
      tf.tensor1d(Float32Array.from(scales, (s) => f32(f32(inQ.scale * s) / outQ.scale))),
    );
    const [low, high] = activationRange(conv.activation, outQ);
    return unary(op, (x) => {
      return requantize(tf, convolve(op, x, filter, bias), multipliers, low, high);
    });
  }

  function fullyConnected(op: TfliteOperator, output: TfliteTensor, quantized: boolean): Step {
    const weights = model.tensors[op.inputs[1]];
    const [units, depth] = weights.shape;
    const raw = tensorValues(weights);
    const scales = channelScales(weights, units);
    if (!quantized && weights.type === TensorType.INT8) {
      for (let i = 0; i < raw.length; i++) raw[i] = f32(raw[i] * scales[Math.floor(i / depth)]);
    }
    const matrix = keep(tf.tidy(() => tf.transpose(tf.tensor2d(raw, [units, depth]))));
    const biasValues =
      op.inputs[2] >= 0 ? tensorValues(model.tensors[op.inputs[2]]) : new Float32Array(units);
    const bias = keep(tf.tensor1d(biasValues));
    if (!quantized && weights.type === TensorType.INT8) {
      const intMatrix = keep(tf.tidy(() => tf.transpose(tf.tensor2d(tensorValues(weights), [units, depth]))));
      return unary(op, (x) => {
        const { centred, scale } = quantizeDynamically(tf.reshape(x, [-1, depth]), [1]);
        const acc = tf.matMul(centred as tfc.Tensor2D, intMatrix as tfc.Tensor2D);
        const out = gemmOutput(
          acc.dataSync() as Float32Array,
          scale.dataSync() as Float32Array,
          scales,
          biasValues,
        );
        return tf.tensor(out, acc.shape);
      });
    }
    if (!quantized) {
      return unary(op, (x) => tf.add(tf.matMul(tf.reshape(x, [-1, depth]), matrix as tfc.Tensor2D), bias));
    }
    checkExact(op, weights, biasValues);
    const inQ = perTensor(model.tensors[op.inputs[0]]);
    const outQ = perTensor(output);
    const multipliers = keep(
      tf.tensor1d(Float32Array.from(scales, (s) => f32(f32(inQ.scale * s) / outQ.scale))),
    );
    const [low, high] = activationRange(op.fullyConnected?.activation ?? 'none', outQ);
    return unary(op, (x) => {
      const acc = tf.add(tf.matMul(tf.reshape(x, [-1, depth]), matrix as tfc.Tensor2D), bias);
      return requantize(tf, acc, multipliers, low, high);
    });
  }

  return {
    fullyQuantized: inputQuant !== undefined,
    engine: `TensorFlow.js (${tf.getBackend()})${int8Note}`,
    classes,
    async run(patches, count) {
      const size = YAMNET_PATCH_FRAMES * YAMNET_BANDS;
      if (!Number.isInteger(count) || count < 1 || patches.length < count * size) {
        throw new Error(
          `expected ${count} patches of ${YAMNET_PATCH_FRAMES} x ${YAMNET_BANDS} values, got ${patches.length} values`,
        );
      }
      const view = patches.length === count * size ? patches : patches.subarray(0, count * size);
      const [scores, embeddings] = tf.tidy(() => {
        let x: Tensor = tf.tensor4d(view, [count, YAMNET_PATCH_FRAMES, YAMNET_BANDS, 1]);
        if (inputQuant && inputMultiplier) {
          x = requantize(tf, x, inputMultiplier, -128 - inputQuant.zeroPoint, 127 - inputQuant.zeroPoint);
        }
        const values = new Map<number, Tensor>([[networkInput, x]]);
        for (const step of steps) step(values);
        const s = values.get(tail ? tail.input : scoresTensor);
        if (!s) throw new Error('the network did not compute its scores');
        const e = embeddingsTensor >= 0 ? values.get(embeddingsTensor) : undefined;
        return e ? [s, tf.reshape(e, [count, -1])] : [s];
      });
      try {
        let scoreValues = (await scores.data()) as Float32Array;
        if (tail) {
          const { table, offset, scale } = tail;
          scoreValues = Float32Array.from(scoreValues, (centred) => table[centred + offset] * scale);
        }
        const embeddingValues = embeddings ? ((await embeddings.data()) as Float32Array) : undefined;
        return { scores: scoreValues, embeddings: embeddingValues };
      } finally {
        scores.dispose();
        embeddings?.dispose();
      }
    },
    dispose() {
      constants.forEach((tensor) => tensor.dispose());
      constants.length = 0;
    },
  };
}

function perTensor(tensor: TfliteTensor): Quant {
  const q = tensor.quantization;
  if (!q || q.scale.length !== 1) {
    throw new Error(
      `tensor "${tensor.name}" should have one quantisation scale, has ${q?.scale.length ?? 0}`,
    );
  }
  return { scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 };
}

function channelScales(weights: TfliteTensor, channels: number): Float32Array {
  const scale = weights.quantization?.scale ?? [1];
  if (scale.length !== 1 && scale.length !== channels) {
    throw new Error(`tensor "${weights.name}" has ${scale.length} scales for ${channels} channels`);
  }
  if ((weights.quantization?.zeroPoint ?? []).some((z) => z !== 0)) {
    throw new Error(
      `tensor "${weights.name}" has non-zero weight zero points, which TFLite int8 does not use`,
    );
  }
  return Float32Array.from({ length: channels }, (_, c) => scale[scale.length === 1 ? 0 : c]);
}

/** Throws when an int8 layer's sums could leave the range where float32 holds integers exactly. */
function checkExact(op: TfliteOperator, weights: TfliteTensor, bias: Float32Array): void {
  const values = tensorValues(weights);
  const channels = bias.length;
  const perChannel = values.length / channels;
  const depthwise = op.code === BuiltinOperator.DEPTHWISE_CONV_2D;
  for (let c = 0; c < channels; c++) {
    let total = Math.abs(bias[c]);
    for (let i = 0; i < perChannel; i++)
      total += 255 * Math.abs(values[depthwise ? i * channels + c : c * perChannel + i]);
    if (total >= EXACT_LIMIT) {
      throw new Error(
        `operator ${op.index}: channel ${c} can sum to ${total}, beyond exact float32 integers`,
      );
    }
  }
}

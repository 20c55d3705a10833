/**
 * A fully quantised YAMNet file (the classification file: int8 activations, int8 weights, int32 biases) run in
 * integers on our own WebAssembly SIMD kernels (int8-kernels.wat), without TensorFlow.js: the regular
 * convolution as an im2col GEMM, the 1x1 convolutions and the classifier layer as GEMMs with int16 pair dot
 * products, the 3x3 depthwise layers channel-vectorised, each with XNNPACK's fp32 requantisation fused in; MEAN
 * and the int8 logistic table in JavaScript on their few values; the input QUANTIZE and the im2col gather (by
 * table) in WebAssembly too. GEMM weights stay int8 in memory and are widened to int16 as they load; each block of
 * 4 input pixels steps only through its input-channel pairs that hold a nonzero value (listed per layer by
 * nonzeroPairs: Relu6 leaves about half the activations at zero, and a pair of zeros adds nothing to any sum).
 * Same arithmetic as network.ts's TensorFlow.js path (integer sums, float32 multiply, round half to even, clamp),
 * so the same scores; several times faster, because the sums are int16 pair products and no layer pays
 * TensorFlow.js's per-operator cost.
 *
 * One WebAssembly memory per network, laid out once (constants, two activation buffers, the patch, the im2col
 * buffer, zeros for padding, the pair lists, the im2col and depthwise tap tables); nothing in it grows or is
 * allocated per patch. Files this engine does not recognise (any other operator or layout) return a reason, and
 * the caller runs the TensorFlow.js path instead.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  BuiltinOperator,
  FusedActivation,
  TensorType,
  TfliteModel,
  TfliteTensor,
  tensorValues,
} from '../tflite/model';
import { YAMNET_BANDS, YAMNET_PATCH_FRAMES } from './frontend';
import type { YamnetNetwork } from './network';
import { activationRange, int8LogisticTable, Quant } from './quantization';

/** The compiled kernels beside this file (scripts/build-wasm.js). */
export const INT8_KERNELS_FILE = path.join(__dirname, 'int8-kernels.wasm');

interface Kernels {
  gemm(
    input: number,
    pixels: number,
    cin: number,
    weights: number,
    bias: number,
    multipliers: number,
    output: number,
    cout: number,
    low: number,
    high: number,
    pairLists: number,
  ): void;
  depthwise3x3(
    table: number,
    pixels: number,
    channels: number,
    weights: number,
    bias: number,
    multipliers: number,
    output: number,
    low: number,
    high: number,
  ): void;
  quantize(
    source: number,
    count: number,
    inverseScale: number,
    low: number,
    high: number,
    target: number,
  ): void;
  gather16(table: number, count: number, target: number): void;
  nonzeroPairs(input: number, pixels: number, cin: number, pairLists: number): void;
}

/** Where a layer's constants sit in the memory (byte offsets) and its geometry. */
type Layer =
  | {
      kind: 'gemm';
      /** Regular convolutions other than 1x1 stride 1 gather their patches (im2col) first. */
      im2col?: {
        kernelH: number;
        kernelW: number;
        strideH: number;
        strideW: number;
        padTop: number;
        padLeft: number;
        inChannels: number;
      };
      inH: number;
      inW: number;
      outH: number;
      outW: number;
      cin: number;
      cout: number;
      weights: number;
      bias: number;
      multipliers: number;
      low: number;
      high: number;
    }
  | {
      kind: 'depthwise';
      inH: number;
      inW: number;
      outH: number;
      outW: number;
      channels: number;
      stride: number;
      padTop: number;
      padLeft: number;
      weights: number;
      bias: number;
      multipliers: number;
      low: number;
      high: number;
    }
  | { kind: 'mean'; pixels: number; channels: number; multiplier: number; low: number; high: number };

const f32 = Math.fround;
const align = (bytes: number, to = 16): number => Math.ceil(bytes / to) * to;
const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * Builds the integer network of a fully quantised file, or says why it cannot (then the TensorFlow.js path runs).
 */
export function createInt8Network(model: TfliteModel): YamnetNetwork | { unsupported: string } {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(fs.readFileSync(INT8_KERNELS_FILE));
  } catch {
    return { unsupported: `${INT8_KERNELS_FILE} is missing (run npm run build)` };
  }
  if (!WebAssembly.validate(bytes)) return { unsupported: 'this runtime has no WebAssembly SIMD' };
  const plan = planLayers(model);
  if ('unsupported' in plan) return plan;
  const { layers, tail, classes } = plan;

  // Memory: constants, two activation buffers (layer i writes buffer i % 2; each padded for the GEMM's 4-pixel
  // blocks), the patch (float32) and its quantised values, the im2col buffer, zeros (where padding points), the
  // nonzero pair lists of the GEMM being run, then the tables: per im2col layer the source address of every GEMM
  // input value, per depthwise layer the 9 input pixels of every output pixel.
  const patchSize = YAMNET_PATCH_FRAMES * YAMNET_BANDS;
  const bufferBytes = align(2 * plan.maxActivation);
  const buffers = [align(plan.constants.byteLength), align(plan.constants.byteLength) + bufferBytes];
  const patchIn = buffers[1] + bufferBytes;
  const quantized = patchIn + align(4 * patchSize);
  const gather = quantized + align(2 * patchSize);
  const zeros = gather + align(2 * plan.im2colSize);
  const pairLists = zeros + align(2 * plan.maxChannels);
  const tablesStart = pairLists + align(plan.pairListBytes);
  const tables: Int32Array[] = [];
  const tableAt: number[] = [];
  let tableEnd = tablesStart;
  layers.forEach((layer, i) => {
    tableAt.push(tableEnd);
    const input = i === 0 ? quantized : buffers[(i + 1) % 2];
    const table =
      layer.kind === 'depthwise'
        ? tapTable(layer, input, zeros)
        : layer.kind === 'gemm' && layer.im2col
          ? im2colTable(layer, input, zeros)
          : new Int32Array(0);
    tables.push(table);
    tableEnd += align(table.byteLength);
  });
  const memory = new WebAssembly.Memory({ initial: Math.ceil(tableEnd / 65536) });
  new Uint8Array(memory.buffer).set(plan.constants);
  tables.forEach((table, i) => new Int32Array(memory.buffer, tableAt[i], table.length).set(table));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const kernels = instance.exports as unknown as Kernels;
  const heap16 = new Int16Array(memory.buffer);
  const patchView = new Float32Array(memory.buffer, patchIn, patchSize);
  const inverseScale = f32(1 / plan.inputQuant.scale);
  const inputLow = -128 - plan.inputQuant.zeroPoint;
  const inputHigh = 127 - plan.inputQuant.zeroPoint;
  const meanSums = new Float64Array(plan.maxChannels);
  let disposed = false;

  function runPatch(patch: Float32Array, scores: Float32Array, scoresOffset: number): void {
    // The QUANTIZE operator: round half to even of float32(v / scale), clamped; centred.
    patchView.set(patch);
    kernels.quantize(patchIn, patchSize, inverseScale, inputLow, inputHigh, quantized);
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const input = buffers[(i + 1) % 2];
      const output = buffers[i % 2];
      if (layer.kind === 'gemm') {
        let source = input;
        if (layer.im2col) {
          kernels.gather16(tableAt[i], tables[i].length, gather);
          source = gather;
        }
        kernels.nonzeroPairs(source, layer.outH * layer.outW, layer.cin, pairLists);
        kernels.gemm(
          source,
          layer.outH * layer.outW,
          layer.cin,
          layer.weights,
          layer.bias,
          layer.multipliers,
          output,
          layer.cout,
          layer.low,
          layer.high,
          pairLists,
        );
      } else if (layer.kind === 'depthwise') {
        kernels.depthwise3x3(
          tableAt[i],
          layer.outH * layer.outW,
          layer.channels,
          layer.weights,
          layer.bias,
          layer.multipliers,
          output,
          layer.low,
          layer.high,
        );
      } else {
        // MEAN over the pixels: integer sum times fround(s_in / fround(s_out · n)), requantised, written in the
        // GEMM's packed layout for the classifier (one pixel; the block's other 3 rows are zeros).
        const { pixels, channels, multiplier, low, high } = layer;
        meanSums.fill(0, 0, channels);
        const base = input / 2;
        for (let p = 0; p < pixels; p++) {
          const row = base + p * channels;
          for (let c = 0; c < channels; c++) meanSums[c] += heap16[row + c];
        }
        const out = output / 2;
        heap16.fill(0, out, out + 4 * channels);
        for (let c = 0; c < channels; c++) {
          heap16[out + (c >> 1) * 8 + (c & 1)] = clampRound(f32(meanSums[c] * multiplier), low, high);
        }
      }
    }
    // The int8 logistic (XNNPACK's table) and its dequantisation.
    const base = buffers[(layers.length - 1) % 2] / 2;
    for (let c = 0; c < classes; c++) {
      scores[scoresOffset + c] = tail.table[heap16[base + c] + tail.offset] * tail.scale;
    }
  }

  return {
    fullyQuantized: true,
    engine: 'int8 WebAssembly SIMD kernels',
    classes,
    async run(patches, count) {
      if (disposed) throw new Error('the YAMNet network was disposed');
      if (!Number.isInteger(count) || count < 1 || patches.length < count * patchSize) {
        throw new Error(
          `expected ${count} patches of ${YAMNET_PATCH_FRAMES} x ${YAMNET_BANDS} values, got ${patches.length} values`,
        );
      }
      // Integer kernels would turn NaN into arbitrary integers; say so instead (audio inputs are checked upstream).
      for (let i = 0; i < count * patchSize; i++) {
        if (!Number.isFinite(patches[i])) throw new Error('the log-mel patch holds NaN or infinite values');
      }
      const scores = new Float32Array(count * classes);
      for (let p = 0; p < count; p++) {
        runPatch(patches.subarray(p * patchSize, (p + 1) * patchSize), scores, p * classes);
      }
      return { scores };
    },
    dispose() {
      // The memory is garbage-collected with the instance; dropping our references is all there is to release.
      disposed = true;
    },
  };
}

/** Round half to even, clamped. */
function clampRound(v: number, low: number, high: number): number {
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1;
  return r < low ? low : r > high ? high : r;
}

/**
 * The im2col table of a regular convolution: for every value of the GEMM input, in the GEMM's packed layout (per
 * block of 4 pixels, per pair k of values, the 4 pixels' pairs), the byte address of its int16 source: the input
 * value under that kernel tap, or `zeros` for padding and for the filler up to a multiple of 4 values.
 */
function im2colTable(layer: Extract<Layer, { kind: 'gemm' }>, input: number, zeros: number): Int32Array {
  const g = layer.im2col!;
  const { inH, inW, outH, outW, cin } = layer;
  const pixels = outH * outW;
  const table = new Int32Array(roundUp(pixels, 4) * cin).fill(zeros);
  for (let p = 0; p < pixels; p++) {
    const oy = Math.floor(p / outW);
    const ox = p - oy * outW;
    // value v of this pixel goes to block (p >> 2), pair (v >> 1), row (p & 3), lane (v & 1)
    const rowBase = (p >> 2) * 4 * cin + (p & 3) * 2;
    let v = 0;
    for (let ky = 0; ky < g.kernelH; ky++) {
      const iy = oy * g.strideH - g.padTop + ky;
      for (let kx = 0; kx < g.kernelW; kx++) {
        const ix = ox * g.strideW - g.padLeft + kx;
        const inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
        for (let c = 0; c < g.inChannels; c++, v++) {
          if (inside)
            table[rowBase + (v >> 1) * 8 + (v & 1)] = input + 2 * ((iy * inW + ix) * g.inChannels + c);
        }
      }
    }
  }
  return table;
}

/** Per output pixel of a depthwise layer, the byte addresses of its 9 input pixels (`zeros` outside the image). */
function tapTable(layer: Extract<Layer, { kind: 'depthwise' }>, input: number, zeros: number): Int32Array {
  const { inH, inW, outH, outW, channels, stride, padTop, padLeft } = layer;
  const table = new Int32Array(outH * outW * 9);
  let t = 0;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let ky = 0; ky < 3; ky++) {
        for (let kx = 0; kx < 3; kx++) {
          const iy = oy * stride - padTop + ky;
          const ix = ox * stride - padLeft + kx;
          const inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
          table[t++] = inside ? input + (iy * inW + ix) * channels * 2 : zeros;
        }
      }
    }
  }
  return table;
}

interface Plan {
  constants: Uint8Array;
  layers: Layer[];
  inputQuant: Quant;
  tail: { table: Float32Array; offset: number; scale: number };
  classes: number;
  /** Largest activation buffer, in int16 values (4-row padding included). */
  maxActivation: number;
  maxChannels: number;
  im2colSize: number;
  /** Largest set of per-block nonzero pair lists of a GEMM input (nonzeroPairs), in bytes. */
  pairListBytes: number;
}

/** Reads the operators after the input QUANTIZE into layers and packs their constants; or says what is not supported. */
function planLayers(model: TfliteModel): Plan | { unsupported: string } {
  const ops = model.operators;
  const firstConv = ops.findIndex((op) => op.code === BuiltinOperator.CONV_2D);
  // The patch is quantised (QUANTIZE, then reshapes and a one-way SPLIT that keep its quantisation) before the
  // first convolution, whose input tensor carries the scale and zero point.
  const quantized = ops.slice(0, Math.max(firstConv, 0)).some((op) => op.code === BuiltinOperator.QUANTIZE);
  const networkInput = firstConv >= 0 ? model.tensors[ops[firstConv].inputs[0]] : undefined;
  if (!quantized || !networkInput || networkInput.type !== TensorType.INT8) {
    return { unsupported: 'the first convolution does not take a quantised input (not fully quantised)' };
  }
  const inputQuant = perTensor(networkInput);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  /** Appends a constant block and gives its byte offset. */
  const place = (block: Int8Array | Int16Array | Int32Array | Float32Array): number => {
    const at = offset;
    const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
    chunks.push(bytes);
    offset += bytes.byteLength;
    const padding = align(offset) - offset;
    if (padding) {
      chunks.push(new Uint8Array(padding));
      offset += padding;
    }
    return at;
  };
  const layers: Layer[] = [];
  let shape = model.tensors[ops[firstConv].inputs[0]].shape.slice(1); // [h, w, c]
  if (shape.length !== 3 || shape[0] !== YAMNET_PATCH_FRAMES || shape[1] !== YAMNET_BANDS || shape[2] !== 1) {
    return { unsupported: `the network input is [${shape.join(', ')}], not [96, 64, 1]` };
  }
  let previous = ops[firstConv].inputs[0];
  let maxActivation = roundUp(shape[0] * shape[1], 4) * shape[2];
  let im2colSize = 0;
  let tail: Plan['tail'] | undefined;
  let classes = 0;
  for (const op of ops.slice(firstConv)) {
    if (tail) {
      if (op.code !== BuiltinOperator.DEQUANTIZE)
        return { unsupported: `operator ${op.index} follows the logistic` };
      tail.scale = perTensor(model.tensors[op.inputs[0]]).scale;
      continue;
    }
    if (op.inputs[0] !== previous) return { unsupported: `operator ${op.index} is not in a single chain` };
    const output = model.tensors[op.outputs[0]];
    const input = model.tensors[op.inputs[0]];
    if (op.code !== BuiltinOperator.RESHAPE && input.type !== TensorType.INT8) {
      return { unsupported: `operator ${op.index} has a float input` };
    }
    previous = op.outputs[0];
    if (op.code === BuiltinOperator.RESHAPE) continue;
    if (op.code === BuiltinOperator.LOGISTIC) {
      tail = { ...int8LogisticTable(perTensor(input), perTensor(output)), scale: 1 };
      continue;
    }
    const inQ = perTensor(input);
    const outQ = perTensor(output);
    if (op.code === BuiltinOperator.MEAN) {
      const axes = Array.from(tensorValues(model.tensors[op.inputs[1]]));
      if (axes.join() !== '1,2') return { unsupported: `MEAN over axes ${axes.join()}` };
      const pixels = shape[0] * shape[1];
      layers.push({
        kind: 'mean',
        pixels,
        channels: shape[2],
        multiplier: f32(inQ.scale / f32(outQ.scale * pixels)),
        low: -128 - outQ.zeroPoint,
        high: 127 - outQ.zeroPoint,
      });
      shape = [1, 1, shape[2]];
      maxActivation = Math.max(maxActivation, 4 * shape[2]);
      continue;
    }
    const weightsTensor = model.tensors[op.inputs[1]];
    const biasValues = op.inputs[2] >= 0 ? tensorValues(model.tensors[op.inputs[2]]) : undefined;
    const raw = tensorValues(weightsTensor);
    const activation: FusedActivation =
      op.code === BuiltinOperator.FULLY_CONNECTED
        ? (op.fullyConnected?.activation ?? 'none')
        : (op.conv?.activation ?? 'none');
    if (activation !== 'none' && activation !== 'relu' && activation !== 'relu6') {
      return { unsupported: `operator ${op.index} has activation ${activation}` };
    }
    const [low, high] = activationRange(activation, outQ);
    if (op.code === BuiltinOperator.DEPTHWISE_CONV_2D) {
      const conv = op.conv!;
      const [, kh, kw, channels] = weightsTensor.shape;
      if (
        kh !== 3 ||
        kw !== 3 ||
        (conv.depthMultiplier ?? 1) !== 1 ||
        channels !== shape[2] ||
        channels % 8
      ) {
        return {
          unsupported: `depthwise operator ${op.index} is not 3x3 over ${shape[2]} channels (multiple of 8)`,
        };
      }
      if (conv.dilationH !== 1 || conv.dilationW !== 1 || conv.strideH !== conv.strideW) {
        return { unsupported: `depthwise operator ${op.index} has dilation or unequal strides` };
      }
      const scales = channelScales(weightsTensor, channels);
      if (!scales) return { unsupported: `depthwise operator ${op.index} has unusable weight quantisation` };
      const [outH, padTop] = outputSize(shape[0], 3, conv.strideH, conv.padding);
      const [outW, padLeft] = outputSize(shape[1], 3, conv.strideW, conv.padding);
      layers.push({
        kind: 'depthwise',
        inH: shape[0],
        inW: shape[1],
        outH,
        outW,
        channels,
        stride: conv.strideH,
        padTop,
        padLeft,
        weights: place(packDepthwiseWeights(raw, channels)),
        bias: place(Int32Array.from(biasValues ?? new Float32Array(channels))),
        multipliers: place(Float32Array.from(scales, (s) => f32(f32(inQ.scale * s) / outQ.scale))),
        low,
        high,
      });
      shape = [outH, outW, channels];
    } else if (op.code === BuiltinOperator.CONV_2D || op.code === BuiltinOperator.FULLY_CONNECTED) {
      let cout: number;
      let depth: number;
      let outH = 1;
      let outW = 1;
      let im2colGeometry: Extract<Layer, { kind: 'gemm' }>['im2col'];
      if (op.code === BuiltinOperator.CONV_2D) {
        const conv = op.conv!;
        const [co, kh, kw, ci] = weightsTensor.shape;
        if (ci !== shape[2] || conv.dilationH !== 1 || conv.dilationW !== 1) {
          return {
            unsupported: `convolution ${op.index} has dilation or ${ci} input channels for ${shape[2]}`,
          };
        }
        let padTop: number;
        let padLeft: number;
        [outH, padTop] = outputSize(shape[0], kh, conv.strideH, conv.padding);
        [outW, padLeft] = outputSize(shape[1], kw, conv.strideW, conv.padding);
        cout = co;
        depth = kh * kw * ci;
        const pointwise = kh === 1 && kw === 1 && conv.strideH === 1 && conv.strideW === 1;
        if (!pointwise) {
          im2colGeometry = {
            kernelH: kh,
            kernelW: kw,
            strideH: conv.strideH,
            strideW: conv.strideW,
            padTop,
            padLeft,
            inChannels: ci,
          };
        } else if (ci % 4) {
          return {
            unsupported: `pointwise convolution ${op.index} has ${ci} input channels (not a multiple of 4)`,
          };
        }
      } else {
        [cout, depth] = weightsTensor.shape;
        if (depth !== shape[0] * shape[1] * shape[2] || depth % 4) {
          return {
            unsupported: `fully connected ${op.index} takes ${depth} values, the input has ${shape.join('x')}`,
          };
        }
      }
      const scales = channelScales(weightsTensor, cout);
      if (!scales) return { unsupported: `operator ${op.index} has unusable weight quantisation` };
      // The GEMM takes two channel pairs per step.
      const cin = roundUp(depth, 4);
      const coutPadded = roundUp(cout, 8);
      layers.push({
        kind: 'gemm',
        im2col: im2colGeometry,
        inH: shape[0],
        inW: shape[1],
        outH,
        outW,
        cin,
        cout: coutPadded,
        weights: place(packGemmWeights(raw, cout, depth, cin, coutPadded)),
        bias: place(padded(Int32Array.from(biasValues ?? new Float32Array(cout)), coutPadded)),
        multipliers: place(
          padded(
            Float32Array.from(scales, (s) => f32(f32(inQ.scale * s) / outQ.scale)),
            coutPadded,
          ),
        ),
        low,
        high,
      });
      if (im2colGeometry) im2colSize = Math.max(im2colSize, roundUp(outH * outW, 4) * cin);
      if (op.code === BuiltinOperator.FULLY_CONNECTED) classes = cout;
      shape = [outH, outW, coutPadded];
    } else {
      return { unsupported: `operator code ${op.code} (operator ${op.index})` };
    }
    maxActivation = Math.max(maxActivation, roundUp(shape[0] * shape[1], 4) * shape[2]);
  }
  if (!tail) return { unsupported: 'the file does not end in an int8 LOGISTIC' };
  // Layouts between layers: a GEMM writes NHWC (what depthwise and MEAN read); depthwise, MEAN and im2col write
  // the GEMM's packed input. So a GEMM without im2col must follow a depthwise layer or MEAN, and they a GEMM.
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const before = layers[i - 1];
    const fits =
      layer.kind === 'gemm'
        ? layer.im2col
          ? i === 0 || before.kind === 'gemm'
          : before !== undefined && before.kind !== 'gemm'
        : before?.kind === 'gemm';
    if (!fits)
      return { unsupported: `layer ${i} (${layer.kind}) does not follow a layer whose output it can read` };
  }
  if (!classes || model.outputs.length !== 1)
    return { unsupported: 'the file has other outputs than the scores' };
  const constants = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    constants.set(chunk, at);
    at += chunk.byteLength;
  }
  const maxChannels = layers.reduce((n, l) => Math.max(n, l.kind === 'gemm' ? l.cout : l.channels), 8);
  const pairListBytes = layers.reduce(
    (n, l) => (l.kind === 'gemm' ? Math.max(n, Math.ceil((l.outH * l.outW) / 4) * (4 + 2 * l.cin)) : n),
    0,
  );
  return {
    constants,
    layers,
    inputQuant,
    tail,
    classes,
    maxActivation,
    maxChannels,
    im2colSize,
    pairListBytes,
  };
}

/** [cout][depth] weights into the GEMM's layout: per 8 output channels, per input pair, 8 x 2 values. */
function packGemmWeights(
  raw: Float32Array,
  cout: number,
  depth: number,
  cin: number,
  coutPadded: number,
): Int8Array {
  const packed = new Int8Array(coutPadded * cin);
  let t = 0;
  for (let block = 0; block < coutPadded / 8; block++) {
    for (let k = 0; k < cin / 2; k++) {
      for (let lane = 0; lane < 8; lane++) {
        const co = block * 8 + lane;
        for (let j = 0; j < 2; j++) {
          const ci = 2 * k + j;
          packed[t++] = co < cout && ci < depth ? raw[co * depth + ci] : 0;
        }
      }
    }
  }
  return packed;
}

/**
 * [9][c] depthwise weights (TFLite's [1, 3, 3, c]) into the kernel's layout: per 8 channels, per pair of taps
 * (0-1, 2-3, 4-5, 6-7, 8 and a zero tap), the pairs of channels 0-3 then of channels 4-7, each channel's two taps
 * side by side (i32x4.dot_i16x8_s sums a pair).
 */
function packDepthwiseWeights(raw: Float32Array, channels: number): Int16Array {
  const packed = new Int16Array(10 * channels);
  let t = 0;
  for (let group = 0; group < channels / 8; group++) {
    for (let pair = 0; pair < 5; pair++) {
      for (let lane = 0; lane < 8; lane++) {
        for (const tap of [2 * pair, 2 * pair + 1]) {
          packed[t++] = tap < 9 ? raw[tap * channels + group * 8 + lane] : 0;
        }
      }
    }
  }
  return packed;
}

function padded<T extends Int32Array | Float32Array>(values: T, length: number): T {
  if (values.length === length) return values;
  const out = new (values.constructor as new (n: number) => T)(length);
  out.set(values);
  return out;
}

/** TFLite's output size and leading padding for SAME / VALID. */
function outputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: 'same' | 'valid',
): [number, number] {
  if (padding === 'valid') return [Math.floor((size - kernel) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [out, Math.floor(total / 2)];
}

function perTensor(tensor: TfliteTensor): Quant {
  const q = tensor.quantization;
  return { scale: q?.scale[0] ?? 1, zeroPoint: q?.zeroPoint[0] ?? 0 };
}

function channelScales(weights: TfliteTensor, channels: number): Float32Array | undefined {
  const q = weights.quantization;
  if (weights.type !== TensorType.INT8 || !q) return undefined;
  if (q.scale.length !== 1 && q.scale.length !== channels) return undefined;
  if (q.zeroPoint.some((z) => z !== 0)) return undefined;
  return Float32Array.from({ length: channels }, (_, c) => q.scale[q.scale.length === 1 ? 0 : c]);
}

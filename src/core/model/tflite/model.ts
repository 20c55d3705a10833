/**
 * Reads a TensorFlow Lite model file (the FlatBuffer schema `tensorflow/lite/schema/schema.fbs`, file identifier
 * "TFL3"): tensors with shapes, types, data and quantisation (per-tensor or per-channel scales and zero points),
 * operators with their builtin code and the options this project runs, and the subgraph's inputs and outputs.
 * Reading only: running a network is `../yamnet/network.ts`.
 */
import { FlatTable } from './flatbuffer';

/** TFLite `TensorType` values this reader names (others keep their number). */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
} as const;

/** TFLite `BuiltinOperator` codes this project looks at. */
export const BuiltinOperator = {
  ADD: 0,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MUL: 18,
  RESHAPE: 22,
  PAD: 34,
  GATHER: 36,
  MEAN: 40,
  STRIDED_SLICE: 45,
  SPLIT: 49,
  LOG: 73,
  QUANTIZE: 114,
  RFFT2D: 131,
  COMPLEX_ABS: 135,
} as const;

/** The fused activation of conv and fully connected operators. */
export type FusedActivation = 'none' | 'relu' | 'relu_n1_to_1' | 'relu6' | 'tanh';
const ACTIVATIONS: readonly FusedActivation[] = ['none', 'relu', 'relu_n1_to_1', 'relu6', 'tanh'];

/** Quantisation of a tensor: real = scale * (q - zeroPoint), per tensor (one entry) or per channel. */
export interface Quantization {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly quantizedDimension: number;
}

/** One tensor of the subgraph. */
export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  /** -1 where the dimension is dynamic (`shape_signature`); equal to `shape` when the file gives none. */
  readonly shapeSignature: readonly number[];
  readonly type: number;
  /** The constant data (weights, biases, tables), or undefined for activations. */
  readonly data?: Uint8Array;
  readonly quantization?: Quantization;
}

/** Options of the operators this project runs (the others are kept as undefined). */
export interface ConvOptions {
  readonly padding: 'same' | 'valid';
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly activation: FusedActivation;
  readonly depthMultiplier?: number;
}

export interface FullyConnectedOptions {
  readonly activation: FusedActivation;
  readonly keepNumDims: boolean;
  readonly asymmetricQuantizeInputs: boolean;
}

export interface ReducerOptions {
  readonly keepDims: boolean;
}

/** One operator: its builtin code, input and output tensor indices (-1 = optional input absent), options. */
export interface TfliteOperator {
  readonly index: number;
  readonly code: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly conv?: ConvOptions;
  readonly fullyConnected?: FullyConnectedOptions;
  readonly reducer?: ReducerOptions;
}

/** A model file's first subgraph, which is the whole network for the files this project reads. */
export interface TfliteModel {
  readonly version: number;
  readonly description?: string;
  readonly tensors: readonly TfliteTensor[];
  readonly operators: readonly TfliteOperator[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** The tensor with this exact name; throws naming the file's tensors count when it is missing. */
  tensorNamed(name: string): TfliteTensor;
}

/** Parses a `.tflite` file's bytes. Throws a plain sentence when the bytes are not a TFLite model. */
export function readTfliteModel(bytes: Uint8Array): TfliteModel {
  if (
    bytes.byteLength < 8 ||
    Buffer.from(bytes.buffer, bytes.byteOffset + 4, 4).toString('latin1') !== 'TFL3'
  ) {
    throw new Error('not a TensorFlow Lite model (the file identifier "TFL3" is missing)');
  }
  const root = FlatTable.root(bytes);
  const opcodes = root.tables(1).map((code) => Math.max(code.int8(0), code.int32(3)));
  const buffers = root.tables(4).map((buffer) => {
    const data = buffer.bytes(0);
    if (data && data.byteLength > 0) return data;
    const offset = buffer.uint64(1);
    const size = buffer.uint64(2);
    if (offset > 1 && size > 0) {
      if (offset + size > bytes.byteLength) throw new Error('a tensor buffer lies outside the file');
      return new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size);
    }
    return undefined;
  });
  const subgraphs = root.tables(2);
  if (subgraphs.length === 0) throw new Error('the model has no subgraph');
  const graph = subgraphs[0];
  const tensors = graph.tables(0).map((tensor, index): TfliteTensor => {
    const shape = tensor.int32s(0);
    const signature = tensor.int32s(7);
    const q = tensor.table(4);
    const scale = q?.float32s(2) ?? [];
    return {
      index,
      name: tensor.string(3) ?? `tensor ${index}`,
      shape,
      shapeSignature: signature.length === shape.length ? signature : shape,
      type: tensor.int8(1),
      data: buffers[tensor.uint32(2)],
      quantization:
        q && scale.length > 0 ? { scale, zeroPoint: q.int64s(3), quantizedDimension: q.int32(6) } : undefined,
    };
  });
  const operators = graph.tables(3).map((op, index): TfliteOperator => {
    const code = opcodes[op.uint32(0)];
    if (code === undefined)
      throw new Error(`operator ${index} names an operator code the file does not list`);
    const options = op.table(4);
    const base = { index, code, inputs: op.int32s(1), outputs: op.int32s(2) };
    if (!options) return base;
    if (code === BuiltinOperator.CONV_2D || code === BuiltinOperator.DEPTHWISE_CONV_2D) {
      // Conv2DOptions and DepthwiseConv2DOptions share their layout, except that the depthwise table has
      // depth_multiplier at field 3, which moves the fields after it by one.
      const depthwise = code === BuiltinOperator.DEPTHWISE_CONV_2D;
      const shift = depthwise ? 1 : 0;
      return {
        ...base,
        conv: {
          padding: options.int8(0) === 1 ? 'valid' : 'same',
          strideW: options.int32(1),
          strideH: options.int32(2),
          ...(depthwise ? { depthMultiplier: options.int32(3) } : {}),
          activation: ACTIVATIONS[options.int8(3 + shift)] ?? 'none',
          dilationW: options.int32(4 + shift, 1),
          dilationH: options.int32(5 + shift, 1),
        },
      };
    }
    if (code === BuiltinOperator.FULLY_CONNECTED) {
      return {
        ...base,
        fullyConnected: {
          activation: ACTIVATIONS[options.int8(0)] ?? 'none',
          keepNumDims: options.bool(2),
          asymmetricQuantizeInputs: options.bool(3),
        },
      };
    }
    if (code === BuiltinOperator.MEAN) return { ...base, reducer: { keepDims: options.bool(0) } };
    return base;
  });
  const byName = new Map(tensors.map((tensor) => [tensor.name, tensor]));
  return {
    version: root.uint32(0),
    description: root.string(3),
    tensors,
    operators,
    inputs: graph.int32s(1),
    outputs: graph.int32s(2),
    tensorNamed(name) {
      const tensor = byName.get(name);
      if (!tensor) throw new Error(`the model has no tensor named "${name}" (${tensors.length} tensors)`);
      return tensor;
    },
  };
}

/** A constant tensor's values as float32 (float32 data as is; int8/int32 data as their integer values). */
export function tensorValues(tensor: TfliteTensor): Float32Array {
  const data = tensor.data;
  if (!data) throw new Error(`tensor "${tensor.name}" has no constant data`);
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(count);
  const width =
    tensor.type === TensorType.INT8 || tensor.type === TensorType.UINT8
      ? 1
      : tensor.type === TensorType.INT16
        ? 2
        : 4;
  if (data.byteLength < count * width) {
    throw new Error(`tensor "${tensor.name}" holds ${data.byteLength} bytes, expected ${count * width}`);
  }
  for (let i = 0; i < count; i++) {
    switch (tensor.type) {
      case TensorType.FLOAT32:
        out[i] = view.getFloat32(4 * i, true);
        break;
      case TensorType.INT32:
        out[i] = view.getInt32(4 * i, true);
        break;
      case TensorType.INT8:
        out[i] = view.getInt8(i);
        break;
      case TensorType.UINT8:
        out[i] = view.getUint8(i);
        break;
      case TensorType.INT16:
        out[i] = view.getInt16(2 * i, true);
        break;
      default:
        throw new Error(
          `tensor "${tensor.name}" has type ${tensor.type}, which this reader does not convert`,
        );
    }
  }
  return out;
}

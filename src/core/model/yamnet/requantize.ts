/**
 * XNNPACK's fp32 requantisation of an int8 layer as one TensorFlow.js kernel: for every value of the integer sum,
 * `clamp(roundHalfEven(fround(acc · multiplier[channel])), low, high)`, channels innermost (NHWC).
 *
 * Composed from TensorFlow.js ops it took three passes over memory (multiply with a broadcast channel vector,
 * round, clip), and on the WASM backend that broadcast multiply alone cost a fifth of a YAMNet patch; here it is
 * one pass in JavaScript over the backend's own memory (the WASM heap, or the CPU backend's arrays).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { instantiateRequantize, RequantizeFunction } from './requantize-wasm';

type Tf = typeof tfc;

/** The kernel's name in TensorFlow.js's registry. */
export const REQUANTIZE_KERNEL = 'CryBabyRequantize';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  wasm: { asm?: { memory?: WebAssembly.Memory } };
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** Writes the requantised `acc` into `out` (both `channels` innermost). */
export function requantizeInto(
  acc: Float32Array,
  multipliers: Float32Array,
  low: number,
  high: number,
  out: Float32Array,
): void {
  const channels = multipliers.length;
  for (let i = 0, c = 0; i < acc.length; i++) {
    const v = Math.fround(acc[i] * multipliers[c]);
    let r = Math.round(v);
    // Math.round takes halves up; XNNPACK's (and IEEE's) nearest-even takes them to the even neighbour.
    if (r - v === 0.5 && r % 2 !== 0) r -= 1;
    out[i] = r < low ? low : r > high ? high : r;
    if (++c === channels) c = 0;
  }
}

const kernelFunc = (backendName: 'wasm' | 'cpu'): KernelFunc => {
  // The SIMD function, made on first use over the backend's memory (undefined: not available, loop in JS).
  let simdFor: { memory: WebAssembly.Memory; run: RequantizeFunction | undefined } | undefined;
  return ({ inputs, backend, attrs }) => {
    const { x, multipliers } = inputs as { x: TensorInfo; multipliers: TensorInfo };
    const { low, high } = attrs as unknown as { low: number; high: number };
    const channels = multipliers.shape.reduce((a, b) => a * b, 1);
    if (x.shape.at(-1) !== channels && channels !== 1) {
      throw new Error(`${REQUANTIZE_KERNEL}: ${channels} multipliers for ${x.shape.at(-1)} channels`);
    }
    if (backendName === 'wasm') {
      const wasm = backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(x.shape, 'float32');
      // Views taken after the output exists: allocating may grow (and so detach) the heap.
      const [acc, factors, result] = [x, multipliers, out].map((info) => wasm.typedArrayFromHeap(info));
      const memory = wasm.wasm.asm?.memory;
      if (memory && simdFor?.memory !== memory) simdFor = { memory, run: instantiateRequantize(memory) };
      const groups = channels === 1 ? 4 : channels;
      if (simdFor?.run && groups % 4 === 0 && acc.length % groups === 0) {
        let offset = factors.byteOffset;
        if (channels === 1) {
          // One multiplier for every value: four copies of it, in a scratch tensor of the backend.
          const scratch = wasm.makeOutput([4], 'float32');
          const copies = wasm.typedArrayFromHeap(scratch);
          copies.fill(factors[0]);
          offset = copies.byteOffset;
          simdFor.run(acc.byteOffset, offset, result.byteOffset, acc.length / 4, 4, low, high);
          (backend as unknown as { disposeData(id: object): void }).disposeData(scratch.dataId);
        } else {
          simdFor.run(acc.byteOffset, offset, result.byteOffset, acc.length / groups, groups, low, high);
        }
        return out;
      }
      requantizeInto(acc, factors, low, high, result);
      return out;
    }
    const cpu = backend as unknown as CpuBackendLike;
    const acc = cpu.data.get(x.dataId).values;
    const values = new Float32Array(acc.length);
    requantizeInto(acc, cpu.data.get(multipliers.dataId).values, low, high, values);
    return cpu.makeTensorInfo(x.shape, 'float32', values);
  };
};

/** Registers the kernel for the WASM and CPU backends (once: the registry is TensorFlow.js's own). */
export function registerRequantizeKernel(tf: Tf): void {
  for (const backendName of ['wasm', 'cpu'] as const) {
    if (tf.getKernel(REQUANTIZE_KERNEL, backendName)) continue;
    tf.registerKernel({ kernelName: REQUANTIZE_KERNEL, backendName, kernelFunc: kernelFunc(backendName) });
  }
}

/** Runs the kernel (inside a tidy like any op); `multipliers` is a 1-D tensor of one value or one per channel. */
export function requantize(
  tf: Tf,
  acc: tfc.Tensor,
  multipliers: tfc.Tensor,
  low: number,
  high: number,
): tfc.Tensor {
  return tf.engine().runKernel(REQUANTIZE_KERNEL, { x: acc, multipliers }, { low, high }) as tfc.Tensor;
}

/**
 * TensorFlow.js set-up: picks the fastest backend that loads here and reports which one ran.
 * Order: `@tensorflow/tfjs-node` (native, optional dependency; its install downloads libtensorflow, which fails
 * on machines without internet), then the WASM backend (XNNPACK, SIMD), then the pure-JS CPU backend.
 *
 * The WASM backend has no `Conv2DBackpropFilter` kernel, so it cannot train a CNN out of the box. The filter
 * gradient of a stride-1 convolution is itself a convolution (of the input, channels and batch swapped, with the
 * output gradient as the filter), so `registerWasmConv2dFilterGradient` builds it from the backend's own Conv2D and
 * Transpose kernels. Its `Conv2DBackpropInput` is a naive loop (about 10x slower than its XNNPACK forward
 * convolution, measured here), so it is replaced the same way: the input gradient of a stride-1 convolution is a
 * convolution of the output gradient with the spatially flipped filter, in and out channels swapped.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo, KernelConfig, KernelFunc, NamedAttrMap } from '@tensorflow/tfjs-core';

/** The name of a backend we can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The loaded TensorFlow.js and the backend that is active. */
export interface TfRuntime {
  readonly tf: typeof tf;
  readonly backend: BackendName;
  /** Why faster backends were not used (empty when the first choice loaded). */
  readonly notes: readonly string[];
}

// The one piece of module state: TensorFlow.js's active backend is itself process-wide, so the promise that set it
// up is shared by every classifier of the process (tests and benchmarks may force another backend).
let readyRuntime: Promise<TfRuntime> | undefined;

/**
 * Loads TensorFlow.js once per process (later calls share the same promise: the backend is a process-wide
 * property of TensorFlow.js itself). `preferred` forces a backend, e.g. 'cpu' in tests.
 */
export function ensureTf(preferred?: BackendName): Promise<TfRuntime> {
  if (!readyRuntime || preferred) readyRuntime = selectBackend(preferred);
  return readyRuntime;
}

async function selectBackend(preferred?: BackendName): Promise<TfRuntime> {
  const notes: string[] = [];
  const order: BackendName[] = preferred ? [preferred] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      // Loaded on demand: tfjs-node is optional, and importing the WASM backend makes it the preferred one.
      /* eslint-disable @typescript-eslint/no-require-imports */
      if (name === 'tensorflow') require('@tensorflow/tfjs-node');
      else if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
      else {
        require('@tensorflow/tfjs-backend-cpu');
        // The CPU backend prints an "install our node backend" banner on first use; our notes already say which
        // backend runs and why.
        tf.env().set('PROD', true);
      }
      /* eslint-enable @typescript-eslint/no-require-imports */
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      if (name === 'wasm') registerWasmConvGradients();
      return { tf, backend: name, notes };
    } catch (error) {
      // tfjs-node is an optional peer dependency: its absence is the usual case, not an error.
      const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && name === 'tensorflow';
      notes.push(
        missing
          ? '@tensorflow/tfjs-node not installed'
          : `${name}: ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded (${notes.join('; ')})`);
}

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

function runKernel(
  name: string,
  inputs: Record<string, TensorInfo>,
  backend: unknown,
  attrs: NamedAttrMap,
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel ${name} missing`);
  return kernel.kernelFunc({ inputs, backend: backend as never, attrs }) as TensorInfo;
}

function assertStrideOne(
  strides: number | number[],
  dilations: number | number[] | undefined,
  what: string,
): void {
  const list = [strides, dilations ?? 1].flat();
  if (list.some((v) => v !== 1)) throw new Error(`${what} on wasm supports stride 1 and dilation 1 only`);
}

const REGISTERED_MARK = Symbol.for('cry-baby.wasm-conv-gradients');

/**
 * Registers fast Conv2DBackpropFilter and Conv2DBackpropInput kernels (stride 1, dilation 1, NHWC) for the
 * WASM backend; idempotent.
 */
export function registerWasmConvGradients(): void {
  const registry = globalThis as unknown as Record<symbol, boolean>;
  if (registry[REGISTERED_MARK]) return;
  registry[REGISTERED_MARK] = true;
  registerFilterGradient();
  registerInputGradient();
}

function registerInputGradient(): void {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, inputShape, dimRoundingMode } = attrs as unknown as {
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      inputShape: [number, number, number, number];
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    assertStrideOne(strides, 1, 'Conv2DBackpropInput');
    const [kh, kw] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      1,
      1,
      pad,
      dimRoundingMode,
    );
    const [, inH, inW] = inputShape;
    const [, outH, outW] = dy.shape;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const explicit = [
      [0, 0],
      [top, inH - outH + kh - 1 - top],
      [left, inW - outW + kw - 1 - left],
      [0, 0],
    ] as tf.backend_util.ExplicitPadding;
    const flipped = runKernel('Reverse', { x: filter }, backend, { dims: [0, 1] });
    const swapped = runKernel('Transpose', { x: flipped }, backend, { perm: [0, 1, 3, 2] });
    const result = runKernel('Conv2D', { x: dy, filter: swapped }, backend, {
      strides: [1, 1],
      pad: explicit as unknown as number,
      dataFormat: 'NHWC',
      dilations: [1, 1],
    });
    const wasm = backend as unknown as WasmBackendLike;
    wasm.disposeData(flipped.dataId);
    wasm.disposeData(swapped.dataId);
    return result;
  };
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc });
}

function registerFilterGradient(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, filterShape, dilations, dimRoundingMode } = attrs as unknown as {
      strides: number | [number, number];
      pad: 'valid' | 'same' | number;
      filterShape: [number, number, number, number];
      dilations?: number | [number, number];
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    assertStrideOne(strides, dilations, 'Conv2DBackpropFilter');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      1,
      1,
      pad,
      dimRoundingMode,
    );
    const [kh, kw] = filterShape;
    const [, inH, inW] = x.shape;
    const [, outH, outW] = dy.shape;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const explicit = [
      [0, 0],
      [top, kh - 1 - inH - top + outH],
      [left, kw - 1 - inW - left + outW],
      [0, 0],
    ] as tf.backend_util.ExplicitPadding;
    const xT = runKernel('Transpose', { x }, backend, { perm: [3, 1, 2, 0] });
    const dyT = runKernel('Transpose', { x: dy }, backend, { perm: [1, 2, 0, 3] });
    const conv = runKernel('Conv2D', { x: xT, filter: dyT }, backend, {
      strides: [1, 1],
      pad: explicit as unknown as number,
      dataFormat: 'NHWC',
      dilations: [1, 1],
    });
    const result = runKernel('Transpose', { x: conv }, backend, { perm: [1, 2, 0, 3] });
    const wasm = backend as unknown as WasmBackendLike;
    wasm.disposeData(xT.dataId);
    wasm.disposeData(dyT.dataId);
    wasm.disposeData(conv.dataId);
    return result;
  };
  const config: KernelConfig = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc };
  tf.registerKernel(config);
}

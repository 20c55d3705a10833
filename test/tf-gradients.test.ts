import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers' bundle registers the gradient functions of tfjs-core's ops.
import '@tensorflow/tfjs-layers';
import { registerWasmConvGradients } from '../src/core/model/tf';

async function convGradients(
  backend: string,
  pad: 'same' | 'valid',
  data: number[][],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  await tf.ready();
  if (backend === 'wasm') registerWasmConvGradients();
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(data[0], [2, 9, 7, 3]);
  const filter = tf.tensor4d(data[1], [3, 3, 3, 4]);
  const outShape: [number, number, number, number] = pad === 'same' ? [2, 9, 7, 4] : [2, 7, 5, 4];
  const weights = tf.tensor4d(
    data[2].slice(
      0,
      outShape.reduce((a, b) => a * b),
    ),
    outShape,
  );
  const gradient = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), weights)),
  );
  const [dx, dFilter] = gradient([x, filter]);
  const result = [(await dx.data()) as Float32Array, (await dFilter.data()) as Float32Array];
  tf.dispose([x, filter, weights, dx, dFilter]);
  assert.strictEqual(tf.memory().numTensors, before, `${backend}: no tensor leaked`);
  return result;
}

describe('WASM convolution gradients (registered by Cry Baby)', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });
  for (const pad of ['same', 'valid'] as const) {
    it(`match the CPU backend's input and filter gradients (padding ${pad})`, async () => {
      let seed = 7;
      const random = (n: number): number[] =>
        Array.from({ length: n }, () => {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          return seed / 1073741824 - 1;
        });
      const data = [random(2 * 9 * 7 * 3), random(3 * 3 * 3 * 4), random(2 * 9 * 7 * 4)];
      const reference = await convGradients('cpu', pad, data);
      const wasm = await convGradients('wasm', pad, data);
      for (let k = 0; k < 2; k++) {
        const worst = reference[k].reduce((m, v, i) => Math.max(m, Math.abs(v - wasm[k][i])), 0);
        assert.ok(worst < 1e-4, `${k === 0 ? 'input' : 'filter'} gradient max abs error ${worst}`);
      }
    });
  }
});

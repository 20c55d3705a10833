/** A tiny classifier made in the test (seconds to build), saved in the shipped layout with its metadata. */
import * as fs from 'fs';
import * as path from 'path';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_MEL_SETTINGS } from '../src/core/dsp/mel';
import { ensureTf } from '../src/core/model/tf';
import { saveLayersModel } from '../src/core/model/storage';
import { tempDir } from './fixtures';

/**
 * Writes a model whose output is sigmoid(4 * mean of the top 32 mel bands), so that louder high bands give a
 * higher probability. Returns its folder.
 */
export async function writeTinyModel(
  options: { inputShape?: [number, number, number]; threshold?: number } = {},
): Promise<string> {
  await ensureTf();
  const shape = options.inputShape ?? [128, 126, 1];
  const model = tfl.sequential();
  model.add(
    tfl.layers.averagePooling2d({ inputShape: shape, poolSize: [32, shape[1]], strides: [32, shape[1]] }),
  );
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 1, activation: 'sigmoid' }));
  const bands = Math.floor(shape[0] / 32);
  const weights = Array.from({ length: bands }, (_, i) => (i === 0 ? 4 : 0));
  model.layers[2].setWeights([tf.tensor2d(weights, [bands, 1]), tf.tensor1d([0])]);
  const folder = tempDir('cry-tiny-model-');
  await saveLayersModel(model, folder);
  model.dispose();
  fs.writeFileSync(
    path.join(folder, 'metadata.json'),
    JSON.stringify({
      name: 'tiny-test-model',
      format: 'tfjs-layers',
      labels: ['noncry', 'cry'],
      inputShape: [128, 126, 1],
      preprocessing: { ...DEFAULT_MEL_SETTINGS, normalisation: 'z-score', silence: 'zeros' },
      threshold: options.threshold ?? 0.5,
    }),
  );
  return folder;
}

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { createCryClassifier } from '../src/core/model/classifier';
import { parseModelMetadata } from '../src/core/model/metadata';
import { writeTinyModel } from './tiny-model';

function spectrogram(topBandsValue: number): Float32Array {
  const values = new Float32Array(128 * 126);
  values.fill(topBandsValue, 0, 32 * 126);
  return values;
}

describe('classifier core (tiny in-test model)', function () {
  this.timeout(30000);
  let folder: string;
  before(async () => {
    folder = await writeTinyModel();
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('loads, reports its backend, and predicts batches', async () => {
    const classifier = createCryClassifier(folder);
    const info = await classifier.ensureLoaded();
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.backend), info.backend);
    assert.strictEqual(info.metadata.threshold, 0.5);
    const [low, middle, high] = await classifier.predict([spectrogram(-1), spectrogram(0), spectrogram(1)]);
    assert.ok(Math.abs(middle - 0.5) < 1e-6, `sigmoid(0) = ${middle}`);
    assert.ok(Math.abs(high - 1 / (1 + Math.exp(-4))) < 1e-5, `sigmoid(4) = ${high}`);
    assert.ok(low < 0.02);
    classifier.dispose();
  });

  it('leaks no tensor over many predictions', async () => {
    const classifier = createCryClassifier(folder);
    await classifier.ensureLoaded();
    await classifier.predict([spectrogram(0)]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await classifier.predict([spectrogram(i / 100), spectrogram(-i / 100)]);
    assert.strictEqual(tf.memory().numTensors, before);
    classifier.dispose();
  });

  it('refuses a spectrogram of the wrong size with a precise message', async () => {
    const classifier = createCryClassifier(folder);
    await assert.rejects(
      classifier.predict([new Float32Array(100)]),
      /expected a 128 x 126 spectrogram \(16128 values\), got 100 values/,
    );
    classifier.dispose();
  });

  it('refuses a model whose input shape differs from its metadata', async () => {
    const other = await writeTinyModel({ inputShape: [64, 126, 1] });
    try {
      await assert.rejects(
        createCryClassifier(other).ensureLoaded(),
        /input shape \[64, 126, 1\] does not match metadata.json inputShape \[128, 126, 1\]/,
      );
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('says what is missing when the folder has no model', async () => {
    await assert.rejects(
      createCryClassifier(path.join(folder, 'nothing-here')).ensureLoaded(),
      /no metadata.json/,
    );
  });

  it('validates metadata fields', () => {
    assert.throws(
      () => parseModelMetadata({ inputShape: [128, 126, 1], threshold: 2 }, 'm.json'),
      /threshold must be a number between 0 and 1/,
    );
    assert.throws(() => parseModelMetadata({ inputShape: [128], threshold: 0.5 }, 'm.json'), /inputShape/);
  });
});

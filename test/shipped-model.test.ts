/** The shipped model (models/cry-baby): its metadata, and its validation figures reproduced on its own held-out split. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { createCryClassifier, defaultModelDir } from '../src/core/model/classifier';
import { loadClips } from '../src/core/model/dataset';
import { readManifest, splitOf } from '../src/core/model/manifest';
import { rocAuc } from '../src/core/model/metrics';
import { createRandomSource } from '../src/core/model/random';
import { recordingSpectrograms } from '../src/core/model/windows';
import { projectRoot, sharedDir } from './fixtures';

describe('the shipped model', function () {
  this.timeout(60000);
  const folder = defaultModelDir();

  it('is the committed models/cry-baby, small, with the command, seed, threshold and validation figures', () => {
    assert.strictEqual(folder, path.join(projectRoot(), 'models', 'cry-baby'));
    const size = ['model.json', 'weights.bin'].reduce(
      (n, f) => n + fs.statSync(path.join(folder, f)).size,
      0,
    );
    assert.ok(size < 2 * 1024 * 1024, `${size} bytes`);
    const metadata = JSON.parse(fs.readFileSync(path.join(folder, 'metadata.json'), 'utf8')) as {
      threshold: number;
      training: { command: string; seed: number };
      validation: { rocAuc: number; recall: number; falsePositiveRate: number };
    };
    assert.match(
      metadata.training.command,
      /^cry-baby train --manifest \.\.\/shared\/data\/train\/manifest\.csv --out models\/cry-baby/,
    );
    assert.ok(Number.isInteger(metadata.training.seed));
    assert.ok(metadata.threshold > 0 && metadata.threshold < 1);
    assert.ok(fs.existsSync(path.join(folder, 'curves.svg')));
  });

  it('reproduces its validation ROC AUC on its own held-out validation clips, and calls silence quiet', async () => {
    const classifier = createCryClassifier(folder);
    const info = await classifier.ensureLoaded();
    const seed = (info.metadata.training as { seed: number }).seed;
    const manifest = readManifest(path.join(sharedDir(), 'data', 'train', 'manifest.csv'));
    const validation = manifest.filter((row) => splitOf(row, seed) === 'validation');
    // Every validation cry and a seeded tenth of the validation non-cries (the whole split takes minutes).
    const random = createRandomSource(seed);
    const sample = validation.filter((row) => row.label === 'cry' || random.next() < 0.1);
    const clips = await loadClips(sample, 16000);
    const scores: { score: number; positive: boolean }[] = [];
    for (let i = 0; i < clips.length; i++) {
      const { spectrograms } = recordingSpectrograms(clips[i]);
      scores.push({
        score: Math.max(...(await classifier.predict(spectrograms))),
        positive: sample[i].label === 'cry',
      });
    }
    const auc = rocAuc(scores);
    const stored = info.metadata.validation?.rocAuc ?? 0;
    assert.ok(scores.filter((s) => s.positive).length >= 50, 'enough cries');
    assert.ok(
      Math.abs(auc - stored) < 0.03,
      `ROC AUC ${auc} on ${scores.length} validation clips, metadata says ${stored}`,
    );
    assert.ok(auc >= 0.9, `ROC AUC ${auc}`);
    const [silence] = await classifier.predict([new Float32Array(128 * 126)]);
    assert.ok(silence < info.metadata.threshold, `digital silence scores ${silence}`);
    classifier.dispose();
  });
});

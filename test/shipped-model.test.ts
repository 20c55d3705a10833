/** The shipped model (models/cry-baby) on a handful of real clips it was trained on, and its metadata. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readAudioAt } from '../src/core/audio/file-source';
import { createCryClassifier, defaultModelDir } from '../src/core/model/classifier';
import { rocAuc } from '../src/core/model/metrics';
import { recordingSpectrograms } from '../src/core/model/windows';
import { projectRoot, sharedDir } from './fixtures';

const CRIES = [
  'cry/donateacry/02c3b725-26e4-4a2c-9336-04ddc58836d9-1430726196216-1.7-m-04-hu.flac',
  'cry/donateacry/035c6b30-a145-42b9-8d0f-445cd9003d2c-1435948197257-1.7-m-04-hu.flac',
  'cry/donateacry/03ADDCFB-354E-416D-BF32-260CF47F7060-1433658024-1.1-f-04-ti.flac',
  'cry/esc50/1-187207-A-20.flac',
];
const NONCRIES = [
  'noncry/speech/fsdd/0_george_1.flac',
  'noncry/speech/asterisk-en/conf-adminmenu.flac',
  'noncry/speech/hedgewars-voices/British_Amazing.flac',
  'noncry/sfx/colobot/sound001.flac',
  'noncry/esc50/esc50/1-100032-A-0.flac',
];

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

  it('separates real cries from non-cries it was trained on, and calls silence quiet', async () => {
    const classifier = createCryClassifier(folder);
    const info = await classifier.ensureLoaded();
    const train = path.join(sharedDir(), 'data', 'train');
    const score = async (file: string) => {
      const { spectrograms } = recordingSpectrograms(await readAudioAt(path.join(train, file), 16000));
      return Math.max(...(await classifier.predict(spectrograms)));
    };
    const cries = await Promise.all(CRIES.map(score));
    const others = await Promise.all(NONCRIES.map(score));
    const report = [
      ...CRIES.map((f, i) => `${f}: ${cries[i].toFixed(3)}`),
      ...NONCRIES.map((f, i) => `${f}: ${others[i].toFixed(3)}`),
    ].join('\n');
    const auc = rocAuc([
      ...cries.map((score) => ({ score, positive: true })),
      ...others.map((score) => ({ score, positive: false })),
    ]);
    assert.ok(auc >= 0.9, `ROC AUC ${auc} on these clips\n${report}`);
    const above = cries.filter((p) => p >= info.metadata.threshold).length;
    const below = others.filter((p) => p < info.metadata.threshold).length;
    assert.ok(
      above >= CRIES.length - 1 && below >= NONCRIES.length - 1,
      `threshold ${info.metadata.threshold}\n${report}`,
    );
    const [silence] = await classifier.predict([new Float32Array(128 * 126)]);
    assert.ok(silence < info.metadata.threshold, `digital silence scores ${silence}`);
    classifier.dispose();
  });
});

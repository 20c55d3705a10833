/**
 * YAMNet's level ceiling (`preprocessing.levelCeilingDbfs`): a patch louder than the ceiling is scored as that
 * patch scaled down to it, a quieter one as it is; and the class names read from the shipped class map are clean.
 */
import * as assert from 'assert';
import * as path from 'path';
import { YAMNET_PATCH_HOP_SAMPLES, YAMNET_PATCH_SAMPLES } from '../src/core/model/yamnet/frontend';
import {
  createYamnetCryModel,
  patchLevelGain,
  readYamnetMetadata,
} from '../src/core/model/yamnet/yamnet-model';
import { sharedDir } from './fixtures';

const RATE = 16000;
const yamnetFile = () => path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite');

/** 4 s: a loud warbling tone with noise for 2 s (about -9 dBFS), then quiet noise (about -66 dBFS). */
function loudThenQuiet(): Float32Array {
  const samples = new Float32Array(4 * RATE);
  let seed = 20261202;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < samples.length; i++) {
    const t = i / RATE;
    samples[i] =
      i < 2 * RATE
        ? 0.45 * Math.sin(2 * Math.PI * (450 * t + 40 * Math.sin(2 * Math.PI * 3 * t))) + 0.1 * noise()
        : 0.003 * noise();
  }
  return samples;
}

describe('YAMNet level ceiling', function () {
  this.timeout(120000);

  it('patchLevelGain: brings a louder patch down to the ceiling, leaves a quieter one, 0 dBFS is off', () => {
    const loud = new Float32Array(YAMNET_PATCH_SAMPLES).fill(0.1); // RMS -20 dBFS
    const gain = patchLevelGain(loud, 0, loud.length, -50);
    assert.ok(Math.abs(20 * Math.log10(gain) - -30) < 1e-6, `gain ${gain}`);
    assert.strictEqual(patchLevelGain(loud, 0, loud.length, -10), 1);
    assert.strictEqual(patchLevelGain(loud, 0, loud.length, 0), 1);
    assert.strictEqual(
      patchLevelGain(new Float32Array(YAMNET_PATCH_SAMPLES), 0, YAMNET_PATCH_SAMPLES, -50),
      1,
    );
  });

  it('scores each patch as the unscaled model scores that patch at its gain; says so in its description', async () => {
    const samples = loudThenQuiet();
    const ceiling = -40;
    const levelled = createYamnetCryModel(yamnetFile(), { backend: 'wasm', levelCeilingDbfs: ceiling });
    const plain = createYamnetCryModel(yamnetFile(), { backend: 'wasm', levelCeilingDbfs: 0 });
    try {
      const info = await levelled.ensureLoaded();
      assert.match(info.description, /patches scaled down to at most -40 dBFS RMS/);
      assert.doesNotMatch((await plain.ensureLoaded()).description, /scaled/);
      const verdicts = await levelled.analyze(samples);
      const unscaled = await plain.analyze(samples);
      assert.strictEqual(verdicts.length, unscaled.length);
      let scaled = 0;
      let kept = 0;
      for (let p = 0; p < verdicts.length; p++) {
        const start = p * YAMNET_PATCH_HOP_SAMPLES;
        const gain = patchLevelGain(samples, start, YAMNET_PATCH_SAMPLES, ceiling);
        const patch = samples.slice(start, start + YAMNET_PATCH_SAMPLES).map((v) => v * gain);
        const [expected] = await plain.analyze(patch);
        assert.strictEqual(verdicts[p].startSample, start);
        assert.deepStrictEqual(verdicts[p].scores, expected.scores, `patch ${p}`);
        assert.strictEqual(verdicts[p].probability, expected.probability, `patch ${p}`);
        if (gain < 1) {
          scaled++;
        } else {
          kept++;
          assert.deepStrictEqual(verdicts[p].scores, unscaled[p].scores, `quiet patch ${p} unchanged`);
        }
      }
      assert.ok(scaled >= 2 && kept >= 2, `${scaled} patches scaled, ${kept} kept`);
      // The scaling changes what the network hears on the loud part.
      const differs = verdicts.some((v, p) => JSON.stringify(v.top) !== JSON.stringify(unscaled[p].top));
      assert.ok(differs, 'the loud patches score differently once scaled');
    } finally {
      levelled.dispose();
      plain.dispose();
    }
  });

  it('class names from the shipped class map (CRLF lines) carry no line ending', () => {
    const { labels } = readYamnetMetadata();
    assert.strictEqual(labels.length, 521);
    assert.strictEqual(labels[0], 'Speech');
    assert.strictEqual(labels[20], 'Baby cry, infant cry');
    assert.strictEqual(labels[520], 'Field recording');
    assert.deepStrictEqual(
      labels.filter((label) => label !== label.trim()),
      [],
    );
  });
});

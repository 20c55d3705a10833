/**
 * Laughter and babbling with YAMNet (the detector-quality issue): a laughing or giggling voice must not start an
 * episode while a crying baby does. The pool has no baby laughter, only one child's giggle and 20 adult or acted
 * laughs; this runs all 21 and eight ESC-50 cries through YAMNet and the real detector with the model's own
 * policy, each clip between 5 s of quiet, as a room would give them.
 */
import * as assert from 'assert';
import * as path from 'path';
import {
  createDetector,
  DetectionSettings,
  FALLBACK_DETECTION,
  OFF_THRESHOLD_RATIO,
} from '../src/core/detect/policy';
import { loadClips } from '../src/core/model/dataset';
import { readManifest } from '../src/core/model/manifest';
import { createYamnetCryModel } from '../src/core/model/yamnet/yamnet-model';
import { sharedDir } from './fixtures';

const RATE = 16000;

describe('YAMNet on laughter: the giggle and the laughs never start an episode, the cries do', function () {
  this.timeout(300000);

  it('21 laughing clips: no start, YAMNet hears laughter, not crying; of 8 cries, 6 start', async () => {
    const rows = readManifest(path.join(sharedDir(), 'data', 'train', 'manifest.csv'));
    const laughs = rows.filter((row) => /laugh|giggl/i.test(row.path));
    const cries = rows.filter((row) => row.path.startsWith('cry/esc50/')).slice(0, 8);
    assert.strictEqual(laughs.length, 21);
    const model = createYamnetCryModel(
      path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite'),
      {
        backend: 'wasm',
      },
    );
    try {
      const info = await model.ensureLoaded();
      // As cry detect uses them: the model's metadata, then the fallback.
      const settings: DetectionSettings = {
        onThreshold: info.threshold,
        offThreshold: info.threshold * OFF_THRESHOLD_RATIO,
        ...FALLBACK_DETECTION,
        ...info.detection,
      };
      const run = async (clip: Float32Array) => {
        const audio = new Float32Array(clip.length + 10 * RATE);
        audio.set(clip, 5 * RATE);
        const verdicts = await model.analyze(audio);
        const detector = createDetector(settings);
        let starts = 0;
        let cry = 0;
        let laughter = 0;
        for (const verdict of verdicts) {
          if (
            detector.push({ probability: verdict.probability, time: (verdict.startSample / RATE) * 1000 })
              ?.kind === 'start'
          )
            starts++;
          cry = Math.max(cry, verdict.probability);
          const s = verdict.scores ?? {};
          laughter = Math.max(laughter, s.babyLaughter ?? 0, s.giggle ?? 0, s.laughter ?? 0, s.babbling ?? 0);
        }
        return { starts, cry, laughter };
      };
      const laughClips = await loadClips(laughs, RATE);
      const heard = [];
      for (const clip of laughClips) heard.push(await run(clip));
      const cryClips = await loadClips(cries, RATE);
      const cried = [];
      for (const clip of cryClips) cried.push(await run(clip));
      console.log(
        `      laughs: ${heard.filter((h) => h.starts).length} of ${heard.length} started; laughter above crying in ${heard.filter((h) => h.laughter > h.cry).length}; highest p(cry) ${Math.max(...heard.map((h) => h.cry)).toFixed(3)}; cries started ${cried.filter((c) => c.starts).length} of ${cried.length}`,
      );
      assert.deepStrictEqual(
        heard.map((h) => h.starts),
        heard.map(() => 0),
      );
      // Measured: laughter outscores crying in 18 of 21, the highest p(cry) of a laugh is 0.149 (the start
      // threshold is 0.4); 6 of the 8 cries start (the other two: p(cry) at most 0.26, and one window at 0.96).
      assert.ok(heard.filter((h) => h.laughter > h.cry).length >= 17);
      assert.ok(Math.max(...heard.map((h) => h.cry)) < settings.onThreshold);
      assert.ok(cried.filter((c) => c.starts === 1).length >= 6, JSON.stringify(cried));
    } finally {
      model.dispose();
    }
  });
});

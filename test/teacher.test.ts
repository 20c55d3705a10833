/** Teacher-cleaned cry labels: the target of a cry example, and the excerpt an augmented example says it holds. */
import * as assert from 'assert';
import { createLowPassBank, makeTrainingExample, weightedPool } from '../src/core/model/augment';
import { createRandomSource } from '../src/core/model/random';
import { cryTarget, TeacherScores } from '../src/core/model/teacher';

const PATCH = 15600;
const HOP = 7680;

/** A 10 s recording: crying (p 0.9) in its first 3 s, a pause (p 0.02) after, crying again (p 0.3) from 8 s. */
function pausedCry(): TeacherScores {
  const starts: number[] = [];
  const probabilities: number[] = [];
  for (let start = 0; start + PATCH <= 160000; start += HOP) {
    const centre = (start + PATCH / 2) / 16000;
    starts.push(start);
    probabilities.push(centre < 3 ? 0.9 : centre < 8 ? 0.02 : 0.3);
  }
  return { starts, probabilities, patchSamples: PATCH };
}

describe('teacher-cleaned cry labels', () => {
  const scores = pausedCry();
  const teacherOnly = { fullAt: 0.4, weight: 1 };

  it('a stretch the teacher hears crying in is 1; the pause is what the teacher hears there', () => {
    assert.strictEqual(cryTarget(scores, { start: 0, length: 64000 }, teacherOnly), 1);
    assert.strictEqual(cryTarget(scores, { start: 64000, length: 48000 }, teacherOnly), 0.02 / 0.4);
    // 0.3 is below "plainly crying" (0.4): the target scales down, it does not drop to 0.
    assert.ok(Math.abs(cryTarget(scores, { start: 96000, length: 64000 }, teacherOnly) - 0.75) < 1e-12);
    // The highest patch whose centre lies in the excerpt counts: a pause with one second of crying is crying.
    assert.strictEqual(cryTarget(scores, { start: 40000, length: 64000 }, teacherOnly), 1);
  });

  it('weight blends the teacher with the label; a stretch shorter than a patch takes the nearest patch', () => {
    const half = { fullAt: 0.4, weight: 0.5 };
    assert.ok(
      Math.abs(cryTarget(scores, { start: 64000, length: 48000 }, half) - (0.5 * 0.05 + 0.5)) < 1e-12,
    );
    assert.strictEqual(cryTarget(scores, { start: 64000, length: 48000 }, { fullAt: 0.4, weight: 0 }), 1);
    // 0.2 s at 1.0 s (crying) and at 4.9 s (the pause): no patch is centred in them.
    assert.strictEqual(cryTarget(scores, { start: 16000, length: 3200 }, teacherOnly), 1);
    assert.strictEqual(cryTarget(scores, { start: 78400, length: 3200 }, teacherOnly), 0.02 / 0.4);
  });

  it('an augmented cry example names the stretch of the recording it was cut from', () => {
    // A 12 s rising tone: any two different stretches of it differ, so the excerpt can be checked by correlation.
    const rate = 16000;
    const cry = Float32Array.from({ length: 12 * rate }, (_, i) => {
      const t = i / rate;
      return 0.5 * Math.sin(2 * Math.PI * (100 * t + 15 * t * t));
    });
    const background = Float32Array.from({ length: 5 * rate }, (_, i) => 0.01 * Math.sin(i * 1.7));
    const pools = {
      cry: weightedPool([cry], ['cry/tone']),
      noncry: weightedPool([background], ['noncry/hum']),
      backgrounds: [background],
    };
    const random = createRandomSource(11);
    const lowPass = createLowPassBank(rate);
    const windowLength = 125 * 512;
    const correlation = (a: Float32Array, b: Float32Array) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
      }
      return ab / Math.sqrt(aa * bb + 1e-30);
    };
    let checked = 0;
    for (let n = 0; n < 200; n++) {
      const example = makeTrainingExample('cry', pools, lowPass, random, windowLength);
      assert.ok(example.cry, 'a cry example says where it came from');
      const { clip, start, length } = example.cry;
      assert.strictEqual(clip, cry);
      assert.ok(start >= 0 && start + length <= cry.length && length <= windowLength, `${start} + ${length}`);
      // An excerpt placed inside digital silence is shifted inside the window; the others are the audio itself.
      if (example.audio.length !== length) continue;
      const said = correlation(example.audio, cry.subarray(start, start + length));
      const shift = start + 800 + length <= cry.length ? 800 : -800;
      const shifted = correlation(example.audio, cry.subarray(start + shift, start + shift + length));
      assert.ok(said > 0.5 && said > shifted + 0.2, `correlation ${said} (shifted by 50 ms: ${shifted})`);
      checked++;
    }
    assert.ok(checked > 100, `${checked} examples checked`);
    const noncry = makeTrainingExample('noncry', pools, lowPass, random, windowLength);
    assert.strictEqual(noncry.cry, undefined);
  });
});

import * as assert from 'assert';
import { createYinPitchTracker, DEFAULT_YIN_SETTINGS } from '../src/core/dsp/yin';
import type { CryModel, CryModelInfo } from '../src/core/model/cry-model';
import { modelWindowStarts } from '../src/core/model/cry-model';
import { createVoicingMeter, voicingBuckets, withInfantPitchGate } from '../src/core/model/voicing';

const RATE = DEFAULT_YIN_SETTINGS.sampleRate;

/** A voiced sound: f0 and its first harmonics falling off, at `dbfs` RMS. */
function harmonicTone(f0: number, seconds: number, dbfs = -20): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < out.length; i++) {
    for (let h = 1; h <= 6 && h * f0 < RATE / 2; h++)
      out[i] += Math.sin((2 * Math.PI * h * f0 * i) / RATE + h) / h;
  }
  let power = 0;
  for (const v of out) power += v * v;
  const scale = 10 ** (dbfs / 20) / Math.sqrt(power / out.length);
  return out.map((v) => v * scale);
}

/** Deterministic white noise at `dbfs` RMS (a linear congruential generator, uniform). */
function whiteNoise(seconds: number, dbfs = -20): Float32Array {
  let state = 12345;
  const scale = 10 ** (dbfs / 20) * Math.sqrt(3);
  return Float32Array.from({ length: Math.round(seconds * RATE) }, () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state / 2 ** 32) * 2 * scale - scale;
  });
}

describe('YIN pitch and infant-pitched voicing', () => {
  const track = createYinPitchTracker();

  for (const f0 of [110, 220, 450, 900]) {
    it(`finds ${f0} Hz in a harmonic tone within 1 %`, () => {
      const frames = track(harmonicTone(f0, 1));
      assert.ok(frames.length >= 45, `${frames.length} frames in 1 s`);
      for (const hz of frames) assert.ok(Math.abs(hz - f0) / f0 < 0.01, `${hz} Hz for ${f0} Hz`);
    });
  }

  it('leaves white noise and quiet frames unvoiced', () => {
    const noise = track(whiteNoise(2));
    assert.ok(
      noise.filter((hz) => hz > 0).length <= noise.length * 0.05,
      `${noise.filter((hz) => hz > 0).length} voiced`,
    );
    assert.ok(
      track(harmonicTone(450, 1, -60)).every((hz) => hz === 0),
      'a tone at -60 dBFS is below the gate',
    );
  });

  it('splits a recording into infant- and adult-pitched seconds and groups clips by them', () => {
    const meter = createVoicingMeter();
    const silence = new Float32Array(RATE);
    const recording = new Float32Array(4 * RATE);
    recording.set(harmonicTone(140, 1), 0);
    recording.set(silence, RATE);
    recording.set(harmonicTone(480, 1.5), 2 * RATE);
    const summary = meter(recording);
    assert.strictEqual(summary.seconds, 4);
    assert.ok(Math.abs(summary.adultSeconds - 1) <= 0.06, `adult ${summary.adultSeconds}`);
    assert.ok(Math.abs(summary.infantSeconds - 1.5) <= 0.06, `infant ${summary.infantSeconds}`);
    assert.ok(
      Math.abs(summary.longestInfantRunSeconds - 1.5) <= 0.06,
      `run ${summary.longestInfantRunSeconds}`,
    );
    assert.ok(Math.abs(summary.voicedSeconds - 2.5) <= 0.1, `voiced ${summary.voicedSeconds}`);

    const quiet = meter(whiteNoise(4));
    const buckets = voicingBuckets(['cry', 'cry', 'noncry'], [summary, quiet, quiet], [0.9, 0.1, 0.5], 0.4);
    assert.deepStrictEqual(
      buckets.map((b) => [b.from, b.cry.clips, b.cry.found, b.noncry.clips, b.noncry.found]),
      [
        [0, 1, 0, 1, 1],
        [0.5, 0, 0, 0, 0],
        [1.5, 1, 1, 0, 0],
        [3, 0, 0, 0, 0],
      ],
    );
  });

  it('gates a model: p(cry) 0 in windows without enough infant-pitched voicing, the rest untouched', async () => {
    const windowSamples = RATE / 2;
    const info: CryModelInfo = {
      name: 'yamnet',
      id: 'always-crying',
      source: 'test',
      description: 'p(cry) 0.9 everywhere',
      windowSamples,
      hopSamples: windowSamples,
      threshold: 0.4,
      backend: 'cpu',
      backendNotes: [],
    };
    let disposed = false;
    const alwaysCrying: CryModel = {
      ensureLoaded: () => Promise.resolve(info),
      analyze: (samples) =>
        Promise.resolve(
          modelWindowStarts(samples.length, windowSamples, windowSamples).map((startSample) => ({
            startSample,
            probability: 0.9,
          })),
        ),
      dispose: () => {
        disposed = true;
      },
    };
    const recording = new Float32Array(3 * RATE);
    recording.set(harmonicTone(140, 1), 0);
    recording.set(harmonicTone(480, 1), RATE);
    const gated = withInfantPitchGate(alwaysCrying, 0.3);
    assert.match((await gated.ensureLoaded()).description, /under 0.3 s voiced at an infant's pitch/);
    const verdicts = await gated.analyze(recording);
    assert.deepStrictEqual(
      verdicts.map((v) => v.probability),
      [0, 0, 0.9, 0.9, 0, 0],
      'adult voice, infant voice, silence',
    );
    gated.dispose();
    assert.ok(disposed, 'disposing the gate disposes the model');
  });
});

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readWav } from '../src/core/audio/wav';
import { resample } from '../src/core/audio/resample';
import {
  createMelFilterBank,
  createMelSpectrogram,
  createPeriodicHann,
  createSlidingMelSpectrogram,
  DEFAULT_MEL_SETTINGS,
} from '../src/core/dsp/mel';
import { librosaDir, loadFixture } from './fixtures';

const SIXTEEN_K = [
  'sine440_4s',
  'chirp_100_7000_4s',
  'noise_seed1234_4s',
  'silence_4s',
  'short_2p5s',
  'near4_pad_3p96s',
];

function maxAbsError(ours: Float32Array, theirs: (number | null)[][]): number {
  let worst = 0;
  theirs.forEach((row, m) =>
    row.forEach((value, t) => {
      if (value === null) return;
      worst = Math.max(worst, Math.abs(ours[m * row.length + t] - value));
    }),
  );
  return worst;
}

describe('mel spectrogram parity with librosa 0.10', () => {
  const melOf = createMelSpectrogram(DEFAULT_MEL_SETTINGS);

  it('builds the same periodic Hann window and Slaney filter bank', () => {
    const constants = JSON.parse(fs.readFileSync(path.join(librosaDir(), 'constants.json'), 'utf8')) as {
      window: number[];
      mel_filterbank?: number[][];
      filterbank?: number[][];
    };
    const window = createPeriodicHann(2048);
    constants.window.forEach((w, i) => assert.ok(Math.abs(w - window[i]) < 1e-12, `window[${i}]`));
    const dense = constants.mel_filterbank ?? constants.filterbank;
    assert.ok(dense, 'constants.json holds the filter bank');
    const bands = createMelFilterBank(DEFAULT_MEL_SETTINGS);
    let worst = 0;
    dense.forEach((row, m) =>
      row.forEach((w, k) => {
        const { firstBin, weights } = bands[m];
        const ours = k >= firstBin && k < firstBin + weights.length ? weights[k - firstBin] : 0;
        worst = Math.max(worst, Math.abs(ours - w));
      }),
    );
    assert.ok(worst < 1e-8, `filter bank max abs error ${worst}`);
  });

  for (const name of SIXTEEN_K) {
    it(`matches ${name}: dB within 1e-3 dB, z-score within 1e-4`, () => {
      const wav = readWav(fs.readFileSync(path.join(librosaDir(), `${name}.wav`)));
      assert.strictEqual(wav.sampleRate, 16000);
      const fixture = loadFixture(name);
      const mel = melOf(wav.samples);
      const dbError = maxAbsError(mel.db, fixture.mel_db);
      assert.ok(dbError <= 1e-3, `${name}: max abs dB error ${dbError}`);
      if (fixture.meta.stats.std > 0) {
        const normError = maxAbsError(mel.norm, fixture.mel_norm);
        assert.ok(normError <= 1e-4, `${name}: max abs z-score error ${normError}`);
      } else {
        assert.ok(
          mel.norm.every((v) => v === 0),
          'a flat (silent) spectrogram normalises to zeros, never NaN',
        );
      }
      process.stdout.write(`      ${name}: max |dB error| ${dbError.toExponential(2)}\n`);
    });
  }

  it('matches rec44k_noise_4s after our resampler: mean abs dB error <= 0.05 below 7 kHz', () => {
    const wav = readWav(fs.readFileSync(path.join(librosaDir(), 'rec44k_noise_4s.wav')));
    assert.strictEqual(wav.sampleRate, 44100);
    const mel = melOf(resample(wav.samples, 44100, 16000));
    const fixture = loadFixture('rec44k_noise_4s');
    const bands = createMelFilterBank(DEFAULT_MEL_SETTINGS);
    let sum = 0;
    let count = 0;
    fixture.mel_db.forEach((row, m) => {
      const { firstBin, weights } = bands[m];
      const centreHz = ((firstBin + weights.length / 2) * 16000) / 2048;
      if (centreHz >= 7000) return;
      row.forEach((value, t) => {
        sum += Math.abs(mel.db[m * row.length + t] - (value ?? 0));
        count++;
      });
    });
    const meanError = sum / count;
    assert.ok(count > 100 * 126, `bands below 7 kHz: ${count / 126}`);
    assert.ok(meanError <= 0.05, `mean abs dB error ${meanError}`);
    process.stdout.write(
      `      rec44k: mean |dB error| below 7 kHz ${meanError.toFixed(4)} over ${count / 126} bands\n`,
    );
  });

  it('sliding windows reuse frames and give results identical to one-clip computation', () => {
    const wav = readWav(fs.readFileSync(path.join(librosaDir(), 'chirp_100_7000_4s.wav')));
    const stream = new Float32Array(16000 * 8);
    stream.set(wav.samples, 0);
    stream.set(wav.samples, 64000);
    const sliding = createSlidingMelSpectrogram();
    for (let k = 0; k <= 4; k++) {
      const start = Math.round((k * 16000) / 512) * 512;
      const window = stream.subarray(start, start + 64000);
      const fromCache = sliding.compute(window, start);
      const alone = melOf(window);
      assert.deepStrictEqual(fromCache.norm, alone.norm, `window ${k}`);
    }
    assert.ok(sliding.counters.reused > 3 * 80, `reused ${sliding.counters.reused} frames`);
  });
});

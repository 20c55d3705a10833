/**
 * `analyze` at any length: the block analyzer gives exactly the verdicts of analysing the whole recording at once
 * (both models, pieces of odd sizes), and `cry-baby analyze` on long generated files keeps its peak memory flat
 * (a 20-minute and a 60-minute file, both above the streaming size, measured with GNU time in child processes),
 * on one thread or on a pool of worker threads (same verdicts, same order).
 * Speed is the benchmark's business; only memory and equality are asserted here.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createAnalyzePool } from '../src/core/model/analyze-pool';
import { createBlockAnalyzer } from '../src/core/model/block-analyzer';
import type { CryVerdict } from '../src/core/model/cry-model';
import { createCryModel, resolveModel } from '../src/core/model/select';
import { writeWav } from '../src/core/audio/wav';
import { projectRoot, sharedDir, tempDir } from './fixtures';

/** Noise with a tone every third 5 s: something for the models to tell apart. */
function room(seconds: number, seed = 1): Float32Array {
  const samples = new Float32Array(seconds * 16000);
  let x = seed;
  for (let i = 0; i < samples.length; i++) {
    x = (x * 16807) % 2147483647;
    samples[i] =
      0.05 * (x / 2147483647 - 0.5) + (Math.floor(i / 80000) % 3 === 0 ? 0.1 * Math.sin(i * 0.07) : 0);
  }
  return samples;
}

describe('analyze at any length', function () {
  this.timeout(600000);

  for (const name of ['cry-baby-cnn', 'yamnet'] as const) {
    it(`${name}: block by block gives the verdicts of the whole recording at once`, async () => {
      const model = createCryModel(
        resolveModel(name, {
          yamnetFile: path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite'),
        }),
      );
      try {
        const info = await model.ensureLoaded();
        const samples = room(75);
        const whole = await model.analyze(samples);
        const pieces: CryVerdict[] = [];
        const blocks = createBlockAnalyzer(model, info, (v) => pieces.push(...v), 8);
        // Pieces of odd sizes, as a pipe delivers them.
        for (let at = 0, k = 0; at < samples.length; k++) {
          const size = [4093, 17, 65536, 1000, 31999][k % 5];
          await blocks.push(samples.subarray(at, at + size));
          at += size;
        }
        assert.strictEqual(await blocks.finish(), whole.length);
        assert.deepStrictEqual(
          pieces.map((v) => [v.startSample, v.probability]),
          whole.map((v) => [v.startSample, v.probability]),
        );
      } finally {
        model.dispose();
      }
    });
  }

  for (const name of ['cry-baby-cnn', 'yamnet'] as const) {
    it(`${name}: two worker threads, blocks side by side, give the same verdicts in the same order`, async () => {
      const resolved = resolveModel(name, {
        yamnetFile: path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite'),
      });
      const model = createCryModel(resolved);
      const pool = createAnalyzePool(resolved, { threads: 2 });
      try {
        const info = await pool.ready;
        assert.strictEqual(info.name, name);
        const samples = room(75, 3);
        const whole = await model.analyze(samples);
        const pieces: CryVerdict[] = [];
        const blocks = createBlockAnalyzer(pool, info, (v) => pieces.push(...v), 8, 2);
        for (let at = 0; at < samples.length; at += 40000)
          await blocks.push(samples.subarray(at, at + 40000));
        assert.strictEqual(await blocks.finish(), whole.length);
        assert.deepStrictEqual(pieces, whole);
      } finally {
        model.dispose();
        await pool.close();
      }
    });
  }

  it('a worker that cannot load its model fails the pool with the reason', async () => {
    const pool = createAnalyzePool(
      { name: 'cry-baby-cnn', source: path.join(tempDir('no-model-'), 'none') },
      { threads: 2 },
    );
    try {
      await assert.rejects(pool.ready, /metadata\.json|no such file|ENOENT/);
      await assert.rejects(
        pool.analyze(new Float32Array(64000)),
        /metadata\.json|no such file|ENOENT|closed/,
      );
    } finally {
      await pool.close();
    }
  });

  it('cry-baby analyze keeps its peak memory flat from 20 to 60 minutes of audio', () => {
    const dir = tempDir('cry-long-');
    const peaks: Record<string, number> = {};
    for (const minutes of [20, 60]) {
      const file = path.join(dir, `room-${minutes}.wav`);
      fs.writeFileSync(file, writeWav(room(minutes * 60, minutes), 16000));
      const run = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          'peak %M KB',
          process.execPath,
          path.join(projectRoot(), 'bin', 'cry-baby.js'),
          'analyze',
          file,
          '--model',
          'cry-baby-cnn',
        ],
        { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600000 },
      );
      assert.strictEqual(run.status, 0, run.stderr);
      const rows = run.stdout.trim().split('\n');
      assert.strictEqual(
        rows.length - 2,
        1 + Math.floor((minutes * 60 * 16000 - 64000) / 16000),
        'a row per window',
      );
      peaks[minutes] = Number(/peak (\d+) KB/.exec(run.stderr)?.[1]) / 1024;
      fs.rmSync(file);
    }
    console.log(`      peak RSS: 20 min ${peaks[20].toFixed(0)} MB, 60 min ${peaks[60].toFixed(0)} MB`);
    // Reading the 60-minute file whole would take 115 MB for the WAV and 230 MB as float samples. The command runs
    // one worker thread per core (each with its own heap, collected on its own schedule): measured growth 8-39 MB.
    assert.ok(peaks[60] - peaks[20] < 60, `peak grew by ${(peaks[60] - peaks[20]).toFixed(0)} MB`);
  });
});

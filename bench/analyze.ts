/**
 * `cry-baby analyze` on a long recording, as a user runs it (the CLI in a child process, GNU time for peak RSS):
 * real-time factor and peak memory for both models, on one thread and on one per core (at most 4).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeWav } from '../src/core/audio/wav';

/** Room noise with a tone every third 5 s (as the long-file test uses). */
function room(seconds: number): Float32Array {
  const samples = new Float32Array(seconds * 16000);
  let x = 11;
  for (let i = 0; i < samples.length; i++) {
    x = (x * 16807) % 2147483647;
    samples[i] =
      0.05 * (x / 2147483647 - 0.5) + (Math.floor(i / 80000) % 3 === 0 ? 0.1 * Math.sin(i * 0.07) : 0);
  }
  return samples;
}

export function benchAnalyze(minutes = 20): void {
  const root = path.join(__dirname, '..', '..');
  const yamnet = path.resolve(root, '..', 'shared', 'models', 'yamnet', 'yamnet-classification.tflite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cry-bench-analyze-'));
  try {
    const file = path.join(dir, `room-${minutes}.wav`);
    fs.writeFileSync(file, writeWav(room(minutes * 60), 16000));
    const cores = Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
    const haveTime = fs.existsSync('/usr/bin/time');
    for (const model of ['cry-baby-cnn', 'yamnet']) {
      if (model === 'yamnet' && !fs.existsSync(yamnet)) {
        console.log('analyze yamnet: no YAMNet file in ../shared/models/yamnet');
        continue;
      }
      const figures: string[] = [];
      for (const threads of [...new Set([1, cores])]) {
        const args = [
          path.join(root, 'bin', 'cry-baby.js'),
          'analyze',
          file,
          '--model',
          model,
          '--threads',
          String(threads),
          '--yamnet-file',
          yamnet,
        ];
        const start = process.hrtime.bigint();
        const run = haveTime
          ? spawnSync('/usr/bin/time', ['-f', 'peak %M KB', process.execPath, ...args], {
              encoding: 'utf8',
              maxBuffer: 256 << 20,
            })
          : spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (run.status !== 0) {
          figures.push(`${threads} thread(s): failed (${run.stderr.trim().split('\n').pop()})`);
          continue;
        }
        const peak = Number(/peak (\d+) KB/.exec(run.stderr)?.[1] ?? NaN) / 1024;
        figures.push(
          `${threads} thread${threads > 1 ? 's' : ''} ${seconds.toFixed(1)} s = ${((minutes * 60) / seconds).toFixed(0)}x real time` +
            (haveTime ? `, peak RSS ${peak.toFixed(0)} MB` : ''),
        );
      }
      console.log(
        `analyze ${model}, ${minutes} min recording (whole command, start-up included): ${figures.join('; ')}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench`: speed and memory figures (never asserted in tests). Prints medians over repeated runs.
 *   node --expose-gc dist/bench/run.js [mel] [model] [analyze] [yamnet] [capture] — sections to run (default: all);
 *   CRY_BABY_BENCH_CAPTURE_SECONDS sets the capture run (default 180 s)
 */
import { FFT } from 'dsp.js';
import * as os from 'os';
import { createPowerSpectrum } from '../src/core/dsp/fft';
import { createMelSpectrogram, createSlidingMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../src/core/dsp/mel';
import { createCryClassifier, defaultModelDir } from '../src/core/model/classifier';
import type { BackendName } from '../src/core/model/tf';
import { benchAnalyze } from './analyze';
import { benchCapture } from './capture';
import { benchYamnet } from './yamnet';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function noise(length: number, seed = 1): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = (state / 2147483648 - 0.5) * 0.5;
  }
  return out;
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function benchFft(): void {
  const n = 2048;
  const frame = Float64Array.from(noise(n));
  const power = new Float64Array(n / 2 + 1);
  const ours = createPowerSpectrum(n);
  const dsp = new FFT(n, 16000);
  const rounds = 2000;
  const oursRuns: number[] = [];
  const dspRuns: number[] = [];
  for (let r = 0; r < 7; r++) {
    oursRuns.push(
      timeMs(() => {
        for (let i = 0; i < rounds; i++) ours(frame, power);
      }),
    );
    dspRuns.push(
      timeMs(() => {
        for (let i = 0; i < rounds; i++) {
          dsp.forward(frame);
          for (let k = 0; k <= n / 2; k++) power[k] = dsp.real[k] ** 2 + dsp.imag[k] ** 2;
        }
      }),
    );
  }
  const oursRate = rounds / (median(oursRuns) / 1000);
  const dspRate = rounds / (median(dspRuns) / 1000);
  console.log(
    `FFT power spectrum, n=2048: ours ${oursRate.toFixed(0)}/s, dsp.js ${dspRate.toFixed(0)}/s (ours ${(oursRate / dspRate).toFixed(2)}x)`,
  );
}

function benchMel(): void {
  const settings = DEFAULT_MEL_SETTINGS;
  const clip = noise(64000);
  const melOf = createMelSpectrogram(settings);
  for (let i = 0; i < 20; i++) melOf(clip);
  const perClip: number[] = [];
  for (let r = 0; r < 9; r++)
    perClip.push(
      timeMs(() => {
        for (let i = 0; i < 50; i++) melOf(clip);
      }) / 50,
    );
  const msPerClip = median(perClip);
  console.log(
    `mel spectrogram, 4 s clip: median ${msPerClip.toFixed(3)} ms/clip = ${(1000 / msPerClip).toFixed(0)} clips/s (librosa on this machine: about 3.8 ms/clip)`,
  );

  const hour = noise(3600 * 16000, 7);
  const windowLength = 64000;
  const run = (hopSeconds: number): { ms: number; windows: number; reused: number } => {
    const sliding = createSlidingMelSpectrogram(settings);
    let windows = 0;
    const ms = timeMs(() => {
      for (let k = 0; ; k++) {
        const start = Math.round((k * hopSeconds * 16000) / 512) * 512;
        if (start + windowLength > hour.length) break;
        sliding.compute(hour.subarray(start, start + windowLength), start);
        windows++;
      }
    });
    return { ms, windows, reused: sliding.counters.reused };
  };
  const hopRuns: number[] = [];
  const flatRuns: number[] = [];
  let last = { windows: 0, reused: 0 };
  for (let r = 0; r < 3; r++) {
    const overlapped = run(1);
    hopRuns.push(overlapped.ms);
    last = overlapped;
    flatRuns.push(run(4).ms);
  }
  const hop = median(hopRuns);
  const flat = median(flatRuns);
  console.log(
    `1 h of 16 kHz audio, 4 s windows: hop 1 s ${(hop / 1000).toFixed(2)} s (real-time factor ${(hop / 3600000).toExponential(2)}, ` +
      `${last.windows} windows, ${last.reused} frames reused); hop 4 s ${(flat / 1000).toFixed(2)} s (RTF ${(flat / 3600000).toExponential(2)}); ` +
      `1 s hop costs ${(hop / flat).toFixed(2)}x the non-overlapping run (medians of 3)`,
  );
}

async function benchModel(): Promise<void> {
  for (const backend of ['wasm', 'cpu'] as BackendName[]) {
    const classifier = createCryClassifier(defaultModelDir(), { backend });
    let info;
    try {
      info = await classifier.ensureLoaded();
    } catch (error) {
      console.log(`model on ${backend}: not available (${(error as Error).message})`);
      continue;
    }
    const spectrogram = noise(128 * 126, 3);
    const rounds = backend === 'cpu' ? 5 : 50;
    for (let i = 0; i < 5; i++) await classifier.predict([spectrogram]);
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) await classifier.predict([spectrogram]);
      runs.push(Number(process.hrtime.bigint() - start) / 1e6 / rounds);
    }
    const batch = Array.from({ length: 32 }, () => spectrogram);
    const batchRuns: number[] = [];
    for (let r = 0; r < 3; r++) {
      const start = process.hrtime.bigint();
      await classifier.predict(batch);
      batchRuns.push(Number(process.hrtime.bigint() - start) / 1e6 / 32);
    }
    console.log(
      `model ${info.modelDir.split('/').slice(-2).join('/')} on ${info.backend}: median ${median(runs).toFixed(2)} ms per 4 s window (batch 1), ` +
        `${median(batchRuns).toFixed(2)} ms per window in batches of 32`,
    );
    classifier.dispose();
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const on = (name: string) => wanted.length === 0 || wanted.includes(name);
  console.log(`node ${process.version}, ${os.cpus().length} cores (shared machine: read medians and ratios)`);
  if (on('mel')) {
    benchFft();
    benchMel();
  }
  if (on('model')) await benchModel();
  if (on('analyze')) benchAnalyze(Number(process.env.CRY_BABY_BENCH_ANALYZE_MINUTES ?? 20));
  if (on('yamnet')) await benchYamnet(Number(process.env.CRY_BABY_BENCH_YAMNET_PATCHES ?? 10000));
  if (on('capture')) await benchCapture(Number(process.env.CRY_BABY_BENCH_CAPTURE_SECONDS ?? 180));
}

void main();

/**
 * YAMNet speed and memory: milliseconds per 0.975 s patch for our TypeScript YAMNet (front end and, for the
 * classification file, the int8 layers on our WebAssembly kernels; one thread) next to Google's interpreter
 * (`ai-edge-litert`, one thread, XNNPACK) on the same file in the same run, and RSS / tensor count over 10,000
 * patches. Our int8 kernels skip input pairs that are all zero, so our time depends on the audio: the figures are
 * given for a noise patch and for the real recordings of ../shared/fixtures/yamnet (cries, voices, music, household
 * noise; the interpreter's dense kernels take the same time on either).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { ensureTf } from '../src/core/model/tf';
import { createYamnetCryModel } from '../src/core/model/yamnet/yamnet-model';
import { createYamnetNetwork } from '../src/core/model/yamnet/network';
import { readYamnetFile } from '../src/core/model/yamnet/yamnet-file';
import { YAMNET_PATCH_HOP_SAMPLES, YAMNET_PATCH_SAMPLES } from '../src/core/model/yamnet/frontend';
import { readAudioAt } from '../src/core/audio/file-source';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The 0.975 s patches (0.48 s apart) of the YAMNet fixture recordings, if ../shared is beside the checkout. */
async function fixturePatches(): Promise<Float32Array[]> {
  const dir = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'yamnet', 'audio');
  if (!fs.existsSync(dir)) return [];
  const patches: Float32Array[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.wav'))
    .sort()) {
    const samples = await readAudioAt(path.join(dir, name), 16000);
    for (let at = 0; at + YAMNET_PATCH_SAMPLES <= samples.length; at += YAMNET_PATCH_HOP_SAMPLES) {
      patches.push(samples.slice(at, at + YAMNET_PATCH_SAMPLES));
    }
  }
  return patches;
}

function yamnetFile(): string | undefined {
  const candidates = [
    process.env.CRY_BABY_YAMNET,
    path.resolve(__dirname, '..', '..', '..', 'shared', 'models', 'yamnet', 'yamnet-classification.tflite'),
  ];
  return candidates.find((file): file is string => !!file && fs.existsSync(file));
}

const INTERPRETER_SCRIPT = `
import sys, time, numpy as np
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path=sys.argv[1], num_threads=1)
it.allocate_tensors()
inp = it.get_input_details()[0]['index']
x = (np.random.default_rng(1).random(15600, dtype=np.float32) - 0.5) * 0.5
for _ in range(20):
    it.set_tensor(inp, x); it.invoke()
runs = []
for _ in range(7):
    t = time.perf_counter()
    for _ in range(50):
        it.set_tensor(inp, x); it.invoke()
    runs.append((time.perf_counter() - t) / 50 * 1000)
print(sorted(runs)[3])
`;

function interpreterMs(file: string): number | string {
  const result = spawnSync('python3', ['-c', INTERPRETER_SCRIPT, file], { encoding: 'utf8' });
  if (result.status !== 0)
    return `not measured (${(result.stderr || String(result.error)).trim().split('\n').pop()}; pip install ai-edge-litert)`;
  return Number(result.stdout.trim());
}

/** Prints the YAMNet figures; `patches` sets the memory run (default 10,000). */
export async function benchYamnet(patches = 10000): Promise<void> {
  const file = yamnetFile();
  if (!file) {
    console.log('YAMNet: no file (set CRY_BABY_YAMNET or keep ../shared beside the checkout)');
    return;
  }
  const model = createYamnetCryModel(file, { backend: 'wasm' });
  const info = await model.ensureLoaded();
  const audio = new Float32Array(YAMNET_PATCH_SAMPLES + 49 * YAMNET_PATCH_HOP_SAMPLES);
  let state = 5;
  for (let i = 0; i < audio.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    audio[i] = (state / 2147483648 - 0.5) * 0.3;
  }
  const one = audio.subarray(0, YAMNET_PATCH_SAMPLES);
  for (let i = 0; i < 10; i++) await model.analyze(one);
  const recorded = await fixturePatches();
  // Rounds of (ours, then the interpreter's), so that both see the same load on this shared machine; the ratio
  // reported is the median of the rounds' ratios.
  const rounds: { ours: number; recorded: number; batched: number; reference: number | string }[] = [];
  for (let round = 0; round < 3; round++) {
    const single: number[] = [];
    const real: number[] = [];
    const batched: number[] = [];
    for (let r = 0; r < 7; r++) {
      let start = process.hrtime.bigint();
      for (let i = 0; i < 30; i++) await model.analyze(one);
      single.push(Number(process.hrtime.bigint() - start) / 1e6 / 30);
      if (recorded.length) {
        start = process.hrtime.bigint();
        for (const patch of recorded) await model.analyze(patch);
        real.push(Number(process.hrtime.bigint() - start) / 1e6 / recorded.length);
      }
      start = process.hrtime.bigint();
      const verdicts = await model.analyze(audio);
      batched.push(Number(process.hrtime.bigint() - start) / 1e6 / verdicts.length);
    }
    rounds.push({
      ours: median(single),
      recorded: real.length ? median(real) : NaN,
      batched: median(batched),
      reference: interpreterMs(file),
    });
  }
  model.dispose();
  const ours = median(rounds.map((r) => r.ours));
  const references = rounds.map((r) => r.reference).filter((r): r is number => typeof r === 'number');
  const failed = rounds.find((r) => typeof r.reference === 'string')?.reference;
  const ratio =
    references.length === rounds.length
      ? median(rounds.map((r) => r.ours / (r.reference as number)))
      : undefined;
  console.log(
    `YAMNet (${path.basename(file)}; ${info.backendNotes.at(-1) ?? info.backend}): ${ours.toFixed(2)} ms per patch one at a time (live), ` +
      `${median(rounds.map((r) => r.batched)).toFixed(2)} ms per patch over a 24.5 s recording (frames shared); ` +
      `Google's interpreter (ai-edge-litert, 1 thread): ${ratio !== undefined ? `${median(references).toFixed(2)} ms` : failed}` +
      (ratio !== undefined
        ? ` = ${ratio.toFixed(2)}x the interpreter (median of 3 rounds: ${rounds.map((r) => `${r.ours.toFixed(2)}/${(r.reference as number).toFixed(2)}`).join(', ')} ms)`
        : ''),
  );
  if (recorded.length) {
    const recordedRatio =
      ratio !== undefined ? median(rounds.map((r) => r.recorded / (r.reference as number))) : undefined;
    console.log(
      `YAMNet on ${recorded.length} patches of the fixture recordings, one at a time: ${median(rounds.map((r) => r.recorded)).toFixed(2)} ms per patch` +
        (recordedRatio !== undefined ? ` = ${recordedRatio.toFixed(2)}x the interpreter (same rounds)` : ''),
    );
  }

  const { tf: runtime } = await ensureTf('wasm');
  const network = createYamnetNetwork(readYamnetFile(file).model, runtime);
  const batch = 8;
  const input = new Float32Array(batch * 96 * 64).fill(-3);
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: { patches: number; rss: number; tensors: number }[] = [];
  const runs = Math.ceil(patches / batch);
  const every = Math.max(1, Math.floor(runs / 10));
  for (let run = 1; run <= runs; run++) {
    await network.run(input, batch);
    if (run % every === 0 || run === runs) {
      gc?.();
      samples.push({
        patches: run * batch,
        rss: process.memoryUsage().rss / 2 ** 20,
        tensors: tf.memory().numTensors,
      });
    }
  }
  network.dispose();
  const first = samples[0];
  const last = samples[samples.length - 1];
  console.log(
    `YAMNet memory over ${patches} patches (batches of ${batch}): RSS MB ${samples.map((x) => x.rss.toFixed(0)).join(' ')} ` +
      `(every ${every * batch} patches); tensors ${first.tensors} → ${last.tensors}${gc ? '' : ' (run with --expose-gc for GC between samples)'}`,
  );
}

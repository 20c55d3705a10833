/**
 * YAMNet on TensorFlow.js against Google's TFLite interpreter (`ai-edge-litert`, XNNPACK), on the reference
 * outputs in ../shared/fixtures/yamnet for both model files in ../shared/models/yamnet.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { readWav } from '../src/core/audio/wav';
import { ensureTf } from '../src/core/model/tf';
import { BuiltinOperator, readTfliteModel, TensorType } from '../src/core/model/tflite/model';
import {
  createYamnetLogMelFrame,
  xnnpackLog,
  YAMNET_BANDS,
  YAMNET_FRAME_HOP,
  YAMNET_PATCH_FRAMES,
} from '../src/core/model/yamnet/frontend';
import { createYamnetNetwork } from '../src/core/model/yamnet/network';
import { readYamnetFile } from '../src/core/model/yamnet/yamnet-file';
import { sharedDir } from './fixtures';

interface Chunk {
  start: number;
  scores: number[];
  embedding?: number[];
  log_mel?: number[][];
}
interface Reference {
  sha256: string;
  clips: { wav: string; samples: number; chunks: Chunk[] }[];
}

const modelPath = (name: string) => path.join(sharedDir(), 'models', 'yamnet', name);
const reference = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', name), 'utf8')) as Reference;

/** Runs every reference chunk through our front end and network, one chunk per call as the reference did. */
async function runAll(file: string, fixture: Reference) {
  const parsed = readYamnetFile(modelPath(file));
  assert.strictEqual(parsed.sha256, fixture.sha256);
  const { tf: runtime } = await ensureTf('wasm');
  const network = createYamnetNetwork(parsed.model, runtime);
  const frame = createYamnetLogMelFrame(parsed.frontEnd);
  const results: { chunk: Chunk; patch: Float32Array; scores: Float32Array; embeddings?: Float32Array }[] =
    [];
  try {
    for (const clip of fixture.clips) {
      let samples = readWav(fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', clip.wav))).samples;
      if (samples.length < 15600) {
        const padded = new Float32Array(15600);
        padded.set(samples);
        samples = padded;
      }
      for (const chunk of clip.chunks) {
        const patch = new Float32Array(YAMNET_PATCH_FRAMES * YAMNET_BANDS);
        for (let f = 0; f < YAMNET_PATCH_FRAMES; f++)
          frame(samples, chunk.start + f * YAMNET_FRAME_HOP, patch, f * YAMNET_BANDS);
        const out = await network.run(patch, 1);
        results.push({ chunk, patch, scores: out.scores, embeddings: out.embeddings });
      }
    }
  } finally {
    network.dispose();
  }
  return results;
}

describe('YAMNet: TFLite reader and parity with Google’s interpreter', function () {
  this.timeout(120000);

  it('reads both files: tensors, quantisation, operators and their options', () => {
    const classification = readTfliteModel(fs.readFileSync(modelPath('yamnet-classification.tflite')));
    assert.strictEqual(classification.operators.length, 47);
    const input = classification.tensors[classification.inputs[0]];
    assert.deepStrictEqual(
      [input.name, input.shape, input.type],
      ['waveform_binary', [15600], TensorType.FLOAT32],
    );
    const convs = classification.operators.filter((op) => op.code === BuiltinOperator.CONV_2D);
    const depthwise = classification.operators.filter((op) => op.code === BuiltinOperator.DEPTHWISE_CONV_2D);
    assert.deepStrictEqual([convs.length, depthwise.length], [14, 13]);
    assert.deepStrictEqual(convs[0].conv, {
      padding: 'same',
      strideW: 2,
      strideH: 2,
      activation: 'relu6',
      dilationW: 1,
      dilationH: 1,
    });
    const weights = classification.tensors[convs[0].inputs[1]];
    assert.strictEqual(weights.type, TensorType.INT8);
    assert.strictEqual(weights.quantization?.scale.length, 32);
    const quantised = classification.tensorNamed('tfl.quantize').quantization!;
    assert.ok(Math.abs(quantised.scale[0] - 0.04802) < 1e-5 && quantised.zeroPoint[0] === 16);
    const dynamic = readTfliteModel(fs.readFileSync(modelPath('yamnet1-dynamic-range.tflite')));
    assert.deepStrictEqual(
      dynamic.outputs.map((i) => dynamic.tensors[i].shapeSignature),
      [
        [-1, 521],
        [-1, 1024],
        [-1, 64],
      ],
    );
    assert.throws(() => readTfliteModel(Buffer.from('not a model at all')), /not a TensorFlow Lite model/);
  });

  it('XNNPACK’s float32 log agrees with Math.log to 4e-7 over the log-mel range', () => {
    for (const x of [0.001, 0.0123, 0.5, 1, 1.5, 7.3, 123.4, 5000]) {
      const ours = xnnpackLog(x);
      assert.ok(Math.abs(ours - Math.log(x)) <= 4e-7 * Math.max(1, Math.abs(Math.log(x))), `${x}: ${ours}`);
    }
  });

  it('classification file: every one of the 125,561 scores equals the interpreter’s', async () => {
    const fixture = reference('classification.json');
    const results = await runAll('yamnet-classification.tflite', fixture);
    let total = 0;
    let equal = 0;
    let withinOneStep = 0;
    let worstSteps = 0;
    for (const { chunk, scores } of results) {
      for (let k = 0; k < 521; k++) {
        const steps = Math.round(Math.abs(scores[k] - chunk.scores[k]) * 256);
        total++;
        if (steps === 0) equal++;
        if (steps <= 1) withinOneStep++;
        worstSteps = Math.max(worstSteps, steps);
      }
    }
    assert.strictEqual(total, 125561);
    // The issue asks for >= 99 % within one 1/256 step and none beyond two; the emulation is exact.
    assert.ok(
      withinOneStep / total >= 0.99 && worstSteps <= 2,
      `${withinOneStep}/${total}, worst ${worstSteps}`,
    );
    assert.strictEqual(equal, total, `${total - equal} scores differ, worst by ${worstSteps} steps`);
  });

  it('dynamic-range file: log-mel within 1e-3, every score within 0.005, embeddings cosine >= 0.9999', async () => {
    const fixture = reference('yamnet1-dynamic.json');
    const results = await runAll('yamnet1-dynamic-range.tflite', fixture);
    let logMelWorst = 0;
    let worstScore = 0;
    let over = 0;
    let total = 0;
    let worstCosine = 1;
    for (const { chunk, patch, scores, embeddings } of results) {
      chunk.log_mel?.forEach((row, f) =>
        row.forEach((value, b) => (logMelWorst = Math.max(logMelWorst, Math.abs(value - patch[f * 64 + b])))),
      );
      for (let k = 0; k < 521; k++) {
        const difference = Math.abs(scores[k] - chunk.scores[k]);
        worstScore = Math.max(worstScore, difference);
        if (difference > 0.005) over++;
        total++;
      }
      if (chunk.embedding && embeddings) {
        let dot = 0;
        let a = 0;
        let b = 0;
        chunk.embedding.forEach((value, i) => {
          dot += value * embeddings[i];
          a += value * value;
          b += embeddings[i] * embeddings[i];
        });
        worstCosine = Math.min(worstCosine, dot / Math.sqrt(a * b));
      }
    }
    // The bars: log-mel within 1e-3 (the fixture keeps 6 significant digits, so 5e-6 is its rounding),
    // every score within 0.005, embeddings cosine >= 0.9999. Measured: every score within 6e-7 (the float
    // logistic is TensorFlow.js's, not XNNPACK's), cosine 1 - 2e-11: every convolution, the mean and the
    // classifier layer give the interpreter's very values (see hybrid.ts and float-conv.ts).
    assert.ok(logMelWorst < 1e-3, `log-mel differs by ${logMelWorst}`);
    assert.strictEqual(over, 0, `${over} of ${total} scores differ by more than 0.005 (worst ${worstScore})`);
    assert.ok(worstScore < 1e-5, `worst score difference ${worstScore}`);
    assert.ok(worstCosine >= 0.9999, `embedding cosine ${worstCosine}`);
  });

  it('the int8 WebAssembly kernels and the TensorFlow.js path give the same scores; both front ends the same bits', async () => {
    const parsed = readYamnetFile(modelPath('yamnet-classification.tflite'));
    const { tf: runtime } = await ensureTf('wasm');
    const int8 = createYamnetNetwork(parsed.model, runtime);
    const tfjs = createYamnetNetwork(parsed.model, runtime, { engine: 'tfjs' });
    assert.strictEqual(int8.engine, 'int8 WebAssembly SIMD kernels');
    assert.match(tfjs.engine, /^TensorFlow\.js \(wasm\)$/);
    const wasmFrame = createYamnetLogMelFrame(parsed.frontEnd);
    const jsFrame = createYamnetLogMelFrame(parsed.frontEnd, { engine: 'js' });
    // Seeded audio from silence to full scale: noise, tones and clipping, so every layer sees its whole range.
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const patchSize = YAMNET_PATCH_FRAMES * YAMNET_BANDS;
    const count = 12;
    const patches = new Float32Array(count * patchSize);
    const jsPatch = new Float32Array(patchSize);
    try {
      for (let p = 0; p < count; p++) {
        const gain = 10 ** (-p / 1.5);
        const samples = Float32Array.from({ length: 15600 }, (_, i) =>
          Math.max(-1, Math.min(1, gain * (0.6 * random() + Math.sin(i / (2 + p))))),
        );
        // WebAssembly two frames at a time (and one at a time) against JavaScript one at a time.
        wasmFrame.frames(samples, 0, YAMNET_PATCH_FRAMES, patches, p * patchSize);
        const single = new Float32Array(YAMNET_BANDS);
        for (let f = 0; f < YAMNET_PATCH_FRAMES; f++) {
          jsFrame(samples, f * YAMNET_FRAME_HOP, jsPatch, f * YAMNET_BANDS);
          wasmFrame(samples, f * YAMNET_FRAME_HOP, single, 0);
          assert.deepStrictEqual(single, jsPatch.subarray(f * YAMNET_BANDS, (f + 1) * YAMNET_BANDS));
        }
        assert.deepStrictEqual(
          patches.subarray(p * patchSize, (p + 1) * patchSize),
          jsPatch,
          `patch ${p} log-mel`,
        );
      }
      const a = await int8.run(patches, count);
      const b = await tfjs.run(patches, count);
      assert.deepStrictEqual(a.scores, b.scores);
      const broken = patches.slice(0, patchSize);
      broken[100] = NaN;
      await assert.rejects(int8.run(broken, 1), /NaN or infinite/);
      assert.ok(
        new Set(a.scores).size > 20,
        `the patches should give varied scores, got ${new Set(a.scores).size}`,
      );
    } finally {
      int8.dispose();
      tfjs.dispose();
    }
  });

  it('band-limited front end: bands above the limit sit at the log floor, bands below are unchanged', () => {
    const parsed = readYamnetFile(modelPath('yamnet-classification.tflite'));
    const full = createYamnetLogMelFrame(parsed.frontEnd);
    const limited = createYamnetLogMelFrame(parsed.frontEnd, { bandLimitHz: 4000 });
    const jsLimited = createYamnetLogMelFrame(parsed.frontEnd, { bandLimitHz: 4000, engine: 'js' });
    const bins = 257;
    const binHz = (k: number) => (k * 16000) / 512;
    let state = 3;
    const samples = Float32Array.from(
      { length: 4000 },
      () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1,
    );
    const a = new Float32Array(64);
    const b = new Float32Array(64);
    const c = new Float32Array(64);
    let above = 0;
    let below = 0;
    for (let start = 0; start + 400 <= samples.length; start += 160) {
      full(samples, start, a, 0);
      limited(samples, start, b, 0);
      jsLimited(samples, start, c, 0);
      assert.deepStrictEqual(b, c, 'WebAssembly and JavaScript agree');
      for (let band = 0; band < 64; band++) {
        const used: number[] = [];
        for (let k = 0; k < bins; k++) if (parsed.frontEnd.mel[band * bins + k] !== 0) used.push(k);
        if (used.every((k) => binHz(k) > 4000)) {
          assert.strictEqual(b[band], xnnpackLog(parsed.frontEnd.melBias[band]), `band ${band} at the floor`);
          above++;
        } else if (used.every((k) => binHz(k) <= 4000)) {
          assert.strictEqual(b[band], a[band], `band ${band} unchanged`);
          below++;
        }
      }
    }
    assert.ok(above > 0 && below > 0, `${above} floor and ${below} unchanged band values`);
    assert.throws(
      () => createYamnetLogMelFrame(parsed.frontEnd, { bandLimitHz: 9000 }),
      /between 0 and 8000 Hz/,
    );
  });

  it('leaves no tensor behind: runs, then dispose, return to the starting count', async () => {
    const parsed = readYamnetFile(modelPath('yamnet-classification.tflite'));
    const { tf: runtime } = await ensureTf('wasm');
    const before = tf.memory().numTensors;
    const network = createYamnetNetwork(parsed.model, runtime, { engine: 'tfjs' });
    const constants = tf.memory().numTensors;
    const patches = new Float32Array(3 * YAMNET_PATCH_FRAMES * YAMNET_BANDS).fill(-4);
    for (let i = 0; i < 5; i++) await network.run(patches, 3);
    assert.strictEqual(tf.memory().numTensors, constants);
    network.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('says what is wrong with a file that is not YAMNet', () => {
    assert.throws(
      () => readYamnetFile(path.join(sharedDir(), 'models', 'yamnet', 'missing.tflite')),
      /no YAMNet file at/,
    );
    assert.throws(
      () => readYamnetFile(path.join(sharedDir(), 'models', 'yamnet', 'yamnet_class_map.csv')),
      /is not a YAMNet model: not a TensorFlow Lite model/,
    );
  });
});

/** cry-classifier on YAMNet in the real Node-RED runtime: its own windows, the fallback, download on first use. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import cryClassifierNode from '../nodes/cry-classifier';
import { float32ToPcm16 } from '../src/core/audio/pcm';
import { readWav } from '../src/core/audio/wav';
import { YAMNET_PATCH_HOP_SAMPLES, YAMNET_PATCH_SAMPLES } from '../src/core/model/yamnet/frontend';
import {
  createYamnetCryModel,
  patchLevelGain,
  readYamnetMetadata,
} from '../src/core/model/yamnet/yamnet-model';
import { collectMessages, events, helper, loadFlow, nextStatus } from './node-helper';
import { sharedDir, tempDir } from './fixtures';

interface VerdictMessage {
  payload: number;
  window: { startTime: string; startSeconds: number };
  cry: {
    probability: number;
    model: string;
    windowStart: string;
    windowSeconds: number;
    scores: Record<string, number>;
    top: { index: number; label: string; score: number }[];
  };
}

const yamnetCopy = () => path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite');

function windowMessage(samples: Float32Array, startSample: number) {
  return {
    payload: float32ToPcm16(samples.subarray(startSample, startSample + 64000)),
    rate: 16000,
    bits: 16,
    channels: 1,
    encoding: 'signed-integer',
    window: {
      source: 'nursery#1',
      startSample,
      sampleRate: 16000,
      startTime: new Date(Date.UTC(2026, 11, 1, 6, 0, 0) + startSample / 16).toISOString(),
      startSeconds: startSample / 16000,
    },
  };
}

describe('cry-classifier on YAMNet (real Node-RED runtime)', function () {
  this.timeout(60000);
  const saved = { ...process.env };
  let userDir: string;
  beforeEach(() => {
    userDir = tempDir('cry-baby-userdir-');
    // Nothing installed: no cache folder with YAMNet, no environment override.
    process.env.XDG_CACHE_HOME = path.join(userDir, 'cache');
    delete process.env.CRY_BABY_YAMNET;
    delete process.env.CRY_BABY_YAMNET_URL;
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    process.env = { ...saved };
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('gives one verdict per 0.975 s patch at 0.48 s, each patch once, with the interpreter’s scores', async () => {
    // With the shipped level ceiling, a louder patch is scored as that patch scaled down to it (by the same
    // network, whose scores equal the interpreter's on every patch it is given: yamnet-parity, yamnet-level).
    const ceiling = readYamnetMetadata().metadata.preprocessing?.levelCeilingDbfs ?? 0;
    const unscaled = createYamnetCryModel(yamnetCopy(), { backend: 'wasm', levelCeilingDbfs: 0 });
    await loadFlow(cryClassifierNode, [
      { id: 'c', type: 'cry-classifier', model: 'yamnet', yamnetFile: yamnetCopy(), wires: [['o']] },
      { id: 'o', type: 'helper' },
    ]);
    const ready = await nextStatus(helper.getNode('c'), 'green');
    assert.match(ready.text ?? '', /ready: yamnet \(wasm\)/);
    const clip = 'audio/4-59579-A-20.wav';
    const samples = readWav(fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', clip))).samples;
    const reference = JSON.parse(
      fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', 'classification.json'), 'utf8'),
    ) as { clips: { wav: string; chunks: { start: number; scores: number[] }[] }[] };
    const chunks = reference.clips.find((c) => c.wav === clip)!.chunks;
    const received = collectMessages<VerdictMessage>('o');
    helper.getNode('c').receive(windowMessage(samples, 0) as never);
    await received.waitFor(7, 20000);
    helper.getNode('c').receive(windowMessage(samples, 16000) as never);
    await received.waitFor(9, 20000);
    assert.strictEqual(received.messages.length, 9);
    const gains = received.messages.map((_, k) =>
      patchLevelGain(samples, k * YAMNET_PATCH_HOP_SAMPLES, YAMNET_PATCH_SAMPLES, ceiling),
    );
    const scaledExpected: number[] = [];
    try {
      for (const [k, gain] of gains.entries()) {
        if (gain === 1) continue;
        const start = k * YAMNET_PATCH_HOP_SAMPLES;
        const patch = samples.slice(start, start + YAMNET_PATCH_SAMPLES).map((v) => v * gain);
        scaledExpected[k] = (await unscaled.analyze(patch))[0].probability;
      }
    } finally {
      unscaled.dispose();
    }
    received.messages.forEach((msg, k) => {
      const expected =
        gains[k] === 1
          ? 1 - [19, 20, 21].reduce((none, i) => none * (1 - chunks[k].scores[i]), 1)
          : scaledExpected[k];
      assert.ok(Math.abs(msg.payload - expected) < 1e-5, `patch ${k}: ${msg.payload} vs ${expected}`);
      assert.strictEqual(msg.cry.model, 'yamnet');
      assert.strictEqual(msg.cry.windowSeconds, 0.975);
      assert.strictEqual(msg.window.startSeconds, (k * 7680) / 16000);
      assert.strictEqual(
        msg.cry.windowStart,
        new Date(Date.UTC(2026, 11, 1, 6, 0, 0) + k * 480).toISOString(),
      );
      if (gains[k] === 1) assert.ok(Math.abs(msg.cry.scores.babyCry - chunks[k].scores[20]) < 1e-6);
      assert.strictEqual(msg.cry.top.length, 5);
      assert.ok(msg.cry.top[0].score >= msg.cry.top[4].score);
    });
  });

  it('after a cry mel node (a flow made for the CNN) YAMNet takes the audio cry mel keeps', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cryMelNode = require('../nodes/cry-mel') as typeof cryClassifierNode;
    await loadFlow(
      [cryMelNode, cryClassifierNode],
      [
        { id: 'm', type: 'cry-mel', wires: [['c']] },
        { id: 'c', type: 'cry-classifier', model: 'yamnet', yamnetFile: yamnetCopy(), wires: [['o']] },
        { id: 'o', type: 'helper' },
      ],
    );
    await nextStatus(helper.getNode('c'), 'green');
    const samples = readWav(
      fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', '4-59579-A-20.wav')),
    ).samples;
    const received = collectMessages<VerdictMessage>('o');
    helper.getNode('m').receive(windowMessage(samples, 0) as never);
    await received.waitFor(7, 20000);
    assert.ok(
      received.messages.every((msg) => msg.cry.model === 'yamnet' && msg.cry.windowSeconds === 0.975),
    );
  });

  it('without the YAMNet file (download off) says so and runs the Cry Baby CNN', async () => {
    await loadFlow(cryClassifierNode, [
      { id: 'c', type: 'cry-classifier', download: false, wires: [['o']] },
      { id: 'o', type: 'helper' },
    ]);
    const ready = await nextStatus(helper.getNode('c'), 'green');
    assert.match(ready.text ?? '', /ready: cry-baby-cnn .*YAMNet not installed/);
    const received = collectMessages<VerdictMessage>('o');
    helper.getNode('c').receive(windowMessage(new Float32Array(64000).fill(0.01), 0) as never);
    await received.waitFor(1, 20000);
    assert.strictEqual(received.messages[0].cry.model, 'cry-baby');
  });

  it('downloads YAMNet on first use into the user dir, then switches to it', async () => {
    const bytes = fs.readFileSync(yamnetCopy());
    const server = http.createServer((_request, response) => response.end(bytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.CRY_BABY_YAMNET_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/yamnet`;
    try {
      await loadFlow(cryClassifierNode, [{ id: 'c', type: 'cry-classifier', wires: [[]] }]);
      const node = helper.getNode('c');
      const switched = new Promise<string>((resolve) => {
        events(node).on('call:status', (call: { args: [{ text?: string }] }) => {
          if (/ready: yamnet/.test(call.args[0].text ?? '')) resolve(call.args[0].text ?? '');
        });
      });
      assert.match(await switched, /ready: yamnet \(wasm\)/);
      assert.ok(
        fs
          .readFileSync(path.join(userDir, 'cry-baby', 'models', 'yamnet-classification.tflite'))
          .equals(bytes),
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a failed download is a warning with the cause, and the CNN keeps classifying', async () => {
    const server = http.createServer((_request, response) => {
      response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.CRY_BABY_YAMNET_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/yamnet`;
    try {
      await loadFlow(cryClassifierNode, [{ id: 'c', type: 'cry-classifier', wires: [[]] }]);
      const node = helper.getNode('c');
      const warning = await new Promise<string>((resolve) =>
        events(node).once('call:warn', (call: { args: unknown[] }) => resolve(String(call.args[0]))),
      );
      assert.match(warning, /YAMNet download failed \(.*answered HTTP 404[^)]*\): using the Cry Baby CNN/);
      assert.deepStrictEqual(fs.readdirSync(path.join(userDir, 'cry-baby', 'models')), []);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('cry-detect with the model’s own detection defaults', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('takes empty fields from msg.cry.detection, and its own fields where set', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cryDetectNode = require('../nodes/cry-detect') as typeof cryClassifierNode;
    await loadFlow(cryDetectNode, [
      { id: 'd1', type: 'cry-detect', onCount: '', onWindow: '', wires: [['e1'], []] },
      { id: 'd2', type: 'cry-detect', onCount: 2, onWindow: 2, wires: [['e2'], []] },
      { id: 'e1', type: 'helper' },
      { id: 'e2', type: 'helper' },
    ]);
    const first = collectMessages<{ payload: string }>('e1');
    const second = collectMessages<{ payload: string }>('e2');
    const verdict = (k: number) => ({
      payload: 0.9,
      cry: {
        probability: 0.9,
        threshold: 0.3,
        model: 'yamnet',
        source: 'nursery#1',
        windowStart: new Date(Date.UTC(2026, 11, 1) + k * 480).toISOString(),
        detection: { onCount: 1, onWindow: 1, offCount: 20 },
      },
    });
    helper.getNode('d1').receive(verdict(0) as never);
    helper.getNode('d2').receive(verdict(0) as never);
    await first.waitFor(1, 5000);
    assert.strictEqual(first.messages[0].payload, 'start', 'one window starts with the model’s 1 of 1');
    assert.strictEqual(second.messages.length, 0, 'its own 2 of 2 waits for a second window');
    helper.getNode('d2').receive(verdict(1) as never);
    await second.waitFor(1, 5000);
    assert.strictEqual(second.messages[0].payload, 'start');
  });
});

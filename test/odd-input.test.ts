/** Input that must be refused quickly and clearly rather than computed on. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import cryClassifierNode from '../nodes/cry-classifier';
import { createResampler, createResamplerCache } from '../src/core/audio/resample';
import { describeValue } from '../src/core/describe';
import { collectMessages, events, helper, loadFlow, nextError, nextStatus } from './node-helper';
import { writeTinyModel } from './tiny-model';
import { tempDir } from './fixtures';

describe('odd input', function () {
  this.timeout(30000);

  it('refuses sample rates that would need a huge filter or output, and keeps the common ones', () => {
    const started = Date.now();
    assert.throws(() => createResampler({ fromRate: 383993, toRate: 16000 }), /outside 4000-192000 Hz/);
    assert.throws(() => createResampler({ fromRate: 1, toRate: 16000 }), /outside 4000-192000 Hz/);
    assert.throws(
      () => createResampler({ fromRate: 96001, toRate: 16000 }),
      /would need a \d+ MB filter.*use a common rate/,
    );
    assert.ok(Date.now() - started < 2000, 'refused without building the filter');
    for (const rate of [8000, 11025, 22050, 32000, 44100, 48000, 96000, 192000]) {
      const out = createResampler({ fromRate: rate, toRate: 16000 })(new Float32Array(rate));
      assert.ok(Math.abs(out.length - 16000) <= 1, `${rate}: ${out.length}`);
    }
    const cache = createResamplerCache(16000, 2);
    for (const rate of [8000, 44100, 48000, 8000])
      assert.ok(cache.resample(new Float32Array(rate), rate).length > 15000);
  });

  it('describes any value in a few words: huge buffers, circular objects, BigInt', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    assert.strictEqual(describeValue(Buffer.alloc(10 * 2 ** 20)), 'a Buffer of 10485760 bytes');
    assert.strictEqual(describeValue(circular), 'an object {a, self}');
    assert.strictEqual(describeValue(10n ** 30n), '1000000000000000000000000000000n');
    assert.ok(describeValue('x'.repeat(10 ** 6)).length < 100);
  });

  it('cry-detect answers a 10 MiB buffer and a circular object with a short error, each message done', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cryDetectNode = require('../nodes/cry-detect') as typeof cryClassifierNode;
    await loadFlow(cryDetectNode, [{ id: 'd', type: 'cry-detect', wires: [[], []] }]);
    const node = helper.getNode('d');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const payload of [Buffer.alloc(10 * 2 ** 20), circular, 10n]) {
      const error = nextError(node);
      node.receive({ payload } as never);
      const message = await error;
      assert.ok(message.length < 200, `${message.length} characters`);
      assert.match(message, /expected a probability from cry classifier/);
    }
    await helper.unload();
  });

  it('cry-stream never shows a camera password: not in the status, the warning or the sidebar', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cryStreamNode = require('../nodes/cry-stream') as typeof cryClassifierNode;
    await loadFlow(cryStreamNode, [
      { id: 's', type: 'cry-stream', url: 'rtsp://admin:hunter2@127.0.0.1:1/stream1', wires: [[]] },
    ]);
    const node = helper.getNode('s');
    const warning = await new Promise<string>((resolve) =>
      events(node).once('call:warn', (call: { args: unknown[] }) => resolve(String(call.args[0]))),
    );
    const spied = node.status as unknown as {
      getCalls(): { thisValue: unknown; args: [{ text?: string }] }[];
    };
    const texts = spied
      .getCalls()
      .filter((call) => call.thisValue === node)
      .map((call) => call.args[0].text ?? '');
    assert.ok(texts.length > 0);
    for (const text of [warning, ...texts]) assert.doesNotMatch(text, /hunter2/, text);
    assert.match(warning, /rtsp:\/\/\*\*\*@127\.0\.0\.1:1\/stream1/, 'the reason names the stream, redacted');
    await helper.unload();
  });

  it('cry-log names daily files from the host clock and writes no implausible timestamp', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cryLogNode = require('../nodes/cry-log') as typeof cryClassifierNode;
    const dir = tempDir('cry-baby-log-');
    try {
      await loadFlow(cryLogNode, [
        {
          id: 'l',
          type: 'cry-log',
          file: path.join(dir, 'predictions.csv'),
          rotation: 'daily',
          wires: [['o']],
        },
        { id: 'o', type: 'helper' },
      ]);
      const node = helper.getNode('l');
      const pad = (n: number) => String(n).padStart(2, '0');
      const today = new Date();
      const expected = `predictions-${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}.csv`;
      const ready = await nextStatus(node, 'green');
      assert.strictEqual(ready.text, `logging to ${expected}`);
      const out = collectMessages('o');
      for (const windowStart of ['+275760-09-13T00:00:00.000Z', '1970-01-01T00:00:00.000Z', 'not a date']) {
        node.receive({ payload: 0.2, cry: { probability: 0.2, windowStart, source: 's' } } as never);
      }
      await out.waitFor(3, 5000);
      assert.deepStrictEqual(fs.readdirSync(dir), [expected]);
      const rows = fs.readFileSync(path.join(dir, expected), 'utf8').trimEnd().split('\r\n').slice(1);
      assert.strictEqual(rows.length, 3);
      for (const row of rows) {
        const stamp = Date.parse(row.split(',')[0]);
        assert.ok(Math.abs(stamp - Date.now()) < 60000, row);
      }
    } finally {
      await helper.unload();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a node with a configuration error fails every message it gets, each with the problem', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cryStreamNode = require('../nodes/cry-stream') as typeof cryClassifierNode;
    await loadFlow(cryStreamNode, [{ id: 'bad', type: 'cry-stream', url: '', wires: [[]] }]);
    const node = helper.getNode('bad');
    const errors: string[] = [];
    events(node).on('call:error', (call: { args: unknown[] }) => {
      const text = String(call.args[0]);
      if (text.includes('not configured')) errors.push(text);
    });
    try {
      for (let i = 0; i < 100; i++) node.receive({ payload: 'start' } as never);
      const deadline = Date.now() + 5000;
      while (errors.length < 100 && Date.now() < deadline)
        await new Promise((resolve) => setImmediate(resolve));
      assert.strictEqual(errors.length, 100);
      for (const error of errors) assert.match(error, /not configured: no stream URL or file set/);
    } finally {
      await helper.unload();
    }
  });

  describe('cry-classifier', () => {
    let folder: string;
    before(async () => {
      folder = await writeTinyModel({ threshold: 0.5 });
    });
    after(() => fs.rmSync(folder, { recursive: true, force: true }));
    afterEach(async () => {
      await helper.unload();
    });

    it('refuses NaN and infinite spectrograms and odd rates with an error, not a verdict', async () => {
      await loadFlow(cryClassifierNode, [{ id: 'c', type: 'cry-classifier', modelDir: folder, wires: [[]] }]);
      const node = helper.getNode('c');
      await nextStatus(node, 'green');
      for (const bad of [NaN, Infinity, -Infinity]) {
        const error = nextError(node);
        const spectrogram = new Float32Array(128 * 126).fill(0.1);
        spectrogram[77] = bad;
        node.receive({ payload: spectrogram, spectrogram: { nMels: 128, frames: 126 } } as never);
        assert.match(await error, /NaN or infinite/);
      }
      const error = nextError(node);
      node.receive({
        payload: Buffer.alloc(2 * 4000),
        rate: 96001,
        bits: 16,
        channels: 1,
        encoding: 'signed-integer',
      } as never);
      assert.match(await error, /96001 Hz would need/);
    });
  });
});

import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { Node, NodeAPI } from 'node-red';
import cryStreamNode from '../nodes/cry-stream';
import cryFileNode from '../nodes/cry-file';
import { pcm16ToFloat32 } from '../src/core/audio/pcm';
import { writeWav } from '../src/core/audio/wav';
import { createRandomSource } from '../src/core/model/random';
import { events, helper, loadFlow, nextStatus, collectMessages } from './node-helper';
import { childPids, correlationPeak, processExists } from './pulse-device';
import { tempDir } from './fixtures';

interface AudioMsg {
  payload: Buffer;
  window: { startSample: number; startSeconds: number };
  file?: string;
}

describe('cry-stream and cry-file nodes', function () {
  this.timeout(60000);
  let folder: string;
  let signal: Float32Array;
  let wavFile: string;
  before(() => {
    folder = tempDir('cry-stream-');
    const random = createRandomSource(5);
    signal = Float32Array.from(
      { length: 16000 * 7 },
      (_, i) => 0.3 * Math.sin(i * 0.05 + 0.00001 * i * i) + random.uniform(-0.2, 0.2),
    );
    wavFile = path.join(folder, 'a.wav');
    fs.writeFileSync(wavFile, writeWav(signal, 16000));
    fs.writeFileSync(path.join(folder, 'b.wav'), writeWav(signal.subarray(0, 16000 * 5), 16000));
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  afterEach(async () => {
    await helper.unload();
  });

  const assertMatchesSignal = (messages: AudioMsg[]) => {
    const stream = new Float32Array(messages[messages.length - 1].window.startSample + 64000);
    for (const m of messages) stream.set(pcm16ToFloat32(m.payload), m.window.startSample);
    const { peak, lag } = correlationPeak(stream.subarray(0, 40000), signal.subarray(16000, 18000));
    assert.ok(peak > 0.99 && Math.abs(lag - 16000) <= 1, `correlation ${peak} at lag ${lag}`);
  };

  it('cry-stream decodes a local file with ffmpeg in real time', async () => {
    await loadFlow(cryStreamNode, [
      { id: 's1', type: 'cry-stream', url: wavFile, window: 4, hop: 1, wires: [['o1']] },
      { id: 'o1', type: 'helper' },
    ]);
    const received = collectMessages<AudioMsg>('o1');
    await received.waitFor(3, 20000);
    assertMatchesSignal(received.messages);
    const [ffmpeg] = childPids('ffmpeg');
    await helper.unload();
    assert.ok(ffmpeg === undefined || !processExists(ffmpeg), 'ffmpeg gone after close');
  });

  it('cry-stream reads an HTTP stream served from 127.0.0.1', async () => {
    const bytes = fs.readFileSync(wavFile);
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'audio/wav' });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await loadFlow(cryStreamNode, [
        {
          id: 's2',
          type: 'cry-stream',
          url: `http://127.0.0.1:${port}/nursery.wav`,
          window: 4,
          hop: 1,
          wires: [['o2']],
        },
        { id: 'o2', type: 'helper' },
      ]);
      const received = collectMessages<AudioMsg>('o2');
      await received.waitFor(4, 20000);
      const firstRun = received.messages.filter(
        (m) =>
          (m as unknown as { window: { source: string } }).window.source ===
          (received.messages[0] as unknown as { window: { source: string } }).window.source,
      );
      assert.ok(firstRun.length >= 3, `${firstRun.length} windows from the first connection`);
      assertMatchesSignal(firstRun);
    } finally {
      server.close();
    }
  });

  it('cry-stream with no URL reports a configuration error and never throws', async () => {
    await loadFlow(cryStreamNode, [{ id: 's3', type: 'cry-stream', url: '', wires: [[]] }]);
    const node = helper.getNode('s3');
    assert.ok(node, 'node exists');
    assert.deepStrictEqual(childPids('ffmpeg'), []);
  });

  it('cry-file replays a folder as fast as the flow finishes each window, then says complete', async () => {
    const slowNode = (RED: NodeAPI) => {
      function Slow(this: Node, config: never) {
        RED.nodes.createNode(this, config);
        let busy = false;
        this.on('input', (msg, send, done) => {
          assert.ok(!busy, 'never two windows in flight');
          busy = true;
          setTimeout(() => {
            busy = false;
            send(msg);
            done();
          }, 20);
        });
      }
      RED.nodes.registerType('slow-consumer', Slow);
    };
    await loadFlow(
      [cryFileNode, slowNode],
      [
        { id: 'f1', type: 'cry-file', path: folder, mode: 'fast', hop: 1, wires: [['slow'], ['end']] },
        { id: 'slow', type: 'slow-consumer', wires: [['o3']] },
        { id: 'o3', type: 'helper' },
        { id: 'end', type: 'helper' },
      ],
    );
    const windows = collectMessages<AudioMsg>('o3');
    const complete = collectMessages<AudioMsg>('end');
    helper.getNode('f1').receive({ payload: 'go' } as never);
    await complete.waitFor(1, 20000);
    // Starts snap to the 512-sample grid: a (7 s) has windows at 0, 15872 and 32256 (the next, 48128, would end
    // past 112000 samples); b (5 s) at 0 and 15872.
    assert.deepStrictEqual(
      windows.messages.map((m) => [path.basename(m.file ?? ''), m.window.startSample]),
      [
        ['a.wav', 0],
        ['a.wav', 15872],
        ['a.wav', 32256],
        ['b.wav', 0],
        ['b.wav', 15872],
      ],
    );
    assert.strictEqual((complete.messages[0] as unknown as { windows: number }).windows, 5);
    assertMatchesSignal(windows.messages.filter((m) => m.file === wavFile));
  });

  it('cry-file in real time paces windows by the hop', async () => {
    await loadFlow(cryFileNode, [
      { id: 'f2', type: 'cry-file', path: wavFile, mode: 'realtime', hop: 1, wires: [['o4'], []] },
      { id: 'o4', type: 'helper' },
    ]);
    const received = collectMessages<AudioMsg>('o4');
    const started = Date.now();
    helper.getNode('f2').receive({ payload: 'go' } as never);
    await received.waitFor(2, 15000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed > 4000, `second window only after 5 s of audio played (${elapsed} ms)`);
    helper.getNode('f2').receive({ payload: 'stop' } as never);
  });

  it('cry-file reports a missing file in its status and the debug sidebar', async () => {
    await loadFlow(cryFileNode, [
      { id: 'f3', type: 'cry-file', path: path.join(folder, 'nope.wav'), wires: [[], []] },
    ]);
    const node = helper.getNode('f3');
    const red = nextStatus(node, 'red');
    const errors: string[] = [];
    events(node).on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
    node.receive({ payload: 'go' } as never);
    assert.match((await red).text ?? '', /no such file/);
    assert.ok(errors.some((e) => /nope\.wav/.test(e)));
  });
});

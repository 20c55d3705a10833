import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import cryMelNode from '../nodes/cry-mel';
import cryClassifierNode from '../nodes/cry-classifier';
import { float32ToPcm16 } from '../src/core/audio/pcm';
import { readWav } from '../src/core/audio/wav';
import { helper, loadFlow, nextError, nextMessage, nextStatus } from './node-helper';
import { librosaDir } from './fixtures';
import { writeTinyModel } from './tiny-model';

interface CryMsg {
  payload: number;
  cry: {
    probability: number;
    crying: boolean;
    threshold: number;
    model: string;
    backend: string;
    windowStart: string;
  };
}

describe('cry-classifier node (tiny in-test model)', function () {
  this.timeout(30000);
  let folder: string;
  before(async () => {
    folder = await writeTinyModel({ threshold: 0.7 });
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  afterEach(async () => {
    await helper.unload();
  });

  it('classifies cry-mel output and raw audio alike, with the metadata threshold', async () => {
    await loadFlow(
      [cryMelNode, cryClassifierNode],
      [
        { id: 'm1', type: 'cry-mel', wires: [['c1']] },
        { id: 'c1', type: 'cry-classifier', modelDir: folder, wires: [['o1']] },
        { id: 'c2', type: 'cry-classifier', modelDir: folder, wires: [['o2']] },
        { id: 'o1', type: 'helper' },
        { id: 'o2', type: 'helper' },
      ],
    );
    await nextStatus(helper.getNode('c1'), 'green');
    const wav = readWav(fs.readFileSync(path.join(librosaDir(), 'chirp_100_7000_4s.wav')));
    const audio = {
      payload: float32ToPcm16(wav.samples),
      rate: 16000,
      bits: 16,
      channels: 1,
      encoding: 'signed-integer',
      window: {
        source: 't',
        startSample: 0,
        sampleRate: 16000,
        startTime: '2026-11-24T06:00:00.000Z',
        startSeconds: 0,
      },
    };
    const viaMel = nextMessage(helper.getNode('o1'));
    helper.getNode('m1').receive({ ...audio } as never);
    const direct = nextMessage(helper.getNode('o2'));
    helper.getNode('c2').receive({ ...audio } as never);
    const [a, b] = (await Promise.all([viaMel, direct])) as unknown as CryMsg[];
    assert.ok(a.payload > 0 && a.payload < 1);
    assert.ok(Math.abs(a.payload - b.payload) < 1e-6, `${a.payload} vs ${b.payload}`);
    assert.strictEqual(a.cry.threshold, 0.7);
    assert.strictEqual(a.cry.crying, a.payload >= 0.7);
    assert.strictEqual(a.cry.model, 'tiny-test-model');
    assert.strictEqual(a.cry.windowStart, '2026-11-24T06:00:00.000Z');
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(a.cry.backend));
  });

  it('uses a configured threshold and shows crying in blue', async () => {
    await loadFlow(cryClassifierNode, [
      { id: 'c3', type: 'cry-classifier', modelDir: folder, threshold: '0.01', wires: [['o3']] },
      { id: 'o3', type: 'helper' },
    ]);
    const node = helper.getNode('c3');
    await nextStatus(node, 'green');
    const blue = nextStatus(node, 'blue');
    const out = nextMessage(helper.getNode('o3'));
    const spectrogram = new Float32Array(128 * 126).fill(0.5);
    node.receive({ payload: spectrogram, spectrogram: { nMels: 128, frames: 126 } } as never);
    const msg = (await out) as unknown as CryMsg;
    assert.strictEqual(msg.cry.crying, true);
    assert.match((await blue).text ?? '', /crying 0\.\d\d/);
  });

  it('reports a spectrogram of the wrong shape', async () => {
    await loadFlow(cryClassifierNode, [{ id: 'c4', type: 'cry-classifier', modelDir: folder, wires: [[]] }]);
    const node = helper.getNode('c4');
    const error = nextError(node);
    node.receive({ payload: new Float32Array(64 * 126), spectrogram: { nMels: 64, frames: 126 } } as never);
    assert.match(await error, /expected a 128 x 126 log-mel spectrogram, got 64 x 126/);
  });

  it('reports a model that cannot be loaded, and every message then fails clearly', async () => {
    await loadFlow(cryClassifierNode, [
      { id: 'c5', type: 'cry-classifier', modelDir: path.join(folder, 'missing'), wires: [[]] },
    ]);
    const node = helper.getNode('c5');
    const red = await nextStatus(node, 'red');
    assert.match(red.text ?? '', /cannot load the model/);
    const error = nextError(node);
    node.receive({ payload: 'x' } as never);
    assert.match(await error, /no metadata.json/);
  });
});

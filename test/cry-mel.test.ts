import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { events, helper, nextMessage, nextError, TestMessage } from './node-helper';
import cryMelNode from '../nodes/cry-mel';
import { librosaDir, loadFixture } from './fixtures';
import { float32ToPcm16 } from '../src/core/audio/pcm';
import { readWav } from '../src/core/audio/wav';

const flow = [
  { id: 'mel1', type: 'cry-mel', name: 'log-mel', wires: [['out1']] },
  { id: 'out1', type: 'helper' },
];

describe('cry-mel node', () => {
  afterEach(async () => {
    await helper.unload();
  });

  it('turns a 16-bit PCM buffer into the librosa log-mel and keeps the audio', async () => {
    await helper.load(cryMelNode, flow);
    const wavBytes = fs.readFileSync(path.join(librosaDir(), 'sine440_4s.wav'));
    const wav = readWav(wavBytes);
    const pcm = float32ToPcm16(wav.samples);
    const received = nextMessage(helper.getNode('out1'));
    helper
      .getNode('mel1')
      .receive({ payload: pcm, rate: 16000, bits: 16, channels: 1, encoding: 'signed-integer' } as never);
    const msg = (await received) as TestMessage & {
      payload: Float32Array;
      spectrogram: { nMels: number; frames: number };
      audio: { payload: Buffer };
    };
    assert.ok(msg.payload instanceof Float32Array);
    assert.strictEqual(msg.payload.length, 128 * 126);
    assert.deepStrictEqual([msg.spectrogram.nMels, msg.spectrogram.frames], [128, 126]);
    assert.ok(Buffer.isBuffer(msg.audio.payload) && msg.audio.payload.equals(pcm), 'original audio kept');
    const fixture = loadFixture('sine440_4s');
    let worst = 0;
    fixture.mel_norm.forEach((row, m) =>
      row.forEach((v, t) => (worst = Math.max(worst, Math.abs((v ?? 0) - msg.payload[m * 126 + t])))),
    );
    assert.ok(worst <= 1e-4, `z-score error ${worst}`);
  });

  it('accepts a Float32Array at 44.1 kHz and resamples it', async () => {
    await helper.load(cryMelNode, flow);
    const wav = readWav(fs.readFileSync(path.join(librosaDir(), 'rec44k_noise_4s.wav')));
    const received = nextMessage(helper.getNode('out1'));
    helper.getNode('mel1').receive({ payload: wav.samples, rate: 44100 } as never);
    const msg = (await received) as { payload: Float32Array };
    assert.strictEqual(msg.payload.length, 128 * 126);
    assert.ok(msg.payload.every(Number.isFinite));
  });

  const badInputs: [string, Record<string, unknown>, RegExp][] = [
    ['a string payload', { payload: 'hello', rate: 16000 }, /expected msg.payload to be a Buffer/],
    ['no sample rate', { payload: Buffer.alloc(320) }, /expected msg.rate/],
    ['an odd byte count', { payload: Buffer.alloc(321), rate: 16000 }, /not a whole number/],
    ['8-bit audio', { payload: Buffer.alloc(320), rate: 16000, bits: 8 }, /expected 16-bit PCM/],
  ];
  for (const [what, input, expected] of badInputs) {
    it(`reports ${what} with a red status and done(err), and keeps running`, async () => {
      await helper.load(cryMelNode, flow);
      const mel = helper.getNode('mel1');
      const statuses: { fill?: string; shape?: string; text?: string }[] = [];
      events(mel).on('call:status', (call: { args: [{ fill?: string; shape?: string; text?: string }] }) =>
        statuses.push(call.args[0]),
      );
      const error = nextError(mel);
      mel.receive(input as never);
      assert.match(await error, expected);
      assert.ok(
        statuses.some((s) => s.fill === 'red' && s.shape === 'ring'),
        'red ring status',
      );
      const received = nextMessage(helper.getNode('out1'));
      mel.receive({ payload: new Float32Array(16000), rate: 16000 } as never);
      const msg = (await received) as { payload: Float32Array };
      assert.ok(
        msg.payload.every((v) => v === 0),
        'digital silence normalises to zeros, not NaN',
      );
    });
  }
});

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { projectRoot, tempDir } from './fixtures';
import cryMicNode from '../nodes/cry-mic';
import { pcm16ToFloat32 } from '../src/core/audio/pcm';
import { writeWav } from '../src/core/audio/wav';
import { createRandomSource } from '../src/core/model/random';
import { events, helper, loadFlow, nextStatus, collectMessages } from './node-helper';
import { childPids, correlationPeak, processExists, startPulseDevice, PulseDevice } from './pulse-device';

interface AudioMsg {
  payload: Buffer;
  rate: number;
  window: { startSample: number; source: string; startTime: string };
}

describe('cry-mic node recording from a software audio device (PulseAudio null sink)', function () {
  this.timeout(60000);
  let device: PulseDevice;
  let noiseFile: string;
  let noise: Float32Array;
  before(async () => {
    device = await startPulseDevice();
    const random = createRandomSource(42);
    noise = Float32Array.from({ length: 16000 * 2 }, () => random.uniform(-0.4, 0.4));
    noiseFile = path.join(tempDir('cry-mic-'), 'noise.wav');
    fs.writeFileSync(noiseFile, writeWav(noise, 16000));
  });
  after(async () => {
    await device?.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  for (const recorder of ['sox', 'arecord'] as const) {
    it(`${recorder}: captures what is played, in 4 s windows every 1 s`, async () => {
      await loadFlow(cryMicNode, [
        {
          id: 'mic1',
          type: 'cry-mic',
          recorder,
          driver: recorder === 'sox' ? 'pulseaudio' : '',
          window: 4,
          hop: 1,
          wires: [['out1']],
        },
        { id: 'out1', type: 'helper' },
      ]);
      const received = collectMessages<AudioMsg>('out1');
      await nextStatus(helper.getNode('mic1'), 'green');
      await device.play(noiseFile);
      await received.waitFor(6, 20000);
      const windows = received.messages;
      windows.forEach((w) => {
        assert.strictEqual(w.rate, 16000);
        assert.strictEqual(w.payload.length, 4 * 16000 * 2);
      });
      const starts = windows.map((w) => w.window.startSample);
      starts
        .slice(1)
        .forEach((s, i) => assert.ok(Math.abs(s - starts[i] - 16000) <= 512, `hop ${s - starts[i]} samples`));
      const gaps = received.arrivals
        .slice(1)
        .map((at, i) => at - received.arrivals[i])
        .sort((a, b) => a - b);
      const medianGap = gaps[gaps.length >> 1];
      assert.ok(medianGap > 500 && medianGap < 1500, `median arrival gap ${medianGap} ms`);
      const stream = new Float32Array(starts[starts.length - 1] + 64000);
      windows.forEach((w) => stream.set(pcm16ToFloat32(w.payload), w.window.startSample));
      const { peak } = correlationPeak(stream, noise.subarray(8000, 10000));
      assert.ok(peak > 0.9, `correlation with the played noise ${peak.toFixed(3)}`);
    });
  }

  it('survives the recorder being killed: restarts and messages resume; no recorder left after close', async () => {
    await loadFlow(cryMicNode, [
      {
        id: 'mic2',
        type: 'cry-mic',
        recorder: 'sox',
        driver: 'pulseaudio',
        window: 2,
        hop: 1,
        noDataTimeout: 3,
        wires: [['out2']],
      },
      { id: 'out2', type: 'helper' },
    ]);
    const mic = helper.getNode('mic2');
    const received = collectMessages<AudioMsg>('out2');
    await received.waitFor(1, 15000);
    const [first] = childPids('sox');
    assert.ok(first, 'a sox process is running');
    const restarting = nextStatus(mic, 'yellow');
    process.kill(first, 'SIGKILL');
    assert.match((await restarting).text ?? '', /restart/);
    const before = received.messages.length;
    await received.waitFor(before + 2, 15000);
    const [second] = childPids('sox');
    assert.ok(second && second !== first, 'a new sox process');
    assert.notStrictEqual(
      received.messages[received.messages.length - 1].window.source,
      received.messages[0].window.source,
    );
    await helper.unload();
    assert.ok(!processExists(first) && !processExists(second), 'no recorder process after close');
    assert.deepStrictEqual(childPids('sox'), []);
  });

  it('stops on "stop" and starts on "start"', async () => {
    await loadFlow(cryMicNode, [
      {
        id: 'mic3',
        type: 'cry-mic',
        recorder: 'sox',
        driver: 'pulseaudio',
        autoStart: false,
        window: 2,
        hop: 1,
        wires: [['out3']],
      },
      { id: 'out3', type: 'helper' },
    ]);
    const mic = helper.getNode('mic3');
    assert.deepStrictEqual(childPids('sox'), [], 'not started on deploy');
    const listening = nextStatus(mic, 'green');
    mic.receive({ payload: 'start' } as never);
    await listening;
    assert.strictEqual(childPids('sox').length, 1);
    const stopped = nextStatus(mic, 'grey');
    mic.receive({ payload: 'stop' } as never);
    await stopped;
    assert.deepStrictEqual(childPids('sox'), []);
  });

  it('names the package to install when the recorder program is missing', async () => {
    const path0 = process.env.PATH;
    process.env.PATH = tempDir('empty-path-');
    try {
      await loadFlow(cryMicNode, [{ id: 'mic4', type: 'cry-mic', recorder: 'arecord', wires: [[]] }]);
      const mic = helper.getNode('mic4');
      const errors: string[] = [];
      events(mic).on('call:error', (call: { args: unknown[] }) => errors.push(String(call.args[0])));
      const red = await nextStatus(mic, 'red');
      assert.match(red.text ?? '', /arecord/);
      assert.ok(
        errors.some((e) => /apt-get install alsa-utils/.test(e)),
        errors.join('; '),
      );
    } finally {
      process.env.PATH = path0;
    }
  });

  it('cry-baby listen records, prints a probability every hop and appends the CSV', async () => {
    const csv = path.join(tempDir('cry-listen-'), 'predictions.csv');
    const child = spawn(
      process.execPath,
      [
        path.join(projectRoot(), 'bin', 'cry-baby.js'),
        'listen',
        '--driver',
        'pulseaudio',
        '--seconds',
        '8',
        '--csv',
        csv,
      ],
      {
        env: { ...process.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const playing = device.play(noiseFile);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    await playing;
    assert.strictEqual(code, 0, stderr);
    assert.match(stderr, /on the (wasm|tensorflow|cpu) backend/);
    const printed = stdout.trim().split('\n');
    assert.ok(printed.length >= 3, stdout);
    printed.forEach((line) => assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z  [01]\.\d{3}/));
    const rows = fs.readFileSync(csv, 'utf8').trim().split('\r\n');
    assert.strictEqual(rows[0], 'timestamp,audio_file,probability,model,source');
    assert.strictEqual(rows.length - 1, printed.length);
  });
});

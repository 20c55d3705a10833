/**
 * Per-room calibration: on synthetic verdicts with a known answer, and on a recorded "room" (the pool's non-cry
 * clips that YAMNet scores highest short of crying: game voices moaning and coughing, sheep, a creaking door) through `cry-baby
 * calibrate`, then replayed through cry file, cry classifier and cry detect at the calibrated threshold: the
 * false-start figure calibration promised is what the real nodes do.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import cryFileNode from '../nodes/cry-file';
import classifierNode from '../nodes/cry-classifier';
import detectNode from '../nodes/cry-detect';
import { main } from '../src/cli/main';
import { calibrate, RoomVerdict } from '../src/core/detect/calibrate';
import { DetectionSettings } from '../src/core/detect/policy';
import { readAudioAt } from '../src/core/audio/file-source';
import { writeWav } from '../src/core/audio/wav';
import { events, helper, loadFlow, nextMessage } from './node-helper';
import { sharedDir, tempDir } from './fixtures';

const SETTINGS: DetectionSettings = {
  onThreshold: 0.4,
  offThreshold: 0.1,
  onCount: 2,
  onWindow: 4,
  offCount: 5,
  offSeconds: 5,
  cooldownSeconds: 0,
  minDurationSeconds: 2,
};

/** One verdict a second for `seconds`, quiet (0.02) except where `loud` says. */
function verdicts(seconds: number, loud: (second: number) => number | undefined): RoomVerdict[] {
  return Array.from({ length: seconds }, (_, s) => ({ probability: loud(s) ?? 0.02, time: s * 1000 }));
}

describe('per-room calibration', function () {
  this.timeout(240000);

  it('keeps the model threshold in a quiet room and says how fine its figures are', () => {
    const result = calibrate(
      verdicts(3600, () => undefined),
      SETTINGS,
    );
    assert.strictEqual(result.threshold, 0.4);
    assert.strictEqual(result.quiet, true);
    assert.strictEqual(result.modelStarts, 0);
    assert.strictEqual(result.onePerDay, 24);
    assert.match(
      result.summary,
      /0\.0 false starts\/day at the model's own 0\.4 \(from 1\.0 h of audio: one start in it counts as 24\/day\); kept/,
    );
  });

  it('raises the threshold just above what the room reaches, and reports the default figure', () => {
    // A toy that squeaks at 0.55-0.6 twice a minute for two hours.
    const room = verdicts(7200, (s) => (s % 30 === 0 ? 0.6 : s % 30 === 1 ? 0.55 : undefined));
    const result = calibrate(room, SETTINGS, { targetPerDay: 1 });
    assert.strictEqual(result.modelStarts, 240);
    assert.strictEqual(result.threshold, 0.56, 'the lowest threshold at which the pair stops starting');
    assert.strictEqual(result.starts, 0);
    assert.strictEqual(result.quiet, false);
    assert.ok(
      Math.abs((result.offThreshold ?? 0) - 0.14) < 1e-9,
      'the stop threshold keeps its ratio (0.25)',
    );
    assert.match(
      result.summary,
      /0\.0 false starts\/day at 0\.56; the model's default \(0\.4\) would give 2880\/day/,
    );
  });

  it('says so when the room has long stretches the model calls crying, and sets nothing it cannot', () => {
    const room = verdicts(1800, (s) => (s >= 600 && s < 700 ? 0.97 : undefined));
    const result = calibrate(room, SETTINGS);
    assert.strictEqual(result.threshold, undefined);
    assert.deepStrictEqual(result.longStretches, [{ startSeconds: 601, seconds: 103, peak: 0.97 }]);
    assert.match(result.summary, /long stretches \(103 s from 601 s, peak 0\.97\): if a baby cried there/);
  });

  it('on a recorded room: cry-baby calibrate sets a threshold whose promise the real nodes keep when replayed', async () => {
    const train = path.join(sharedDir(), 'data', 'train');
    const clips = [
      'noncry/esc50/esc50/4-107122-A-33.flac',
      'noncry/speech/hedgewars-voices/Default_es_PoisonCough.flac',
      'noncry/speech/hedgewars-voices/Default_pl_PoisonMoan.flac',
      'noncry/speech/hedgewars-voices/Singer_Firstblood.flac',
      'noncry/esc50/esc50/4-133047-C-5.flac',
      'noncry/speech/hedgewars-voices/Default_es_Flyaway.flac',
      'noncry/speech/hedgewars-voices/Default_es_Nooo.flac',
      'noncry/speech/hedgewars-voices/Singer_Coward.flac',
    ];
    const parts = await Promise.all(clips.map((clip) => readAudioAt(path.join(train, clip), 16000)));
    // Each sound, then 12 s of room tone, twice over: about 4.5 minutes.
    const gap = new Float32Array(12 * 16000).map((_, i) => 0.001 * Math.sin(i * 0.05));
    const pieces = [...parts, ...parts].flatMap((part) => [part, gap]);
    const room = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const piece of pieces) {
      room.set(piece, at);
      at += piece.length;
    }
    const dir = tempDir('cry-calibrate-');
    fs.writeFileSync(path.join(dir, 'room.wav'), writeWav(room, 16000));
    const yamnet = path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite');
    const lines: string[] = [];
    const code = await main(
      ['calibrate', path.join(dir, 'room.wav'), '--model', 'yamnet', '--yamnet-file', yamnet, '--json'],
      (line) => lines.push(line),
      () => undefined,
    );
    assert.strictEqual(code, 0, lines.join('\n').slice(0, 600));
    const result = JSON.parse(lines[0]) as ReturnType<typeof calibrate> & { settings: DetectionSettings };
    assert.ok(
      result.modelStarts > 0,
      `the model's default starts on this room (${result.modelStarts} times)`,
    );
    assert.ok(result.threshold !== undefined && result.threshold > result.settings.onThreshold);
    assert.strictEqual(result.starts, 0, `target 1/day from 4.5 min: not a single start (${result.summary})`);

    const replay = async (onThreshold: number, offThreshold: number) => {
      await loadFlow(
        [cryFileNode, classifierNode, detectNode],
        [
          {
            id: 'file',
            type: 'cry-file',
            path: dir,
            mode: 'fast',
            hop: 1,
            wires: [['classifier'], ['complete']],
          },
          {
            id: 'classifier',
            type: 'cry-classifier',
            model: 'yamnet',
            yamnetFile: yamnet,
            wires: [['detect']],
          },
          { id: 'detect', type: 'cry-detect', onThreshold, offThreshold, wires: [['events'], []] },
          { id: 'events', type: 'helper' },
          { id: 'complete', type: 'helper' },
        ],
      );
      const starts: unknown[] = [];
      events(helper.getNode('events')).on('input', (m: { payload: string }) => {
        if (m.payload === 'start') starts.push(m);
      });
      const complete = nextMessage(helper.getNode('complete'), 200000);
      helper.getNode('file').receive({ payload: 'go' } as never);
      await complete;
      await new Promise((resolve) => setImmediate(resolve));
      await helper.unload();
      return starts.length;
    };
    const atDefault = await replay(result.settings.onThreshold, result.settings.offThreshold);
    const atCalibrated = await replay(result.threshold, result.offThreshold ?? 0);
    assert.strictEqual(atDefault, result.modelStarts, 'calibration counted the starts the nodes make');
    assert.strictEqual(
      atCalibrated,
      result.starts,
      'replayed at the calibrated threshold: the promised figure',
    );
    console.log(
      `      ${result.summary} Replayed: ${atDefault} starts at the default, ${atCalibrated} calibrated.`,
    );
  });

  it("from the editor: the detect node's calibrate action listens to its live input, then applies and reports", async () => {
    await loadFlow(
      [detectNode],
      [
        { id: 'det', type: 'cry-detect', wires: [[], ['windows']] },
        { id: 'windows', type: 'helper' },
      ],
    );
    const request = helper.request() as unknown as {
      post(url: string): { send(body: object): Promise<{ status: number; body: Record<string, unknown> }> };
      get(url: string): Promise<{ status: number; body: Record<string, unknown> }>;
    };
    assert.strictEqual((await request.post('/cry-detect/nope/calibrate').send({ minutes: 1 })).status, 404);
    assert.strictEqual((await request.post('/cry-detect/det/calibrate').send({ minutes: 0 })).status, 400);
    const started = await request.post('/cry-detect/det/calibrate').send({ minutes: 1, targetPerDay: 1 });
    assert.strictEqual(started.body.state, 'recording');
    const det = helper.getNode('det');
    const t0 = Date.parse('2026-12-01T01:00:00Z');
    // A squeaky toy in the room: 0.6 then 0.55 every 10 s; 61 windows a second apart cover the minute.
    for (let s = 0; s <= 61; s++) {
      const probability = s % 10 === 0 ? 0.6 : s % 10 === 1 ? 0.55 : 0.02;
      det.receive({
        cry: { probability, threshold: 0.4, windowStart: new Date(t0 + s * 1000).toISOString() },
      } as never);
    }
    const view = (await request.get('/cry-detect/det/calibration')).body as {
      state: string;
      result: { threshold: number; modelStarts: number; summary: string };
    };
    assert.strictEqual(view.state, 'done', JSON.stringify(view));
    assert.strictEqual(view.result.threshold, 0.56);
    assert.ok(
      view.result.modelStarts >= 2,
      `${view.result.modelStarts} starts at the default (30 s cooldown)`,
    );
    const next = nextMessage(helper.getNode('windows'));
    det.receive({
      cry: { probability: 0.6, threshold: 0.4, windowStart: new Date(t0 + 70000).toISOString() },
    } as never);
    assert.strictEqual(((await next) as { detection: { onThreshold: number } }).detection.onThreshold, 0.56);
    await helper.unload();
  });
});

import * as assert from 'assert';
import {
  createDetector,
  DetectionSettings,
  validateDetectionSettings,
  EpisodeEvent,
} from '../src/core/detect/policy';

const SETTINGS: DetectionSettings = {
  onThreshold: 0.8,
  offThreshold: 0.5,
  onCount: 2,
  onWindow: 3,
  offCount: 3,
  offSeconds: 60,
  cooldownSeconds: 10,
  minDurationSeconds: 5,
};

function run(probabilities: number[], settings = SETTINGS): (EpisodeEvent & { at: number })[] {
  const detector = createDetector(settings);
  const events: (EpisodeEvent & { at: number })[] = [];
  probabilities.forEach((probability, i) => {
    const event = detector.push({ probability, time: Date.UTC(2026, 10, 24) + i * 1000, source: 'mic' });
    if (event) events.push({ ...event, at: i });
  });
  return events;
}

describe('cry-detect policy', () => {
  it('ignores a single loud window (one cough) and starts on 2 of 3', () => {
    assert.deepStrictEqual(run([0.1, 0.95, 0.1, 0.1, 0.2]), []);
    const events = run([0.1, 0.9, 0.2, 0.85, 0.9]);
    assert.strictEqual(events.length, 1);
    assert.strictEqual(events[0].kind, 'start');
    assert.strictEqual(events[0].at, 3);
  });

  it('stops after K quiet windows, not before the minimum duration, with peak, mean and duration', () => {
    const events = run([0.9, 0.9, 0.95, 0.6, 0.3, 0.2, 0.1, 0.1]);
    assert.deepStrictEqual(
      events.map((e) => [e.kind, e.at]),
      [
        ['start', 1],
        ['stop', 6],
      ],
    );
    const stop = events[1];
    assert.strictEqual(stop.durationSeconds, 5);
    assert.strictEqual(stop.peakProbability, 0.95);
    assert.strictEqual(stop.windows, 6);
    assert.ok(Math.abs(stop.meanProbability - (0.9 + 0.95 + 0.6 + 0.3 + 0.2 + 0.1) / 6) < 1e-12);
    assert.strictEqual(stop.startTime, '2026-11-24T00:00:01.000Z');
    const short = run([0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1], { ...SETTINGS, minDurationSeconds: 5 });
    assert.deepStrictEqual(
      short.map((e) => [e.kind, e.at]),
      [
        ['start', 1],
        ['stop', 6],
      ],
      'held until 5 s',
    );
  });

  it('a 20-minute cry is one start and one stop (hysteresis between the thresholds)', () => {
    const cry = Array.from({ length: 1200 }, (_, i) => (i % 7 === 0 ? 0.6 : 0.9));
    const events = run([0.1, ...cry, 0.1, 0.1, 0.1, 0.1]);
    assert.deepStrictEqual(
      events.map((e) => e.kind),
      ['start', 'stop'],
    );
    assert.ok(events[1].durationSeconds > 1190);
  });

  it('waits out the cooldown before starting again', () => {
    const events = run(
      [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
      { ...SETTINGS, minDurationSeconds: 0 },
    );
    assert.deepStrictEqual(
      events.map((e) => [e.kind, e.at]),
      [
        ['start', 1],
        ['stop', 4],
        ['start', 14],
      ],
    );
  });

  it('stops after T seconds without a loud window even when windows arrive slowly', () => {
    const detector = createDetector({ ...SETTINGS, offCount: 100, offSeconds: 10, minDurationSeconds: 0 });
    const t0 = Date.UTC(2026, 0, 1);
    detector.push({ probability: 0.9, time: t0 });
    assert.strictEqual(detector.push({ probability: 0.9, time: t0 + 1000 })?.kind, 'start');
    assert.strictEqual(detector.push({ probability: 0.2, time: t0 + 5000 }), undefined);
    assert.strictEqual(detector.push({ probability: 0.2, time: t0 + 11000 })?.kind, 'stop');
    assert.deepStrictEqual(detector.state, { crying: false, sinceSeconds: 0 });
  });

  it('validates its settings', () => {
    assert.strictEqual(validateDetectionSettings(SETTINGS), undefined);
    assert.match(validateDetectionSettings({ ...SETTINGS, onCount: 4 }) ?? '', /N must be between 1 and M/);
    assert.match(validateDetectionSettings({ ...SETTINGS, offThreshold: 0.9 }) ?? '', /off-threshold/);
  });
});

describe('alarm threshold choice', () => {
  it('picks the highest threshold that keeps the target recall within the false-positive limit', async () => {
    const { chooseAlarmThreshold } = await import('../src/core/model/metrics');
    const examples = [
      ...[0.9, 0.8, 0.7, 0.6, 0.05].map((score) => ({ score, positive: true })),
      ...[
        0.5, 0.04, 0.03, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01,
        0.01, 0.01, 0.01,
      ].map((score) => ({ score, positive: false })),
    ];
    // recall 0.8 is reached at 0.6 with no false positive; recall 1.0 would need 0.05 (FPR 0.05).
    assert.strictEqual(chooseAlarmThreshold(examples, 0.8, 0.05), (0.6 + 0.5) / 2);
    assert.strictEqual(chooseAlarmThreshold(examples, 1, 0.05), (0.05 + 0.04) / 2);
  });
});

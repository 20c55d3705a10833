import * as assert from 'assert';
import { createStreamWindowPlanner } from '../src/core/model/stream-windows';

describe('stream window planner (capture windows → the model’s own windows)', () => {
  it('gives every YAMNet patch of a stream exactly once from 4 s windows every second', () => {
    const planner = createStreamWindowPlanner(15600, 7680);
    const seen: number[] = [];
    for (let k = 0; k < 30; k++) {
      const start = k * 16000;
      for (const offset of planner.plan('mic#1', start, 64000)) seen.push(start + offset);
    }
    const expected: number[] = [];
    for (let p = 0; p + 15600 <= 29 * 16000 + 64000; p += 7680) expected.push(p);
    assert.deepStrictEqual(seen, expected);
  });

  it('starts again when a stream jumps or goes backwards, and keeps streams apart', () => {
    const planner = createStreamWindowPlanner(15600, 7680);
    assert.deepStrictEqual(planner.plan('a', 0, 64000).length, 7);
    assert.deepStrictEqual(planner.plan('b', 0, 64000).length, 7);
    assert.deepStrictEqual(planner.plan('a', 1000000, 64000)[0], 0);
    assert.deepStrictEqual(planner.plan('a', 0, 64000)[0], 0);
  });

  it('keeps every capture window of the model’s own length even when its start snaps a little early', () => {
    const planner = createStreamWindowPlanner(64000, 16000);
    const starts = [0, 15872, 32256, 47616, 64000];
    assert.deepStrictEqual(
      starts.map((start) => planner.plan('mic#1', start, 64000)),
      starts.map(() => [0]),
    );
  });

  it('analyses a window shorter than the model’s once (padded)', () => {
    const planner = createStreamWindowPlanner(64000, 16000);
    assert.deepStrictEqual(planner.plan('f', 0, 20000), [0]);
    assert.deepStrictEqual(planner.plan('f', 0, 20000), [], 'the same window again is not analysed twice');
    assert.deepStrictEqual(planner.plan('f', 20000, 20000), [0]);
  });
});

import * as assert from 'assert';
import { createFramer } from '../src/core/audio/framer';
import { createRandomSource } from '../src/core/model/random';

describe('sliding-window framer', () => {
  it('cuts the same windows as slicing the whole stream, whatever the chunk sizes', () => {
    const random = createRandomSource(3);
    const stream = Float32Array.from({ length: 16000 * 12 }, () => random.uniform(-1, 1));
    const framer = createFramer({ sampleRate: 16000, windowSeconds: 4, hopSeconds: 1 });
    const windows = [];
    for (let at = 0; at < stream.length;) {
      const size = random.integer(1, 40000);
      windows.push(...framer.push(stream.subarray(at, at + size)));
      at += size;
    }
    const expectedStarts = Array.from({ length: 9 }, (_, k) => Math.round((k * 16000) / 512) * 512);
    assert.deepStrictEqual(
      windows.map((w) => w.startSample),
      expectedStarts,
    );
    for (const w of windows)
      assert.deepStrictEqual(w.samples, stream.slice(w.startSample, w.startSample + 64000));
  });
});

/**
 * Live capture sends overlapping windows of its own length and hop (4 s every second); a model has its own
 * (YAMNet: 0.975 s every 0.48 s). This planner says, for each arriving window, which of the model's windows it
 * completes that no earlier window did, so every model window of a stream is analysed exactly once. A stream that
 * jumps (restarted recorder, a gap, or going backwards) starts again at the window it sent. Capture windows start
 * on the 512-sample spectrogram grid, up to 16 ms off the exact hop: a planned window up to `slack` samples past
 * an arriving window's start begins at that start instead of waiting for the next one.
 */

/** The model windows an arriving window holds, as offsets from its first sample (hop apart, ascending). */
export interface StreamWindowPlanner {
  plan(stream: string, startSample: number, length: number): number[];
  forget(stream: string): void;
}

/** Creates a planner for windows of `windowSamples` every `hopSamples`; remembers at most `maxStreams` streams. */
export function createStreamWindowPlanner(
  windowSamples: number,
  hopSamples: number,
  maxStreams = 16,
): StreamWindowPlanner {
  const next = new Map<string, number>();
  const slack = Math.min(1024, Math.floor(hopSamples / 2));
  return {
    plan(stream, startSample, length) {
      const end = startSample + length;
      let position = next.get(stream);
      next.delete(stream);
      if (position === undefined || position < startSample - hopSamples || position > end)
        position = startSample;
      else if (position < startSample || position - startSample <= slack) position = startSample;
      const offsets: number[] = [];
      if (length < windowSamples) {
        // Shorter than one model window: analysed once, padded, unless already done.
        if (position === startSample) offsets.push(0);
        position = end;
      } else {
        for (; position + windowSamples <= end; position += hopSamples) offsets.push(position - startSample);
      }
      next.set(stream, position);
      if (next.size > maxStreams) next.delete(next.keys().next().value as string);
      return offsets;
    },
    forget(stream) {
      next.delete(stream);
    },
  };
}

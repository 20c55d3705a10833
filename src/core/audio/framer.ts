/**
 * Sliding-window framer for a continuous mono stream. Keeps only the samples the next window needs (one window
 * plus at most one pushed chunk), never the whole stream.
 *
 * Window starts are snapped to a grid of `alignSamples` (the STFT hop, 512) so that overlapping windows share
 * their interior spectrogram frames exactly; the k-th window starts at round(k * hop / align) * align, which keeps
 * the average hop exact (1 s hop = 31.25 frames: starts alternate 31 and 32 frames apart, jitter <= 16 ms).
 */

/** One window cut from the stream. */
export interface AudioWindow {
  readonly samples: Float32Array;
  /** Index of the window's first sample since the stream began. */
  readonly startSample: number;
  readonly sampleRate: number;
}

/** Settings of a framer. */
export interface FramerSettings {
  readonly sampleRate: number;
  readonly windowSeconds?: number;
  readonly hopSeconds?: number;
  readonly alignSamples?: number;
}

/** A stateful framer: push chunks, get the windows they complete. */
export interface Framer {
  push(chunk: Float32Array): AudioWindow[];
}

/** Creates a framer (default window 4 s, hop 1 s, starts aligned to 512 samples). */
export function createFramer(settings: FramerSettings): Framer {
  const rate = settings.sampleRate;
  const windowLength = Math.round((settings.windowSeconds ?? 4) * rate);
  const hopSamples = (settings.hopSeconds ?? 1) * rate;
  const align = settings.alignSamples ?? 512;
  if (!(windowLength > 0)) throw new Error(`window must be positive, got ${settings.windowSeconds} s`);
  if (!(hopSamples >= align)) {
    throw new Error(`hop must be at least ${align / rate} s, got ${settings.hopSeconds} s`);
  }
  // store[0 .. stored) holds stream samples from bufferStart on; it grows to the largest window-plus-chunk it
  // has needed and is then reused, the kept tail moved to its front (no allocation per chunk).
  let store = new Float32Array(windowLength * 2);
  let stored = 0;
  let bufferStart = 0;
  let windowIndex = 0;
  const startOf = (k: number): number => Math.round((k * hopSamples) / align) * align;
  return {
    push(chunk) {
      if (stored + chunk.length > store.length) {
        const grown = new Float32Array(Math.max(store.length * 2, stored + chunk.length));
        grown.set(store.subarray(0, stored));
        store = grown;
      }
      store.set(chunk, stored);
      stored += chunk.length;
      const received = bufferStart + stored;
      const windows: AudioWindow[] = [];
      for (;;) {
        const start = startOf(windowIndex);
        if (start + windowLength > received) break;
        const from = start - bufferStart;
        windows.push({
          samples: store.slice(from, from + windowLength),
          startSample: start,
          sampleRate: rate,
        });
        windowIndex++;
      }
      const keepFrom = Math.max(0, Math.min(startOf(windowIndex), received) - bufferStart);
      if (keepFrom > 0) {
        store.copyWithin(0, keepFrom, stored);
        stored -= keepFrom;
        bufferStart += keepFrom;
      }
      return windows;
    },
  };
}

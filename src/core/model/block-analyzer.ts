/**
 * A cry model over audio that arrives in pieces (a long recording decoded in pieces): samples collect in one
 * buffer of `blockWindows` hops plus a window and a spare hop; each full block is analysed, the verdicts that start
 * in its first `blockWindows` hops are shifted to their place in the stream and kept, and the buffer moves on by
 * exactly those hops (windows starting later are analysed again, whole, in the next block). Every window of the
 * stream is kept once, computed on the same samples as when the whole recording is analysed at once, so the
 * verdicts are the same; memory is one block, whatever the length. Blocks start on a multiple of 4 hops: the
 * CNN's window starts are rounded to its 512-sample mel frames, a grid that repeats every 4 s (YAMNet's every hop).
 * With `concurrency` > 1 that many blocks are in analysis at once (a pool of worker threads, analyze-pool.ts), each
 * on its own copy of the samples; verdicts are still delivered block after block, in stream order.
 */
import type { CryModel, CryModelInfo, CryVerdict } from './cry-model';

/** Feeds pieces in, verdicts out (in stream order). */
export interface BlockAnalyzer {
  push(samples: Float32Array): Promise<void>;
  /** Analyses what is left; resolves with the number of verdicts in all. */
  finish(): Promise<number>;
}

export function createBlockAnalyzer(
  model: Pick<CryModel, 'analyze'>,
  info: Pick<CryModelInfo, 'windowSamples' | 'hopSamples'>,
  onVerdicts: (verdicts: CryVerdict[]) => void,
  blockWindows = 256,
  /** Blocks analysed at once (a worker pool's size); verdicts still come out in stream order. */
  concurrency = 1,
): BlockAnalyzer {
  const { windowSamples, hopSamples } = info;
  if (!(Number.isInteger(blockWindows) && blockWindows > 0 && blockWindows % 4 === 0))
    throw new Error(`blockWindows must be a positive multiple of 4, got ${blockWindows}`);
  if (!(Number.isInteger(concurrency) && concurrency > 0))
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  const step = blockWindows * hopSamples;
  const block = step + windowSamples + hopSamples;
  const buffer = new Float32Array(block);
  let filled = 0;
  let offset = 0;
  let emitted = 0;
  // Blocks in analysis, oldest first, each with where its verdicts go and which it keeps.
  const pending: { result: Promise<CryVerdict[]>; offset: number; before: number }[] = [];
  const emitOldest = async () => {
    const oldest = pending.shift()!;
    const verdicts = (await oldest.result).filter((v) => v.startSample < oldest.before);
    emitted += verdicts.length;
    onVerdicts(verdicts.map((v) => ({ ...v, startSample: v.startSample + oldest.offset })));
  };
  const analyze = async (samples: Float32Array, before: number) => {
    // With one block at a time the buffer is not touched until its analysis is done; otherwise each gets a copy.
    const result = model.analyze(concurrency === 1 ? samples : samples.slice());
    // A failed block is reported when its turn comes; until then it must not count as unhandled.
    result.catch(() => undefined);
    pending.push({ result, offset, before });
    while (pending.length >= concurrency) await emitOldest();
  };
  return {
    async push(samples) {
      let at = 0;
      while (at < samples.length) {
        const taken = Math.min(block - filled, samples.length - at);
        buffer.set(samples.subarray(at, at + taken), filled);
        filled += taken;
        at += taken;
        if (filled === block) {
          await analyze(buffer, step);
          buffer.copyWithin(0, step, block);
          filled = block - step;
          offset += step;
        }
      }
    },
    async finish() {
      // The windows that still fit; a recording shorter than one window still gets its one (padded) window.
      if (filled >= windowSamples || (emitted === 0 && pending.length === 0 && filled > 0)) {
        await analyze(buffer.slice(0, filled), Infinity);
      }
      while (pending.length) await emitOldest();
      return emitted;
    },
  };
}

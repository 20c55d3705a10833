/** Loading the clips of a manifest as 16 kHz mono audio, decoding two files at a time. */
import { decodeAudioFile } from '../audio/decode';
import { createResampler, Resampler } from '../audio/resample';
import type { ManifestRow } from './manifest';

/** Decodes and resamples every row; `onProgress(done, total)` is called as files finish. */
export async function loadClips(
  rows: readonly ManifestRow[],
  sampleRate: number,
  onProgress: (done: number, total: number) => void = () => undefined,
  concurrency = 2,
): Promise<Float32Array[]> {
  const resamplers = new Map<number, Resampler>();
  const clips: Float32Array[] = new Array(rows.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < rows.length) {
      const index = next++;
      const decoded = await decodeAudioFile(rows[index].file);
      let resampler = resamplers.get(decoded.sampleRate);
      if (!resampler) {
        resampler = createResampler({ fromRate: decoded.sampleRate, toRate: sampleRate });
        resamplers.set(decoded.sampleRate, resampler);
      }
      clips[index] = resampler(decoded.samples);
      onProgress(++done, rows.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return clips;
}

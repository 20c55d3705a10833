/**
 * Saving the audio behind the verdicts as 16-bit WAV files: every window, or every crying episode with a few
 * seconds from before its start. Retention (maximum age, maximum total size) is enforced as files are written,
 * oldest first, never touching the episode being written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { float32ToPcm16 } from '../audio/pcm';
import { writeWav } from '../audio/wav';

/** Settings of a clip store. */
export interface ClipStoreSettings {
  readonly folder: string;
  readonly mode: 'none' | 'window' | 'episode';
  readonly preRollSeconds: number;
  readonly maxAgeDays: number;
  readonly maxTotalBytes: number;
}

/** One window to store. */
export interface ClipWindow {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  /** Position in its stream, to stitch overlapping windows; undefined when unknown. */
  readonly startSample?: number;
  readonly source: string;
  readonly time: Date;
  readonly crying: boolean;
}

/** Stores clips; resolves with the file that holds the window's audio ('' when none). */
export interface ClipStore {
  add(window: ClipWindow): Promise<string>;
  close(): Promise<void>;
}

function stamp(time: Date): string {
  return time.toISOString().replace(/[:.]/g, '-');
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'audio';
}

/** Appends PCM to an open WAV file and fixes its header sizes. */
async function appendToWav(file: string, samples: Float32Array): Promise<void> {
  const pcm = float32ToPcm16(samples);
  await fs.promises.appendFile(file, pcm);
  const handle = await fs.promises.open(file, 'r+');
  try {
    const size = (await handle.stat()).size;
    const header = Buffer.alloc(4);
    header.writeUInt32LE(size - 8, 0);
    await handle.write(header, 0, 4, 4);
    header.writeUInt32LE(size - 44, 0);
    await handle.write(header, 0, 4, 40);
  } finally {
    await handle.close();
  }
}

interface StreamState {
  /** Recent audio, for the pre-roll: samples and the stream position of the first one. */
  tail: Float32Array;
  tailStart: number;
  episodeFile?: string;
  /** Stream position up to which the episode file holds audio. */
  writtenTo: number;
}

/** Creates a clip store. */
export function createClipStore(settings: ClipStoreSettings): ClipStore {
  const streams = new Map<string, StreamState>();
  let lastRetention = 0;
  let chain: Promise<unknown> = Promise.resolve();

  const enforceRetention = async (protectedFiles: Set<string>) => {
    if (Date.now() - lastRetention < 2000) return;
    lastRetention = Date.now();
    const entries = await Promise.all(
      (await fs.promises.readdir(settings.folder))
        .filter((name) => name.endsWith('.wav'))
        .map(async (name) => {
          const file = path.join(settings.folder, name);
          const stat = await fs.promises.stat(file).catch(() => undefined);
          return stat ? { file, size: stat.size, mtime: stat.mtimeMs } : undefined;
        }),
    );
    const files = entries
      .filter((e): e is { file: string; size: number; mtime: number } => !!e)
      .sort((a, b) => a.mtime - b.mtime);
    let total = files.reduce((sum, f) => sum + f.size, 0);
    const oldest = Date.now() - settings.maxAgeDays * 86400000;
    for (const f of files) {
      if (protectedFiles.has(f.file)) continue;
      if (f.mtime < oldest || total > settings.maxTotalBytes) {
        await fs.promises.rm(f.file, { force: true });
        total -= f.size;
      }
    }
  };

  const add = async (window: ClipWindow): Promise<string> => {
    if (settings.mode === 'none') return '';
    await fs.promises.mkdir(settings.folder, { recursive: true });
    let file = '';
    if (settings.mode === 'window') {
      file = path.join(settings.folder, `${stamp(window.time)}-${safeName(window.source)}.wav`);
      await fs.promises.writeFile(file, writeWav(window.samples, window.sampleRate));
    } else {
      const start = window.startSample;
      let state = streams.get(window.source);
      const continuous =
        state !== undefined &&
        start !== undefined &&
        start >= state.tailStart &&
        start <= state.tailStart + state.tail.length;
      if (!state || !continuous || start === undefined) {
        state = { tail: new Float32Array(0), tailStart: start ?? 0, writtenTo: start ?? 0 };
        streams.set(window.source, state);
      }
      const windowStart = start ?? state.tailStart + state.tail.length;
      const overlap = state.tailStart + state.tail.length - windowStart;
      const fresh = window.samples.subarray(Math.max(0, overlap));
      const joined = new Float32Array(state.tail.length + fresh.length);
      joined.set(state.tail);
      joined.set(fresh, state.tail.length);
      const keep = Math.round(
        (settings.preRollSeconds + window.samples.length / window.sampleRate + 1) * window.sampleRate,
      );
      const drop = Math.max(0, joined.length - keep);
      const streamEnd = state.tailStart + joined.length;
      if (window.crying) {
        if (!state.episodeFile) {
          const from = Math.max(
            state.tailStart,
            windowStart - Math.round(settings.preRollSeconds * window.sampleRate),
          );
          state.episodeFile = path.join(
            settings.folder,
            `${stamp(window.time)}-${safeName(window.source)}-episode.wav`,
          );
          await fs.promises.writeFile(
            state.episodeFile,
            writeWav(joined.subarray(from - state.tailStart), window.sampleRate),
          );
          state.writtenTo = streamEnd;
        } else if (streamEnd > state.writtenTo) {
          await appendToWav(state.episodeFile, joined.subarray(state.writtenTo - state.tailStart));
          state.writtenTo = streamEnd;
        }
        file = state.episodeFile;
      } else {
        state.episodeFile = undefined;
      }
      state.tail = joined.slice(drop);
      state.tailStart += drop;
    }
    const open = new Set([...streams.values()].map((s) => s.episodeFile).filter((f): f is string => !!f));
    if (file) open.add(file);
    await enforceRetention(open);
    return file;
  };

  return {
    add(window) {
      const result = chain.then(() => add(window));
      chain = result.catch(() => undefined);
      return result;
    },
    async close() {
      await chain;
      streams.clear();
    },
  };
}

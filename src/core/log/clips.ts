/**
 * Saving the audio behind the verdicts as 16-bit WAV files: every window, or every crying episode with a few
 * seconds from before its start. Retention (maximum age, maximum total size) is enforced as files are written,
 * oldest first, never touching the episode being written, from an index of the folder read once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { float32ToPcm16 } from '../audio/pcm';
import { writeWav } from '../audio/wav';
import { spectrogramPng } from './spectrogram-image';

/** Settings of a clip store. */
export interface ClipStoreSettings {
  readonly folder: string;
  readonly mode: 'none' | 'window' | 'episode';
  readonly preRollSeconds: number;
  /**
   * Called when an episode's clip is complete (the episode ended), with the clip and, when `episodeImages`, the
   * spectrogram PNG written beside it (same name, .png; counted and expired with the clips).
   */
  readonly onEpisodeClosed?: (clip: {
    audio: string;
    image?: string;
    seconds: number;
    source: string;
  }) => void;
  readonly episodeImages?: boolean;
  readonly maxAgeDays: number;
  readonly maxTotalBytes: number;
  /** The clock for ages (milliseconds since 1970; Date.now unless a test simulates weeks). */
  readonly now?: () => number;
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

/**
 * The names this store gives its clips (`2026-11-24T06-00-00-000Z-<source>[-episode].wav`): retention only ever
 * looks at files named so, never at anything else a user keeps in the folder.
 */
/** The longest stretch of an episode drawn in its picture. */
const IMAGE_SECONDS = 300;

const OWN_CLIP = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[A-Za-z0-9_-]{1,40}\.(wav|png)$/;

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
  /** Recent audio for the pre-roll, store[0 .. stored) from stream position tailStart (buffer reused). */
  store: Float32Array;
  stored: number;
  tailStart: number;
  episodeFile?: string;
  /** Stream position up to which the episode file holds audio. */
  writtenTo: number;
}

/** A clip on disk, as the retention keeps count of it. */
interface ClipEntry {
  readonly file: string;
  size: number;
  mtime: number;
}

/** Writes a file, making its folder again if someone removed it meanwhile. */
async function writeFileInFolder(file: string, data: Buffer): Promise<void> {
  try {
    await fs.promises.writeFile(file, data);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, data);
  }
}

/** Creates a clip store. */
export function createClipStore(settings: ClipStoreSettings): ClipStore {
  const streams = new Map<string, StreamState>();
  let chain: Promise<unknown> = Promise.resolve();
  // The clips on disk, oldest first: read from the folder once, then kept up to date as clips are written and
  // removed, so retention costs no directory scan per window.
  let index: ClipEntry[] | undefined;
  let total = 0;
  const now = settings.now ?? Date.now;

  const loadIndex = async (): Promise<ClipEntry[]> => {
    await fs.promises.mkdir(settings.folder, { recursive: true });
    const names = (await fs.promises.readdir(settings.folder)).filter((name) => OWN_CLIP.test(name));
    const entries = await Promise.all(
      names.map(async (name) => {
        const file = path.join(settings.folder, name);
        const stat = await fs.promises.stat(file).catch(() => undefined);
        return stat ? { file, size: stat.size, mtime: stat.mtimeMs } : undefined;
      }),
    );
    const found = entries.filter((e): e is ClipEntry => !!e).sort((a, b) => a.mtime - b.mtime);
    total = found.reduce((sum, f) => sum + f.size, 0);
    return found;
  };

  const recordWrite = (clips: ClipEntry[], file: string, bytes: number) => {
    const existing =
      clips.length && clips[clips.length - 1].file === file
        ? clips[clips.length - 1]
        : clips.find((c) => c.file === file);
    if (existing) {
      existing.size += bytes;
      existing.mtime = now();
    } else clips.push({ file, size: bytes, mtime: now() });
    total += bytes;
  };

  const enforceRetention = async (clips: ClipEntry[], protectedFiles: Set<string>, incoming = 0) => {
    const oldest = now() - settings.maxAgeDays * 86400000;
    for (let i = 0; i < clips.length;) {
      const clip = clips[i];
      if (protectedFiles.has(clip.file)) {
        i++;
        continue;
      }
      if (!(clip.mtime < oldest || total + incoming > settings.maxTotalBytes)) break;
      await fs.promises.rm(clip.file, { force: true });
      total -= clip.size;
      clips.splice(i, 1);
    }
  };

  const add = async (window: ClipWindow): Promise<string> => {
    if (settings.mode === 'none') return '';
    const clips = (index ??= await loadIndex());
    let file = '';
    if (settings.mode === 'window') {
      file = path.join(settings.folder, `${stamp(window.time)}-${safeName(window.source)}.wav`);
      const wav = writeWav(window.samples, window.sampleRate);
      await writeFileInFolder(file, wav);
      recordWrite(clips, file, wav.length);
    } else {
      const start = window.startSample;
      let state = streams.get(window.source);
      const continuous =
        state !== undefined &&
        start !== undefined &&
        start >= state.tailStart &&
        start <= state.tailStart + state.stored;
      if (!state || !continuous || start === undefined) {
        state = {
          store: state?.store ?? new Float32Array(0),
          stored: 0,
          tailStart: start ?? 0,
          writtenTo: start ?? 0,
        };
        streams.set(window.source, state);
      }
      const windowStart = start ?? state.tailStart + state.stored;
      const overlap = state.tailStart + state.stored - windowStart;
      const fresh = window.samples.subarray(Math.max(0, overlap));
      if (state.stored + fresh.length > state.store.length) {
        const grown = new Float32Array(state.stored + fresh.length);
        grown.set(state.store.subarray(0, state.stored));
        state.store = grown;
      }
      state.store.set(fresh, state.stored);
      state.stored += fresh.length;
      const keep = Math.round(
        (settings.preRollSeconds + window.samples.length / window.sampleRate + 1) * window.sampleRate,
      );
      const streamEnd = state.tailStart + state.stored;
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
          const wav = writeWav(state.store.subarray(from - state.tailStart, state.stored), window.sampleRate);
          await writeFileInFolder(state.episodeFile, wav);
          recordWrite(clips, state.episodeFile, wav.length);
          state.writtenTo = streamEnd;
        } else if (streamEnd > state.writtenTo) {
          const added = state.store.subarray(state.writtenTo - state.tailStart, state.stored);
          // The open episode counts against the space limit too: older clips go first, and when the episode
          // alone would pass the limit it stops growing (its start, with the pre-roll, is kept).
          await enforceRetention(clips, new Set([state.episodeFile]), added.length * 2);
          if (total + added.length * 2 <= settings.maxTotalBytes) {
            await appendToWav(state.episodeFile, added);
            recordWrite(clips, state.episodeFile, added.length * 2);
          }
          state.writtenTo = streamEnd;
        }
        file = state.episodeFile;
      } else if (state.episodeFile) {
        const audio = state.episodeFile;
        state.episodeFile = undefined;
        await closeEpisode(audio, window.source);
      }
      const drop = Math.max(0, state.stored - keep);
      if (drop > 0) {
        state.store.copyWithin(0, drop, state.stored);
        state.stored -= drop;
        state.tailStart += drop;
      }
    }
    const open = new Set([...streams.values()].map((s) => s.episodeFile).filter((f): f is string => !!f));
    if (file) open.add(file);
    await enforceRetention(clips, open);
    return file;
  };

  /**
   * The end of an episode: its picture beside it, then the callback. A failed picture never loses the clip. Only
   * the first `IMAGE_SECONDS` are read and drawn, so that an hour-long episode costs no more than a short one (the
   * clip is ours: a 44-byte header, then 16-bit mono PCM).
   */
  const closeEpisode = async (audio: string, source: string) => {
    let image: string | undefined;
    let seconds = 0;
    try {
      const handle = await fs.promises.open(audio, 'r');
      try {
        const header = Buffer.alloc(44);
        await handle.read(header, 0, 44, 0);
        const sampleRate = header.readUInt32LE(24);
        const dataBytes = (await handle.stat()).size - 44;
        seconds = dataBytes / 2 / sampleRate;
        if (settings.episodeImages && sampleRate > 0) {
          const bytes = Math.min(dataBytes, IMAGE_SECONDS * sampleRate * 2) & ~1;
          const pcm = Buffer.alloc(bytes);
          await handle.read(pcm, 0, bytes, 44);
          const samples = new Float32Array(bytes / 2);
          for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2) / 32768;
          const png = spectrogramPng(samples, sampleRate);
          image = audio.replace(/\.wav$/, '.png');
          await writeFileInFolder(image, png);
          recordWrite((index ??= await loadIndex()), image, png.length);
        }
      } finally {
        await handle.close();
      }
    } catch {
      image = undefined;
    }
    settings.onEpisodeClosed?.({ audio, image, seconds, source });
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

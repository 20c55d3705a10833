/**
 * The project's audio message convention (that of node-red-contrib-sox-utils): `msg.payload` a Buffer of signed
 * 16-bit little-endian PCM with `msg.rate`, `msg.bits` (16), `msg.channels` and `msg.encoding`
 * ('signed-integer'); or a Float32Array of mono samples with `msg.rate`. Sources add `msg.window` saying where the
 * window sits in its stream.
 */
import { downmixInterleaved, pcm16ToFloat32 } from './pcm';

/** Where a window sits in its stream (set by cry-mic, cry-stream and cry-file). */
export interface WindowInfo {
  /** Identifies the stream: windows of one source share it. */
  readonly source: string;
  /** Index of the window's first sample in the stream, at `sampleRate`. */
  readonly startSample: number;
  readonly sampleRate: number;
  /** Wall-clock (or file-relative) time of the first sample, ISO 8601. */
  readonly startTime: string;
  /** Seconds since the stream began. */
  readonly startSeconds: number;
}

/**
 * The id of a source's n-th continuous stream (a recorder restarted, the n-th file of a replay): spectrogram
 * frames are shared only within one stream, while detection and clip files group by the source.
 */
export function streamId(source: string, stream: number): string {
  return `${source}#${stream}`;
}

/** The source a stream id (WindowInfo.source) belongs to. */
export function sourceOfStream(id: string): string {
  return id.replace(/#\d+$/, '');
}

/** Audio taken from a message: mono float samples at `sampleRate`. */
export interface ParsedAudio {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly window?: WindowInfo;
}

/** Fields of a message that carry audio. */
export interface AudioMessageFields {
  payload?: unknown;
  rate?: unknown;
  bits?: unknown;
  channels?: unknown;
  encoding?: unknown;
  window?: unknown;
}

/** The audio fields of a message, kept as `msg.audio` by nodes that replace the payload (for cry-log's clips). */
export function audioFieldsOf(msg: AudioMessageFields): AudioMessageFields {
  return {
    payload: msg.payload,
    rate: msg.rate,
    bits: msg.bits,
    channels: msg.channels,
    encoding: msg.encoding,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string "${value.slice(0, 40)}"` : typeof value;
}

function isWindowInfo(value: unknown): value is WindowInfo {
  const w = value as Partial<WindowInfo> | null;
  return !!w && typeof w === 'object' && typeof w.source === 'string' && Number.isInteger(w.startSample);
}

/** Reads the audio of a message; throws an error that says what was expected and what arrived. */
export function parseAudioMessage(msg: AudioMessageFields): ParsedAudio {
  const { payload } = msg;
  const rate = msg.rate;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1000 || rate > 384000) {
    throw new Error(
      `expected msg.rate, the sample rate in Hz (e.g. 16000), got ${describe(rate)}${typeof rate === 'number' ? ` ${rate}` : ''}`,
    );
  }
  const window = isWindowInfo(msg.window) ? msg.window : undefined;
  if (payload instanceof Float32Array) {
    if (payload.length === 0) throw new Error('msg.payload is an empty Float32Array');
    if (!payload.every(Number.isFinite)) throw new Error('msg.payload holds NaN or infinite samples');
    return { samples: payload, sampleRate: rate, window };
  }
  if (Buffer.isBuffer(payload)) {
    const bits = msg.bits ?? 16;
    const channels = msg.channels ?? 1;
    const encoding = msg.encoding ?? 'signed-integer';
    if (bits !== 16) throw new Error(`expected 16-bit PCM (msg.bits = 16), got msg.bits = ${String(bits)}`);
    if (encoding !== 'signed-integer' && encoding !== 'signed') {
      throw new Error(`expected msg.encoding "signed-integer", got ${JSON.stringify(encoding)}`);
    }
    if (typeof channels !== 'number' || !Number.isInteger(channels) || channels < 1 || channels > 32) {
      throw new Error(`expected msg.channels between 1 and 32, got ${String(channels)}`);
    }
    if (payload.length < 2 * channels)
      throw new Error(`msg.payload holds no audio (${payload.length} bytes)`);
    if (payload.length % (2 * channels) !== 0) {
      throw new Error(
        `msg.payload length ${payload.length} is not a whole number of ${channels}-channel 16-bit frames`,
      );
    }
    return { samples: downmixInterleaved(pcm16ToFloat32(payload), channels), sampleRate: rate, window };
  }
  throw new Error(
    `expected msg.payload to be a Buffer of 16-bit PCM or a Float32Array of samples, got ${describe(payload)}`,
  );
}

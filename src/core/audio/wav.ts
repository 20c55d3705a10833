/**
 * RIFF/WAVE reading and writing. Reads PCM 8/16/24/32-bit integer and 32-bit IEEE float (format tags 1, 3 and
 * WAVE_FORMAT_EXTENSIBLE wrapping them), skipping any extra chunks (LIST, fact, cue…); channels are averaged to
 * mono. Integer samples are scaled by 2^(bits-1), as libsndfile and librosa do.
 */
import { downmixInterleaved, float32ToPcm16 } from './pcm';

/** A decoded WAV file, reduced to mono. */
export interface DecodedWav {
  readonly sampleRate: number;
  /** Channel count in the file, before the mono downmix. */
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly format: 'int' | 'float';
  readonly samples: Float32Array;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Parses a WAV file held in memory; throws an error naming what was expected and what was found. */
export function readWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number): string =>
    String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error('not a WAV file: expected a RIFF/WAVE header');
  }
  let offset = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let data: { start: number; length: number } | undefined;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new Error(`WAV fmt chunk too short (${size} bytes)`);
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 40) format = view.getUint16(body + 24, true);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      data = { start: body, length: Math.min(size, bytes.byteLength - body) };
      if (fmt) break;
    }
    offset = body + size + (size % 2);
  }
  if (!fmt) throw new Error('WAV file has no fmt chunk');
  if (!data) throw new Error('WAV file has no data chunk');
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1) throw new Error('WAV file declares 0 channels');
  if (sampleRate < 1) throw new Error('WAV file declares a sample rate of 0');
  const isInt = format === FORMAT_PCM && [8, 16, 24, 32].includes(bits);
  const isFloat = format === FORMAT_FLOAT && bits === 32;
  if (!isInt && !isFloat) {
    throw new Error(
      `unsupported WAV encoding (format tag ${format}, ${bits} bits): expected PCM 8/16/24/32-bit or 32-bit float`,
    );
  }
  const bytesPerSample = bits / 8;
  const count = Math.floor(data.length / bytesPerSample);
  const interleaved = new Float32Array(count);
  const start = data.start;
  for (let i = 0; i < count; i++) {
    const at = start + i * bytesPerSample;
    if (isFloat) interleaved[i] = view.getFloat32(at, true);
    else if (bits === 16) interleaved[i] = view.getInt16(at, true) / 32768;
    else if (bits === 8) interleaved[i] = (bytes[at] - 128) / 128;
    else if (bits === 24) {
      const value = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      interleaved[i] = ((value << 8) >> 8) / 8388608;
    } else interleaved[i] = view.getInt32(at, true) / 2147483648;
  }
  return {
    sampleRate,
    channels,
    bitsPerSample: bits,
    format: isFloat ? 'float' : 'int',
    samples: downmixInterleaved(interleaved, channels),
  };
}

/** Encodes mono float samples as a 16-bit PCM WAV file. */
export function writeWav(samples: ArrayLike<number>, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(FORMAT_PCM, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  float32ToPcm16(samples).copy(out, 44);
  return out;
}

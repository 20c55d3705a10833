/**
 * 16-bit PCM <-> float conversion with librosa's convention: a sample s becomes s / 32768, so -32768 maps to
 * exactly -1 and 32767 to 0.999969.
 */

/** Converts signed 16-bit little-endian PCM bytes to float samples in [-1, 1), into `out` when it is large enough. */
export function pcm16ToFloat32(pcm: Uint8Array, out?: Float32Array): Float32Array {
  if (pcm.byteLength % 2 !== 0) {
    throw new Error(`16-bit PCM must have an even number of bytes, got ${pcm.byteLength}`);
  }
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const count = pcm.byteLength / 2;
  const target = out && out.length >= count ? out.subarray(0, count) : new Float32Array(count);
  for (let i = 0; i < count; i++) target[i] = view.getInt16(2 * i, true) / 32768;
  return target;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Converts float samples to signed 16-bit little-endian PCM, clipping to the int16 range. */
export function float32ToPcm16(samples: ArrayLike<number>): Buffer {
  const values = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const scaled = Math.round(samples[i] * 32768);
    values[i] = scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
  }
  if (LITTLE_ENDIAN_HOST) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => out.writeInt16LE(v, 2 * i));
  return out;
}

/** Averages interleaved channels into one mono signal. */
export function downmixInterleaved(interleaved: Float32Array, channels: number): Float32Array {
  if (channels === 1) return interleaved;
  const frames = Math.floor(interleaved.length / channels);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c];
    out[f] = sum / channels;
  }
  return out;
}

/**
 * 16-bit PCM <-> float conversion with librosa's convention: a sample s becomes s / 32768, so -32768 maps to
 * exactly -1 and 32767 to 0.999969.
 */

/** Converts signed 16-bit little-endian PCM bytes to float samples in [-1, 1). */
export function pcm16ToFloat32(pcm: Uint8Array): Float32Array {
  if (pcm.byteLength % 2 !== 0) {
    throw new Error(`16-bit PCM must have an even number of bytes, got ${pcm.byteLength}`);
  }
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = new Float32Array(pcm.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return out;
}

/** Converts float samples to signed 16-bit little-endian PCM, clipping to the int16 range. */
export function float32ToPcm16(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    const scaled = Math.round(samples[i] * 32768);
    out.writeInt16LE(scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled, 2 * i);
  }
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

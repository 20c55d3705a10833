/**
 * A picture of a clip for a phone notification: its log-mel spectrogram (the classifier's own preprocessing:
 * librosa-style Slaney mel, 2048-point FFT, hop 512, 128 bands, 80 dB range) as a PNG, low frequencies at the
 * bottom, time left to right, loud = bright (a black-red-yellow-white ramp). Long clips are squeezed to at most
 * `maxWidth` columns by taking the loudest frame of each group, so that a short cry in a long clip still shows.
 */
import { createMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../dsp/mel';
import { createPngEncoder } from './png';

/** The colour of a level from 0 (quiet) to 1 (loud). */
function heat(level: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, level));
  return [
    Math.round(255 * Math.min(1, v * 3)),
    Math.round(255 * Math.min(1, Math.max(0, v * 3 - 1))),
    Math.round(255 * Math.max(0, v * 3 - 2)),
  ];
}

/** PNG bytes of the spectrogram of `samples` (mono, any rate from 8 kHz). */
export function spectrogramPng(samples: Float32Array, sampleRate: number, maxWidth = 1200): Buffer {
  if (samples.length < DEFAULT_MEL_SETTINGS.nFft)
    throw new Error(`clip too short for a spectrogram: ${samples.length} samples`);
  const frames = 1 + Math.floor(samples.length / DEFAULT_MEL_SETTINGS.hopLength);
  const mel = createMelSpectrogram({
    ...DEFAULT_MEL_SETTINGS,
    sampleRate,
    fMax: Math.min(DEFAULT_MEL_SETTINGS.fMax, sampleRate / 2),
    frames,
  })(samples);
  const width = Math.min(maxWidth, mel.frames);
  const height = mel.nMels;
  let max = -Infinity;
  for (const value of mel.db) max = Math.max(max, value);
  const floor = max - DEFAULT_MEL_SETTINGS.topDb;
  const rgb = new Uint8Array(width * height * 3);
  for (let x = 0; x < width; x++) {
    const from = Math.floor((x * mel.frames) / width);
    const to = Math.max(from + 1, Math.floor(((x + 1) * mel.frames) / width));
    for (let band = 0; band < height; band++) {
      let loudest = -Infinity;
      for (let f = from; f < to; f++) loudest = Math.max(loudest, mel.db[band * mel.frames + f]);
      const [r, g, b] = heat((loudest - floor) / DEFAULT_MEL_SETTINGS.topDb);
      const at = ((height - 1 - band) * width + x) * 3;
      rgb[at] = r;
      rgb[at + 1] = g;
      rgb[at + 2] = b;
    }
  }
  return createPngEncoder()(width, height, rgb);
}

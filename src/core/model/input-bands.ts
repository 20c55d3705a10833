/**
 * Channel-blind input for the built-in CNN: only the lowest mel bands, those wholly below a frequency (4 kHz:
 * what an 8 kHz phone, G.711 camera or donateacry recording can carry), re-standardised on their own. The model
 * then cannot hear the bandwidth of a recording, which our measurements found it learning instead of crying
 * (95 % of the pool's cry minutes are 8 kHz recordings).
 *
 * It works on the normalised 128-band log-mel every producer already makes (`cry mel`, the sliding analyzer):
 * a z-score is affine, so re-standardising the kept rows of the normalised matrix gives exactly the z-score of the
 * same rows of the dB matrix.
 */
import type { MelSettings } from '../dsp/mel';

/** The number of mel bands whose upper edge lies at or below `maxHz` (librosa's Slaney scale, as the filter bank). */
export function bandsBelow(settings: MelSettings, maxHz: number): number {
  const toMel = (hz: number) =>
    hz >= 1000 ? 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4) : (3 * hz) / 200;
  const toHz = (mel: number) =>
    mel >= 15 ? 1000 * Math.exp((Math.log(6.4) / 27) * (mel - 15)) : (200 * mel) / 3;
  const low = toMel(settings.fMin);
  const high = toMel(settings.fMax);
  let count = 0;
  for (let m = 0; m < settings.nMels; m++) {
    const upperEdge = toHz(low + ((high - low) * (m + 2)) / (settings.nMels + 1));
    if (upperEdge <= maxHz + 1e-9) count = m + 1;
  }
  return count;
}

/**
 * Turns a normalised nMels x frames log-mel (row-major, band rows) into the model's input: the lowest `keptBands`
 * rows re-standardised (population std; a flat input gives zeros, as the preprocessing does). With no
 * `keptBands`, or all of them, the input is the spectrogram itself.
 */
export function createModelInput(
  nMels: number,
  frames: number,
  keptBands?: number,
): (spectrogram: Float32Array) => Float32Array {
  if (!keptBands || keptBands >= nMels) return (spectrogram) => spectrogram;
  const size = keptBands * frames;
  return (spectrogram) => {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += spectrogram[i];
    const mean = sum / size;
    let squares = 0;
    for (let i = 0; i < size; i++) squares += (spectrogram[i] - mean) ** 2;
    const std = Math.sqrt(squares / size);
    const input = new Float32Array(size);
    if (!(std > 1e-6)) return input;
    for (let i = 0; i < size; i++) input[i] = (spectrogram[i] - mean) / std;
    return input;
  };
}

/**
 * Cutting a whole recording into the 4 s analysis windows the classifier sees: starts every `hopSeconds`, snapped
 * to the 512-sample STFT grid (as the live framer does) so overlapping windows share frames. A recording shorter
 * than one window gives one window, padded by the preprocessing (zero-power frames).
 */
import { createSlidingMelSpectrogram, DEFAULT_MEL_SETTINGS, MelSettings } from '../dsp/mel';

/** Window starts (in samples) covering a signal of `length` samples. */
export function windowStarts(
  length: number,
  settings: MelSettings = DEFAULT_MEL_SETTINGS,
  hopSeconds = 1,
): number[] {
  const windowLength = settings.frames * settings.hopLength - settings.hopLength;
  const hop = hopSeconds * settings.sampleRate;
  const starts = [0];
  for (let k = 1; ; k++) {
    const start = Math.round((k * hop) / settings.hopLength) * settings.hopLength;
    if (start + windowLength > length) break;
    starts.push(start);
  }
  return starts;
}

/** The normalised log-mel of every analysis window of a 16 kHz recording. */
export function recordingSpectrograms(
  samples: Float32Array,
  hopSeconds = 1,
  settings: MelSettings = DEFAULT_MEL_SETTINGS,
): { starts: number[]; spectrograms: Float32Array[] } {
  const windowLength = settings.frames * settings.hopLength - settings.hopLength;
  const sliding = createSlidingMelSpectrogram(settings);
  const starts = windowStarts(samples.length, settings, hopSeconds);
  const spectrograms = starts.map(
    (start) => sliding.compute(samples.subarray(start, start + windowLength), start).norm,
  );
  return { starts, spectrograms };
}

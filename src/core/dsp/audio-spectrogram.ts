/**
 * From an audio message to the classifier's input: resample to the model rate when needed, take the first
 * window (4 s, padded by the preprocessing when shorter), and compute the normalised log-mel. Windows of one
 * stream (same `window.source`, start on the STFT grid) reuse each other's frames. Remembers at most
 * `maxStreams` streams, dropping the least recently used.
 */
import { createResamplerCache } from '../audio/resample';
import type { ParsedAudio } from '../audio/message';
import {
  createMelFrameComputer,
  createMelSpectrogram,
  createSlidingMelSpectrogram,
  DEFAULT_MEL_SETTINGS,
  MelSettings,
  MelSpectrogram,
  SlidingMelSpectrogram,
} from './mel';

/** Computes spectrograms of audio messages. */
export interface AudioSpectrogramComputer {
  compute(audio: ParsedAudio): MelSpectrogram;
}

/** Creates the computer (one per node). */
export function createAudioSpectrogramComputer(
  settings: MelSettings = DEFAULT_MEL_SETTINGS,
  maxStreams = 8,
): AudioSpectrogramComputer {
  const resamplers = createResamplerCache(settings.sampleRate);
  const streams = new Map<string, SlidingMelSpectrogram>();
  // One window, filter bank and FFT plan for every stream this computer sees.
  const computeFrame = createMelFrameComputer(settings);
  const single = createMelSpectrogram(settings, computeFrame);
  const windowLength = settings.frames * settings.hopLength - settings.hopLength;
  return {
    compute(audio) {
      let samples = audio.samples;
      let startSample = audio.window?.startSample;
      if (audio.sampleRate !== settings.sampleRate) {
        samples = resamplers.resample(samples, audio.sampleRate);
        startSample = undefined;
      }
      const window = samples.length > windowLength ? samples.subarray(0, windowLength) : samples;
      if (!audio.window || startSample === undefined) return single(window);
      let sliding = streams.get(audio.window.source);
      if (sliding) streams.delete(audio.window.source);
      else sliding = createSlidingMelSpectrogram(settings, computeFrame);
      streams.set(audio.window.source, sliding);
      if (streams.size > maxStreams) streams.delete(streams.keys().next().value as string);
      return sliding.compute(window, startSample);
    },
  };
}

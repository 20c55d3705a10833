/**
 * From an audio message to the classifier's input: resample to the model rate when needed, take the first
 * window (4 s, padded by the preprocessing when shorter), and compute the normalised log-mel. Windows of one
 * stream (same `window.source`, start on the STFT grid) reuse each other's frames. Remembers at most
 * `maxStreams` streams, dropping the least recently used.
 */
import { createResampler, Resampler } from '../audio/resample';
import type { ParsedAudio } from '../audio/message';
import {
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
  /** Frames reused from earlier windows / computed, over all streams. */
  stats(): { reused: number; computed: number };
}

/** Creates the computer (one per node). */
export function createAudioSpectrogramComputer(
  settings: MelSettings = DEFAULT_MEL_SETTINGS,
  maxStreams = 8,
): AudioSpectrogramComputer {
  const resamplers = new Map<number, Resampler>();
  const streams = new Map<string, SlidingMelSpectrogram>();
  const single = createMelSpectrogram(settings);
  const windowLength = settings.frames * settings.hopLength - settings.hopLength;
  const totals = { reused: 0, computed: 0 };
  return {
    compute(audio) {
      let samples = audio.samples;
      let startSample = audio.window?.startSample;
      if (audio.sampleRate !== settings.sampleRate) {
        let resampler = resamplers.get(audio.sampleRate);
        if (!resampler) {
          resampler = createResampler({ fromRate: audio.sampleRate, toRate: settings.sampleRate });
          resamplers.set(audio.sampleRate, resampler);
        }
        samples = resampler(samples);
        startSample = undefined;
      }
      const window = samples.length > windowLength ? samples.subarray(0, windowLength) : samples;
      if (!audio.window || startSample === undefined) {
        totals.computed += settings.frames;
        return single(window);
      }
      let sliding = streams.get(audio.window.source);
      if (sliding) streams.delete(audio.window.source);
      else sliding = createSlidingMelSpectrogram(settings);
      streams.set(audio.window.source, sliding);
      if (streams.size > maxStreams) streams.delete(streams.keys().next().value as string);
      const before = { ...sliding.counters };
      const result = sliding.compute(window, startSample);
      totals.reused += sliding.counters.reused - before.reused;
      totals.computed += sliding.counters.computed - before.computed;
      return result;
    },
    stats: () => ({ ...totals }),
  };
}

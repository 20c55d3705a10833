/** The built-in Cry Baby CNN behind the `CryModel` interface: librosa log-mel windows of 4 s at a 1 s hop. */
import { createSlidingMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../dsp/mel';
import { createCryClassifier, defaultModelDir } from './classifier';
import type { CryModel, CryModelInfo } from './cry-model';
import type { BackendName } from './tf';
import { windowStarts } from './windows';

const BATCH = 32;

/** The CNN, plus the spectrogram path that `cry mel` → `cry classifier` flows use. */
export interface CnnCryModel extends CryModel {
  /**
   * p(cry) of one normalised log-mel window computed elsewhere (by `cry mel`); `shape` is what the message says
   * it is, checked against the model's input.
   */
  classifySpectrogram(
    spectrogram: Float32Array,
    shape?: { nMels?: unknown; frames?: unknown },
  ): Promise<number>;
}

/** Creates the CNN model for `modelDir` (the shipped one by default). */
export function createCnnCryModel(
  modelDir = defaultModelDir(),
  options: { backend?: BackendName } = {},
): CnnCryModel {
  const classifier = createCryClassifier(modelDir, options);
  let info: Promise<CryModelInfo> | undefined;
  const ensureLoaded = () =>
    (info ??= classifier.ensureLoaded().then((loaded) => {
      const settings = loaded.metadata.preprocessing;
      const metadata = loaded.metadata as typeof loaded.metadata & { detection?: CryModelInfo['detection'] };
      return {
        name: 'cry-baby-cnn' as const,
        id: loaded.metadata.name,
        source: loaded.modelDir,
        description: `Cry Baby CNN (${loaded.metadata.name}), trained on the Cry Baby pool`,
        windowSamples: settings.frames * settings.hopLength - settings.hopLength,
        hopSamples: DEFAULT_MEL_SETTINGS.sampleRate,
        threshold: loaded.metadata.threshold,
        detection: metadata.detection,
        backend: loaded.backend,
        backendNotes: loaded.backendNotes,
      };
    }));
  return {
    ensureLoaded,
    async analyze(samples, onProgress) {
      const { windowSamples } = await ensureLoaded();
      // A batch of spectrograms at a time, so that memory stays flat however long the recording is.
      const starts = windowStarts(samples.length, DEFAULT_MEL_SETTINGS, 1);
      const sliding = createSlidingMelSpectrogram(DEFAULT_MEL_SETTINGS);
      const verdicts: { startSample: number; probability: number }[] = [];
      for (let b = 0; b < starts.length; b += BATCH) {
        const batch = starts.slice(b, b + BATCH);
        const spectrograms = batch.map(
          (start) => sliding.compute(samples.subarray(start, start + windowSamples), start).norm,
        );
        const probabilities = await classifier.predict(spectrograms);
        batch.forEach((startSample, i) => verdicts.push({ startSample, probability: probabilities[i] }));
        onProgress?.(Math.min(1, (b + BATCH) / starts.length));
      }
      return verdicts;
    },
    async classifySpectrogram(spectrogram, shape) {
      const { nMels: mels, frames } = (await classifier.ensureLoaded()).metadata.preprocessing;
      if (
        shape &&
        (shape.nMels !== mels || shape.frames !== frames || spectrogram.length !== mels * frames)
      ) {
        throw new Error(
          `expected a ${mels} x ${frames} log-mel spectrogram, got ${String(shape.nMels)} x ${String(shape.frames)} (${spectrogram.length} values)`,
        );
      }
      if (!spectrogram.every(Number.isFinite))
        throw new Error('the spectrogram holds NaN or infinite values');
      const [probability] = await classifier.predict([spectrogram]);
      return probability;
    },
    dispose() {
      classifier.dispose();
    },
  };
}

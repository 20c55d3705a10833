/** The built-in Cry Baby CNN behind the `CryModel` interface: librosa log-mel windows of 4 s at a 1 s hop. */
import { DEFAULT_MEL_SETTINGS } from '../dsp/mel';
import { createCryClassifier, defaultModelDir } from './classifier';
import type { CryModel, CryModelInfo } from './cry-model';
import type { BackendName } from './tf';
import { recordingSpectrograms } from './windows';

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
      await ensureLoaded();
      const { starts, spectrograms } = recordingSpectrograms(samples, 1);
      const probabilities: number[] = [];
      for (let b = 0; b < spectrograms.length; b += BATCH) {
        probabilities.push(...(await classifier.predict(spectrograms.slice(b, b + BATCH))));
        onProgress?.(Math.min(1, (b + BATCH) / spectrograms.length));
      }
      return starts.map((startSample, i) => ({ startSample, probability: probabilities[i] }));
    },
    async classifySpectrogram(spectrogram, shape) {
      const [mels, frames] = (await classifier.ensureLoaded()).metadata.inputShape;
      if (
        shape &&
        (shape.nMels !== mels || shape.frames !== frames || spectrogram.length !== mels * frames)
      ) {
        throw new Error(
          `expected a ${mels} x ${frames} log-mel spectrogram, got ${String(shape.nMels)} x ${String(shape.frames)} (${spectrogram.length} values)`,
        );
      }
      const [probability] = await classifier.predict([spectrogram]);
      return probability;
    },
    dispose() {
      classifier.dispose();
    },
  };
}

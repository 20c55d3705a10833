/**
 * The cry classifier behind a small interface (`ensureLoaded`, `predict`, `dispose`), in the manner of
 * tfjs-models' speech-commands recogniser: the model is loaded once, its input shape is checked against
 * `metadata.json`, and every tensor made for a prediction is disposed before `predict` resolves.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ensureTf, BackendName, TfRuntime } from './tf';
import { loadLayersModel } from './storage';
import { createModelInput } from './input-bands';
import { parseModelMetadata, ModelMetadata } from './metadata';

/** What a loaded classifier reports about itself. */
export interface ClassifierInfo {
  readonly modelDir: string;
  readonly metadata: ModelMetadata;
  readonly backend: BackendName;
  readonly backendNotes: readonly string[];
}

/** Turns normalised log-mel spectrograms into crying probabilities. */
export interface CryClassifier {
  /** Loads TensorFlow.js, the model and its metadata (once; later calls return the same promise). */
  ensureLoaded(): Promise<ClassifierInfo>;
  /**
   * Probabilities (0..1) for a batch of normalised log-mels, each nMels x frames of the model's preprocessing,
   * row-major (a channel-blind model keeps only its lowest bands, see input-bands.ts).
   */
  predict(spectrograms: readonly Float32Array[]): Promise<number[]>;
  dispose(): void;
}

/** The folder of a shipped model (`models/<name>` of this package): the CNN's by default. */
export function defaultModelDir(name = 'cry-baby'): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'models', name);
    if (fs.existsSync(path.join(candidate, 'metadata.json'))) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..', '..', '..', 'models', name);
}

/** Creates a classifier for the model in `modelDir` (nothing is loaded until `ensureLoaded`). */
export function createCryClassifier(
  modelDir: string,
  options: { backend?: BackendName } = {},
): CryClassifier {
  let loading:
    | Promise<{
        info: ClassifierInfo;
        model: tfl.LayersModel;
        runtime: TfRuntime;
        toInput: (spectrogram: Float32Array) => Float32Array;
      }>
    | undefined;
  let disposed = false;
  const load = async () => {
    const metadataPath = path.join(modelDir, 'metadata.json');
    if (!fs.existsSync(metadataPath)) throw new Error(`no metadata.json in model folder ${modelDir}`);
    const metadata = parseModelMetadata(JSON.parse(fs.readFileSync(metadataPath, 'utf8')), metadataPath);
    const runtime = await ensureTf(options.backend);
    const model = await loadLayersModel(modelDir);
    const declared = model.inputs[0].shape.slice(1);
    if (declared.join('x') !== metadata.inputShape.join('x')) {
      model.dispose();
      throw new Error(
        `model input shape [${declared.join(', ')}] does not match metadata.json inputShape [${metadata.inputShape.join(', ')}]`,
      );
    }
    const { nMels, frames, keptBands } = metadata.preprocessing;
    return {
      info: { modelDir, metadata, backend: runtime.backend, backendNotes: runtime.notes },
      model,
      runtime,
      toInput: createModelInput(nMels, frames, keptBands),
    };
  };
  const loaded = () => {
    if (disposed) return Promise.reject(new Error('classifier was disposed'));
    loading ??= load();
    return loading;
  };
  return {
    async ensureLoaded() {
      return (await loaded()).info;
    },
    async predict(spectrograms) {
      const { info, model, runtime, toInput } = await loaded();
      if (spectrograms.length === 0) return [];
      const { nMels, frames: spectrogramFrames } = info.metadata.preprocessing;
      const [mels, frames, channels] = info.metadata.inputShape;
      const size = mels * frames * channels;
      for (const spectrogram of spectrograms) {
        if (spectrogram.length !== nMels * spectrogramFrames) {
          throw new Error(
            `expected a ${nMels} x ${spectrogramFrames} spectrogram (${nMels * spectrogramFrames} values), got ${spectrogram.length} values`,
          );
        }
      }
      const inputs = spectrograms.map(toInput);
      // The live path predicts one window a second: hand that window to the tensor without a joined copy.
      let joined = inputs[0];
      if (inputs.length > 1) {
        joined = new Float32Array(size * inputs.length);
        inputs.forEach((input, i) => joined.set(input, i * size));
      }
      const tf = runtime.tf;
      const output = tf.tidy(
        () =>
          model.predict(tf.tensor4d(joined, [spectrograms.length, mels, frames, channels])) as ReturnType<
            typeof tf.tensor
          >,
      );
      try {
        return Array.from(await output.data());
      } finally {
        output.dispose();
      }
    },
    dispose() {
      disposed = true;
      void loading?.then(({ model }) => model.dispose()).catch(() => undefined);
    },
  };
}

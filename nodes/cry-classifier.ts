/**
 * cry-classifier: log-mel spectrogram (from cry-mel) or raw audio in, crying probability out. The model loads
 * once per Node-RED process and is shared by every node that names the same model folder.
 */
import * as path from 'path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { audioFieldsOf, parseAudioMessage, AudioMessageFields, WindowInfo } from '../src/core/audio/message';
import { createAudioSpectrogramComputer } from '../src/core/dsp/audio-spectrogram';
import { defaultModelDir } from '../src/core/model/classifier';
import { createClassifierRegistry } from '../src/node-red/classifier-registry';
import { createStatusReporter, errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryClassifierConfig extends NodeDef {
  modelDir?: string;
  threshold?: string | number;
}

type ClassifierMessage = NodeMessageInFlow &
  AudioMessageFields & {
    spectrogram?: { nMels?: unknown; frames?: unknown };
    cry?: unknown;
    window?: WindowInfo;
  };

export = (RED: NodeAPI): void => {
  const registry = createClassifierRegistry();

  function CryClassifierNode(this: Node, config: CryClassifierConfig): void {
    RED.nodes.createNode(this, config);
    const configuredThreshold =
      config.threshold === undefined || config.threshold === '' ? undefined : Number(config.threshold);
    if (configuredThreshold !== undefined && !(configuredThreshold > 0 && configuredThreshold < 1)) {
      reportConfigError(this, `threshold must be between 0 and 1, got ${config.threshold}`);
      return;
    }
    const modelDir = config.modelDir?.trim() ? path.resolve(config.modelDir.trim()) : defaultModelDir();
    const status = createStatusReporter(this);
    const classifier = registry.acquire(modelDir);
    const spectrograms = createAudioSpectrogramComputer();
    status.starting('loading model');
    const ready = classifier.ensureLoaded();
    ready.then(
      (info) => {
        status.ok(`ready (${info.backend} backend)`);
        this.log(
          `model ${info.modelDir} loaded on the TensorFlow.js ${info.backend} backend${info.backendNotes.length ? ` (${info.backendNotes.join('; ')})` : ''}`,
        );
      },
      (error) => {
        const message = `cannot load the model: ${errorMessage(error)}`;
        status.error(message);
        this.error(message);
      },
    );

    this.on('input', (msg: ClassifierMessage, send, done) => {
      ready
        .then(async (info) => {
          const [mels, frames] = info.metadata.inputShape;
          let input: Float32Array;
          if (msg.payload instanceof Float32Array && msg.spectrogram) {
            if (
              msg.spectrogram.nMels !== mels ||
              msg.spectrogram.frames !== frames ||
              msg.payload.length !== mels * frames
            ) {
              throw new Error(
                `expected a ${mels} x ${frames} log-mel spectrogram, got ${String(msg.spectrogram.nMels)} x ${String(msg.spectrogram.frames)} (${msg.payload.length} values)`,
              );
            }
            input = msg.payload;
          } else {
            input = spectrograms.compute(parseAudioMessage(msg)).norm;
            (msg as ClassifierMessage & Record<string, unknown>).audio = audioFieldsOf(msg);
          }
          const [probability] = await classifier.predict([input]);
          const threshold = configuredThreshold ?? info.metadata.threshold;
          const crying = probability >= threshold;
          const out = msg as ClassifierMessage & Record<string, unknown>;
          out.payload = probability;
          out.cry = {
            probability,
            crying,
            threshold,
            model: info.metadata.name,
            backend: info.backend,
            windowStart: msg.window?.startTime ?? new Date().toISOString(),
            source: msg.window?.source,
          };
          if (crying) status.crying(`crying ${probability.toFixed(2)}`);
          else status.ok(`quiet ${probability.toFixed(2)} (${info.backend})`);
          send(out);
          done();
        })
        .catch((error) => failInput(status, done, error));
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      registry.release(modelDir);
      status.clear();
      done();
    });
  }
  RED.nodes.registerType('cry-classifier', CryClassifierNode);
};

/**
 * cry-classifier: audio windows (or cry-mel spectrograms) in, crying verdicts out. The model is YAMNet when its
 * file is installed (downloaded once on first use unless that is turned off), else the built-in Cry Baby CNN; it
 * loads once per Node-RED process and is shared by every node that uses the same file or folder. YAMNet's windows
 * are its own (0.975 s every 0.48 s): a 4 s capture window every second gives about two verdicts, each a message.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { audioFieldsOf, parseAudioMessage, AudioMessageFields, WindowInfo } from '../src/core/audio/message';
import { createResamplerCache } from '../src/core/audio/resample';
import { createAudioSpectrogramComputer } from '../src/core/dsp/audio-spectrogram';
import type { CnnCryModel } from '../src/core/model/cnn-model';
import { MODEL_SAMPLE_RATE, CryModel, CryModelInfo, CryVerdict } from '../src/core/model/cry-model';
import { parseModelChoice, resolveModel, ModelChoice, ResolvedModel } from '../src/core/model/select';
import { createStreamWindowPlanner, StreamWindowPlanner } from '../src/core/model/stream-windows';
import { userDirModelDir } from '../src/core/model/yamnet/fetch';
import { createClassifierRegistry } from '../src/node-red/classifier-registry';
import { createStatusReporter, errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryClassifierConfig extends NodeDef {
  model?: string;
  modelDir?: string;
  yamnetFile?: string;
  download?: boolean | string;
  threshold?: string | number;
}

type ClassifierMessage = NodeMessageInFlow &
  AudioMessageFields & {
    spectrogram?: { nMels?: unknown; frames?: unknown };
    cry?: unknown;
    window?: WindowInfo;
  };

/** The model a node is using right now. */
interface Active {
  readonly resolved: ResolvedModel;
  readonly model: CryModel;
  readonly ready: Promise<CryModelInfo>;
  /** Set once the model's window and hop are known. */
  planner: StreamWindowPlanner;
}

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
    let choice: ModelChoice;
    try {
      // A model folder without a model choice is a CNN folder (flows made before YAMNet).
      choice = config.model
        ? parseModelChoice(config.model)
        : config.modelDir?.trim()
          ? 'cry-baby-cnn'
          : 'auto';
    } catch (error) {
      reportConfigError(this, errorMessage(error));
      return;
    }
    const userDir = (RED.settings as { userDir?: string }).userDir;
    const download = config.download !== false && config.download !== 'false';
    const lookup = { yamnetFile: config.yamnetFile, userDir, cnnDir: config.modelDir };
    const status = createStatusReporter(this);
    const spectrograms = createAudioSpectrogramComputer();
    const resamplers = createResamplerCache(MODEL_SAMPLE_RATE);
    let closed = false;
    let note = '';
    let active: Active | undefined;

    const activate = (resolved: ResolvedModel) => {
      const previous = active;
      const model = registry.acquire(resolved);
      const ready = model.ensureLoaded();
      active = { resolved, model, ready, planner: createStreamWindowPlanner(1, 1) };
      const current = active;
      if (previous) registry.release(previous.resolved);
      status.starting(`loading ${resolved.name}`);
      ready.then(
        (info) => {
          if (active !== current) return;
          current.planner = createStreamWindowPlanner(info.windowSamples, info.hopSamples);
          status.ok(`ready: ${info.name} (${info.backend})${note}`);
          this.log(
            `model ${info.name} (${info.source}) on the TensorFlow.js ${info.backend} backend${info.backendNotes.length ? ` (${info.backendNotes.join('; ')})` : ''}`,
          );
        },
        (error) => {
          const message = `cannot load the model (${resolved.name}): ${errorMessage(error)}`;
          status.error(message);
          this.error(message);
        },
      );
    };

    const resolved = resolveModel(choice, lookup);
    if (resolved.yamnetMissing) {
      if (download && userDir) {
        note = '; YAMNet downloading';
        const dir = userDirModelDir(userDir);
        const pending = registry.download(dir);
        pending.result.then(
          () => {
            pending.cancel();
            if (closed) return;
            note = '';
            this.log(`YAMNet downloaded into ${dir}`);
            activate(resolveModel(choice, lookup));
          },
          (error) => {
            pending.cancel();
            if (closed) return;
            note = '; YAMNet not installed';
            const message = `YAMNet download failed (${errorMessage(error)}): using the Cry Baby CNN; place the file in ${dir} or run 'cry-baby models fetch yamnet'`;
            this.warn(message);
            status.starting(`CNN: YAMNet download failed`);
          },
        );
        this.on('close', () => pending.cancel());
      } else {
        note = '; YAMNet not installed';
        this.log(
          `YAMNet is not installed (looked in ${resolved.yamnetMissing.looked.join(', ')}): using the Cry Baby CNN`,
        );
      }
    }
    activate(resolved);

    const samplesAt16k = (
      msg: ClassifierMessage,
    ): { samples: Float32Array; startSample?: number; source?: string } => {
      const audio = parseAudioMessage(msg);
      if (audio.sampleRate === MODEL_SAMPLE_RATE) {
        return {
          samples: audio.samples,
          startSample: audio.window?.startSample,
          source: audio.window?.source,
        };
      }
      const startSample = audio.window
        ? Math.round((audio.window.startSample * MODEL_SAMPLE_RATE) / audio.sampleRate)
        : undefined;
      return {
        samples: resamplers.resample(audio.samples, audio.sampleRate),
        startSample,
        source: audio.window?.source,
      };
    };

    this.on('input', (msg: ClassifierMessage, send, done) => {
      const current = active!;
      current.ready
        .then(async (info) => {
          const threshold = configuredThreshold ?? info.threshold;
          const verdicts: { verdict: CryVerdict; offsetSeconds: number }[] = [];
          const out = msg as ClassifierMessage & Record<string, unknown>;
          const kept = (msg as { audio?: AudioMessageFields }).audio;
          const spectrogramInput = msg.payload instanceof Float32Array && msg.spectrogram !== undefined;
          if (spectrogramInput && info.name !== 'cry-baby-cnn') {
            // YAMNet makes its own log-mel: after a cry mel node (flows made for the CNN) it takes the audio that
            // cry mel keeps on msg.audio.
            if (!kept) {
              throw new Error(
                `a cry-mel spectrogram is input for the Cry Baby CNN; ${info.name} takes the audio window itself`,
              );
            }
            Object.assign(msg, kept);
            delete msg.spectrogram;
          }
          if (msg.payload instanceof Float32Array && msg.spectrogram) {
            const probability = await (current.model as CnnCryModel).classifySpectrogram(
              msg.payload,
              msg.spectrogram,
            );
            verdicts.push({ verdict: { startSample: 0, probability }, offsetSeconds: 0 });
          } else if (info.name === 'cry-baby-cnn') {
            // The CNN's window is the capture window: the sliding spectrogram reuses the frames it shares.
            const probability = await (current.model as CnnCryModel).classifySpectrogram(
              spectrograms.compute(parseAudioMessage(msg)).norm,
            );
            out.audio = audioFieldsOf(msg);
            verdicts.push({ verdict: { startSample: 0, probability }, offsetSeconds: 0 });
          } else {
            const { samples, startSample, source } = samplesAt16k(msg);
            const offsets =
              source === undefined || startSample === undefined
                ? [0]
                : current.planner.plan(source, startSample, samples.length);
            out.audio = audioFieldsOf(msg);
            if (offsets.length > 0) {
              const first = offsets[0];
              const last = offsets[offsets.length - 1];
              const span = samples.subarray(first, Math.min(samples.length, last + info.windowSamples));
              const all = await current.model.analyze(span);
              for (const verdict of all.slice(0, offsets.length)) {
                verdicts.push({ verdict, offsetSeconds: (first + verdict.startSample) / MODEL_SAMPLE_RATE });
              }
            }
          }
          const windowStart = msg.window?.startTime ? Date.parse(msg.window.startTime) : Date.now();
          for (const { verdict, offsetSeconds } of verdicts) {
            const crying = verdict.probability >= threshold;
            const startTime = new Date(
              (Number.isFinite(windowStart) ? windowStart : Date.now()) + offsetSeconds * 1000,
            ).toISOString();
            const message =
              verdicts.length === 1
                ? out
                : {
                    ...out,
                    window: msg.window
                      ? { ...msg.window, startTime, startSeconds: msg.window.startSeconds + offsetSeconds }
                      : undefined,
                  };
            message.payload = verdict.probability;
            message.cry = {
              probability: verdict.probability,
              crying,
              threshold,
              model: info.id,
              backend: info.backend,
              windowStart: startTime,
              windowSeconds: info.windowSamples / MODEL_SAMPLE_RATE,
              ...(info.detection ? { detection: info.detection } : {}),
              source: msg.window?.source,
              ...(verdict.scores ? { scores: verdict.scores } : {}),
              ...(verdict.top ? { top: verdict.top } : {}),
            };
            send(message);
          }
          const latest = verdicts[verdicts.length - 1]?.verdict.probability;
          if (latest !== undefined) {
            if (latest >= threshold) status.crying(`crying ${latest.toFixed(2)} (${info.name})`);
            else status.ok(`quiet ${latest.toFixed(2)} (${info.name}, ${info.backend})${note}`);
          }
          done();
        })
        .catch((error) => failInput(status, done, error));
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (active) registry.release(active.resolved);
      active = undefined;
      status.clear();
      done();
    });
  }
  RED.nodes.registerType('cry-classifier', CryClassifierNode);
};

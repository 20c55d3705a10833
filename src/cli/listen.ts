/**
 * `cry-baby listen`: the original program's main job without Node-RED. Captures from the microphone, prints the
 * crying probability every hop, and appends `timestamp,audio_file,probability,model,source` to a CSV.
 */
import { createWindowedCapture } from '../core/capture/windowed-capture';
import { explainMicFailure, MicRecorder, PACKAGE_OF, spawnMicRecorder } from '../core/capture/recorders';
import { createAudioSpectrogramComputer } from '../core/dsp/audio-spectrogram';
import { createCryClassifier, defaultModelDir } from '../core/model/classifier';
import { createCsvLog } from '../core/log/csv';
import { createClipStore } from '../core/log/clips';
import { numberOption, parseArgs } from './args';

/** Runs until SIGINT/SIGTERM (or `--seconds`); resolves to the exit code. */
export async function runListen(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const args = parseArgs(argv);
  const recorder = String(args.options.recorder ?? 'sox');
  if (recorder !== 'sox' && recorder !== 'rec' && recorder !== 'arecord')
    throw new Error(`--recorder must be sox, rec or arecord, got ${recorder}`);
  const hop = numberOption(args, 'hop', 1);
  const seconds = numberOption(args, 'seconds', 0);
  const device = typeof args.options.device === 'string' ? args.options.device : '';
  const driver = typeof args.options.driver === 'string' ? args.options.driver : '';
  const classifier = createCryClassifier(String(args.options.model ?? defaultModelDir()));
  const info = await classifier.ensureLoaded();
  err(
    `model ${info.modelDir} on the ${info.backend} backend, threshold ${info.metadata.threshold.toFixed(3)}; listening with ${recorder}${device ? ` (${device})` : ''}, hop ${hop} s`,
  );
  const csv =
    typeof args.options.csv === 'string'
      ? createCsvLog({
          file: args.options.csv,
          columns: ['timestamp', 'audio_file', 'probability', 'model', 'source'],
          rotation: 'none',
        })
      : undefined;
  const clips =
    typeof args.options.clips === 'string'
      ? createClipStore({
          folder: args.options.clips,
          mode: 'window',
          preRollSeconds: 0,
          maxAgeDays: 30,
          maxTotalBytes: 2e9,
        })
      : undefined;
  const spectrograms = createAudioSpectrogramComputer();
  let chain: Promise<unknown> = Promise.resolve();
  let failure: string | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const capture = createWindowedCapture({
    name: 'listen',
    spawn: () => spawnMicRecorder({ recorder: recorder as MicRecorder, device, driver, sampleRate: 16000 }),
    program: recorder,
    packageHint: PACKAGE_OF[recorder],
    explain: explainMicFailure,
    sampleRate: 16000,
    windowSeconds: 4,
    hopSeconds: hop,
    onEvent: (event) => {
      if (event.kind === 'restarting')
        err(`${event.reason}; restarting in ${(event.delayMs / 1000).toFixed(1)} s`);
      if (event.kind === 'failed') {
        failure = event.reason;
        finish();
      }
    },
    onWindow: (window) => {
      chain = chain
        .then(async () => {
          const mel = spectrograms.compute({
            samples: window.samples,
            sampleRate: 16000,
            window: window.info,
          });
          const [probability] = await classifier.predict([mel.norm]);
          const crying = probability >= info.metadata.threshold;
          out(`${window.info.startTime}  ${probability.toFixed(3)}${crying ? '  CRYING' : ''}`);
          const time = new Date(window.info.startTime);
          const audioFile = clips
            ? await clips.add({ samples: window.samples, sampleRate: 16000, source: 'listen', time, crying })
            : '';
          await csv?.append(
            {
              timestamp: window.info.startTime,
              audio_file: audioFile,
              probability: probability.toFixed(6),
              model: info.metadata.name,
              source: recorder,
            },
            time,
          );
        })
        .catch((error) => err(`could not log: ${(error as Error).message}`));
    },
  });
  const stop = () => finish();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = seconds > 0 ? setTimeout(stop, seconds * 1000) : undefined;
  capture.start();
  await finished;
  if (timer) clearTimeout(timer);
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  await capture.stop();
  await chain;
  await clips?.close();
  classifier.dispose();
  if (failure) {
    err(failure);
    return 1;
  }
  return 0;
}

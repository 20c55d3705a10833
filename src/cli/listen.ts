/**
 * `cry-baby listen`: the original program's main job without Node-RED. Captures from the microphone, prints the
 * crying probability every hop, and appends `timestamp,audio_file,probability,model,source` to a CSV.
 */
import { createWindowedCapture } from '../core/capture/windowed-capture';
import { explainMicFailure, MicRecorder, PACKAGE_OF, spawnMicRecorder } from '../core/capture/recorders';
import { createStreamWindowPlanner } from '../core/model/stream-windows';
import { createCsvLog } from '../core/log/csv';
import { createClipStore } from '../core/log/clips';
import { numberOption, parseArgs } from './args';
import { describe, modelFromArgs } from './model-args';

/** Runs until SIGINT/SIGTERM (or `--seconds`); resolves to the exit code. */
export async function runListen(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const args = parseArgs(
    argv,
    [],
    ['recorder', 'hop', 'seconds', 'device', 'driver', 'csv', 'clips', 'model', 'yamnet-file', 'backend'],
  );
  const recorder = String(args.options.recorder ?? 'sox');
  if (recorder !== 'sox' && recorder !== 'rec' && recorder !== 'arecord')
    throw new Error(`--recorder must be sox, rec or arecord, got ${recorder}`);
  const hop = numberOption(args, 'hop', 1);
  const seconds = numberOption(args, 'seconds', 0);
  const device = typeof args.options.device === 'string' ? args.options.device : '';
  const driver = typeof args.options.driver === 'string' ? args.options.driver : '';
  const model = modelFromArgs(args);
  const info = await model.ensureLoaded();
  err(`${describe(info)}; listening with ${recorder}${device ? ` (${device})` : ''}, hop ${hop} s`);
  const planner = createStreamWindowPlanner(info.windowSamples, info.hopSamples);
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
          const offsets = planner.plan(window.info.source, window.info.startSample, window.samples.length);
          if (offsets.length === 0) return;
          const span = window.samples.subarray(offsets[0], offsets[offsets.length - 1] + info.windowSamples);
          const verdicts = (await model.analyze(span)).slice(0, offsets.length);
          const probability = Math.max(...verdicts.map((verdict) => verdict.probability));
          const crying = probability >= info.threshold;
          const best = verdicts.find((verdict) => verdict.probability === probability)?.top?.[0];
          out(
            `${window.info.startTime}  ${probability.toFixed(3)}${crying ? '  CRYING' : ''}${best ? `  (${best.label} ${best.score.toFixed(2)})` : ''}`,
          );
          const time = new Date(window.info.startTime);
          const audioFile = clips
            ? await clips.add({ samples: window.samples, sampleRate: 16000, source: 'listen', time, crying })
            : '';
          await csv?.append(
            {
              timestamp: window.info.startTime,
              audio_file: audioFile,
              probability: probability.toFixed(6),
              model: info.id,
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
  model.dispose();
  if (failure) {
    err(failure);
    return 1;
  }
  return 0;
}

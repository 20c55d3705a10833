/**
 * cry-file: replays a WAV file (or a folder of audio files) as the audio messages of the live sources, either
 * as fast as the flow finishes them (one window in flight at a time) or in real time.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { listAudioFiles, readAudioAt } from '../src/core/audio/file-source';
import { streamId } from '../src/core/audio/message';
import { windowMessage } from '../src/node-red/capture-node';
import { DEFAULT_MEL_SETTINGS } from '../src/core/dsp/mel';
import { windowStarts } from '../src/core/model/windows';
import { createCompletionTracker } from '../src/node-red/completion-tracker';
import { createStatusReporter, errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryFileConfig extends NodeDef {
  path?: string;
  mode?: string;
  hop?: string | number;
}

export = (RED: NodeAPI): void => {
  function CryFileNode(this: Node, config: CryFileConfig): void {
    RED.nodes.createNode(this, config);
    const mode = config.mode === 'realtime' ? 'realtime' : 'fast';
    const hopSeconds = Number(config.hop ?? 1);
    if (!(hopSeconds >= 0.1 && hopSeconds <= 4)) {
      reportConfigError(this, `hop must be between 0.1 and 4 s, got ${config.hop}`);
      return;
    }
    const status = createStatusReporter(this);
    const tracker = createCompletionTracker(RED, this.id);
    const rate = DEFAULT_MEL_SETTINGS.sampleRate;
    const windowLength =
      DEFAULT_MEL_SETTINGS.frames * DEFAULT_MEL_SETTINGS.hopLength - DEFAULT_MEL_SETTINGS.hopLength;
    let run = 0;
    // Every file replayed gets its own stream id, so no spectrogram frame of one recording serves another.
    let streams = 0;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    status.stopped('idle');

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, ms);
      });
    const stop = () => {
      run++;
      if (timer) clearTimeout(timer);
      wake?.();
    };

    const replay = async (target: string, myRun: number, trigger: NodeMessageInFlow) => {
      const files = listAudioFiles(target);
      const startedAt = Date.now();
      // In fast mode, time runs on through the files as if they were one recording.
      let elapsedSeconds = 0;
      let sent = 0;
      for (const [fileIndex, file] of files.entries()) {
        if (myRun !== run) return;
        status.starting(`reading ${fileIndex + 1}/${files.length}`);
        const samples = await readAudioAt(file, rate);
        const stream = streamId(this.id, streams++);
        const fileStart = Date.now();
        for (const start of windowStarts(samples.length, DEFAULT_MEL_SETTINGS, hopSeconds)) {
          if (myRun !== run) return;
          if (mode === 'realtime') {
            const due = fileStart + ((start + windowLength) / rate) * 1000 - Date.now();
            if (due > 0) await pause(due);
            if (myRun !== run) return;
          }
          const msgid = RED.util.generateId();
          const startSeconds = start / rate;
          const window = {
            samples: samples.subarray(start, start + windowLength),
            info: {
              source: stream,
              startSample: start,
              sampleRate: rate,
              startSeconds,
              startTime: new Date(
                (mode === 'realtime' ? fileStart : startedAt + elapsedSeconds * 1000) + startSeconds * 1000,
              ).toISOString(),
            },
          };
          const msg = {
            _msgid: msgid,
            ...windowMessage(window, trigger.topic ?? this.name ?? 'cry-file'),
            file,
          };
          tracker.track(msgid);
          this.send([msg as unknown as NodeMessageInFlow, null]);
          sent++;
          status.ok(`${mode}: file ${fileIndex + 1}/${files.length}, ${sent} windows`);
          if (mode === 'fast') {
            const outcome = await tracker.whenDone(msgid, 60000);
            if (outcome === 'timeout')
              this.warn(`the flow did not finish window ${sent} within 60 s; going on`);
          }
        }
        elapsedSeconds += samples.length / rate;
      }
      if (myRun !== run) return;
      status.stopped(`done: ${files.length} file${files.length === 1 ? '' : 's'}, ${sent} windows`);
      this.send([null, { ...trigger, payload: 'complete', files, windows: sent } as NodeMessageInFlow]);
    };

    this.on('input', (msg: NodeMessageInFlow & { filename?: unknown }, _send, done) => {
      if (msg.payload === 'stop') {
        stop();
        status.stopped('stopped');
        return done();
      }
      const target =
        typeof msg.filename === 'string' && msg.filename ? msg.filename : (config.path ?? '').trim();
      if (!target)
        return failInput(
          status,
          done,
          new Error('no file or folder: set one in the node or in msg.filename'),
        );
      stop();
      const myRun = run;
      replay(target, myRun, msg).then(
        () => done(),
        (error) => failInput(status, done, new Error(`cannot replay ${target}: ${errorMessage(error)}`)),
      );
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      stop();
      tracker.dispose();
      status.clear();
      done();
    });
  }
  RED.nodes.registerType('cry-file', CryFileNode);
};

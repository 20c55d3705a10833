/**
 * A supervised recorder whose PCM is cut into sliding windows. After a restart the stream starts afresh (a new
 * `source` generation, so no spectrogram frame is reused across the gap).
 */
import { createFramer, Framer } from '../audio/framer';
import { streamId, WindowInfo } from '../audio/message';
import { pcm16ToFloat32 } from '../audio/pcm';
import { createSupervisedCapture, CaptureEvent, SpawnedRecorder, SupervisedCapture } from './supervisor';

/** One window ready to be sent. */
export interface CapturedWindow {
  readonly samples: Float32Array;
  readonly info: WindowInfo;
}

/** Settings of a windowed capture. */
export interface WindowedCaptureSettings {
  readonly name: string;
  readonly spawn: () => SpawnedRecorder;
  readonly program: string;
  readonly packageHint: string;
  readonly explain?: (stderr: string) => string | undefined;
  readonly sampleRate: number;
  readonly windowSeconds: number;
  readonly hopSeconds: number;
  readonly noDataTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onWindow: (window: CapturedWindow) => void;
  readonly onEvent: (event: CaptureEvent) => void;
  readonly now?: () => number;
}

/** Creates a windowed capture (not started). */
export function createWindowedCapture(settings: WindowedCaptureSettings): SupervisedCapture {
  const now = settings.now ?? Date.now;
  const newFramer = (): Framer =>
    createFramer({
      sampleRate: settings.sampleRate,
      windowSeconds: settings.windowSeconds,
      hopSeconds: settings.hopSeconds,
    });
  let framer = newFramer();
  let generation = 0;
  let streamStart = 0;
  let leftover: Buffer | undefined;
  let scratch = new Float32Array(0);
  const reset = () => {
    framer = newFramer();
    generation++;
    streamStart = 0;
    leftover = undefined;
  };
  return createSupervisedCapture({
    spawn: settings.spawn,
    program: settings.program,
    packageHint: settings.packageHint,
    explain: settings.explain,
    noDataTimeoutMs: settings.noDataTimeoutMs,
    initialBackoffMs: settings.initialBackoffMs,
    maxBackoffMs: settings.maxBackoffMs,
    onEvent: (event) => {
      if (event.kind === 'starting') reset();
      settings.onEvent(event);
    },
    onData: (chunk) => {
      let bytes = leftover ? Buffer.concat([leftover, chunk]) : chunk;
      if (bytes.length % 2) {
        leftover = bytes.subarray(bytes.length - 1);
        bytes = bytes.subarray(0, bytes.length - 1);
      } else leftover = undefined;
      if (bytes.length === 0) return;
      // The framer copies each chunk, so one conversion buffer (grown to the largest chunk) serves them all.
      if (scratch.length < bytes.length / 2) scratch = new Float32Array(bytes.length / 2);
      const samples = pcm16ToFloat32(bytes, scratch);
      const count = samples.length;
      if (!streamStart) streamStart = now() - (count / settings.sampleRate) * 1000;
      for (const window of framer.push(samples)) {
        const startSeconds = window.startSample / settings.sampleRate;
        settings.onWindow({
          samples: window.samples,
          info: {
            source: streamId(settings.name, generation),
            startSample: window.startSample,
            sampleRate: settings.sampleRate,
            startSeconds,
            startTime: new Date(streamStart + startSeconds * 1000).toISOString(),
          },
        });
      }
    },
  });
}

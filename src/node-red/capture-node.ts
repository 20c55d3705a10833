/**
 * The Node-RED side shared by the live audio sources (cry-mic, cry-stream): start on deploy or on "start",
 * stop on "stop", one audio message per window, status for every watchdog event, and the recorder process
 * gone before `close` completes.
 */
import type { Node, NodeMessageInFlow } from 'node-red';
import { describeValue } from '../core/describe';
import { float32ToPcm16 } from '../core/audio/pcm';
import type { CaptureEvent, SupervisedCapture } from '../core/capture/supervisor';
import type { CapturedWindow } from '../core/capture/windowed-capture';
import { createStatusReporter, failInput } from './status';

/** What a capture node needs from its concrete type. */
export interface CaptureNodeWiring {
  readonly node: Node;
  readonly autoStart: boolean;
  readonly describe: string;
  /** Builds the capture, given where windows and events go. */
  readonly create: (
    onWindow: (window: CapturedWindow) => void,
    onEvent: (event: CaptureEvent) => void,
  ) => SupervisedCapture;
}

/** Window, hop and watchdog settings shared by the capture nodes. */
export interface CaptureTiming {
  readonly windowSeconds: number;
  readonly hopSeconds: number;
  readonly noDataTimeoutMs: number;
}

/** Parses and checks a capture node's window, hop and no-data timeout; returns the problem as text. */
export function parseCaptureTiming(
  config: { window?: string | number; hop?: string | number; noDataTimeout?: string | number },
  defaultNoDataSeconds: number,
): CaptureTiming | string {
  const windowSeconds = Number(config.window ?? 4);
  const hopSeconds = Number(config.hop ?? 1);
  const noData = Number(config.noDataTimeout ?? defaultNoDataSeconds);
  if (!(windowSeconds >= 1 && windowSeconds <= 30)) return `window must be 1-30 s, got ${config.window}`;
  if (!(hopSeconds >= 0.1 && hopSeconds <= windowSeconds))
    return `hop must be between 0.1 s and the window, got ${config.hop}`;
  if (!(noData >= 1)) return `no-data timeout must be at least 1 s, got ${config.noDataTimeout}`;
  return { windowSeconds, hopSeconds, noDataTimeoutMs: noData * 1000 };
}

/** Builds the audio message of a window (the project's convention). */
export function windowMessage(window: CapturedWindow, topic: string): Record<string, unknown> {
  return {
    topic,
    payload: float32ToPcm16(window.samples),
    rate: window.info.sampleRate,
    bits: 16,
    channels: 1,
    encoding: 'signed-integer',
    window: window.info,
  };
}

/** Wires a capture to a node. */
export function wireCaptureNode(wiring: CaptureNodeWiring): void {
  const { node } = wiring;
  const status = createStatusReporter(node);
  let lastWarning: string | undefined;
  let commandFailed = false;
  const capture = wiring.create(
    (window) => {
      // A bad command showed red; audio flowing again shows that the node is listening.
      if (commandFailed) {
        commandFailed = false;
        status.ok(`listening (${wiring.describe})`);
      }
      node.send(windowMessage(window, node.name || wiring.describe) as NodeMessageInFlow);
    },
    (event) => {
      switch (event.kind) {
        case 'starting':
          status.starting(event.attempt > 1 ? `restarting (attempt ${event.attempt})` : 'starting');
          break;
        case 'listening':
          lastWarning = undefined;
          status.ok(`listening (${wiring.describe})`);
          break;
        case 'restarting':
          status.starting(`restart in ${(event.delayMs / 1000).toFixed(1)} s: ${event.reason}`);
          // Warn once per kind of failure, not at every retry of a recorder that stays broken for hours.
          if (event.reason !== lastWarning)
            node.warn(`${event.reason}; restarting (retries continue with growing delays up to 30 s)`);
          lastWarning = event.reason;
          break;
        case 'failed':
          status.error(event.reason);
          node.error(event.reason);
          break;
        case 'stopped':
          status.stopped('stopped');
          break;
      }
    },
  );
  if (wiring.autoStart) capture.start();
  else status.stopped('stopped');
  node.on('input', (msg: NodeMessageInFlow, _send, done) => {
    const command = typeof msg.payload === 'string' ? msg.payload.trim().toLowerCase() : msg.payload;
    if (command === 'start' || command === true) {
      capture.start();
      done();
    } else if (command === 'stop' || command === false) {
      capture.stop().then(() => done(), done);
    } else {
      commandFailed = true;
      failInput(
        status,
        done,
        new Error(`expected msg.payload "start" or "stop", got ${describeValue(msg.payload)}`),
      );
    }
  });
  node.on('close', (_removed: boolean, done: () => void) => {
    capture.stop().then(
      () => {
        status.clear();
        done();
      },
      () => done(),
    );
  });
}

/** cry-mic: captures a microphone with node-record-lpcm16 (sox, rec or arecord) and sends sliding windows. */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { createWindowedCapture } from '../src/core/capture/windowed-capture';
import { explainMicFailure, MicRecorder, PACKAGE_OF, spawnMicRecorder } from '../src/core/capture/recorders';
import { wireCaptureNode } from '../src/node-red/capture-node';
import { reportConfigError } from '../src/node-red/status';

interface CryMicConfig extends NodeDef {
  recorder?: string;
  device?: string;
  driver?: string;
  window?: string | number;
  hop?: string | number;
  noDataTimeout?: string | number;
  autoStart?: boolean;
}

interface MicSettings {
  readonly recorder: MicRecorder;
  readonly device: string;
  readonly driver: string;
  readonly windowSeconds: number;
  readonly hopSeconds: number;
  readonly noDataTimeoutMs: number;
  readonly autoStart: boolean;
}

function parseConfig(config: CryMicConfig): MicSettings | string {
  const recorder = config.recorder || 'sox';
  if (recorder !== 'sox' && recorder !== 'rec' && recorder !== 'arecord')
    return `recorder must be sox, rec or arecord, not "${recorder}"`;
  const windowSeconds = Number(config.window ?? 4);
  const hopSeconds = Number(config.hop ?? 1);
  const noData = Number(config.noDataTimeout ?? 5);
  if (!(windowSeconds >= 1 && windowSeconds <= 30)) return `window must be 1-30 s, got ${config.window}`;
  if (!(hopSeconds >= 0.1 && hopSeconds <= windowSeconds))
    return `hop must be between 0.1 s and the window, got ${config.hop}`;
  if (!(noData >= 1)) return `no-data timeout must be at least 1 s, got ${config.noDataTimeout}`;
  return {
    recorder,
    device: (config.device ?? '').trim(),
    driver: (config.driver ?? '').trim(),
    windowSeconds,
    hopSeconds,
    noDataTimeoutMs: noData * 1000,
    autoStart: config.autoStart !== false,
  };
}

export = (RED: NodeAPI): void => {
  function CryMicNode(this: Node, config: CryMicConfig): void {
    RED.nodes.createNode(this, config);
    const settings = parseConfig(config);
    if (typeof settings === 'string') {
      reportConfigError(this, settings);
      return;
    }
    const sampleRate = 16000;
    wireCaptureNode({
      node: this,
      autoStart: settings.autoStart,
      describe: `${settings.recorder}${settings.device ? ` ${settings.device}` : ''}`,
      create: (onWindow, onEvent) =>
        createWindowedCapture({
          name: this.id,
          spawn: () =>
            spawnMicRecorder({
              recorder: settings.recorder,
              device: settings.device,
              driver: settings.driver,
              sampleRate,
            }),
          program: settings.recorder,
          packageHint: PACKAGE_OF[settings.recorder],
          explain: explainMicFailure,
          sampleRate,
          windowSeconds: settings.windowSeconds,
          hopSeconds: settings.hopSeconds,
          noDataTimeoutMs: settings.noDataTimeoutMs,
          onWindow,
          onEvent,
        }),
    });
  }
  RED.nodes.registerType('cry-mic', CryMicNode);
};

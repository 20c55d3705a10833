/** cry-mic: captures a microphone with node-record-lpcm16 (sox, rec or arecord) and sends sliding windows. */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { createWindowedCapture } from '../src/core/capture/windowed-capture';
import { explainMicFailure, MicRecorder, PACKAGE_OF, spawnMicRecorder } from '../src/core/capture/recorders';
import { parseCaptureTiming, wireCaptureNode } from '../src/node-red/capture-node';
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
  const timing = parseCaptureTiming(config, 5);
  if (typeof timing === 'string') return timing;
  return {
    recorder,
    device: (config.device ?? '').trim(),
    driver: (config.driver ?? '').trim(),
    ...timing,
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

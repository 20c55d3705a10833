/** cry-stream: decodes any ffmpeg input (RTSP camera audio, HTTP stream, file) and sends sliding windows. */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { createWindowedCapture } from '../src/core/capture/windowed-capture';
import { spawnStreamRecorder } from '../src/core/capture/recorders';
import { parseCaptureTiming, wireCaptureNode } from '../src/node-red/capture-node';
import { reportConfigError } from '../src/node-red/status';
import { redactCredentials } from '../src/core/describe';

interface CryStreamConfig extends NodeDef {
  url?: string;
  format?: string;
  realtime?: boolean;
  window?: string | number;
  hop?: string | number;
  noDataTimeout?: string | number;
  autoStart?: boolean;
}

export = (RED: NodeAPI): void => {
  function CryStreamNode(this: Node, config: CryStreamConfig): void {
    RED.nodes.createNode(this, config);
    const url = (config.url ?? '').trim();
    const timing = parseCaptureTiming(config, 10);
    if (!url || typeof timing === 'string') {
      reportConfigError(this, !url ? 'no stream URL or file set' : String(timing));
      return;
    }
    const { windowSeconds, hopSeconds, noDataTimeoutMs } = timing;
    const sampleRate = 16000;
    const isNetwork = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^file:/i.test(url);
    const realtime = config.realtime ?? !isNetwork;
    wireCaptureNode({
      node: this,
      autoStart: config.autoStart !== false,
      describe: redactCredentials(url).slice(0, 40),
      create: (onWindow, onEvent) =>
        createWindowedCapture({
          name: this.id,
          spawn: () =>
            spawnStreamRecorder({
              url,
              sampleRate,
              realtime,
              format: (config.format ?? '').trim() || undefined,
            }),
          program: 'ffmpeg',
          packageHint: 'ffmpeg',
          sampleRate,
          windowSeconds,
          hopSeconds,
          noDataTimeoutMs,
          onWindow,
          onEvent,
        }),
    });
  }
  RED.nodes.registerType('cry-stream', CryStreamNode);
};

/** cry-stream: decodes any ffmpeg input (RTSP camera audio, HTTP stream, file) and sends sliding windows. */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { createWindowedCapture } from '../src/core/capture/windowed-capture';
import { spawnStreamRecorder } from '../src/core/capture/recorders';
import { wireCaptureNode } from '../src/node-red/capture-node';
import { reportConfigError } from '../src/node-red/status';

interface CryStreamConfig extends NodeDef {
  url?: string;
  format?: string;
  realtime?: boolean;
  window?: string | number;
  hop?: string | number;
  noDataTimeout?: string | number;
  autoStart?: boolean;
}

function redact(url: string): string {
  return url.replace(/\/\/([^/@]+)@/, '//***@');
}

export = (RED: NodeAPI): void => {
  function CryStreamNode(this: Node, config: CryStreamConfig): void {
    RED.nodes.createNode(this, config);
    const url = (config.url ?? '').trim();
    const windowSeconds = Number(config.window ?? 4);
    const hopSeconds = Number(config.hop ?? 1);
    const noData = Number(config.noDataTimeout ?? 10);
    const problem = !url
      ? 'no stream URL or file set'
      : !(windowSeconds >= 1 && windowSeconds <= 30)
        ? `window must be 1-30 s, got ${config.window}`
        : !(hopSeconds >= 0.1 && hopSeconds <= windowSeconds)
          ? `hop must be between 0.1 s and the window, got ${config.hop}`
          : !(noData >= 1)
            ? `no-data timeout must be at least 1 s, got ${config.noDataTimeout}`
            : undefined;
    if (problem) {
      reportConfigError(this, problem);
      return;
    }
    const sampleRate = 16000;
    const isNetwork = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^file:/i.test(url);
    const realtime = config.realtime ?? !isNetwork;
    wireCaptureNode({
      node: this,
      autoStart: config.autoStart !== false,
      describe: redact(url).slice(0, 40),
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
          noDataTimeoutMs: noData * 1000,
          onWindow,
          onEvent,
        }),
    });
  }
  RED.nodes.registerType('cry-stream', CryStreamNode);
};

/**
 * cry-detect: turns the classifier's probability per window into crying episodes ("start" / "stop" with
 * duration, peak and mean probability), so that one cough does not switch a light on and a long cry does not
 * send hundreds of notifications. One detector per audio source.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import {
  createDetector,
  Detector,
  DetectionSettings,
  validateDetectionSettings,
} from '../src/core/detect/policy';
import { sourceOfStream } from '../src/core/audio/message';
import { verdictProbability } from '../src/node-red/verdict';
import { createStatusReporter, failInput, reportConfigError } from '../src/node-red/status';

interface CryDetectConfig extends NodeDef {
  onThreshold?: string | number;
  offThreshold?: string | number;
  onCount?: string | number;
  onWindow?: string | number;
  offCount?: string | number;
  offSeconds?: string | number;
  cooldown?: string | number;
  minDuration?: string | number;
}

interface DetectMessage extends NodeMessageInFlow {
  cry?: { probability?: unknown; threshold?: unknown; windowStart?: unknown; source?: unknown };
}

const optionalNumber = (value: unknown): number | undefined =>
  value === undefined || value === '' || value === null ? undefined : Number(value);

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export = (RED: NodeAPI): void => {
  function CryDetectNode(this: Node, config: CryDetectConfig): void {
    RED.nodes.createNode(this, config);
    const onThreshold = optionalNumber(config.onThreshold);
    const offThreshold = optionalNumber(config.offThreshold);
    const base = {
      onCount: Number(config.onCount ?? 2),
      onWindow: Number(config.onWindow ?? 3),
      offCount: Number(config.offCount ?? 5),
      offSeconds: Number(config.offSeconds ?? 15),
      cooldownSeconds: Number(config.cooldown ?? 30),
      minDurationSeconds: Number(config.minDuration ?? 5),
    };
    const settingsFor = (modelThreshold: number): DetectionSettings => {
      const on = onThreshold ?? modelThreshold;
      return { ...base, onThreshold: on, offThreshold: offThreshold ?? Math.min(on, on * 0.6) };
    };
    const problem = validateDetectionSettings(settingsFor(onThreshold ?? 0.5));
    if (problem) return reportConfigError(this, problem);
    const status = createStatusReporter(this);
    const detectors = new Map<string, Detector>();
    status.ok('quiet');

    this.on('input', (msg: DetectMessage, send, done) => {
      const probability = verdictProbability(msg) ?? NaN;
      if (!(probability >= 0 && probability <= 1)) {
        return failInput(
          status,
          done,
          new Error(
            `expected a probability from cry classifier (msg.cry.probability or a number payload), got ${JSON.stringify(msg.cry?.probability ?? msg.payload)}`,
          ),
        );
      }
      const modelThreshold = typeof msg.cry?.threshold === 'number' ? msg.cry.threshold : 0.5;
      const source = typeof msg.cry?.source === 'string' ? sourceOfStream(msg.cry.source) : 'default';
      let detector = detectors.get(source);
      if (!detector) {
        const settings = settingsFor(modelThreshold);
        const invalid = validateDetectionSettings(settings);
        if (invalid) return failInput(status, done, new Error(invalid));
        detector = createDetector(settings);
        detectors.set(source, detector);
      }
      const parsedTime = typeof msg.cry?.windowStart === 'string' ? Date.parse(msg.cry.windowStart) : NaN;
      const time = Number.isFinite(parsedTime) ? parsedTime : Date.now();
      const event = detector.push({ probability, time, source });
      const { crying, sinceSeconds } = detector.state;
      if (crying) status.crying(`crying for ${formatDuration(sinceSeconds)} (${probability.toFixed(2)})`);
      else
        status.ok(
          `quiet${sinceSeconds > 0 ? ` for ${formatDuration(sinceSeconds)}` : ''} (${probability.toFixed(2)})`,
        );
      const passed = msg as DetectMessage & Record<string, unknown>;
      passed.crying = crying;
      const eventMsg = event
        ? {
            _msgid: msg._msgid,
            topic: msg.topic,
            payload: event.kind,
            event: { ...event, time: event.kind === 'start' ? event.startTime : event.endTime },
            cry: msg.cry,
          }
        : null;
      send([eventMsg as NodeMessageInFlow | null, passed]);
      done();
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      detectors.clear();
      status.clear();
      done();
    });
  }
  RED.nodes.registerType('cry-detect', CryDetectNode);
};

/**
 * cry-detect: turns the classifier's probability per window into crying episodes ("start" / "stop" with
 * duration, peak and mean probability), so that one cough does not switch a light on and a long cry does not
 * send hundreds of notifications. One detector per audio source.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { describeValue } from '../src/core/describe';
import {
  createDetector,
  Detector,
  DetectionSettings,
  FALLBACK_DETECTION,
  OFF_THRESHOLD_RATIO,
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
  cry?: {
    probability?: unknown;
    threshold?: unknown;
    windowStart?: unknown;
    source?: unknown;
    model?: unknown;
    detection?: unknown;
  };
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
    // A field left empty takes the model's own default (msg.cry.detection, from its metadata.json: YAMNet's
    // windows are 0.48 s apart, the CNN's 1 s), else the values below.
    const configured = {
      onCount: optionalNumber(config.onCount),
      onWindow: optionalNumber(config.onWindow),
      offCount: optionalNumber(config.offCount),
      offSeconds: optionalNumber(config.offSeconds),
      cooldownSeconds: optionalNumber(config.cooldown),
      minDurationSeconds: optionalNumber(config.minDuration),
    };
    const fallback = FALLBACK_DETECTION;
    const settingsFor = (
      modelThreshold: number,
      modelDefaults: Partial<DetectionSettings> = {},
    ): DetectionSettings => {
      const pick = (name: keyof typeof fallback): number => {
        const own = configured[name];
        const fromModel = modelDefaults[name];
        return own ?? (typeof fromModel === 'number' ? fromModel : fallback[name]);
      };
      const on =
        onThreshold ??
        (typeof modelDefaults.onThreshold === 'number' ? modelDefaults.onThreshold : modelThreshold);
      const modelOff =
        typeof modelDefaults.offThreshold === 'number' && onThreshold === undefined
          ? modelDefaults.offThreshold
          : undefined;
      return {
        onCount: pick('onCount'),
        onWindow: pick('onWindow'),
        offCount: pick('offCount'),
        offSeconds: pick('offSeconds'),
        cooldownSeconds: pick('cooldownSeconds'),
        minDurationSeconds: pick('minDurationSeconds'),
        onThreshold: on,
        offThreshold: offThreshold ?? modelOff ?? Math.min(on, on * OFF_THRESHOLD_RATIO),
      };
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
            `expected a probability from cry classifier (msg.cry.probability or a number payload), got ${describeValue(msg.cry?.probability ?? msg.payload)}`,
          ),
        );
      }
      const modelThreshold = typeof msg.cry?.threshold === 'number' ? msg.cry.threshold : 0.5;
      const source = typeof msg.cry?.source === 'string' ? sourceOfStream(msg.cry.source) : 'default';
      const modelDefaults =
        msg.cry?.detection && typeof msg.cry.detection === 'object'
          ? (msg.cry.detection as Partial<DetectionSettings>)
          : undefined;
      // One detector per source and model: a classifier that switches to YAMNet starts a detector on its windows.
      const key = `${source}\u0000${typeof msg.cry?.model === 'string' ? msg.cry.model : ''}`;
      let detector = detectors.get(key);
      if (!detector) {
        const settings = settingsFor(modelThreshold, modelDefaults);
        const invalid = validateDetectionSettings(settings);
        if (invalid) return failInput(status, done, new Error(invalid));
        detector = createDetector(settings);
        detectors.set(key, detector);
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

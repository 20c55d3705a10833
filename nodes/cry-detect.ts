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
  EpisodeEvent,
  FALLBACK_DETECTION,
  OFF_THRESHOLD_RATIO,
  validateDetectionSettings,
  withStartThreshold,
} from '../src/core/detect/policy';
import { sourceOfStream } from '../src/core/audio/message';
import { verdictProbability } from '../src/node-red/verdict';
import { createStatusReporter, errorMessage, failInput, reportConfigError } from '../src/node-red/status';
import { calibrate, CalibrationResult, RoomVerdict } from '../src/core/detect/calibrate';
import type { RequestHandler } from 'express';

/** The part of Node-RED's admin app the calibrate action uses. */
interface AdminApp {
  get(route: string, ...handlers: RequestHandler[]): void;
  post(route: string, ...handlers: RequestHandler[]): void;
}

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
  /** Live settings: from cry ha mqtt (Home Assistant's number and switch), a dashboard, or any flow. */
  control?: unknown;
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

/** A live calibration of one node: what it collects and what it found. */
interface LiveCalibration {
  state: 'idle' | 'recording' | 'done' | 'failed';
  minutes: number;
  targetPerDay: number;
  verdicts: RoomVerdict[];
  /** The source (and model) being calibrated: the first that sends a window. */
  key?: string;
  startedAt?: string;
  result?: CalibrationResult;
  error?: string;
}

/** The most windows a live calibration keeps (a day at YAMNet's 0.48 s). */
const MAX_CALIBRATION_WINDOWS = 180000;

export = (RED: NodeAPI): void => {
  // The calibration of each deployed cry detect node, by id, for the editor's "calibrate" action.
  const calibrations = new Map<
    string,
    { start(minutes: number, targetPerDay: number): void; view(): object }
  >();
  const admin = (RED as unknown as { httpAdmin?: AdminApp }).httpAdmin;
  const auth = (RED as unknown as { auth?: { needsPermission(p: string): RequestHandler } }).auth;
  const may = (permission: string): RequestHandler =>
    auth?.needsPermission(permission) ?? ((_req, _res, next) => next());
  admin?.post('/cry-detect/:id/calibrate', may('cry-detect.write'), (req, res) => {
    const calibration = calibrations.get(String(req.params.id));
    if (!calibration)
      return res.status(404).json({ error: 'deploy the node first: this cry detect is not running' });
    const body = (req.body ?? {}) as { minutes?: unknown; targetPerDay?: unknown };
    const minutes = Number(body.minutes ?? 30);
    const targetPerDay = Number(body.targetPerDay ?? 1);
    if (!(minutes >= 1 && minutes <= 1440))
      return res.status(400).json({ error: `minutes must be 1-1440, got ${String(body.minutes)}` });
    if (!(targetPerDay >= 0 && targetPerDay <= 100))
      return res
        .status(400)
        .json({ error: `false starts per day must be 0-100, got ${String(body.targetPerDay)}` });
    calibration.start(minutes, targetPerDay);
    return res.json(calibration.view());
  });
  admin?.get('/cry-detect/:id/calibration', may('cry-detect.read'), (req, res) => {
    const calibration = calibrations.get(String(req.params.id));
    if (!calibration) return res.status(404).json({ error: 'this cry detect is not running' });
    return res.json(calibration.view());
  });

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
    const detectors = new Map<string, { detector: Detector; lastTime: number; base: DetectionSettings }>();
    /** Set live by msg.control: a threshold that replaces the configured/model one, and the pause switch. */
    let liveThreshold: number | undefined;
    let enabled = true;
    status.ok('quiet');

    const eventMessage = (msg: DetectMessage, event: EpisodeEvent): NodeMessageInFlow =>
      ({
        _msgid: msg._msgid,
        topic: msg.topic,
        payload: event.kind,
        event: { ...event, time: event.kind === 'start' ? event.startTime : event.endTime },
        cry: msg.cry,
      }) as NodeMessageInFlow;

    const applyControl = (msg: DetectMessage, send: (m: (NodeMessageInFlow | null)[]) => void): string => {
      const control = msg.control as { threshold?: unknown; enabled?: unknown } | null;
      if (!control || typeof control !== 'object')
        throw new Error(
          `msg.control must be an object like {threshold: 0.4} or {enabled: false}, got ${describeValue(control)}`,
        );
      const { threshold, enabled: wanted } = control;
      if (threshold === undefined && wanted === undefined)
        throw new Error('msg.control has neither threshold nor enabled');
      if (threshold !== undefined && !(typeof threshold === 'number' && threshold > 0 && threshold < 1))
        throw new Error(
          `msg.control.threshold must be a number between 0 and 1, got ${describeValue(threshold)}`,
        );
      if (wanted !== undefined && typeof wanted !== 'boolean')
        throw new Error(`msg.control.enabled must be true or false, got ${describeValue(wanted)}`);
      const said: string[] = [];
      if (typeof threshold === 'number') {
        setThreshold(threshold);
        said.push(`threshold ${threshold.toFixed(2)}`);
      }
      if (typeof wanted === 'boolean' && wanted !== enabled) {
        enabled = wanted;
        if (!enabled) {
          // Paused: an open episode ends now (lights off), windows keep flowing to the log.
          for (const entry of detectors.values()) {
            const event = entry.detector.interrupt(entry.lastTime);
            if (event) send([eventMessage(msg, event), null]);
          }
        }
        said.push(enabled ? 'detection on' : 'paused');
      }
      return said.join(', ') || 'unchanged';
    };

    const calibration: LiveCalibration = { state: 'idle', minutes: 0, targetPerDay: 1, verdicts: [] };
    const setThreshold = (threshold: number) => {
      liveThreshold = threshold;
      for (const { detector } of detectors.values()) {
        const next = withStartThreshold(detector.settings, threshold);
        detector.retune(next.onThreshold, next.offThreshold);
      }
    };
    /** Collects the room's windows (one source: the first that arrives) until the chosen time is covered. */
    const collect = (key: string, probability: number, time: number, base: DetectionSettings) => {
      if (calibration.state !== 'recording') return;
      calibration.key ??= key;
      if (calibration.key !== key) return;
      const verdicts = calibration.verdicts;
      verdicts.push({ probability, time });
      const covered = (time - verdicts[0].time) / 60000;
      if (covered < calibration.minutes && verdicts.length < MAX_CALIBRATION_WINDOWS) return;
      try {
        // Against the model's own settings (and the node's fields), not a threshold set live earlier.
        const result = calibrate(verdicts, base, { targetPerDay: calibration.targetPerDay });
        calibration.result = result;
        calibration.state = 'done';
        if (result.threshold !== undefined) setThreshold(result.threshold);
        this.warn(`calibration: ${result.summary}`);
      } catch (error) {
        calibration.state = 'failed';
        calibration.error = errorMessage(error);
        this.warn(`calibration failed: ${calibration.error}`);
      }
      calibration.verdicts = [];
    };
    calibrations.set(this.id, {
      start: (minutes, targetPerDay) => {
        Object.assign(calibration, {
          state: 'recording',
          minutes,
          targetPerDay,
          verdicts: [],
          key: undefined,
          startedAt: new Date().toISOString(),
          result: undefined,
          error: undefined,
        });
        status.starting(`calibrating: listening to the room for ${minutes} min`);
      },
      view: () => {
        const { verdicts, state, minutes, targetPerDay, startedAt, result, error } = calibration;
        const covered = verdicts.length ? (verdicts[verdicts.length - 1].time - verdicts[0].time) / 60000 : 0;
        return {
          state,
          minutes,
          targetPerDay,
          startedAt,
          result,
          error,
          windows: verdicts.length,
          coveredMinutes: Math.round(covered * 10) / 10,
        };
      },
    });

    this.on('input', (msg: DetectMessage, send, done) => {
      if (msg.control !== undefined) {
        try {
          const said = applyControl(msg, send);
          if (enabled) status.ok(`quiet (${said})`);
          else status.stopped(`paused: detection off (${said})`);
          return done();
        } catch (error) {
          return failInput(status, done, error);
        }
      }
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
      let entry = detectors.get(key);
      if (!entry) {
        const settings = settingsFor(modelThreshold, modelDefaults);
        const live = liveThreshold === undefined ? settings : withStartThreshold(settings, liveThreshold);
        const invalid = validateDetectionSettings(live);
        if (invalid) return failInput(status, done, new Error(invalid));
        entry = { detector: createDetector(live), lastTime: 0, base: settings };
        detectors.set(key, entry);
      }
      const { detector } = entry;
      const parsedTime = typeof msg.cry?.windowStart === 'string' ? Date.parse(msg.cry.windowStart) : NaN;
      const time = Number.isFinite(parsedTime) ? parsedTime : Date.now();
      entry.lastTime = time;
      collect(key, probability, time, entry.base);
      // Paused: the window still goes on (to the log), but starts nothing.
      const event = enabled ? detector.push({ probability, time, source }) : undefined;
      const { crying, sinceSeconds } = detector.state;
      if (calibration.state === 'recording')
        status.starting(
          `calibrating: ${Math.floor((time - (calibration.verdicts[0]?.time ?? time)) / 60000)} of ${calibration.minutes} min`,
        );
      else if (!enabled) status.stopped(`paused: detection off (${probability.toFixed(2)})`);
      else if (crying)
        status.crying(`crying for ${formatDuration(sinceSeconds)} (${probability.toFixed(2)})`);
      else
        status.ok(
          `quiet${sinceSeconds > 0 ? ` for ${formatDuration(sinceSeconds)}` : ''} (${probability.toFixed(2)})`,
        );
      const passed = msg as DetectMessage & Record<string, unknown>;
      passed.crying = crying;
      passed.detection = {
        onThreshold: detector.settings.onThreshold,
        offThreshold: detector.settings.offThreshold,
        enabled,
        ...(calibration.result ? { calibration: calibration.result.summary } : {}),
      };
      send([event ? eventMessage(msg, event) : null, passed]);
      done();
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      calibrations.delete(this.id);
      detectors.clear();
      status.clear();
      done();
    });
  }
  RED.nodes.registerType('cry-detect', CryDetectNode);
};

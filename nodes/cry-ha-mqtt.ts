/**
 * cry-ha-mqtt: the room as a Home Assistant device over MQTT discovery (no custom integration): a "Crying"
 * binary sensor that follows cry detect's episodes, the cry probability, a "Cry episode" event entity, and a
 * threshold number and detection switch that Home Assistant can set. Wire both outputs of cry detect in; wire this
 * node's output back to cry detect's input so that the number and the switch act on it live.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { createMqttCryDevice, MqttCryDevice, slugify } from '../src/core/ha/mqtt-device';
import { verdictProbability } from '../src/node-red/verdict';
import { packageVersion } from '../src/node-red/package-info';
import { createStatusReporter, errorMessage, failInput, reportConfigError } from '../src/node-red/status';
import type { MqttBrokerNode } from '../src/node-red/mqtt-broker';

interface CryHaMqttConfig extends NodeDef {
  broker?: string;
  room?: string;
  interval?: string | number;
  delta?: string | number;
}

interface MqttInputMessage extends NodeMessageInFlow {
  crying?: unknown;
  event?: {
    durationSeconds?: unknown;
    peakProbability?: unknown;
    meanProbability?: unknown;
    time?: unknown;
    source?: unknown;
  };
  detection?: { onThreshold?: unknown; enabled?: unknown };
  cry?: { probability?: unknown; model?: unknown; source?: unknown };
}

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export = (RED: NodeAPI): void => {
  function CryHaMqttNode(this: Node, config: CryHaMqttConfig): void {
    RED.nodes.createNode(this, config);
    const broker = RED.nodes.getNode(config.broker ?? '') as MqttBrokerNode | null;
    const room = (config.room ?? '').trim() || 'Nursery';
    const intervalSeconds = Number(config.interval ?? 5);
    const deltaPercent = Number(config.delta ?? 2);
    if (!broker) return reportConfigError(this, 'no MQTT broker selected');
    if (broker.notConfigured) {
      createStatusReporter(this).stopped('not configured: set the broker URL in the broker node');
      this.on('input', (_msg: unknown, _send: unknown, done: () => void) => done());
      return;
    }
    if (!broker.settings)
      return reportConfigError(this, `MQTT broker: ${broker.problem ?? 'not configured'}`);
    if (!slugify(room)) return reportConfigError(this, `room name "${room}" needs letters or digits`);
    if (!(intervalSeconds >= 0))
      return reportConfigError(this, `interval must be 0 s or more, got ${config.interval}`);
    if (!(deltaPercent >= 0 && deltaPercent <= 100))
      return reportConfigError(this, `change must be 0-100 points, got ${config.delta}`);
    let device: MqttCryDevice;
    try {
      device = createMqttCryDevice({
        ...broker.settings,
        room,
        probabilityIntervalMs: intervalSeconds * 1000,
        probabilityDeltaPercent: deltaPercent,
        softwareVersion: packageVersion(),
      });
    } catch (error) {
      return reportConfigError(this, errorMessage(error));
    }
    const status = createStatusReporter(this);
    let crying = false;
    let connection = 'connecting';
    const show = () => {
      if (connection !== 'connected') return;
      if (crying) status.crying(`${room}: crying`);
      else status.ok(`${room}: quiet`);
    };
    const releases: (() => void)[] = [];
    releases.push(
      device.onState((state, detail) => {
        connection = state;
        if (state === 'connected') {
          this.log(`MQTT device "${device.id}" connected to ${detail}`);
          show();
        } else if (state === 'connecting') status.starting('connecting to the broker');
        else if (state === 'auth failed') {
          status.error('broker login failed');
          this.error(`MQTT: ${detail}`);
        } else if (state === 'disconnected') {
          status.error(`disconnected${device.queuedEvents ? ` (${device.queuedEvents} events kept)` : ''}`);
          if (detail) this.warn(`MQTT: ${detail}`);
        }
      }),
    );
    releases.push(
      device.onCommand((command) => {
        // Home Assistant asked: confirm the state at once and tell cry detect.
        if ('threshold' in command) device.setThreshold(command.threshold);
        else device.setEnabled(command.enabled);
        this.send({ topic: 'control', payload: command, control: command } as NodeMessage);
      }),
    );

    this.on('input', (msg: MqttInputMessage, _send, done) => {
      const probability = verdictProbability(msg);
      const isEvent = msg.payload === 'start' || msg.payload === 'stop';
      if (!isEvent && typeof msg.crying !== 'boolean' && probability === undefined) {
        return failInput(
          status,
          done,
          new Error(
            'expected a message from cry detect: an event (payload "start"/"stop") or a window (msg.crying, msg.cry.probability)',
          ),
        );
      }
      if (probability !== undefined && !(probability >= 0 && probability <= 1))
        return failInput(status, done, new Error(`probability must be between 0 and 1, got ${probability}`));
      if (isEvent) {
        const started = msg.payload === 'start';
        const event = msg.event ?? {};
        device.episode({
          event_type: started ? 'started' : 'stopped',
          time: typeof event.time === 'string' ? event.time : new Date().toISOString(),
          duration_s: Math.round((finite(event.durationSeconds) ?? 0) * 10) / 10,
          peak: Math.round((finite(event.peakProbability) ?? 0) * 1000) / 1000,
          ...(finite(event.meanProbability) !== undefined
            ? { mean: Math.round((finite(event.meanProbability) ?? 0) * 1000) / 1000 }
            : {}),
          ...(typeof event.source === 'string' ? { source: event.source } : {}),
        });
        crying = started;
        device.setCrying(started, {
          since: typeof event.time === 'string' ? event.time : undefined,
          model: typeof msg.cry?.model === 'string' ? msg.cry.model : undefined,
        });
      } else if (typeof msg.crying === 'boolean' && msg.crying !== crying) {
        crying = msg.crying;
        device.setCrying(crying);
      }
      if (probability !== undefined) device.setProbability(probability);
      const onThreshold = finite(msg.detection?.onThreshold);
      if (onThreshold !== undefined) device.setThreshold(onThreshold);
      if (typeof msg.detection?.enabled === 'boolean') device.setEnabled(msg.detection.enabled);
      show();
      done();
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      for (const release of releases.splice(0)) release();
      device.close().then(
        () => {
          status.clear();
          done();
        },
        () => done(),
      );
    });
    // cry detect starts quiet and enabled; the threshold follows from its first window (msg.detection).
    device.setCrying(false);
    device.setEnabled(true);
    device.start();
  }
  RED.nodes.registerType('cry-ha-mqtt', CryHaMqttNode);
};

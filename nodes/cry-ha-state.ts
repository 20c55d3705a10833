/**
 * cry-ha-state: publishes binary_sensor.<name>_crying and sensor.<name>_cry_probability through Home
 * Assistant's REST states API, for history graphs and automations on entities. Probability updates are
 * rate-limited: sent when they change by at least `delta`, or at least every `interval` seconds.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { verdictProbability } from '../src/node-red/verdict';
import { clientFor, followServer, HaServerNode, isOfflineDrop } from '../src/node-red/ha-server';
import { errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryHaStateConfig extends NodeDef {
  server?: string;
  entityName?: string;
  delta?: string | number;
  interval?: string | number;
}

interface StateMessage extends NodeMessageInFlow {
  /** Set by cry detect (its second output): whether an episode is on. */
  crying?: unknown;
  cry?: {
    probability?: unknown;
    crying?: unknown;
    threshold?: unknown;
    model?: unknown;
    backend?: unknown;
    source?: unknown;
  };
  event?: Record<string, unknown>;
}

export = (RED: NodeAPI): void => {
  function CryHaStateNode(this: Node, config: CryHaStateConfig): void {
    RED.nodes.createNode(this, config);
    const server = RED.nodes.getNode(config.server ?? '') as HaServerNode | null;
    const name = (config.entityName ?? 'nursery')
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_');
    const delta = Number(config.delta ?? 0.05);
    const intervalMs = Number(config.interval ?? 60) * 1000;
    if (!server) return reportConfigError(this, 'no Home Assistant server selected');
    if (!name) return reportConfigError(this, 'entity name is empty');
    if (!(delta >= 0 && delta <= 1)) return reportConfigError(this, `delta must be 0-1, got ${config.delta}`);
    if (!(intervalMs >= 1000))
      return reportConfigError(this, `interval must be at least 1 s, got ${config.interval}`);
    const status = followServer(this, server);
    const friendly = name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
    let lastProbability: number | undefined;
    let lastSent = 0;
    let lastCrying: boolean | undefined;

    this.on('input', (msg: StateMessage, send, done) => {
      const client = clientFor(server, status, done);
      if (!client) return;
      const writes: Promise<unknown>[] = [];
      const probability = verdictProbability(msg);
      let crying: boolean | undefined;
      // Episodes, not windows: cry detect's events and its msg.crying win over a single window's verdict.
      if (msg.payload === 'start' || msg.payload === 'stop') crying = msg.payload === 'start';
      else if (typeof msg.crying === 'boolean') crying = msg.crying;
      else if (typeof msg.cry?.crying === 'boolean') crying = msg.cry.crying;
      if (probability === undefined && crying === undefined) {
        return failInput(
          status,
          done,
          new Error(
            'expected a cry classifier message (msg.cry.probability) or a cry detect event (msg.payload "start"/"stop")',
          ),
        );
      }
      if (
        probability !== undefined &&
        (!Number.isFinite(probability) || probability < 0 || probability > 1)
      ) {
        return failInput(status, done, new Error(`probability must be between 0 and 1, got ${probability}`));
      }
      const now = Date.now();
      if (
        probability !== undefined &&
        (lastProbability === undefined ||
          Math.abs(probability - lastProbability) >= delta ||
          now - lastSent >= intervalMs)
      ) {
        lastProbability = probability;
        lastSent = now;
        writes.push(
          client.setState(`sensor.${name}_cry_probability`, String(Math.round(probability * 1000) / 10), {
            unit_of_measurement: '%',
            state_class: 'measurement',
            friendly_name: `${friendly} cry probability`,
            icon: 'mdi:emoticon-cry-outline',
            threshold: msg.cry?.threshold,
            model: msg.cry?.model,
            backend: msg.cry?.backend,
            source: msg.cry?.source,
          }),
        );
      }
      if (crying !== undefined && crying !== lastCrying) {
        lastCrying = crying;
        writes.push(
          client.setState(`binary_sensor.${name}_crying`, crying ? 'on' : 'off', {
            device_class: 'sound',
            friendly_name: `${friendly} crying`,
            icon: crying ? 'mdi:emoticon-cry' : 'mdi:emoticon-happy-outline',
            ...(msg.event ?? {}),
          }),
        );
      }
      Promise.all(writes).then(
        () => {
          if (writes.length) {
            const shown = `${lastProbability !== undefined ? ` ${(lastProbability * 100).toFixed(0)}%` : ''}`;
            // The status vocabulary: crying is a blue dot.
            if (crying ?? lastCrying) status.crying(`crying${shown}`);
            else status.ok(`quiet${shown}`);
          }
          send(msg);
          done();
        },
        (error) => {
          if (isOfflineDrop(error)) {
            lastCrying = undefined;
            status.error(errorMessage(error));
            done();
          } else failInput(status, done, new Error(`state update: ${errorMessage(error)}`));
        },
      );
    });
  }
  RED.nodes.registerType('cry-ha-state', CryHaStateNode);
};

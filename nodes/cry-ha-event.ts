/**
 * cry-ha-event: fires a Home Assistant event that automations can trigger on. By default a cry-detect
 * "start" becomes cry_baby_started and "stop" cry_baby_stopped, with probability, room, source and time.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { describeValue } from '../src/core/describe';
import { clientFor, failHaCall, followServer, HaServerNode } from '../src/node-red/ha-server';
import { failInput, reportConfigError } from '../src/node-red/status';

interface CryHaEventConfig extends NodeDef {
  server?: string;
  eventType?: string;
  room?: string;
}

export = (RED: NodeAPI): void => {
  function CryHaEventNode(this: Node, config: CryHaEventConfig): void {
    RED.nodes.createNode(this, config);
    const server = RED.nodes.getNode(config.server ?? '') as HaServerNode | null;
    const fixedType = (config.eventType ?? '').trim();
    if (!server) return reportConfigError(this, 'no Home Assistant server selected');
    if (fixedType && !/^[a-z0-9_]+$/.test(fixedType))
      return reportConfigError(
        this,
        `event type must be lower-case letters, digits and _, got "${fixedType}"`,
      );
    const status = followServer(this, server);
    this.on(
      'input',
      (
        msg: NodeMessageInFlow & { event?: Record<string, unknown>; cry?: Record<string, unknown> },
        send,
        done,
      ) => {
        const client = clientFor(server, status, done);
        if (!client) return;
        const eventType =
          fixedType ||
          (msg.payload === 'start' ? 'cry_baby_started' : msg.payload === 'stop' ? 'cry_baby_stopped' : '');
        if (!eventType) {
          return failInput(
            status,
            done,
            new Error(
              `expected msg.payload "start" or "stop" (from cry detect), or an event type in the node, got ${describeValue(msg.payload)}`,
            ),
          );
        }
        const details = msg.event ?? msg.cry ?? {};
        const eventData = {
          room: (config.room ?? '').trim() || undefined,
          ...details,
          time: typeof details.time === 'string' ? details.time : new Date().toISOString(),
        };
        client.fireEvent(eventType, eventData).then(
          () => {
            status.ok(`fired ${eventType}`);
            send(Object.assign(msg, { ha: { eventType, eventData } }));
            done();
          },
          (error) => failHaCall(this, status, done, eventType, error),
        );
      },
    );
  }
  RED.nodes.registerType('cry-ha-event', CryHaEventNode);
};

/**
 * cry-ha-action: calls a Home Assistant service (light.turn_on, notify.mobile_app_…). Accepts the message shape
 * of the zachowj action node, msg.payload = {action, target, data}, so flows can use either node.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { fillTemplate } from '../src/core/ha/template';
import { clientFor, failHaCall, followServer, HaServerNode } from '../src/node-red/ha-server';
import { errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryHaActionConfig extends NodeDef {
  server?: string;
  action?: string;
  target?: string;
  data?: string;
  returnResponse?: boolean;
}

function parseJsonObject(text: string | undefined, what: string): object | string {
  if (!text || !text.trim()) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return `${what} must be a JSON object`;
    return value;
  } catch (error) {
    return `${what} is not valid JSON: ${errorMessage(error)}`;
  }
}

export = (RED: NodeAPI): void => {
  function CryHaActionNode(this: Node, config: CryHaActionConfig): void {
    RED.nodes.createNode(this, config);
    const server = RED.nodes.getNode(config.server ?? '') as HaServerNode | null;
    const target = parseJsonObject(config.target, 'target');
    const data = parseJsonObject(config.data, 'data');
    const problem = !server
      ? 'no Home Assistant server selected'
      : typeof target === 'string'
        ? target
        : typeof data === 'string'
          ? data
          : undefined;
    if (problem || !server || typeof target === 'string' || typeof data === 'string') {
      reportConfigError(this, problem ?? 'invalid configuration');
      return;
    }
    const status = followServer(this, server);
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      const client = clientFor(server, status, done);
      if (!client) return;
      const payload = (
        msg.payload && typeof msg.payload === 'object' && !Array.isArray(msg.payload) ? msg.payload : {}
      ) as {
        action?: unknown;
        target?: unknown;
        data?: unknown;
      };
      const action =
        typeof payload.action === 'string' && payload.action ? payload.action : (config.action ?? '').trim();
      const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/.exec(action);
      if (!match) {
        return failInput(
          status,
          done,
          new Error(
            `expected an action "domain.service" (e.g. light.turn_on), got ${JSON.stringify(action)}`,
          ),
        );
      }
      const callTarget = (
        payload.target && typeof payload.target === 'object' ? payload.target : fillTemplate(target, msg)
      ) as object;
      const callData = (
        payload.data && typeof payload.data === 'object' ? payload.data : fillTemplate(data, msg)
      ) as object;
      client.callService(match[1], match[2], callData, callTarget, config.returnResponse === true).then(
        (result) => {
          const out = msg as NodeMessageInFlow & Record<string, unknown>;
          out.ha = { action, target: callTarget, data: callData };
          out.payload = (result as { response?: unknown } | null)?.response ?? result;
          status.ok(`called ${action}`);
          send(out);
          done();
        },
        (error) => failHaCall(this, status, done, action, error),
      );
    });
  }
  RED.nodes.registerType('cry-ha-action', CryHaActionNode);
};

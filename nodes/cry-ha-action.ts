/**
 * cry-ha-action: calls a Home Assistant service (light.turn_on, notify.mobile_app_…). A drop-in for the action node
 * of node-red-contrib-home-assistant-websocket (zachowj): msg.payload {action} or {domain, service}, target and data
 * as objects or JSON text merged over the configured ones (unless input overrides are blocked), and msg.payload out
 * as its "data" / "results" output properties or the message unchanged.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { fillTemplate } from '../src/core/ha/template';
import { describeValue } from '../src/core/describe';
import { clientFor, failHaCall, followServer, HaServerNode } from '../src/node-red/ha-server';
import { errorMessage, failInput, reportConfigError } from '../src/node-red/status';

interface CryHaActionConfig extends NodeDef {
  server?: string;
  action?: string;
  target?: string;
  data?: string;
  returnResponse?: boolean;
  /** What msg.payload becomes: "none" (the message as it came), "data" ({domain, service, data, target}), "results". */
  output?: string;
  /** As zachowj's option: the message may not change action, target or data. */
  blockInputOverrides?: boolean;
}

type ActionOutput = 'none' | 'data' | 'results';

/** An object, a JSON text of one, or nothing; a string describing the problem otherwise. */
function objectOrJson(value: unknown, what: string): object | string {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'string') return parseJsonObject(value, what);
  if (typeof value === 'object' && !Array.isArray(value)) return value;
  return `${what} must be an object or a JSON object text, got ${describeValue(value)}`;
}

function withoutUndefined(object: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
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
    const allowOverrides = config.blockInputOverrides !== true;
    const output: ActionOutput =
      config.output === 'data' || config.output === 'results' || config.output === 'none'
        ? config.output
        : config.returnResponse
          ? 'results'
          : 'none';
    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      const client = clientFor(server, status, done);
      if (!client) return;
      const payload = (
        allowOverrides && msg.payload && typeof msg.payload === 'object' && !Array.isArray(msg.payload)
          ? msg.payload
          : {}
      ) as { action?: unknown; domain?: unknown; service?: unknown; target?: unknown; data?: unknown };
      // As zachowj's action node: msg.payload.action, else the older {domain, service}, else the configured one.
      const action =
        typeof payload.action === 'string' && payload.action
          ? payload.action
          : typeof payload.domain === 'string' && typeof payload.service === 'string'
            ? `${payload.domain}.${payload.service}`
            : String(fillTemplate((config.action ?? '').trim(), msg));
      const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/.exec(action.trim().toLowerCase());
      if (!match) {
        return failInput(
          status,
          done,
          new Error(`expected an action "domain.service" (e.g. light.turn_on), got ${describeValue(action)}`),
        );
      }
      const payloadTarget = objectOrJson(payload.target, 'msg.payload.target');
      const payloadData = objectOrJson(payload.data, 'msg.payload.data');
      for (const value of [payloadTarget, payloadData])
        if (typeof value === 'string') return failInput(status, done, new Error(value));
      // The message's target and data go over the configured ones, key by key.
      const callTarget = withoutUndefined({
        ...(fillTemplate(target, msg) as object),
        ...(payloadTarget as object),
      });
      const mergedData = withoutUndefined({
        ...(fillTemplate(data, msg) as object),
        ...(payloadData as object),
      });
      const callData = Object.keys(mergedData).length ? mergedData : undefined;
      const [, domain, service] = match;
      client.callService(domain, service, callData, callTarget, config.returnResponse === true).then(
        (result) => {
          const out = msg as NodeMessageInFlow & Record<string, unknown>;
          if (output === 'data') out.payload = { domain, service, data: callData, target: callTarget };
          else if (output === 'results')
            out.payload = (result as { response?: unknown } | null)?.response ?? result;
          status.ok(`called ${domain}.${service}`);
          send(out);
          done();
        },
        (error) => failHaCall(this, status, done, `${domain}.${service}`, error),
      );
    });
  }
  RED.nodes.registerType('cry-ha-action', CryHaActionNode);
};

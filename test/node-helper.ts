/** Shared set-up for tests that run nodes in the real Node-RED runtime through node-red-node-test-helper. */
import helper from 'node-red-node-test-helper';
import type { EventEmitter } from 'events';
import type { Node } from 'node-red';

/** The helper's spy events ('call:status', 'call:error') are not in Node's typed `on`. */
export function events(node: Node): EventEmitter {
  return node as unknown as EventEmitter;
}

helper.init(require.resolve('node-red'));

export { helper };

/** A message as tests see it. */
export type TestMessage = Record<string, unknown>;

/** Resolves with the next message a node sends (rejects after `ms` so a missing message fails the test). */
export function nextMessage(node: Node, ms = 20000): Promise<TestMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message from ${node.type} within ${ms} ms`)), ms);
    node.once('input', (msg: TestMessage) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** Resolves when `node`'s status has the given fill colour (now, or at its next change). */
export function nextStatus(
  node: Node,
  fill: string,
  ms = 20000,
): Promise<{ fill?: string; shape?: string; text?: string }> {
  return new Promise((resolve, reject) => {
    // The helper spies on Node.prototype.status (one spy for all nodes): find this node's latest call.
    const statusSpy = node.status as unknown as {
      getCalls?: () => { thisValue: unknown; args: [{ fill?: string; shape?: string; text?: string }] }[];
    };
    const mine = (statusSpy.getCalls?.() ?? []).filter((call) => call.thisValue === node);
    const current = mine[mine.length - 1]?.args[0];
    if (current?.fill === fill) return resolve(current);
    const timer = setTimeout(
      () => reject(new Error(`no ${fill} status from ${node.type} within ${ms} ms`)),
      ms,
    );
    const listener = (status: { fill?: string; text?: string }) => {
      if (status.fill === fill) {
        clearTimeout(timer);
        events(node).removeListener('call:status', spy);
        resolve(status);
      }
    };
    const spy = (call: { args: [{ fill?: string; text?: string }] }) => listener(call.args[0]);
    events(node).on('call:status', spy);
  });
}

/** Resolves with the first error a node reports with node.error (or done(err)). */
export function nextError(node: Node, ms = 20000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no error from ${node.type} within ${ms} ms`)), ms);
    events(node).once('call:error', (call: { args: unknown[] }) => {
      clearTimeout(timer);
      const first = call.args[0];
      resolve(first instanceof Error ? first.message : String(first));
    });
  });
}

type NodeModule = (RED: Record<string, unknown>) => void;

/**
 * Loads node modules with a flow of plain objects (node-specific properties are not in the helper's types).
 * The helper's RED lacks `hooks`, which the real runtime provides (RED.hooks is @node-red/util's hooks, the
 * instance the runtime's flows trigger); it is supplied here so that hook-based nodes run as in Node-RED.
 */
export function loadFlow(
  nodes: unknown,
  flow: Record<string, unknown>[],
  credentials?: Record<string, unknown>,
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeHooks = (require('@node-red/util') as { hooks: unknown }).hooks;
  const wrap =
    (module: NodeModule): NodeModule =>
    (RED) => {
      if (!RED.hooks) RED.hooks = runtimeHooks;
      return module(RED);
    };
  const list = (Array.isArray(nodes) ? nodes : [nodes]) as NodeModule[];
  return helper.load(list.map(wrap) as never, flow as never, credentials as never);
}

/** The messages a node receives, with their arrival times, and a wait for the n-th one. */
export function collectMessages<T>(nodeId: string): {
  messages: T[];
  arrivals: number[];
  waitFor(count: number, ms: number): Promise<void>;
} {
  const messages: T[] = [];
  const arrivals: number[] = [];
  const waiters: (() => void)[] = [];
  events(helper.getNode(nodeId)).on('input', (msg: T) => {
    messages.push(msg);
    arrivals.push(Date.now());
    waiters.splice(0).forEach((wake) => wake());
  });
  return {
    messages,
    arrivals,
    waitFor: (count, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${messages.length} of ${count} messages within ${ms} ms`)),
          ms,
        );
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      }),
  };
}

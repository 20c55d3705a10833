/**
 * The fixed status vocabulary of every Cry Baby node, and the one input-error path:
 * yellow ring = starting/connecting, green dot = listening/connected, blue dot = crying, grey ring = stopped,
 * red ring = error.
 */
import type { Node, NodeStatus } from 'node-red';

/** Status setters bound to one node. */
export interface StatusReporter {
  starting(text: string): void;
  ok(text: string): void;
  crying(text: string): void;
  stopped(text: string): void;
  error(text: string): void;
  clear(): void;
}

const MAX_TEXT = 60;

function shorten(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** Creates the status reporter of a node. */
export function createStatusReporter(node: Pick<Node, 'status'>): StatusReporter {
  const set = (status: NodeStatus) => node.status(status);
  return {
    starting: (text) => set({ fill: 'yellow', shape: 'ring', text: shorten(text) }),
    ok: (text) => set({ fill: 'green', shape: 'dot', text: shorten(text) }),
    crying: (text) => set({ fill: 'blue', shape: 'dot', text: shorten(text) }),
    stopped: (text) => set({ fill: 'grey', shape: 'ring', text: shorten(text) }),
    error: (text) => set({ fill: 'red', shape: 'ring', text: shorten(text) }),
    clear: () => set({}),
  };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one way an input handler fails: red status with the reason, and `done(err)` so that the runtime logs it to
 * the debug sidebar and Catch nodes see it.
 */
export function failInput(status: StatusReporter, done: (err?: Error) => void, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  status.error(err.message);
  done(err);
}

/**
 * Reports a configuration problem found in a node's constructor: red status and node.error; every message that
 * still arrives fails with the same problem (`done(err)`, so Catch nodes and the sidebar see each one) instead of
 * vanishing. A constructor never throws.
 */
export function reportConfigError(node: Pick<Node, 'status' | 'error' | 'on'>, problem: string): void {
  createStatusReporter(node).error(problem);
  node.error(problem);
  node.on('input', (_msg: unknown, _send: unknown, done: (err?: Error) => void) =>
    done(new Error(`not configured: ${problem}`)),
  );
}

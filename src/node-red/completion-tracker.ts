/**
 * Knows when the flow has finished with a message: counts deliveries of a message id (preDeliver hook) and the
 * done() of each receiving node (onComplete hook); when they balance, every node downstream has finished.
 * This gives a source real backpressure without an unbounded queue. A node whose input handler takes fewer than
 * three arguments never calls done() (Node-RED counts only three-argument handlers in `_expectedDoneCount`), so
 * for such a node the message counts as finished once its handler has run (postReceive hook).
 */
import type { NodeAPI } from 'node-red';

interface HookEvent {
  msg?: { _msgid?: string };
  destination?: { node?: { _expectedDoneCount?: unknown } };
}

interface GenericHooks {
  add(name: string, handler: (event: HookEvent) => void): void;
  remove(name: string): void;
}

/** Tracks the messages of one node. */
export interface CompletionTracker {
  /** Call right after sending the message; resolves when the flow is done with it (or after `timeoutMs`). */
  whenDone(msgid: string, timeoutMs: number): Promise<'done' | 'timeout'>;
  /** Starts tracking a message id; call before sending it. */
  track(msgid: string): void;
  dispose(): void;
}

/** Registers the hooks under a label unique to the node. */
export function createCompletionTracker(RED: NodeAPI, nodeId: string): CompletionTracker {
  const hooks = RED.hooks as unknown as GenericHooks;
  const label = `cryBabyTracker${nodeId.replace(/[^A-Za-z0-9]/g, '')}`;
  const pending = new Map<string, { count: number; resolve?: () => void }>();
  const settle = (id: string) => {
    const entry = pending.get(id);
    if (entry && entry.count <= 0 && entry.resolve) {
      pending.delete(id);
      entry.resolve();
    }
  };
  hooks.add(`preDeliver.${label}`, (event) => {
    const entry = event.msg?._msgid ? pending.get(event.msg._msgid) : undefined;
    if (entry) entry.count++;
  });
  const finished = (event: HookEvent) => {
    const id = event.msg?._msgid;
    const entry = id ? pending.get(id) : undefined;
    if (id && entry) {
      entry.count--;
      settle(id);
    }
  };
  hooks.add(`onComplete.${label}`, finished);
  hooks.add(`postReceive.${label}`, (event) => {
    if (event.destination?.node?._expectedDoneCount === 0) finished(event);
  });
  return {
    track(msgid) {
      pending.set(msgid, { count: 0 });
    },
    whenDone(msgid, timeoutMs) {
      return new Promise((resolve) => {
        const entry = pending.get(msgid);
        if (!entry || entry.count <= 0) {
          pending.delete(msgid);
          return resolve('done');
        }
        const timer = setTimeout(() => {
          pending.delete(msgid);
          resolve('timeout');
        }, timeoutMs);
        entry.resolve = () => {
          clearTimeout(timer);
          resolve('done');
        };
      });
    },
    dispose() {
      hooks.remove(`*.${label}`);
      for (const entry of pending.values()) entry.resolve?.();
      pending.clear();
    },
  };
}

/** The part of the cry-ha-server config node that dependent nodes use, and their shared status/error handling. */
import type { Node } from 'node-red';
import { HaClient, HaOfflineError } from '../core/ha/client';
import { createStatusReporter, errorMessage, failInput, StatusReporter } from './status';

/** What a cry-ha-server node offers. */
export interface HaServerNode extends Node {
  readonly client: HaClient | undefined;
  readonly problem: string | undefined;
  /** True when neither URL nor token is set: Home Assistant is simply not set up (yet), which is no error. */
  readonly notConfigured?: boolean;
}

/**
 * The server's client for one message. Without one the message ends here: quietly (`done()`) when Home Assistant
 * is not set up at all, as an error naming the problem when its configuration is wrong.
 */
export function clientFor(
  server: HaServerNode,
  status: StatusReporter,
  done: (err?: Error) => void,
): HaClient | undefined {
  if (server.client) return server.client;
  if (server.notConfigured) done();
  else failInput(status, done, new Error(server.problem ?? 'server not configured'));
  return undefined;
}

/**
 * Shows the server connection on a dependent node (yellow connecting, green connected, red auth failed /
 * disconnected) and stops listening on close. Returns the node's status reporter.
 */
export function followServer(node: Node, server: HaServerNode): StatusReporter {
  const status = createStatusReporter(node);
  const client = server.client;
  if (!client) {
    if (server.notConfigured) status.stopped('not configured: set the URL and token in the server node');
    else status.error(server.problem ?? 'server not configured');
    return status;
  }
  const off = client.onState((state, detail) => {
    if (state === 'connected') status.ok('connected');
    else if (state === 'connecting') status.starting('connecting');
    else if (state === 'auth failed') status.error('authentication failed');
    else if (state === 'disconnected') status.error(`disconnected${detail ? `: ${detail}` : ''}`);
    else status.stopped('closed');
  });
  node.on('close', () => off());
  return status;
}

/** True for calls dropped by the offline policy: not the message's fault. */
export function isOfflineDrop(error: unknown): boolean {
  return error instanceof HaOfflineError;
}

/**
 * Ends a message whose Home Assistant call failed: a call dropped by the offline policy is a warning and the
 * message ends normally; any other failure is the message's error, prefixed with what was called.
 */
export function failHaCall(
  node: Pick<Node, 'warn'>,
  status: StatusReporter,
  done: (err?: Error) => void,
  what: string,
  error: unknown,
): void {
  if (isOfflineDrop(error)) {
    status.error(errorMessage(error));
    node.warn(errorMessage(error));
    done();
  } else failInput(status, done, new Error(`${what}: ${errorMessage(error)}`));
}

/**
 * A Home Assistant client: one websocket connection through home-assistant-js-websocket (with a socket built on
 * the `ws` package, which also does the auth handshake, since Node 20 has no global WebSocket), the REST states
 * API for entities, a keepalive ping, and a bounded policy for what to do with calls made while disconnected.
 */
import WebSocket from 'ws';
import {
  createConnection,
  Connection,
  ERR_CANNOT_CONNECT,
  ERR_CONNECTION_LOST,
  ERR_INVALID_AUTH,
  HaWebSocket,
  callService as haCallService,
} from 'home-assistant-js-websocket';
import { redactCredentials } from '../describe';
import { describeConnectionError } from './connection-errors';

/** How to reach Home Assistant. */
export interface HaServerSettings {
  /** e.g. http://homeassistant.local:8123 (https:// gives wss://). */
  readonly baseUrl: string;
  readonly token: string;
  /** What to do with calls made while disconnected. */
  readonly offline:
    | { readonly policy: 'drop' }
    | { readonly policy: 'queue'; readonly maxItems: number; readonly maxAgeMs: number };
  readonly keepaliveMs?: number;
  readonly connectTimeoutMs?: number;
}

/** A call that was not made because Home Assistant was disconnected and the policy said to drop it. */
export class HaOfflineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HaOfflineError';
  }
}

/** Connection states, as shown on every dependent node. */
export type HaConnectionState = 'connecting' | 'connected' | 'disconnected' | 'auth failed' | 'closed';

/** A Home Assistant client. */
export interface HaClient {
  readonly state: HaConnectionState;
  start(): void;
  close(): Promise<void>;
  onState(listener: (state: HaConnectionState, detail: string) => void): () => void;
  /** Calls a service; resolves with HA's result (the service response when `returnResponse`). */
  callService(
    domain: string,
    service: string,
    data?: object,
    target?: object,
    returnResponse?: boolean,
  ): Promise<unknown>;
  fireEvent(eventType: string, eventData: object): Promise<unknown>;
  /** Creates or updates an entity's state through the REST API (POST /api/states/<entity_id>). */
  setState(entityId: string, state: string, attributes: object): Promise<unknown>;
}

/** The add-on's Supervisor proxy, when Node-RED runs as a Home Assistant add-on. */
export function supervisorSettings(
  env: NodeJS.ProcessEnv = process.env,
): { baseUrl: string; token: string } | undefined {
  return env.SUPERVISOR_TOKEN
    ? { baseUrl: 'http://supervisor/core', token: env.SUPERVISOR_TOKEN }
    : undefined;
}

/** The websocket URL of a base URL: http->ws, https->wss, path /api/websocket. */
export function websocketUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`Home Assistant URL must start with http:// or https://, got ${baseUrl}`);
  if (/\/api(\/websocket)?\/*$/.test(url.pathname))
    throw new Error(
      `the Home Assistant URL must not end in /api: use the address you open Home Assistant at, e.g. ${url.origin}`,
    );
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/websocket`;
  return url.toString();
}

/** A socket failure with its cause, as openSocket rejects with it. */
class ConnectFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectFailure';
  }
}

function describeError(error: unknown): string {
  if (error === ERR_INVALID_AUTH) return 'authentication failed: check the access token';
  if (error === ERR_CANNOT_CONNECT) return 'cannot connect';
  return haErrorText(error);
}

/**
 * Home Assistant's own error ({code, message} from the websocket API) as text: "Service light.turn_onn not found
 * (service_not_found)" instead of "[object Object]".
 */
export function haErrorText(error: unknown): string {
  if (error instanceof Error) return redactCredentials(error.message);
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === 'string' || typeof code === 'string' || typeof code === 'number')
      return `${typeof message === 'string' ? message : 'error'}${code !== undefined ? ` (${String(code)})` : ''}`;
    try {
      return JSON.stringify(error).slice(0, 200);
    } catch {
      return 'unknown error';
    }
  }
  return String(error);
}

/** Runs a call and turns Home Assistant's error objects into Errors with its code and message. */
async function withHaErrors<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error) throw error;
    if (error === ERR_CONNECTION_LOST) throw new Error(`${what}: the connection to Home Assistant was lost`);
    throw new Error(`${what}: Home Assistant says: ${haErrorText(error)}`);
  }
}

/** Opens and authenticates a websocket the way home-assistant-js-websocket expects of createSocket. */
function openSocket(url: string, token: string, timeoutMs: number): Promise<HaWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('message', onMessage);
      if (error !== undefined) {
        socket.removeAllListeners('close');
        socket.on('error', () => undefined);
        socket.terminate();
        reject(error);
      } else resolve(socket as unknown as HaWebSocket);
    };
    const timer = setTimeout(
      () =>
        finish(
          new ConnectFailure(`no answer from ${new URL(url).host} within ${Math.round(timeoutMs / 1000)} s`),
        ),
      timeoutMs,
    );
    const onMessage = (data: WebSocket.RawData) => {
      let message: { type?: string; ha_version?: string };
      try {
        message = JSON.parse(data.toString()) as typeof message;
      } catch {
        return finish(new ConnectFailure(`${url} does not speak Home Assistant's websocket API`));
      }
      if (message.type === 'auth_required')
        socket.send(JSON.stringify({ type: 'auth', access_token: token }));
      else if (message.type === 'auth_invalid') finish(ERR_INVALID_AUTH);
      else if (message.type === 'auth_ok') {
        (socket as unknown as { haVersion: string }).haVersion = message.ha_version ?? 'unknown';
        finish();
      }
    };
    socket.on('message', onMessage);
    // An HTTP answer instead of a websocket: say which (404 for a wrong path, 502 from a proxy...).
    socket.on('unexpected-response', (_request, response) =>
      finish(
        new ConnectFailure(
          `${new URL(url).host} answered HTTP ${response.statusCode}${response.statusMessage ? ` ${response.statusMessage}` : ''} to ${new URL(url).pathname}: is this Home Assistant's address?`,
        ),
      ),
    );
    socket.on('error', (error) => finish(new ConnectFailure(describeConnectionError(error, url))));
    socket.on('close', () => finish(new ConnectFailure(`${new URL(url).host} closed the connection`)));
  });
}

interface QueuedCall {
  readonly at: number;
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Creates a client (not connected until `start`). */
export function createHaClient(settings: HaServerSettings): HaClient {
  const wsUrl = websocketUrl(settings.baseUrl);
  const restBase = settings.baseUrl.replace(/\/+$/, '');
  const keepaliveMs = settings.keepaliveMs ?? 30000;
  const connectTimeout = settings.connectTimeoutMs ?? 10000;
  const listeners = new Set<(state: HaConnectionState, detail: string) => void>();
  let state: HaConnectionState = 'disconnected';
  let connection: Connection | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let keepalive: NodeJS.Timeout | undefined;
  let attempts = 0;
  /**
   * While disconnected: service calls and events in order (bounded, oldest dropped first, never by a state
   * write), and entity states coalesced to the latest per entity (sent after the calls; a state is current
   * however old the outage).
   */
  const calls: QueuedCall[] = [];
  const states = new Map<string, QueuedCall>();

  const setState = (next: HaConnectionState, detail = '') => {
    state = next;
    for (const listener of listeners) listener(next, detail);
  };

  const rejectAll = (message: string) => {
    for (const call of calls.splice(0)) call.reject(new Error(message));
    for (const call of states.values()) call.reject(new Error(message));
    states.clear();
  };

  const flush = () => {
    const now = Date.now();
    for (const call of calls.splice(0)) {
      if (settings.offline.policy === 'queue' && now - call.at > settings.offline.maxAgeMs) {
        call.reject(
          new Error(
            `Home Assistant was disconnected; call dropped after ${Math.round(settings.offline.maxAgeMs / 1000)} s`,
          ),
        );
      } else call.run().then(call.resolve, call.reject);
    }
    for (const call of states.values()) call.run().then(call.resolve, call.reject);
    states.clear();
  };

  /** Runs now, or queues as the offline policy says; `entityId` marks a state write (coalesced per entity). */
  const whenConnected = <T>(what: string, run: () => Promise<T>, entityId?: string): Promise<T> => {
    const guarded = () => withHaErrors(what, run);
    if (state === 'connected' && connection) return guarded();
    if (closed) return Promise.reject(new Error('Home Assistant connection is closed'));
    if (state === 'auth failed')
      return Promise.reject(
        new HaOfflineError(
          'Home Assistant authentication failed: check the access token (nothing is queued)',
        ),
      );
    if (settings.offline.policy === 'drop') {
      return Promise.reject(
        new HaOfflineError(`Home Assistant is not connected (${state}); message dropped`),
      );
    }
    const { maxItems } = settings.offline;
    return new Promise<T>((resolve, reject) => {
      const call = { at: Date.now(), run: guarded, resolve: resolve as (v: unknown) => void, reject };
      if (entityId !== undefined) {
        // A newer state replaces the queued one: the older write is superseded, not failed.
        states.get(entityId)?.resolve({ superseded: true });
        states.delete(entityId);
        states.set(entityId, call);
        return;
      }
      calls.push(call);
      while (calls.length > maxItems)
        calls
          .shift()
          ?.reject(
            new Error(`Home Assistant is not connected; queue full (${maxItems} calls), oldest call dropped`),
          );
    });
  };

  const scheduleConnect = (delay: number) => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, delay);
  };

  const connect = async () => {
    if (closed) return;
    attempts++;
    setState('connecting', attempts > 1 ? `attempt ${attempts}` : '');
    try {
      const conn = await createConnection({
        setupRetry: 0,
        createSocket: () => openSocket(wsUrl, settings.token, connectTimeout),
      });
      if (closed) {
        conn.close();
        return;
      }
      connection = conn;
      attempts = 0;
      conn.addEventListener('ready', () => {
        setState('connected', conn.haVersion ?? '');
        flush();
      });
      conn.addEventListener('disconnected', () => setState('disconnected', 'reconnecting'));
      conn.addEventListener('reconnect-error', (_c, error) => {
        // The library stops retrying on invalid auth; so do we, and say why.
        setState(error === ERR_INVALID_AUTH ? 'auth failed' : 'disconnected', describeError(error));
        conn.close();
        if (error !== ERR_INVALID_AUTH) {
          connection = undefined;
          scheduleConnect(5000);
        }
      });
      setState('connected', conn.haVersion ?? '');
      flush();
    } catch (error) {
      if (error === ERR_INVALID_AUTH) {
        setState('auth failed', describeError(error));
        rejectAll('Home Assistant authentication failed: check the access token');
        return;
      }
      setState('disconnected', describeError(error));
      scheduleConnect(Math.min(30000, 1000 * 2 ** Math.min(attempts - 1, 5)));
    }
  };

  return {
    get state() {
      return state;
    },
    start() {
      if (connection || retryTimer || closed || state === 'connecting') return;
      void connect();
      keepalive = setInterval(() => {
        if (state !== 'connected' || !connection) return;
        const conn = connection;
        // A ping that gets no pong in time means a dead socket: reconnect. The timer goes with the ping.
        let pingTimer: NodeJS.Timeout | undefined;
        const timeout = new Promise((_, reject) => {
          pingTimer = setTimeout(() => reject(new Error('ping timeout')), Math.min(10000, keepaliveMs));
        });
        Promise.race([conn.ping(), timeout])
          .catch(() => {
            if (connection === conn && state === 'connected') conn.reconnect(true);
          })
          .finally(() => clearTimeout(pingTimer));
      }, keepaliveMs);
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (keepalive) clearInterval(keepalive);
      retryTimer = undefined;
      keepalive = undefined;
      rejectAll('Home Assistant connection closed');
      const conn = connection;
      connection = undefined;
      if (conn) {
        const socket = conn.socket as unknown as WebSocket | undefined;
        conn.close();
        if (socket && socket.readyState !== WebSocket.CLOSED) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              socket.terminate();
              resolve();
            }, 2000);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      }
      setState('closed');
    },
    onState(listener) {
      listeners.add(listener);
      listener(state, '');
      return () => listeners.delete(listener);
    },
    callService(domain, service, data, target, returnResponse) {
      return whenConnected(`${domain}.${service}`, () => {
        if (!connection) throw new Error('not connected');
        return haCallService(connection, domain, service, data, target as never, returnResponse);
      });
    },
    fireEvent(eventType, eventData) {
      return whenConnected(`event ${eventType}`, () => {
        if (!connection) throw new Error('not connected');
        return connection.sendMessagePromise({
          type: 'fire_event',
          event_type: eventType,
          event_data: eventData,
        });
      });
    },
    async setState(entityId, entityState, attributes) {
      if (!/^[a-z_]+\.[a-z0-9_]+$/.test(entityId))
        throw new Error(`invalid entity id "${entityId}": expected domain.object_id in lower case`);
      return whenConnected(
        `state of ${entityId}`,
        async () => {
          const response = await fetch(`${restBase}/api/states/${entityId}`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${settings.token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ state: entityState, attributes }),
          }).catch((error: unknown) => {
            throw new Error(describeConnectionError(error, restBase));
          });
          if (response.status === 401) throw new Error('Home Assistant refused the token (401)');
          if (!response.ok)
            throw new Error(`Home Assistant answered ${response.status} to POST /api/states/${entityId}`);
          return response.json();
        },
        entityId,
      );
    },
  };
}

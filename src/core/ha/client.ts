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
  ERR_INVALID_AUTH,
  HaWebSocket,
  callService as haCallService,
} from 'home-assistant-js-websocket';

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
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/websocket`;
  return url.toString();
}

function describeError(error: unknown): string {
  if (error === ERR_INVALID_AUTH) return 'authentication failed: check the access token';
  if (error === ERR_CANNOT_CONNECT) return 'cannot connect';
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
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
    const timer = setTimeout(() => finish(ERR_CANNOT_CONNECT), timeoutMs);
    const onMessage = (data: WebSocket.RawData) => {
      let message: { type?: string; ha_version?: string };
      try {
        message = JSON.parse(data.toString()) as typeof message;
      } catch {
        return finish(ERR_CANNOT_CONNECT);
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
    socket.on('error', () => finish(ERR_CANNOT_CONNECT));
    socket.on('close', () => finish(ERR_CANNOT_CONNECT));
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
  const queue: QueuedCall[] = [];

  const setState = (next: HaConnectionState, detail = '') => {
    state = next;
    for (const listener of listeners) listener(next, detail);
  };

  const flush = () => {
    const now = Date.now();
    for (const call of queue.splice(0)) {
      if (settings.offline.policy === 'queue' && now - call.at > settings.offline.maxAgeMs) {
        call.reject(
          new Error(
            `Home Assistant was disconnected; call dropped after ${Math.round(settings.offline.maxAgeMs / 1000)} s`,
          ),
        );
      } else call.run().then(call.resolve, call.reject);
    }
  };

  const whenConnected = <T>(run: () => Promise<T>): Promise<T> => {
    if (state === 'connected' && connection) return run();
    if (closed) return Promise.reject(new Error('Home Assistant connection is closed'));
    if (settings.offline.policy === 'drop') {
      return Promise.reject(
        new HaOfflineError(`Home Assistant is not connected (${state}); message dropped`),
      );
    }
    const { maxItems } = settings.offline;
    return new Promise<T>((resolve, reject) => {
      queue.push({ at: Date.now(), run, resolve: resolve as (v: unknown) => void, reject });
      while (queue.length > maxItems)
        queue
          .shift()
          ?.reject(
            new Error(`Home Assistant is not connected; queue full (${maxItems}), oldest call dropped`),
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
        for (const call of queue.splice(0)) call.reject(new Error('Home Assistant authentication failed'));
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
      for (const call of queue.splice(0)) call.reject(new Error('Home Assistant connection closed'));
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
      return whenConnected(() => {
        if (!connection) throw new Error('not connected');
        return haCallService(connection, domain, service, data, target as never, returnResponse);
      });
    },
    fireEvent(eventType, eventData) {
      return whenConnected(() => {
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
      return whenConnected(async () => {
        const response = await fetch(`${restBase}/api/states/${entityId}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${settings.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ state: entityState, attributes }),
        });
        if (response.status === 401) throw new Error('Home Assistant refused the token (401)');
        if (!response.ok)
          throw new Error(`Home Assistant answered ${response.status} to POST /api/states/${entityId}`);
        return response.json();
      });
    },
  };
}

/**
 * The real Home Assistant core and Mosquitto of ../shared/ha (its README): `setup.sh` (idempotent) and `start.sh`
 * once per test run, shared by every suite that asks for it, stopped by a root hook at the end of the run. Plus
 * small clients for Home Assistant's REST and websocket APIs and a recording MQTT client, for assertions.
 */
import { execFile } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import WebSocket from 'ws';
import mqtt, { MqttClient } from 'mqtt';
import { sharedDir } from './fixtures';

/** start.sh's JSON line. */
export interface RealHa {
  readonly ha_url: string;
  readonly token: string;
  readonly mqtt_host: string;
  readonly mqtt_port: number;
  readonly config_dir: string;
  readonly ha_log: string;
  readonly mosquitto_log: string;
  readonly ha_version: string;
  readonly pids: { readonly ha: number; readonly mosquitto: number };
}

const script = (name: string) => path.join(sharedDir(), 'ha', name);

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} failed: ${error.message}\n${stderr.slice(-3000)}`));
      else resolve(stdout);
    });
  });
}

let started: Promise<RealHa> | undefined;

/** The run's Home Assistant (started on first use, about 11 s; setup.sh first, 0.01 s when current). */
export function realHa(): Promise<RealHa> {
  started ??= (async () => {
    await run(script('setup.sh'), [], 600000);
    const line = (await run(script('start.sh'), [], 360000)).trim().split('\n').pop() ?? '';
    return JSON.parse(line) as RealHa;
  })();
  return started;
}

/** Restarts Home Assistant (not Mosquitto) and waits until it runs again. */
export async function restartHa(ha: RealHa): Promise<void> {
  await run(script('restart_ha.sh'), [ha.config_dir], 360000);
}

after(async function () {
  if (!started) return;
  this.timeout(60000);
  const ha = await started.catch(() => undefined);
  if (ha) await run(script('stop.sh'), [ha.config_dir, '--rm'], 60000).catch(() => undefined);
});

/** GET/POST on Home Assistant's REST API with the token. */
export async function haRest<T = unknown>(
  ha: RealHa,
  method: 'GET' | 'POST',
  route: string,
  body?: object,
): Promise<T> {
  const response = await fetch(`${ha.ha_url}/api/${route}`, {
    method,
    headers: { Authorization: `Bearer ${ha.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} /api/${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** An entity's state, or undefined when Home Assistant does not know it. */
export async function haState(
  ha: RealHa,
  entityId: string,
): Promise<{ state: string; attributes: Record<string, unknown>; last_changed: string } | undefined> {
  const response = await fetch(`${ha.ha_url}/api/states/${entityId}`, {
    headers: { Authorization: `Bearer ${ha.token}` },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET state ${entityId}: ${response.status}`);
  return (await response.json()) as {
    state: string;
    attributes: Record<string, unknown>;
    last_changed: string;
  };
}

/** Waits (polling every 200 ms, up to `timeoutMs`) until `check` returns something other than undefined. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A websocket session on Home Assistant: commands by id, and event subscriptions. */
export interface HaSocket {
  command<T = unknown>(message: Record<string, unknown>): Promise<T>;
  subscribe(eventType: string | undefined, onEvent: (event: Record<string, unknown>) => void): Promise<void>;
  close(): void;
}

export function haSocket(ha: RealHa): Promise<HaSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${ha.ha_url.replace(/^http/, 'ws')}/api/websocket`);
    let nextId = 1;
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    const listeners = new Map<number, (event: Record<string, unknown>) => void>();
    const command = <T>(message: Record<string, unknown>) =>
      new Promise<T>((res, rej) => {
        const id = nextId++;
        pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
        socket.send(JSON.stringify({ ...message, id }));
      });
    socket.on('error', reject);
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type === 'auth_required')
        socket.send(JSON.stringify({ type: 'auth', access_token: ha.token }));
      else if (message.type === 'auth_ok')
        resolve({
          command,
          async subscribe(eventType, onEvent) {
            const id = nextId;
            listeners.set(id, onEvent);
            await command({ type: 'subscribe_events', ...(eventType ? { event_type: eventType } : {}) });
          },
          close: () => socket.close(),
        });
      else if (message.type === 'auth_invalid') reject(new Error('auth_invalid'));
      else if (message.type === 'result') {
        const waiter = pending.get(message.id as number);
        pending.delete(message.id as number);
        if (message.success) waiter?.resolve(message.result);
        else waiter?.reject(new Error(JSON.stringify(message.error)));
      } else if (message.type === 'event')
        listeners.get(message.id as number)?.(message.event as Record<string, unknown>);
    });
  });
}

/** Everything published on the broker while it runs (topic, payload text, retain flag). */
export interface MqttRecorder {
  readonly messages: { topic: string; payload: string; retain: boolean; at: number }[];
  readonly client: MqttClient;
  close(): Promise<void>;
}

export function recordMqtt(ha: RealHa, filter = '#'): Promise<MqttRecorder> {
  return new Promise((resolve, reject) => {
    // MQTT 5 with retain-as-published: the recorder sees the retain flag each message was sent with.
    const client = mqtt.connect(`mqtt://${ha.mqtt_host}:${ha.mqtt_port}`, {
      reconnectPeriod: 500,
      protocolVersion: 5,
    });
    const messages: MqttRecorder['messages'] = [];
    client.on('message', (topic, payload, packet) =>
      messages.push({ topic, payload: payload.toString('utf8'), retain: packet.retain, at: Date.now() }),
    );
    client.once('error', reject);
    client.once('connect', () =>
      client.subscribe(filter, { qos: 1, rap: true }, (error) =>
        error
          ? reject(error)
          : resolve({
              messages,
              client,
              close: () => new Promise<void>((res) => client.end(false, {}, () => res())),
            }),
      ),
    );
  });
}

/** A loopback TCP proxy that can be cut (refuses and drops every connection) and restored: an outage on demand. */
export interface TcpProxy {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(host: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, host);
    live.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const socket of live) socket.destroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of live) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

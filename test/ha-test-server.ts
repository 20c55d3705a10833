/**
 * A server on 127.0.0.1 that speaks Home Assistant's websocket API (auth_required -> auth -> auth_ok /
 * auth_invalid, then id-numbered commands answered by `result`: call_service, fire_event, subscribe_events,
 * get_states, ping -> pong) and the REST states endpoint (POST /api/states/<entity_id> with a Bearer token).
 * It records what it received, can be stopped and restarted on the same port, and pushes fired events to
 * subscribers as HA does.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { WebSocketServer, WebSocket } from 'ws';

export interface ReceivedCommand {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface HaTestServer {
  readonly url: string;
  readonly token: string;
  readonly commands: ReceivedCommand[];
  readonly states: Map<string, { state: string; attributes: Record<string, unknown> }>;
  readonly stateWrites: { entityId: string; state: string; attributes: Record<string, unknown> }[];
  authAttempts: number;
  /** Resolves with the next command of `type` (already received ones count if `since` is before them). */
  nextCommand(type: string, ms?: number): Promise<ReceivedCommand>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Closes every open websocket as a crashing server would, keeping the port. */
  dropConnections(): void;
  readonly connections: number;
}

export async function startHaTestServer(token = 'test-token-123', port = 0): Promise<HaTestServer> {
  const commands: ReceivedCommand[] = [];
  const states = new Map<string, { state: string; attributes: Record<string, unknown> }>();
  const stateWrites: { entityId: string; state: string; attributes: Record<string, unknown> }[] = [];
  const waiters: { type: string; resolve: (c: ReceivedCommand) => void }[] = [];
  const sockets = new Set<WebSocket>();
  let httpServer: http.Server;
  let wss: WebSocketServer;
  let actualPort = port;
  const server = { authAttempts: 0 } as { authAttempts: number };

  const record = (command: ReceivedCommand) => {
    commands.push(command);
    for (const waiter of waiters.filter((w) => w.type === command.type)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(command);
    }
  };

  const listen = async () => {
    httpServer = http.createServer((req, res) => {
      const match = /^\/api\/states\/([a-z_]+\.[a-z0-9_]+)$/.exec(req.url ?? '');
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('401: Unauthorized');
        return;
      }
      if (req.method === 'POST' && match) {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const parsed = JSON.parse(body) as { state: string; attributes?: Record<string, unknown> };
          const entityId = match[1];
          const existed = states.has(entityId);
          const entry = { state: String(parsed.state), attributes: parsed.attributes ?? {} };
          states.set(entityId, entry);
          stateWrites.push({ entityId, ...entry });
          res.writeHead(existed ? 200 : 201, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ entity_id: entityId, ...entry, last_changed: new Date().toISOString() }));
        });
        return;
      }
      res.writeHead(404).end();
    });
    wss = new WebSocketServer({ server: httpServer, path: '/api/websocket' });
    wss.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      let authenticated = false;
      const subscriptions = new Set<number>();
      const send = (message: object) =>
        socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));
      send({ type: 'auth_required', ha_version: '2026.11.0' });
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as {
          type: string;
          id?: number;
          access_token?: string;
          [k: string]: unknown;
        };
        if (!authenticated) {
          if (message.type !== 'auth') return socket.close();
          server.authAttempts++;
          if (message.access_token === token) {
            authenticated = true;
            send({ type: 'auth_ok', ha_version: '2026.11.0' });
          } else {
            send({ type: 'auth_invalid', message: 'Invalid access token or password' });
            socket.close();
          }
          return;
        }
        record(message as ReceivedCommand);
        const id = message.id;
        switch (message.type) {
          case 'ping':
            send({ id, type: 'pong' });
            break;
          case 'call_service':
            if (message.domain === 'nope') {
              send({
                id,
                type: 'result',
                success: false,
                error: { code: 'not_found', message: 'Service nope.nope not found.' },
              });
            } else {
              send({
                id,
                type: 'result',
                success: true,
                result: {
                  context: { id: `ctx${id}` },
                  response: message.return_response ? { echoed: message.service_data ?? null } : null,
                },
              });
            }
            break;
          case 'fire_event':
            send({ id, type: 'result', success: true, result: { context: { id: `ctx${id}` } } });
            for (const sub of subscriptions)
              send({
                id: sub,
                type: 'event',
                event: { event_type: message.event_type, data: message.event_data },
              });
            break;
          case 'subscribe_events':
            if (id !== undefined) subscriptions.add(id);
            send({ id, type: 'result', success: true, result: null });
            break;
          case 'get_states':
            send({
              id,
              type: 'result',
              success: true,
              result: [...states].map(([entity_id, s]) => ({ entity_id, ...s })),
            });
            break;
          default:
            send({
              id,
              type: 'result',
              success: false,
              error: { code: 'unknown_command', message: 'Unknown command.' },
            });
        }
      });
    });
    await new Promise<void>((resolve) => httpServer.listen(actualPort, '127.0.0.1', resolve));
    actualPort = (httpServer.address() as AddressInfo).port;
  };

  const stop = async () => {
    for (const socket of sockets) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  };

  await listen();
  return Object.assign(server, {
    get url() {
      return `http://127.0.0.1:${actualPort}`;
    },
    token,
    commands,
    states,
    stateWrites,
    get connections() {
      return sockets.size;
    },
    nextCommand(type: string, ms = 15000) {
      return new Promise<ReceivedCommand>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
        waiters.push({
          type,
          resolve: (command) => {
            clearTimeout(timer);
            resolve(command);
          },
        });
      });
    },
    stop,
    async restart() {
      await stop();
      await listen();
    },
    dropConnections() {
      for (const socket of sockets) socket.terminate();
    },
  });
}

import * as assert from 'assert';
import {
  createHaClient,
  HaConnectionState,
  HaClient,
  websocketUrl,
  supervisorSettings,
} from '../src/core/ha/client';
import { startHaTestServer, HaTestServer } from './ha-test-server';

function waitForState(client: HaClient, wanted: HaConnectionState, ms = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`state ${wanted} not reached within ${ms} ms (now ${client.state})`)),
      ms,
    );
    const off = client.onState((state, detail) => {
      if (state === wanted) {
        clearTimeout(timer);
        setImmediate(() => off());
        resolve(detail);
      }
    });
  });
}

describe('Home Assistant client against a loopback server speaking the HA websocket protocol', function () {
  this.timeout(30000);
  let server: HaTestServer;
  let client: HaClient | undefined;
  beforeEach(async () => {
    server = await startHaTestServer();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    await server.stop();
  });

  it('derives websocket URLs and the add-on settings', () => {
    assert.strictEqual(websocketUrl('http://ha.local:8123'), 'ws://ha.local:8123/api/websocket');
    assert.strictEqual(websocketUrl('https://ha.example.org/'), 'wss://ha.example.org/api/websocket');
    assert.throws(() => websocketUrl('ftp://x'), /http:\/\/ or https:\/\//);
    assert.deepStrictEqual(supervisorSettings({ SUPERVISOR_TOKEN: 'abc' }), {
      baseUrl: 'http://supervisor/core',
      token: 'abc',
    });
    assert.strictEqual(supervisorSettings({}), undefined);
  });

  it('authenticates, calls a service, fires an event, sets a state, and pings', async () => {
    client = createHaClient({
      baseUrl: server.url,
      token: server.token,
      offline: { policy: 'drop' },
      keepaliveMs: 200,
    });
    client.start();
    await waitForState(client, 'connected');
    const result = (await client.callService(
      'light',
      'turn_on',
      { brightness: 80 },
      { entity_id: 'light.nursery' },
    )) as { context: { id: string } };
    assert.ok(result.context.id);
    const call = server.commands.find((c) => c.type === 'call_service');
    assert.deepStrictEqual(
      [call?.domain, call?.service, call?.service_data, call?.target],
      ['light', 'turn_on', { brightness: 80 }, { entity_id: 'light.nursery' }],
    );
    await client.fireEvent('cry_baby_started', { probability: 0.93 });
    assert.deepStrictEqual(server.commands.find((c) => c.type === 'fire_event')?.event_data, {
      probability: 0.93,
    });
    await client.setState('sensor.nursery_cry_probability', '0.93', { unit_of_measurement: '%' });
    assert.strictEqual(server.states.get('sensor.nursery_cry_probability')?.state, '0.93');
    await server.nextCommand('ping');
  });

  it("rejects a failing service call with HA's message", async () => {
    client = createHaClient({ baseUrl: server.url, token: server.token, offline: { policy: 'drop' } });
    client.start();
    await waitForState(client, 'connected');
    await assert.rejects(client.callService('nope', 'nope'), (error: { message?: string }) =>
      /not found/.test(String(error.message)),
    );
  });

  it('stops on a wrong token and says authentication failed, without retrying in a loop', async () => {
    client = createHaClient({ baseUrl: server.url, token: 'wrong', offline: { policy: 'drop' } });
    client.start();
    const detail = await waitForState(client, 'auth failed');
    assert.match(detail, /authentication failed/);
    const attempts = server.authAttempts;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.strictEqual(server.authAttempts, attempts, 'no further auth attempts');
    await assert.rejects(client.callService('light', 'turn_on'), /not connected/);
  });

  it('reconnects after a server restart and delivers calls queued meanwhile', async () => {
    client = createHaClient({
      baseUrl: server.url,
      token: server.token,
      offline: { policy: 'queue', maxItems: 5, maxAgeMs: 30000 },
    });
    client.start();
    await waitForState(client, 'connected');
    const disconnected = waitForState(client, 'disconnected');
    await server.stop();
    await disconnected;
    const queued = client.fireEvent('cry_baby_stopped', { duration: 12 });
    const reconnected = waitForState(client, 'connected', 20000);
    await server.restart();
    await reconnected;
    await queued;
    assert.ok(
      server.commands.some(
        (c) => c.type === 'fire_event' && (c.event_data as { duration: number }).duration === 12,
      ),
    );
  });

  it('keeps at most N calls while disconnected and drops the oldest', async () => {
    client = createHaClient({
      baseUrl: 'http://127.0.0.1:9',
      token: 'x',
      offline: { policy: 'queue', maxItems: 2, maxAgeMs: 30000 },
    });
    client.start();
    const first = client.fireEvent('a', {});
    const second = client.fireEvent('b', {});
    const third = client.fireEvent('c', {});
    await assert.rejects(first, /queue full \(2\)/);
    await client.close();
    await assert.rejects(second, /closed/);
    await assert.rejects(third, /closed/);
    client = undefined;
  });
});

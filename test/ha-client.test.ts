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
    await assert.rejects(client.callService('light', 'turn_on'), /authentication failed/);
  });

  it('with a wrong token and the queue policy, nothing queues: every call fails at once with "authentication failed"', async () => {
    client = createHaClient({
      baseUrl: server.url,
      token: 'wrong',
      offline: { policy: 'queue', maxItems: 2, maxAgeMs: 30000 },
    });
    client.start();
    await waitForState(client, 'auth failed');
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client?.callService('light', 'turn_on') ?? Promise.resolve()),
    );
    assert.deepStrictEqual(
      results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'fulfilled')),
      Array.from(
        { length: 5 },
        () => 'Home Assistant authentication failed: check the access token (nothing is queued)',
      ),
    );
    assert.strictEqual(client.state, 'auth failed');
  });

  it('says what Home Assistant said: its error message and code, not [object Object]', async () => {
    client = createHaClient({ baseUrl: server.url, token: server.token, offline: { policy: 'drop' } });
    client.start();
    await waitForState(client, 'connected');
    await assert.rejects(client.callService('nope', 'nope'), (error: Error) => {
      assert.ok(error instanceof Error);
      assert.doesNotMatch(error.message, /object Object/);
      assert.match(error.message, /^nope\.nope: Home Assistant says: .*not found.* \(\w+\)$/);
      return true;
    });
  });

  it('names the cause of a failed connection: refused, DNS, an HTTP answer, a URL ending in /api', async () => {
    assert.throws(() => websocketUrl('http://ha.local:8123/api'), /must not end in \/api/);
    assert.throws(() => websocketUrl('http://ha.local:8123/api/'), /must not end in \/api/);
    const causes: string[] = [];
    for (const baseUrl of [
      'http://127.0.0.1:9',
      'http://no-such-host.invalid:8123',
      `${server.url}/somewhere`,
    ]) {
      const probe = createHaClient({ baseUrl, token: 'x', offline: { policy: 'drop' } });
      const detail = new Promise<string>((resolve) =>
        probe.onState((state, text) => {
          if (state === 'disconnected' && text) resolve(text);
        }),
      );
      probe.start();
      causes.push(await detail);
      await probe.close();
    }
    assert.match(causes[0], /connection refused by 127\.0\.0\.1:9/);
    assert.match(causes[1], /cannot resolve no-such-host\.invalid \(DNS\)/);
    assert.match(causes[2], /answered HTTP 400 Bad Request to \/somewhere\/api\/websocket/);
  });

  it('while disconnected, state writes coalesce per entity and never push out service calls or events', async () => {
    client = createHaClient({
      baseUrl: server.url,
      token: server.token,
      offline: { policy: 'queue', maxItems: 3, maxAgeMs: 60000 },
    });
    client.start();
    await waitForState(client, 'connected');
    const disconnected = waitForState(client, 'disconnected');
    await server.stop();
    await disconnected;
    const before = server.commands.length;
    const calls = [
      client.callService('light', 'turn_on', {}, { entity_id: 'light.nursery' }),
      client.fireEvent('cry_baby_started', { time: '2026-12-01T02:00:00.000Z' }),
    ];
    // A crying baby writes the probability about once a second: 50 writes over a long outage.
    const writes = Array.from({ length: 50 }, (_, i) =>
      client?.setState('sensor.nursery_cry_probability', String(i), {}),
    );
    calls.push(client.fireEvent('cry_baby_stopped', { time: '2026-12-01T02:00:30.000Z' }));
    const reconnected = waitForState(client, 'connected', 20000);
    await server.restart();
    await reconnected;
    await Promise.all([...calls, ...writes]);
    const sent = server.commands
      .slice(before)
      .filter((c) => c.type === 'call_service' || c.type === 'fire_event');
    assert.deepStrictEqual(
      sent.map((c) => (c.type === 'fire_event' ? c.event_type : `${String(c.domain)}.${String(c.service)}`)),
      ['light.turn_on', 'cry_baby_started', 'cry_baby_stopped'],
    );
    assert.strictEqual((sent[1].event_data as { time: string }).time, '2026-12-01T02:00:00.000Z');
    assert.strictEqual(server.states.get('sensor.nursery_cry_probability')?.state, '49');
    assert.strictEqual(
      server.stateWrites.filter((w) => w.entityId === 'sensor.nursery_cry_probability').length,
      1,
      'one write: the latest value',
    );
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
    await assert.rejects(first, /queue full \(2 calls\)/);
    await client.close();
    await assert.rejects(second, /closed/);
    await assert.rejects(third, /closed/);
    client = undefined;
  });
});

/**
 * The outage test against the real Home Assistant of ../shared/ha: a whole cry episode (start and stop) happens while
 * Home Assistant cannot be reached for 25 s (a loopback proxy in front of it refuses and cuts every connection),
 * with cry ha state writing every window meanwhile. When it comes back, Home Assistant must get light.turn_on,
 * cry_baby_started, cry_baby_stopped and light.turn_off, in that order, with the episode's own times.
 */
import * as assert from 'assert';
import serverNode from '../nodes/cry-ha-server';
import actionNode from '../nodes/cry-ha-action';
import eventNode from '../nodes/cry-ha-event';
import stateNode from '../nodes/cry-ha-state';
import detectNode from '../nodes/cry-detect';
import { helper, loadFlow, nextStatus } from './node-helper';
import { eventually, haSocket, HaSocket, haState, realHa, RealHa, startProxy, TcpProxy } from './real-ha';
import { projectRoot } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const switchNode = require(
  require.resolve('@node-red/nodes/core/function/10-switch.js', { paths: [projectRoot()] }),
) as unknown;

describe('the alarm survives a 25 s Home Assistant outage during a cry (real Home Assistant)', function () {
  this.timeout(240000);
  let ha: RealHa;
  let socket: HaSocket;
  let proxy: TcpProxy;
  before(async function () {
    this.timeout(600000);
    ha = await realHa();
    socket = await haSocket(ha);
    const { hostname, port } = new URL(ha.ha_url);
    proxy = await startProxy(hostname, Number(port));
  });
  after(async () => {
    await helper.unload();
    socket?.close();
    await proxy?.close();
  });

  it('delivers turn_on, started, stopped and turn_off in order once Home Assistant is back', async () => {
    const seen: string[] = [];
    const started: { time?: string }[] = [];
    await socket.subscribe(undefined, (event) => {
      const data = event.data as Record<string, unknown>;
      if (event.event_type === 'call_service' && data.domain === 'light')
        seen.push(`light.${String(data.service)}`);
      else if (event.event_type === 'cry_baby_started' || event.event_type === 'cry_baby_stopped') {
        seen.push(String(event.event_type));
        if (event.event_type === 'cry_baby_started') started.push(data as { time?: string });
      }
    });
    await loadFlow(
      [serverNode, actionNode, eventNode, stateNode, detectNode, switchNode],
      [
        {
          id: 'srv',
          type: 'cry-ha-server',
          baseUrl: proxy.url,
          offlinePolicy: 'queue',
          queueSize: 10,
          queueMaxAge: 120,
        },
        {
          id: 'detect',
          type: 'cry-detect',
          onThreshold: 0.5,
          onCount: 2,
          onWindow: 3,
          offCount: 3,
          offSeconds: 10,
          cooldown: 0,
          minDuration: 2,
          wires: [['startOrStop'], ['state']],
        },
        {
          id: 'startOrStop',
          type: 'switch',
          property: 'payload',
          propertyType: 'msg',
          rules: [
            { t: 'eq', v: 'start', vt: 'str' },
            { t: 'eq', v: 'stop', vt: 'str' },
          ],
          checkall: 'true',
          outputs: 2,
          // Delivered in wire order: the light first when crying starts, the event first when it stops.
          wires: [
            ['on', 'event'],
            ['event', 'off'],
          ],
        },
        {
          id: 'on',
          type: 'cry-ha-action',
          server: 'srv',
          action: 'light.turn_on',
          target: '{"entity_id":"light.nursery"}',
          data: '{}',
        },
        {
          id: 'off',
          type: 'cry-ha-action',
          server: 'srv',
          action: 'light.turn_off',
          target: '{"entity_id":"light.nursery"}',
          data: '{}',
        },
        { id: 'event', type: 'cry-ha-event', server: 'srv', room: 'nursery' },
        {
          id: 'state',
          type: 'cry-ha-state',
          server: 'srv',
          entityName: 'outage_room',
          delta: 0,
          interval: 1,
        },
      ],
      { srv: { token: ha.token } },
    );
    await nextStatus(helper.getNode('state'), 'green');
    const detect = helper.getNode('detect');
    proxy.cut();
    const outageStart = Date.now();
    await nextStatus(helper.getNode('state'), 'red');
    // A 20-window cry (windows 1 s apart in stream time), then quiet until the episode stops.
    const t0 = Date.parse('2026-12-01T03:00:00Z');
    const windows = [...Array.from({ length: 20 }, () => 0.9), ...Array.from({ length: 5 }, () => 0.05)];
    for (const [i, probability] of windows.entries()) {
      detect.receive({ cry: { probability, windowStart: new Date(t0 + i * 1000).toISOString() } } as never);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 25000 - (Date.now() - outageStart))));
    assert.deepStrictEqual(seen, [], 'nothing reached Home Assistant during the outage');
    proxy.restore();
    await eventually('all four calls', async () => (seen.length >= 4 ? true : undefined), 90000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepStrictEqual(seen, ['light.turn_on', 'cry_baby_started', 'cry_baby_stopped', 'light.turn_off']);
    assert.strictEqual(
      started[0].time,
      new Date(t0 + 1000).toISOString(),
      'the episode keeps its own start time',
    );
    assert.strictEqual((await haState(ha, 'light.nursery'))?.state, 'off');
    // The state sensor got the latest value after the outage, not the history.
    assert.strictEqual((await haState(ha, 'binary_sensor.outage_room_crying'))?.state, 'off');
    assert.strictEqual((await haState(ha, 'sensor.outage_room_cry_probability'))?.state, '5');
  });
});

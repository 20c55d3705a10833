import * as assert from 'assert';
import serverNode from '../nodes/cry-ha-server';
import actionNode from '../nodes/cry-ha-action';
import eventNode from '../nodes/cry-ha-event';
import stateNode from '../nodes/cry-ha-state';
import { events, helper, loadFlow, nextError, nextMessage, nextStatus } from './node-helper';
import { startHaTestServer, HaTestServer } from './ha-test-server';

const NODES = [serverNode, actionNode, eventNode, stateNode];

describe('Home Assistant nodes in Node-RED against the loopback HA server', function () {
  this.timeout(40000);
  let ha: HaTestServer;
  beforeEach(async () => {
    ha = await startHaTestServer();
  });
  afterEach(async () => {
    await helper.unload();
    await ha.stop();
  });

  const flow = (nodes: Record<string, unknown>[], extra: Record<string, unknown> = {}) => [
    {
      id: 'srv',
      type: 'cry-ha-server',
      baseUrl: ha.url,
      offlinePolicy: 'queue',
      queueSize: 5,
      queueMaxAge: 60,
      ...extra,
    },
    ...nodes,
    { id: 'out', type: 'helper' },
  ];
  const credentials = (token: string) => ({ srv: { token } });

  it('cry-ha-action calls the configured service with templated data and returns the response', async () => {
    await loadFlow(
      NODES,
      flow([
        {
          id: 'act',
          type: 'cry-ha-action',
          server: 'srv',
          action: 'light.turn_on',
          target: '{"entity_id":"light.nursery"}',
          data: '{"brightness_pct":"{{cry.level}}","flash":"short"}',
          returnResponse: true,
          wires: [['out']],
        },
      ]),
      credentials(ha.token),
    );
    const act = helper.getNode('act');
    await nextStatus(act, 'green');
    const out = nextMessage(helper.getNode('out'));
    act.receive({ payload: 'start', cry: { level: 40 } } as never);
    const msg = (await out) as { payload: unknown };
    const call = ha.commands.find((c) => c.type === 'call_service');
    assert.deepStrictEqual(
      [call?.domain, call?.service, call?.target, call?.service_data, call?.return_response],
      ['light', 'turn_on', { entity_id: 'light.nursery' }, { brightness_pct: 40, flash: 'short' }, true],
    );
    assert.deepStrictEqual(msg.payload, { echoed: { brightness_pct: 40, flash: 'short' } });
  });

  it('cry-ha-action accepts the zachowj message shape and reports a bad action', async () => {
    await loadFlow(
      NODES,
      flow([{ id: 'act', type: 'cry-ha-action', server: 'srv', wires: [['out']] }]),
      credentials(ha.token),
    );
    const act = helper.getNode('act');
    await nextStatus(act, 'green');
    const out = nextMessage(helper.getNode('out'));
    act.receive({
      payload: { action: 'notify.mobile_app_phone', data: { message: 'Baby is crying' } },
    } as never);
    await out;
    const call = ha.commands.find((c) => c.type === 'call_service');
    assert.deepStrictEqual(
      [call?.domain, call?.service, call?.service_data],
      ['notify', 'mobile_app_phone', { message: 'Baby is crying' }],
    );
    const error = nextError(act);
    act.receive({ payload: { action: 'turn on the light' } } as never);
    assert.match(await error, /expected an action "domain.service"/);
  });

  it('cry-ha-event fires cry_baby_started / cry_baby_stopped with the episode details', async () => {
    await loadFlow(
      NODES,
      flow([{ id: 'evt', type: 'cry-ha-event', server: 'srv', room: 'nursery', wires: [['out']] }]),
      credentials(ha.token),
    );
    const evt = helper.getNode('evt');
    await nextStatus(evt, 'green');
    const fired = ha.nextCommand('fire_event');
    evt.receive({
      payload: 'start',
      event: { peakProbability: 0.97, source: 'mic', time: '2026-11-24T06:00:00.000Z' },
    } as never);
    const command = await fired;
    assert.strictEqual(command.event_type, 'cry_baby_started');
    assert.deepStrictEqual(command.event_data, {
      room: 'nursery',
      peakProbability: 0.97,
      source: 'mic',
      time: '2026-11-24T06:00:00.000Z',
    });
    const stopped = ha.nextCommand('fire_event');
    evt.receive({ payload: 'stop', event: { durationSeconds: 42 } } as never);
    assert.strictEqual((await stopped).event_type, 'cry_baby_stopped');
  });

  it('cry-ha-state publishes the binary sensor on change and rate-limits the probability', async () => {
    await loadFlow(
      NODES,
      flow([
        {
          id: 'st',
          type: 'cry-ha-state',
          server: 'srv',
          entityName: 'Nursery',
          delta: 0.1,
          interval: 3600,
          wires: [['out']],
        },
      ]),
      credentials(ha.token),
    );
    const st = helper.getNode('st');
    await nextStatus(st, 'green');
    for (const [p, crying] of [
      [0.02, false],
      [0.05, false],
      [0.5, false],
      [0.55, false],
      [0.95, true],
      [0.96, true],
    ] as const) {
      const out = nextMessage(helper.getNode('out'));
      st.receive({ payload: p, cry: { probability: p, crying, threshold: 0.8 } } as never);
      await out;
    }
    const probability = ha.stateWrites
      .filter((w) => w.entityId === 'sensor.nursery_cry_probability')
      .map((w) => w.state);
    assert.deepStrictEqual(probability, ['2', '50', '95'], 'sent only on a change of at least 0.1');
    const binary = ha.stateWrites
      .filter((w) => w.entityId === 'binary_sensor.nursery_crying')
      .map((w) => w.state);
    assert.deepStrictEqual(binary, ['off', 'on']);
    assert.strictEqual(ha.states.get('sensor.nursery_cry_probability')?.attributes.unit_of_measurement, '%');
    assert.strictEqual(ha.states.get('binary_sensor.nursery_crying')?.attributes.device_class, 'sound');
  });

  it('cry-ha-state fed from cry detect follows the episode (msg.crying), not each window', async () => {
    await loadFlow(
      NODES,
      flow([
        {
          id: 'st2',
          type: 'cry-ha-state',
          server: 'srv',
          entityName: 'Cot',
          delta: 0.1,
          interval: 3600,
          wires: [['out']],
        },
      ]),
      credentials(ha.token),
    );
    const st = helper.getNode('st2');
    await nextStatus(st, 'green');
    // An episode on for five windows whose own verdicts flip between crying and not.
    for (const [p, windowCrying, episode] of [
      [0.9, true, true],
      [0.2, false, true],
      [0.9, true, true],
      [0.1, false, true],
      [0.1, false, false],
    ] as const) {
      const out = nextMessage(helper.getNode('out'));
      st.receive({ payload: p, crying: episode, cry: { probability: p, crying: windowCrying } } as never);
      await out;
    }
    const binary = ha.stateWrites
      .filter((w) => w.entityId === 'binary_sensor.cot_crying')
      .map((w) => w.state);
    assert.deepStrictEqual(binary, ['on', 'off'], 'one on and one off for the episode');
  });

  it('a wrong token shows "authentication failed" on the dependent nodes and stops retrying', async () => {
    await loadFlow(
      NODES,
      flow([{ id: 'evt', type: 'cry-ha-event', server: 'srv', wires: [['out']] }]),
      credentials('not-the-token'),
    );
    const red = await nextStatus(helper.getNode('evt'), 'red');
    assert.strictEqual(red.text, 'authentication failed');
    const attempts = ha.authAttempts;
    assert.ok(attempts >= 1 && attempts <= 2, `${attempts} auth attempts`);
  });

  it('reconnects when the server restarts mid-flow; the next event arrives', async () => {
    await loadFlow(
      NODES,
      flow([{ id: 'evt', type: 'cry-ha-event', server: 'srv', wires: [['out']] }]),
      credentials(ha.token),
    );
    const evt = helper.getNode('evt');
    await nextStatus(evt, 'green');
    const first = ha.nextCommand('fire_event');
    evt.receive({ payload: 'start' } as never);
    await first;
    const down = nextStatus(evt, 'red');
    await ha.stop();
    assert.match((await down).text ?? '', /disconnected/);
    const up = nextStatus(evt, 'green', 20000);
    await ha.restart();
    await up;
    const second = ha.nextCommand('fire_event');
    evt.receive({ payload: 'stop' } as never);
    assert.strictEqual((await second).event_type, 'cry_baby_stopped');
  });

  it('a server node without a token reports it and dependent nodes show the problem', async () => {
    await loadFlow(
      NODES,
      flow([{ id: 'act', type: 'cry-ha-action', server: 'srv', action: 'light.turn_on', wires: [['out']] }]),
      {},
    );
    const act = helper.getNode('act');
    const error = nextError(act);
    act.receive({ payload: 'x' } as never);
    assert.match(await error, /no access token set/);
  });

  it('without any URL and token (as imported) the nodes are a grey "not configured", with no error per message', async () => {
    await loadFlow(
      NODES,
      [
        { id: 'srv0', type: 'cry-ha-server', baseUrl: '' },
        { id: 'act0', type: 'cry-ha-action', server: 'srv0', action: 'light.turn_on', wires: [[]] },
      ],
      {},
    );
    const act = helper.getNode('act0');
    const grey = await nextStatus(act, 'grey');
    assert.match(grey.text ?? '', /not configured/);
    let errors = 0;
    events(act).on('call:error', () => errors++);
    for (let i = 0; i < 5; i++) act.receive({ payload: 'start' } as never);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.strictEqual(errors, 0);
  });
});

/**
 * cry ha mqtt against the real Home Assistant core and Mosquitto of ../shared/ha: the room appears as a device
 * with its five entities under the intended ids, follows cry detect's episodes, takes the threshold and the
 * detection switch from Home Assistant live, turns unavailable when Node-RED stops, and comes back with its current
 * state after Home Assistant restarts. Every topic and payload it sends is checked.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import cryFileNode from '../nodes/cry-file';
import classifierNode from '../nodes/cry-classifier';
import { readWav, writeWav } from '../src/core/audio/wav';
import { sharedDir, tempDir } from './fixtures';
import brokerNode from '../nodes/cry-mqtt-broker';
import mqttNode from '../nodes/cry-ha-mqtt';
import detectNode from '../nodes/cry-detect';
import { events, helper, loadFlow, nextMessage, nextStatus } from './node-helper';
import {
  eventually,
  haSocket,
  haState,
  haRest,
  MqttRecorder,
  realHa,
  RealHa,
  recordMqtt,
  restartHa,
  startProxy,
} from './real-ha';

const NODES = [brokerNode, mqttNode, detectNode];
const ENTITIES = [
  'binary_sensor.nursery_cry',
  'sensor.nursery_cry_probability',
  'event.nursery_cry_episode',
  'number.nursery_cry_threshold',
  'switch.nursery_cry_detection',
];

/** What our topics and payloads must look like (independent of the code that builds them). */
function checkOutgoing(message: { topic: string; payload: string; retain: boolean }): string | undefined {
  const { topic, payload } = message;
  if (topic === 'homeassistant/device/nursery/config') {
    const config = JSON.parse(payload) as Record<string, unknown>;
    for (const key of ['dev', 'o', 'cmps', 'avty_t']) if (!(key in config)) return `${topic}: no ${key}`;
    const cmps = config.cmps as Record<string, Record<string, unknown>>;
    for (const [key, component] of Object.entries(cmps)) {
      for (const field of ['p', 'unique_id', 'object_id', 'default_entity_id', 'state_topic'])
        if (typeof component[field] !== 'string') return `${topic}: component ${key} has no ${field}`;
      if (!String(component.default_entity_id).startsWith(`${String(component.p)}.nursery_`))
        return `${topic}: ${key} default_entity_id ${String(component.default_entity_id)}`;
      if (['number', 'switch'].includes(String(component.p)) && typeof component.command_topic !== 'string')
        return `${topic}: ${key} has no command_topic`;
    }
    return message.retain ? undefined : `${topic} not retained`;
  }
  const ours =
    /^cry_baby\/nursery\/(availability|crying|crying\/attributes|probability|episode|threshold|detection)$/;
  const command = /^cry_baby\/nursery\/(threshold|detection)\/set$/;
  const match = ours.exec(topic);
  if (command.test(topic)) return undefined; // Home Assistant's, not ours
  if (!match) return `unexpected topic ${topic}`;
  switch (match[1]) {
    case 'availability':
      return ['online', 'offline'].includes(payload) ? undefined : `availability ${payload}`;
    case 'crying':
    case 'detection':
      return ['ON', 'OFF'].includes(payload) ? undefined : `${topic} ${payload}`;
    case 'probability':
      return /^(100|[1-9]?[0-9])$/.test(payload) ? undefined : `probability ${payload}`;
    case 'threshold':
      return Number(payload) > 0 && Number(payload) < 1 ? undefined : `threshold ${payload}`;
    case 'crying/attributes':
      return typeof JSON.parse(payload) === 'object' ? undefined : `attributes ${payload}`;
    case 'episode': {
      const event = JSON.parse(payload) as Record<string, unknown>;
      if (!['started', 'stopped'].includes(String(event.event_type))) return `episode ${payload}`;
      if (Number.isNaN(Date.parse(String(event.time)))) return `episode time ${payload}`;
      return message.retain ? `${topic} retained` : undefined;
    }
  }
  return undefined;
}

describe('cry ha mqtt in a real Home Assistant (MQTT discovery)', function () {
  this.timeout(180000);
  let ha: RealHa;
  let recorder: MqttRecorder;
  before(async function () {
    this.timeout(600000);
    ha = await realHa();
    recorder = await recordMqtt(ha, 'cry_baby/#');
    await new Promise<void>((resolve, reject) =>
      recorder.client.subscribe('homeassistant/device/#', { qos: 1, rap: true }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  });
  after(async () => {
    await helper.unload();
    await recorder?.close();
  });

  const flow = () => [
    { id: 'broker', type: 'cry-mqtt-broker', brokerUrl: `mqtt://${ha.mqtt_host}:${ha.mqtt_port}` },
    {
      id: 'mqtt',
      type: 'cry-ha-mqtt',
      broker: 'broker',
      room: 'Nursery',
      interval: 0,
      delta: 2,
      wires: [['detect', 'control']],
    },
    {
      id: 'detect',
      type: 'cry-detect',
      onThreshold: '',
      onCount: 2,
      onWindow: 3,
      offCount: 3,
      offSeconds: 10,
      cooldown: 0,
      minDuration: 2,
      wires: [
        ['mqtt', 'events'],
        ['mqtt', 'windows'],
      ],
    },
    { id: 'events', type: 'helper' },
    { id: 'windows', type: 'helper' },
    { id: 'control', type: 'helper' },
  ];
  let clock = Date.parse('2026-12-01T02:00:00Z');
  const windowMsg = (probability: number) => {
    clock += 1000;
    return {
      cry: { probability, threshold: 0.5, windowStart: new Date(clock).toISOString(), model: 'test' },
    };
  };

  it('appears as one device with five entities named for the room, and follows episodes', async () => {
    await loadFlow(NODES, flow());
    const mqttNodeUnderTest = helper.getNode('mqtt');
    await nextStatus(mqttNodeUnderTest, 'green');
    const detect = helper.getNode('detect');
    detect.receive(windowMsg(0.1) as never);
    for (const entityId of ENTITIES)
      await eventually(`${entityId} in Home Assistant`, async () =>
        (await haState(ha, entityId))?.state === 'unavailable' ? undefined : await haState(ha, entityId),
      );
    const socket = await haSocket(ha);
    try {
      const devices = await socket.command<
        { id: string; name: string; manufacturer: string; identifiers: string[][] }[]
      >({
        type: 'config/device_registry/list',
      });
      const device = devices.find((d) =>
        d.identifiers.some(([domain, id]) => domain === 'mqtt' && id === 'cry_baby_nursery'),
      );
      assert.ok(device, 'device cry_baby_nursery in the device registry');
      assert.strictEqual(device.name, 'Nursery cry detector');
      assert.strictEqual(device.manufacturer, 'Cry Baby');
      const entities = await socket.command<
        { entity_id: string; device_id: string; unique_id: string; platform: string }[]
      >({
        type: 'config/entity_registry/list',
      });
      const ours = entities
        .filter((e) => e.device_id === device.id)
        .map((e) => e.entity_id)
        .sort();
      assert.deepStrictEqual(ours, [...ENTITIES].sort());
    } finally {
      socket.close();
    }
    assert.strictEqual((await haState(ha, 'binary_sensor.nursery_cry'))?.state, 'off');
    assert.strictEqual((await haState(ha, 'switch.nursery_cry_detection'))?.state, 'on');
    assert.strictEqual((await haState(ha, 'number.nursery_cry_threshold'))?.state, '0.5');

    // Two loud windows start an episode: the binary sensor goes on, the automation turns the light on, the event
    // entity records "started".
    const started = nextMessage(helper.getNode('events'));
    detect.receive(windowMsg(0.9) as never);
    detect.receive(windowMsg(0.8) as never);
    assert.strictEqual(((await started) as { payload: string }).payload, 'start');
    await eventually('binary sensor on', async () =>
      (await haState(ha, 'binary_sensor.nursery_cry'))?.state === 'on' ? true : undefined,
    );
    await eventually('light.nursery on (automation)', async () =>
      (await haState(ha, 'light.nursery'))?.state === 'on' ? true : undefined,
    );
    const startedEvent = await eventually('event entity started', async () => {
      const state = await haState(ha, 'event.nursery_cry_episode');
      return state?.attributes.event_type === 'started' ? state : undefined;
    });
    assert.strictEqual(typeof startedEvent.attributes.peak, 'number');
    await eventually('probability 80 %', async () =>
      (await haState(ha, 'sensor.nursery_cry_probability'))?.state === '80' ? true : undefined,
    );

    const stopped = nextMessage(helper.getNode('events'));
    for (let i = 0; i < 4; i++) detect.receive(windowMsg(0.05) as never);
    const stopMsg = (await stopped) as { payload: string; event: { durationSeconds: number } };
    assert.strictEqual(stopMsg.payload, 'stop');
    await eventually('binary sensor off', async () =>
      (await haState(ha, 'binary_sensor.nursery_cry'))?.state === 'off' ? true : undefined,
    );
    const stoppedEvent = await eventually('event entity stopped', async () => {
      const state = await haState(ha, 'event.nursery_cry_episode');
      return state?.attributes.event_type === 'stopped' ? state : undefined;
    });
    assert.strictEqual(stoppedEvent.attributes.duration_s, stopMsg.event.durationSeconds);
  });

  it('takes the threshold and the detection switch from Home Assistant, live', async () => {
    const detect = helper.getNode('detect');
    const control = nextMessage(helper.getNode('control'));
    await haRest(ha, 'POST', 'services/number/set_value', {
      entity_id: 'number.nursery_cry_threshold',
      value: 0.85,
    });
    assert.deepStrictEqual(((await control) as { control: unknown }).control, { threshold: 0.85 });
    await eventually('number 0.85', async () =>
      (await haState(ha, 'number.nursery_cry_threshold'))?.state === '0.85' ? true : undefined,
    );
    // 0.8 no longer starts an episode; the windows say which threshold is in force.
    const windows: { crying: boolean; detection: { onThreshold: number; enabled: boolean } }[] = [];
    const collect = (m: (typeof windows)[number]) => windows.push(m);
    events(helper.getNode('windows')).on('input', collect);
    for (let i = 0; i < 3; i++) detect.receive(windowMsg(0.8) as never);
    await eventually('3 windows', async () => (windows.length >= 3 ? true : undefined));
    assert.ok(
      windows.every((w) => !w.crying && w.detection.onThreshold === 0.85),
      JSON.stringify(windows),
    );

    // The switch off pauses detection: even 0.99 starts nothing, windows keep flowing.
    const paused = nextMessage(helper.getNode('control'));
    await haRest(ha, 'POST', 'services/switch/turn_off', { entity_id: 'switch.nursery_cry_detection' });
    assert.deepStrictEqual(((await paused) as { control: unknown }).control, { enabled: false });
    await nextStatus(detect, 'grey');
    windows.length = 0;
    for (let i = 0; i < 3; i++) detect.receive(windowMsg(0.99) as never);
    await eventually('3 paused windows', async () => (windows.length >= 3 ? true : undefined));
    assert.ok(windows.every((w) => !w.crying && !w.detection.enabled));
    assert.strictEqual((await haState(ha, 'switch.nursery_cry_detection'))?.state, 'off');
    assert.strictEqual((await haState(ha, 'binary_sensor.nursery_cry'))?.state, 'off');
    await haRest(ha, 'POST', 'services/switch/turn_on', { entity_id: 'switch.nursery_cry_detection' });
    await eventually('switch on', async () =>
      (await haState(ha, 'switch.nursery_cry_detection'))?.state === 'on' ? true : undefined,
    );
    events(helper.getNode('windows')).removeListener('input', collect);
  });

  it('comes back with its current state after Home Assistant restarts', async function () {
    this.timeout(400000);
    const detect = helper.getNode('detect');
    // Start an episode at the live threshold 0.85 and restart Home Assistant in the middle of it.
    const started = nextMessage(helper.getNode('events'));
    detect.receive(windowMsg(0.95) as never);
    detect.receive(windowMsg(0.95) as never);
    await started;
    await eventually('binary sensor on', async () =>
      (await haState(ha, 'binary_sensor.nursery_cry'))?.state === 'on' ? true : undefined,
    );
    const configsBefore = recorder.messages.filter(
      (m) => m.topic === 'homeassistant/device/nursery/config',
    ).length;
    await restartHa(ha);
    // Home Assistant's birth message (homeassistant/status = online) makes the device announce itself again.
    await eventually('discovery sent again after the birth message', async () =>
      recorder.messages.filter((m) => m.topic === 'homeassistant/device/nursery/config').length >
      configsBefore
        ? true
        : undefined,
    );
    for (const [entityId, state] of [
      ['binary_sensor.nursery_cry', 'on'],
      ['number.nursery_cry_threshold', '0.85'],
      ['switch.nursery_cry_detection', 'on'],
    ])
      await eventually(
        `${entityId} = ${state} after the restart`,
        async () => ((await haState(ha, entityId))?.state === state ? true : undefined),
        60000,
      );
  });

  it('turns unavailable when Node-RED stops, and sent nothing malformed', async () => {
    await helper.unload();
    for (const entityId of ENTITIES)
      await eventually(`${entityId} unavailable`, async () =>
        (await haState(ha, entityId))?.state === 'unavailable' ? true : undefined,
      );
    const problems = recorder.messages.map(checkOutgoing).filter(Boolean);
    assert.deepStrictEqual(problems, []);
    assert.ok(recorder.messages.some((m) => m.topic === 'homeassistant/device/nursery/config'));
    const log = fs.readFileSync(ha.ha_log, 'utf8');
    const discoveryErrors = log
      .split('\n')
      .filter(
        (line) =>
          /discovery|Unable to parse JSON/i.test(line) &&
          /(ERROR|WARNING)/.test(line) &&
          /cry_baby|nursery/.test(line),
      );
    assert.deepStrictEqual(discoveryErrors, []);
  });

  it('a 25 s broker outage: unavailable by the last will, then the episode events in order with their own times', async function () {
    this.timeout(200000);
    const proxy = await startProxy(ha.mqtt_host, ha.mqtt_port);
    const socket = await haSocket(ha);
    const episodes: { event_type: unknown; time: unknown }[] = [] as { event_type: unknown; time: unknown }[];
    await socket.subscribe('state_changed', (event) => {
      const data = event.data as { entity_id: string; new_state?: { attributes: Record<string, unknown> } };
      if (data.entity_id === 'event.playroom_cry_episode' && data.new_state?.attributes.event_type)
        episodes.push({
          event_type: data.new_state.attributes.event_type,
          time: data.new_state.attributes.time,
        });
    });
    try {
      const playroom = flow().map((node) =>
        node.id === 'broker'
          ? { ...node, brokerUrl: `mqtt://127.0.0.1:${proxy.port}` }
          : node.id === 'mqtt'
            ? { ...node, room: 'Playroom' }
            : node,
      );
      await loadFlow(NODES, playroom);
      await nextStatus(helper.getNode('mqtt'), 'green');
      const detect = helper.getNode('detect');
      detect.receive(windowMsg(0.1) as never);
      await eventually('playroom entities', async () =>
        (await haState(ha, 'binary_sensor.playroom_cry'))?.state === 'off' ? true : undefined,
      );
      // The socket dies without a DISCONNECT, as when Node-RED's host crashes: the broker sends the last will.
      proxy.cut();
      await eventually('unavailable by the last will', async () =>
        (await haState(ha, 'binary_sensor.playroom_cry'))?.state === 'unavailable' ? true : undefined,
      );
      const outageStart = Date.now();
      const startTime = new Date(clock + 2000).toISOString();
      for (const p of [0.9, 0.9, 0.9, 0.05, 0.05, 0.05, 0.05]) detect.receive(windowMsg(p) as never);
      await new Promise((resolve) => setTimeout(resolve, 25000 - (Date.now() - outageStart)));
      assert.strictEqual(episodes.length, 0, 'nothing reached Home Assistant during the outage');
      proxy.restore();
      await eventually('both episode events', async () => (episodes.length >= 2 ? true : undefined), 60000);
      assert.deepStrictEqual(
        episodes.map((e) => e.event_type),
        ['started', 'stopped'],
      );
      assert.strictEqual(episodes[0].time, startTime);
      assert.strictEqual((await haState(ha, 'binary_sensor.playroom_cry'))?.state, 'off');
    } finally {
      socket.close();
      await helper.unload();
      await proxy.close();
    }
  });

  it('a replayed cry through cry file, YAMNet and cry detect turns the sensor on (and the light, by automation) and off', async function () {
    this.timeout(200000);
    await haRest(ha, 'POST', 'services/light/turn_off', { entity_id: 'light.nursery' });
    await eventually('light off', async () =>
      (await haState(ha, 'light.nursery'))?.state === 'off' ? true : undefined,
    );
    // An ESC-50 crying-baby clip (unseen by YAMNet) twice, then 30 s of room quiet so that the episode ends (the
    // YAMNet policy stops after about 20 s below 0.1).
    const clip = readWav(
      fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', '4-59579-A-20.wav')),
    ).samples;
    const dir = tempDir('cry-mqtt-replay-');
    const audio = new Float32Array(clip.length * 2 + 30 * 16000);
    audio.set(clip, 0);
    audio.set(clip, clip.length);
    for (let i = clip.length * 2; i < audio.length; i++) audio[i] = 0.0005 * Math.sin(i * 0.37);
    fs.writeFileSync(path.join(dir, 'night.wav'), writeWav(audio, 16000));
    const seen: string[] = [];
    const socket = await haSocket(ha);
    await socket.subscribe('state_changed', (event) => {
      const data = event.data as { entity_id: string; new_state?: { state: string } };
      if (['binary_sensor.nursery_cry', 'light.nursery'].includes(data.entity_id) && data.new_state)
        seen.push(`${data.entity_id}=${data.new_state.state}`);
    });
    try {
      await loadFlow(
        [...NODES, cryFileNode, classifierNode],
        [
          { id: 'broker', type: 'cry-mqtt-broker', brokerUrl: `mqtt://${ha.mqtt_host}:${ha.mqtt_port}` },
          { id: 'mqtt', type: 'cry-ha-mqtt', broker: 'broker', room: 'Nursery', wires: [['detect']] },
          { id: 'file', type: 'cry-file', path: dir, mode: 'fast', hop: 1, wires: [['classifier'], []] },
          {
            id: 'classifier',
            type: 'cry-classifier',
            model: 'yamnet',
            yamnetFile: path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite'),
            wires: [['detect']],
          },
          { id: 'detect', type: 'cry-detect', wires: [['mqtt', 'events'], ['mqtt']] },
          { id: 'events', type: 'helper' },
        ],
      );
      const kinds: string[] = [];
      events(helper.getNode('events')).on('input', (m: { payload: string }) => kinds.push(m.payload));
      helper.getNode('file').receive({ payload: 'go' } as never);
      await eventually(
        'start and stop from the replay',
        async () => (kinds.length >= 2 ? true : undefined),
        120000,
      );
      assert.deepStrictEqual(kinds, ['start', 'stop']);
      await eventually('sensor on, light on, sensor off', async () =>
        ['binary_sensor.nursery_cry=on', 'light.nursery=on', 'binary_sensor.nursery_cry=off'].every((s) =>
          seen.includes(s),
        )
          ? true
          : undefined,
      );
      assert.ok(
        seen.indexOf('binary_sensor.nursery_cry=on') < seen.lastIndexOf('binary_sensor.nursery_cry=off'),
        seen.join(', '),
      );
    } finally {
      socket.close();
      await helper.unload();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

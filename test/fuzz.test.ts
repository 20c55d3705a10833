/**
 * Randomised bad input, per node, in the real runtime: every message ends in exactly one done (counted by a
 * Complete and a Catch node scoped to the node under test), error texts stay short, memory stays bounded.
 */
import * as assert from 'assert';
import * as path from 'path';
import cryClassifierNode from '../nodes/cry-classifier';
import cryDetectNode from '../nodes/cry-detect';
import cryLogNode from '../nodes/cry-log';
import cryMelNode from '../nodes/cry-mel';
import cryStreamNode from '../nodes/cry-stream';
import cryMicNode from '../nodes/cry-mic';
import cryFileNode from '../nodes/cry-file';
import haServerNode from '../nodes/cry-ha-server';
import haActionNode from '../nodes/cry-ha-action';
import haEventNode from '../nodes/cry-ha-event';
import haStateNode from '../nodes/cry-ha-state';
import brokerNode from '../nodes/cry-mqtt-broker';
import haMqttNode from '../nodes/cry-ha-mqtt';
import { createRandomSource } from '../src/core/model/random';
import { collectMessages, events, helper, loadFlow, nextStatus } from './node-helper';
import { tempDir } from './fixtures';
import { realHa } from './real-ha';
import * as mqtt from 'mqtt';
import { writeTinyModel } from './tiny-model';

// The test helper registers Node-RED's own Complete and Catch nodes, which count the outcomes here.

const MESSAGES = 1000;

/** A hostile message: wrong types, huge or circular payloads, NaN and Infinity, odd sample rates. */
function hostile(random: () => number, k: number): Record<string, unknown> {
  const circular: Record<string, unknown> = { k };
  circular.self = circular;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const payloads: (() => unknown)[] = [
    () => (k % 100 === 0 ? Buffer.alloc(10 * 2 ** 20, 7) : Buffer.alloc(Math.floor(random() * 70000))),
    () => circular,
    () => NaN,
    () => Infinity,
    () => -1,
    () => 2,
    () => random(),
    () => 'start',
    () => 'x'.repeat(Math.floor(random() * 100000)),
    () => new Float32Array(Math.floor(random() * 64000)).fill(pick([NaN, Infinity, 0.1, 1e30])),
    () => null,
    () => 10n,
    () => [1, 2, 3],
  ];
  return {
    payload: pick(payloads)(),
    rate: pick([16000, 44100, 8000, 0, -5, 1, 383993, 96001, NaN, '16000', undefined]),
    bits: pick([16, 8, 24, undefined, 'x']),
    channels: pick([1, 2, 0, 33, undefined]),
    encoding: pick(['signed-integer', 'float', undefined]),
    spectrogram: random() < 0.2 ? pick([{ nMels: 128, frames: 126 }, { nMels: -1 }, circular]) : undefined,
    window:
      random() < 0.3
        ? pick([{ source: 's', startSample: k * 16000, startTime: 'never' }, circular])
        : undefined,
    cry:
      random() < 0.4
        ? pick([
            {
              probability: random(),
              windowStart: pick(['+275760-09-13T00:00:00.000Z', 'bad', new Date().toISOString()]),
            },
            { probability: NaN },
            circular,
            { probability: random(), detection: circular },
          ])
        : undefined,
  };
}

/**
 * Removes what the fuzzed device left retained on the run's broker (its discovery and states), so that later tests
 * of the same broker see only their own device.
 */
async function clearRetained(url: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clean: true });
  try {
    const topics = new Set<string>();
    client.on('message', (topic, payload, packet) => {
      if (packet.retain && payload.length) topics.add(topic);
    });
    await client.subscribeAsync(['cry_baby/fuzz_room/#', 'homeassistant/device/fuzz_room/#']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const topic of topics) await client.publishAsync(topic, '', { retain: true, qos: 1 });
  } finally {
    await client.endAsync();
  }
}

describe('fuzz: 1,000 hostile messages per node', function () {
  this.timeout(300000);
  let model: string;
  before(async () => {
    model = await writeTinyModel({ threshold: 0.5 });
  });
  // A connected device publishes "offline" when it closes: its broker is cleared after the flow is unloaded.
  let brokerToClear: string | undefined;
  afterEach(async () => {
    await helper.unload();
    if (brokerToClear) await clearRetained(brokerToClear);
    brokerToClear = undefined;
  });

  const targets: {
    name: string;
    node: typeof cryMelNode | (typeof cryMelNode)[];
    config: () => Record<string, unknown>;
    /** Config nodes the node under test needs (default: an unconfigured Home Assistant server for HA nodes). */
    extra?: Record<string, unknown>[];
    /** The node type, when the name says more (default: the name). */
    type?: string;
    /** Against the run's real Home Assistant (server 'srv' with its URL and token). */
    connected?: boolean;
  }[] = [
    { name: 'cry-mel', node: cryMelNode, config: () => ({}) },
    {
      name: 'cry-classifier',
      node: cryClassifierNode,
      config: () => ({ model: 'cry-baby-cnn', modelDir: model, download: false }),
    },
    { name: 'cry-detect', node: cryDetectNode, config: () => ({}) },
    {
      name: 'cry-log',
      node: cryLogNode,
      config: () => ({
        file: path.join(tempDir('cry-fuzz-log-'), 'p.csv'),
        clipMode: 'window',
        clipFolder: tempDir('cry-fuzz-clips-'),
      }),
    },
    {
      // Each message restarts the replay: the one before it ends (done) and this one fails on the missing folder.
      name: 'cry-file',
      node: cryFileNode,
      config: () => ({ path: '/nonexistent/recordings', mode: 'fast' }),
    },
    {
      name: 'cry-stream',
      node: cryStreamNode,
      config: () => ({ url: '/nonexistent/recording.wav', autoStart: false }),
    },
    {
      // A real recorder on a device that does not exist: each "start" spawns sox, which fails at once.
      name: 'cry-mic',
      node: cryMicNode,
      config: () => ({
        recorder: 'sox',
        driver: 'alsa',
        device: 'cry-fuzz-no-such-device',
        autoStart: false,
      }),
    },
    {
      name: 'cry-ha-action',
      node: [haServerNode, haActionNode],
      config: () => ({ server: 'srv', action: 'light.turn_on' }),
    },
    { name: 'cry-ha-event', node: [haServerNode, haEventNode], config: () => ({ server: 'srv' }) },
    {
      // Connected: every message that makes a call reaches the real Home Assistant, which answers each (a call
      // with no effect on the entities other tests watch).
      name: 'cry-ha-action, connected',
      type: 'cry-ha-action',
      node: [haServerNode, haActionNode],
      config: () => ({
        server: 'srv',
        action: 'persistent_notification.dismiss',
        data: '{"notification_id": "cry-fuzz"}',
      }),
      connected: true,
    },
    {
      name: 'cry-ha-state, connected',
      type: 'cry-ha-state',
      node: [haServerNode, haStateNode],
      config: () => ({ server: 'srv', entityName: 'fuzz_room' }),
      connected: true,
    },
    {
      // The run's real Mosquitto, with Home Assistant listening on it.
      name: 'cry-ha-mqtt, connected',
      type: 'cry-ha-mqtt',
      node: [brokerNode, haMqttNode],
      config: () => ({ broker: 'brk', room: 'Fuzz room' }),
      connected: true,
      extra: [],
    },
    {
      name: 'cry-ha-event, connected',
      type: 'cry-ha-event',
      node: [haServerNode, haEventNode],
      config: () => ({ server: 'srv', room: 'fuzz' }),
      connected: true,
    },
    {
      name: 'cry-ha-state',
      node: [haServerNode, haStateNode],
      config: () => ({ server: 'srv', name: 'nursery' }),
    },
    {
      // A broker that refuses: the device exists and takes every message, nothing is connected.
      name: 'cry-ha-mqtt',
      node: [brokerNode, haMqttNode],
      config: () => ({ broker: 'brk', room: 'Fuzz room' }),
      extra: [{ id: 'brk', type: 'cry-mqtt-broker', brokerUrl: 'mqtt://127.0.0.1:9' }],
    },
  ];
  for (const target of targets) {
    it(`${target.name}: exactly one done per message, short errors, bounded memory`, async () => {
      const ha = target.connected ? await realHa() : undefined;
      await loadFlow(
        Array.isArray(target.node) ? target.node : [target.node],
        [
          { id: 'tab', type: 'tab' },
          // Home Assistant as imported from the examples: no URL, no token (or the real one, connected).
          ...(target.extra && ha && target.type === 'cry-ha-mqtt'
            ? [{ id: 'brk', type: 'cry-mqtt-broker', brokerUrl: `mqtt://${ha.mqtt_host}:${ha.mqtt_port}` }]
            : target.extra
              ? target.extra
              : Array.isArray(target.node)
                ? [{ id: 'srv', type: 'cry-ha-server', baseUrl: ha ? ha.ha_url : '' }]
                : []),
          { id: 'under', z: 'tab', type: target.type ?? target.name, ...target.config(), wires: [[], []] },
          { id: 'ok', z: 'tab', type: 'complete', scope: ['under'], uncaught: false, wires: [['okOut']] },
          { id: 'failed', z: 'tab', type: 'catch', scope: ['under'], uncaught: false, wires: [['errOut']] },
          { id: 'okOut', z: 'tab', type: 'helper' },
          { id: 'errOut', z: 'tab', type: 'helper' },
        ],
        ha ? { srv: { token: ha.token } } : undefined,
      );
      if (ha) await nextStatus(helper.getNode('under'), 'green');
      const completed = collectMessages('okOut');
      const caught = collectMessages<{ error?: { message?: string } }>('errOut');
      let longest = 0;
      events(helper.getNode('under')).on('call:error', (call: { args: unknown[] }) => {
        longest = Math.max(longest, String((call.args[0] as Error)?.message ?? call.args[0]).length);
      });
      const rng = createRandomSource(1234 + target.name.length);
      const random = () => rng.next();
      const before = process.memoryUsage().rss;
      const started = Date.now();
      for (let k = 0; k < MESSAGES; k++) {
        helper.getNode('under').receive(hostile(random, k) as never);
        if (k % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const deadline = Date.now() + 120000;
      while (completed.messages.length + caught.messages.length < MESSAGES && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const outcomes = completed.messages.length + caught.messages.length;
      assert.strictEqual(
        outcomes,
        MESSAGES,
        `${completed.messages.length} done + ${caught.messages.length} done(err)`,
      );
      for (const msg of caught.messages) longest = Math.max(longest, msg.error?.message?.length ?? 0);
      assert.ok(longest < 2000, `longest error ${longest} characters`);
      const grown = (process.memoryUsage().rss - before) / 2 ** 20;
      assert.ok(grown < 400, `RSS grew ${grown.toFixed(0)} MB`);
      if (ha && target.type === 'cry-ha-mqtt') brokerToClear = `mqtt://${ha.mqtt_host}:${ha.mqtt_port}`;
      console.log(
        `      ${target.name}: ${completed.messages.length} done, ${caught.messages.length} done(err), longest error ${longest} chars, ${Date.now() - started} ms, RSS +${grown.toFixed(0)} MB`,
      );
    });
  }
});

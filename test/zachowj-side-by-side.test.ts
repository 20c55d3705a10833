/**
 * cry ha action as a drop-in for the action node of node-red-contrib-home-assistant-websocket (zachowj): both in the
 * same Node-RED runtime, both connected to the real Home Assistant of ../shared/ha, given the same messages. They
 * must call the same services with the same data and target (seen in Home Assistant's own call_service events),
 * and give the same output message.
 */
import * as assert from 'assert';
import serverNode from '../nodes/cry-ha-server';
import actionNode from '../nodes/cry-ha-action';
import { events, helper, loadFlow, nextStatus } from './node-helper';
import { eventually, haSocket, HaSocket, realHa, RealHa } from './real-ha';
import { projectRoot, tempDir } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const zachowj = require(
  require.resolve('node-red-contrib-home-assistant-websocket/dist/index.js', { paths: [projectRoot()] }),
) as { default: unknown };

interface Call {
  domain: string;
  service: string;
  service_data: Record<string, unknown>;
}

describe('cry ha action side by side with the zachowj action node (real Home Assistant)', function () {
  this.timeout(120000);
  let ha: RealHa;
  let socket: HaSocket;
  const calls: Call[] = [];
  before(async function () {
    this.timeout(600000);
    ha = await realHa();
    socket = await haSocket(ha);
    await socket.subscribe('call_service', (event) => {
      // Light calls only: the template light.nursery calls input_boolean services in turn.
      const data = event.data as Call;
      if (data.domain === 'light') calls.push(data);
    });
  });
  after(async () => {
    await helper.unload();
    helper.settings({});
    socket?.close();
  });

  /** The same configuration for both nodes: light.turn_on on light.nursery, no data; the message may override. */
  const flow = () => [
    { id: 'zserver', type: 'server', name: 'HA', addon: false, rejectUnauthorizedCerts: true, version: 5 },
    {
      id: 'theirs',
      type: 'api-call-service',
      server: 'zserver',
      version: 7,
      action: 'light.turn_on',
      entityId: ['light.nursery'],
      floorId: [],
      areaId: [],
      deviceId: [],
      labelId: [],
      data: '',
      dataType: 'json',
      mergeContext: '',
      mustacheAltTags: false,
      outputProperties: [{ property: 'payload', propertyType: 'msg', value: '', valueType: 'data' }],
      // Until its websocket is up it keeps the call (one at a time here), as ours does.
      queue: 'all',
      blockInputOverrides: false,
      wires: [['theirsOut']],
    },
    { id: 'cserver', type: 'cry-ha-server', baseUrl: ha.ha_url, offlinePolicy: 'drop' },
    {
      id: 'ours',
      type: 'cry-ha-action',
      server: 'cserver',
      action: 'light.turn_on',
      target: '{"entity_id":"light.nursery"}',
      data: '',
      output: 'data',
      wires: [['oursOut']],
    },
    { id: 'theirsOut', type: 'helper' },
    { id: 'oursOut', type: 'helper' },
  ];

  it('calls the same services and gives the same output for the zachowj message shapes', async () => {
    // zachowj's nodes keep a small store in Node-RED's user folder.
    helper.settings({ userDir: tempDir('zachowj-user-') });
    await loadFlow([zachowj.default, serverNode, actionNode], flow(), {
      zserver: { host: ha.ha_url, access_token: ha.token },
      cserver: { token: ha.token },
    });
    await nextStatus(helper.getNode('ours'), 'green');
    const outputs: Record<'theirs' | 'ours', unknown[]> = { theirs: [], ours: [] };
    events(helper.getNode('theirsOut')).on('input', (m: { payload: unknown }) =>
      outputs.theirs.push(m.payload),
    );
    events(helper.getNode('oursOut')).on('input', (m: { payload: unknown }) => outputs.ours.push(m.payload));
    const messages = [
      { payload: 'start' },
      { payload: { action: 'light.turn_off' } },
      { payload: { domain: 'light', service: 'turn_on', data: { brightness_pct: 60 } } },
      {
        payload: {
          action: 'light.turn_on',
          data: { brightness_pct: 45 },
          target: { entity_id: 'light.nursery' },
        },
      },
      {
        payload: { domain: 'light', service: 'turn_off', target: { entity_id: ['light.nursery'] } },
      },
    ];
    for (const message of messages) {
      for (const node of ['theirs', 'ours'] as const) {
        const before = calls.length;
        helper.getNode(node).receive(structuredClone(message) as never);
        await eventually(`${node}: ${JSON.stringify(message)}`, async () =>
          calls.length > before && outputs[node].length > 0 ? true : undefined,
        );
      }
      const [theirsCall, oursCall] = calls.splice(0);
      assert.deepStrictEqual(oursCall, theirsCall, `the same call for ${JSON.stringify(message)}`);
      assert.deepStrictEqual(
        outputs.ours.splice(0),
        outputs.theirs.splice(0),
        `the same output for ${JSON.stringify(message)}`,
      );
    }
  });

  it("also takes target and data as JSON text (which zachowj's node does not), and merges them over the configured ones", async () => {
    const before = calls.length;
    const out = new Promise<{ payload: unknown }>((resolve) =>
      events(helper.getNode('oursOut')).once('input', resolve),
    );
    helper.getNode('ours').receive({
      payload: { data: '{"brightness_pct": 20}', target: '{"entity_id": "light.nursery"}' },
    } as never);
    assert.deepStrictEqual((await out).payload, {
      domain: 'light',
      service: 'turn_on',
      data: { brightness_pct: 20 },
      target: { entity_id: 'light.nursery' },
    });
    await eventually('the call', async () => (calls.length > before ? true : undefined));
    assert.deepStrictEqual(calls.splice(before)[0].service_data, {
      brightness_pct: 20,
      entity_id: ['light.nursery'],
    });
  });
});

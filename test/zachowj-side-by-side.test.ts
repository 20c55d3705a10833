/**
 * cry ha action as a drop-in for the action node of node-red-contrib-home-assistant-websocket (zachowj): both in the
 * same Node-RED runtime (a real one, started as the README says; zachowj's package from our devDependencies), both
 * connected to the real Home Assistant of ../shared/ha, given the same messages through an HTTP endpoint of the
 * flow. They must call the same services with the same data and target (seen in Home Assistant's own call_service
 * events) and give the same output message. In a separate process because zachowj's nodes leave timers running
 * after they close, which would keep mocha from exiting.
 */
import * as assert from 'assert';
import { eventually, haSocket, HaSocket, realHa, RealHa } from './real-ha';
import { startNodeRed, stopNodeRed } from './node-red-process';

interface Call {
  domain: string;
  service: string;
  service_data: Record<string, unknown>;
}

describe('cry ha action side by side with the zachowj action node (real Home Assistant)', function () {
  this.timeout(120000);
  let ha: RealHa;
  let socket: HaSocket;
  let red: Awaited<ReturnType<typeof startNodeRed>> | undefined;
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
    socket?.close();
    if (red) await stopNodeRed(red.child);
  });

  /** The same configuration for both nodes: light.turn_on on light.nursery, no data; the message may override. */
  const flow = () => [
    { id: 'tab', type: 'tab', label: 'side by side' },
    { id: 'in', type: 'http in', z: 'tab', url: '/side-by-side/:node', method: 'post', wires: [['unwrap']] },
    {
      id: 'unwrap',
      type: 'function',
      z: 'tab',
      func: 'msg.payload = msg.req.body.payload; return msg.req.params.node === "theirs" ? [msg, null] : [null, msg];',
      outputs: 2,
      wires: [['theirs'], ['ours']],
    },
    {
      id: 'zserver',
      type: 'server',
      name: 'HA',
      addon: false,
      rejectUnauthorizedCerts: true,
      version: 5,
      credentials: { host: ha.ha_url, access_token: ha.token },
    },
    {
      id: 'theirs',
      type: 'api-call-service',
      z: 'tab',
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
      // Until its websocket is up it keeps the call, as ours does.
      queue: 'all',
      blockInputOverrides: false,
      wires: [['reply']],
    },
    {
      id: 'cserver',
      type: 'cry-ha-server',
      baseUrl: ha.ha_url,
      offlinePolicy: 'queue',
      queueSize: 10,
      queueMaxAge: 60,
      credentials: { token: ha.token },
    },
    {
      id: 'ours',
      type: 'cry-ha-action',
      z: 'tab',
      server: 'cserver',
      action: 'light.turn_on',
      target: '{"entity_id":"light.nursery"}',
      data: '',
      output: 'data',
      wires: [['reply']],
    },
    // The output message's payload is the answer.
    { id: 'reply', type: 'http response', z: 'tab', statusCode: '', headers: {}, wires: [] },
    { id: 'ready', type: 'http in', z: 'tab', url: '/side-by-side-ready', method: 'get', wires: [['reply']] },
  ];

  /** Sends a message to one of the two nodes; resolves with the payload of its output message. */
  const send = async (node: 'theirs' | 'ours', message: object): Promise<unknown> => {
    const response = await fetch(`${red?.url}/side-by-side/${node}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(30000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${node}: HTTP ${response.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };

  it('calls the same services and gives the same output for the zachowj message shapes', async () => {
    red = await startNodeRed();
    const deployed = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flow()),
    });
    assert.strictEqual(deployed.status, 204, await deployed.text());
    await eventually('the flow answers', async () =>
      (await fetch(`${red?.url}/side-by-side-ready`)).status === 200 ? true : undefined,
    );
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
      { payload: { domain: 'light', service: 'turn_off', target: { entity_id: ['light.nursery'] } } },
    ];
    for (const message of messages) {
      const outputs: unknown[] = [];
      for (const node of ['theirs', 'ours'] as const) {
        const before = calls.length;
        outputs.push(await send(node, message));
        await eventually(`${node}: ${JSON.stringify(message)}`, async () =>
          calls.length > before ? true : undefined,
        );
      }
      const [theirsCall, oursCall] = calls.splice(0);
      assert.deepStrictEqual(oursCall, theirsCall, `the same call for ${JSON.stringify(message)}`);
      assert.deepStrictEqual(outputs[1], outputs[0], `the same output for ${JSON.stringify(message)}`);
    }
  });

  it("also takes target and data as JSON text (which zachowj's node does not), merged over the configured ones", async () => {
    const before = calls.length;
    const output = await send('ours', {
      payload: { data: '{"brightness_pct": 20}', target: '{"entity_id": "light.nursery"}' },
    });
    assert.deepStrictEqual(output, {
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

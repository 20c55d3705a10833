import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from './fixtures';
import { startNodeRed, stopNodeRed } from './node-red-process';

describe('the package as Node-RED loads it (scripts/start.js, real runtime)', function () {
  this.timeout(60000);
  let red: Awaited<ReturnType<typeof startNodeRed>>;
  before(async () => {
    red = await startNodeRed();
  });
  after(async () => {
    if (red) {
      await stopNodeRed(red.child);
      fs.rmSync(red.userDir, { recursive: true, force: true });
    }
  });

  it('finds every node of package.json with its editor HTML next to the compiled JS', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
      'node-red': { nodes: Record<string, string> };
    };
    const response = await fetch(`${red.url}/nodes`, { headers: { Accept: 'text/html' } });
    assert.strictEqual(response.status, 200);
    const html = await response.text();
    for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
      assert.ok(
        fs.existsSync(path.join(projectRoot(), file.replace(/\.js$/, '.html'))),
        `${file} has its .html beside it`,
      );
      assert.ok(html.includes(`data-template-name="${type}"`), `editor form of ${type} served`);
      assert.ok(html.includes(`data-help-name="${type}"`), `help of ${type} served`);
    }
    const list = (await (
      await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } })
    ).json()) as { module: string; types: string[]; enabled: boolean; err?: string }[];
    const ours = list.filter((set) => set.module === 'node-red-contrib-cry-baby');
    assert.ok(ours.length > 0, 'module loaded');
    for (const set of ours) assert.ok(set.enabled && !set.err, `${set.types.join(',')}: ${set.err ?? 'ok'}`);
  });

  it('serves the node icon the editor asks for', async () => {
    const icons = (await (
      await fetch(`${red.url}/icons`, { headers: { Accept: 'application/json' } })
    ).json()) as Record<string, string[]>;
    assert.ok(
      icons['node-red-contrib-cry-baby']?.includes('cry-baby.svg'),
      `icon listed: ${JSON.stringify(icons['node-red-contrib-cry-baby'])}`,
    );
    const response = await fetch(`${red.url}/icons/node-red-contrib-cry-baby/cry-baby.svg`);
    assert.strictEqual(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /svg/);
    assert.match(await response.text(), /<svg/);
  });

  it('keeps the Home Assistant token out of the exported flow and out of flows.json', async () => {
    const secret = 'very-secret-long-lived-token-0123456789';
    const flow = [
      { id: 'tab1', type: 'tab', label: 'HA' },
      {
        id: 'ha1',
        type: 'cry-ha-server',
        name: 'home',
        baseUrl: 'http://127.0.0.1:9',
        credentials: { token: secret },
      },
      { id: 'ev1', type: 'cry-ha-event', z: 'tab1', server: 'ha1', x: 100, y: 100, wires: [[]] },
    ];
    const deploy = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Node-RED-Deployment-Type': 'full',
        'Node-RED-API-Version': 'v1',
      },
      body: JSON.stringify(flow),
    });
    assert.strictEqual(deploy.status, 204, await deploy.text());
    const exported = await (await fetch(`${red.url}/flows`)).text();
    assert.ok(exported.includes('cry-ha-server'), 'server node deployed');
    assert.ok(!exported.includes(secret), 'token not in GET /flows (what Export uses)');
    const credentials = (await (await fetch(`${red.url}/credentials/cry-ha-server/ha1`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepStrictEqual(credentials, { has_token: true });
    const files = fs.readdirSync(red.userDir).filter((f) => f.startsWith('flows'));
    for (const file of files)
      assert.ok(
        !fs.readFileSync(path.join(red.userDir, file), 'utf8').includes(secret),
        `${file} holds no plain token`,
      );
    assert.ok(files.includes('flows_cred.json'), 'credentials stored (encrypted) in flows_cred.json');
  });
});

/**
 * The example dashboard (FlowFuse Dashboard 2.0) in a real browser: a Node-RED started as the README says, with
 * @flowfuse/node-red-dashboard beside Cry Baby, runs examples/flows/nursery-dashboard.json fed by a replayed cry
 * (an ESC-50 crying-baby clip, then quiet) through cry file, YAMNet, cry detect and cry log. Headless Chromium
 * opens /dashboard/cry-baby: the chart draws, the episode appears with its duration and peak, its clip plays from
 * the shared link, and the room status shows the threshold. A screenshot goes to test-artifacts/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, Browser } from 'playwright-core';
import { readWav, writeWav } from '../src/core/audio/wav';
import { projectRoot, sharedDir, tempDir } from './fixtures';
import { startNodeRed, stopNodeRed } from './node-red-process';

const CHROMIUM = '/usr/bin/chromium';

describe('the example dashboard in headless Chromium', function () {
  this.timeout(180000);
  let red: Awaited<ReturnType<typeof startNodeRed>>;
  let browser: Browser;
  const artifacts = path.join(projectRoot(), 'test-artifacts');

  before(async () => {
    assert.ok(
      fs.existsSync(CHROMIUM),
      `${CHROMIUM} is installed (apt-get install chromium; .ci/run does it)`,
    );
    red = await startNodeRed({}, (userDir) => {
      // The dashboard as a parent installs it from the palette: a module in the user folder's node_modules.
      const target = path.join(userDir, 'node_modules', '@flowfuse');
      fs.mkdirSync(target, { recursive: true });
      fs.symlinkSync(
        path.dirname(
          require.resolve('@flowfuse/node-red-dashboard/package.json', { paths: [projectRoot()] }),
        ),
        path.join(target, 'node-red-dashboard'),
        'dir',
      );
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
    fs.mkdirSync(artifacts, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    if (red) {
      await stopNodeRed(red.child);
      fs.rmSync(red.userDir, { recursive: true, force: true });
    }
  });

  it('draws the probability, lists the episode with a playable clip, and shows the room', async () => {
    const dir = tempDir('cry-dash-');
    const clip = readWav(
      fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', '4-59579-A-20.wav')),
    ).samples;
    const audio = new Float32Array(clip.length * 2 + 30 * 16000);
    audio.set(clip, 0);
    audio.set(clip, clip.length);
    fs.writeFileSync(path.join(dir, 'night.wav'), writeWav(audio, 16000));
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(projectRoot(), 'examples', 'flows', 'nursery-dashboard.json'), 'utf8'),
    ) as { id: string; type: string; links?: string[] }[];
    const feeder = [
      { id: 'feed', type: 'tab', label: 'feeder' },
      {
        id: 'start-replay',
        type: 'inject',
        z: 'feed',
        once: true,
        onceDelay: 3,
        payload: 'go',
        payloadType: 'str',
        wires: [['file']],
      },
      {
        id: 'file',
        type: 'cry-file',
        z: 'feed',
        path: dir,
        mode: 'realtime',
        hop: 1,
        wires: [['classifier'], []],
      },
      {
        id: 'classifier',
        type: 'cry-classifier',
        z: 'feed',
        model: 'yamnet',
        yamnetFile: path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite'),
        wires: [['detect']],
      },
      { id: 'detect', type: 'cry-detect', z: 'feed', wires: [['out-episodes'], ['out-windows', 'log']] },
      {
        id: 'log',
        type: 'cry-log',
        z: 'feed',
        file: path.join(dir, 'p.csv'),
        clipMode: 'episode',
        clipFolder: path.join(dir, 'clips'),
        shareClips: true,
        linkHours: 1,
        publicUrl: red.url,
        wires: [[], ['out-clips']],
      },
      { id: 'out-windows', type: 'link out', z: 'feed', mode: 'link', links: ['dash-in-windows'], wires: [] },
      {
        id: 'out-episodes',
        type: 'link out',
        z: 'feed',
        mode: 'link',
        links: ['dash-in-episodes'],
        wires: [],
      },
      { id: 'out-clips', type: 'link out', z: 'feed', mode: 'link', links: ['dash-in-clips'], wires: [] },
    ];
    for (const node of dashboard) {
      if (node.id === 'dash-in-windows') node.links = ['out-windows'];
      if (node.id === 'dash-in-episodes') node.links = ['out-episodes'];
      if (node.id === 'dash-in-clips') node.links = ['out-clips'];
    }
    const deployed = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([...dashboard, ...feeder]),
    });
    assert.strictEqual(deployed.status, 204, await deployed.text());
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${red.url}/dashboard/cry-baby`);
    // The chart is drawn on a canvas; the episode list fills as the replay goes (real time: about 26 s).
    await page.locator('canvas').first().waitFor({ timeout: 60000 });
    const episode = page.locator('.cry-episode', { hasText: /\d+ s · peak \d+ %/ });
    await episode
      .first()
      .waitFor({ timeout: 90000 })
      .catch(async (error: unknown) => {
        await page.screenshot({ path: path.join(artifacts, 'dashboard-failed.png'), fullPage: true });
        throw new Error(`${String(error)}\nNode-RED said:\n${red.output().slice(-3000)}`);
      });
    const player = page.locator('.cry-episode audio');
    await player.first().waitFor({ timeout: 30000 });
    const src = await player.first().getAttribute('src');
    assert.match(src ?? '', new RegExp(`^${red.url}/cry-baby/clip/[0-9a-f]{32}/`));
    const clipResponse = await fetch(src ?? '');
    assert.strictEqual(clipResponse.headers.get('content-type'), 'audio/wav');
    assert.ok(readWav(new Uint8Array(await clipResponse.arrayBuffer())).samples.length > 16000 * 5);
    assert.match(
      (await page.locator('text=/threshold 0\\.\\d\\d/').first().textContent()) ?? '',
      /detection on/,
    );
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
  });
});

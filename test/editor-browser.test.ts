/**
 * The editor in a real browser (Debian's chromium driven by playwright-core, headless): the Cry Baby nodes are
 * in the palette with their icon, example (a) imports from Import > Examples, deploys, and a node status
 * appears. A screenshot is kept in test-artifacts/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, Browser, Page } from 'playwright-core';
import { projectRoot } from './fixtures';
import { startNodeRed, stopNodeRed } from './node-red-process';

const CHROMIUM = '/usr/bin/chromium';

describe('the editor in headless Chromium', function () {
  this.timeout(120000);
  let red: Awaited<ReturnType<typeof startNodeRed>>;
  let browser: Browser;
  let page: Page;
  const artifacts = path.join(projectRoot(), 'test-artifacts');

  before(async function () {
    assert.ok(
      fs.existsSync(CHROMIUM),
      `${CHROMIUM} is installed (apt-get install chromium; .ci/run does it)`,
    );
    red = await startNodeRed();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    fs.mkdirSync(artifacts, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    if (red) {
      await stopNodeRed(red.child);
      fs.rmSync(red.userDir, { recursive: true, force: true });
    }
  });

  it('shows the Cry Baby nodes in the palette with their icon', async () => {
    const iconResponses: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/icons/node-red-contrib-cry-baby/cry-baby.svg'))
        iconResponses.push(response.status());
    });
    await page.goto(red.url);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="cry-mic"]', { timeout: 60000 });
    for (const type of [
      'cry-mic',
      'cry-stream',
      'cry-file',
      'cry-mel',
      'cry-classifier',
      'cry-detect',
      'cry-log',
      'cry-ha-action',
      'cry-ha-event',
      'cry-ha-state',
      'cry-ha-mqtt',
    ]) {
      assert.strictEqual(
        await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(),
        1,
        `${type} in the palette`,
      );
    }
    const header = await page.locator('.red-ui-palette-header', { hasText: 'cry baby' }).count();
    assert.ok(header >= 1, 'palette category "cry baby"');
    const icon = await page
      .locator('.red-ui-palette-node[data-palette-type="cry-mic"] .red-ui-palette-icon')
      .evaluate((el) => getComputedStyle(el).backgroundImage);
    assert.match(icon, /cry-baby\.svg/);
    assert.ok(iconResponses.includes(200), `icon fetched: ${iconResponses.join(',')}`);
  });

  it('imports example (a) from Import > Examples, deploys it, and a node shows its status', async () => {
    await page.screenshot({ path: path.join(artifacts, 'editor-palette.png') });
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.screenshot({ path: path.join(artifacts, 'import-dialog.png') });
    await page.click('text=Examples');
    // Examples > flows > node-red-contrib-cry-baby > flows (our examples/flows/ folder) > nursery-microphone
    const item = (text: string) =>
      page
        .locator('#red-ui-clipboard-dialog-import-tab-examples .red-ui-treeList-label-text')
        .getByText(text, { exact: true });
    await item('node-red-contrib-cry-baby').click();
    await item('flows').nth(1).click();
    await item('nursery-microphone').click();
    await page.click('#red-ui-clipboard-dialog-ok');
    // The example brings its own tab.
    const tab = page.locator('#red-ui-workspace-tabs li', { hasText: 'Cry Baby: microphone' });
    await tab.waitFor({ timeout: 10000 });
    await tab.click();
    await page.locator('.red-ui-flow-node-group').first().waitFor({ timeout: 10000 });
    assert.ok((await page.locator('.red-ui-flow-node-group').count()) >= 10, 'example nodes on the canvas');
    await page.click('#red-ui-header-button-deploy');
    const confirm = page.locator(
      '#red-ui-notification-confirm-deploy, .red-ui-notification button:has-text("Confirm deploy")',
    );
    if (
      await confirm
        .first()
        .isVisible({ timeout: 3000 })
        .catch(() => false)
    )
      await confirm.first().click();
    const status = page.locator('.red-ui-flow-node-status-label', { hasText: /./ });
    await status.first().waitFor({ timeout: 30000 });
    const texts = await status.allTextContents();
    assert.ok(
      texts.some((t) => /quiet|ready|loading|restart|listening|starting|sox|logging|token|connect/.test(t)),
      texts.join(' | '),
    );
    await page.screenshot({ path: path.join(artifacts, 'editor-example-a.png') });
    const flows = JSON.parse(fs.readFileSync(path.join(red.userDir, 'flows.json'), 'utf8')) as {
      type: string;
    }[];
    assert.ok(
      flows.some((n) => n.type === 'cry-mic') && flows.some((n) => n.type === 'cry-classifier'),
      'deployed flow holds the example',
    );
  });

  it("starts a calibration from cry detect's edit dialog on the deployed example", async () => {
    const detect = page.locator('.red-ui-flow-node-group', { hasText: 'cry detect' }).first();
    await detect.dblclick();
    const button = page.locator('#cry-detect-calibrate');
    await button.waitFor({ timeout: 10000 });
    await page.fill('#cry-detect-calibration-minutes', '1');
    await button.click();
    const shown = page.locator('#cry-detect-calibration', { hasText: 'listening to the room' });
    await shown.waitFor({ timeout: 10000 });
    assert.match((await shown.textContent()) ?? '', /listening to the room: [\d.]+ of 1 min/);
    await page.screenshot({ path: path.join(artifacts, 'editor-calibrate.png') });
    await page.click('#node-dialog-cancel');
  });
});

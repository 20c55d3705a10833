/**
 * The whole chain with the shipped model: cry-file replays a real cry recording from ../shared/data/train
 * (decoded to WAV here) followed by a non-cry recording, through cry-classifier, cry-detect and a switch into
 * cry-ha-action against the loopback Home Assistant server, and cry-log writing a CSV with window clips.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import cryFileNode from '../nodes/cry-file';
import cryClassifierNode from '../nodes/cry-classifier';
import cryDetectNode from '../nodes/cry-detect';
import cryLogNode from '../nodes/cry-log';
import serverNode from '../nodes/cry-ha-server';
import actionNode from '../nodes/cry-ha-action';
import { readAudioAt } from '../src/core/audio/file-source';
import { writeWav } from '../src/core/audio/wav';
import { parseCsvLine } from '../src/core/model/manifest';
import { helper, loadFlow, nextMessage } from './node-helper';
import { startHaTestServer, HaTestServer } from './ha-test-server';
import { projectRoot, sharedDir, tempDir } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const switchNode = require(
  require.resolve('@node-red/nodes/core/function/10-switch.js', { paths: [projectRoot()] }),
) as unknown;

const CRY = 'cry/donateacry/090C15A8-5406-4EA5-97A3-81F6527227C0-1430147533-1.0-m-72-hu.flac';
const NONCRY = ['noncry/speech/asterisk-en/conf-adminmenu.flac'];

describe('end to end: replayed recordings to Home Assistant and the CSV log (shipped model)', function () {
  this.timeout(120000);
  let ha: HaTestServer;
  let dir: string;
  before(async () => {
    ha = await startHaTestServer();
    dir = tempDir('cry-e2e-');
    fs.mkdirSync(path.join(dir, 'recordings'));
    const train = path.join(sharedDir(), 'data', 'train');
    const cry = await readAudioAt(path.join(train, CRY), 16000);
    fs.writeFileSync(path.join(dir, 'recordings', '1-cry.wav'), writeWav(cry, 16000));
    const parts = await Promise.all(NONCRY.map((f) => readAudioAt(path.join(train, f), 16000)));
    const noncry = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      noncry.set(part, at);
      at += part.length;
    }
    fs.writeFileSync(path.join(dir, 'recordings', '2-speech.wav'), writeWav(noncry, 16000));
  });
  after(async () => {
    await helper.unload();
    await ha.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('turns the light on once and off once, and logs one row per window with its clip', async () => {
    await loadFlow(
      [cryFileNode, cryClassifierNode, cryDetectNode, cryLogNode, serverNode, actionNode, switchNode],
      [
        {
          id: 'file',
          type: 'cry-file',
          path: path.join(dir, 'recordings'),
          mode: 'fast',
          hop: 1,
          wires: [['classifier'], ['complete']],
        },
        { id: 'classifier', type: 'cry-classifier', modelDir: '', wires: [['detect', 'log']] },
        { id: 'detect', type: 'cry-detect', wires: [['startOrStop'], []] },
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
          wires: [['on'], ['off']],
        },
        {
          id: 'on',
          type: 'cry-ha-action',
          server: 'srv',
          action: 'light.turn_on',
          target: '{"entity_id":"light.nursery"}',
          data: '{}',
          wires: [[]],
        },
        {
          id: 'off',
          type: 'cry-ha-action',
          server: 'srv',
          action: 'light.turn_off',
          target: '{"entity_id":"light.nursery"}',
          data: '{}',
          wires: [[]],
        },
        {
          id: 'log',
          type: 'cry-log',
          file: path.join(dir, 'predictions.csv'),
          rotation: 'none',
          clipMode: 'window',
          clipFolder: path.join(dir, 'clips'),
          wires: [[]],
        },
        {
          id: 'srv',
          type: 'cry-ha-server',
          baseUrl: ha.url,
          offlinePolicy: 'queue',
          queueSize: 10,
          queueMaxAge: 60,
        },
        { id: 'complete', type: 'helper' },
      ],
      { srv: { token: ha.token } },
    );
    const done = nextMessage(helper.getNode('complete'), 100000);
    helper.getNode('file').receive({ payload: 'go' } as never);
    const complete = (await done) as { windows: number };
    const lights = ha.commands
      .filter((c) => c.type === 'call_service')
      .map((c) => `${c.domain}.${c.service}`);
    assert.deepStrictEqual(lights, ['light.turn_on', 'light.turn_off']);
    const rows = fs.readFileSync(path.join(dir, 'predictions.csv'), 'utf8').trimEnd().split('\r\n');
    assert.strictEqual(rows[0], 'timestamp,audio_file,probability,model,source');
    assert.strictEqual(rows.length - 1, complete.windows, 'one row per window');
    for (const row of rows.slice(1)) {
      const [timestamp, audioFile, probability] = parseCsvLine(row);
      assert.ok(!Number.isNaN(Date.parse(timestamp)));
      assert.ok(fs.existsSync(audioFile), `clip ${audioFile} exists`);
      assert.ok(Number(probability) >= 0 && Number(probability) <= 1);
    }
  });
});

/**
 * Episode clips for notifications: the spectrogram PNG is a valid PNG (chunk CRCs checked with zlib's own CRC-32),
 * links resolve only with their token, only to their clip, only inside the folder and only until they expire; and
 * in the Node-RED runtime, cry log announces a finished episode with a link that cry ha action sends to Home
 * Assistant as a mobile-app notification, and that link (and only it) plays the clip over HTTP.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as zlib from 'zlib';
import type { NodeAPI } from 'node-red';
import cryLogNode from '../nodes/cry-log';
import serverNode from '../nodes/cry-ha-server';
import actionNode from '../nodes/cry-ha-action';
import { float32ToPcm16 } from '../src/core/audio/pcm';
import { readWav } from '../src/core/audio/wav';
import { createClipLinks } from '../src/core/log/clip-links';
import { spectrogramPng } from '../src/core/log/spectrogram-image';
import { helper, loadFlow, nextMessage, nextStatus } from './node-helper';
import { startHaTestServer, HaTestServer } from './ha-test-server';
import { tempDir } from './fixtures';

function pngChunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  assert.deepStrictEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('ascii');
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = png.readUInt32BE(at + 8 + length);
    chunks.push({ type, data, crcOk: zlib.crc32(png.subarray(at + 4, at + 8 + length)) === crc });
    at += 12 + length;
  }
  return chunks;
}

describe('episode clips shared for notifications', function () {
  this.timeout(60000);

  it('draws the spectrogram as a valid PNG: 128 bands high, loud where the tone is', () => {
    const samples = new Float32Array(16000 * 3);
    for (let i = 16000; i < 32000; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000);
    const png = spectrogramPng(samples, 16000);
    const chunks = pngChunks(png);
    assert.deepStrictEqual(
      chunks.map((c) => c.type),
      ['IHDR', 'IDAT', 'IEND'],
    );
    assert.ok(
      chunks.every((c) => c.crcOk),
      'every chunk CRC matches zlib.crc32',
    );
    const width = chunks[0].data.readUInt32BE(0);
    const height = chunks[0].data.readUInt32BE(4);
    assert.deepStrictEqual([height, chunks[0].data[8], chunks[0].data[9]], [128, 8, 2]);
    assert.strictEqual(width, 1 + Math.floor(samples.length / 512));
    const raw = zlib.inflateSync(chunks[1].data);
    assert.strictEqual(raw.length, (width * 3 + 1) * height);
    // Brightness of the middle second against the silent first one, summed over the image's columns.
    const brightness = (x0: number, x1: number) => {
      let sum = 0;
      for (let y = 0; y < height; y++)
        for (let x = x0; x < x1; x++) sum += raw[y * (width * 3 + 1) + 1 + x * 3];
      return sum;
    };
    const third = Math.floor(width / 3);
    assert.ok(brightness(third + 2, 2 * third - 2) > 5 * (brightness(2, third - 4) + 1));
  });

  it('resolves a link only with its token, only to its files, only inside the folder, only until it expires', async () => {
    const dir = tempDir('cry-links-');
    const clip = path.join(dir, '2026-12-01T02-00-00-000Z-mic-episode.wav');
    fs.writeFileSync(clip, 'RIFF');
    fs.writeFileSync(path.join(dir, 'other.wav'), 'RIFF');
    let now = 1000;
    const links = createClipLinks(dir, 60000, 1000, () => now);
    const shared = links.share(clip);
    assert.match(shared.token, /^[0-9a-f]{32}$/);
    const name = path.basename(clip);
    assert.strictEqual((await links.resolve(shared.token, name))?.contentType, 'audio/wav');
    assert.strictEqual(await links.resolve(shared.token, 'other.wav'), undefined);
    assert.strictEqual(await links.resolve(shared.token, `../${path.basename(dir)}/${name}`), undefined);
    assert.strictEqual(await links.resolve('0'.repeat(32), name), undefined);
    assert.strictEqual(await links.resolve(shared.token.toUpperCase(), name), undefined);
    assert.throws(() => links.share(path.join(dir, '..', 'outside.wav')), /only clips inside/);
    // A clip replaced by a symbolic link to a file outside the folder is not served.
    const outside = path.join(tempDir('cry-links-outside-'), 'secret.wav');
    fs.writeFileSync(outside, 'secret');
    const sneaky = path.join(dir, '2026-12-01T03-00-00-000Z-mic-episode.wav');
    fs.symlinkSync(outside, sneaky);
    assert.strictEqual(await links.resolve(links.share(sneaky).token, path.basename(sneaky)), undefined);
    now += 60001;
    assert.strictEqual(await links.resolve(shared.token, name), undefined, 'expired');
    assert.strictEqual(links.size, 0);
  });

  describe('in Node-RED, with a notification to Home Assistant', () => {
    let ha: HaTestServer;
    let web: http.Server;
    let base = '';
    /** Node-RED's httpNode app as the runtime gives it to nodes, served on a real port. */
    let httpNode: http.RequestListener | undefined;
    const captureHttpNode = (RED: NodeAPI) => {
      httpNode = (RED as unknown as { httpNode: http.RequestListener }).httpNode;
      RED.nodes.registerType('capture-http', function (this: never, config: never) {
        RED.nodes.createNode(this, config);
      });
    };
    before(async () => {
      ha = await startHaTestServer();
      web = http.createServer((req, res) => (httpNode ? httpNode(req, res) : res.end()));
      await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
    });
    after(async () => {
      await helper.unload();
      await ha.stop();
      await new Promise((resolve) => web.close(resolve));
    });

    it('announces the finished episode, sends its link in the notification, and the link plays the clip', async () => {
      const dir = tempDir('cry-share-');
      await loadFlow(
        [captureHttpNode, cryLogNode, serverNode, actionNode],
        [
          { id: 'cap', type: 'capture-http' },
          {
            id: 'log',
            type: 'cry-log',
            file: path.join(dir, 'p.csv'),
            clipMode: 'episode',
            clipFolder: path.join(dir, 'clips'),
            preRoll: 1,
            shareClips: true,
            linkHours: 1,
            publicUrl: base,
            wires: [[], ['notify']],
          },
          {
            id: 'notify',
            type: 'cry-ha-action',
            server: 'srv',
            action: 'notify.mobile_app_phone',
            data: '{"message": "The baby cried for {{clip.seconds}} s", "data": {"url": "{{clip.url}}", "image": "{{clip.imageUrl}}"}}',
            output: 'data',
            wires: [['out']],
          },
          {
            id: 'srv',
            type: 'cry-ha-server',
            baseUrl: ha.url,
            offlinePolicy: 'queue',
            queueSize: 10,
            queueMaxAge: 60,
          },
          { id: 'out', type: 'helper' },
        ],
        { srv: { token: ha.token } },
      );
      await nextStatus(helper.getNode('notify'), 'green');
      const sent = nextMessage(helper.getNode('out'));
      const log = helper.getNode('log');
      // 4 s windows 1 s apart: quiet, 6 crying (a tone), quiet again (the episode ends).
      for (let k = 0; k < 10; k++) {
        const crying = k >= 2 && k < 8;
        const samples = new Float32Array(64000);
        if (crying) for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * Math.sin(i * 0.2);
        log.receive({
          cry: {
            probability: crying ? 0.9 : 0.05,
            windowStart: new Date(Date.UTC(2026, 11, 1, 2, 0, k)).toISOString(),
          },
          crying,
          window: { startSample: k * 16000, source: 'mic' },
          audio: {
            payload: float32ToPcm16(samples),
            rate: 16000,
            bits: 16,
            channels: 1,
            encoding: 'signed-integer',
          },
        } as never);
      }
      const msg = (await sent) as {
        payload: { data: { message: string; data: { url: string; image: string } } };
      };
      const call = ha.commands.find((c) => c.type === 'call_service' && c.service === 'mobile_app_phone');
      const data = call?.service_data as { message: string; data: { url: string; image: string } };
      assert.deepStrictEqual(data, msg.payload.data);
      assert.match(data.message, /^The baby cried for \d+(\.\d+)? s$/);
      assert.match(data.data.url, new RegExp(`^${base}/cry-baby/clip/[0-9a-f]{32}/[^/]+-episode\\.wav$`));
      const audio = await fetch(data.data.url);
      assert.strictEqual(audio.status, 200);
      assert.strictEqual(audio.headers.get('content-type'), 'audio/wav');
      assert.strictEqual(audio.headers.get('cache-control'), 'no-store');
      const wav = readWav(new Uint8Array(await audio.arrayBuffer()));
      assert.ok(
        wav.samples.length >= 16000 * 6,
        `the clip holds the episode (${wav.samples.length} samples)`,
      );
      const image = await fetch(data.data.image);
      assert.strictEqual(image.headers.get('content-type'), 'image/png');
      assert.deepStrictEqual(
        [...new Uint8Array(await image.arrayBuffer()).subarray(0, 4)],
        [0x89, 0x50, 0x4e, 0x47],
      );
      // Nothing without the token, nothing else with it.
      const token = /clip\/([0-9a-f]{32})\//.exec(data.data.url)?.[1] ?? '';
      for (const probe of [
        `${base}/cry-baby/clip/${'f'.repeat(32)}/${path.basename(data.data.url)}`,
        `${base}/cry-baby/clip/${token}/p.csv`,
        `${base}/cry-baby/clip/${token}/..%2F..%2Fp.csv`,
        `${base}/cry-baby/clip/${token}`,
        `${base}/cry-baby/clip/`,
      ])
        assert.strictEqual((await fetch(probe)).status, 404, probe);
    });
  });
});

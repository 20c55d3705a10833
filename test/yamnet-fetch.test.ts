/** Getting the YAMNet file: from a loopback HTTP server serving the copy in ../shared, and every way that fails. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { fetchYamnet, findYamnetFile, yamnetCandidates } from '../src/core/model/yamnet/fetch';
import { DEFAULT_YAMNET_RELEASE } from '../src/core/model/yamnet/yamnet-file';
import { sharedDir, tempDir } from './fixtures';

const officialCopy = () => path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite');

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/yamnet.tflite`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('fetching YAMNet (loopback server)', function () {
  this.timeout(30000);
  let dir: string;
  let bytes: Buffer;
  before(() => {
    bytes = fs.readFileSync(officialCopy());
  });
  beforeEach(() => {
    dir = tempDir('cry-baby-fetch-');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const target = () => path.join(dir, 'models', DEFAULT_YAMNET_RELEASE.fileName);
  const leftovers = () =>
    fs.existsSync(path.join(dir, 'models')) ? fs.readdirSync(path.join(dir, 'models')) : [];

  it('downloads, checks the sha256, renames into place, and does not download again', async () => {
    let requests = 0;
    const server = await serve((_request, response) => {
      requests++;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      response.end(bytes);
    });
    try {
      const file = await fetchYamnet({ dir: path.join(dir, 'models'), from: server.url });
      assert.strictEqual(file, target());
      assert.ok(fs.readFileSync(file).equals(bytes));
      assert.deepStrictEqual(leftovers(), [DEFAULT_YAMNET_RELEASE.fileName]);
      await fetchYamnet({ dir: path.join(dir, 'models'), from: server.url });
      assert.strictEqual(requests, 1);
      assert.strictEqual(
        findYamnetFile({
          explicit: undefined,
          userDir: undefined,
          env: { XDG_CACHE_HOME: path.join(dir, 'x') },
        }),
        undefined,
      );
      assert.strictEqual(findYamnetFile({ env: { CRY_BABY_YAMNET: file } }), file);
    } finally {
      await server.close();
    }
  });

  it('unpacks the .tar.gz that Kaggle serves (1.tflite inside)', async () => {
    const staging = path.join(dir, 'staging');
    fs.mkdirSync(staging);
    fs.copyFileSync(officialCopy(), path.join(staging, '1.tflite'));
    const archive = path.join(dir, 'yamnet.tar.gz');
    const packed = spawnSync('tar', ['czf', archive, '-C', staging, '1.tflite']);
    assert.strictEqual(packed.status, 0, String(packed.stderr));
    const body = fs.readFileSync(archive);
    const server = await serve((_request, response) => response.end(body));
    try {
      const file = await fetchYamnet({ dir: path.join(dir, 'models'), from: server.url });
      assert.ok(fs.readFileSync(file).equals(bytes));
    } finally {
      await server.close();
    }
  });

  it('takes a local file too (placing the file by hand), checked the same way', async () => {
    const file = await fetchYamnet({ dir: path.join(dir, 'models'), from: officialCopy() });
    assert.ok(fs.readFileSync(file).equals(bytes));
    await assert.rejects(
      fetchYamnet({ dir: path.join(dir, 'other'), from: path.join(dir, 'nothing-here.tflite') }),
      /no such file/,
    );
  });

  const failures: [string, RegExp, Handler][] = [
    [
      'a wrong hash',
      /sha256 .* expected 10c95ea3.*not the pinned YAMNet file/,
      (_request, response) => {
        const changed = Buffer.from(bytes);
        changed[1000] ^= 0xff;
        response.end(changed);
      },
    ],
    [
      'a truncated body',
      /broke off|truncated/,
      (_request, response) => {
        response.writeHead(200, { 'content-length': bytes.length });
        response.write(bytes.subarray(0, 100000));
        setTimeout(() => response.socket?.destroy(), 50);
      },
    ],
    [
      'a 404',
      /answered HTTP 404/,
      (_request, response) => {
        response.writeHead(404);
        response.end('not here');
      },
    ],
  ];
  for (const [what, message, handler] of failures) {
    it(`fails clearly on ${what}, leaving nothing half-written`, async () => {
      const server = await serve(handler);
      try {
        await assert.rejects(fetchYamnet({ dir: path.join(dir, 'models'), from: server.url }), message);
        assert.deepStrictEqual(leftovers(), []);
      } finally {
        await server.close();
      }
    });
  }

  it('fails clearly on a refused connection', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await server.close();
    await assert.rejects(
      fetchYamnet({ dir: path.join(dir, 'models'), from: url }),
      /cannot reach .*connection refused/,
    );
    assert.deepStrictEqual(leftovers(), []);
  });

  it('looks in the explicit path, $CRY_BABY_YAMNET, the Node-RED user dir, then the cache', () => {
    const candidates = yamnetCandidates({
      explicit: '/a/y.tflite',
      userDir: '/home/pi/.node-red',
      env: { CRY_BABY_YAMNET: '/b/y.tflite', XDG_CACHE_HOME: '/c' },
    });
    assert.deepStrictEqual(candidates, [
      '/a/y.tflite',
      '/b/y.tflite',
      `/home/pi/.node-red/cry-baby/models/${DEFAULT_YAMNET_RELEASE.fileName}`,
      `/c/cry-baby/models/${DEFAULT_YAMNET_RELEASE.fileName}`,
    ]);
  });
});

/**
 * The package as a parent installs it: `npm pack`, the tarball installed into a fresh Node-RED user directory,
 * Node-RED started on it; on Node-RED 4 (Node 20, this project's) and Node-RED 5 (Node 22 from the npm registry).
 */
import * as assert from 'assert';
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot, tempDir } from './fixtures';

const TYPES = [
  'cry-mel',
  'cry-mic',
  'cry-stream',
  'cry-file',
  'cry-classifier',
  'cry-ha-server',
  'cry-ha-action',
  'cry-ha-event',
  'cry-ha-state',
  'cry-mqtt-broker',
  'cry-ha-mqtt',
  'cry-detect',
  'cry-log',
];

function run(command: string, args: string[], cwd: string, timeoutMs = 240000): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr || result.error}`,
    );
  }
  return result.stdout;
}

async function startRed(
  node: string,
  red: string,
  userDir: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = 21000 + Math.floor(Math.random() * 20000);
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', credentialSecret: 'test', logging: { console: { level: 'info' } } };\n`,
  );
  const child = spawn(node, [red, '-u', userDir, '-s', path.join(userDir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Node-RED did not start within 60 s:\n${output}`)),
      60000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server now running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited with ${code}:\n${output}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

async function waitFor(output: () => string, pattern: RegExp, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(output())) {
    if (Date.now() > deadline) throw new Error(`not seen within ${ms} ms: ${pattern}\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm pack, installed into a fresh Node-RED user directory', function () {
  this.timeout(600000);
  let work: string;
  let tarball: string;
  before(() => {
    work = tempDir('cry-baby-pack-');
    // dist/ is fresh (npm test builds first); the published pack builds it in prepack.
    const name = run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], projectRoot())
      .trim()
      .split('\n')
      .pop()!;
    tarball = path.join(work, name);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('ships only what runs', () => {
    const listing = run('tar', ['tzf', tarball], work).split('\n');
    assert.ok(
      listing.includes('package/dist/nodes/cry-classifier.js') &&
        listing.includes('package/dist/nodes/cry-classifier.html'),
    );
    assert.ok(
      listing.includes('package/models/cry-baby/metadata.json') &&
        listing.includes('package/models/yamnet/metadata.json'),
    );
    assert.ok(
      listing.includes('package/LICENSE') && listing.some((f) => f.startsWith('package/examples/flows/')),
    );
    // YAMNet's int8 kernels and front end, compiled at build time (the .wat sources stay out).
    assert.ok(
      listing.includes('package/dist/src/core/model/yamnet/int8-kernels.wasm') &&
        listing.includes('package/dist/src/core/model/yamnet/frontend-kernels.wasm') &&
        listing.includes('package/dist/src/core/model/analyze-worker.js'),
    );
    assert.ok(!listing.some((f) => f.endsWith('.wat')));
    const stray = listing.filter((f) => /^package\/dist\/(test|bench)\/|\.map$|\.tflite$|\.ts$/.test(f));
    assert.deepStrictEqual(stray, []);
  });

  const targets: { label: string; prepare: (dir: string) => { node: string; red: string } }[] = [
    {
      label: 'Node-RED 4 on Node 20',
      prepare: () => ({ node: process.execPath, red: require.resolve('node-red/red.js') }),
    },
    {
      label: 'Node-RED 5 on Node 22',
      prepare: (dir) => {
        run('npm', ['install', '--prefix', dir, 'node-red@5', 'node@22', '--no-save', '--omit=peer'], dir);
        const node = path.join(dir, 'node_modules', 'node', 'bin', 'node');
        return { node, red: path.join(dir, 'node_modules', 'node-red', 'red.js') };
      },
    },
  ];
  for (const target of targets) {
    it(`${target.label}: the nodes, icons and examples load, and a classifier gets ready`, async () => {
      const runtimeDir = fs.mkdtempSync(path.join(work, 'runtime-'));
      const { node, red } = target.prepare(runtimeDir);
      const version = run(node, ['--version'], runtimeDir).trim();
      const userDir = fs.mkdtempSync(path.join(work, 'user-'));
      fs.writeFileSync(path.join(userDir, 'package.json'), '{"name":"node-red-project","private":true}\n');
      run('npm', ['install', tarball, '--omit=peer'], userDir);
      fs.writeFileSync(
        path.join(userDir, 'flows.json'),
        JSON.stringify([
          { id: 'tab', type: 'tab', label: 'test' },
          {
            id: 'cls',
            type: 'cry-classifier',
            z: 'tab',
            model: 'cry-baby-cnn',
            download: false,
            x: 100,
            y: 100,
            wires: [[]],
          },
        ]),
      );
      const red5 = await startRed(node, red, userDir);
      try {
        const nodes = (await (
          await fetch(`${red5.url}/nodes`, { headers: { accept: 'application/json' } })
        ).json()) as {
          types: string[];
          module: string;
        }[];
        const ours = nodes
          .filter((set) => set.module === 'node-red-contrib-cry-baby')
          .flatMap((set) => set.types);
        assert.deepStrictEqual([...ours].sort(), [...TYPES].sort(), `${target.label} (${version})`);
        const icon = await fetch(`${red5.url}/icons/node-red-contrib-cry-baby/cry-baby.svg`);
        assert.strictEqual(icon.status, 200);
        const examples = await fetch(`${red5.url}/library/examples/flows/node-red-contrib-cry-baby/flows`, {
          headers: { accept: 'application/json' },
        });
        assert.strictEqual(examples.status, 200);
        assert.match(await examples.text(), /nursery-microphone/);
        await waitFor(
          red5.output,
          /model cry-baby-cnn \(.*\) on the TensorFlow.js (wasm|cpu) backend \(@tensorflow\/tfjs-node not installed\)/,
          60000,
        );
        assert.doesNotMatch(red5.output(), /Cannot find module/);
      } finally {
        await stop(red5.child);
      }
    });
  }
});

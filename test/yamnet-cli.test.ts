import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectRoot, sharedDir, tempDir } from './fixtures';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [path.join(projectRoot(), 'bin', 'cry-baby.js'), ...args], {
    encoding: 'utf8',
    cwd: projectRoot(),
    env: { ...process.env, CRY_BABY_YAMNET: '', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const yamnetCopy = () => path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite');

describe('the cry-baby CLI with YAMNet', function () {
  this.timeout(60000);
  let cache: string;
  beforeEach(() => {
    cache = tempDir('cry-baby-cache-');
  });
  afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

  it('analyze --model yamnet prints a row per 0.48 s patch with the interpreter’s scores', () => {
    const clip = '4-59579-A-20.wav';
    // --yamnet-level-ceiling 0: the patches as recorded, as the interpreter was given them.
    const { status, stdout, stderr } = cli([
      'analyze',
      path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', clip),
      '--model',
      'yamnet',
      '--yamnet-file',
      yamnetCopy(),
      '--yamnet-level-ceiling',
      '0',
    ]);
    assert.strictEqual(status, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.match(
      lines[0],
      /^# model yamnet .* on the wasm backend \(.*YAMNet layers on int8 WebAssembly SIMD kernels\), threshold/,
    );
    assert.match(
      lines[1],
      /^start_s,probability,crying,babyCry,cryingSobbing,whimper,babyLaughter,giggle,laughter,babbling,top5$/,
    );
    const reference = JSON.parse(
      fs.readFileSync(path.join(sharedDir(), 'fixtures', 'yamnet', 'classification.json'), 'utf8'),
    ) as { clips: { wav: string; chunks: { start: number; scores: number[] }[] }[] };
    const chunks = reference.clips.find((c) => c.wav === `audio/${clip}`)!.chunks;
    const rows = lines.slice(2);
    assert.strictEqual(rows.length, chunks.length);
    rows.forEach((row, k) => {
      const [start, probability] = row.split(',');
      assert.strictEqual(start, (chunks[k].start / 16000).toFixed(3));
      const expected = 1 - [19, 20, 21].reduce((none, i) => none * (1 - chunks[k].scores[i]), 1);
      assert.ok(Math.abs(Number(probability) - expected) < 6e-5, `${row} vs ${expected}`);
    });
  });

  it('says how to get YAMNet when it is asked for and not installed', () => {
    const { status, stderr } = cli(
      [
        'analyze',
        path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', '9_theo_35.wav'),
        '--model',
        'yamnet',
      ],
      { XDG_CACHE_HOME: cache },
    );
    assert.notStrictEqual(status, 0);
    assert.match(stderr, /the YAMNet file is not installed .*cry-baby models fetch yamnet/);
  });

  it('models fetch yamnet --from FILE installs a verified copy that analyze then finds', () => {
    const fetched = cli(['models', 'fetch', 'yamnet', '--from', yamnetCopy()], { XDG_CACHE_HOME: cache });
    assert.strictEqual(fetched.status, 0, fetched.stderr);
    const installed = path.join(cache, 'cry-baby', 'models', 'yamnet-classification.tflite');
    assert.match(fetched.stdout, /verified sha256 10c95ea3/);
    assert.ok(fs.existsSync(installed));
    const analyzed = cli(
      ['analyze', path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', '9_theo_35.wav')],
      {
        XDG_CACHE_HOME: cache,
      },
    );
    assert.strictEqual(analyzed.status, 0, analyzed.stderr);
    assert.match(
      analyzed.stdout,
      new RegExp(`# model yamnet \\(${installed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`),
    );
  });
});

import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { projectRoot, sharedDir } from './fixtures';

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [path.join(projectRoot(), 'bin', 'cry-baby.js'), ...args], {
    encoding: 'utf8',
    cwd: projectRoot(),
    env: {
      ...process.env,
      CRY_BABY_YAMNET: path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite'),
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the cry-baby CLI speaks in sentences', function () {
  this.timeout(60000);

  it('--help for every command, -h for the whole', () => {
    for (const command of ['mel', 'analyze', 'evaluate', 'train', 'listen', 'models']) {
      const { status, stdout } = cli([command, '--help']);
      assert.strictEqual(status, 0, command);
      assert.match(stdout, new RegExp(`^usage: cry-baby ${command} `), command);
    }
    const whole = cli(['-h']);
    assert.strictEqual(whole.status, 0);
    assert.match(whole.stdout, /usage: cry-baby <command>/);
  });

  it('rejects an unknown option, names a missing file, and analyze --json prints JSON', () => {
    const wav = path.join(sharedDir(), 'fixtures', 'yamnet', 'audio', '9_theo_35.wav');
    const typo = cli(['analyze', wav, '--hopp', '2']);
    assert.strictEqual(typo.status, 1);
    assert.match(typo.stderr, /^cry-baby: unknown option --hopp; this command takes --hop .*\(see --help\)/);
    for (const [option, value, message] of [
      [
        '--yamnet-level-ceiling',
        '6',
        /^cry-baby: --yamnet-level-ceiling must be a level in dBFS from -90 to 0/,
      ],
      ['--yamnet-band-limit', '9000', /^cry-baby: --yamnet-band-limit must be a frequency in Hz below 8000/],
      [
        '--yamnet-outscored-by',
        'cat',
        /^cry-baby: --yamnet-outscored-by must be AudioSet class indices separated by commas, or none/,
      ],
    ] as const) {
      const wrong = cli(['analyze', wav, '--model', 'yamnet', option, value]);
      assert.strictEqual(wrong.status, 1, `${option} ${value}`);
      assert.match(wrong.stderr, message);
    }
    const gate = cli([
      'evaluate',
      path.join(sharedDir(), 'data', 'train', 'manifest.csv'),
      '--infant-pitch-gate',
      'loud',
    ]);
    assert.strictEqual(gate.status, 1);
    assert.match(gate.stderr, /^cry-baby: --infant-pitch-gate must be seconds from 0 to 4/);
    const gateOnAnalyze = cli(['analyze', wav, '--infant-pitch-gate', '0.2']);
    assert.match(
      gateOnAnalyze.stderr,
      /^cry-baby: unknown option --infant-pitch-gate/,
      'measuring only: evaluate takes it',
    );
    const missing = cli(['analyze', 'nowhere.wav']);
    assert.strictEqual(missing.status, 1);
    assert.strictEqual(missing.stderr.trim(), 'cry-baby: no such file: nowhere.wav');
    const json = cli(['analyze', wav, '--json']);
    assert.strictEqual(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      model: string;
      windows: { startSeconds: number; probability: number }[];
    };
    assert.strictEqual(parsed.model, 'yamnet');
    assert.ok(
      parsed.windows.length >= 1 && parsed.windows.every((w) => w.probability >= 0 && w.probability <= 1),
    );
  });
});

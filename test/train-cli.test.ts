import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../src/core/dsp/mel';
import { createCryClassifier } from '../src/core/model/classifier';
import { bandsBelow, createModelInput } from '../src/core/model/input-bands';
import { readManifest, recordingGroup, splitOf } from '../src/core/model/manifest';
import { librosaDir, loadFixture, projectRoot, sharedDir, tempDir } from './fixtures';
import { writeTinyModel } from './tiny-model';
import { readWav, writeWav } from '../src/core/audio/wav';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(projectRoot(), 'bin', 'cry-baby.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    cwd: projectRoot(),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const MANIFEST = () => path.join(sharedDir(), 'data', 'train', 'manifest.csv');

/** `train` on 4 clips per class and split, one epoch of 32 windows, into `out` (a pipeline check, not a model). */
const tinyTraining = (out: string) => [
  'train',
  '--manifest',
  MANIFEST(),
  '--out',
  out,
  '--limit-per-class',
  '4',
  '--epochs',
  '1',
  '--samples-per-epoch',
  '32',
];

describe('the cry-baby CLI and the training pipeline', function () {
  this.timeout(120000);

  it('mel on a 4.04 s clip crops the frames of the whole clip as librosa does (not the samples)', () => {
    const chirp = readWav(fs.readFileSync(path.join(librosaDir(), 'chirp_100_7000_4s.wav'))).samples;
    const longer = new Float32Array(64640);
    longer.set(chirp);
    for (let i = 64000; i < longer.length; i++) longer[i] = 0.5 * Math.sin(i * 0.3);
    const dir = tempDir('cry-baby-mel-');
    try {
      const file = path.join(dir, 'chirp_4p04s.wav');
      fs.writeFileSync(file, writeWav(longer, 16000));
      const { status, stdout, stderr } = cli(['mel', file, '--json']);
      assert.strictEqual(status, 0, stderr);
      const power = (JSON.parse(stdout) as { melPower: number[][] }).melPower;
      const fixture = loadFixture('chirp_100_7000_4s');
      // Frames 0-123 see only the first 4 s: they equal librosa's 4 s fixture.
      let worst = 0;
      for (let m = 0; m < 128; m++) {
        for (let t = 0; t < 124; t++) {
          const expected = fixture.mel_power[m][t] ?? 0;
          worst = Math.max(worst, Math.abs(power[m][t] - expected) / Math.max(1e-10, Math.abs(expected)));
        }
      }
      assert.ok(worst < 1e-4, `relative power error ${worst}`);
      // Frames 124 and 125 reach past 4 s: they hear the added tone, where a sample cut would hear zeros.
      const low = (t: number, source: (number | null)[][]) =>
        source.slice(0, 40).reduce((sum, row) => sum + (row[t] ?? 0), 0);
      for (const t of [124, 125]) {
        assert.ok(
          low(t, power) > 10 * low(t, fixture.mel_power),
          `frame ${t}: ${low(t, power)} vs ${low(t, fixture.mel_power)}`,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mel --json prints the 128 x 126 spectrogram of the first 4 s, matching librosa', () => {
    const { status, stdout, stderr } = cli([
      'mel',
      path.join(librosaDir(), 'chirp_100_7000_4s.wav'),
      '--json',
    ]);
    assert.strictEqual(status, 0, stderr);
    const json = JSON.parse(stdout) as {
      sampleRate: number;
      nMels: number;
      frames: number;
      melPower: number[][];
      melDb: number[][];
      melNorm: number[][];
    };
    assert.deepStrictEqual([json.sampleRate, json.nMels, json.frames], [16000, 128, 126]);
    for (const key of ['melPower', 'melDb', 'melNorm'] as const) {
      assert.strictEqual(json[key].length, 128);
      json[key].forEach((row) => assert.strictEqual(row.length, 126));
    }
    const fixture = loadFixture('chirp_100_7000_4s');
    let worst = 0;
    fixture.mel_db.forEach((row, m) =>
      row.forEach((v, t) => (worst = Math.max(worst, Math.abs((v ?? 0) - json.melDb[m][t])))),
    );
    assert.ok(worst <= 1e-3, `dB error ${worst}`);
  });

  it('mel pads a short file and says what is wrong with a bad one', () => {
    const short = JSON.parse(cli(['mel', path.join(librosaDir(), 'short_2p5s.wav'), '--json']).stdout) as {
      frames: number;
      melNorm: number[][];
    };
    assert.strictEqual(short.frames, 126);
    const bad = path.join(tempDir('cli-'), 'bad.wav');
    fs.writeFileSync(bad, 'not audio at all');
    const result = cli(['mel', bad, '--json']);
    assert.notStrictEqual(result.status, 0);
    assert.match(result.stderr, /not a WAV file/);
  });

  it('the split keeps every recording group on one side', () => {
    const rows = readManifest(MANIFEST());
    const sides = new Map<string, Set<string>>();
    for (const row of rows) {
      const group = recordingGroup(row);
      const set = sides.get(group) ?? new Set<string>();
      set.add(splitOf(row, 20261124));
      sides.set(group, set);
    }
    assert.ok([...sides.values()].every((set) => set.size === 1));
    const donateacry = rows.filter((r) => r.path.includes('donateacry')).map(recordingGroup);
    assert.ok(
      new Set(donateacry).size < donateacry.length,
      'app installs with several recordings are grouped',
    );
  });

  it('train runs end to end on a tiny subset and writes a loadable model, metadata and curves', async () => {
    const out = tempDir('cry-train-');
    const result = cli([...tinyTraining(out), '--seed', '7']);
    assert.strictEqual(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /backend: (wasm|tensorflow|cpu)/);
    assert.match(result.stdout, /epoch 1\/1 batch 1\/1 loss \d/);
    for (const file of ['model.json', 'weights.bin', 'metadata.json', 'curves.svg'])
      assert.ok(fs.existsSync(path.join(out, file)), file);
    const metadata = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as {
      training: { seed: number; command: string };
      threshold: number;
    };
    assert.strictEqual(metadata.training.seed, 7);
    assert.match(metadata.training.command, /^cry-baby train --manifest .* --seed 7$/);
    assert.match(
      fs.readFileSync(path.join(out, 'curves.svg'), 'utf8'),
      /<svg[\s\S]*ROC[\s\S]*Precision-recall/,
    );
    const classifier = createCryClassifier(out);
    const [p] = await classifier.predict([new Float32Array(128 * 126)]);
    assert.ok(p >= 0 && p <= 1);
    classifier.dispose();
  });

  it('train --keep-epoch last keeps the last epoch and says so; best is the default; anything else is refused', () => {
    const keptOf = (out: string) =>
      (
        JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as {
          training: { epochs: number; keptEpoch: number; keptEpochRule: string };
        }
      ).training;
    const last = tempDir('cry-train-last-');
    const result = cli([...tinyTraining(last), '--epochs', '3', '--keep-epoch', 'last']);
    assert.strictEqual(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /keeping epoch 3 \(the last\)/);
    const training = keptOf(last);
    assert.deepStrictEqual([training.epochs, training.keptEpoch], [3, 3]);
    assert.match(training.keptEpochRule, /--keep-epoch last/);
    const best = tempDir('cry-train-best-');
    assert.strictEqual(cli([...tinyTraining(best), '--epochs', '2']).status, 0);
    assert.match(keptOf(best).keptEpochRule, /best validation score/);
    const wrong = cli([...tinyTraining(tempDir('cry-train-last-')), '--keep-epoch', 'newest']);
    assert.notStrictEqual(wrong.status, 0);
    assert.match(wrong.stderr, /--keep-epoch must be best or last/);
  });

  it('train --teacher yamnet: cry targets from how clearly YAMNet hears crying, recorded in the metadata', () => {
    const out = tempDir('cry-train-teacher-');
    const yamnet = path.join(sharedDir(), 'models', 'yamnet', 'yamnet-classification.tflite');
    const result = cli([
      ...tinyTraining(out),
      '--teacher',
      'yamnet',
      '--yamnet-file',
      yamnet,
      '--teacher-weight',
      '0.8',
    ]);
    assert.strictEqual(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /teacher: YAMNet .*; scoring the 4 training cry recordings/);
    const metadata = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as {
      training: {
        teacher: {
          weight: number;
          fullAt: number;
          recordings: number;
          windowsAtOneSecond: number;
          shareOfWindowsBelow05: number;
          shareOfWindowsAt1: number;
        };
      };
    };
    const teacher = metadata.training.teacher;
    assert.deepStrictEqual([teacher.weight, teacher.fullAt, teacher.recordings], [0.8, 0.4, 4]);
    // The four phone-app cry recordings: YAMNet hears plain crying in most of their 4 s windows, not in all.
    assert.ok(teacher.windowsAtOneSecond >= 4, String(teacher.windowsAtOneSecond));
    assert.ok(
      teacher.shareOfWindowsAt1 > 0.5 && teacher.shareOfWindowsAt1 <= 1,
      String(teacher.shareOfWindowsAt1),
    );
    const bad = cli([...tinyTraining(tempDir('cry-train-teacher-')), '--teacher', 'cnn']);
    assert.notStrictEqual(bad.status, 0);
    assert.match(bad.stderr, /--teacher must be yamnet/);
    const weight = cli([
      ...tinyTraining(tempDir('cry-train-teacher-')),
      '--teacher',
      'yamnet',
      '--teacher-weight',
      '2',
    ]);
    assert.match(weight.stderr, /--teacher-weight must be between 0 and 1/);
    const stray = cli([...tinyTraining(tempDir('cry-train-teacher-')), '--teacher-weight', '0.5']);
    assert.notStrictEqual(stray.status, 0);
    assert.match(stray.stderr, /--teacher-weight is for --teacher yamnet only/);
  });

  it('channel-blind input: the bands wholly below 4 kHz, z-scored on their own (equal to z-scoring their dB)', () => {
    assert.strictEqual(bandsBelow(DEFAULT_MEL_SETTINGS, 4000), 99);
    assert.strictEqual(bandsBelow(DEFAULT_MEL_SETTINGS, 8000), 128);
    const wav = readWav(fs.readFileSync(path.join(librosaDir(), 'chirp_100_7000_4s.wav')));
    const mel = createMelSpectrogram(DEFAULT_MEL_SETTINGS)(wav.samples);
    const input = createModelInput(128, 126, 99)(mel.norm);
    assert.strictEqual(input.length, 99 * 126);
    const rows = mel.db.subarray(0, 99 * 126);
    const mean = rows.reduce((a, b) => a + b, 0) / rows.length;
    const std = Math.sqrt(rows.reduce((a, b) => a + (b - mean) ** 2, 0) / rows.length);
    let worst = 0;
    rows.forEach((v, i) => (worst = Math.max(worst, Math.abs((v - mean) / std - input[i]))));
    assert.ok(worst < 1e-4, `differs by ${worst}`);
    assert.ok(createModelInput(128, 126, 99)(new Float32Array(128 * 126)).every((v) => v === 0));
    assert.strictEqual(createModelInput(128, 126)(mel.norm), mel.norm);
  });

  it('train --band-limit 4000 --hold-out: a channel-blind model that never saw the held-out folders', async () => {
    const out = tempDir('cry-train-blind-');
    const result = cli([
      ...tinyTraining(out),
      '--band-limit',
      '4000',
      '--hold-out',
      'cry/esc50,noncry/music',
    ]);
    assert.strictEqual(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /channel-blind input: the 99 mel bands below 4000 Hz/);
    assert.match(
      result.stdout,
      /held out \(neither trained nor validated on\): \d+ clips of cry\/esc50, noncry\/music/,
    );
    const metadata = JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')) as {
      inputShape: number[];
      preprocessing: { keptBands: number; bandLimitHz: number; nMels: number };
      training: { heldOut: string[]; data: Record<string, Record<string, unknown>> };
    };
    assert.deepStrictEqual(metadata.inputShape, [99, 126, 1]);
    assert.deepStrictEqual(
      [metadata.preprocessing.keptBands, metadata.preprocessing.bandLimitHz, metadata.preprocessing.nMels],
      [99, 4000, 128],
    );
    assert.deepStrictEqual(metadata.training.heldOut, ['cry/esc50', 'noncry/music']);
    const categories = Object.keys({ ...metadata.training.data.train, ...metadata.training.data.validation });
    assert.ok(!categories.includes('noncry/music'), categories.join(', '));
    // The classifier takes the 128-band spectrogram every producer makes; what lies above 4 kHz does not count.
    const classifier = createCryClassifier(out);
    const wav = readWav(fs.readFileSync(path.join(librosaDir(), 'chirp_100_7000_4s.wav')));
    const spectrogram = createMelSpectrogram(DEFAULT_MEL_SETTINGS)(wav.samples).norm;
    const changedAbove = Float32Array.from(spectrogram, (v, i) => (i >= 99 * 126 ? -v * 3 + 1 : v));
    const [p, q] = await classifier.predict([spectrogram, changedAbove]);
    assert.strictEqual(p, q);
    classifier.dispose();
  });

  it('analyze prints one probability per window; evaluate prints metrics and writes predictions', async () => {
    const model = await writeTinyModel();
    const analyzed = cli(['analyze', path.join(librosaDir(), 'rec44k_noise_4s.wav'), '--model', model]);
    assert.strictEqual(analyzed.status, 0, analyzed.stderr);
    const lines = analyzed.stdout.trim().split('\n');
    assert.match(lines[0], /on the (wasm|tensorflow|cpu) backend/);
    assert.strictEqual(lines[1], 'start_s,probability,crying');
    assert.match(lines[2], /^0\.000,0\.\d{4},(true|false)$/);
    const dir = tempDir('cli-eval-');
    const manifest = path.join(dir, 'manifest.csv');
    fs.writeFileSync(
      manifest,
      [
        'path,label,category',
        `${path.join(librosaDir(), 'noise_seed1234_4s.wav')},cry,loud`,
        `${path.join(librosaDir(), 'sine440_4s.wav')},noncry,tone`,
        `${path.join(librosaDir(), 'short_2p5s.wav')},noncry,tone`,
      ].join('\n') + '\n',
    );
    const predictions = path.join(dir, 'predictions.csv');
    const evaluated = cli(['evaluate', manifest, '--json', '--predictions', predictions, '--model', model]);
    assert.strictEqual(evaluated.status, 0, evaluated.stderr);
    const report = JSON.parse(evaluated.stdout) as {
      overall: { clips: number; rocAuc: number };
      perCategory: Record<string, { clips: number }>;
    };
    assert.strictEqual(report.overall.clips, 3);
    assert.ok(report.overall.rocAuc >= 0 && report.overall.rocAuc <= 1);
    assert.deepStrictEqual(Object.keys(report.perCategory).sort(), ['loud', 'tone']);
    assert.ok(!('startRules' in report), 'no table of rule-true positions posing as starts');
    const text = cli(['evaluate', manifest, '--model', model]);
    assert.strictEqual(text.status, 0, text.stderr);
    assert.match(text.stdout, /^overall +3 /m);
    assert.match(text.stdout, /false starts per hour and seconds to start come from the detector on streams/);
    const written = fs.readFileSync(predictions, 'utf8').trim().split('\n');
    assert.strictEqual(written[0], 'path,label,probability');
    assert.strictEqual(written.length, 4);
    const voiced = cli([
      'evaluate',
      manifest,
      '--json',
      '--voicing',
      '--predictions',
      predictions,
      '--model',
      model,
    ]);
    assert.strictEqual(voiced.status, 0, voiced.stderr);
    const buckets = (
      JSON.parse(voiced.stdout) as {
        voicing: { from: number; cry: { clips: number }; noncry: { clips: number } }[];
      }
    ).voicing;
    const voicingRows = fs.readFileSync(predictions, 'utf8').trim().split('\n');
    assert.strictEqual(
      voicingRows[0],
      'path,label,probability,infant_voiced_s,adult_voiced_s,longest_infant_run_s',
    );
    const infantSeconds = (name: string) => Number(voicingRows.find((r) => r.includes(name))?.split(',')[3]);
    assert.ok(infantSeconds('sine440_4s') > 3.8, 'a 4 s tone at 440 Hz is infant-pitched voicing throughout');
    assert.ok(infantSeconds('noise_seed1234_4s') < 0.2, 'white noise is not voiced');
    assert.deepStrictEqual(
      buckets.map((b) => [b.from, b.cry.clips, b.noncry.clips]),
      [
        [0, 1, 0],
        [0.5, 0, 0],
        [1.5, 0, 1],
        [3, 0, 1],
      ],
    );
    fs.rmSync(model, { recursive: true, force: true });
  });
});

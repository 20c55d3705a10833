/**
 * The `cry-baby` command line: the same core as the Node-RED nodes, for people without Node-RED and for scripted
 * checks. Commands: mel, train, evaluate, analyze, listen.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readAudioAt } from '../core/audio/file-source';
import { createMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../core/dsp/mel';
import { createCryClassifier, defaultModelDir } from '../core/model/classifier';
import { csvField } from '../core/log/csv';
import { loadClips } from '../core/model/dataset';
import {
  evaluationReport,
  EvaluationFigures,
  startRuleFigures,
  windowProbabilities,
} from '../core/model/evaluate';
import { readManifest, splitOf } from '../core/model/manifest';
import { DEFAULT_TRAINING, trainCryModel } from '../core/model/train';
import type { BackendName } from '../core/model/tf';
import { recordingSpectrograms } from '../core/model/windows';
import { numberOption, parseArgs } from './args';
import { runListen } from './listen';

const USAGE = `usage: cry-baby <command> [options]

  mel <file.wav> --json                 log-mel spectrogram of the first 4 s as JSON
  analyze <file> [--hop S] [--model DIR] crying probability of each 4 s window
  evaluate <manifest.csv> [--json] [--predictions out.csv] [--model DIR] [--split validation --seed N]
  train --manifest M --out DIR [--seed N] [--epochs N] [--samples-per-epoch N] [--limit-per-class N]
  listen [--device D] [--recorder sox|rec|arecord] [--hop S] [--csv predictions.csv] [--model DIR]

  --backend tensorflow|wasm|cpu forces a TensorFlow.js backend (default: the fastest that loads)`;

type Output = (line: string) => void;

function rows(matrix: Float32Array, nRows: number, nCols: number): (number | null)[][] {
  return Array.from({ length: nRows }, (_, m) =>
    Array.from(matrix.subarray(m * nCols, (m + 1) * nCols), (v) => (Number.isFinite(v) ? v : null)),
  );
}

async function melCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(argv, ['json']);
  const file = args.positional[0];
  if (!file) throw new Error('mel needs a WAV file');
  const samples = await readAudioAt(file, DEFAULT_MEL_SETTINGS.sampleRate);
  const settings = DEFAULT_MEL_SETTINGS;
  const mel = createMelSpectrogram(settings)(
    samples.subarray(0, settings.frames * settings.hopLength - settings.hopLength),
  );
  if (!args.options.json) {
    out(
      `${file}: ${settings.nMels} mels x ${mel.frames} frames (${mel.rawFrames} from audio), mean ${mel.mean.toFixed(2)} dB, std ${mel.std.toFixed(2)} dB`,
    );
    return 0;
  }
  out(
    JSON.stringify({
      sampleRate: settings.sampleRate,
      nMels: settings.nMels,
      frames: mel.frames,
      melPower: rows(mel.power, settings.nMels, mel.frames),
      melDb: rows(mel.db, settings.nMels, mel.frames),
      melNorm: rows(mel.norm, settings.nMels, mel.frames),
    }),
  );
  return 0;
}

function backendOption(value: string | true | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw new Error(`--backend must be tensorflow, wasm or cpu, got ${String(value)}`);
}

async function analyzeCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(argv, ['json']);
  const file = args.positional[0];
  if (!file) throw new Error('analyze needs an audio file');
  const hop = numberOption(args, 'hop', 1);
  const classifier = createCryClassifier(String(args.options.model ?? defaultModelDir()), {
    backend: backendOption(args.options.backend),
  });
  const info = await classifier.ensureLoaded();
  const samples = await readAudioAt(file, DEFAULT_MEL_SETTINGS.sampleRate);
  const { starts, spectrograms } = recordingSpectrograms(samples, hop);
  const probabilities = await classifier.predict(spectrograms);
  out(`# model ${info.modelDir}, backend ${info.backend}, threshold ${info.metadata.threshold.toFixed(4)}`);
  out('start_s,probability,crying');
  starts.forEach((start, i) =>
    out(
      `${(start / DEFAULT_MEL_SETTINGS.sampleRate).toFixed(3)},${probabilities[i].toFixed(4)},${probabilities[i] >= info.metadata.threshold}`,
    ),
  );
  classifier.dispose();
  return 0;
}

function formatFigures(name: string, f: EvaluationFigures): string {
  const n = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  return `${name.padEnd(12)} ${String(f.clips).padStart(5)} ${String(f.cryClips).padStart(5)}  ${n(f.rocAuc, 4).padStart(7)} ${n(f.averagePrecision, 4).padStart(7)} ${n(f.precision).padStart(9)} ${n(f.recall).padStart(7)} ${n(f.falsePositiveRate).padStart(7)}`;
}

async function evaluateCommand(argv: string[], out: Output, err: Output): Promise<number> {
  const args = parseArgs(argv, ['json']);
  const manifest = args.positional[0];
  if (!manifest) throw new Error('evaluate needs a manifest.csv');
  const split = args.options.split;
  if (split !== undefined && split !== 'train' && split !== 'validation')
    throw new Error('--split must be train or validation');
  const seed = numberOption(args, 'seed', DEFAULT_TRAINING.seed);
  const manifestRows = readManifest(manifest).filter(
    (row) => split === undefined || splitOf(row, seed) === split,
  );
  const classifier = createCryClassifier(String(args.options.model ?? defaultModelDir()), {
    backend: backendOption(args.options.backend),
  });
  const info = await classifier.ensureLoaded();
  err(`model ${info.modelDir}, backend ${info.backend}; loading ${manifestRows.length} clips`);
  const clips = await loadClips(manifestRows, DEFAULT_MEL_SETTINGS.sampleRate);
  let last = Date.now();
  const perWindow = await windowProbabilities(classifier, clips, (done) => {
    if (Date.now() - last > 5000) {
      last = Date.now();
      err(`  ${done}/${clips.length} clips`);
    }
  });
  classifier.dispose();
  const probabilities = perWindow.map((w) => Math.max(...w));
  const threshold = numberOption(args, 'threshold', info.metadata.threshold);
  const report = evaluationReport(manifestRows, probabilities, threshold);
  const labels = manifestRows.map((r) => r.label);
  const startRules = [
    [1, 1],
    [2, 3],
    [3, 4],
  ].map(([n, m]) => ({ rule: `${n} of ${m}`, ...startRuleFigures(perWindow, labels, threshold, n, m) }));
  if (typeof args.options.predictions === 'string') {
    const lines = [
      'path,label,probability',
      ...manifestRows.map((r, i) => `${csvField(r.path)},${r.label},${probabilities[i].toFixed(6)}`),
    ];
    fs.writeFileSync(args.options.predictions, lines.join('\n') + '\n');
  }
  if (args.options.json) {
    out(
      JSON.stringify(
        { model: info.modelDir, backend: info.backend, ...report, startRules },
        (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
        2,
      ),
    );
    return 0;
  }
  out(`threshold ${threshold.toFixed(4)} (backend ${info.backend})`);
  out('category     clips   cry   ROC AUC      AP precision  recall     FPR');
  out(formatFigures('overall', report.overall));
  for (const [category, f] of Object.entries(report.perCategory)) out(formatFigures(category, f));
  out('');
  out('start rule   non-cry windows >= threshold   false starts per non-cry window   cry recordings started');
  for (const r of startRules) {
    out(
      `${r.rule.padEnd(12)} ${(100 * r.windowFalsePositiveRate).toFixed(2).padStart(28)} % ${(100 * r.falseStartsPerWindow).toFixed(2).padStart(32)} % ${(100 * r.cryRecordingsStarted).toFixed(1).padStart(22)} %`,
    );
  }
  return 0;
}

async function trainCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(argv);
  const manifest = args.options.manifest;
  const target = args.options.out;
  if (typeof manifest !== 'string' || typeof target !== 'string')
    throw new Error('train needs --manifest and --out');
  const limit = numberOption(args, 'limit-per-class', 0);
  await trainCryModel({
    manifest: path.resolve(manifest),
    out: path.resolve(target),
    seed: numberOption(args, 'seed', DEFAULT_TRAINING.seed),
    epochs: numberOption(args, 'epochs', DEFAULT_TRAINING.epochs),
    samplesPerEpoch: numberOption(args, 'samples-per-epoch', DEFAULT_TRAINING.samplesPerEpoch),
    batchSize: numberOption(args, 'batch-size', DEFAULT_TRAINING.batchSize),
    maxFalsePositiveRate: numberOption(args, 'max-fpr', DEFAULT_TRAINING.maxFalsePositiveRate),
    targetRecall: numberOption(args, 'target-recall', DEFAULT_TRAINING.targetRecall),
    limitPerClass: limit > 0 ? limit : undefined,
    backend: backendOption(args.options.backend),
    command: ['cry-baby', 'train', ...argv].join(' '),
    log: out,
  });
  return 0;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(
  argv: readonly string[],
  out: Output = (l) => console.log(l),
  err: Output = (l) => console.error(l),
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'mel':
      return melCommand(rest, out);
    case 'analyze':
      return analyzeCommand(rest, out);
    case 'evaluate':
      return evaluateCommand(rest, out, err);
    case 'train':
      return trainCommand(rest, out);
    case 'listen':
      return runListen(rest, out, err);
    case undefined:
    case 'help':
    case '--help':
      out(USAGE);
      return command ? 0 : 2;
    default:
      err(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

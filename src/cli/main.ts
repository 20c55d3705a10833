/**
 * The `cry-baby` command line: the same core as the Node-RED nodes, for people without Node-RED and for scripted
 * checks. Commands: mel, train, evaluate, analyze, calibrate, listen, models.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readAudioAt } from '../core/audio/file-source';
import { decodeAudioInPieces } from '../core/audio/stream-decode';
import { createAnalyzePool } from '../core/model/analyze-pool';
import { createBlockAnalyzer } from '../core/model/block-analyzer';
import type { CryVerdict } from '../core/model/cry-model';
import { createMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../core/dsp/mel';
import { cacheModelDir, fetchYamnet } from '../core/model/yamnet/fetch';
import { csvField } from '../core/log/csv';
import { loadClips } from '../core/model/dataset';
import { createVoicingMeter, voicingBuckets } from '../core/model/voicing';
import { evaluationReport, EvaluationFigures } from '../core/model/evaluate';
import { readManifest, splitOf, ManifestRow } from '../core/model/manifest';
import { scoreStreamsOverSeeds, streamFigures, ScoredStream, StreamFigures } from '../core/model/streams';
import { fitDetection, FitGrid } from '../core/detect/fit';
import { streamRocSvg, streamTimelineSvg } from '../core/model/stream-pictures';
import { calibrate, RoomVerdict } from '../core/detect/calibrate';
import { FALLBACK_DETECTION, OFF_THRESHOLD_RATIO, DetectionSettings } from '../core/detect/policy';
import { DEFAULT_TRAINING, trainCryModel } from '../core/model/train';
import { createCryModel } from '../core/model/select';
import { numberOption, parseArgs } from './args';
import { runListen } from './listen';
import { backendOption, describe, modelFromArgs, resolvedFromArgs, yamnetInputOptions } from './model-args';

const USAGE = `usage: cry-baby <command> [options]

  mel <file.wav> --json                 log-mel spectrogram of the first 4 s as JSON (librosa's frame crop)
  analyze <file> [--model M] [--hop S] [--threads N]
                                        crying probability of each window of the model (YAMNet: 0.975 s
                                        patches every 0.48 s; the CNN: 4 s windows every --hop S, default 1);
                                        a recording over 32 MB is analysed in blocks on N threads (default:
                                        one per core, at most 4), same rows as on one
  calibrate <room recordings...> [--target-false-starts N] [--model M] [--json]
                                        the start threshold for this room: at most N false starts per day
                                        (default 1) on its audio without crying, with the real cry-detect policy
  evaluate <manifest.csv> [--model M] [--json] [--predictions out.csv] [--split validation --seed N] [--voicing]
                                        clip figures; --voicing: also each clip's seconds voiced at an infant's
                                        pitch (YIN, f0 >= 250 Hz), and how many clips the model found by them
  evaluate <manifest.csv> --streams [--model M] [--fit] [--cries N] [--bouts N] [--snr 0,5,10,20] [--seed S[,S...]]
                                        [--verdicts out.json] [--from-verdicts F] [--pictures DIR] [--json]
                                        false starts per hour, seconds to start, share of crying time on, with the
                                        real cry-detect policy; --bouts: how many crying sessions (one baby's
                                        recordings seconds apart) to add as bouts (default all, 0 none), played back
                                        to back (bout) and with the unrecorded time between them as room noise
                                        (bout+gaps)
                                        either mode, --infant-pitch-gate S: p(cry) 0 in windows with under S
                                        seconds voiced at an infant's pitch (measuring only)
  models fetch yamnet [--from URL|FILE] [--dir DIR]
                                        download the official YAMNet file once (sha256-checked) into DIR
                                        (default ${'$'}XDG_CACHE_HOME/cry-baby/models or ~/.cache/cry-baby/models)
  train --manifest M --out DIR [--seed N] [--epochs N] [--samples-per-epoch N] [--limit-per-class N]
        [--band-limit HZ] [--hold-out PREFIX,...] [--noncry-weighting clips|sqrt] [--keep-epoch best|last]
        [--teacher yamnet --yamnet-file F [--teacher-full-at P] [--teacher-weight W]]
                                        --band-limit: channel-blind input (only the mel bands below HZ);
                                        --hold-out: leave these manifest folders out (a cross-source fold);
                                        --teacher: a cry example's target is how clearly YAMNet hears
                                        crying in its stretch (1 at p >= P, default 0.4), blended W:1-W
                                        with the label (default W 1)
  listen [--model M] [--device D] [--recorder sox|rec|arecord] [--hop S] [--csv predictions.csv]

  --model yamnet|cry-baby-cnn|auto|DIR  the cry model (default auto: YAMNet when its file is installed, else the
                                        built-in Cry Baby CNN; a folder means a CNN model folder)
  --yamnet-file F                       the YAMNet .tflite to use (else ${'$'}CRY_BABY_YAMNET, then the cache folder)
  --yamnet-band-limit HZ                YAMNet hears only the FFT bins below HZ (0: the full band)
  --yamnet-level-ceiling DBFS           each YAMNet patch louder than DBFS RMS is scaled down to it (0: none)
  --yamnet-outscored-by I,J,...|none    p(cry) is 0 in a patch where one of these AudioSet classes outscores
                                        every crying class (76-80: cat, purr, meow, hiss, caterwaul)
                                        (all three default to models/yamnet/metadata.json's preprocessing)
  --backend tensorflow|wasm|cpu forces a TensorFlow.js backend (default: the fastest that loads)`;

type Output = (line: string) => void;

function rows(matrix: Float32Array, nRows: number, nCols: number): (number | null)[][] {
  return Array.from({ length: nRows }, (_, m) =>
    Array.from(matrix.subarray(m * nCols, (m + 1) * nCols), (v) => (Number.isFinite(v) ? v : null)),
  );
}

const MODEL_OPTIONS = [
  'model',
  'yamnet-file',
  'yamnet-band-limit',
  'yamnet-level-ceiling',
  'yamnet-outscored-by',
  'backend',
];

function existingFile(file: string | undefined, what: string): string {
  if (!file) throw new Error(`${what} needs a file`);
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  return file;
}

async function melCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(argv, ['json'], []);
  const file = existingFile(args.positional[0], 'mel');
  const samples = await readAudioAt(file, DEFAULT_MEL_SETTINGS.sampleRate);
  const settings = DEFAULT_MEL_SETTINGS;
  // librosa takes the STFT of the whole clip and then keeps the first 126 frames, so the last frames of a longer
  // clip see the samples after 4 s; cutting the samples first would zero-pad them instead. Frame 125 reaches
  // n_fft/2 samples past its centre, so that much more is all that is needed.
  const mel = createMelSpectrogram(settings)(
    samples.subarray(0, (settings.frames - 1) * settings.hopLength + settings.nFft / 2),
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

/** The detection settings in force for a model: its metadata's, else the fallback, as cry detect does. */
function modelDetection(info: {
  threshold: number;
  detection?: Partial<DetectionSettings>;
}): DetectionSettings {
  return {
    onThreshold: info.threshold,
    offThreshold: info.threshold * OFF_THRESHOLD_RATIO,
    ...FALLBACK_DETECTION,
    ...info.detection,
  };
}

async function calibrateCommand(argv: string[], out: Output, err: Output): Promise<number> {
  const args = parseArgs(argv, ['json'], ['target-false-starts', ...MODEL_OPTIONS]);
  if (!args.positional.length)
    throw new Error('calibrate needs one or more recordings of the room without crying');
  const files = args.positional.map((file) => existingFile(file, 'calibrate'));
  const targetPerDay = numberOption(args, 'target-false-starts', 1);
  const model = modelFromArgs(args);
  try {
    const info = await model.ensureLoaded();
    const rate = DEFAULT_MEL_SETTINGS.sampleRate;
    // The recordings follow each other in stream time, as one long stretch of the room.
    const verdicts: RoomVerdict[] = [];
    let offsetMs = 0;
    for (const file of files) {
      err(`  ${path.basename(file)}`);
      const samples = await readAudioAt(file, rate);
      for (const verdict of await model.analyze(samples))
        verdicts.push({
          probability: verdict.probability,
          time: offsetMs + (verdict.startSample / rate) * 1000,
        });
      offsetMs += (samples.length / rate) * 1000;
    }
    const settings = modelDetection(info);
    const result = calibrate(verdicts, settings, { targetPerDay });
    if (args.options.json) out(JSON.stringify({ model: info.name, files, settings, ...result }));
    else {
      out(`# ${describe(info)}`);
      out(result.summary);
      if (result.threshold !== undefined)
        out(
          `set cry detect's on-threshold to ${result.threshold} (off-threshold ${result.offThreshold?.toFixed(3)})`,
        );
    }
    return result.threshold === undefined ? 1 : 0;
  } finally {
    model.dispose();
  }
}

/** Files above this size are decoded and analysed in pieces (flat memory; sox resamples them). */
const LONG_FILE_BYTES = 32 * 1024 * 1024;

async function analyzeCommand(argv: string[], out: Output, err: Output): Promise<number> {
  const args = parseArgs(argv, ['json'], ['hop', 'threads', ...MODEL_OPTIONS]);
  const file = existingFile(args.positional[0], 'analyze');
  const hop = numberOption(args, 'hop', 1);
  const threads = numberOption(args, 'threads', defaultThreads());
  if (!(Number.isInteger(threads) && threads >= 1))
    throw new Error(`--threads must be a whole number >= 1, got ${threads}`);
  const long = fs.statSync(file).size > LONG_FILE_BYTES;
  // A long recording on several threads: a pool of workers, each with its own model, analyses blocks side by side.
  const pool =
    long && threads > 1
      ? createAnalyzePool(resolvedFromArgs(args), {
          threads,
          backend: backendOption(args.options.backend),
          yamnet: yamnetInputOptions(args),
        })
      : undefined;
  const model = pool ? undefined : modelFromArgs(args);
  try {
    const info = pool ? await pool.ready : await model!.ensureLoaded();
    const rate = DEFAULT_MEL_SETTINGS.sampleRate;
    // The CNN's windows step by 1 s; --hop keeps every hop-th of them (whole seconds only).
    const step = info.name === 'cry-baby-cnn' ? Math.max(1, Math.round(hop)) : 1;
    const kept: CryVerdict[] = [];
    let named: string[] | undefined;
    let index = 0;
    const take = (verdicts: CryVerdict[]) => {
      for (const verdict of verdicts) {
        if (index++ % step !== 0) continue;
        if (args.options.json) {
          kept.push(verdict);
          continue;
        }
        if (!named) {
          named = verdict.scores ? Object.keys(verdict.scores) : [];
          out(`# ${describe(info)}`);
          out(['start_s', 'probability', 'crying', ...named, ...(verdict.top ? ['top5'] : [])].join(','));
        }
        const fields = [
          (verdict.startSample / rate).toFixed(3),
          verdict.probability.toFixed(4),
          String(verdict.probability >= info.threshold),
          ...named.map((name) => (verdict.scores?.[name] ?? 0).toFixed(4)),
        ];
        if (verdict.top)
          fields.push(csvField(verdict.top.map((c) => `${c.label} ${c.score.toFixed(3)}`).join('; ')));
        out(fields.join(','));
      }
    };
    let last = Date.now();
    if (long) {
      // A long recording: decoded and analysed a block at a time, rows printed as they come.
      const blocks = pool
        ? createBlockAnalyzer(pool, info, take, 256, threads)
        : createBlockAnalyzer(model!, info, take);
      let decoded = 0;
      await decodeAudioInPieces(file, rate, async (samples) => {
        decoded += samples.length;
        await blocks.push(samples);
        if (Date.now() - last > 5000) {
          last = Date.now();
          err(`  ${(decoded / rate / 60).toFixed(1)} min of audio analysed`);
        }
      });
      await blocks.finish();
    } else {
      const samples = await readAudioAt(file, rate);
      take(
        await model!.analyze(samples, (fraction) => {
          if (Date.now() - last > 5000) {
            last = Date.now();
            err(`  ${(100 * fraction).toFixed(0)} %`);
          }
        }),
      );
    }
    if (args.options.json) {
      out(
        JSON.stringify({
          model: info.name,
          source: info.source,
          backend: info.backend,
          threshold: info.threshold,
          windowSeconds: info.windowSamples / rate,
          windows: kept.map((verdict) => ({
            startSeconds: verdict.startSample / rate,
            probability: verdict.probability,
            crying: verdict.probability >= info.threshold,
            ...(verdict.scores ? { scores: verdict.scores } : {}),
            ...(verdict.top ? { top: verdict.top } : {}),
          })),
        }),
      );
    }
  } finally {
    model?.dispose();
    await pool?.close();
  }
  return 0;
}

/** Threads for analysing a long recording: one per core, at most 4 (each holds its own model). */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

function formatFigures(name: string, f: EvaluationFigures): string {
  const n = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  return `${name.padEnd(12)} ${String(f.clips).padStart(5)} ${String(f.cryClips).padStart(5)}  ${n(f.rocAuc, 4).padStart(7)} ${n(f.averagePrecision, 4).padStart(7)} ${n(f.precision).padStart(9)} ${n(f.recall).padStart(7)} ${n(f.falsePositiveRate).padStart(7)}`;
}

/**
 * The policies `evaluate --streams --fit` tries. No cooldown: a cooldown would hide a baby who starts crying again
 * soon after an episode ended (the fit, preferring fewer restarts within a session, would otherwise take one). The
 * longest hold, 20 s, is the longest the light may stay on after the crying stopped.
 */
const DEFAULT_FIT_GRID: FitGrid = {
  thresholds: [0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
  starts: [
    [1, 1],
    [2, 2],
    [2, 3],
    [2, 4],
    [3, 4],
    [3, 5],
    [4, 6],
  ],
  offRatios: [0.25, 0.5, 0.75],
  offSeconds: [5, 10, 15, 20],
  minDurationSeconds: [5],
  cooldownSeconds: [0],
};

function formatStreamFigures(figures: StreamFigures, out: Output): void {
  out('non-cry stream                             hours   starts  per hour  on share');
  for (const [name, f] of Object.entries(figures.falseStartsPerHour)) {
    out(
      `${name.padEnd(40)} ${f.hours.toFixed(3).padStart(7)} ${String(f.starts).padStart(8)} ${f.perHour.toFixed(2).padStart(9)} ${(100 * f.onShare).toFixed(2).padStart(8)}%`,
    );
  }
  out('');
  out(
    'cry streams                                cries   never  median s  p90 s  on share  after start  stopped  restarts  early',
  );
  for (const [name, c] of Object.entries(figures.cries)) {
    const n = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
    out(
      `${name.padEnd(40)} ${String(c.cries).padStart(6)} ${(100 * c.neverStarted).toFixed(1).padStart(6)}% ${n(c.medianOnsetToStart).padStart(9)} ${n(c.p90OnsetToStart).padStart(6)} ${(100 * c.onShare).toFixed(1).padStart(8)}% ${(100 * c.onShareAfterStart).toFixed(1).padStart(11)}% ${String(c.stoppedDuringCry).padStart(8)} ${String(c.restartsDuringCry).padStart(9)} ${String(c.startsBeforeCry).padStart(6)}`,
    );
  }
}

/** `--bouts N`: a whole number of crying sessions, 0 for none. */
function boutCount(args: ReturnType<typeof parseArgs>): number {
  const bouts = numberOption(args, 'bouts', 0);
  if (!Number.isInteger(bouts) || bouts < 0)
    throw new Error(`--bouts must be a whole number of crying sessions (0 for none), got ${bouts}`);
  return bouts;
}

/** `--seed 20261201` or `--seed 20261201,1,2` (the streams of each seed, one after another). */
function seedList(raw: string | true | undefined): number[] {
  if (raw === undefined) return [20261201];
  const seeds = String(raw).split(',').map(Number);
  if (raw === true || seeds.some((seed) => !Number.isInteger(seed)))
    throw new Error(`--seed must be an integer or a comma-separated list of integers, got ${String(raw)}`);
  return seeds;
}

async function streamsCommand(
  args: ReturnType<typeof parseArgs>,
  rows: ManifestRow[],
  out: Output,
  err: Output,
): Promise<number> {
  let scored: {
    info: {
      windowSamples: number;
      hopSamples: number;
      threshold: number;
      detection?: Partial<DetectionSettings>;
      name: string;
    };
    streams: ScoredStream[];
  };
  if (typeof args.options['from-verdicts'] === 'string') {
    scored = JSON.parse(fs.readFileSync(args.options['from-verdicts'], 'utf8')) as typeof scored;
  } else {
    const seeds = seedList(args.options.seed);
    const model = modelFromArgs(args);
    try {
      const info = await model.ensureLoaded();
      err(`${describe(info)}; building and scoring streams`);
      const result = await scoreStreamsOverSeeds(model, rows, {
        seeds,
        sampledCries: numberOption(args, 'cries', 120),
        ...(args.options.bouts !== undefined ? { bouts: boutCount(args) } : {}),
        snrs: String(args.options.snr ?? '10')
          .split(',')
          .map(Number)
          .filter(Number.isFinite),
        log: err,
      });
      scored = { info: result.info, streams: result.streams };
    } finally {
      model.dispose();
    }
    if (typeof args.options.verdicts === 'string')
      fs.writeFileSync(args.options.verdicts, JSON.stringify(scored));
  }
  const windowSeconds = scored.info.windowSamples / 16000;
  const hopSeconds = scored.info.hopSamples / 16000;
  const stored = modelDetection(scored.info);
  const report: Record<string, unknown> = {
    model: scored.info.name,
    stored: { settings: stored, figures: streamFigures(scored.streams, stored, windowSeconds, hopSeconds) },
  };
  if (args.options.fit) {
    const limited = String(args.options['limit-categories'] ?? 'music,speech,sfx').split(',');
    report.fitted = fitDetection(
      scored.streams,
      DEFAULT_FIT_GRID,
      windowSeconds,
      hopSeconds,
      limited,
      numberOption(args, 'max-false-starts', 0.1),
    );
  }
  if (typeof args.options.pictures === 'string') {
    const dir = args.options.pictures;
    fs.mkdirSync(dir, { recursive: true });
    const settings = report.fitted ? (report.fitted as ReturnType<typeof fitDetection>).settings : stored;
    const label = `${scored.info.name} on the streams of ${path.basename(path.dirname(path.resolve(String(args.positional[0] ?? '.'))))}`;
    const roc = streamRocSvg(scored.streams, windowSeconds, hopSeconds, settings.onThreshold, label);
    fs.writeFileSync(path.join(dir, 'stream-roc.svg'), roc.svg);
    const cries = scored.streams.filter((s) => s.kind === 'cry' && s.name === 'clean').slice(0, 4);
    const others = ['music', 'speech', 'sfx']
      .map((name) => scored.streams.find((s) => s.name === name))
      .filter((s): s is NonNullable<typeof s> => !!s);
    const rows = [
      ...cries.map((stream) => ({ stream, seconds: stream.seconds })),
      ...others.map((stream) => ({ stream, seconds: Math.min(180, stream.seconds) })),
    ];
    fs.writeFileSync(
      path.join(dir, 'stream-timeline.svg'),
      streamTimelineSvg(
        rows,
        settings,
        windowSeconds,
        hopSeconds,
        `${label}: p(cry) (blue), start threshold (orange), cry (grey), episodes (red)`,
      ),
    );
    err(`pictures in ${dir}: stream-roc.svg (window ROC AUC ${roc.auc.toFixed(3)}), stream-timeline.svg`);
  }
  if (args.options.json) {
    out(JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    return 0;
  }
  out(`stored policy of ${scored.info.name}: ${JSON.stringify(stored)}`);
  formatStreamFigures((report.stored as { figures: StreamFigures }).figures, out);
  if (report.fitted) {
    const fitted = report.fitted as ReturnType<typeof fitDetection>;
    out('');
    out(`fitted policy (${fitted.rule}): ${JSON.stringify(fitted.settings)}`);
    formatStreamFigures(fitted.figures, out);
  }
  return 0;
}

async function evaluateCommand(argv: string[], out: Output, err: Output): Promise<number> {
  const args = parseArgs(
    argv,
    ['json', 'streams', 'fit', 'voicing'],
    [
      ...MODEL_OPTIONS,
      'infant-pitch-gate',
      'predictions',
      'split',
      'seed',
      'threshold',
      'cries',
      'snr',
      'verdicts',
      'from-verdicts',
      'limit-categories',
      'pictures',
      'max-false-starts',
    ],
  );
  const manifest = args.positional[0];
  if (!manifest) throw new Error('evaluate needs a manifest.csv');
  const split = args.options.split;
  if (split !== undefined && split !== 'train' && split !== 'validation')
    throw new Error('--split must be train or validation');
  // --seed picks the split's clips here; with --streams it seeds the streams instead (and may be a list).
  const rows = readManifest(manifest);
  let manifestRows = rows;
  if (split !== undefined) {
    const seed = numberOption(args, 'seed', DEFAULT_TRAINING.seed);
    manifestRows = rows.filter((row) => splitOf(row, seed) === split);
  }
  if (args.options.streams) return streamsCommand(args, manifestRows, out, err);
  const model = modelFromArgs(args);
  const info = await model.ensureLoaded();
  err(`${describe(info)}; loading ${manifestRows.length} clips`);
  const clips = await loadClips(manifestRows, DEFAULT_MEL_SETTINGS.sampleRate);
  let last = Date.now();
  const perWindow: number[][] = [];
  try {
    for (const clip of clips) {
      perWindow.push((await model.analyze(clip)).map((verdict) => verdict.probability));
      if (Date.now() - last > 5000) {
        last = Date.now();
        err(`  ${perWindow.length}/${clips.length} clips`);
      }
    }
  } finally {
    model.dispose();
  }
  const probabilities = perWindow.map((w) => Math.max(...w));
  const threshold = numberOption(args, 'threshold', info.threshold);
  const report = evaluationReport(manifestRows, probabilities, threshold);
  const voicing = args.options.voicing ? clips.map(createVoicingMeter()) : undefined;
  const buckets = voicing
    ? voicingBuckets(
        manifestRows.map((r) => r.label),
        voicing,
        probabilities,
        threshold,
      )
    : undefined;
  if (typeof args.options.predictions === 'string') {
    const voicingColumns = (i: number) => {
      if (!voicing) return '';
      const v = voicing[i];
      return [v.infantSeconds, v.adultSeconds, v.longestInfantRunSeconds]
        .map((x) => `,${x.toFixed(2)}`)
        .join('');
    };
    const lines = [
      'path,label,probability' + (voicing ? ',infant_voiced_s,adult_voiced_s,longest_infant_run_s' : ''),
      ...manifestRows.map(
        (r, i) => `${csvField(r.path)},${r.label},${probabilities[i].toFixed(6)}${voicingColumns(i)}`,
      ),
    ];
    fs.writeFileSync(args.options.predictions, lines.join('\n') + '\n');
  }
  if (args.options.json) {
    out(
      JSON.stringify(
        { model: info.name, source: info.source, backend: info.backend, ...report, voicing: buckets },
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
  if (buckets) {
    out('');
    out('infant-pitched voicing (s)   cry clips   found   non-cry clips   found');
    for (const { from, to, cry, noncry } of buckets) {
      const range = Number.isFinite(to) ? `${from}-${to}` : `${from} or more`;
      out(
        `${range.padEnd(26)} ${String(cry.clips).padStart(11)} ${String(cry.found).padStart(7)} ${String(noncry.clips).padStart(15)} ${String(noncry.found).padStart(7)}`,
      );
    }
  }
  out('');
  out(
    'clip figures only: false starts per hour and seconds to start come from the detector on streams (--streams)',
  );
  return 0;
}

async function trainCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(
    argv,
    [],
    [
      'manifest',
      'out',
      'seed',
      'epochs',
      'samples-per-epoch',
      'limit-per-class',
      'batch-size',
      'max-fpr',
      'target-recall',
      'backend',
      'band-limit',
      'hold-out',
      'noncry-weighting',
      'teacher',
      'yamnet-file',
      'teacher-full-at',
      'teacher-weight',
      'keep-epoch',
    ],
  );
  const manifest = args.options.manifest;
  const keepEpoch = args.options['keep-epoch'];
  if (keepEpoch !== undefined && keepEpoch !== 'best' && keepEpoch !== 'last')
    throw new Error('--keep-epoch must be best or last');
  const weighting = args.options['noncry-weighting'];
  if (weighting !== undefined && weighting !== 'clips' && weighting !== 'sqrt')
    throw new Error('--noncry-weighting must be clips or sqrt');
  const holdOut = args.options['hold-out'];
  const target = args.options.out;
  if (typeof manifest !== 'string' || typeof target !== 'string')
    throw new Error('train needs --manifest and --out');
  const limit = numberOption(args, 'limit-per-class', 0);
  const teacherName = args.options.teacher;
  if (teacherName !== undefined && teacherName !== 'yamnet') throw new Error('--teacher must be yamnet');
  const teacherOnly = ['teacher-full-at', 'teacher-weight', 'yamnet-file'].filter((o) => o in args.options);
  if (teacherName === undefined && teacherOnly.length)
    throw new Error(
      `--${teacherOnly.join(', --')} ${teacherOnly.length > 1 ? 'are' : 'is'} for --teacher yamnet only`,
    );
  const fullAt = numberOption(args, 'teacher-full-at', 0.4);
  const teacherWeight = numberOption(args, 'teacher-weight', 1);
  if (!(fullAt > 0 && fullAt <= 1)) throw new Error('--teacher-full-at must be above 0 and at most 1');
  if (!(teacherWeight >= 0 && teacherWeight <= 1))
    throw new Error('--teacher-weight must be between 0 and 1');
  const teacher =
    teacherName === 'yamnet'
      ? // The teacher hears the recordings as they are: the full band (not the band-limited input the CNN gets),
        // at their own level (not scaled by a level ceiling), with p(cry) from the crying classes alone (no
        // outscoring classes), even if models/yamnet/metadata.json sets these for live input, so a model trained
        // with it comes out the same.
        createCryModel(resolvedFromArgs({ ...args, options: { ...args.options, model: 'yamnet' } }), {
          backend: backendOption(args.options.backend),
          yamnet: { bandLimitHz: 0, levelCeilingDbfs: 0, outscoredBy: [] },
        })
      : undefined;
  try {
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
      bandLimitHz:
        args.options['band-limit'] === undefined ? undefined : numberOption(args, 'band-limit', 4000),
      holdOut: typeof holdOut === 'string' ? holdOut.split(',').filter(Boolean) : undefined,
      noncryWeighting: weighting,
      ...(keepEpoch ? { keepEpoch } : {}),
      teacher: teacher ? { model: teacher, settings: { fullAt, weight: teacherWeight } } : undefined,
      command: ['cry-baby', 'train', ...argv].join(' '),
      log: out,
    });
  } finally {
    teacher?.dispose();
  }
  return 0;
}

async function modelsCommand(argv: string[], out: Output): Promise<number> {
  const args = parseArgs(argv, [], ['from', 'dir']);
  const [action, name] = args.positional;
  if (action !== 'fetch' || name !== 'yamnet')
    throw new Error('usage: cry-baby models fetch yamnet [--from URL|FILE] [--dir DIR]');
  const dir = typeof args.options.dir === 'string' ? path.resolve(args.options.dir) : cacheModelDir();
  const from = typeof args.options.from === 'string' ? args.options.from : undefined;
  const file = await fetchYamnet({ dir, from, log: out });
  out(file);
  return 0;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(
  argv: readonly string[],
  out: Output = (l) => console.log(l),
  err: Output = (l) => console.error(l),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command && command !== 'help' && (rest.includes('--help') || rest.includes('-h'))) {
    const lines = USAGE.split('\n');
    const start = lines.findIndex((line) => line.trimStart().startsWith(`${command} `));
    if (start >= 0) {
      let end = start + 1;
      while (end < lines.length && /^ {20,}/.test(lines[end])) end++;
      out(
        [
          'usage: cry-baby ' + lines[start].trim(),
          ...lines.slice(start + 1, end),
          '',
          ...lines.slice(lines.findIndex((l) => l.includes('--model yamnet|'))),
        ].join('\n'),
      );
      return 0;
    }
  }
  switch (command) {
    case 'mel':
      return melCommand(rest, out);
    case 'analyze':
      return analyzeCommand(rest, out, err);
    case 'calibrate':
      return calibrateCommand(rest, out, err);
    case 'models':
      return modelsCommand(rest, out);
    case 'evaluate':
      return evaluateCommand(rest, out, err);
    case 'train':
      return trainCommand(rest, out);
    case 'listen':
      return runListen(rest, out, err);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return command ? 0 : 2;
    default:
      err(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

/**
 * Training the Cry Baby classifier from a manifest of labelled audio. Same preprocessing code as inference
 * (createMelSpectrogram / recordingSpectrograms); group-held-out validation (see manifest.ts); augmentation of both
 * classes (augment.ts); balanced batches; the epoch with the best validation score (mean of the per-category ROC AUC
 * and the recall at the false-positive limit) is kept; the decision threshold
 * is chosen on validation clips as the highest threshold that keeps recall at 95 % or more with a false-positive
 * rate of at most 5 % (the fewest false alarms for that recall).
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createMelSpectrogram, DEFAULT_MEL_SETTINGS } from '../dsp/mel';
import { bandsBelow, createModelInput } from './input-bands';
import { buildCryNetwork } from './architecture';
import {
  makeTrainingExample,
  createLowPassBank,
  AugmentationPools,
  CryExcerpt,
  weightedPool,
} from './augment';
import { loadClips } from './dataset';
import { evaluationReport } from './evaluate';
import { readManifest, recordingGroup, splitOf, ManifestRow } from './manifest';
import {
  chooseAlarmThreshold,
  chooseThreshold,
  precisionRecallCurve,
  rocCurve,
  operatingPoint,
  rocAuc,
  ScoredExample,
} from './metrics';
import type { ModelMetadata } from './metadata';
import { curvesSvg } from './plot';
import { createRandomSource } from './random';
import { saveLayersModel } from './storage';
import type { CryModel } from './cry-model';
import { cryTarget, scoreWithTeacher, TeacherSettings } from './teacher';
import { ensureTf, BackendName } from './tf';
import { recordingSpectrograms } from './windows';

/** Settings of one training run. */
export interface TrainingOptions {
  readonly manifest: string;
  readonly out: string;
  readonly seed: number;
  readonly epochs: number;
  readonly samplesPerEpoch: number;
  readonly batchSize: number;
  /** Use at most this many clips per label and split (for quick pipeline checks). */
  readonly limitPerClass?: number;
  readonly maxFalsePositiveRate: number;
  /** Recall the threshold must keep on validation clips (the highest such threshold is chosen). */
  readonly targetRecall: number;
  readonly backend?: BackendName;
  /**
   * Channel-blind input: only the mel bands wholly below this frequency (Hz) reach the network, re-standardised
   * (see input-bands.ts). Unset: all bands.
   */
  readonly bandLimitHz?: number;
  /**
   * Manifest path prefixes (`cry/esc50`, `noncry/music/hedgewars`) left out of training and validation
   * altogether, for a model measured on sources it never saw (a cross-source fold).
   */
  readonly holdOut?: readonly string[];
  /** How non-cry sources are drawn: every clip alike (default) or each source by the square root of its clips. */
  readonly noncryWeighting?: 'clips' | 'sqrt';
  /**
   * Cry labels cleaned by a teacher (teacher.ts): a cry example's target is how clearly the teacher hears crying
   * in the stretch it was cut from. Unset: every cry example is 1.
   */
  readonly teacher?: { readonly model: CryModel; readonly settings: TeacherSettings };
  /**
   * Which epoch's weights are kept: the one with the best in-pool validation score (default), or the last one
   * (in-pool validation does not predict out-of-source figures; see the README).
   */
  readonly keepEpoch?: 'best' | 'last';
  /** The command line, recorded in the metadata. */
  readonly command: string;
  readonly log: (line: string) => void;
}

/** Default settings of the shipped model's training run. */
export const DEFAULT_TRAINING = {
  seed: 20261124,
  epochs: 10,
  samplesPerEpoch: 2048,
  batchSize: 32,
  maxFalsePositiveRate: 0.05,
  targetRecall: 0.95,
} as const;

function limitRows(rows: ManifestRow[], seed: number, limit?: number): ManifestRow[] {
  if (!limit) return rows;
  const kept: ManifestRow[] = [];
  for (const split of ['train', 'validation'] as const) {
    for (const label of ['cry', 'noncry'] as const) {
      kept.push(...rows.filter((r) => r.label === label && splitOf(r, seed) === split).slice(0, limit));
    }
  }
  return kept;
}

function summarise(rows: readonly ManifestRow[], clips: readonly Float32Array[], rate: number) {
  const summary: Record<string, { clips: number; minutes: number; groups: number }> = {};
  rows.forEach((row, i) => {
    const key = `${row.label}/${row.columns.category ?? row.label}`;
    summary[key] ??= { clips: 0, minutes: 0, groups: 0 };
    summary[key].clips++;
    summary[key].minutes += clips[i].length / rate / 60;
  });
  for (const key of Object.keys(summary)) {
    summary[key].minutes = Math.round(summary[key].minutes * 10) / 10;
    summary[key].groups = new Set(
      rows.filter((r) => `${r.label}/${r.columns.category ?? r.label}` === key).map(recordingGroup),
    ).size;
  }
  return summary;
}

/** Trains, writes model.json, weights.bin, metadata.json and curves.svg into `options.out`; returns the metadata. */
export async function trainCryModel(options: TrainingOptions): Promise<ModelMetadata> {
  const started = Date.now();
  const { log } = options;
  const settings = DEFAULT_MEL_SETTINGS;
  const rate = settings.sampleRate;
  const windowLength = settings.frames * settings.hopLength - settings.hopLength;
  const { tf, backend, notes } = await ensureTf(options.backend);
  log(`backend: ${backend}${notes.length ? ` (not used: ${notes.join('; ')})` : ''}`);

  const holdOut = options.holdOut ?? [];
  const under = (row: ManifestRow, prefix: string) =>
    row.path === prefix || row.path.startsWith(`${prefix.replace(/\/+$/, '')}/`);
  const heldOut = (row: ManifestRow) => holdOut.some((prefix) => under(row, prefix));
  const allRows = readManifest(options.manifest);
  for (const prefix of holdOut) {
    if (!allRows.some((row) => under(row, prefix)))
      throw new Error(`--hold-out ${prefix} matches no clip of the manifest`);
  }
  const rows = limitRows(
    allRows.filter((row) => !heldOut(row)),
    options.seed,
    options.limitPerClass,
  );
  if (holdOut.length) {
    log(
      `held out (neither trained nor validated on): ${allRows.length - rows.length} clips of ${holdOut.join(', ')}`,
    );
  }
  log(`loading ${rows.length} clips from ${options.manifest}`);
  let lastReport = 0;
  const clips = await loadClips(rows, rate, (done, total) => {
    if (done === total || Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      log(`  decoded ${done}/${total}`);
    }
  });
  const trainIndex = rows.map((_, i) => i).filter((i) => splitOf(rows[i], options.seed) === 'train');
  const validationIndex = rows
    .map((_, i) => i)
    .filter((i) => splitOf(rows[i], options.seed) === 'validation');
  const trainRows = trainIndex.map((i) => rows[i]);
  const validationRows = validationIndex.map((i) => rows[i]);
  const overlap = new Set(trainRows.map(recordingGroup));
  const leaked = validationRows.filter((r) => overlap.has(recordingGroup(r)));
  if (leaked.length) throw new Error(`split leaks ${leaked.length} validation clips into training groups`);
  const sourceOf = (row: ManifestRow) => row.path.split('/').slice(0, 2).join('/');
  const cryIndex = trainIndex.filter((i) => rows[i].label === 'cry');
  const noncryIndex = trainIndex.filter((i) => rows[i].label === 'noncry');
  const pools: AugmentationPools = {
    cry: weightedPool(
      cryIndex.map((i) => clips[i]),
      cryIndex.map((i) => sourceOf(rows[i])),
    ),
    noncry: weightedPool(
      noncryIndex.map((i) => clips[i]),
      noncryIndex.map((i) =>
        options.noncryWeighting === 'sqrt'
          ? rows[i].path.split('/').slice(0, 3).join('/')
          : sourceOf(rows[i]),
      ),
      options.noncryWeighting ?? 'clips',
    ),
    backgrounds: trainIndex
      .filter((i) => rows[i].label === 'noncry' && clips[i].length >= windowLength)
      .map((i) => clips[i]),
  };
  if (!cryIndex.length || !noncryIndex.length || !pools.backgrounds.length) {
    throw new Error(
      'training split needs cry clips, non-cry clips and at least one non-cry clip of 4 s or more',
    );
  }
  if (!validationRows.some((r) => r.label === 'cry') || !validationRows.some((r) => r.label === 'noncry')) {
    throw new Error('validation split needs both cry and non-cry clips');
  }
  log(
    `split: train ${trainRows.length} clips (${cryIndex.length} cry), validation ${validationRows.length} clips ` +
      `(${validationRows.filter((r) => r.label === 'cry').length} cry), no recording group in both`,
  );
  const keptBands = options.bandLimitHz ? bandsBelow(settings, options.bandLimitHz) : settings.nMels;
  if (keptBands < 8)
    throw new Error(`--band-limit ${options.bandLimitHz} Hz keeps only ${keptBands} mel bands`);
  const toInput = createModelInput(settings.nMels, settings.frames, keptBands);
  if (keptBands < settings.nMels)
    log(`channel-blind input: the ${keptBands} mel bands below ${options.bandLimitHz} Hz`);
  const validationWindows = validationIndex.map((i) =>
    recordingSpectrograms(clips[i]).spectrograms.map(toInput),
  );
  log(`validation windows: ${validationWindows.reduce((n, w) => n + w.length, 0)}`);

  let teacherSummary: Record<string, unknown> | undefined;
  let targetOf: (excerpt: CryExcerpt) => number = () => 1;
  if (options.teacher) {
    const { model: teacher, settings: teacherSettings } = options.teacher;
    const teacherInfo = await teacher.ensureLoaded();
    log(`teacher: ${teacherInfo.description}; scoring the ${cryIndex.length} training cry recordings`);
    const teacherStarted = Date.now();
    const scores = await scoreWithTeacher(
      teacher,
      cryIndex.map((i) => clips[i]),
      (done, total) => {
        if (done === total || done % 100 === 0) log(`  teacher scored ${done}/${total}`);
      },
    );
    targetOf = (excerpt) => {
      const clipScores = scores.get(excerpt.clip);
      if (!clipScores) throw new Error('a cry example came from a recording the teacher did not score');
      return cryTarget(clipScores, excerpt, teacherSettings);
    };
    // What the teacher does to the labels: the targets of the whole-window crops of every training cry recording.
    const crops = cryIndex.flatMap((i) => {
      const clip = clips[i];
      const starts = [];
      for (let start = 0; start + windowLength <= clip.length; start += rate) starts.push(start);
      if (!starts.length) starts.push(0);
      return starts.map((start) => targetOf({ clip, start, length: Math.min(windowLength, clip.length) }));
    });
    const shareOf = (keep: (target: number) => boolean) =>
      crops.filter(keep).length / Math.max(1, crops.length);
    const below05 = shareOf((target) => target < 0.5);
    const at1 = shareOf((target) => target >= 1);
    teacherSummary = {
      model: teacherInfo.description,
      ...teacherSettings,
      rule: `a cry example's target is ${teacherSettings.weight} x min(1, the teacher's highest p(cry) over the patches centred in the excerpt / ${teacherSettings.fullAt}) + ${1 - teacherSettings.weight}; non-cry examples 0`,
      recordings: cryIndex.length,
      windowsAtOneSecond: crops.length,
      shareOfWindowsBelow05: Math.round(below05 * 1000) / 1000,
      shareOfWindowsAt1: Math.round(at1 * 1000) / 1000,
      seconds: Math.round((Date.now() - teacherStarted) / 1000),
    };
    log(
      `teacher targets of the 4 s windows of the training cries (1 s apart, ${crops.length}): ` +
        `${(100 * below05).toFixed(1)} % below 0.5, ${(100 * at1).toFixed(1)} % at 1`,
    );
  }

  const melOf = createMelSpectrogram(settings);
  const random = createRandomSource(options.seed);
  const lowPass = createLowPassBank(rate);
  const model = buildCryNetwork(keptBands, settings.frames, options.seed);
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const size = keptBands * settings.frames;

  const predictValidation = async (): Promise<number[]> => {
    const result: number[] = [];
    for (const windows of validationWindows) {
      let best = 0;
      for (let b = 0; b < windows.length; b += 64) {
        const chunk = windows.slice(b, b + 64);
        const input = new Float32Array(size * chunk.length);
        chunk.forEach((w, k) => input.set(w, k * size));
        const output = tf.tidy(
          () =>
            model.predict(tf.tensor4d(input, [chunk.length, keptBands, settings.frames, 1])) as ReturnType<
              typeof tf.tensor
            >,
        );
        const values = await output.data();
        output.dispose();
        for (const v of values) best = Math.max(best, v);
      }
      result.push(best);
    }
    return result;
  };

  let best: { score: number; epoch: number; weights: ReturnType<tfl.LayersModel['getWeights']> } | undefined;
  const batchesPerEpoch = Math.max(1, Math.floor(options.samplesPerEpoch / options.batchSize));
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const learningRate = epoch > 0.85 * options.epochs ? 1e-4 : epoch > 0.6 * options.epochs ? 3e-4 : 1e-3;
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    const epochStart = Date.now();
    let lossSum = 0;
    let accuracySum = 0;
    for (let batch = 1; batch <= batchesPerEpoch; batch++) {
      const input = new Float32Array(size * options.batchSize);
      const labels = new Float32Array(options.batchSize);
      for (let k = 0; k < options.batchSize; k++) {
        const label = k % 2 === 0 ? 'cry' : 'noncry';
        const example = makeTrainingExample(label, pools, lowPass, random, windowLength);
        input.set(toInput(melOf(example.audio).norm), k * size);
        labels[k] = label === 'cry' ? (example.cry ? targetOf(example.cry) : 1) : 0;
      }
      const xs = tf.tensor4d(input, [options.batchSize, keptBands, settings.frames, 1]);
      const ys = tf.tensor2d(labels, [options.batchSize, 1]);
      const [loss, accuracy] = (await model.trainOnBatch(xs, ys)) as number[];
      tf.dispose([xs, ys]);
      lossSum += loss;
      accuracySum += accuracy;
      if (batch % 16 === 0 || batch === batchesPerEpoch) {
        log(
          `epoch ${epoch}/${options.epochs} batch ${batch}/${batchesPerEpoch} loss ${(lossSum / batch).toFixed(4)} accuracy ${(accuracySum / batch).toFixed(3)}`,
        );
      }
    }
    const probabilities = await predictValidation();
    const examples: ScoredExample[] = probabilities.map((score, i) => ({
      score,
      positive: validationRows[i].label === 'cry',
    }));
    const auc = rocAuc(examples);
    const recall = operatingPoint(examples, chooseThreshold(examples, options.maxFalsePositiveRate)).recall;
    // Model selection weighs every non-cry category alike (speech dominates the validation clips by count).
    const categories = [
      ...new Set(
        validationRows.filter((r) => r.label === 'noncry').map((r) => r.columns.category ?? 'noncry'),
      ),
    ];
    const perCategory = categories.map((category) =>
      rocAuc(
        examples.filter(
          (e, i) => e.positive || (validationRows[i].columns.category ?? 'noncry') === category,
        ),
      ),
    );
    const macroAuc = perCategory.reduce((a, b) => a + b, 0) / Math.max(1, perCategory.length);
    const score = (macroAuc + recall) / 2;
    log(
      `epoch ${epoch} done in ${((Date.now() - epochStart) / 1000).toFixed(1)} s (lr ${learningRate}): ` +
        `validation ROC AUC ${auc.toFixed(4)} (per category: ${categories.map((c, i) => `${c} ${perCategory[i].toFixed(3)}`).join(', ')}), ` +
        `recall at FPR <= ${options.maxFalsePositiveRate} ${recall.toFixed(3)}`,
    );
    if (!best || score > best.score || (options.keepEpoch === 'last' && epoch === options.epochs)) {
      best?.weights.forEach((w) => w.dispose());
      best = { score, epoch, weights: model.getWeights().map((w) => w.clone()) };
    }
  }
  if (!best) throw new Error('no epoch was trained');
  model.setWeights(best.weights);
  best.weights.forEach((w) => w.dispose());
  log(
    `keeping epoch ${best.epoch}${options.keepEpoch === 'last' ? ' (the last)' : ' (best validation score)'}`,
  );

  const probabilities = await predictValidation();
  const examples = probabilities.map((score, i) => ({ score, positive: validationRows[i].label === 'cry' }));
  const threshold = chooseAlarmThreshold(examples, options.targetRecall, options.maxFalsePositiveRate);
  const report = evaluationReport(validationRows, probabilities, threshold);
  const durationSeconds = Math.round((Date.now() - started) / 1000);
  const metadata: ModelMetadata = {
    name: 'cry-baby',
    format: 'tfjs-layers',
    labels: ['noncry', 'cry'],
    inputShape: [keptBands, settings.frames, 1],
    preprocessing: {
      ...settings,
      normalisation:
        keptBands < settings.nMels
          ? `power_to_db(ref=1, amin=1e-10, top_db=80) of all ${settings.nMels} bands, then the lowest ${keptBands} bands (wholly below ${options.bandLimitHz} Hz) z-scored on their own per 4 s window`
          : 'power_to_db(ref=1, amin=1e-10, top_db=80), then one global z-score per 4 s window',
      silence: 'a window whose dB values have zero spread normalises to all zeros',
      ...(keptBands < settings.nMels ? { keptBands, bandLimitHz: options.bandLimitHz } : {}),
    },
    threshold,
    thresholdRule: `highest threshold keeping validation recall >= ${options.targetRecall} with clip-level false-positive rate <= ${options.maxFalsePositiveRate} (else the highest recall within that rate)`,
    training: {
      command: options.command,
      seed: options.seed,
      epochs: options.epochs,
      keptEpoch: best.epoch,
      keptEpochRule:
        options.keepEpoch === 'last'
          ? 'the last epoch (--keep-epoch last)'
          : 'the epoch with the best validation score (mean of per-category ROC AUC and recall at the FPR limit)',
      samplesPerEpoch: batchesPerEpoch * options.batchSize,
      batchSize: options.batchSize,
      optimizer: 'adam, learning rate 1e-3, 3e-4 after 60 % of epochs, 1e-4 after 85 %',
      backend,
      durationSeconds,
      manifest: path.basename(options.manifest),
      split:
        'group-held-out: ESC-50 fold 5, and 20 % of other recording groups (install id, speaker, voice, sound set) by seeded hash',
      sampling:
        options.noncryWeighting === 'sqrt'
          ? 'balanced classes; cry clips alike; each non-cry source (category/source) by the square root of its clip count'
          : 'balanced classes; within a class every clip alike',
      ...(holdOut.length ? { heldOut: holdOut } : {}),
      ...(teacherSummary ? { teacher: teacherSummary } : {}),
      augmentation:
        'random crop, peak gain -30..-1 dBFS, low-pass 3.4-7.6 kHz (p 0.6, both classes), non-cry mixed under cries (p 0.5) and under non-cry (p 0.25) at 0-20 dB SNR, white/brown noise at 10-40 dB SNR (p 0.5), short clips zero-padded or placed in backgrounds, digital silence (non-cry, p 0.03), short events in digital silence (both, p 0.07-0.1)',
      data: {
        train: summarise(
          trainRows,
          trainIndex.map((i) => clips[i]),
          rate,
        ),
        validation: summarise(
          validationRows,
          validationIndex.map((i) => clips[i]),
          rate,
        ),
      },
    },
    validation: { ...report.overall, perCategory: report.perCategory },
  };
  fs.mkdirSync(options.out, { recursive: true });
  await saveLayersModel(model, options.out);
  fs.writeFileSync(path.join(options.out, 'metadata.json'), JSON.stringify(metadata, null, 2) + '\n');
  const point = operatingPoint(examples, threshold);
  fs.writeFileSync(
    path.join(options.out, 'curves.svg'),
    curvesSvg(
      rocCurve(examples),
      precisionRecallCurve(examples),
      `validation: ${examples.length} clips, ROC AUC ${report.overall.rocAuc.toFixed(3)}, AP ${report.overall.averagePrecision.toFixed(3)}, threshold ${threshold.toFixed(3)} (red dot)`,
      {
        fpr: point.falsePositiveRate,
        recall: point.recall,
        precision: point.precision,
      },
    ),
  );
  model.dispose();
  log(
    `validation at threshold ${threshold.toFixed(4)}: ROC AUC ${report.overall.rocAuc.toFixed(4)}, AP ${report.overall.averagePrecision.toFixed(4)}, ` +
      `precision ${report.overall.precision.toFixed(3)}, recall ${report.overall.recall.toFixed(3)}, FPR ${report.overall.falsePositiveRate.toFixed(3)}`,
  );
  log(`training took ${durationSeconds} s; model written to ${options.out}`);
  return metadata;
}

/**
 * Clip-level evaluation: a clip's probability is the maximum over its 4 s windows at 1 s hop. Reports ROC AUC,
 * average precision, and precision / recall / false-positive rate at a threshold, overall and per category.
 */
import { averagePrecision, operatingPoint, rocAuc, ScoredExample } from './metrics';
import type { ManifestRow } from './manifest';

/** Metrics of one set of clips. */
export interface EvaluationFigures {
  readonly clips: number;
  readonly cryClips: number;
  readonly rocAuc: number;
  readonly averagePrecision: number;
  readonly precision: number;
  readonly recall: number;
  readonly falsePositiveRate: number;
}

/** Overall and per-category figures. */
export interface EvaluationReport {
  readonly threshold: number;
  readonly overall: EvaluationFigures;
  readonly perCategory: Record<string, EvaluationFigures>;
}

/**
 * What an "N of the last M windows" start rule does on labelled recordings: the share of non-cry windows at or
 * above the threshold, the share of positions in non-cry recordings where the rule would start (false starts per
 * window, i.e. per second at 1 s hop), and the share of cry recordings where it starts at all.
 */
export function startRuleFigures(
  windows: readonly number[][],
  labels: readonly ('cry' | 'noncry')[],
  threshold: number,
  onCount: number,
  onWindow: number,
): {
  windowFalsePositiveRate: number;
  falseStartsPerWindow: number;
  cryRecordingsStarted: number;
  windows: number;
} {
  let noncryWindows = 0;
  let noncryLoud = 0;
  let starts = 0;
  let cries = 0;
  let criesStarted = 0;
  windows.forEach((probabilities, i) => {
    const loud = probabilities.map((p) => p >= threshold);
    const fires = loud.some(
      (_, k) => loud.slice(Math.max(0, k - onWindow + 1), k + 1).filter(Boolean).length >= onCount,
    );
    if (labels[i] === 'cry') {
      cries++;
      if (fires) criesStarted++;
      return;
    }
    noncryWindows += loud.length;
    noncryLoud += loud.filter(Boolean).length;
    loud.forEach((_, k) => {
      if (loud.slice(Math.max(0, k - onWindow + 1), k + 1).filter(Boolean).length >= onCount) starts++;
    });
  });
  return {
    windowFalsePositiveRate: noncryLoud / Math.max(1, noncryWindows),
    falseStartsPerWindow: starts / Math.max(1, noncryWindows),
    cryRecordingsStarted: criesStarted / Math.max(1, cries),
    windows: noncryWindows,
  };
}

/** Figures for a set of scored examples at `threshold`. */
export function figures(examples: readonly ScoredExample[], threshold: number): EvaluationFigures {
  const point = operatingPoint(examples, threshold);
  return {
    clips: examples.length,
    cryClips: point.positives,
    rocAuc: rocAuc(examples),
    averagePrecision: point.positives ? averagePrecision(examples) : NaN,
    precision: point.precision,
    recall: point.recall,
    falsePositiveRate: point.falsePositiveRate,
  };
}

/**
 * Builds the report. Per-category figures use the `category` column; a category holding one class only has
 * no AUC (NaN) but still its false-positive rate or recall.
 */
export function evaluationReport(
  rows: readonly ManifestRow[],
  probabilities: readonly number[],
  threshold: number,
): EvaluationReport {
  const examples = rows.map((row, i) => ({ score: probabilities[i], positive: row.label === 'cry' }));
  const perCategory: Record<string, EvaluationFigures> = {};
  const categories = [...new Set(rows.map((row) => row.columns.category ?? row.label))].sort();
  for (const category of categories) {
    const subset = examples.filter((_, i) => (rows[i].columns.category ?? rows[i].label) === category);
    perCategory[category] = figures(subset, threshold);
  }
  return { threshold, overall: figures(examples, threshold), perCategory };
}

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

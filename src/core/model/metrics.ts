/**
 * Binary-classifier metrics: ROC AUC (Mann-Whitney, ties counted half), average precision (step-wise area under
 * the precision-recall curve, as scikit-learn's average_precision_score), the operating point at a threshold, and
 * threshold choice from validation data.
 */

/** A labelled score. */
export interface ScoredExample {
  readonly score: number;
  readonly positive: boolean;
}

/** Precision, recall and false-positive rate at one threshold (score >= threshold is positive). */
export interface OperatingPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly falsePositiveRate: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly positives: number;
  readonly negatives: number;
}

/** Area under the ROC curve; NaN when one class is absent. */
export function rocAuc(examples: readonly ScoredExample[]): number {
  const sorted = [...examples].sort((a, b) => a.score - b.score);
  const positives = sorted.filter((e) => e.positive).length;
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  let rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j].score === sorted[i].score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (sorted[k].positive) rankSum += averageRank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Points of the ROC curve (false-positive rate, true-positive rate), from (0,0) to (1,1). */
export function rocCurve(
  examples: readonly ScoredExample[],
): { fpr: number; tpr: number; threshold: number }[] {
  const sorted = [...examples].sort((a, b) => b.score - a.score);
  const positives = sorted.filter((e) => e.positive).length;
  const negatives = sorted.length - positives;
  const points = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].positive) tp++;
    else fp++;
    if (i + 1 === sorted.length || sorted[i + 1].score !== sorted[i].score) {
      points.push({
        fpr: fp / Math.max(1, negatives),
        tpr: tp / Math.max(1, positives),
        threshold: sorted[i].score,
      });
    }
  }
  return points;
}

/** Points of the precision-recall curve. */
export function precisionRecallCurve(
  examples: readonly ScoredExample[],
): { recall: number; precision: number }[] {
  const sorted = [...examples].sort((a, b) => b.score - a.score);
  const positives = sorted.filter((e) => e.positive).length;
  const points: { recall: number; precision: number }[] = [];
  let tp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].positive) tp++;
    if (i + 1 === sorted.length || sorted[i + 1].score !== sorted[i].score) {
      points.push({ recall: tp / Math.max(1, positives), precision: tp / (i + 1) });
    }
  }
  return points;
}

/** Average precision: sum over thresholds of (R_n - R_{n-1}) * P_n. */
export function averagePrecision(examples: readonly ScoredExample[]): number {
  let previousRecall = 0;
  let area = 0;
  for (const point of precisionRecallCurve(examples)) {
    area += (point.recall - previousRecall) * point.precision;
    previousRecall = point.recall;
  }
  return area;
}

/** The operating point at `threshold`. */
export function operatingPoint(examples: readonly ScoredExample[], threshold: number): OperatingPoint {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (const e of examples) {
    if (e.positive) positives++;
    if (e.score >= threshold) {
      if (e.positive) tp++;
      else fp++;
    }
  }
  const negatives = examples.length - positives;
  return {
    threshold,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: positives === 0 ? NaN : tp / positives,
    falsePositiveRate: negatives === 0 ? NaN : fp / negatives,
    truePositives: tp,
    falsePositives: fp,
    positives,
    negatives,
  };
}

/**
 * Chooses the threshold with the highest recall whose false-positive rate stays at or below `maxFalsePositiveRate`,
 * placed halfway between that score and the next lower one so it is not tuned to one example's exact score.
 */
export function chooseThreshold(examples: readonly ScoredExample[], maxFalsePositiveRate: number): number {
  const scores = [...new Set(examples.map((e) => e.score))].sort((a, b) => b - a);
  let best = scores[0] ?? 0.5;
  for (const score of scores) {
    if (operatingPoint(examples, score).falsePositiveRate <= maxFalsePositiveRate) best = score;
    else break;
  }
  const lower = scores.find((s) => s < best);
  return lower === undefined ? best : (best + lower) / 2;
}

/**
 * The decision threshold for an alarm: the highest threshold that still reaches `targetRecall` with a
 * false-positive rate at most `maxFalsePositiveRate` (fewest false alarms for the recall asked for); when no
 * threshold reaches both, the highest-recall one within the false-positive limit (`chooseThreshold`).
 */
export function chooseAlarmThreshold(
  examples: readonly ScoredExample[],
  targetRecall: number,
  maxFalsePositiveRate: number,
): number {
  const scores = [...new Set(examples.map((e) => e.score))].sort((a, b) => b - a);
  for (let i = 0; i < scores.length; i++) {
    const point = operatingPoint(examples, scores[i]);
    if (point.recall >= targetRecall) {
      if (point.falsePositiveRate > maxFalsePositiveRate) break;
      const lower = scores[i + 1];
      return lower === undefined ? scores[i] : (scores[i] + lower) / 2;
    }
  }
  return chooseThreshold(examples, maxFalsePositiveRate);
}

/**
 * Fitting the alert policy on scored streams: every combination of a small grid of `DetectionSettings` runs the
 * real detector over the streams; the chosen one keeps false starts within the limit on the clean non-cry
 * categories, then starts on the most cries, then keeps the episode on longest while crying, then restarts least
 * within a crying session with quiet gaps (`bout+gaps` streams, where present: each restart is one more
 * notification for the same crying), then starts soonest.
 */
import type { DetectionSettings } from './policy';
import { streamFigures, ScoredStream, StreamFigures } from '../model/streams';

/** The grid searched (values in windows and seconds). */
export interface FitGrid {
  readonly thresholds: readonly number[];
  readonly starts: readonly (readonly [number, number])[];
  readonly offRatios: readonly number[];
  readonly offSeconds: readonly number[];
  readonly minDurationSeconds: readonly number[];
  readonly cooldownSeconds: readonly number[];
}

/** The longest share of non-cry time a fitted policy may keep an episode on. */
export const MAX_ON_SHARE = 0.01;

/** A fitted policy and its figures. */
export interface FitResult {
  readonly settings: DetectionSettings;
  readonly figures: StreamFigures;
  readonly tried: number;
  readonly rule: string;
}

/**
 * Picks the policy. `limitedCategories` are the non-cry categories held to `maxFalseStartsPerHour` (e.g. music,
 * speech, sfx); the others are reported, not constrained. Cry figures are taken from the `clean` streams.
 */
export function fitDetection(
  streams: readonly ScoredStream[],
  grid: FitGrid,
  windowSeconds: number,
  hopSeconds: number,
  limitedCategories: readonly string[],
  maxFalseStartsPerHour: number,
): FitResult {
  let best: { key: number[]; settings: DetectionSettings; figures: StreamFigures } | undefined;
  let tried = 0;
  for (const onThreshold of grid.thresholds)
    for (const [onCount, onWindow] of grid.starts)
      for (const ratio of grid.offRatios)
        for (const offSeconds of grid.offSeconds)
          for (const minDurationSeconds of grid.minDurationSeconds)
            for (const cooldownSeconds of grid.cooldownSeconds) {
              const settings: DetectionSettings = {
                onThreshold,
                offThreshold: onThreshold * ratio,
                onCount,
                onWindow,
                offCount: Math.max(1, Math.round(offSeconds / hopSeconds)),
                offSeconds,
                minDurationSeconds,
                cooldownSeconds,
              };
              tried++;
              const figures = streamFigures(streams, settings, windowSeconds, hopSeconds);
              const worst = Math.max(
                ...limitedCategories.map((c) => figures.falseStartsPerHour[c]?.perHour ?? 0),
              );
              // Never on for more than MAX_ON_SHARE of the non-cry time (else "one start, never stops" would win).
              const worstOn = Math.max(
                ...limitedCategories.map((c) => figures.falseStartsPerHour[c]?.onShare ?? 0),
              );
              const within = worst <= maxFalseStartsPerHour && worstOn <= MAX_ON_SHARE;
              const clean = figures.cries.clean;
              if (!clean) continue;
              // Lexicographic: within the limit, fewest never-started, most time on, fewest restarts in a session,
              // fastest start, fewest starts. Single 5-7 s recordings cannot tell the hold times apart; sessions
              // with their quiet gaps can.
              const key = [
                within ? 0 : 1,
                within ? 0 : worst + 100 * worstOn,
                clean.neverStarted,
                -clean.onShare,
                figures.cries['bout+gaps']?.restartsDuringCry ?? 0,
                clean.medianOnsetToStart,
                worst,
              ];
              if (!best || less(key, best.key)) best = { key, settings, figures };
            }
  if (!best) throw new Error('no cry streams to fit on');
  return {
    settings: best.settings,
    figures: best.figures,
    tried,
    rule: `of ${tried} policies, keep false starts <= ${maxFalseStartsPerHour}/h and the episode on for <= ${100 * MAX_ON_SHARE} % of the time on ${limitedCategories.join(', ')}; then fewest cries never started, most crying time on, fewest restarts in crying sessions with quiet gaps, fastest median start`,
  };
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i] - 1e-12) return true;
    if (a[i] > b[i] + 1e-12) return false;
  }
  return false;
}

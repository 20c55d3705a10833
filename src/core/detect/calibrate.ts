/**
 * Per-room calibration: the room's own audio without crying, run through the model and the real detection policy
 * (createDetector, not an approximation), tells how often the detector would have started. The start threshold is
 * raised from the model's own, one step at a time, until the room would have given at most the target number of
 * false starts per day; where the model's own threshold already meets the target (a quiet room) it is kept. The stop
 * threshold keeps its ratio to the start threshold. Stretches that the model calls crying for a long time are
 * reported, not hidden: they may be real crying in the recording, and they decide the result.
 */
import { createDetector, DetectionSettings, validateDetectionSettings, withStartThreshold } from './policy';

/** One classified window of the room recording. */
export interface RoomVerdict {
  readonly probability: number;
  /** Milliseconds (stream time: recordings follow each other). */
  readonly time: number;
}

/** A stretch the model called crying at the model's own settings. */
export interface LongStretch {
  readonly startSeconds: number;
  readonly seconds: number;
  readonly peak: number;
}

/** What calibration found. */
export interface CalibrationResult {
  readonly hours: number;
  readonly windows: number;
  readonly targetPerDay: number;
  readonly modelThreshold: number;
  readonly modelStarts: number;
  readonly modelStartsPerDay: number;
  /** The chosen start threshold (undefined when no threshold up to `maxThreshold` meets the target). */
  readonly threshold?: number;
  readonly offThreshold?: number;
  readonly starts?: number;
  readonly startsPerDay?: number;
  /** True when the model's own threshold already meets the target. */
  readonly quiet: boolean;
  /** One start in this recording, per day: the resolution of the figures. */
  readonly onePerDay: number;
  readonly longStretches: readonly LongStretch[];
  /** The sentence to show. */
  readonly summary: string;
}

/** How many times the detector starts on the verdicts, and its episodes. */
export function countStarts(
  verdicts: readonly RoomVerdict[],
  settings: DetectionSettings,
): { starts: number; episodes: { start: number; end: number; peak: number }[] } {
  const detector = createDetector(settings);
  const episodes: { start: number; end: number; peak: number }[] = [];
  let open: { start: number; peak: number } | undefined;
  for (const verdict of verdicts) {
    const event = detector.push(verdict);
    if (open) open.peak = Math.max(open.peak, verdict.probability);
    if (event?.kind === 'start') open = { start: verdict.time, peak: verdict.probability };
    else if (event?.kind === 'stop' && open) {
      episodes.push({ ...open, end: verdict.time });
      open = undefined;
    }
  }
  const last = verdicts[verdicts.length - 1];
  if (open && last) episodes.push({ ...open, end: last.time });
  return { starts: episodes.length, episodes };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const perDay = (starts: number, hours: number) => (starts * 24) / hours;
const formatRate = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

/**
 * Calibrates: `settings` are the detector's settings in force (the model's defaults or the node's), whose start
 * threshold is the model's own; `longSeconds` marks a stretch as long.
 */
export function calibrate(
  verdicts: readonly RoomVerdict[],
  settings: DetectionSettings,
  options: { targetPerDay?: number; maxThreshold?: number; step?: number; longSeconds?: number } = {},
): CalibrationResult {
  const targetPerDay = options.targetPerDay ?? 1;
  const maxThreshold = options.maxThreshold ?? 0.95;
  const step = options.step ?? 0.01;
  const longSeconds = options.longSeconds ?? 30;
  if (!(targetPerDay >= 0))
    throw new Error(`target false starts per day must be 0 or more, got ${targetPerDay}`);
  if (verdicts.length < 2) throw new Error('calibration needs at least two classified windows of the room');
  const problem = validateDetectionSettings(settings);
  if (problem) throw new Error(problem);
  const first = verdicts[0].time;
  const spacing = (verdicts[verdicts.length - 1].time - first) / (verdicts.length - 1);
  const hours = (verdicts[verdicts.length - 1].time - first + spacing) / 3600000;
  const at = (threshold: number): DetectionSettings => withStartThreshold(settings, threshold);
  const model = countStarts(verdicts, settings);
  const longStretches = model.episodes
    .filter((e) => (e.end - e.start) / 1000 >= longSeconds)
    .map((e) => ({
      startSeconds: Math.round((e.start - first) / 100) / 10,
      seconds: Math.round((e.end - e.start) / 100) / 10,
      peak: round2(e.peak),
    }));
  const modelStartsPerDay = perDay(model.starts, hours);
  const onePerDay = perDay(1, hours);
  let chosen: { threshold: number; starts: number } | undefined;
  if (modelStartsPerDay <= targetPerDay) chosen = { threshold: settings.onThreshold, starts: model.starts };
  else {
    for (
      let threshold = round2(settings.onThreshold + step);
      threshold <= maxThreshold + 1e-9;
      threshold = round2(threshold + step)
    ) {
      const { starts } = countStarts(verdicts, at(threshold));
      if (perDay(starts, hours) <= targetPerDay) {
        chosen = { threshold, starts };
        break;
      }
    }
  }
  const span = hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(hours * 60)} min`;
  const stretchText = longStretches.length
    ? ` The model heard crying for long stretches (${longStretches
        .slice(0, 3)
        .map((s) => `${s.seconds} s from ${s.startSeconds} s, peak ${s.peak}`)
        .join(
          '; ',
        )}${longStretches.length > 3 ? '; …' : ''}): if a baby cried there, cut it out of the recording and calibrate again.`
    : '';
  const resolution =
    hours < 24 ? ` (from ${span} of audio: one start in it counts as ${formatRate(onePerDay)}/day)` : '';
  const summary = chosen
    ? chosen.threshold === settings.onThreshold
      ? `your room: ${formatRate(modelStartsPerDay)} false starts/day at the model's own ${settings.onThreshold}${resolution}; kept.${stretchText}`
      : `your room: ${formatRate(perDay(chosen.starts, hours))} false starts/day at ${chosen.threshold}; the model's default (${settings.onThreshold}) would give ${formatRate(modelStartsPerDay)}/day${resolution}.${stretchText}`
    : `your room: even at ${maxThreshold} the detector would start more than ${targetPerDay} times a day (${formatRate(modelStartsPerDay)}/day at the model's ${settings.onThreshold}); no threshold set.${stretchText || ' Something in this recording sounds like crying to the model throughout.'}`;
  return {
    hours,
    windows: verdicts.length,
    targetPerDay,
    modelThreshold: settings.onThreshold,
    modelStarts: model.starts,
    modelStartsPerDay,
    threshold: chosen?.threshold,
    offThreshold: chosen ? at(chosen.threshold).offThreshold : undefined,
    starts: chosen?.starts,
    startsPerDay: chosen ? perDay(chosen.starts, hours) : undefined,
    quiet: chosen?.threshold === settings.onThreshold,
    onePerDay,
    longStretches,
    summary,
  };
}

/**
 * From a probability per window to crying episodes, with hysteresis:
 *   start  when at least `onCount` of the last `onWindow` windows reach `onThreshold`, and the cooldown since the
 *          last stop has passed;
 *   stop   when `offCount` windows in a row stay below `offThreshold`, or no window has reached it for
 *          `offSeconds` — but never before `minDurationSeconds` after the start.
 * Time is the windows' own time (their start in the stream), so a replayed recording behaves like live audio.
 */

/** Policy settings. */
export interface DetectionSettings {
  readonly onThreshold: number;
  readonly offThreshold: number;
  readonly onCount: number;
  readonly onWindow: number;
  readonly offCount: number;
  readonly offSeconds: number;
  readonly cooldownSeconds: number;
  readonly minDurationSeconds: number;
}

/**
 * What `cry detect` uses where neither its own fields nor the model's metadata say otherwise (windows 1 s apart):
 * 2 of 3 windows to start, 5 quiet windows or 15 s to stop, 30 s cooldown, 5 s minimum.
 */
export const FALLBACK_DETECTION = Object.freeze({
  onCount: 2,
  onWindow: 3,
  offCount: 5,
  offSeconds: 15,
  cooldownSeconds: 30,
  minDurationSeconds: 5,
});

/** The stop threshold where none is set: 0.6 x the start threshold. */
export const OFF_THRESHOLD_RATIO = 0.6;

/** One classified window. */
export interface WindowVerdict {
  readonly probability: number;
  /** Milliseconds since the epoch of the window's start. */
  readonly time: number;
  readonly source?: string;
}

/** What a start or stop reports. */
export interface EpisodeEvent {
  readonly kind: 'start' | 'stop';
  readonly startTime: string;
  readonly endTime?: string;
  readonly durationSeconds: number;
  readonly peakProbability: number;
  readonly meanProbability: number;
  readonly windows: number;
  readonly source?: string;
}

/** The detector's state after a window. */
export interface DetectionState {
  readonly crying: boolean;
  /** Seconds in the current state (crying or quiet). */
  readonly sinceSeconds: number;
}

/** A stateful detector. */
export interface Detector {
  push(verdict: WindowVerdict): EpisodeEvent | undefined;
  readonly state: DetectionState;
  readonly settings: DetectionSettings;
  /**
   * New start/stop thresholds from now on (a sensitivity set live from Home Assistant or a calibration); an open
   * episode stays open and is judged by the new stop threshold.
   */
  retune(onThreshold: number, offThreshold: number): void;
  /**
   * Ends an open episode now (detection paused: a parent walked in, a switch was turned off) and forgets the recent
   * windows, so that resuming needs fresh evidence. Returns the stop event, if an episode was open.
   */
  interrupt(time: number): EpisodeEvent | undefined;
}

/**
 * The settings with another start threshold (a live setting, a calibration), the stop threshold keeping its ratio to
 * the start threshold (and never above it).
 */
export function withStartThreshold(settings: DetectionSettings, threshold: number): DetectionSettings {
  return {
    ...settings,
    onThreshold: threshold,
    offThreshold: Math.min(threshold, (threshold * settings.offThreshold) / settings.onThreshold),
  };
}

/** Checks settings; returns a problem description or undefined. */
export function validateDetectionSettings(s: DetectionSettings): string | undefined {
  if (!(s.onThreshold > 0 && s.onThreshold < 1))
    return `on-threshold must be between 0 and 1, got ${s.onThreshold}`;
  if (!(s.offThreshold > 0 && s.offThreshold <= s.onThreshold))
    return `off-threshold must be above 0 and at most the on-threshold, got ${s.offThreshold}`;
  if (!(Number.isInteger(s.onWindow) && s.onWindow >= 1 && s.onWindow <= 60))
    return `M (windows considered) must be 1-60, got ${s.onWindow}`;
  if (!(Number.isInteger(s.onCount) && s.onCount >= 1 && s.onCount <= s.onWindow))
    return `N must be between 1 and M, got ${s.onCount}`;
  if (!(Number.isInteger(s.offCount) && s.offCount >= 1))
    return `K (quiet windows to stop) must be at least 1, got ${s.offCount}`;
  for (const [name, value] of [
    ['off seconds', s.offSeconds],
    ['cooldown', s.cooldownSeconds],
    ['minimum duration', s.minDurationSeconds],
  ] as const) {
    if (!(value >= 0)) return `${name} must be 0 or more seconds, got ${value}`;
  }
  return undefined;
}

/** Creates a detector. */
export function createDetector(initial: DetectionSettings): Detector {
  let settings = initial;
  let recent: boolean[] = [];
  let crying = false;
  let episode:
    | {
        start: number;
        peak: number;
        sum: number;
        count: number;
        lastLoud: number;
        quietRun: number;
        source?: string;
      }
    | undefined;
  let stateSince: number | undefined;
  let lastStop = -Infinity;
  let lastTime = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  const stop = (time: number): EpisodeEvent | undefined => {
    if (!episode) return undefined;
    const event: EpisodeEvent = {
      kind: 'stop',
      startTime: iso(episode.start),
      endTime: iso(time),
      durationSeconds: (time - episode.start) / 1000,
      peakProbability: episode.peak,
      meanProbability: episode.sum / episode.count,
      windows: episode.count,
      source: episode.source,
    };
    crying = false;
    stateSince = time;
    lastStop = time;
    episode = undefined;
    recent = [];
    return event;
  };
  return {
    get settings() {
      return settings;
    },
    retune(onThreshold, offThreshold) {
      const next = { ...settings, onThreshold, offThreshold };
      const problem = validateDetectionSettings(next);
      if (problem) throw new Error(problem);
      settings = next;
    },
    interrupt(time) {
      const event = crying ? stop(Math.max(time, episode?.start ?? time)) : undefined;
      recent = [];
      if (!event) stateSince = time;
      lastTime = time;
      return event;
    },
    get state() {
      return {
        crying,
        sinceSeconds: stateSince === undefined ? 0 : Math.max(0, (lastTime - stateSince) / 1000),
      };
    },
    push({ probability, time, source }) {
      lastTime = time;
      stateSince ??= time;
      recent.push(probability >= settings.onThreshold);
      if (recent.length > settings.onWindow) recent.shift();
      if (!crying || !episode) {
        const loud = recent.filter(Boolean).length;
        if (loud >= settings.onCount && (time - lastStop) / 1000 >= settings.cooldownSeconds) {
          crying = true;
          stateSince = time;
          episode = {
            start: time,
            peak: probability,
            sum: probability,
            count: 1,
            lastLoud: time,
            quietRun: 0,
            source,
          };
          return {
            kind: 'start',
            startTime: iso(time),
            durationSeconds: 0,
            peakProbability: probability,
            meanProbability: probability,
            windows: 1,
            source,
          };
        }
        return undefined;
      }
      episode.peak = Math.max(episode.peak, probability);
      episode.sum += probability;
      episode.count++;
      if (probability >= settings.offThreshold) {
        episode.lastLoud = time;
        episode.quietRun = 0;
      } else episode.quietRun++;
      const duration = (time - episode.start) / 1000;
      const ended =
        episode.quietRun >= settings.offCount || (time - episode.lastLoud) / 1000 >= settings.offSeconds;
      if (ended && duration >= settings.minDurationSeconds) return stop(time);
      return undefined;
    },
  };
}

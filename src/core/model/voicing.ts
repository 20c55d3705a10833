/**
 * How much of a recording is voiced at an infant's pitch: a measure of the data, independent of either model, to tell
 * what the clips a model misses hold. An infant's cry has its fundamental mostly at 300–600 Hz (B. M. Lester and
 * C. F. Z. Boukydis, "Infant Crying", 1985; L. L. LaGasse, A. R. Neal and B. M. Lester, "Assessment of infant cry:
 * acoustic cry analysis and parental perception", 2005), an adult's speaking voice at 85–255 Hz; 250 Hz separates
 * the two with a margin on the infant side (a high adult voice can reach it, so "adult" here is "below 250 Hz").
 */
import { createYinPitchTracker, DEFAULT_YIN_SETTINGS, YinSettings } from '../dsp/yin';
import type { CryModel } from './cry-model';

/** Seconds of a recording by the pitch of its voicing. */
export interface VoicingSummary {
  readonly seconds: number;
  /** Frames with any f0 in the tracker's range. */
  readonly voicedSeconds: number;
  /** Frames with f0 at or above the infant boundary. */
  readonly infantSeconds: number;
  /** Frames with f0 below it. */
  readonly adultSeconds: number;
  /** The longest run of consecutive infant-pitched frames (a cry's phonation lasts about 0.5–1.5 s). */
  readonly longestInfantRunSeconds: number;
}

/** The f0 at and above which a voiced frame counts as an infant's. */
export const INFANT_MIN_HZ = 250;

/** Creates a meter of 16 kHz (or `settings.sampleRate`) recordings. */
export function createVoicingMeter(
  settings: YinSettings = DEFAULT_YIN_SETTINGS,
  infantMinHz = INFANT_MIN_HZ,
): (samples: Float32Array) => VoicingSummary {
  const track = createYinPitchTracker(settings);
  const frameSeconds = settings.hopLength / settings.sampleRate;
  return (samples) => {
    const f0 = track(samples);
    let voiced = 0;
    let infant = 0;
    let run = 0;
    let longestRun = 0;
    for (const hz of f0) {
      if (hz > 0) voiced++;
      if (hz >= infantMinHz) {
        infant++;
        run++;
        longestRun = Math.max(longestRun, run);
      } else run = 0;
    }
    return {
      seconds: samples.length / settings.sampleRate,
      voicedSeconds: voiced * frameSeconds,
      infantSeconds: infant * frameSeconds,
      adultSeconds: (voiced - infant) * frameSeconds,
      longestInfantRunSeconds: longestRun * frameSeconds,
    };
  };
}

/** Clips with infant-pitched voicing in [from, to) seconds, per label, and how many of them a model found. */
export interface VoicingBucket {
  readonly from: number;
  readonly to: number;
  readonly cry: { clips: number; found: number };
  readonly noncry: { clips: number; found: number };
}

/** The bucket edges, in seconds of infant-pitched voicing. */
export const VOICING_BUCKET_EDGES: readonly number[] = [0, 0.5, 1.5, 3, Infinity];

/** Groups clips by infant-pitched seconds and counts, per label, those whose score reached `threshold`. */
export function voicingBuckets(
  labels: readonly ('cry' | 'noncry')[],
  voicing: readonly VoicingSummary[],
  scores: readonly number[],
  threshold: number,
): VoicingBucket[] {
  const buckets = VOICING_BUCKET_EDGES.slice(0, -1).map((from, b) => ({
    from,
    to: VOICING_BUCKET_EDGES[b + 1],
    cry: { clips: 0, found: 0 },
    noncry: { clips: 0, found: 0 },
  }));
  labels.forEach((label, i) => {
    const bucket = buckets.find((c) => voicing[i].infantSeconds >= c.from && voicing[i].infantSeconds < c.to);
    if (!bucket) return;
    bucket[label].clips++;
    if (scores[i] >= threshold) bucket[label].found++;
  });
  return buckets;
}

/**
 * A cry model whose p(cry) is 0 in every window holding less than `minInfantSeconds` of voicing at an infant's pitch;
 * for measuring whether the pitch of the audio, which neither model sees as such, keeps voices and noises that are
 * not a baby from starting an episode. Verdicts are otherwise the wrapped model's.
 */
export function withInfantPitchGate(
  model: CryModel,
  minInfantSeconds: number,
  settings: YinSettings = DEFAULT_YIN_SETTINGS,
): CryModel {
  const track = createYinPitchTracker(settings);
  const hop = settings.hopLength;
  return {
    async ensureLoaded() {
      const info = await model.ensureLoaded();
      return {
        ...info,
        description: `${info.description}; p(cry) 0 in windows with under ${minInfantSeconds} s voiced at an infant's pitch`,
      };
    },
    async analyze(samples, onProgress) {
      // The wrapped model's ensureLoaded returns the same promise every time: its window length, never stale.
      const { windowSamples } = await model.ensureLoaded();
      const verdicts = await model.analyze(samples, onProgress);
      const f0 = track(samples);
      const infantFramesBefore = new Int32Array(f0.length + 1);
      for (let i = 0; i < f0.length; i++)
        infantFramesBefore[i + 1] = infantFramesBefore[i] + (f0[i] >= INFANT_MIN_HZ ? 1 : 0);
      return verdicts.map((verdict) => {
        const first = Math.min(f0.length, Math.ceil(verdict.startSample / hop));
        const end = Math.min(f0.length, Math.ceil((verdict.startSample + windowSamples) / hop));
        const seconds = ((infantFramesBefore[end] - infantFramesBefore[first]) * hop) / settings.sampleRate;
        return seconds >= minInfantSeconds ? verdict : { ...verdict, probability: 0 };
      });
    },
    dispose() {
      model.dispose();
    },
  };
}

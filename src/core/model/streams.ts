/**
 * Stream evaluation in a parent's terms: the model and the real `cry detect` policy (`createDetector`, not an
 * approximation) run over long streams built reproducibly from a manifest.
 *   - Non-cry streams: one per category (the category's clips back to back, in a seeded order); false starts per
 *     hour for the category, and for each source within it (a start counts for the source whose clip it fell in).
 *   - Cry streams: every full-band cry and a seeded sample of the others, each after 10-60 s of non-cry audio
 *     (room noise and household sounds, seeded); seconds from the cry's onset to the episode's start (the end of
 *     the window that starts it), the share of cries that never start, the share of crying time the episode is on.
 *   - Mixed: the same cries, at their own level, laid into music, speech or household noise scaled to a given SNR
 *     (RMS over the cry), after 10 s of that background.
 *   - Bouts (`bout`, `bout music 10 dB`, …): the recordings of one crying session back to back (`crySessions`:
 *     donateacry recordings the same app install made seconds apart, ESC-50 takes of one freesound recording),
 *     after room noise and in the same mixtures: how a longer bout of one baby's crying starts and whether the
 *     episode stays on across it. Drawn after everything else, so the other streams of a seed stay as they were.
 *   - Bouts with their gaps (`bout+gaps`, `bout+gaps music 10 dB`, …): the same sessions with the time the app
 *     did not record between two pieces (start to start, less the earlier piece) filled with room noise, or left
 *     to the background in a mixture; the crying time is the whole session, gaps included. Where the bouts assume
 *     the baby cried on in the gaps, these assume it was quiet: the two bracket a real session. Drawn after the
 *     bouts.
 * Model verdicts are computed once per stream and kept, so policies can be compared on them (`fitDetection`).
 */
import type { DetectionSettings } from '../detect/policy';
import { createDetector } from '../detect/policy';
import type { CryModel, CryModelInfo } from './cry-model';
import { MODEL_SAMPLE_RATE } from './cry-model';
import { loadClips } from './dataset';
import type { ManifestRow } from './manifest';
import { createRandomSource } from './random';

/** A stream's verdicts, with what is known of its contents. */
export interface ScoredStream {
  readonly name: string;
  readonly kind: 'noncry' | 'cry';
  readonly seconds: number;
  /** p(cry) per model window, windows `hopSeconds` apart from 0. */
  readonly probabilities: readonly number[];
  /** Non-cry streams: where each source's clips lie, seconds [start, end). */
  readonly sources?: readonly { readonly source: string; readonly start: number; readonly end: number }[];
  /** Cry streams: the cry, seconds [start, end). */
  readonly cry?: { readonly start: number; readonly end: number; readonly source: string };
}

/** What the streams give under one policy. */
export interface StreamFigures {
  /**
   * Per non-cry category and source: starts, and the share of the time the episode was on (a policy that starts
   * once and never stops has few starts and is on all the time). `lead-in` is the household noise before each
   * cry of the cry streams: a start there is a false start too.
   */
  readonly falseStartsPerHour: Record<
    string,
    { hours: number; starts: number; perHour: number; onShare: number }
  >;
  readonly cries: Record<
    string,
    {
      cries: number;
      neverStarted: number;
      medianOnsetToStart: number;
      p90OnsetToStart: number;
      onShare: number;
      /** Of the crying time after the episode first started, the share it was on (stops mid-cry lower it). */
      onShareAfterStart: number;
      /** Cries whose episode stopped before the cry ended (the light went off while the baby still cried). */
      stoppedDuringCry: number;
      /** Starts after the first one while the cry lasted: each is one more notification for the same crying. */
      restartsDuringCry: number;
      startsBeforeCry: number;
    }
  >;
}

/** How the streams are made. */
export interface StreamOptions {
  readonly seed: number;
  /** Donateacry-like cries sampled (all full-band cries are always in). */
  readonly sampledCries: number;
  /** SNRs for the mixed cries (dB). */
  readonly snrs: readonly number[];
  /** Crying sessions made into bout streams: all (undefined), a seeded sample of N, or none (0). */
  readonly bouts?: number;
  /** Also play the bouts with their unrecorded gaps (`bout+gaps`); on unless false. */
  readonly boutGaps?: boolean;
  readonly log?: (line: string) => void;
}

/** Recordings of one session at most this far apart (seconds, start to start) make one bout. */
export const BOUT_MAX_GAP_SECONDS = 60;

/**
 * Where a cry recording's file name tells which crying session it belongs to: the donateacry app names a
 * recording `<install id>-<unix time, s or ms>-<app version>-…` (one install, one family; recordings 8-56 s
 * apart, start to start, median 15.5 s, are one bout of crying cut into 5-7 s pieces), ESC-50 names a clip
 * `<fold>-<freesound id>-<take letter>-<class>` (takes of one freesound recording, in order).
 */
export function crySessionOf(row: ManifestRow): { recording: string; time: number } | undefined {
  const name = row.path.split('/').pop() ?? '';
  const app = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{10,13})-/i.exec(name);
  if (app) {
    const stamp = Number(app[2]);
    return {
      recording: `donateacry:${app[1].toLowerCase()}`,
      time: app[2].length > 11 ? stamp / 1000 : stamp,
    };
  }
  const esc = /^(\d+-\d+)-([A-Z])-\d+\./.exec(name);
  if (esc) return { recording: `esc50:${esc[1]}`, time: esc[2].charCodeAt(0) - 65 };
  return undefined;
}

/**
 * The seconds a session's recorder was not recording between consecutive pieces: start to start, less the earlier
 * piece's length (`pieceSeconds`), never below 0. ESC-50 takes carry no times (their letter is their order), so
 * their gaps are 0.
 */
export function crySessionGaps(session: readonly ManifestRow[], pieceSeconds: readonly number[]): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < session.length; i++) {
    const before = crySessionOf(session[i - 1]);
    const after = crySessionOf(session[i]);
    const timed =
      before !== undefined &&
      after !== undefined &&
      before.recording.startsWith('donateacry:') &&
      after.recording === before.recording;
    gaps.push(timed ? Math.max(0, after.time - before.time - pieceSeconds[i - 1]) : 0);
  }
  return gaps;
}

/**
 * The crying sessions among `cries`: recordings of one install or freesound recording whose starts lie at most
 * `BOUT_MAX_GAP_SECONDS` apart, in time order; only sessions of at least two recordings.
 */
export function crySessions(cries: readonly ManifestRow[]): ManifestRow[][] {
  const keyed = cries
    .map((row) => ({ row, session: crySessionOf(row) }))
    .filter((r): r is { row: ManifestRow; session: { recording: string; time: number } } => !!r.session)
    .sort((a, b) =>
      a.session.recording === b.session.recording
        ? a.session.time - b.session.time
        : a.session.recording < b.session.recording
          ? -1
          : 1,
    );
  const sessions: ManifestRow[][] = [];
  let current: typeof keyed = [];
  for (const item of keyed) {
    const last = current[current.length - 1];
    if (
      last &&
      (last.session.recording !== item.session.recording ||
        item.session.time - last.session.time > BOUT_MAX_GAP_SECONDS)
    ) {
      if (current.length >= 2) sessions.push(current.map((c) => c.row));
      current = [];
    }
    current.push(item);
  }
  if (current.length >= 2) sessions.push(current.map((c) => c.row));
  return sessions;
}

const categoryOf = (row: ManifestRow) => row.columns.category ?? 'unknown';
/** The source of a row: the repository (`github:owner/name@…` → name) or Debian package (`deb:name=…` → name). */
export function sourceOf(row: ManifestRow): string {
  const source = row.columns.source ?? '';
  const github = /^github:[^/]+\/([^@]+)@/.exec(source);
  if (github) return github[1];
  const deb = /^deb:([^=]+)=/.exec(source);
  return deb ? deb[1] : source.split(':')[0] || 'unknown';
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** Builds the streams, runs the model over them, and returns their verdicts. */
export async function scoreStreams(
  model: CryModel,
  rows: readonly ManifestRow[],
  options: StreamOptions,
): Promise<{ info: CryModelInfo; streams: ScoredStream[] }> {
  const info = await model.ensureLoaded();
  const log = options.log ?? (() => undefined);
  const rng = createRandomSource(options.seed);
  const random = () => rng.next();
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  };
  const streams: ScoredStream[] = [];
  const score = async (samples: Float32Array) => (await model.analyze(samples)).map((v) => v.probability);

  const noncry = rows.filter((row) => row.label === 'noncry');
  const categories = [...new Set(noncry.map(categoryOf))].sort();
  const backgrounds = new Map<string, Float32Array>();
  for (const category of categories) {
    const members = shuffle(noncry.filter((row) => categoryOf(row) === category));
    const audio = await loadClips(members, MODEL_SAMPLE_RATE);
    const sources: { source: string; start: number; end: number }[] = [];
    let at = 0;
    members.forEach((row, i) => {
      const length = audio[i].length / MODEL_SAMPLE_RATE;
      sources.push({ source: sourceOf(row), start: at, end: at + length });
      at += length;
    });
    const joined = concat(audio);
    backgrounds.set(category, joined);
    log(`  ${category}: ${(at / 60).toFixed(1)} min`);
    streams.push({
      name: category,
      kind: 'noncry',
      seconds: at,
      probabilities: await score(joined),
      sources,
    });
  }

  // Room noise before each cry: household sounds and real background recordings (the sfx category).
  const room =
    backgrounds.get('sfx') ?? backgrounds.values().next().value ?? new Float32Array(MODEL_SAMPLE_RATE * 60);
  const cries = rows.filter((row) => row.label === 'cry');
  const fullBand = cries.filter((row) => Number(row.columns.sample_rate ?? 16000) >= 16000);
  const narrow = shuffle(cries.filter((row) => Number(row.columns.sample_rate ?? 16000) < 16000)).slice(
    0,
    options.sampledCries,
  );
  const chosen = [...fullBand, ...narrow];
  const cryAudio = await loadClips(chosen, MODEL_SAMPLE_RATE);
  const take = (source: Float32Array, length: number): Float32Array => {
    const start = Math.floor(random() * Math.max(1, source.length - length));
    const out = new Float32Array(length);
    out.set(source.subarray(start, start + length));
    return out;
  };
  /**
   * One cry (a recording or a bout) after room noise, and laid into each background at each SNR. `pieces` are
   * its recordings, `gapSamples[i]` the unrecorded time between piece i and i+1 (room noise in the clean stream,
   * the background alone in a mixture); the crying time runs from the first piece's start to the last one's end.
   */
  const scoreCry = async (
    prefix: string,
    pieces: readonly Float32Array[],
    gapSamples: readonly number[],
    source: string,
  ) => {
    const gap = Math.round((10 + 50 * random()) * MODEL_SAMPLE_RATE);
    const tail = 5 * MODEL_SAMPLE_RATE;
    // The clean stream has room noise in the gaps; the cry layer for the mixtures has silence there, and `spans`
    // say where its pieces lie.
    const clean: Float32Array[] = [take(room, gap)];
    const layers: Float32Array[] = [];
    const spans: [number, number][] = [];
    let at = 0;
    pieces.forEach((piece, i) => {
      const quiet = i > 0 ? gapSamples[i - 1] : 0;
      if (quiet > 0) {
        clean.push(take(room, quiet));
        layers.push(new Float32Array(quiet));
        at += quiet;
      }
      clean.push(piece);
      layers.push(piece);
      spans.push([at, at + piece.length]);
      at += piece.length;
    });
    clean.push(take(room, tail));
    const samples = concat(clean);
    const start = gap / MODEL_SAMPLE_RATE;
    const cryAudio = concat(layers);
    const cryLevel = rms(concat(pieces));
    streams.push({
      name: prefix || 'clean',
      kind: 'cry',
      seconds: samples.length / MODEL_SAMPLE_RATE,
      probabilities: await score(samples),
      cry: { start, end: start + cryAudio.length / MODEL_SAMPLE_RATE, source },
    });
    for (const background of ['music', 'speech', 'sfx']) {
      const bed = backgrounds.get(background);
      if (!bed) continue;
      for (const snr of options.snrs) {
        const lead = 10 * MODEL_SAMPLE_RATE;
        const mixed = take(bed, lead + cryAudio.length + tail);
        // The cry keeps its own level (as in the clean stream); the background is scaled to sit `snr` dB below
        // it, RMS over the cry's pieces, so that only the background differs between the two.
        const level = rms(concat(spans.map(([from, to]) => mixed.subarray(lead + from, lead + to))));
        const scale = level > 0 ? cryLevel / (level * 10 ** (snr / 20)) : 0;
        for (let k = 0; k < mixed.length; k++) mixed[k] *= scale;
        for (let k = 0; k < cryAudio.length; k++) mixed[lead + k] += cryAudio[k];
        let peak = 0;
        for (const v of mixed) peak = Math.max(peak, Math.abs(v));
        if (peak > 1) for (let k = 0; k < mixed.length; k++) mixed[k] /= peak;
        streams.push({
          name: `${prefix ? `${prefix} ` : ''}${background} ${snr} dB`,
          kind: 'cry',
          seconds: mixed.length / MODEL_SAMPLE_RATE,
          probabilities: await score(mixed),
          cry: { start: 10, end: 10 + cryAudio.length / MODEL_SAMPLE_RATE, source },
        });
      }
    }
  };
  for (let i = 0; i < chosen.length; i++) {
    await scoreCry('', [cryAudio[i]], [], sourceOf(chosen[i]));
    if ((i + 1) % 20 === 0) log(`  cries: ${i + 1}/${chosen.length}`);
  }
  // Bouts last, so that a seed's draws for the streams above do not depend on them.
  const sessions = crySessions(cries);
  const bouts =
    options.bouts === undefined || options.bouts >= sessions.length
      ? sessions
      : shuffle(sessions).slice(0, Math.max(0, options.bouts));
  for (let i = 0; i < bouts.length; i++) {
    const audio = await loadClips(bouts[i], MODEL_SAMPLE_RATE);
    await scoreCry('bout', [concat(audio)], [], sourceOf(bouts[i][0]));
    if ((i + 1) % 20 === 0) log(`  bouts: ${i + 1}/${bouts.length}`);
  }
  // The same bouts with the time between their pieces, after them all, so the bouts above stay as they were.
  if (options.boutGaps !== false) {
    for (let i = 0; i < bouts.length; i++) {
      const audio = await loadClips(bouts[i], MODEL_SAMPLE_RATE);
      const gaps = crySessionGaps(
        bouts[i],
        audio.map((piece) => piece.length / MODEL_SAMPLE_RATE),
      ).map((seconds) => Math.round(seconds * MODEL_SAMPLE_RATE));
      await scoreCry('bout+gaps', audio, gaps, sourceOf(bouts[i][0]));
      if ((i + 1) % 20 === 0) log(`  bouts with their gaps: ${i + 1}/${bouts.length}`);
    }
  }
  return { info, streams };
}

/**
 * The streams of several seeds, one after another (each seed orders the non-cry clips, draws the sampled cries and
 * the room noise anew): a policy fitted on them does not turn on one draw.
 */
export async function scoreStreamsOverSeeds(
  model: CryModel,
  rows: readonly ManifestRow[],
  options: Omit<StreamOptions, 'seed'> & { readonly seeds: readonly number[] },
): Promise<{ info: CryModelInfo; streams: ScoredStream[] }> {
  if (options.seeds.length === 0) throw new Error('no seed to build streams from');
  const streams: ScoredStream[] = [];
  let info: CryModelInfo | undefined;
  for (const seed of options.seeds) {
    if (options.seeds.length > 1) options.log?.(`seed ${seed}`);
    const scored = await scoreStreams(model, rows, { ...options, seed });
    info = scored.info;
    streams.push(...scored.streams);
  }
  return { info: info!, streams };
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** What a group of cry streams adds up to: onset delays, counts of cries and of crying windows (on, and after the start). */
interface CryTally {
  delays: number[];
  never: number;
  on: number;
  total: number;
  onAfter: number;
  totalAfter: number;
  early: number;
  stopped: number;
  restarts: number;
  n: number;
}

const emptyTally = (): CryTally => ({
  delays: [],
  never: 0,
  on: 0,
  total: 0,
  onAfter: 0,
  totalAfter: 0,
  early: 0,
  stopped: 0,
  restarts: 0,
  n: 0,
});

/** Runs the real detector with `settings` over the scored streams. */
export function streamFigures(
  streams: readonly ScoredStream[],
  settings: DetectionSettings,
  windowSeconds: number,
  hopSeconds: number,
): StreamFigures {
  const falseStarts: StreamFigures['falseStartsPerHour'] = {};
  const cryGroups = new Map<string, CryTally>();
  const onHours = new Map<string, number>();
  const count = (key: string, hours: number, starts: number, hoursOn: number) => {
    const entry = (falseStarts[key] ??= { hours: 0, starts: 0, perHour: 0, onShare: 0 });
    entry.hours += hours;
    entry.starts += starts;
    entry.perHour = entry.starts / Math.max(1e-9, entry.hours);
    onHours.set(key, (onHours.get(key) ?? 0) + hoursOn);
    entry.onShare = (onHours.get(key) ?? 0) / Math.max(1e-9, entry.hours);
  };
  /** Hours the episode was on among windows ending in (from, to]. */
  const hoursOnBetween = (onAt: readonly boolean[], from: number, to: number) => {
    let on = 0;
    onAt.forEach((crying, i) => {
      const end = i * hopSeconds + windowSeconds;
      if (crying && end > from && end <= to) on++;
    });
    return (on * hopSeconds) / 3600;
  };
  for (const stream of streams) {
    const detector = createDetector(settings);
    const starts: number[] = [];
    const stops: number[] = [];
    const onAt: boolean[] = [];
    stream.probabilities.forEach((probability, i) => {
      const event = detector.push({ probability, time: i * hopSeconds * 1000 });
      if (event?.kind === 'start') starts.push(i * hopSeconds + windowSeconds);
      if (event?.kind === 'stop') stops.push(i * hopSeconds + windowSeconds);
      onAt.push(detector.state.crying);
    });
    if (stream.kind === 'noncry') {
      count(stream.name, stream.seconds / 3600, starts.length, hoursOnBetween(onAt, -Infinity, Infinity));
      for (const part of stream.sources ?? []) {
        const inside = starts.filter((t) => t > part.start && t <= part.end + windowSeconds).length;
        count(
          `${stream.name}/${part.source}`,
          (part.end - part.start) / 3600,
          inside,
          hoursOnBetween(onAt, part.start, part.end),
        );
      }
      continue;
    }
    const cry = stream.cry!;
    if (stream.name === 'clean' || stream.name === 'bout' || stream.name === 'bout+gaps') {
      count(
        stream.name === 'clean' ? 'lead-in' : `${stream.name} lead-in`,
        cry.start / 3600,
        starts.filter((t) => t <= cry.start).length,
        hoursOnBetween(onAt, -Infinity, cry.start),
      );
    }
    for (const key of [stream.name, `${stream.name}/${cry.source}`]) {
      const group = cryGroups.get(key) ?? emptyTally();
      group.n++;
      group.early += starts.filter((t) => t <= cry.start).length;
      const first = starts.find((t) => t > cry.start);
      const started = first !== undefined && first <= cry.end + windowSeconds;
      if (started) group.delays.push(first - cry.start);
      else group.never++;
      if (started && stops.some((t) => t > first && t <= cry.end)) group.stopped++;
      if (started) group.restarts += starts.filter((t) => t > first && t <= cry.end + windowSeconds).length;
      onAt.forEach((on, i) => {
        const end = i * hopSeconds + windowSeconds;
        if (end > cry.start + windowSeconds && end <= cry.end) {
          group.total++;
          if (on) group.on++;
          if (started && end >= first) {
            group.totalAfter++;
            if (on) group.onAfter++;
          }
        }
      });
      cryGroups.set(key, group);
    }
  }
  const cries: StreamFigures['cries'] = {};
  for (const [key, g] of cryGroups) {
    cries[key] = {
      cries: g.n,
      neverStarted: g.never / g.n,
      medianOnsetToStart: percentile(g.delays, 0.5),
      p90OnsetToStart: percentile(g.delays, 0.9),
      onShare: g.total ? g.on / g.total : NaN,
      onShareAfterStart: g.totalAfter ? g.onAfter / g.totalAfter : NaN,
      stoppedDuringCry: g.stopped,
      restartsDuringCry: g.restarts,
      startsBeforeCry: g.early,
    };
  }
  return { falseStartsPerHour: falseStarts, cries };
}

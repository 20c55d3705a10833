/**
 * Cry labels cleaned by a teacher model (training only). A cry recording is labelled as a whole, but a 4 s crop of
 * it may hold a pause, the parent's voice or the room: with the label 1 the network learns the recording's
 * background and channel as "crying". A teacher that has heard crying elsewhere (YAMNet, trained on AudioSet and
 * never on this pool) scores every patch of the training cry recordings once; a cry example's target is then how
 * clearly the teacher hears crying in the stretch it was cut from. Non-cry examples stay at 0.
 */
import type { CryModel } from './cry-model';
import type { CryExcerpt } from './augment';

/** A teacher's p(cry) for the patches of one recording. */
export interface TeacherScores {
  /** Patch starts, in samples, ascending. */
  readonly starts: readonly number[];
  readonly probabilities: readonly number[];
  /** Patch length in samples. */
  readonly patchSamples: number;
}

/** How a cry example's target follows from the teacher. */
export interface TeacherSettings {
  /** The teacher's p(cry) at which a stretch counts as plainly crying (target 1); below it the target scales down. */
  readonly fullAt: number;
  /** Share of the target taken from the teacher: 1 = teacher only, 0 = the recording's label only. */
  readonly weight: number;
}

/** Scores every recording with the teacher, one after another; `onProgress(done, total)` as they finish. */
export async function scoreWithTeacher(
  teacher: CryModel,
  clips: readonly Float32Array[],
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<Map<Float32Array, TeacherScores>> {
  const info = await teacher.ensureLoaded();
  const scores = new Map<Float32Array, TeacherScores>();
  for (const clip of clips) {
    const verdicts = await teacher.analyze(clip);
    scores.set(clip, {
      starts: verdicts.map((v) => v.startSample),
      probabilities: verdicts.map((v) => v.probability),
      patchSamples: info.windowSamples,
    });
    onProgress(scores.size, clips.length);
  }
  return scores;
}

/**
 * The target of a cry example: the teacher's highest p(cry) over the patches whose centre lies in the excerpt (the
 * patch nearest its centre if none does), over `fullAt`, capped at 1, blended with the label 1 by `weight`.
 */
export function cryTarget(
  scores: TeacherScores,
  excerpt: Pick<CryExcerpt, 'start' | 'length'>,
  settings: TeacherSettings,
): number {
  const { starts, probabilities, patchSamples } = scores;
  const from = excerpt.start;
  const to = excerpt.start + excerpt.length;
  let best = -1;
  let nearest = 0;
  let nearestDistance = Infinity;
  const middle = (from + to) / 2;
  for (let i = 0; i < starts.length; i++) {
    const centre = starts[i] + patchSamples / 2;
    if (centre >= from && centre < to) best = Math.max(best, probabilities[i]);
    const distance = Math.abs(centre - middle);
    if (distance < nearestDistance) {
      nearestDistance = distance;
      nearest = i;
    }
  }
  if (best < 0) best = probabilities.length ? probabilities[nearest] : 1;
  const heard = Math.min(1, best / settings.fullAt);
  return settings.weight * heard + (1 - settings.weight);
}

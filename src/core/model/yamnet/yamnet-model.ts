/**
 * YAMNet behind the `CryModel` interface: 0.975 s patches at a 0.48 s hop, our log-mel front end, the network of
 * the file on our int8 WebAssembly kernels (a fully quantised file) or TensorFlow.js (WASM, else CPU). p(cry) is the
 * noisy-or of AudioSet's three crying classes (19 "Crying, sobbing", 20 "Baby cry, infant cry", 21 "Whimper"), the
 * grouping Frigate uses; the laughter and babbling scores travel with every verdict, with the top five classes.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DetectionSettings } from '../../detect/policy';
import { parseCsvLine } from '../manifest';
import { defaultModelDir } from '../classifier';
import type { ClassScore, CryModel, CryModelInfo, CryVerdict } from '../cry-model';
import { ensureTf, BackendName } from '../tf';
import {
  createYamnetLogMelFrame,
  YAMNET_BANDS,
  YAMNET_FRAME_HOP,
  YAMNET_PATCH_FRAMES,
  YAMNET_PATCH_HOP_FRAMES,
  YAMNET_PATCH_HOP_SAMPLES,
  YAMNET_PATCH_SAMPLES,
} from './frontend';
import { createYamnetNetwork, YamnetNetwork } from './network';
import { readYamnetFile } from './yamnet-file';

/** The AudioSet classes a verdict carries by name. */
export const NURSERY_CLASSES: Readonly<Record<string, number>> = Object.freeze({
  babyCry: 20,
  cryingSobbing: 19,
  whimper: 21,
  babyLaughter: 14,
  giggle: 15,
  laughter: 13,
  babbling: 4,
});

/** Classes joined into p(cry). */
export const CRY_CLASSES: readonly number[] = [19, 20, 21];

/** `models/yamnet/metadata.json`: the operating point and what justifies it (no model file is shipped). */
export interface YamnetMetadata {
  readonly name: 'yamnet';
  readonly threshold: number;
  readonly detection?: Partial<DetectionSettings>;
  readonly probability?: string;
  readonly preprocessing?: YamnetInputOptions;
  readonly [key: string]: unknown;
}

/** How the audio is prepared for the network; `models/yamnet/metadata.json` `preprocessing` sets the defaults. */
export interface YamnetInputOptions {
  /**
   * Channel-blind input: the front end drops the FFT bins above this frequency (frontend.ts `bandLimited`); 0 or
   * undefined is the full band.
   */
  readonly bandLimitHz?: number;
  /**
   * Level ceiling: a patch whose RMS level is above this many dBFS is scaled down to it before the front end (a
   * quieter patch is left as it is), so that how loud the microphone is set stops mattering above the ceiling.
   * 0 or undefined: no scaling.
   */
  readonly levelCeilingDbfs?: number;
  /**
   * Sounds YAMNet tells from crying: in a patch where one of these AudioSet classes scores higher than every
   * crying class, p(cry) is 0 (for example the cat classes 76-80, whose meows it also hears as crying). Empty or
   * undefined: none.
   */
  readonly outscoredBy?: readonly number[];
}

/**
 * The gain (at most 1) that brings `samples[start .. start + length)` down to `ceilingDbfs` RMS, or 1 when its
 * level is at or below the ceiling (or the ceiling is 0 dBFS or above, which no patch exceeds).
 */
export function patchLevelGain(
  samples: Float32Array,
  start: number,
  length: number,
  ceilingDbfs: number,
): number {
  if (!(ceilingDbfs < 0)) return 1;
  let energy = 0;
  for (let i = start; i < start + length; i++) energy += samples[i] * samples[i];
  const rms = Math.sqrt(energy / length);
  const ceiling = 10 ** (ceilingDbfs / 20);
  return rms > ceiling ? ceiling / rms : 1;
}

/** Reads the metadata and the class names shipped in `models/yamnet/`. */
export function readYamnetMetadata(dir = defaultModelDir('yamnet')): {
  metadata: YamnetMetadata;
  labels: string[];
} {
  const metadataPath = path.join(dir, 'metadata.json');
  const metadata = JSON.parse(fs.readFileSync(metadataPath, 'utf8')) as YamnetMetadata;
  if (!(typeof metadata.threshold === 'number' && metadata.threshold > 0 && metadata.threshold < 1)) {
    throw new Error(`${metadataPath}: threshold must be a number between 0 and 1`);
  }
  const labels = fs
    .readFileSync(path.join(dir, 'yamnet_class_map.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => parseCsvLine(line)[2]);
  return { metadata, labels };
}

/** Patches per network call (larger batches amortise the per-operator cost). */
const BATCH = 8;

/** Creates the YAMNet model for the TFLite file at `file` (nothing is read until `ensureLoaded`). */
export function createYamnetCryModel(
  file: string,
  options: { backend?: BackendName } & YamnetInputOptions = {},
): CryModel {
  let loading:
    | Promise<{
        info: CryModelInfo;
        network: YamnetNetwork;
        labels: string[];
        levelCeilingDbfs: number | undefined;
        outscoredBy: readonly number[];
        frame: ReturnType<typeof createYamnetLogMelFrame>;
      }>
    | undefined;
  let disposed = false;
  const load = async () => {
    const parsed = readYamnetFile(file);
    const { metadata, labels } = readYamnetMetadata();
    // 0 asks for the full band whatever the metadata says (to measure both).
    const bandLimitHz =
      options.bandLimitHz === undefined
        ? metadata.preprocessing?.bandLimitHz
        : options.bandLimitHz || undefined;
    const levelCeiling =
      options.levelCeilingDbfs === undefined
        ? metadata.preprocessing?.levelCeilingDbfs
        : options.levelCeilingDbfs;
    const levelCeilingDbfs = levelCeiling !== undefined && levelCeiling < 0 ? levelCeiling : undefined;
    const outscoredBy = [...(options.outscoredBy ?? metadata.preprocessing?.outscoredBy ?? [])];
    for (const index of outscoredBy) {
      if (!(Number.isInteger(index) && index >= 0 && index < labels.length) || CRY_CLASSES.includes(index))
        throw new Error(`outscoredBy: ${index} is not a non-crying class of the ${labels.length}`);
    }
    const runtime = await ensureTf(options.backend);
    const network = createYamnetNetwork(parsed.model, runtime.tf);
    if (network.classes !== labels.length) {
      network.dispose();
      throw new Error(`${file} has ${network.classes} classes, the class map ${labels.length}`);
    }
    const info: CryModelInfo = {
      name: 'yamnet',
      id: 'yamnet',
      source: file,
      description:
        (parsed.release
          ? `YAMNet ${parsed.release.description}`
          : `YAMNet from ${path.basename(file)} (sha256 ${parsed.sha256.slice(0, 12)}…, not a pinned release)`) +
        (bandLimitHz ? `, input band-limited to ${bandLimitHz} Hz` : '') +
        (levelCeilingDbfs !== undefined
          ? `, patches scaled down to at most ${levelCeilingDbfs} dBFS RMS`
          : '') +
        (outscoredBy.length
          ? `, p(cry) 0 where ${outscoredBy.map((i) => labels[i]).join(', ')} outscores crying`
          : ''),
      windowSamples: YAMNET_PATCH_SAMPLES,
      hopSamples: YAMNET_PATCH_HOP_SAMPLES,
      threshold: metadata.threshold,
      detection: metadata.detection,
      backend: runtime.backend,
      // The classification file's layers run on our int8 kernels, not on the TensorFlow.js backend: say so.
      backendNotes: [...runtime.notes, `YAMNet layers on ${network.engine}`],
    };
    return {
      info,
      network,
      labels,
      levelCeilingDbfs,
      outscoredBy,
      frame: createYamnetLogMelFrame(parsed.frontEnd, { bandLimitHz }),
    };
  };
  const loaded = () => {
    if (disposed) return Promise.reject(new Error('the YAMNet model was disposed'));
    loading ??= load();
    return loading;
  };
  // One set of work buffers for the model's lifetime (the live path calls analyze every second). Sharing them
  // between overlapping calls is safe: each batch is filled and copied into a tensor with no await in between.
  const patchSize = YAMNET_PATCH_FRAMES * YAMNET_BANDS;
  const frames = new Float32Array(
    (YAMNET_PATCH_HOP_FRAMES * (BATCH - 1) + YAMNET_PATCH_FRAMES) * YAMNET_BANDS,
  );
  const patches = new Float32Array(BATCH * patchSize);
  const scaledPatch = new Float32Array(YAMNET_PATCH_SAMPLES);
  return {
    async ensureLoaded() {
      return (await loaded()).info;
    },
    async analyze(input, onProgress) {
      const { network, labels, frame, levelCeilingDbfs, outscoredBy } = await loaded();
      let samples = input;
      if (samples.length < YAMNET_PATCH_SAMPLES) {
        samples = new Float32Array(YAMNET_PATCH_SAMPLES);
        samples.set(input);
      }
      const patchCount = Math.floor((samples.length - YAMNET_PATCH_SAMPLES) / YAMNET_PATCH_HOP_SAMPLES) + 1;
      const verdicts: CryVerdict[] = [];
      for (let first = 0; first < patchCount; first += BATCH) {
        const count = Math.min(BATCH, patchCount - first);
        if (levelCeilingDbfs === undefined) {
          // Overlapping patches share their frames: each frame is computed once.
          const frameCount = YAMNET_PATCH_HOP_FRAMES * (count - 1) + YAMNET_PATCH_FRAMES;
          const firstFrame = first * YAMNET_PATCH_HOP_FRAMES;
          frame.frames(samples, firstFrame * YAMNET_FRAME_HOP, frameCount, frames, 0);
          for (let p = 0; p < count; p++) {
            const offset = p * YAMNET_PATCH_HOP_FRAMES * YAMNET_BANDS;
            patches.set(frames.subarray(offset, offset + patchSize), p * patchSize);
          }
        } else {
          // Each patch at its own gain, so its frames are its own.
          for (let p = 0; p < count; p++) {
            const start = (first + p) * YAMNET_PATCH_HOP_SAMPLES;
            const gain = patchLevelGain(samples, start, YAMNET_PATCH_SAMPLES, levelCeilingDbfs);
            if (gain === 1) {
              frame.frames(samples, start, YAMNET_PATCH_FRAMES, patches, p * patchSize);
              continue;
            }
            for (let i = 0; i < YAMNET_PATCH_SAMPLES; i++) scaledPatch[i] = samples[start + i] * gain;
            frame.frames(scaledPatch, 0, YAMNET_PATCH_FRAMES, patches, p * patchSize);
          }
        }
        const { scores } = await network.run(patches, count);
        for (let p = 0; p < count; p++) {
          verdicts.push(
            verdictOf(
              scores.subarray(p * labels.length, (p + 1) * labels.length),
              labels,
              (first + p) * YAMNET_PATCH_HOP_SAMPLES,
              outscoredBy,
            ),
          );
        }
        onProgress?.((first + count) / patchCount);
      }
      return verdicts;
    },
    dispose() {
      disposed = true;
      void loading?.then(({ network }) => network.dispose()).catch(() => undefined);
    },
  };
}

function verdictOf(
  scores: Float32Array,
  labels: readonly string[],
  startSample: number,
  outscoredBy: readonly number[],
): CryVerdict {
  let none = 1;
  let strongestCry = 0;
  for (const index of CRY_CLASSES) {
    none *= 1 - scores[index];
    strongestCry = Math.max(strongestCry, scores[index]);
  }
  const outscored = outscoredBy.some((index) => scores[index] > strongestCry);
  const probability = outscored ? 0 : 1 - none;
  const named: Record<string, number> = {};
  for (const [name, index] of Object.entries(NURSERY_CLASSES)) named[name] = scores[index];
  const top: ClassScore[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (top.length < 5 || scores[i] > top[top.length - 1].score) {
      top.push({ index: i, label: labels[i], score: scores[i] });
      top.sort((a, b) => b.score - a.score);
      if (top.length > 5) top.pop();
    }
  }
  return { startSample, probability, scores: named, top };
}

/**
 * A YAMNet TFLite file: its bytes checked and parsed, the front-end constants taken out of it, and the official
 * releases this project knows by their sha256.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { BuiltinOperator, TensorType, TfliteModel, readTfliteModel, tensorValues } from '../tflite/model';
import { YamnetFrontEndTables, YAMNET_FRAME_LENGTH } from './frontend';

/** A YAMNet release this project can fetch or recognise. */
export interface YamnetRelease {
  readonly id: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly urls: readonly string[];
  readonly description: string;
}

/**
 * The official files (Google, Apache-2.0), downloadable without an account (Kaggle Models serves a .tar.gz with
 * `1.tflite` inside; TF Hub redirects there). The classification file is the one Frigate ships; it is the default.
 * Hash and size are those of the model file itself (the copy in `../shared/models/yamnet/`).
 */
export const YAMNET_RELEASES: readonly YamnetRelease[] = [
  {
    id: 'classification',
    fileName: 'yamnet-classification.tflite',
    bytes: 4126810,
    sha256: '10c95ea3eb9a7bb4cb8bddf6feb023250381008177ac162ce169694d05c317de',
    urls: [
      'https://www.kaggle.com/api/v1/models/google/yamnet/tfLite/classification-tflite/1/download',
      'https://tfhub.dev/google/lite-model/yamnet/classification/tflite/1?lite-format=tflite',
    ],
    description: 'google/yamnet/tfLite/classification-tflite/1 (int8 network, 521 scores)',
  },
  {
    id: 'float32',
    fileName: 'yamnet.tflite',
    bytes: 16096668,
    sha256: '141fba1cdaae842c816f28edc4937e8b4f0af4c8df21862ccc6b52dc567993c3',
    urls: [
      'https://www.kaggle.com/api/v1/models/google/yamnet/tfLite/tflite/1/download',
      'https://tfhub.dev/google/lite-model/yamnet/tflite/1?lite-format=tflite',
    ],
    description: 'google/yamnet/tfLite/tflite/1 (float32, scores, embeddings and log-mel)',
  },
];

/** The default release (the classification file). */
export const DEFAULT_YAMNET_RELEASE = YAMNET_RELEASES[0];

/** A parsed YAMNet file. */
export interface YamnetFile {
  readonly path: string;
  readonly sha256: string;
  /** The official release it is, when its hash is one of the pinned ones. */
  readonly release?: YamnetRelease;
  readonly model: TfliteModel;
  readonly frontEnd: YamnetFrontEndTables;
}

/** The sha256 of a byte array, as lower-case hex. */
export function sha256Of(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Reads and parses a YAMNet file; throws a plain sentence when it is missing or not a YAMNet model. */
export function readYamnetFile(path: string): YamnetFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT' ? `no YAMNet file at ${path}` : `cannot read ${path}: ${(error as Error).message}`,
    );
  }
  const sha256 = sha256Of(bytes);
  let model: TfliteModel;
  try {
    model = readTfliteModel(bytes);
  } catch (error) {
    throw new Error(`${path} is not a YAMNet model: ${(error as Error).message}`);
  }
  return {
    path,
    sha256,
    release: YAMNET_RELEASES.find((release) => release.sha256 === sha256),
    model,
    frontEnd: frontEndTablesOf(model),
  };
}

/** The Hann window, mel matrix and log offset of a YAMNet graph (the MUL before the FFT, the FC before the LOG). */
export function frontEndTablesOf(model: TfliteModel): YamnetFrontEndTables {
  const log = model.operators.find((op) => op.code === BuiltinOperator.LOG);
  if (!log) throw new Error('no LOG operator (the log-mel front end is missing)');
  const melOp = model.operators.find(
    (op) => op.code === BuiltinOperator.FULLY_CONNECTED && op.outputs.includes(log.inputs[0]),
  );
  if (!melOp) throw new Error('the LOG operator is not fed by a mel matrix');
  const weights = model.tensors[melOp.inputs[1]];
  const mel = tensorValues(weights);
  let hybridMel: YamnetFrontEndTables['hybridMel'];
  if (weights.type === TensorType.INT8) {
    const scale = weights.quantization?.scale ?? [];
    const [bands, bins] = weights.shape;
    const scales = Float32Array.from({ length: bands }, (_, band) => scale[scale.length === 1 ? 0 : band]);
    hybridMel = { weights: Int8Array.from(mel), scales };
    for (let i = 0; i < mel.length; i++) mel[i] = Math.fround(mel[i] * scales[Math.floor(i / bins)]);
  }
  const melBias = tensorValues(model.tensors[melOp.inputs[2]]);
  const windowTensor = model.operators
    .filter((op) => op.code === BuiltinOperator.MUL)
    .flatMap((op) => op.inputs.map((i) => model.tensors[i]))
    .find(
      (tensor) =>
        tensor.data !== undefined && tensor.shape.length === 1 && tensor.shape[0] === YAMNET_FRAME_LENGTH,
    );
  if (!windowTensor) throw new Error(`no ${YAMNET_FRAME_LENGTH}-point analysis window in the graph`);
  return { window: tensorValues(windowTensor), mel, melBias, hybridMel };
}

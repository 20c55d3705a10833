/**
 * Saving and loading a tfjs-layers model as `model.json` + `weights.bin` without tfjs-node (whose file://
 * handler is the only one that touches the file system).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Writes `model.json` and `weights.bin` into `folder`. */
export async function saveLayersModel(model: tfl.LayersModel, folder: string): Promise<void> {
  fs.mkdirSync(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      if (!weightData || Array.isArray(weightData)) throw new Error('expected one weight buffer');
      fs.writeFileSync(path.join(folder, 'weights.bin'), Buffer.from(weightData as ArrayBuffer));
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(folder, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Loads a model saved by `saveLayersModel` (or any single-shard tfjs layers model). */
export async function loadLayersModel(folder: string): Promise<tfl.LayersModel> {
  const modelPath = path.join(folder, 'model.json');
  if (!fs.existsSync(modelPath)) throw new Error(`no model.json in ${folder}`);
  const modelJson = JSON.parse(fs.readFileSync(modelPath, 'utf8')) as tf.io.ModelJSON;
  return tfl.loadLayersModel({
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Buffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const shard of group.paths) buffers.push(fs.readFileSync(path.join(folder, shard)));
        }
        const joined = Buffer.concat(buffers);
        return [specs, joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)];
      }),
  });
}

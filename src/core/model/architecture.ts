/**
 * The Cry Baby network: four conv(3x3)/ReLU/max-pool blocks (8, 16, 32, 32 filters) on the
 * 128 x 126 normalised log-mel, then dropout, Dense(32) and a sigmoid. In the spirit of the original Keras CNN,
 * but sized for the conv work, not the parameter count, that sets the speed on a Raspberry Pi: about 12 M
 * multiply-adds per 4 s window (the 3-block 32/64/64 network measured on this platform needs ~115 M).
 * No batch normalisation: its gradient in tfjs-layers is built from Tile and took 40% of a WASM training step.
 */
import * as tfl from '@tensorflow/tfjs-layers';

/** Builds the untrained model for an input of `nMels` x `frames` x 1. */
export function buildCryNetwork(nMels: number, frames: number, seed: number): tfl.LayersModel {
  const model = tfl.sequential({ name: 'cry_baby' });
  const filters = [8, 16, 32, 32];
  filters.forEach((count, i) => {
    model.add(
      tfl.layers.conv2d({
        ...(i === 0 ? { inputShape: [nMels, frames, 1] } : {}),
        filters: count,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }),
      }),
    );
    model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  });
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dropout({ rate: 0.4, seed: seed + 10 }));
  model.add(
    tfl.layers.dense({
      units: 32,
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed + 11 }),
    }),
  );
  model.add(tfl.layers.dropout({ rate: 0.3, seed: seed + 12 }));
  model.add(
    tfl.layers.dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 13 }),
    }),
  );
  return model;
}

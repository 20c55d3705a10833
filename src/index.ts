/** The Cry Baby core, for programs that use it without Node-RED (the nodes and the CLI are built on it). */
export { readWav, writeWav } from './core/audio/wav';
export { pcm16ToFloat32, float32ToPcm16 } from './core/audio/pcm';
export { createResampler, resample } from './core/audio/resample';
export { createFramer } from './core/audio/framer';
export { parseAudioMessage } from './core/audio/message';
export { createMelSpectrogram, createSlidingMelSpectrogram, DEFAULT_MEL_SETTINGS } from './core/dsp/mel';
export { createCryClassifier, defaultModelDir } from './core/model/classifier';
export type { CryModel, CryModelInfo, CryVerdict } from './core/model/cry-model';
export { createCryModel, parseModelChoice, resolveModel } from './core/model/select';
export { createYamnetCryModel } from './core/model/yamnet/yamnet-model';
export { fetchYamnet, findYamnetFile } from './core/model/yamnet/fetch';
export { readTfliteModel } from './core/model/tflite/model';
export { recordingSpectrograms, windowStarts } from './core/model/windows';
export { createDetector } from './core/detect/policy';
export { createCsvLog } from './core/log/csv';
export { createClipStore } from './core/log/clips';
export { createHaClient } from './core/ha/client';

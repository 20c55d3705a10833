/**
 * cry-mel: audio message in, normalised log-mel spectrogram out (the classifier's input). Glue only: the work
 * is in src/core/dsp.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { audioFieldsOf, parseAudioMessage, AudioMessageFields } from '../src/core/audio/message';
import { createAudioSpectrogramComputer } from '../src/core/dsp/audio-spectrogram';
import { DEFAULT_MEL_SETTINGS } from '../src/core/dsp/mel';
import { createStatusReporter, failInput } from '../src/node-red/status';

type CryMelConfig = NodeDef;

export = (RED: NodeAPI): void => {
  function CryMelNode(this: Node, config: CryMelConfig): void {
    RED.nodes.createNode(this, config);
    const status = createStatusReporter(this);
    const computer = createAudioSpectrogramComputer(DEFAULT_MEL_SETTINGS);
    let windows = 0;
    this.on('input', (msg: NodeMessageInFlow & AudioMessageFields, send, done) => {
      try {
        const audio = parseAudioMessage(msg);
        const mel = computer.compute(audio);
        const out = msg as NodeMessageInFlow & Record<string, unknown>;
        out.audio = audioFieldsOf(msg);
        out.payload = mel.norm;
        out.spectrogram = {
          nMels: mel.nMels,
          frames: mel.frames,
          framesFromAudio: mel.rawFrames,
          layout: 'row-major: mel band by frame',
          sampleRate: DEFAULT_MEL_SETTINGS.sampleRate,
          nFft: DEFAULT_MEL_SETTINGS.nFft,
          hopLength: DEFAULT_MEL_SETTINGS.hopLength,
          meanDb: mel.mean,
          stdDb: mel.std,
          normalisation: 'z-score of power_to_db (ref 1, amin 1e-10, top_db 80); zeros when flat',
        };
        windows++;
        status.ok(`${windows} window${windows === 1 ? '' : 's'}`);
        send(out);
        done();
      } catch (error) {
        failInput(status, done, error);
      }
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      status.clear();
      done();
    });
  }
  RED.nodes.registerType('cry-mel', CryMelNode);
};

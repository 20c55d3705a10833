/**
 * A recorder module for node-record-lpcm16 (its `recorder` option accepts a module path): the library's own sox,
 * rec and arecord command lines, plus the environment they need for a chosen device and driver (AUDIODEV and
 * AUDIODRIVER for sox/rec; the library sets AUDIODEV only for sox and never the driver).
 */
import * as path from 'path';

interface RecorderOptions {
  program: 'sox' | 'rec' | 'arecord';
  device?: string;
  driver?: string;
  sampleRate: number;
  channels: number;
  audioType: string;
}

type RecorderModule = (options: RecorderOptions) => {
  cmd: string;
  args: string[];
  spawnOptions?: { env?: NodeJS.ProcessEnv };
};

function libraryRecorder(program: string): RecorderModule {
  const folder = path.dirname(require.resolve('node-record-lpcm16'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(folder, 'recorders', program)) as RecorderModule;
}

export = (
  options: RecorderOptions,
): { cmd: string; args: string[]; spawnOptions: { env: NodeJS.ProcessEnv } } => {
  const base = libraryRecorder(options.program)({
    ...options,
    device: options.program === 'arecord' ? options.device : undefined,
  });
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.program !== 'arecord') {
    if (options.device) env.AUDIODEV = options.device;
    if (options.driver) env.AUDIODRIVER = options.driver;
  }
  return { cmd: base.cmd, args: base.args.map(String), spawnOptions: { env } };
};

/**
 * A real audio device made in software for the capture tests: PulseAudio (as root, not --system) with a null
 * sink "cry" at 16 kHz mono whose monitor is the default source. One parec reader stays attached so the null
 * sink runs in small blocks (without it, it works in 2 s blocks). Started per test file and stopped after.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as fs from 'fs';
import { tempDir } from './fixtures';

export interface PulseDevice {
  readonly runtimeDir: string;
  /** Plays a WAV file into the sink; resolves when paplay exits. */
  play(file: string): Promise<void>;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Throws one plain sentence naming the Debian package when a program the tests need is not installed. */
export function requirePrograms(programs: Readonly<Record<string, string>>): void {
  const missing = Object.entries(programs).filter(
    ([program]) => spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length) {
    throw new Error(
      `these tests need ${missing.map(([program]) => program).join(', ')} (apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(' ')})`,
    );
  }
}

/** Starts the device and points this process's children at it (XDG_RUNTIME_DIR). */
export async function startPulseDevice(): Promise<PulseDevice> {
  requirePrograms({
    pulseaudio: 'pulseaudio',
    pactl: 'pulseaudio-utils',
    parec: 'pulseaudio-utils',
    paplay: 'pulseaudio-utils',
  });
  const runtimeDir = tempDir('cry-baby-pulse-');
  fs.chmodSync(runtimeDir, 0o700);
  const previous = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = runtimeDir;
  const env = { ...process.env, XDG_RUNTIME_DIR: runtimeDir, HOME: runtimeDir };
  const daemon = spawn(
    'pulseaudio',
    [
      '-n',
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--disallow-exit',
      '--log-target=stderr',
      '--load=module-native-protocol-unix',
      '--load=module-null-sink sink_name=cry rate=16000 channels=1',
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // A spawn failure arrives as an 'error' event: without a listener it would end the whole test run.
  let spawnError: Error | undefined;
  daemon.on('error', (error) => (spawnError = error));
  let log = '';
  daemon.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-2000)));
  const deadline = Date.now() + 15000;
  for (;;) {
    if (spawnError) throw new Error(`pulseaudio could not start: ${spawnError.message}`);
    if (daemon.exitCode !== null) throw new Error(`pulseaudio exited: ${log}`);
    if (spawnSync('pactl', ['info'], { env, stdio: 'ignore' }).status === 0) break;
    if (Date.now() > deadline) throw new Error(`pulseaudio did not come up: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const args of [
    ['set-default-sink', 'cry'],
    ['set-default-source', 'cry.monitor'],
  ]) {
    const result = spawnSync('pactl', args, { env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`pactl ${args.join(' ')}: ${result.stderr}`);
  }
  const reader = spawn('parec', ['--latency-msec=10', '-d', 'cry.monitor'], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  reader.on('error', () => undefined);
  reader.stdout?.resume();
  return {
    runtimeDir,
    play: (file) =>
      new Promise((resolve, reject) => {
        const player = spawn('paplay', ['-d', 'cry', file], { env, stdio: 'ignore' });
        player.on('error', reject);
        player.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`paplay exited ${code}`))));
      }),
    async stop() {
      reader.kill('SIGKILL');
      daemon.kill('SIGTERM');
      await Promise.all([exited(reader), exited(daemon)]);
      if (previous === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = previous;
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

/** Pids of this process's children running `program`. */
export function childPids(program: string): number[] {
  const result = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, comm]) => comm === program)
    .map(([pid]) => Number(pid));
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Normalised cross-correlation peak of `needle` inside `haystack` (1 = identical up to gain). */
export function correlationPeak(haystack: Float32Array, needle: Float32Array): { peak: number; lag: number } {
  let needleEnergy = 0;
  for (const v of needle) needleEnergy += v * v;
  let best = { peak: 0, lag: -1 };
  let energy = 0;
  for (let i = 0; i < needle.length && i < haystack.length; i++) energy += haystack[i] * haystack[i];
  for (let lag = 0; lag + needle.length <= haystack.length; lag++) {
    if (lag > 0) energy += haystack[lag + needle.length - 1] ** 2 - haystack[lag - 1] ** 2;
    let dot = 0;
    for (let i = 0; i < needle.length; i++) dot += haystack[lag + i] * needle[i];
    const value = energy > 0 ? dot / Math.sqrt(energy * needleEnergy) : 0;
    if (value > best.peak) best = { peak: value, lag };
  }
  return best;
}

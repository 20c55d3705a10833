/**
 * A recorder child process under a watchdog: restarts it with exponential backoff when it exits, fails to
 * start, or delivers no data for `noDataTimeoutMs`; kills it (SIGTERM, then SIGKILL after `killGraceMs`, since sox
 * can hang on SIGTERM when its source gives no data) on stop. A missing program is reported once, with the
 * package to install, and not retried in a loop.
 */
import type { ChildProcess } from 'child_process';
import { redactCredentials } from '../describe';
import type { Readable } from 'stream';

/** A started recorder: its process and the stream of raw PCM it writes. */
export interface SpawnedRecorder {
  readonly child: ChildProcess;
  readonly stdout: Readable;
}

/** What the supervisor tells its owner. */
export type CaptureEvent =
  | { readonly kind: 'starting'; readonly attempt: number }
  | { readonly kind: 'listening'; readonly pid: number | undefined }
  | { readonly kind: 'restarting'; readonly reason: string; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'stopped' };

/** Settings of a supervised capture. */
export interface SupervisorSettings {
  readonly spawn: () => SpawnedRecorder;
  /** The program's name and the Debian package that provides it, for the "not installed" message. */
  readonly program: string;
  readonly packageHint: string;
  /** Turns the recorder's last error output into a sentence for the user (e.g. "no microphone found"). */
  readonly explain?: (stderr: string) => string | undefined;
  readonly noDataTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly killGraceMs?: number;
  readonly onData: (chunk: Buffer) => void;
  readonly onEvent: (event: CaptureEvent) => void;
}

/** Control of a supervised capture. */
export interface SupervisedCapture {
  start(): void;
  /** Stops and resolves once the child process has exited. */
  stop(): Promise<void>;
  /** The current child's pid (for tests and diagnostics). */
  readonly pid: number | undefined;
}

/** Creates a supervised capture (not started). */
export function createSupervisedCapture(settings: SupervisorSettings): SupervisedCapture {
  const noDataTimeout = settings.noDataTimeoutMs ?? 5000;
  const initialBackoff = settings.initialBackoffMs ?? 500;
  const maxBackoff = settings.maxBackoffMs ?? 30000;
  const killGrace = settings.killGraceMs ?? 2000;
  let wanted = false;
  let current: SpawnedRecorder | undefined;
  let backoff = initialBackoff;
  let restartTimer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let lastData = 0;
  let dataSince = 0;
  let starts = 0;
  let exited: Promise<void> = Promise.resolve();

  const clearTimers = () => {
    if (restartTimer) clearTimeout(restartTimer);
    if (watchdog) clearInterval(watchdog);
    restartTimer = undefined;
    watchdog = undefined;
  };

  const kill = (recorder: SpawnedRecorder): Promise<void> =>
    new Promise((resolve) => {
      const { child } = recorder;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
      const forced = setTimeout(() => child.kill('SIGKILL'), killGrace);
      child.once('close', () => {
        clearTimeout(forced);
        resolve();
      });
      child.kill('SIGTERM');
    });

  const scheduleRestart = (reason: string) => {
    if (!wanted || restartTimer) return;
    if (dataSince && Date.now() - dataSince > 10000) backoff = initialBackoff;
    const delay = backoff;
    backoff = Math.min(maxBackoff, backoff * 2);
    settings.onEvent({ kind: 'restarting', reason: redactCredentials(reason), delayMs: delay });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      launch();
    }, delay);
  };

  const launch = () => {
    if (!wanted) return;
    starts++;
    settings.onEvent({ kind: 'starting', attempt: starts });
    let recorder: SpawnedRecorder;
    try {
      recorder = settings.spawn();
    } catch (error) {
      scheduleRestart(`could not start ${settings.program}: ${(error as Error).message}`);
      return;
    }
    current = recorder;
    let settled = false;
    let stderr = '';
    let resolveExit: () => void = () => undefined;
    exited = new Promise((resolve) => (resolveExit = resolve));
    lastData = Date.now();
    dataSince = 0;
    recorder.child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    recorder.stdout.on('error', () => undefined);
    recorder.stdout.on('data', (chunk: Buffer) => {
      if (recorder !== current || settled) return;
      lastData = Date.now();
      if (!dataSince) {
        // A recorder started with the wrong driver or options may print its usage text on stdout and exit:
        // that is a failed start, not audio.
        if (looksLikeText(chunk)) {
          const line = chunk.toString('latin1').trim().split('\n')[0].slice(0, 80);
          finished(
            `${settings.program} printed text instead of audio ("${line}"): check the recorder, device and driver`,
            false,
          );
          void kill(recorder);
          return;
        }
        dataSince = lastData;
        settings.onEvent({ kind: 'listening', pid: recorder.child.pid });
      }
      settings.onData(chunk);
    });
    const finished = (reason: string, permanent: boolean) => {
      if (settled) return;
      settled = true;
      resolveExit();
      if (recorder !== current) return;
      current = undefined;
      if (!wanted) return;
      if (permanent) {
        wanted = false;
        clearTimers();
        settings.onEvent({ kind: 'failed', reason: redactCredentials(reason) });
      } else scheduleRestart(reason);
    };
    recorder.child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        finished(
          `the "${settings.program}" program is not installed (Debian/Ubuntu: apt-get install ${settings.packageHint})`,
          true,
        );
      } else finished(`${settings.program}: ${error.message}`, false);
    });
    recorder.child.on('close', (code, signal) => {
      const detail = stderr.trim().split('\n').pop() ?? '';
      const explained = settings.explain?.(stderr);
      finished(
        explained ?? `${settings.program} exited (${signal ?? `code ${code}`})${detail ? `: ${detail}` : ''}`,
        false,
      );
    });
  };

  return {
    get pid() {
      return current?.child.pid;
    },
    start() {
      if (wanted) return;
      wanted = true;
      backoff = initialBackoff;
      launch();
      watchdog = setInterval(
        () => {
          if (current && Date.now() - lastData > noDataTimeout) {
            const stale = current;
            current = undefined;
            void kill(stale);
            scheduleRestart(`no audio from ${settings.program} for ${Math.round(noDataTimeout / 1000)} s`);
          }
        },
        Math.min(1000, noDataTimeout / 2),
      );
    },
    async stop() {
      wanted = false;
      clearTimers();
      const recorder = current;
      // This recorder's exit: a start right after the stop makes a new one, which this stop must not wait for.
      const ended = exited;
      current = undefined;
      if (recorder) await kill(recorder);
      await ended;
      if (!wanted) settings.onEvent({ kind: 'stopped' });
    },
  };
}

/**
 * True when the first bytes a recorder sends are printable text (letters, digits, punctuation and white space
 * only, 16 bytes or more): 16-bit PCM almost never is, a usage message always is.
 */
export function looksLikeText(chunk: Buffer): boolean {
  const head = chunk.subarray(0, 512);
  if (head.length < 16) return false;
  for (const byte of head) {
    if (!(byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte <= 126))) return false;
  }
  return true;
}

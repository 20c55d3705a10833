import * as assert from 'assert';
import { spawn } from 'child_process';
import { createSupervisedCapture, CaptureEvent } from '../src/core/capture/supervisor';
import { explainMicFailure } from '../src/core/capture/recorders';
import { processExists } from './pulse-device';

function shell(script: string) {
  return () => {
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (!child.stdout) throw new Error('no stdout');
    return { child, stdout: child.stdout };
  };
}

function waitFor(
  events: CaptureEvent[],
  predicate: (e: CaptureEvent) => boolean,
  ms = 10000,
): Promise<CaptureEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const found = events.find(predicate);
      if (found) return resolve(found);
      if (Date.now() - started > ms)
        return reject(new Error(`event not seen; got ${events.map((e) => e.kind).join(',')}`));
      setTimeout(check, 20);
    };
    check();
  });
}

describe('recorder supervisor (real child processes)', function () {
  this.timeout(20000);

  it('explains a missing microphone and restarts with growing delays', async () => {
    const events: CaptureEvent[] = [];
    const capture = createSupervisedCapture({
      spawn: shell('echo "sox FAIL sox: Sorry, there is no default audio device configured" >&2; exit 2'),
      program: 'sox',
      packageHint: 'sox',
      explain: explainMicFailure,
      initialBackoffMs: 50,
      onData: () => undefined,
      onEvent: (e) => events.push(e),
    });
    capture.start();
    await waitFor(events, (e) => e.kind === 'restarting' && e.delayMs >= 200);
    await capture.stop();
    const restarts = events.filter(
      (e): e is Extract<CaptureEvent, { kind: 'restarting' }> => e.kind === 'restarting',
    );
    assert.match(restarts[0].reason, /no microphone found .*no default audio device/);
    assert.deepStrictEqual(
      restarts.slice(0, 3).map((e) => e.delayMs),
      [50, 100, 200],
    );
  });

  it('restarts a recorder that delivers no data, and kills it (SIGKILL if SIGTERM is ignored) on stop', async () => {
    const events: CaptureEvent[] = [];
    const chunks: Buffer[] = [];
    const capture = createSupervisedCapture({
      spawn: shell('trap "" TERM; printf abcd; exec sleep 30'),
      program: 'stuck',
      packageHint: 'none',
      noDataTimeoutMs: 600,
      initialBackoffMs: 50,
      killGraceMs: 300,
      onData: (c) => chunks.push(c),
      onEvent: (e) => events.push(e),
    });
    capture.start();
    const restart = (await waitFor(events, (e) => e.kind === 'restarting')) as Extract<
      CaptureEvent,
      { kind: 'restarting' }
    >;
    assert.match(restart.reason, /no audio from stuck for 1 s/);
    await waitFor(events, (e) => e.kind === 'starting' && e.attempt === 2);
    await waitFor(events, () => chunks.length >= 2);
    const pid = capture.pid;
    assert.ok(pid && processExists(pid));
    await capture.stop();
    assert.ok(!processExists(pid), 'recorder gone after stop');
    assert.strictEqual(events[events.length - 1].kind, 'stopped');
  });

  it('a recorder that prints its usage text on stdout is a failed start, never "listening"', async () => {
    const events: CaptureEvent[] = [];
    const chunks: Buffer[] = [];
    const capture = createSupervisedCapture({
      spawn: shell(
        'printf "sox: SoX v14.4.2\\n\\nUsage summary: [gopts] [[fopts] infile]... [fopts] outfile\\n"; exec sleep 30',
      ),
      program: 'sox',
      packageHint: 'sox',
      initialBackoffMs: 50,
      killGraceMs: 300,
      onData: (c) => chunks.push(c),
      onEvent: (e) => events.push(e),
    });
    capture.start();
    const restart = (await waitFor(events, (e) => e.kind === 'restarting')) as Extract<
      CaptureEvent,
      { kind: 'restarting' }
    >;
    await capture.stop();
    assert.match(restart.reason, /sox printed text instead of audio \("sox: SoX v14\.4\.2"\)/);
    assert.ok(!events.some((e) => e.kind === 'listening'), 'never reported as listening');
    assert.strictEqual(chunks.length, 0, 'the text never reaches the audio path');
  });

  it('a stop followed at once by a start resolves with its own recorder, not at the next stop', async () => {
    const events: CaptureEvent[] = [];
    const capture = createSupervisedCapture({
      spawn: shell('exec sleep 30'),
      program: 'sleeper',
      packageHint: 'none',
      noDataTimeoutMs: 60000,
      killGraceMs: 300,
      onData: () => undefined,
      onEvent: (e) => events.push(e),
    });
    capture.start();
    await waitFor(events, (e) => e.kind === 'starting');
    const started = Date.now();
    const stopped = capture.stop();
    capture.start();
    await stopped;
    assert.ok(Date.now() - started < 2000, `stop resolved after ${Date.now() - started} ms`);
    assert.ok(capture.pid && processExists(capture.pid), 'the new recorder runs');
    assert.ok(!events.some((e) => e.kind === 'stopped'), 'no "stopped" while running again');
    await capture.stop();
  });
});

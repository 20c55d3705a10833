/**
 * Decoding a long recording in pieces, so that memory stays flat however long it is: `sox` writes the file as
 * 32-bit float mono at the wanted rate to a pipe (resampling with its own `rate` effect when the file's rate
 * differs) and each piece is handed on as it arrives, with back-pressure (the pipe waits while a piece is handled).
 */
import { spawn } from 'child_process';

/** Calls `onSamples` with consecutive pieces of the file's audio; resolves with the number of samples. */
export function decodeAudioInPieces(
  file: string,
  sampleRate: number,
  onSamples: (samples: Float32Array) => Promise<void>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'sox',
      [file, '-t', 'raw', '-e', 'floating-point', '-b', '32', '-c', '1', '-r', String(sampleRate), '-'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let total = 0;
    let carry = Buffer.alloc(0);
    let failed: Error | undefined;
    let work = Promise.resolve();
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.stdout.on('data', (chunk: Buffer) => {
      const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % 4);
      carry = Buffer.from(bytes.subarray(whole));
      if (!whole) return;
      const samples = new Float32Array(whole / 4);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readFloatLE(i * 4);
      total += samples.length;
      child.stdout.pause();
      work = work
        .then(() => (failed ? undefined : onSamples(samples)))
        .catch((error: unknown) => {
          failed ??= error instanceof Error ? error : new Error(String(error));
          child.kill();
        })
        .finally(() => child.stdout.resume());
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('the "sox" program is needed to decode this file (Debian/Ubuntu: apt-get install sox)')
          : error,
      ),
    );
    child.on('close', (code) => {
      void work.then(() => {
        if (failed) reject(failed);
        else if (code === 0) resolve(total);
        else reject(new Error(`sox could not decode ${file} (exit ${code}): ${stderr.trim()}`));
      });
    });
  });
}

/**
 * Decoding of audio files other than WAV (FLAC, MP3, OGG…) through the `sox` program, which the README lists
 * as a system requirement. WAV files are read directly.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import { readWav, DecodedWav } from './wav';

/** Reads any audio file sox understands, mono, at its native sample rate. */
export async function decodeAudioFile(path: string): Promise<DecodedWav> {
  if (/\.wav$/i.test(path)) return readWav(await fs.promises.readFile(path));
  const bytes = await runSoxToWav(path);
  return readWav(bytes);
}

function runSoxToWav(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('sox', [path, '-t', 'wav', '-e', 'signed-integer', '-b', '16', '-c', '1', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('the "sox" program is needed to decode this file (Debian/Ubuntu: apt-get install sox)')
          : error,
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`sox could not decode ${path} (exit ${code}): ${stderr.trim()}`));
    });
  });
}

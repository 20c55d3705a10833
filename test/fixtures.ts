import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The shared folder that sits beside the checkout (../shared), found from the compiled or source test file. */
export function sharedDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, '..', 'shared');
    if (fs.existsSync(path.join(candidate, 'fixtures'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('../shared (fixtures and training data) not found beside the checkout');
}

/** The project root (where package.json is). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

export const librosaDir = (): string => path.join(sharedDir(), 'fixtures', 'librosa');

export interface LibrosaFixture {
  mel_power: (number | null)[][];
  mel_db: (number | null)[][];
  mel_norm: (number | null)[][];
  meta: { input: { samplerate: number }; stats: { std: number } };
}

export function loadFixture(name: string): LibrosaFixture {
  return JSON.parse(fs.readFileSync(path.join(librosaDir(), `${name}.mel.json`), 'utf8')) as LibrosaFixture;
}

const madeByThisRun: string[] = [];

/** A fresh temporary folder, removed when the whole test run ends (whatever the test did with it). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeByThisRun.push(dir);
  return dir;
}

function removeMadeFolders(): void {
  for (const dir of madeByThisRun.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// A root-level hook when mocha loads this module (every run leaves /tmp as it found it); the benchmarks, which
// use the same helpers outside mocha, remove the folders when the process exits.
if (typeof after === 'function') after(removeMadeFolders);
else process.once('exit', removeMadeFolders);

/**
 * Getting the YAMNet file onto a parent's machine once: from the official URL (or a URL or file the user names;
 * Kaggle serves the model as a .tar.gz holding `1.tflite`, which is unpacked here), checked against the pinned
 * sha256 and size, written to a temporary file beside the target and renamed into place
 * (so a half-written file never carries the final name), then used offline for good.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { redactCredentials } from '../../describe';
import { DEFAULT_YAMNET_RELEASE, YamnetRelease } from './yamnet-file';

/** Where Cry Baby keeps fetched models outside Node-RED (`$XDG_CACHE_HOME/cry-baby/models`, else ~/.cache/…). */
export function cacheModelDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return path.join(base, 'cry-baby', 'models');
}

/** Where a Node-RED user directory keeps them (`<userDir>/cry-baby/models`). */
export function userDirModelDir(userDir: string): string {
  return path.join(userDir, 'cry-baby', 'models');
}

/**
 * The places a YAMNet file is looked for, in order: the explicit path, `$CRY_BABY_YAMNET`, the Node-RED user
 * directory's model folder, the cache folder.
 */
export function yamnetCandidates(
  options: { explicit?: string; userDir?: string; env?: NodeJS.ProcessEnv; release?: YamnetRelease } = {},
): string[] {
  const env = options.env ?? process.env;
  const release = options.release ?? DEFAULT_YAMNET_RELEASE;
  const out: string[] = [];
  if (options.explicit?.trim()) out.push(path.resolve(options.explicit.trim()));
  if (env.CRY_BABY_YAMNET?.trim()) out.push(path.resolve(env.CRY_BABY_YAMNET.trim()));
  if (options.userDir) out.push(path.join(userDirModelDir(options.userDir), release.fileName));
  out.push(path.join(cacheModelDir(env), release.fileName));
  return out;
}

/** The first candidate that exists, or undefined. */
export function findYamnetFile(options: Parameters<typeof yamnetCandidates>[0] = {}): string | undefined {
  return yamnetCandidates(options).find((candidate) => fs.existsSync(candidate));
}

/** What to fetch and where. */
export interface FetchOptions {
  /** Folder to write into (created if missing). */
  readonly dir: string;
  /** A URL (http/https) or a local file to take the model from instead of the official URLs. */
  readonly from?: string;
  readonly release?: YamnetRelease;
  /** Gives up on a URL after this many milliseconds without completing (default 120 s). */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Stops the download (a closing node). */
  readonly signal?: AbortSignal;
}

/**
 * Fetches and verifies the file; resolves to its final path. Already present with the right hash: nothing is
 * downloaded. Every failure is one sentence naming the cause, and leaves nothing behind.
 */
export async function fetchYamnet(options: FetchOptions): Promise<string> {
  const release = options.release ?? DEFAULT_YAMNET_RELEASE;
  const target = path.join(options.dir, release.fileName);
  const log = options.log ?? (() => undefined);
  if (fs.existsSync(target) && (await fileSha256(target)) === release.sha256) {
    log(`${target} is already there and verified`);
    return target;
  }
  fs.mkdirSync(options.dir, { recursive: true });
  const sources = options.from ? [options.from] : release.urls;
  const failures: string[] = [];
  for (const source of sources) {
    const temporary = `${target}.part-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    try {
      log(`fetching ${release.fileName} from ${redactCredentials(source)}`);
      const bytes = /^https?:\/\//i.test(source)
        ? await download(source, options.timeoutMs ?? 120000, options.signal)
        : readLocal(source);
      const model = unpack(bytes, source);
      verify(model, release, source);
      fs.writeFileSync(temporary, model, { flag: 'wx' });
      fs.renameSync(temporary, target);
      log(`verified sha256 ${release.sha256}; saved ${target}`);
      return target;
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      failures.push((error as Error).message);
    }
  }
  throw new Error(failures.length === 1 ? failures[0] : `could not fetch YAMNet: ${failures.join('; ')}`);
}

/**
 * The model file inside what was fetched: the bytes themselves, or the first `.tflite` of a gzipped tar (ustar:
 * 512-byte headers, the name at 0, the size in octal at 124, contents padded to 512 bytes).
 */
export function unpack(bytes: Buffer, source: string): Buffer {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(bytes);
  } catch (error) {
    throw new Error(`${source} gave a broken .tar.gz: ${(error as Error).message}`);
  }
  for (let at = 0; at + 512 <= tar.length;) {
    const name = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(
      tar
        .toString('latin1', at + 124, at + 136)
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (!Number.isFinite(size) || at + 512 + size > tar.length) break;
    if (name.endsWith('.tflite')) return tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${source} gave an archive with no .tflite file in it`);
}

function readLocal(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
}

function verify(bytes: Buffer, release: YamnetRelease, source: string): void {
  if (bytes.byteLength !== release.bytes) {
    throw new Error(
      `${source} gave ${bytes.byteLength} bytes, expected ${release.bytes} (${bytes.byteLength < release.bytes ? 'truncated' : 'not the pinned file'})`,
    );
  }
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== release.sha256) {
    throw new Error(
      `${source} gave a file with sha256 ${sha256}, expected ${release.sha256}: not the pinned YAMNet file`,
    );
  }
}

async function download(url: string, timeoutMs: number, stop?: AbortSignal): Promise<Buffer> {
  let response: Response;
  const signal = stop
    ? AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)])
    : AbortSignal.timeout(timeoutMs);
  try {
    response = await fetch(url, {
      redirect: 'follow',
      signal,
      headers: { 'user-agent': 'cry-baby (node-red-contrib-cry-baby)' },
    });
  } catch (error) {
    throw new Error(`cannot reach ${redactCredentials(url)}: ${causeOf(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(
      `${redactCredentials(url)} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    );
  }
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new Error(`the download from ${redactCredentials(url)} broke off: ${causeOf(error)}`);
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host not found (no internet?)';
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  if ((error as Error).name === 'AbortError') return 'stopped';
  return cause?.message ?? cause?.code ?? (error as Error).message;
}

async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

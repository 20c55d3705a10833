/** Audio files as a source of analysis windows: one file or every audio file of a folder, at 16 kHz. */
import * as fs from 'fs';
import * as path from 'path';
import { decodeAudioFile } from './decode';
import { createResampler } from './resample';

const AUDIO_EXTENSIONS = /\.(wav|flac|mp3|ogg|oga|aiff?|au)$/i;

/** The audio files a path names: the file itself, or the folder's audio files sorted by name. */
export function listAudioFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new Error(`no such file or folder: ${target}`);
  }
  if (stat.isFile()) return [target];
  const files = fs
    .readdirSync(target)
    .filter((name) => AUDIO_EXTENSIONS.test(name))
    .sort()
    .map((name) => path.join(target, name));
  if (files.length === 0) throw new Error(`no audio files (.wav, .flac, .mp3, …) in ${target}`);
  return files;
}

/** Reads a file as mono samples at `sampleRate` (WAV directly, other formats through sox). */
export async function readAudioAt(file: string, sampleRate: number): Promise<Float32Array> {
  const decoded = await decodeAudioFile(file);
  if (decoded.sampleRate === sampleRate) return decoded.samples;
  return createResampler({ fromRate: decoded.sampleRate, toRate: sampleRate })(decoded.samples);
}

/**
 * Labelled-audio manifests: a CSV with at least `path` (relative to the manifest's folder) and `label`
 * (`cry` or `noncry`); every other column is kept for breakdowns. Also the group-held-out split used in training.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** One clip of a manifest. */
export interface ManifestRow {
  /** Absolute path of the audio file. */
  readonly file: string;
  /** Path as written in the manifest. */
  readonly path: string;
  readonly label: 'cry' | 'noncry';
  readonly columns: Readonly<Record<string, string>>;
}

/** Splits one CSV line (RFC 4180 quoting). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Reads a manifest; throws naming the line and the problem for malformed rows. */
export function readManifest(manifestPath: string): ManifestRow[] {
  const text = fs.readFileSync(manifestPath, 'utf8');
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error(`${manifestPath} is empty`);
  const header = parseCsvLine(lines[0]);
  const pathIndex = header.indexOf('path');
  const labelIndex = header.indexOf('label');
  if (pathIndex < 0 || labelIndex < 0) {
    throw new Error(`${manifestPath}: expected columns "path" and "label", found ${header.join(', ')}`);
  }
  const base = path.dirname(manifestPath);
  return lines.slice(1).map((line, i) => {
    const fields = parseCsvLine(line);
    const label = fields[labelIndex];
    if (label !== 'cry' && label !== 'noncry') {
      throw new Error(`${manifestPath} line ${i + 2}: label must be "cry" or "noncry", got "${label}"`);
    }
    const columns: Record<string, string> = {};
    header.forEach((name, k) => (columns[name] = fields[k] ?? ''));
    return { file: path.resolve(base, fields[pathIndex]), path: fields[pathIndex], label, columns };
  });
}

/**
 * The recording group of a clip, so that no recording, baby, app install, speaker or voice lands in both
 * training and validation: donateacry file names start with the app-install id; ESC-50 names are
 * fold-sourceId-take-class; Free Spoken Digit names are digit_speaker_n; other packaged sounds are grouped by
 * their folder in the source package (one voice, one language, one sound set), music by track.
 */
export function recordingGroup(row: ManifestRow): string {
  const name = path.basename(row.path).replace(/\.[^.]+$/, '');
  const source = row.columns.source ?? '';
  if (row.path.includes('donateacry')) return `donateacry:${name.slice(0, 36).toLowerCase()}`;
  const esc = /^(\d)-(\d+)-[A-Z]-\d+$/.exec(name);
  if (row.path.includes('esc50') && esc) return `esc50:fold${esc[1]}:${esc[2]}`;
  const fsdd = /^\d_([a-z]+)_\d+$/.exec(name);
  if (row.path.includes('fsdd') && fsdd) return `fsdd:${fsdd[1]}`;
  if ((row.columns.category ?? '') === 'music' || !source) return `file:${row.path}`;
  const inner = source.split(/[:!]/).pop() ?? source;
  return `dir:${source.split(':')[0]}:${path.dirname(inner)}`;
}

/**
 * Deterministic group-held-out split: ESC-50 fold 5 is validation (ESC-50's own folds already keep each
 * freesound source in one fold); every other group goes to validation when a hash of the group and the seed
 * falls in the lowest `validationShare`.
 */
export function splitOf(row: ManifestRow, seed: number, validationShare = 0.2): 'train' | 'validation' {
  const group = recordingGroup(row);
  const esc = /^esc50:fold(\d)/.exec(group);
  if (esc) return esc[1] === '5' ? 'validation' : 'train';
  const digest = crypto.createHash('sha256').update(`${seed}:${group}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < validationShare ? 'validation' : 'train';
}

/**
 * An append-only CSV log (RFC 4180: quoting, CRLF line ends): the header is written once, with the first row, in the same write;
 * every row is one append of a whole line, so a crash never leaves half a row and nothing already written is
 * rewritten. Rotation: none, daily (one file per local date) or by size (the full file is renamed .1, .2, …).
 */
import * as fs from 'fs';
import * as path from 'path';

/** Quotes a field when it holds a comma, quote, CR or LF. */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Settings of a CSV log. */
export interface CsvLogSettings {
  /** The log file, e.g. /data/cry-baby/predictions.csv (daily rotation inserts the date before .csv). */
  readonly file: string;
  readonly columns: readonly string[];
  readonly rotation: 'none' | 'daily' | 'size';
  readonly maxBytes?: number;
  readonly keepFiles?: number;
  /** Daily rotation: dated files older than this many days are deleted (default: kept for ever). */
  readonly keepDays?: number;
  /** Daily rotation: the oldest dated files are deleted while all of them together exceed this. */
  readonly maxTotalBytes?: number;
}

/** An append-only CSV log. */
export interface CsvLog {
  /** Appends one row; `when` (the host clock by default) picks the daily file. Resolves with the file written to. */
  append(row: Readonly<Record<string, unknown>>, when?: Date): Promise<string>;
  /** The file a row appended at `when` goes to. */
  fileFor(when: Date): string;
}

function localDate(when: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
}

/** Creates the log; files and folders are made on the first append. */
export function createCsvLog(settings: CsvLogSettings): CsvLog {
  const header = settings.columns.map(csvField).join(',') + '\r\n';
  const maxBytes = settings.maxBytes ?? 10 * 1024 * 1024;
  const keep = settings.keepFiles ?? 5;
  let chain: Promise<unknown> = Promise.resolve();
  const fileFor = (when: Date) =>
    settings.rotation === 'daily'
      ? settings.file.replace(/(\.csv)?$/i, `-${localDate(when)}.csv`)
      : settings.file;

  const rotate = async (file: string) => {
    const numbered = (n: number) => file.replace(/(\.csv)?$/i, `.${n}.csv`);
    await fs.promises.rm(numbered(keep), { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      await fs.promises.rename(numbered(n), numbered(n + 1)).catch(() => undefined);
    }
    await fs.promises.rename(file, numbered(1));
  };

  // Retention of daily files, run when a day's file is started: only files named <base>-YYYY-MM-DD.csv by this
  // log are ever deleted, oldest first, never the one being started.
  const dated = (() => {
    const base = path.basename(settings.file).replace(/(\.csv)?$/i, '');
    const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`^${escaped}-(\\d{4}-\\d\\d-\\d\\d)\\.csv$`);
  })();
  const retain = async (current: string, when: Date) => {
    if (
      settings.rotation !== 'daily' ||
      (settings.keepDays === undefined && settings.maxTotalBytes === undefined)
    )
      return;
    const folder = path.dirname(current);
    const names = (await fs.promises.readdir(folder)).filter((name) => dated.test(name)).sort();
    const files = await Promise.all(
      names.map(async (name) => ({
        name,
        file: path.join(folder, name),
        size: (await fs.promises.stat(path.join(folder, name))).size,
      })),
    );
    const oldestKept =
      settings.keepDays === undefined
        ? ''
        : localDate(new Date(when.getTime() - settings.keepDays * 86400000));
    let total = files.reduce((sum, f) => sum + f.size, 0);
    for (const f of files) {
      if (f.file === current) continue;
      const day = dated.exec(f.name)![1];
      if (day < oldestKept || (settings.maxTotalBytes !== undefined && total > settings.maxTotalBytes)) {
        await fs.promises.rm(f.file, { force: true });
        total -= f.size;
      }
    }
  };

  // One stat per row: its size says whether a header is due and whether the file must rotate first; only a
  // missing file makes its folder.
  const write = async (row: Readonly<Record<string, unknown>>, when: Date) => {
    const file = fileFor(when);
    const line = settings.columns.map((c) => csvField(row[c])).join(',') + '\r\n';
    let size = 0;
    try {
      size = (await fs.promises.stat(file)).size;
    } catch {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
    }
    if (settings.rotation === 'size' && size > 0 && size + Buffer.byteLength(line) > maxBytes) {
      await rotate(file);
      size = 0;
    }
    await fs.promises.appendFile(file, size === 0 ? header + line : line);
    if (size === 0) await retain(file, when);
    return file;
  };

  return {
    fileFor,
    append(row, when = new Date()) {
      const result = chain.then(() => write(row, when));
      chain = result.catch(() => undefined);
      return result;
    },
  };
}

/**
 * Pictures of a model on its evaluation streams (self-contained SVG, no plotting dependency): the window-level ROC
 * (windows inside a cry against every window of the non-cry streams) and a timeline of p(cry) with the threshold,
 * the cry and the episodes the real detector opened.
 */
import { createDetector, DetectionSettings } from '../detect/policy';
import { curvesSvg } from './plot';
import { operatingPoint, precisionRecallCurve, rocAuc, rocCurve, ScoredExample } from './metrics';
import type { ScoredStream } from './streams';

/** Window-level scores: inside a cry (whole window) = positive, any window of a non-cry stream = negative. */
export function streamWindowExamples(
  streams: readonly ScoredStream[],
  windowSeconds: number,
  hopSeconds: number,
): ScoredExample[] {
  const examples: ScoredExample[] = [];
  for (const stream of streams) {
    if (stream.kind === 'noncry') {
      for (const score of stream.probabilities) examples.push({ score, positive: false });
    } else if (stream.cry && stream.name === 'clean') {
      const { start, end } = stream.cry;
      stream.probabilities.forEach((score, i) => {
        const from = i * hopSeconds;
        if (from >= start && from + windowSeconds <= end) examples.push({ score, positive: true });
      });
    }
  }
  return examples;
}

function thin<T>(points: readonly T[], most: number): T[] {
  if (points.length <= most) return [...points];
  const step = points.length / most;
  const kept = Array.from({ length: most }, (_, i) => points[Math.floor(i * step)]);
  kept.push(points[points.length - 1]);
  return kept;
}

/** The ROC and precision-recall curves of the stream windows, the threshold marked. */
export function streamRocSvg(
  streams: readonly ScoredStream[],
  windowSeconds: number,
  hopSeconds: number,
  threshold: number,
  label: string,
): { svg: string; auc: number } {
  const examples = streamWindowExamples(streams, windowSeconds, hopSeconds);
  const auc = rocAuc(examples);
  const point = operatingPoint(examples, threshold);
  const positives = examples.filter((e) => e.positive).length;
  const svg = curvesSvg(
    thin(rocCurve(examples), 600),
    thin(precisionRecallCurve(examples), 600),
    `${label}: ${positives} cry windows, ${examples.length - positives} non-cry windows, ROC AUC ${auc.toFixed(3)}, threshold ${threshold} (red dot)`,
    { fpr: point.falsePositiveRate, recall: point.recall, precision: point.precision },
  );
  return { svg, auc };
}

/** One row of the timeline: up to `seconds` of a stream from its start. */
interface TimelineRow {
  readonly stream: ScoredStream;
  readonly seconds: number;
}

/** p(cry) over time per stream, the start threshold, the cry (grey) and the detector's episodes (red band). */
export function streamTimelineSvg(
  rows: readonly TimelineRow[],
  settings: DetectionSettings,
  windowSeconds: number,
  hopSeconds: number,
  title: string,
): string {
  const width = 900;
  const left = 170;
  const rowHeight = 70;
  const top = 30;
  const plotWidth = width - left - 20;
  const longest = Math.max(...rows.map((r) => r.seconds));
  const x = (t: number) => left + (t / longest) * plotWidth;
  const parts: string[] = [];
  rows.forEach(({ stream, seconds }, k) => {
    const y0 = top + k * rowHeight;
    const y = (p: number) => y0 + 50 - p * 50;
    const detector = createDetector(settings);
    const episodes: [number, number][] = [];
    let openedAt: number | undefined;
    const points: string[] = [];
    stream.probabilities.forEach((probability, i) => {
      const end = i * hopSeconds + windowSeconds;
      if (end > seconds) return;
      const event = detector.push({ probability, time: i * hopSeconds * 1000 });
      if (event?.kind === 'start') openedAt = end;
      if (event?.kind === 'stop' && openedAt !== undefined) {
        episodes.push([openedAt, end]);
        openedAt = undefined;
      }
      points.push(`${points.length ? 'L' : 'M'}${x(end).toFixed(1)},${y(probability).toFixed(1)}`);
    });
    if (openedAt !== undefined) episodes.push([openedAt, seconds]);
    if (stream.cry) {
      const from = Math.min(stream.cry.start, seconds);
      const to = Math.min(stream.cry.end, seconds);
      parts.push(`<rect x="${x(from)}" y="${y(1)}" width="${x(to) - x(from)}" height="50" fill="#ddd"/>`);
    }
    for (const [from, to] of episodes) {
      parts.push(
        `<rect x="${x(from)}" y="${y(1) - 8}" width="${Math.max(1, x(to) - x(from))}" height="6" fill="#d62728"/>`,
      );
    }
    parts.push(
      `<rect x="${x(0)}" y="${y(1)}" width="${plotWidth}" height="50" fill="none" stroke="#333"/>`,
      `<line x1="${x(0)}" y1="${y(settings.onThreshold)}" x2="${x(longest)}" y2="${y(settings.onThreshold)}" stroke="#ff7f0e" stroke-dasharray="4 3"/>`,
      `<path d="${points.join(' ')}" fill="none" stroke="#1f77b4" stroke-width="1.2"/>`,
      `<text x="${left - 8}" y="${y(0.5) + 4}" font-size="11" text-anchor="end">${escape(stream.cry ? `cry (${stream.cry.source})` : stream.name)}</text>`,
    );
  });
  const height = top + rows.length * rowHeight + 30;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${x(f * longest)}" y="${height - 12}" font-size="10" text-anchor="middle">${Math.round(f * longest)} s</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${width / 2}" y="18" font-size="13" text-anchor="middle">${escape(title)}</text>` +
    parts.join('') +
    ticks +
    `</svg>\n`
  );
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

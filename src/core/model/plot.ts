/** A self-contained SVG of the validation ROC and precision-recall curves (no plotting dependency). */

/** Draws both curves side by side. */
export function curvesSvg(
  roc: readonly { fpr: number; tpr: number }[],
  pr: readonly { recall: number; precision: number }[],
  title: string,
  operating: { fpr: number; recall: number; precision: number },
): string {
  const size = 300;
  const margin = 45;
  const panel = (
    offsetX: number,
    points: [number, number][],
    xLabel: string,
    yLabel: string,
    heading: string,
    dot: [number, number],
  ) => {
    const x = (v: number) => offsetX + margin + v * size;
    const y = (v: number) => margin + (1 - v) * size;
    const path = points.map(([a, b], i) => `${i ? 'L' : 'M'}${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ');
    const ticks = [0, 0.25, 0.5, 0.75, 1]
      .map(
        (t) =>
          `<text x="${x(t)}" y="${y(0) + 15}" font-size="10" text-anchor="middle">${t}</text>` +
          `<text x="${x(0) - 6}" y="${y(t) + 3}" font-size="10" text-anchor="end">${t}</text>` +
          `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="#eee"/>` +
          `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#eee"/>`,
      )
      .join('');
    return (
      `<g>${ticks}<rect x="${x(0)}" y="${y(1)}" width="${size}" height="${size}" fill="none" stroke="#333"/>` +
      `<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>` +
      `<circle cx="${x(dot[0])}" cy="${y(dot[1])}" r="4" fill="#d62728"/>` +
      `<text x="${x(0.5)}" y="${y(0) + 32}" font-size="12" text-anchor="middle">${xLabel}</text>` +
      `<text x="${offsetX + 12}" y="${y(0.5)}" font-size="12" text-anchor="middle" transform="rotate(-90 ${offsetX + 12} ${y(0.5)})">${yLabel}</text>` +
      `<text x="${x(0.5)}" y="${margin - 10}" font-size="13" text-anchor="middle">${heading}</text></g>`
    );
  };
  const width = 2 * (size + 2 * margin);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${size + 2 * margin + 30}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    panel(
      0,
      roc.map((p) => [p.fpr, p.tpr]),
      'false-positive rate',
      'true-positive rate',
      'ROC',
      [operating.fpr, operating.recall],
    ) +
    panel(
      size + 2 * margin,
      pr.map((p) => [p.recall, p.precision]),
      'recall',
      'precision',
      'Precision-recall',
      [operating.recall, operating.precision],
    ) +
    `<text x="${width / 2}" y="${size + 2 * margin + 22}" font-size="12" text-anchor="middle">${title}</text></svg>\n`
  );
}

// Tiny inline-SVG chart helpers for the HTML report (no dependency: the report must open offline).

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function fmt(v: number | null | undefined, digits = 4): string {
  // Values that went through JSON may arrive as null or "NaN" strings.
  if (typeof v !== 'number' || Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(digits + 2)).toString();
}

/** Keeps at most `max` points of a curve (evenly spaced indices, endpoints kept). */
export function thin(xs: ArrayLike<number>, ys: ArrayLike<number>, max = 400): Array<[number, number]> {
  const n = xs.length;
  const out: Array<[number, number]> = [];
  if (n <= max) {
    for (let i = 0; i < n; i++) out.push([xs[i]!, ys[i]!]);
    return out;
  }
  for (let k = 0; k < max; k++) {
    const i = Math.round((k * (n - 1)) / (max - 1));
    out.push([xs[i]!, ys[i]!]);
  }
  return out;
}

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

const W = 360;
const H = 300;
const PAD = { l: 44, r: 12, t: 24, b: 36 };

/** A line chart over the unit square [0,1]x[0,1] (ROC, KS), with optional vertical marker. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], marker?: { x: number; y0: number; y1: number; label: string }): string {
  const pw = W - PAD.l - PAD.r;
  const ph = H - PAD.t - PAD.b;
  const sx = (x: number): number => PAD.l + x * pw;
  const sy = (y: number): number => PAD.t + (1 - y) * ph;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (g) =>
        `<line x1="${sx(0)}" y1="${sy(g)}" x2="${sx(1)}" y2="${sy(g)}" class="grid"/><text x="${sx(0) - 6}" y="${sy(g) + 4}" text-anchor="end">${g}</text>` +
        `<line x1="${sx(g)}" y1="${sy(0)}" x2="${sx(g)}" y2="${sy(1)}" class="grid"/><text x="${sx(g)}" y="${sy(0) + 14}" text-anchor="middle">${g}</text>`,
    )
    .join('');
  const lines = series
    .map((s) => {
      const pts = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="4 4"' : ''} points="${pts}"/>`;
    })
    .join('');
  const legend = series
    .map((s, i) => `<rect x="${sx(0.55)}" y="${sy(0.22) + i * 15 - 8}" width="10" height="3" fill="${s.color}"/><text x="${sx(0.55) + 14}" y="${sy(0.22) + i * 15 - 4}">${escapeHtml(s.name)}</text>`)
    .join('');
  const mark =
    marker === undefined
      ? ''
      : `<line x1="${sx(marker.x)}" y1="${sy(marker.y0)}" x2="${sx(marker.x)}" y2="${sy(marker.y1)}" stroke="#d62728" stroke-width="2"/>` +
        `<text x="${sx(marker.x) + 4}" y="${sy((marker.y0 + marker.y1) / 2)}" fill="#d62728">${escapeHtml(marker.label)}</text>`;
  return (
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${W / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(title)}</text>${grid}${lines}${mark}${legend}` +
    `<text x="${sx(0.5)}" y="${H - 4}" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text transform="translate(12 ${sy(0.5)}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text></svg>`
  );
}

/** Vertical bars (residual histogram). */
export function barChart(title: string, labels: string[], values: number[]): string {
  const pw = W - PAD.l - PAD.r;
  const ph = H - PAD.t - PAD.b;
  const max = Math.max(1, ...values);
  const bw = pw / Math.max(1, values.length);
  const bars = values
    .map((v, i) => {
      const h = (v / max) * ph;
      const x = PAD.l + i * bw;
      return `<rect x="${(x + 1).toFixed(1)}" y="${(PAD.t + ph - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#1f77b4"><title>${escapeHtml(labels[i] ?? '')}: ${v}</title></rect>`;
    })
    .join('');
  const ticks = labels
    .map((l, i) => (i % Math.ceil(labels.length / 5) === 0 ? `<text x="${PAD.l + i * bw + bw / 2}" y="${H - 18}" text-anchor="middle">${escapeHtml(l)}</text>` : ''))
    .join('');
  return (
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${W / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(title)}</text>` +
    `<line x1="${PAD.l}" y1="${PAD.t + ph}" x2="${PAD.l + pw}" y2="${PAD.t + ph}" class="grid"/>` +
    `<text x="${PAD.l - 6}" y="${PAD.t + 4}" text-anchor="end">${max}</text>${bars}${ticks}</svg>`
  );
}

/** Horizontal bars with labels (stage timings). */
export function hbarChart(rows: Array<{ label: string; value: number; unit: string }>): string {
  const max = Math.max(1e-9, ...rows.map((r) => r.value));
  const rowH = 22;
  const h = rows.length * rowH + 8;
  const labelW = 170;
  const barW = 320;
  const body = rows
    .map((r, i) => {
      const w = (r.value / max) * barW;
      const y = 4 + i * rowH;
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(r.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="14" fill="#2ca02c"/><text x="${labelW + w + 4}" y="${y + 14}">${fmt(r.value, 3)} ${escapeHtml(r.unit)}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${labelW + barW + 90} ${h}" width="${labelW + barW + 90}" height="${h}" role="img" aria-label="stage timings">${body}</svg>`;
}

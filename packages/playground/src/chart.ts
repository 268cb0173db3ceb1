/**
 * A small line chart as SVG markup: every tick label, the series names and their last values are
 * SVG text (readable by screen readers and tests), the lines are paths. A log scale on y suits loss
 * curves that fall over several decades.
 * @module
 */
import { fmt, fmtShort } from './format.js';

/**
 * One line of a chart.
 * @example
 * `{ name: 'loss', color: '#1971c2', points: [{ x: 0, y: 0.5 }, { x: 1, y: 0.3 }] }`
 */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { x: number; y: number }[];
  /** Dashed line. */
  readonly dashed?: boolean;
}

/**
 * Options of {@link lineChart}.
 * @example
 * `{ title: 'E_total', xLabel: 'iteration', yLabel: 'E_total', logY: true }`
 */
export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Ticks at 1, 2, 5 × 10^k covering [lo, hi], about `n` of them. */
function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * The chart as an `<svg>` element's markup.
 * @example
 * `element.innerHTML = lineChart([{ name: 'loss', color: '#1971c2', points }], { title: 'loss', xLabel: 'step', yLabel: 'loss', logY: true });`
 */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const W = o.width ?? 420, H = o.height ?? 220;
  const L = 58, R = 12, T = 26, B = 38;
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y) && (!o.logY || p.y > 0));
  const xs = pts.map((p) => p.x), ys = pts.map((p) => (o.logY ? Math.log10(p.y) : p.y));
  let x0 = xs.length > 0 ? Math.min(...xs) : 0, x1 = xs.length > 0 ? Math.max(...xs) : 1;
  if (x1 <= x0) x1 = x0 + 1;
  let y0 = ys.length > 0 ? Math.min(...ys) : 0, y1 = ys.length > 0 ? Math.max(...ys) : 1;
  if (o.logY) {
    y0 = Math.floor(y0);
    y1 = Math.ceil(y1);
  }
  if (y1 - y0 < 1e-12) {
    y0 -= o.logY ? 1 : 0.5;
    y1 += o.logY ? 1 : 0.5;
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" class="chart" role="img" aria-label="${esc(o.title)}">`);
  out.push(`<text x="${L}" y="15" class="chart-title">${esc(o.title)}</text>`);
  // y ticks: decades on a log scale
  const yTicks = o.logY ? Array.from({ length: y1 - y0 + 1 }, (_, k) => y0 + k).filter((_, k, a) => a.length <= 7 || k % Math.ceil(a.length / 6) === 0) : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t);
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${L - 5}" y="${y + 4}" text-anchor="end" class="tick">${o.logY ? `1e${t}` : fmtShort(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 4)) {
    const x = sx(t);
    out.push(`<line x1="${x}" x2="${x}" y1="${T}" y2="${H - B}" class="grid"/>`);
    out.push(`<text x="${x}" y="${H - B + 15}" text-anchor="middle" class="tick">${fmtShort(t)}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" class="axis-label">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(13 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(o.yLabel)}</text>`);
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" class="frame"/>`);
  series.forEach((s, k) => {
    const ps = s.points.filter((p) => Number.isFinite(p.y) && (!o.logY || p.y > 0));
    // at most ~600 vertices: keep every n-th point and the last
    const every = Math.max(1, Math.ceil(ps.length / 600));
    const kept = ps.filter((_, i) => i % every === 0 || i === ps.length - 1);
    if (kept.length > 0) {
      const d = kept.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(o.logY ? Math.log10(p.y) : p.y).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    const last = s.points[s.points.length - 1];
    const label = last === undefined ? s.name : `${s.name}: ${fmt(last.y)}`;
    out.push(`<text x="${W - R - 4}" y="${T + 14 + 15 * k}" text-anchor="end" class="legend" fill="${s.color}">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

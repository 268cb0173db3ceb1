/**
 * How the playground writes numbers: as the article does, 9 decimals with trailing zeros dropped
 * (0.3775, 0.593269992), the same format `explain` uses, so a figure reads the same everywhere on
 * the page. Very small or large numbers get 6 significant digits.
 * @module
 */

/**
 * `0.377500000` → `'0.3775'`; `3.51019e-5` → `'0.0000351019'`; `-0` → `'0'`.
 * @example
 * `fmt(0.3775000000001); // '0.3775'`
 */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (v !== 0 && (a < 1e-4 || a >= 1e6)) return v.toPrecision(6);
  const s = v.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * A short form for axes and summaries: 4 significant digits.
 * @example
 * `fmtShort(0.123456); // '0.1235'`
 */
export function fmtShort(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

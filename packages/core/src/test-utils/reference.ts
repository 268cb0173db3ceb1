/**
 * Plain-JS reference implementations for tests: nested loops over multi-indices, written without
 * any chainrule code, so expected values never come from the code under test.
 * @module
 */

/** A reference array: row-major values and a shape. */
export interface Ref {
  shape: number[];
  data: number[];
}

export function size(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The multi-index of flat position `flat` in a row-major array of `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/** The flat position of a multi-index in a row-major array of `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + idx[d];
  return flat;
}

/** NumPy's broadcast shape, or null when the shapes do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Element of `t` read at an index of the (larger) broadcast shape: align right, size-1 dims read 0. */
export function readBroadcast(t: Ref, idx: readonly number[]): number {
  const lead = idx.length - t.shape.length;
  const own = t.shape.map((d, i) => (d === 1 ? 0 : idx[lead + i]));
  return t.data[ravel(own, t.shape)];
}

/** `f` applied elementwise. */
export function refMap(t: Ref, f: (v: number) => number): Ref {
  return { shape: [...t.shape], data: t.data.map(f) };
}

/** `f(a, b)` elementwise with broadcasting. */
export function refZip(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape === null) throw new Error(`reference: [${a.shape}] and [${b.shape}] do not broadcast`);
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    data.push(f(readBroadcast(a, idx), readBroadcast(b, idx)));
  }
  return { shape, data };
}

/** Sums a broadcast-shaped array back to `shape` (the adjoint of broadcasting). */
export function refSumTo(g: Ref, shape: readonly number[]): Ref {
  const data = new Array<number>(size(shape)).fill(0);
  const lead = g.shape.length - shape.length;
  for (let i = 0; i < g.data.length; i++) {
    const idx = unravel(i, g.shape);
    const own = shape.map((d, k) => (d === 1 ? 0 : idx[lead + k]));
    data[ravel(own, shape)] += g.data[i];
  }
  return { shape: [...shape], data };
}

/** A reduction over `axes` (all when undefined) with `combine` from `init`. */
export function refReduce(t: Ref, axes: readonly number[] | undefined, keepdims: boolean, combine: (acc: number, v: number) => number, init: number): Ref {
  const ax = (axes ?? t.shape.map((_, i) => i)).map((a) => (a < 0 ? a + t.shape.length : a));
  const kept = t.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const data = new Array<number>(size(kept)).fill(init);
  for (let i = 0; i < t.data.length; i++) {
    const idx = unravel(i, t.shape).map((v, d) => (ax.includes(d) ? 0 : v));
    const o = ravel(idx, kept);
    data[o] = combine(data[o], t.data[i]);
  }
  const shape = keepdims ? kept : t.shape.filter((_, i) => !ax.includes(i));
  return { shape, data };
}

/** Output axis i is input axis axes[i]. */
export function refPermute(t: Ref, axes: readonly number[]): Ref {
  const shape = axes.map((a) => t.shape[a]);
  const data: number[] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(t.shape.length);
    axes.forEach((a, k) => (src[a] = idx[k]));
    data.push(t.data[ravel(src, t.shape)]);
  }
  return { shape, data };
}

/** The triple-loop product of an m×k and a k×n matrix given as row-major arrays. */
export function refMatmul2d(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const c = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Row-major nested arrays from a flat list, for readable expectations. */
export function nest(data: readonly number[], shape: readonly number[]): unknown {
  if (shape.length === 0) return data[0];
  const step = size(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(data.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/**
 * mulberry32: a tiny PRNG of the tests' own (independent of chainrule's RandomGenerator) for filling
 * test inputs from a seed that fast-check chooses.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` values uniform in [lo, hi) from `seed`. */
export function uniformValues(n: number, seed: number, lo = -2, hi = 2): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** `n` values with |v| in [lo, hi) and a random sign: away from a kink at 0. */
export function awayFromZero(n: number, seed: number, lo = 0.2, hi = 2): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r()));
}

/** `n` distinct values (no ties) in a random order, spaced at least `gap` apart. */
export function distinctValues(n: number, seed: number, gap = 0.25): number[] {
  const r = mulberry32(seed);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * gap + r() * gap * 0.5);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return vals;
}

/**
 * Pickers for the op table's indexing, search and sort, shape and sampling rows (ops.ts): each
 * chooses an op's arguments and parameters so that shapes fit and PyTorch accepts them, and computes
 * the result's shape (see graph.ts for the picker contract).
 *
 * Ops that select by order (sort, topk, argmax, max with indices) get inputs without ties: a tie's
 * winner is PyTorch's implementation detail for topk, and in a random graph tensors repeat values
 * (expand, relu, clamp), so there a fresh noise leaf is added first. Their NaN and ±Infinity rules
 * are checked by the `...Special` rows, whose per-op cases hold NaN, ±Infinity, ±0 and ties.
 */
import { broadcast, sizeOf, type Domain, type GraphBuilder, type Node, type Picker, type ShapeWant } from './graph.js';
import { encode, type Json } from './program.js';

/** An input without ties: fresh leaves are normal samples; a graph tensor gets fresh noise added. */
function untied(g: GraphBuilder, want: ShapeWant = {}, domain: Domain = 'any'): Node {
  const x = g.input(domain, want);
  if (g.mode === 'fresh') return x;
  return g.op('add', [x, g.leaf(x.shape, 'any', false)], null, x.shape);
}

/**
 * In per-op cases, a leaf of `shape` holding NaN, ±Infinity, ±0 and (unless `distinct`) repeated
 * numbers among normal samples; in random graphs an untied input (special values there would only
 * exercise other ops' NaN rules).
 */
function special(g: GraphBuilder, distinct: boolean): Node {
  if (g.mode === 'pool') return untied(g, { minRank: 1, maxRank: 2 });
  const r = g.rng;
  const shape = r.chance(0.5) ? [r.int(5, 8)] : [r.int(1, 3), r.int(5, 7)];
  const rows = shape.length === 1 ? 1 : shape[0];
  const n = shape[shape.length - 1];
  const values: number[] = [];
  for (let i = 0; i < rows; i++) {
    const extras = distinct ? [NaN, Infinity, -Infinity, 0] : [NaN, NaN, Infinity, -Infinity, -0, 0, 1, 1];
    const row = [...r.shuffle(extras).slice(0, r.int(2, Math.min(extras.length, n - 1))), ...Array.from({ length: n }, () => r.normal())].slice(0, n);
    values.push(...r.shuffle(row));
  }
  return g.leafOf(encode(shape, values));
}

/** An axis of a rank-n tensor (a scalar has the one implicit axis 0/-1), sometimes spelled negative. */
function axisOf(g: GraphBuilder, n: number): number {
  const rank = Math.max(n, 1);
  const a = g.rng.int(0, rank - 1);
  return g.rng.chance(0.3) ? a - rank : a;
}
const positive = (axis: number, n: number) => (axis < 0 ? axis + Math.max(n, 1) : axis);

// ------------------------------------------------------------------ indexing

/** Python's slicing of a positive step, spelled every way it may be: negative, past the end, left out. */
function rangeItem(g: GraphBuilder, m: number): { item: Json; count: number } {
  const r = g.rng;
  const s = r.int(0, m - 1);
  const e = r.int(s + 1, m);
  const step = r.pick([1, 1, 2, 3]);
  const start = s === 0 && r.chance(0.3) ? null : r.chance(0.3) ? s - m : s;
  const end = e === m ? r.pick([null, m, m + 3]) : r.chance(0.3) ? e - m : e;
  const stepSpelled = step === 1 && r.chance(0.5) ? null : step;
  const count = Math.ceil((e - s) / step);
  if (r.chance(0.25)) return { item: { start, end, step: stepSpelled }, count };
  const parts: Json[] = [start, end, stepSpelled];
  while (parts.length > 0 && parts[parts.length - 1] === null && r.chance(0.5)) parts.pop();
  return { item: parts, count };
}

/** A basic index (never empty) over a tensor of rank 0..4: positions, ranges, ':', new axes, '...'. */
export const index: Picker<{ spec: Json[] }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { maxRank: 4 });
    const n = x.shape.length;
    const named = r.int(0, n);
    const ellipsisAt = r.chance(0.3) ? r.int(0, named) : -1;
    const spec: Json[] = [];
    const shape: number[] = [];
    let d = 0;
    for (let k = 0; k <= named; k++) {
      if (r.chance(0.15)) {
        spec.push(null);
        shape.push(1);
      }
      if (k === ellipsisAt) {
        spec.push('...');
        for (let i = 0; i < n - named; i++) shape.push(x.shape[d++]);
      }
      if (k === named) break;
      const m = x.shape[d++];
      const roll = r.next();
      if (roll < 0.3) spec.push(r.int(-m, m - 1));
      else if (roll < 0.45) {
        spec.push(':');
        shape.push(m);
      } else {
        const { item, count } = rangeItem(g, m);
        spec.push(item);
        shape.push(count);
      }
    }
    while (d < n) shape.push(x.shape[d++]);
    return { args: [x], params: { spec }, shape };
  },
};

/** indexSelect: an axis and 1 to 4 positions along it, repeats allowed. */
export const indexSelect: Picker<{ axis: number; index: number[] }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1, maxRank: 3 });
    const axis = axisOf(g, x.shape.length);
    const m = x.shape[positive(axis, x.shape.length)];
    const idx = Array.from({ length: r.int(1, 4) }, () => r.int(0, m - 1));
    const shape = x.shape.slice();
    shape[positive(axis, x.shape.length)] = idx.length;
    return { args: [x], params: { axis, index: idx }, shape };
  },
};

/** maskedFill: a mask made by gt from a graph tensor (not differentiable), x broadcasting with it either way. */
export const maskedFill: Picker<{ value: number }> = {
  pick(g) {
    const src = g.input();
    const mask = g.op('gt', [src, 0], null, src.shape, false);
    const x = g.partner(mask.shape, 'any', false) as Node;
    return { args: [x, mask], params: { value: g.rng.normal() * 3 }, shape: broadcast(x.shape, mask.shape)! };
  },
};

// ------------------------------------------------------------------ search and sort

/** The result shape of a search along `axis` (null: all elements) with keepdims. */
function searchShape(shape: readonly number[], axis: number | null, keepdims: boolean): number[] {
  if (axis === null) return keepdims ? shape.map(() => 1) : [];
  if (shape.length === 0) return [];
  const a = positive(axis, shape.length);
  return keepdims ? shape.map((d, i) => (i === a ? 1 : d)) : shape.filter((_, i) => i !== a);
}

/** argmax/argmin: over everything (axis null) or along an axis, keepdims or not. */
export function search(specialValues: boolean): Picker<{ axis: number | null; keepdims: boolean }> {
  return {
    pick(g) {
      const x = specialValues ? special(g, false) : untied(g, { maxRank: 4 });
      const axis = g.rng.chance(0.3) ? null : axisOf(g, x.shape.length);
      const keepdims = g.rng.chance(0.5);
      return { args: [x], params: { axis, keepdims }, shape: searchShape(x.shape, axis, keepdims) };
    },
  };
}

/** max/min with indices: always along an axis. */
export function searchAlong(specialValues: boolean): Picker<{ axis: number; keepdims: boolean }> {
  return {
    pick(g) {
      const x = specialValues ? special(g, false) : untied(g, { maxRank: 4 });
      const axis = axisOf(g, x.shape.length);
      const keepdims = g.rng.chance(0.5);
      return { args: [x], params: { axis, keepdims }, shape: searchShape(x.shape, axis, keepdims) };
    },
  };
}

/** sort/argsort along an axis, either direction. */
export function sort(specialValues: boolean): Picker<{ axis: number; descending: boolean }> {
  return {
    pick(g) {
      const x = specialValues ? special(g, false) : untied(g, { maxRank: 4 });
      return { args: [x], params: { axis: specialValues ? -1 : axisOf(g, x.shape.length), descending: g.rng.chance(0.5) }, shape: x.shape };
    },
  };
}

/** topk: 1 to n of the largest or smallest along an axis (no ties even among special values: PyTorch's topk does not order ties). */
export function topk(specialValues: boolean): Picker<{ k: number; axis: number; largest: boolean }> {
  return {
    pick(g) {
      const x = specialValues ? special(g, true) : untied(g, { minRank: 1, maxRank: 4 });
      const axis = specialValues ? -1 : axisOf(g, x.shape.length);
      const a = positive(axis, x.shape.length);
      const k = g.rng.int(1, x.shape[a]);
      const shape = x.shape.slice();
      shape[a] = k;
      return { args: [x], params: { k, axis, largest: g.rng.chance(0.6) }, shape };
    },
  };
}

// ------------------------------------------------------------------ shape

/** split by a size or by sections (a zero-size section now and then), along an axis. */
export const split: Picker<{ size: number | number[]; axis: number }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1, maxRank: 4 });
    const axis = axisOf(g, x.shape.length);
    const m = x.shape[positive(axis, x.shape.length)];
    if (r.chance(0.5)) return { args: [x], params: { size: r.int(1, m + 1), axis }, shape: x.shape };
    const sections: number[] = [];
    for (let left = m; left > 0; ) {
      const s = r.int(1, left);
      sections.push(s);
      left -= s;
      if (r.chance(0.1)) sections.push(0);
    }
    return { args: [x], params: { size: sections, axis }, shape: x.shape };
  },
};

/** chunk into 1 to size + 2 chunks along an axis. */
export const chunk: Picker<{ chunks: number; axis: number }> = {
  pick(g) {
    const x = g.input('any', { minRank: 1, maxRank: 4 });
    const axis = axisOf(g, x.shape.length);
    return { args: [x], params: { chunks: g.rng.int(1, x.shape[positive(axis, x.shape.length)] + 2), axis }, shape: x.shape };
  },
};

/**
 * pad: constant on any rank and any number of axes, with crops; reflect and replicate only where
 * PyTorch 1.13 implements them (the last k ≤ 3 axes of an input of rank k + 1 or k + 2).
 */
export const pad: Picker<{ pads: number[]; mode: string; value: number }> = {
  pick(g) {
    const r = g.rng;
    const mode = r.pick(['constant', 'constant', 'reflect', 'replicate']);
    const x = mode === 'constant' ? g.input('any', { minRank: 1, maxRank: 4 }) : g.input('any', { minRank: 2, maxRank: 4 });
    const n = x.shape.length;
    const k = mode === 'constant' ? r.int(1, n) : r.int(Math.max(1, n - 2), Math.min(3, n - 1));
    const pads: number[] = [];
    const shape = x.shape.slice();
    for (let i = 0; i < k; i++) {
      const d = n - 1 - i;
      const m = x.shape[d];
      const amount = () => (mode === 'reflect' ? r.int(-(m - 1), m - 1) : r.int(-1, 3));
      let before = amount();
      let after = amount();
      // keep every axis non-empty
      while (m + before + after < 1) if (before < after) before++; else after++;
      pads.push(before, after);
      shape[d] = m + before + after;
    }
    return { args: [x], params: { pads, mode, value: mode === 'constant' ? r.normal() : 0 }, shape };
  },
};

/** flip of a random set of axes, some spelled negative. */
export const flip: Picker<{ axes: number[] }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { maxRank: 4 });
    const rank = Math.max(x.shape.length, 1);
    const axes = r.shuffle(Array.from({ length: rank }, (_, i) => i)).slice(0, r.int(0, rank)).map((a) => (r.chance(0.3) ? a - rank : a));
    return { args: [x], params: { axes }, shape: x.shape };
  },
};

/** repeat (counts for every axis, sometimes one more) or tile (any number of counts). */
export function repeat(kind: 'repeat' | 'tile'): Picker<{ sizes: number[] }> {
  return {
    pick(g) {
      const r = g.rng;
      const x = g.input('any', { maxRank: 3 });
      const n = x.shape.length;
      const count = kind === 'repeat' ? r.int(Math.max(n, 1), n + 1) : r.int(0, n + 1);
      const sizes = Array.from({ length: count }, () => r.pick([1, 2, 2, 3]));
      const full = [...new Array<number>(Math.max(n - count, 0)).fill(1), ...sizes];
      const own = [...new Array<number>(full.length - n).fill(1), ...x.shape];
      return { args: [x], params: { sizes }, shape: own.map((d, i) => d * full[i]) };
    },
  };
}

/** tril/triu with a diagonal offset in [-2, 2]. */
export const triangle: Picker<{ k: number }> = {
  pick(g) {
    const x = g.input('any', { minRank: 2, maxRank: 4 });
    return { args: [x], params: { k: g.rng.int(-2, 2) }, shape: x.shape };
  },
};

/** flatten of a run of axes (start ≤ end), some spelled negative. */
export const flattenDims: Picker<{ start: number; end: number }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { maxRank: 4 });
    const n = x.shape.length;
    const rank = Math.max(n, 1);
    const s = r.int(0, rank - 1);
    const e = r.int(s, rank - 1);
    const shape = n === 0 ? [1] : [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
    return { args: [x], params: { start: r.chance(0.3) ? s - rank : s, end: r.chance(0.5) ? e - rank : e }, shape };
  },
};

/** unflatten of one axis into 1 to 3 factors, one of them sometimes -1. */
export const unflatten: Picker<{ axis: number; sizes: number[] }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1, maxRank: 3 });
    const axis = axisOf(g, x.shape.length);
    const a = positive(axis, x.shape.length);
    let rest = x.shape[a];
    const sizes: number[] = [];
    const count = r.int(1, 3);
    for (let i = 0; i < count - 1; i++) {
      const d = r.pick(Array.from({ length: rest }, (_, j) => j + 1).filter((j) => rest % j === 0));
      sizes.push(d);
      rest /= d;
    }
    sizes.push(rest);
    const spelled = sizes.slice();
    if (r.chance(0.4)) spelled[r.int(0, spelled.length - 1)] = -1;
    return { args: [x], params: { axis, sizes: spelled }, shape: [...x.shape.slice(0, a), ...sizes, ...x.shape.slice(a + 1)] };
  },
};

// ------------------------------------------------------------------ einsum

const LETTERS = 'abcdefgh';

/** The result shape of an equation over operands of known shapes (labels' sizes are the largest seen). */
function einsumShape(terms: string[], out: string | null, shapes: readonly (readonly number[])[]): number[] {
  const sizes = new Map<string, number>();
  let ellipsis: number[] = [];
  terms.forEach((t, k) => {
    const letters = t.replace('...', '');
    const e = t.indexOf('...');
    const rank = shapes[k].length;
    const own = e < 0 ? [] : shapes[k].slice(e, e + rank - letters.length);
    ellipsis = broadcast(ellipsis, own)!;
    [...letters].forEach((c, i) => {
      const axis = e >= 0 && i >= e ? i + own.length : i;
      sizes.set(c, Math.max(sizes.get(c) ?? 1, shapes[k][axis]));
    });
  });
  const counts = new Map<string, number>();
  for (const t of terms) for (const c of t.replace('...', '')) counts.set(c, (counts.get(c) ?? 0) + 1);
  const output = out ?? `...${[...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join('')}`;
  const e = output.indexOf('...');
  const letters = output.replace('...', '');
  const shape = [...letters].map((c) => sizes.get(c)!);
  if (e >= 0) shape.splice(e, 0, ...ellipsis);
  return shape;
}

/** Labels for the axes of `shape`: a letter each, a repeat (a diagonal) only between equal sizes. */
function labelAxes(g: GraphBuilder, shape: readonly number[], used: Map<string, number>, repeats: boolean): string {
  return shape
    .map((d) => {
      const same = [...used].filter(([, size]) => size === d).map(([c]) => c);
      if (repeats && same.length > 0 && g.rng.chance(0.2)) return g.rng.pick(same);
      const c = LETTERS[used.size];
      used.set(c, d);
      return c;
    })
    .join('');
}

/** The output: implicit (null) or an explicit random selection and order of the labels, with '...' when there is one. */
function outputOf(g: GraphBuilder, labels: string[], hasEllipsis: boolean): string | null {
  const r = g.rng;
  if (r.chance(0.3)) return null;
  const chosen = r.shuffle([...new Set(labels)]).slice(0, r.int(0, new Set(labels).size));
  if (hasEllipsis && r.chance(0.8)) chosen.splice(r.int(0, chosen.length), 0, '...');
  return chosen.join('');
}

/** einsum of one operand: transposes, sums, diagonals and traces. */
export const einsumOne: Picker<{ equation: string }> = {
  pick(g) {
    const x = g.input('any', { minRank: 1, maxRank: 4 });
    const used = new Map<string, number>();
    const term = labelAxes(g, x.shape, used, true);
    const out = outputOf(g, [...term], false);
    const equation = out === null ? term : `${term}->${out}`;
    return { args: [x], params: { equation }, shape: einsumShape([term], out, [x.shape]) };
  },
};

/**
 * einsum of two operands: b shares some of a's labels (at a's size, or 1 to broadcast) and has its
 * own; sometimes a's leading axes are '...' and b has a broadcasting '...' too.
 */
export const einsumTwo: Picker<{ equation: string }> = {
  pick(g) {
    const r = g.rng;
    const a = g.input('any', { minRank: 1, maxRank: 4 });
    const lead = a.shape.length >= 2 && r.chance(0.3) ? r.int(1, a.shape.length - 1) : 0;
    const used = new Map<string, number>();
    const aLetters = labelAxes(g, a.shape.slice(lead), used, true);
    const aTerm = lead > 0 ? `...${aLetters}` : aLetters;
    const bLetters: string[] = [];
    const bShape: number[] = [];
    for (const c of r.shuffle([...new Set(aLetters)]).slice(0, r.int(0, new Set(aLetters).size))) {
      bLetters.push(c);
      bShape.push(r.chance(0.15) ? 1 : used.get(c)!);
    }
    for (let i = r.int(0, 2); i > 0 && used.size < LETTERS.length; i--) {
      const c = LETTERS[used.size];
      used.set(c, r.int(1, 3));
      bLetters.push(c);
      bShape.push(used.get(c)!);
    }
    const order = r.shuffle(bLetters.map((_, i) => i));
    let bTerm = order.map((i) => bLetters[i]).join('');
    let shape = order.map((i) => bShape[i]);
    if (lead > 0 && r.chance(0.7)) {
      const ell = g.partnerShape(a.shape.slice(0, lead));
      bTerm = `...${bTerm}`;
      shape = [...ell, ...shape];
    }
    const b = g.inputOfShape(shape);
    const out = outputOf(g, [...aLetters, ...bTerm.replace('...', '')], lead > 0);
    const equation = `${aTerm},${bTerm}${out === null ? '' : `->${out}`}`;
    return { args: [a, b], params: { equation }, shape: einsumShape([aTerm, bTerm], out, [a.shape, shape]) };
  },
};

// ------------------------------------------------------------------ encoding and sampling

/** oneHot of the argmax along the last axis, with numClasses inferred (-1), exact or larger. */
export const oneHot: Picker<{ classes: number }> = {
  pick(g) {
    const x = untied(g, { minRank: 1, maxRank: 3 });
    const n = x.shape[x.shape.length - 1];
    // -1 (inferred: the largest argmax + 1, which only the values know) only in per-op cases, where no later op relies on the shape
    const classes = g.rng.pick(g.mode === 'fresh' ? [-1, n, n + 2] : [n, n + 2]);
    return { args: [x], params: { classes }, shape: [...x.shape.slice(0, -1), classes === -1 ? n : classes] };
  },
};

/** A seed for the random ops' invariant rows (their streams differ from PyTorch's; the rows compare what does not depend on them). */
export const seeded: Picker<{ seed: number }> = {
  pick(g) {
    const x = g.input('any', { maxRank: 3 });
    return { args: [x], params: { seed: g.rng.int(0, 1e6) }, shape: x.shape };
  },
};

/** multinomial: samples of one-hot rows (always their one category), or every category of positive rows once. */
export function multinomial(kind: 'oneHot' | 'all'): Picker<{ seed: number; k: number; n: number }> {
  return {
    pick(g) {
      const x = untied(g, { minRank: 1, maxRank: 2 });
      const n = x.shape[x.shape.length - 1];
      const k = kind === 'all' ? n : g.rng.int(1, 4);
      return { args: [x], params: { seed: g.rng.int(0, 1e6), k, n }, shape: [...x.shape.slice(0, -1), k] };
    },
  };
}

/**
 * Elementwise kernels over contiguous buffers. Small and same-shape cases run as plain loops;
 * broadcasting copies each input through stride-0 strides (kernels/nd.ts) first.
 * @module
 */
import { allocOutput, dtypeOf, type Buffer, type DType, type TensorData } from '../dtype.js';
import { broadcastShapes, shapesEqual, type Shape } from '../shape.js';
import { broadcastCopy } from './nd.js';

/**
 * `f` applied to every element of `x`; for negation and squaring, `f` is their name and the loop is
 * written out (see the NOTE on {@link zip}).
 */
export function map(x: TensorData, f: ((v: number) => number) | 'neg' | 'square'): TensorData {
  const src = x.buffer;
  const n = src.length;
  const out = allocOutput(dtypeOf(src), n);
  if (f === 'neg') for (let i = 0; i < n; i++) out[i] = -src[i];
  else if (f === 'square') for (let i = 0; i < n; i++) out[i] = src[i] * src[i];
  else for (let i = 0; i < n; i++) out[i] = f(src[i]);
  return { buffer: out, shape: x.shape };
}

/** The four arithmetic operations, whose loops {@link zip} writes out (see {@link zip}). */
export type Arithmetic = 'add' | 'sub' | 'mul' | 'div';

/**
 * `f(a, b)` elementwise after broadcasting `a` and `b` to a common shape (NumPy rules). For the
 * four arithmetic ops, `f` is their name, and the loop is written out for it.
 *
 * Layouts that need no copy of the broadcast operand: equal shapes; one side a single value; one
 * side the result's shape and the other a block that repeats (a bias [n] against [m, n]: the block
 * tiles the result) or whose elements each repeat (a row statistic [m, 1] against [m, n]). Any
 * other broadcast copies each operand to the result's shape first (kernels/nd.ts).
 *
 * NOTE: a callback per element is a call V8 cannot inline here, since every op passes its own (the
 * call site is megamorphic): about a quarter of a tiny transformer's training step went to these
 * calls for + − × ÷, and a tenth to copying broadcast operands. The same arithmetic, element by
 * element, gives the same bits.
 */
export function zip(a: TensorData, b: TensorData, f: ((x: number, y: number) => number) | Arithmetic, op: string): TensorData {
  const av = a.buffer;
  const bv = b.buffer;
  const dtype = dtypeOf(av);
  if (shapesEqual(a.shape, b.shape)) return result(f, a.shape, dtype, av, bv, FULL, FULL);
  if (bv.length === 1 && b.shape.length <= a.shape.length) return result(f, a.shape, dtype, av, bv, FULL, ONE);
  if (av.length === 1 && a.shape.length <= b.shape.length) return result(f, b.shape, dtype, av, bv, ONE, FULL);
  const shape = broadcastShapes(a.shape, b.shape, op);
  if (shapesEqual(a.shape, shape)) {
    const pattern = repeatPattern(b.shape, shape);
    if (pattern !== null) return result(f, shape, dtype, av, bv, FULL, pattern);
  } else if (shapesEqual(b.shape, shape)) {
    const pattern = repeatPattern(a.shape, shape);
    if (pattern !== null) return result(f, shape, dtype, av, bv, pattern, FULL);
  }
  const left = shapesEqual(a.shape, shape) ? av : broadcastCopy(av, a.shape, shape, dtype);
  const right = shapesEqual(b.shape, shape) ? bv : broadcastCopy(bv, b.shape, shape, dtype);
  return result(f, shape, dtype, left, right, FULL, FULL);
}

/**
 * How an operand covers the result: in full (`FULL`), as one value (`ONE`), as a block of `size`
 * elements that tiles the result (`tile`), or with each element repeated `size` times (`each`).
 */
type Spread = { kind: 'full' | 'one' | 'tile' | 'each'; size: number };
const FULL: Spread = { kind: 'full', size: 0 };
const ONE: Spread = { kind: 'one', size: 1 };

/**
 * How an operand of shape `from` broadcasts to `to` when it needs no copy: its dimensions are 1 then
 * `to`'s (a block that tiles), or `to`'s then 1 (each element repeated); null otherwise.
 */
function repeatPattern(from: Shape, to: Shape): Spread | null {
  const pad = to.length - from.length;
  const dim = (i: number) => (i < pad ? 1 : from[i - pad]);
  let lead = 0; // leading 1s of `from`
  while (lead < to.length && dim(lead) === 1) lead++;
  if (lead === to.length) return ONE;
  let rest = 1;
  let tiles = true;
  for (let i = lead; i < to.length; i++) {
    rest *= to[i];
    if (dim(i) !== to[i]) tiles = false;
  }
  if (tiles) return { kind: 'tile', size: rest };
  let keep = 0; // leading dimensions of `from` equal to `to`'s
  while (keep < to.length && dim(keep) === to[keep]) keep++;
  let inner = 1;
  for (let i = keep; i < to.length; i++) {
    if (dim(i) !== 1) return null;
    inner *= to[i];
  }
  return { kind: 'each', size: inner };
}

/** The result of `f` over operands laid out as `left` and `right` say (one of them is FULL). */
function result(f: ((x: number, y: number) => number) | Arithmetic, shape: Shape, dtype: DType, a: Buffer, b: Buffer, left: Spread, right: Spread): TensorData {
  const n = left.kind === 'full' ? a.length : b.length;
  const out = allocOutput(dtype, n);
  const spread = left.kind === 'full' ? right : left;
  const rightSide = left.kind === 'full';
  if (spread.kind === 'full') apply(f, out, 0, a, 0, b, 0, n, BOTH);
  else if (spread.kind === 'one') apply(f, out, 0, a, 0, b, 0, n, rightSide ? RIGHT_ONE : LEFT_ONE);
  else if (spread.kind === 'tile') {
    // the block, against each stretch of the full side
    for (let at = 0; at < n; at += spread.size) apply(f, out, at, a, rightSide ? at : 0, b, rightSide ? 0 : at, spread.size, BOTH);
  } else {
    // each element, against its stretch of the full side
    for (let k = 0, at = 0; at < n; k++, at += spread.size) apply(f, out, at, a, rightSide ? at : k, b, rightSide ? k : at, spread.size, rightSide ? RIGHT_ONE : LEFT_ONE);
  }
  return { buffer: out, shape };
}

/** How `apply` reads its operands from their offsets: both as runs, or one of them as one value. */
const BOTH = 0;
const RIGHT_ONE = 1;
const LEFT_ONE = 2;

/**
 * `out[o + i] = f(a[ai + i], b[bi + i])` for i < n, or with `a[ai]` (`LEFT_ONE`) or `b[bi]`
 * (`RIGHT_ONE`) for every i; for the arithmetic ops one written-out loop per operation and layout.
 */
function apply(f: ((x: number, y: number) => number) | Arithmetic, out: Buffer, o: number, a: Buffer, ai: number, b: Buffer, bi: number, n: number, layout: number): void {
  const d = ai - o;
  const e = bi - o;
  const end = o + n;
  const s = layout === RIGHT_ONE ? b[bi] : layout === LEFT_ONE ? a[ai] : 0;
  switch (f) {
    case 'add':
      if (layout === BOTH) for (let i = o; i < end; i++) out[i] = a[i + d] + b[i + e];
      else if (layout === RIGHT_ONE) for (let i = o; i < end; i++) out[i] = a[i + d] + s;
      else for (let i = o; i < end; i++) out[i] = s + b[i + e];
      return;
    case 'sub':
      if (layout === BOTH) for (let i = o; i < end; i++) out[i] = a[i + d] - b[i + e];
      else if (layout === RIGHT_ONE) for (let i = o; i < end; i++) out[i] = a[i + d] - s;
      else for (let i = o; i < end; i++) out[i] = s - b[i + e];
      return;
    case 'mul':
      if (layout === BOTH) for (let i = o; i < end; i++) out[i] = a[i + d] * b[i + e];
      else if (layout === RIGHT_ONE) for (let i = o; i < end; i++) out[i] = a[i + d] * s;
      else for (let i = o; i < end; i++) out[i] = s * b[i + e];
      return;
    case 'div':
      if (layout === BOTH) for (let i = o; i < end; i++) out[i] = a[i + d] / b[i + e];
      else if (layout === RIGHT_ONE) for (let i = o; i < end; i++) out[i] = a[i + d] / s;
      else for (let i = o; i < end; i++) out[i] = s / b[i + e];
      return;
    default:
      if (layout === BOTH) for (let i = o; i < end; i++) out[i] = f(a[i + d], b[i + e]);
      else if (layout === RIGHT_ONE) for (let i = o; i < end; i++) out[i] = f(a[i + d], s);
      else for (let i = o; i < end; i++) out[i] = f(s, b[i + e]);
  }
}

/** `f(c, a, b)` elementwise after broadcasting all three (for `where`); the result has `a`'s dtype. */
export function zip3(c: TensorData, a: TensorData, b: TensorData, f: (c: number, x: number, y: number) => number, op: string): TensorData {
  const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, op), b.shape, op);
  const dtype = dtypeOf(a.buffer);
  const spread = (t: TensorData) => (shapesEqual(t.shape, shape) ? t.buffer : broadcastCopy(t.buffer, t.shape, shape, dtypeOf(t.buffer)));
  const cb = spread(c);
  const ab = spread(a);
  const bb = spread(b);
  const out = allocOutput(dtype, ab.length);
  for (let i = 0; i < out.length; i++) out[i] = f(cb[i], ab[i], bb[i]);
  return { buffer: out, shape };
}

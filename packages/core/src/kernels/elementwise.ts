/**
 * Elementwise kernels over contiguous buffers. Small and same-shape cases run as plain loops;
 * broadcasting copies each input through stride-0 strides (kernels/nd.ts) first.
 * @module
 */
import { allocOutput, dtypeOf, type Buffer, type TensorData } from '../dtype.js';
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

/** The four arithmetic operations, whose loops {@link zip} writes out (see {@link Arithmetic}). */
export type Arithmetic = 'add' | 'sub' | 'mul' | 'div';

/**
 * `f(a, b)` elementwise after broadcasting `a` and `b` to a common shape (NumPy rules). For the
 * four arithmetic ops, `f` is their name, and the loop is written out for it.
 *
 * NOTE: a callback per element is a call V8 cannot inline here, since every op passes its own (the
 * call site is megamorphic): about a quarter of a tiny transformer's training step went to these
 * calls for + − × ÷. The same arithmetic written in the loop gives the same bits.
 */
export function zip(a: TensorData, b: TensorData, f: ((x: number, y: number) => number) | Arithmetic, op: string): TensorData {
  const av = a.buffer;
  const bv = b.buffer;
  const dtype = dtypeOf(av);
  let shape: Shape;
  let left: ArrayLike<number> = av;
  let right: ArrayLike<number> = bv;
  let layout = BOTH_FULL;
  if (shapesEqual(a.shape, b.shape)) shape = a.shape;
  else if (bv.length === 1 && b.shape.length <= a.shape.length) {
    // one side a single element of no higher rank: no view needed
    shape = a.shape;
    layout = RIGHT_SCALAR;
  } else if (av.length === 1 && a.shape.length <= b.shape.length) {
    shape = b.shape;
    layout = LEFT_SCALAR;
  } else {
    shape = broadcastShapes(a.shape, b.shape, op);
    if (!shapesEqual(a.shape, shape)) left = broadcastCopy(av, a.shape, shape, dtype);
    if (!shapesEqual(b.shape, shape)) right = broadcastCopy(bv, b.shape, shape, dtype);
  }
  const out = allocOutput(dtype, layout === LEFT_SCALAR ? bv.length : left.length);
  if (typeof f === 'string') arithmetic(f, out, left, right, layout);
  else if (layout === BOTH_FULL) for (let i = 0; i < out.length; i++) out[i] = f(left[i], right[i]);
  else if (layout === RIGHT_SCALAR) {
    const s = right[0];
    for (let i = 0; i < out.length; i++) out[i] = f(left[i], s);
  } else {
    const s = left[0];
    for (let i = 0; i < out.length; i++) out[i] = f(s, right[i]);
  }
  return { buffer: out, shape };
}

/** How zip's operands lie: both as long as the result, or one a single value. */
const BOTH_FULL = 0;
const RIGHT_SCALAR = 1;
const LEFT_SCALAR = 2;

/** `out = a ∘ b` for one of the four arithmetic operations, one written-out loop per operation and layout. */
function arithmetic(kind: Arithmetic, out: Buffer, a: ArrayLike<number>, b: ArrayLike<number>, layout: number): void {
  const n = out.length;
  const s = layout === RIGHT_SCALAR ? b[0] : layout === LEFT_SCALAR ? a[0] : 0;
  switch (kind) {
    case 'add':
      if (layout === BOTH_FULL) for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      else if (layout === RIGHT_SCALAR) for (let i = 0; i < n; i++) out[i] = a[i] + s;
      else for (let i = 0; i < n; i++) out[i] = s + b[i];
      return;
    case 'sub':
      if (layout === BOTH_FULL) for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      else if (layout === RIGHT_SCALAR) for (let i = 0; i < n; i++) out[i] = a[i] - s;
      else for (let i = 0; i < n; i++) out[i] = s - b[i];
      return;
    case 'mul':
      if (layout === BOTH_FULL) for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      else if (layout === RIGHT_SCALAR) for (let i = 0; i < n; i++) out[i] = a[i] * s;
      else for (let i = 0; i < n; i++) out[i] = s * b[i];
      return;
    case 'div':
      if (layout === BOTH_FULL) for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      else if (layout === RIGHT_SCALAR) for (let i = 0; i < n; i++) out[i] = a[i] / s;
      else for (let i = 0; i < n; i++) out[i] = s / b[i];
      return;
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

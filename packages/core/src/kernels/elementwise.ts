/**
 * Elementwise kernels over contiguous buffers. Small and same-shape cases run as plain loops;
 * broadcasting copies each input through stride-0 strides (kernels/nd.ts) first.
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { broadcastCopy } from './nd.js';

/** `f` applied to every element of `x`. */
export function map(x: TensorData, f: (v: number) => number): TensorData {
  const src = x.buffer;
  const out = allocBuffer(dtypeOf(src), src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return { buffer: out, shape: x.shape };
}

/** `f(a, b)` elementwise after broadcasting `a` and `b` to a common shape (NumPy rules). */
export function zip(a: TensorData, b: TensorData, f: (x: number, y: number) => number, op: string): TensorData {
  const av = a.buffer;
  const bv = b.buffer;
  const dtype = dtypeOf(av);
  if (shapesEqual(a.shape, b.shape)) {
    const out = allocBuffer(dtype, av.length);
    for (let i = 0; i < av.length; i++) out[i] = f(av[i], bv[i]);
    return { buffer: out, shape: a.shape };
  }
  // One side a single element of no higher rank: no view needed.
  if (bv.length === 1 && b.shape.length <= a.shape.length) {
    const s = bv[0];
    const out = allocBuffer(dtype, av.length);
    for (let i = 0; i < av.length; i++) out[i] = f(av[i], s);
    return { buffer: out, shape: a.shape };
  }
  if (av.length === 1 && a.shape.length <= b.shape.length) {
    const s = av[0];
    const out = allocBuffer(dtype, bv.length);
    for (let i = 0; i < bv.length; i++) out[i] = f(s, bv[i]);
    return { buffer: out, shape: b.shape };
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const ab = shapesEqual(a.shape, shape) ? av : broadcastCopy(av, a.shape, shape, dtype);
  const bb = shapesEqual(b.shape, shape) ? bv : broadcastCopy(bv, b.shape, shape, dtype);
  const out = allocBuffer(dtype, ab.length);
  for (let i = 0; i < ab.length; i++) out[i] = f(ab[i], bb[i]);
  return { buffer: out, shape };
}

/** `f(c, a, b)` elementwise after broadcasting all three (for `where`); the result has `a`'s dtype. */
export function zip3(c: TensorData, a: TensorData, b: TensorData, f: (c: number, x: number, y: number) => number, op: string): TensorData {
  const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, op), b.shape, op);
  const dtype = dtypeOf(a.buffer);
  const spread = (t: TensorData) => (shapesEqual(t.shape, shape) ? t.buffer : broadcastCopy(t.buffer, t.shape, shape, dtypeOf(t.buffer)));
  const cb = spread(c);
  const ab = spread(a);
  const bb = spread(b);
  const out = allocBuffer(dtype, ab.length);
  for (let i = 0; i < out.length; i++) out[i] = f(cb[i], ab[i], bb[i]);
  return { buffer: out, shape };
}

/**
 * Elementwise kernels over contiguous buffers. Small and same-shape cases run as plain loops;
 * broadcasting copies each input through stride-0 strides (kernels/nd.ts) first.
 * @module
 */
import { allocBuffer } from '../dtype.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastCopy } from './nd.js';

/** `f` applied to every element of `x`. */
export function map(x: Tensor, f: (v: number) => number): Tensor {
  const src = x.buffer;
  const out = allocBuffer(x.dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return new Tensor(out, x.shape);
}

/** `f(a, b)` elementwise after broadcasting `a` and `b` to a common shape (NumPy rules). */
export function zip(a: Tensor, b: Tensor, f: (x: number, y: number) => number, op: string): Tensor {
  const av = a.buffer;
  const bv = b.buffer;
  if (shapesEqual(a.shape, b.shape)) {
    const out = allocBuffer(a.dtype, av.length);
    for (let i = 0; i < av.length; i++) out[i] = f(av[i], bv[i]);
    return new Tensor(out, a.shape);
  }
  // One side a single element of no higher rank: no view needed.
  if (bv.length === 1 && b.ndim <= a.ndim) {
    const s = bv[0];
    const out = allocBuffer(a.dtype, av.length);
    for (let i = 0; i < av.length; i++) out[i] = f(av[i], s);
    return new Tensor(out, a.shape);
  }
  if (av.length === 1 && a.ndim <= b.ndim) {
    const s = av[0];
    const out = allocBuffer(a.dtype, bv.length);
    for (let i = 0; i < bv.length; i++) out[i] = f(s, bv[i]);
    return new Tensor(out, b.shape);
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const ab = shapesEqual(a.shape, shape) ? av : broadcastCopy(av, a.shape, shape, a.dtype);
  const bb = shapesEqual(b.shape, shape) ? bv : broadcastCopy(bv, b.shape, shape, b.dtype);
  const out = allocBuffer(a.dtype, ab.length);
  for (let i = 0; i < ab.length; i++) out[i] = f(ab[i], bb[i]);
  return new Tensor(out, shape);
}

/** `f(c, a, b)` elementwise after broadcasting all three (for `where`). */
export function zip3(c: Tensor, a: Tensor, b: Tensor, f: (c: number, x: number, y: number) => number, op: string): Tensor {
  const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, op), b.shape, op);
  const spread = (t: Tensor) => (shapesEqual(t.shape, shape) ? t.buffer : broadcastCopy(t.buffer, t.shape, shape, t.dtype));
  const cb = spread(c);
  const ab = spread(a);
  const bb = spread(b);
  const out = allocBuffer(a.dtype, ab.length);
  for (let i = 0; i < out.length; i++) out[i] = f(cb[i], ab[i], bb[i]);
  return new Tensor(out, shape);
}

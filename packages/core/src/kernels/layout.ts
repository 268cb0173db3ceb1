/**
 * Layout kernels: permute, broadcast, slice, its adjoint (embedding a slice into zeros) and
 * concatenation. Each builds a strided ndarray view and lets ndarray-ops copy it.
 * @module
 */
import { allocBuffer, type Buffer } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView, materialize, ndOps, view } from './nd.js';

/** A contiguous copy of `x` with its axes reordered: output axis i is input axis `axes[i]`. */
export function permuteKernel(x: Tensor, axes: readonly number[]): Tensor {
  const strides = stridesOf(x.shape);
  const shape = axes.map((a) => x.shape[a]);
  const src = view(x.buffer, shape, axes.map((a) => strides[a]));
  return new Tensor(materialize(src, x.dtype), shape);
}

/** A contiguous copy of `x` broadcast to `shape`. */
export function expandKernel(x: Tensor, shape: Shape): Tensor {
  return new Tensor(materialize(broadcastView(x.buffer, x.shape, shape), x.dtype), shape);
}

/** A slice of a contiguous array: along `axis`, `count` elements from `start` in steps of `step`. */
export interface SliceSpec {
  axis: number;
  start: number;
  count: number;
  step: number;
}

function sliceView(buffer: Buffer, shape: Shape, s: SliceSpec) {
  const strides = stridesOf(shape);
  const vShape = shape.slice();
  vShape[s.axis] = s.count;
  const vStrides = strides.slice();
  vStrides[s.axis] = strides[s.axis] * s.step;
  return view(buffer, vShape, vStrides, s.start * strides[s.axis]);
}

/** The elements of `x` selected by `s`, contiguous. */
export function sliceKernel(x: Tensor, s: SliceSpec): Tensor {
  const v = sliceView(x.buffer, x.shape, s);
  return new Tensor(materialize(v, x.dtype), v.shape);
}

/** Zeros of `shape` with `part` written where slice `s` would read (the adjoint of slicing). */
export function embedKernel(part: Tensor, shape: Shape, s: SliceSpec): Tensor {
  const out = allocBuffer(part.dtype, sizeOf(shape));
  if (part.size > 0) ndOps.assign(sliceView(out, shape, s), view(part.buffer, part.shape));
  return new Tensor(out, shape);
}

/** `xs` joined along `axis` (shapes already checked to agree elsewhere). */
export function concatKernel(xs: readonly Tensor[], axis: number, shape: Shape): Tensor {
  const out = allocBuffer(xs[0].dtype, sizeOf(shape));
  let start = 0;
  for (const x of xs) {
    const n = x.shape[axis];
    if (x.size > 0) ndOps.assign(sliceView(out, shape, { axis, start, count: n, step: 1 }), view(x.buffer, x.shape));
    start += n;
  }
  return new Tensor(out, shape);
}

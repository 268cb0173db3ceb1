/**
 * Layout kernels: permute, broadcast, slice, its adjoint (embedding a slice into zeros) and
 * concatenation. Each is one strided copy (kernels/nd.ts: a plain loop for small tensors, ndarray views
 * and ndarray-ops for large ones).
 * @module
 */
import { allocBuffer } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assignStrided, broadcastCopy, copyStrided } from './nd.js';

/** A contiguous copy of `x` with its axes reordered: output axis i is input axis `axes[i]`. */
export function permuteKernel(x: Tensor, axes: readonly number[]): Tensor {
  const strides = stridesOf(x.shape);
  const shape = axes.map((a) => x.shape[a]);
  return new Tensor(copyStrided(x.buffer, shape, axes.map((a) => strides[a]), 0, x.dtype), shape);
}

/** A contiguous copy of `x` broadcast to `shape`. */
export function expandKernel(x: Tensor, shape: Shape): Tensor {
  if (x.size === 1) {
    // one value everywhere (the gradient of a full sum, for one): a fill, no index arithmetic
    const out = allocBuffer(x.dtype, sizeOf(shape));
    out.fill(x.buffer[0]);
    return new Tensor(out, shape);
  }
  return new Tensor(broadcastCopy(x.buffer, x.shape, shape, x.dtype), shape);
}

/** A slice of a contiguous array: along `axis`, `count` elements from `start` in steps of `step`. */
export interface SliceSpec {
  axis: number;
  start: number;
  count: number;
  step: number;
}

/** The shape, strides and offset of slice `s` of a contiguous array of `shape`. */
function sliceLayout(shape: Shape, s: SliceSpec) {
  const strides = stridesOf(shape);
  const vShape = shape.slice();
  vShape[s.axis] = s.count;
  const vStrides = strides.slice();
  vStrides[s.axis] = strides[s.axis] * s.step;
  return { shape: vShape, strides: vStrides, offset: s.start * strides[s.axis] };
}

/** The elements of `x` selected by `s`, contiguous. */
export function sliceKernel(x: Tensor, s: SliceSpec): Tensor {
  const l = sliceLayout(x.shape, s);
  return new Tensor(copyStrided(x.buffer, l.shape, l.strides, l.offset, x.dtype), l.shape);
}

/** Zeros of `shape` with `part` written where slice `s` would read (the adjoint of slicing). */
export function embedKernel(part: Tensor, shape: Shape, s: SliceSpec): Tensor {
  const out = allocBuffer(part.dtype, sizeOf(shape));
  const l = sliceLayout(shape, s);
  assignStrided(out, l.shape, l.strides, l.offset, part.buffer);
  return new Tensor(out, shape);
}

/** `xs` joined along `axis` (shapes already checked to agree elsewhere). */
export function concatKernel(xs: readonly Tensor[], axis: number, shape: Shape): Tensor {
  const out = allocBuffer(xs[0].dtype, sizeOf(shape));
  let start = 0;
  for (const x of xs) {
    const n = x.shape[axis];
    const l = sliceLayout(shape, { axis, start, count: n, step: 1 });
    assignStrided(out, l.shape, l.strides, l.offset, x.buffer);
    start += n;
  }
  return new Tensor(out, shape);
}

/**
 * Layout kernels: permute, broadcast, slice, its adjoint (embedding a slice into zeros) and
 * concatenation. Each is one strided copy (`copyStrided` / `assignStrided` in kernels/nd.ts).
 * @module
 */
import { allocBuffer, dtypeOf, type DType, type TensorData } from '../dtype.js';
import { frozenShape, sizeOf, stridesOf, type Shape, shapeSlice } from '../shape.js';
import { assignStrided, broadcastCopy, copyStrided } from './nd.js';

/** A contiguous copy of `x` with its axes reordered: output axis i is input axis `axes[i]`. */
export function permuteKernel(x: TensorData, axes: readonly number[]): TensorData {
  const strides = stridesOf(x.shape);
  const shape = frozenShape(axes.map((a) => x.shape[a]));
  return { buffer: copyStrided(x.buffer, shape, axes.map((a) => strides[a]), 0, dtypeOf(x.buffer)), shape: shape };
}

/** A contiguous copy of `x` broadcast to `shape`. */
export function expandKernel(x: TensorData, shape: Shape): TensorData {
  if (x.buffer.length === 1) {
    // one value everywhere (the gradient of a full sum, for one): a fill, no index arithmetic
    const out = allocBuffer(dtypeOf(x.buffer), sizeOf(shape));
    out.fill(x.buffer[0]);
    return { buffer: out, shape: shape };
  }
  return { buffer: broadcastCopy(x.buffer, x.shape, shape, dtypeOf(x.buffer)), shape: shape };
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
  const vShape = shapeSlice(shape);
  vShape[s.axis] = s.count;
  const vStrides = strides.slice();
  vStrides[s.axis] = strides[s.axis] * s.step;
  return { shape: frozenShape(vShape), strides: vStrides, offset: s.start * strides[s.axis] };
}

/** The elements of `x` selected by `s`, contiguous. */
export function sliceKernel(x: TensorData, s: SliceSpec): TensorData {
  const l = sliceLayout(x.shape, s);
  return { buffer: copyStrided(x.buffer, l.shape, l.strides, l.offset, dtypeOf(x.buffer)), shape: l.shape };
}

/** Zeros of `shape` with `part` written where slice `s` would read (the adjoint of slicing). */
export function embedKernel(part: TensorData, shape: Shape, s: SliceSpec): TensorData {
  const out = allocBuffer(dtypeOf(part.buffer), sizeOf(shape));
  const l = sliceLayout(shape, s);
  assignStrided(out, l.shape, l.strides, l.offset, part.buffer);
  return { buffer: out, shape: shape };
}

/** `xs` joined along `axis` (shapes already checked to agree elsewhere). */
export function concatKernel(xs: readonly TensorData[], axis: number, shape: Shape): TensorData {
  const out = allocBuffer(dtypeOf(xs[0].buffer), sizeOf(shape));
  let start = 0;
  for (const x of xs) {
    const n = x.shape[axis];
    const l = sliceLayout(shape, { axis, start, count: n, step: 1 });
    assignStrided(out, l.shape, l.strides, l.offset, x.buffer);
    start += n;
  }
  return { buffer: out, shape: shape };
}

/** The elements of `x` in a buffer of `dtype` (float64 → float32 rounds to nearest). */
export function castKernel(x: TensorData, dtype: DType): TensorData {
  const out = allocBuffer(dtype, x.buffer.length);
  out.set(x.buffer);
  return { buffer: out, shape: x.shape };
}

/**
 * Reductions (sum, max, min) over any set of axes of a contiguous buffer, in one pass over the
 * input in memory order.
 * @module
 */
import { allocBuffer, dtypeOf, type Buffer, type TensorData } from '../dtype.js';
import { frozenShape, stridesOf, type Shape, shapeSlice, withoutAxes } from '../shape.js';

/** How elements combine. */
export type Reduction = 'sum' | 'max' | 'min';

/**
 * Reduces `x` over `axes` (sorted, distinct, in range). The result has `keptShape`: `x.shape` with
 * each reduced axis set to 1 (the caller reshapes when keepdims is false).
 */
export function reduce(x: TensorData, axes: readonly number[], kind: Reduction): TensorData {
  const shape = x.shape;
  const keptShape = shapeSlice(shape);
  for (const a of axes) keptShape[a] = 1;
  const kept: Shape = frozenShape(keptShape);
  const src = x.buffer;
  let outSize = 1;
  for (const d of kept) outSize *= d;
  const out = allocBuffer(dtypeOf(src), outSize);
  const init = kind === 'sum' ? 0 : kind === 'max' ? -Infinity : Infinity;
  out.fill(init);
  if (src.length === 0) return { buffer: out, shape: kept };
  if (outSize === 1) {
    out[0] = combineRange(src, 0, src.length, kind, init);
    return { buffer: out, shape: kept };
  }
  // The two common layouts, each element still combined in memory order (the same bits as below):
  // trailing axes (softmax's and layer norm's sums over the last axis), and leading axes (a bias's
  // gradient summed over the batch). NOTE: the general loop's odometer step per element made these
  // about a tenth of a small transformer's training step.
  const nd = shape.length;
  if (axes[axes.length - 1] === nd - 1 && axes[0] === nd - axes.length) {
    const inner = src.length / outSize;
    for (let o = 0; o < outSize; o++) out[o] = combineRange(src, o * inner, (o + 1) * inner, kind, init);
    return { buffer: out, shape: kept };
  }
  if (axes[0] === 0 && axes[axes.length - 1] === axes.length - 1) {
    for (let r = 0; r < src.length; r += outSize) combineRow(out, src, r, kind);
    return { buffer: out, shape: kept };
  }
  // Output strides seen from the input's index: 0 along reduced axes.
  const outStrides = stridesOf(kept);
  for (const a of axes) outStrides[a] = 0;
  const idx = new Array<number>(nd).fill(0);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (kind === 'sum') out[o] += v;
    else if (kind === 'max') {
      if (v > out[o] || v !== v) out[o] = v;
    } else if (v < out[o] || v !== v) out[o] = v;
    // NOTE: once NaN, max/min stay NaN (v > NaN is false), so NaN propagates as in NumPy.
    // The step of nextStridedOffset (kernels/nd.ts), written out here: called per element, the
    // function call made this loop about 4x slower on small reductions (measured on W1's bias sums).
    for (let d = nd - 1; d >= 0; d--) {
      o += outStrides[d];
      if (++idx[d] < shape[d]) break;
      o -= outStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { buffer: out, shape: kept };
}

/** `src[from]` … `src[to - 1]` combined in order, from `init`. */
function combineRange(src: Buffer, from: number, to: number, kind: Reduction, init: number): number {
  let acc = init;
  if (kind === 'sum') for (let i = from; i < to; i++) acc += src[i];
  else if (kind === 'max') {
    for (let i = from; i < to; i++) if (src[i] > acc || src[i] !== src[i]) acc = src[i];
  } else for (let i = from; i < to; i++) if (src[i] < acc || src[i] !== src[i]) acc = src[i];
  return acc;
}

/** `out[j]` combined with `src[start + j]` for every j of `out`. */
function combineRow(out: Buffer, src: Buffer, start: number, kind: Reduction): void {
  const n = out.length;
  if (kind === 'sum') for (let j = 0; j < n; j++) out[j] += src[start + j];
  else if (kind === 'max') {
    for (let j = 0; j < n; j++) if (src[start + j] > out[j] || src[start + j] !== src[start + j]) out[j] = src[start + j];
  } else for (let j = 0; j < n; j++) if (src[start + j] < out[j] || src[start + j] !== src[start + j]) out[j] = src[start + j];
}

/** `shape` without the reduced axes (keepdims false). */
export function dropAxes(shape: Shape, axes: readonly number[]): Shape {
  return frozenShape(withoutAxes(shape, axes));
}

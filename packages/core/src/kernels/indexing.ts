/**
 * Index kernels: gather and scatter-add along one axis, over contiguous buffers. Index values are
 * checked by the op layer before these run.
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';
import { MAX_RANK, stridesOf, type Shape } from '../shape.js';
import { nextStridedOffset } from './nd.js';

/**
 * out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis`: the output has the index's shape.
 * For every output position p, its coordinates are p's except along `axis`, where it is index[p].
 */
export function gatherKernel(x: TensorData, axis: number, index: TensorData): TensorData {
  const shape = index.shape;
  const out = allocBuffer(dtypeOf(x.buffer), index.buffer.length);
  const xStrides = stridesOf(x.shape);
  forEachPosition(shape, (p, coords) => {
    let offset = 0;
    for (let d = 0; d < shape.length; d++) offset += (d === axis ? index.buffer[p] : coords[d]) * xStrides[d];
    out[p] = x.buffer[offset];
  });
  return { buffer: out, shape };
}

/** A copy of `x` with src[p] added at x[..., index[p], ...] along `axis` for every position p of src. */
export function scatterAddKernel(x: TensorData, axis: number, index: TensorData, src: TensorData): TensorData {
  const out = x.buffer.slice();
  const xStrides = stridesOf(x.shape);
  const srcStrides = stridesOf(src.shape);
  const shape = index.shape;
  forEachPosition(shape, (p, coords) => {
    let offset = 0;
    let srcOffset = 0;
    for (let d = 0; d < shape.length; d++) {
      offset += (d === axis ? index.buffer[p] : coords[d]) * xStrides[d];
      srcOffset += coords[d] * srcStrides[d];
    }
    out[offset] += src.buffer[srcOffset];
  });
  return { buffer: out, shape: x.shape };
}

/** Calls `f(p, coords)` for every position of a contiguous array of `shape`, in row-major order. */
function forEachPosition(shape: Shape, f: (p: number, coords: readonly number[]) => void): void {
  let size = 1;
  for (const d of shape) size *= d;
  const coords = new Array<number>(shape.length).fill(0);
  for (let p = 0; p < size; p++) {
    f(p, coords);
    nextStridedOffset(coords, shape, NO_STRIDES, 0);
  }
}
// zero strides: nextStridedOffset only steps the index
const NO_STRIDES: readonly number[] = new Array<number>(MAX_RANK).fill(0);

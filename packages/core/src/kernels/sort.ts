/**
 * Search and sort kernels along one axis: the position of the largest or smallest element, and the
 * sorting permutation. Both return positions as whole numbers in the input's dtype (chainrule's rule
 * for index tensors, ops/indexing.ts). NaN is ordered as PyTorch orders it: above every number.
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';
import { frozenShape, sizeOf, shapeSlice } from '../shape.js';

/** The sizes before, along and after `axis`: a line along the axis starts at o·n·inner + i and steps by inner. */
function lines(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  return { outer: sizeOf(shapeSlice(shape, 0, axis)), n: shape[axis], inner: sizeOf(shapeSlice(shape, axis + 1)) };
}

/**
 * The position along `axis` of the largest (`'max'`) or smallest (`'min'`) element of each line,
 * in the shape of `x` with that axis kept as size 1. Ties go to the first position; a NaN is the
 * extreme either way (max and min propagate it), so the first NaN wins, as in PyTorch.
 */
export function argExtremeKernel(x: TensorData, axis: number, kind: 'max' | 'min'): TensorData {
  const { outer, n, inner } = lines(x.shape, axis);
  const src = x.buffer;
  const out = allocBuffer(dtypeOf(src), outer * inner);
  const max = kind === 'max';
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = src[base];
      let at = 0;
      if (best === best) {
        for (let k = 1; k < n; k++) {
          const v = src[base + k * inner];
          if (v !== v) {
            at = k;
            break;
          }
          if (max ? v > best : v < best) {
            best = v;
            at = k;
          }
        }
      }
      out[o * inner + i] = at;
    }
  }
  const shape = shapeSlice(x.shape);
  shape[axis] = 1;
  return { buffer: out, shape: frozenShape(shape) };
}

/** Ascending order with NaN above every number and NaNs equal to each other; -0 and 0 are equal. */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return a !== a ? (b !== b ? 0 : 1) : -1;
}

/**
 * The stable sorting permutation of every line along `axis`: out[..., k, ...] is the position of
 * the k-th smallest (or, descending, largest) element. Equal elements keep their order in both
 * directions; NaN sorts above every number (last ascending, first descending).
 */
export function argsortKernel(x: TensorData, axis: number, descending: boolean): TensorData {
  const { outer, n, inner } = lines(x.shape, axis);
  const src = x.buffer;
  const out = allocBuffer(dtypeOf(src), src.length);
  const values = new Array<number>(n);
  // NOTE: a plain array of positions, not a typed array: Array.prototype.sort is required to be
  // stable (ES2019), and stability is what makes ties come out in input order.
  const order = new Array<number>(n);
  const compare = descending ? (p: number, q: number) => ascending(values[q], values[p]) : (p: number, q: number) => ascending(values[p], values[q]);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let k = 0; k < n; k++) {
        values[k] = src[base + k * inner];
        order[k] = k;
      }
      order.sort(compare);
      for (let k = 0; k < n; k++) out[base + k * inner] = order[k];
    }
  }
  return { buffer: out, shape: x.shape };
}

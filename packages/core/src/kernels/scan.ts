/**
 * Scans along one axis: running sums and products (either direction), the first-order linear
 * recurrence y_i = b_i + a_i·y_(i∓1), and a shift by one place. Every kernel walks the axis as
 * `outer × n × inner` (inner elements are `inner` apart), so no copy is made.
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';

/** The layout of a walk along `axis`: how many runs, the axis length, and the stride of the axis. */
function along(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, n: shape.length === 0 ? 1 : shape[axis], inner };
}

/**
 * The running sum or product along `axis` (a rank-0 tensor counts as one element): from the start,
 * or from the end when `reverse`, each output the sum/product of its element and those before it.
 */
export function scanKernel(x: TensorData, axis: number, reverse: boolean, kind: 'sum' | 'prod'): TensorData {
  const src = x.buffer;
  const out = allocBuffer(dtypeOf(src), src.length);
  const { outer, n, inner } = along(x.shape, axis);
  const step = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let i = o * n * inner + j + (reverse ? (n - 1) * inner : 0);
      let acc = kind === 'sum' ? 0 : 1;
      for (let k = 0; k < n; k++, i += step) {
        acc = kind === 'sum' ? acc + src[i] : acc * src[i];
        out[i] = acc;
      }
    }
  }
  return { buffer: out, shape: x.shape };
}

/**
 * The first-order linear recurrence y_i = b_i + a_i·y_(i−1) along `axis` (y_(−1) = 0, so y_0 = b_0),
 * or from the end y_i = b_i + a_i·y_(i+1) when `reverse`. `a` and `b` have one shape.
 */
export function linearScanKernel(a: TensorData, b: TensorData, axis: number, reverse: boolean): TensorData {
  const av = a.buffer;
  const bv = b.buffer;
  const out = allocBuffer(dtypeOf(bv), bv.length);
  const { outer, n, inner } = along(b.shape, axis);
  if (n === 0) return { buffer: out, shape: b.shape };
  const step = reverse ? -inner : inner;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let i = o * n * inner + j + (reverse ? (n - 1) * inner : 0);
      out[i] = bv[i];
      let prev = out[i];
      i += step;
      for (let k = 1; k < n; k++, i += step) {
        prev = bv[i] + av[i] * prev;
        out[i] = prev;
      }
    }
  }
  return { buffer: out, shape: b.shape };
}

/**
 * `x` moved `by` places (+1 or −1) along `axis`: out_i = x_(i−by), and `fill` where that is outside.
 */
export function shiftKernel(x: TensorData, axis: number, by: 1 | -1, fill: number): TensorData {
  const src = x.buffer;
  const out = allocBuffer(dtypeOf(src), src.length);
  const { outer, n, inner } = along(x.shape, axis);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let k = 0; k < n; k++) {
      const from = k - by;
      for (let j = 0; j < inner; j++) out[base + k * inner + j] = from >= 0 && from < n ? src[base + from * inner + j] : fill;
    }
  }
  return { buffer: out, shape: x.shape };
}

/**
 * Reductions that fold each slice on its own, which the one-pass sum/max/min kernel (reduce.ts)
 * does not cover: the product, the variance (two passes: mean, then squared deviations) and the
 * p-norms (two passes: the largest |x|, then the scaled sum). The reduced axes are first moved last
 * (one permuting copy, skipped when they already are), so every slice is a contiguous run.
 * @module
 */
import { allocBuffer, dtypeOf, type Buffer, type TensorData } from '../dtype.js';
import { frozenShape, type Shape } from '../shape.js';
import { permuteKernel } from './layout.js';

/**
 * The elements of `x` as contiguous slices, one per output element, each holding the elements
 * reduced into it in row-major order of the reduced axes (sorted, distinct). `kept` is the output
 * shape with each reduced axis as 1.
 */
function slices(x: TensorData, axes: readonly number[]): { buffer: Buffer; count: number; length: number; kept: Shape } {
  const nd = x.shape.length;
  const rest = Array.from({ length: nd }, (_, i) => i).filter((i) => !axes.includes(i));
  const order = [...rest, ...axes];
  const moved = order.every((a, i) => a === i) ? x : permuteKernel(x, order);
  let length = 1;
  for (const a of axes) length *= x.shape[a];
  const kept = frozenShape(x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
  let count = 1;
  for (const d of kept) count *= d;
  return { buffer: moved.buffer, count, length, kept };
}

/** Applies `fold` to each slice (start offset and length) and returns the kept-shape result. */
function foldSlices(x: TensorData, axes: readonly number[], fold: (src: Buffer, start: number, length: number) => number): TensorData {
  const { buffer, count, length, kept } = slices(x, axes);
  const out = allocBuffer(dtypeOf(x.buffer), count);
  for (let o = 0; o < count; o++) out[o] = fold(buffer, o * length, length);
  return { buffer: out, shape: kept };
}

/** The product over `axes`, multiplied left to right in row-major order (1 for no elements). */
export function prodKernel(x: TensorData, axes: readonly number[]): TensorData {
  return foldSlices(x, axes, (src, start, n) => {
    let p = 1;
    for (let i = start; i < start + n; i++) p *= src[i];
    return p;
  });
}

/**
 * Σ(x − mean)² / max(0, n − correction) over `axes`, by the corrected two-pass algorithm: the mean
 * first, then Σd² − (Σd)²/n over the deviations d = x − mean. Unlike Σx² − n·mean² it does not
 * cancel, and the (Σd)²/n term removes the error of the rounded mean (whose Σd would be 0 if it
 * were exact): the population variance of [1e16, 1e16 + 2] is 1, where the plain two-pass form,
 * Welford's and PyTorch 1.13 give 2 (the mean 1e16 + 1 is not a double).
 */
export function varKernel(x: TensorData, axes: readonly number[], correction: number): TensorData {
  return foldSlices(x, axes, (src, start, n) => {
    let sum = 0;
    for (let i = start; i < start + n; i++) sum += src[i];
    const mean = sum / n;
    let m2 = 0;
    let drift = 0;
    for (let i = start; i < start + n; i++) {
      const d = src[i] - mean;
      m2 += d * d;
      drift += d;
    }
    return (m2 - (drift * drift) / n) / Math.max(0, n - correction);
  });
}

/**
 * The p-norm over `axes`: Σ|x| for p = 1, max |x| for p = Infinity, (Σ|x|ᵖ)^(1/p) otherwise.
 *
 * NOTE: for p ∉ {1, Infinity} every |x| is first divided by s, a power of two near the largest
 * |x|, and the result multiplied back: |x|ᵖ can then neither overflow nor underflow (the 2-norm of
 * [1e200, 1e200] is 1.414e200, not Infinity; of [1e-200, 1e-200] 1.414e-200, not 0). Dividing by
 * a power of two is exact, so for p = 2 the result is bit for bit the unscaled one wherever that
 * one does not overflow or underflow. A NaN anywhere in the slice gives NaN, else an infinite
 * element gives Infinity.
 */
export function normKernel(x: TensorData, axes: readonly number[], p: number): TensorData {
  if (p === 1) {
    return foldSlices(x, axes, (src, start, n) => {
      let s = 0;
      for (let i = start; i < start + n; i++) s += Math.abs(src[i]);
      return s;
    });
  }
  return foldSlices(x, axes, (src, start, n) => {
    let m = 0;
    for (let i = start; i < start + n; i++) {
      const a = Math.abs(src[i]);
      if (a > m || a !== a) m = a;
      if (m !== m) return NaN;
    }
    if (p === Infinity || m === 0 || m === Infinity) return m;
    const scale = Math.pow(2, Math.floor(Math.log2(m))); // exact: an integer power of two
    let s = 0;
    if (p === 2) {
      for (let i = start; i < start + n; i++) {
        const v = src[i] / scale;
        s += v * v;
      }
      return Math.sqrt(s) * scale;
    }
    for (let i = start; i < start + n; i++) s += Math.pow(Math.abs(src[i]) / scale, p);
    return Math.pow(s, 1 / p) * scale;
  });
}

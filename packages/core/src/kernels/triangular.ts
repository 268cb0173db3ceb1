/**
 * The triangle kernel: the lower or upper triangle of every matrix in a batch (the last two axes).
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';

/**
 * `x` with every element off the triangle set to 0: kept are the (i, j) with j - i ≤ k (lower) or
 * j - i ≥ k (upper), over the last two axes. Elements are selected, not multiplied: a NaN off the
 * triangle becomes 0.
 */
export function triangleKernel(x: TensorData, k: number, lower: boolean): TensorData {
  const shape = x.shape;
  const rows = shape[shape.length - 2];
  const cols = shape[shape.length - 1];
  const src = x.buffer;
  const out = allocBuffer(dtypeOf(src), src.length);
  const matrix = rows * cols;
  for (let base = 0; base < src.length; base += matrix) {
    for (let i = 0; i < rows; i++) {
      const row = base + i * cols;
      // the kept columns of row i: j ≤ i + k (lower) or j ≥ i + k (upper)
      const from = lower ? 0 : Math.max(0, Math.min(cols, i + k));
      const to = lower ? Math.max(0, Math.min(cols, i + k + 1)) : cols;
      for (let j = from; j < to; j++) out[row + j] = src[row + j];
    }
  }
  return { buffer: out, shape };
}

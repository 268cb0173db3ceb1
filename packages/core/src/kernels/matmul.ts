/**
 * Matrix multiplication kernel over contiguous row-major buffers, batched with broadcast batch
 * dimensions.
 * @module
 */
import { allocBuffer, type Buffer } from '../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * C = A B for one pair of matrices: A is m×k at `aOff`, B is k×n at `bOff`, C is m×n at `cOff`
 * (C must hold zeros). Loop order i-p-j keeps the inner loop on contiguous rows of B and C.
 */
export function gemm(a: Buffer, aOff: number, b: Buffer, bOff: number, c: Buffer, cOff: number, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const cRow = cOff + i * n;
    const aRow = aOff + i * k;
    for (let p = 0; p < k; p++) {
      const aip = a[aRow + p];
      const bRow = bOff + p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
    }
  }
}

/**
 * Batched matmul of `a` (..., m, k) and `b` (..., k, n) whose batch dimensions `batch` are already
 * broadcast-checked; returns (...batch, m, n).
 */
export function matmulKernel(a: Tensor, b: Tensor, batch: Shape): Tensor {
  const m = a.shape[a.ndim - 2];
  const k = a.shape[a.ndim - 1];
  const n = b.shape[b.ndim - 1];
  const batchSize = sizeOf(batch);
  const out = allocBuffer(a.dtype, batchSize * m * n);
  const aOffsets = batchOffsets(a.shape.slice(0, -2), batch, m * k);
  const bOffsets = batchOffsets(b.shape.slice(0, -2), batch, k * n);
  for (let t = 0; t < batchSize; t++) gemm(a.buffer, aOffsets[t], b.buffer, bOffsets[t], out, t * m * n, m, k, n);
  return new Tensor(out, [...batch, m, n]);
}

/** Offset of each batch element's matrix in an operand whose batch shape broadcasts to `batch`. */
function batchOffsets(own: Shape, batch: Shape, matrixSize: number): Int32Array | number[] {
  const count = sizeOf(batch);
  if (own.length === 0) return new Array<number>(count).fill(0);
  const lead = batch.length - own.length;
  const ownStrides = stridesOf(own);
  const offsets = new Array<number>(count);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < count; t++) {
    let off = 0;
    for (let d = lead; d < batch.length; d++) if (own[d - lead] !== 1) off += idx[d] * ownStrides[d - lead];
    offsets[t] = off * matrixSize;
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return offsets;
}

/**
 * Matrix multiplication kernel over contiguous row-major buffers, batched with broadcast batch
 * dimensions, reading either operand transposed in place (no transposed copy is made).
 *
 * Large products run a cache-blocked GEMM in the style of GotoBLAS: a kc×nc block of B and an mc×kc
 * block of A are packed into contiguous micro-panels, and a 4×4 register tile of C is accumulated in
 * 16 local variables (V8 keeps them in registers), so each step of the inner loop does 8 loads for
 * 16 multiply-adds instead of the 2 loads and 1 store per multiply-add of a plain i-k-j loop.
 * Packing absorbs any stride, which is how transposed operands cost nothing extra. Where WebAssembly
 * SIMD exists, the tiles run in a tiny SIMD module instead (matmul-simd.ts, about 4x the throughput
 * of the JavaScript tile), with the same rounding.
 *
 * The SIMD module computes a whole mc×nc block per call into its own memory, and the block is
 * copied into C row by row (typed-array `set`, a memory copy). Operands whose lines are contiguous
 * are copied rather than packed, and the kernel reads them through strides: A always (rows or, for
 * a transposed A, columns), B when its rows are contiguous and the k-block is short (≤ 64; on long
 * k-blocks the packed panel's locality wins, about 10% at 512). This matters when k is small
 * (convolutions: 9 taps of one channel, 8 or 16 output channels in the input gradient): calling the
 * module per 4×4 tile and copying each tile's 16 sums in and out in JavaScript cost more than the
 * tile's own work. Measured 2026-12-02 with `pnpm exec tsx packages/core/scripts/bench-gemm.ts`
 * (GFLOP/s from the process CPU time, medians of 11 rounds, load average ~4.5 on 2 shared cores),
 * per-tile calls before → per-block calls after:
 *
 *   conv1 forward     [8, 9] · [9, 43264]             2.9 → 4.7
 *   conv1 weight grad [8, 43264] · [43264, 9]ᵀ        2.4 → 3.9
 *   conv1 input grad  [9, 8]ᵀ · [8, 43264]            2.7 → 3.8
 *   conv2 forward     [16, 72] · [72, 7744]           4.8 → 5.9
 *   conv2 weight grad [16, 7744] · [7744, 72]ᵀ        5.2 → 6.8
 *   conv2 input grad  [72, 16]ᵀ · [16, 7744]          4.8 → 6.0
 *   [43264, 9] · [9, 8]                               2.3 → 4.7
 *   [7744, 72] · [72, 16]                             5.2 → 12.5
 *   square 512                                       10.4 → 11.5
 *
 * NOTE: every element of C is summed in the same order as the naive loop, Σ over p = 0, 1, ..., k-1
 * starting from 0 (the k-blocks continue the running sum stored in C, and JavaScript has no fused
 * multiply-add), so results are bit-identical to a triple loop; tests compare with `toEqual`.
 * @module
 */
import { allocBuffer, dtypeOf, type Buffer, type TensorData } from '../dtype.js';
import { frozenShape, sizeOf, type Shape, shapeSlice } from '../shape.js';
import { broadcastStrides, nextStridedOffset } from './nd.js';
import { createSimdKernel, type SimdKernel } from './matmul-simd.js';
import { gemmParallel, getNumThreads } from './matmul-threads.js';

/** Register tile: MR rows × NR columns of C live in local variables. */
const MR = 4;
const NR = 4;
/** Cache blocks: a packed B micro-panel (KC × NR) stays in L1, a packed A block (MC × KC) in L2. */
const KC = 256;
const MC = 64;
const NC = 512;
/** Below this many multiply-adds (or with fewer than 4 rows or columns) packing costs more than it saves. */
const BLOCKED_MIN_WORK = 16384;

// Packing scratch of the JavaScript tile, shared by all calls (the kernel is synchronous and never
// re-entered). Made on first use: where the SIMD tile runs, its packing lives in WebAssembly memory
// and these 1.1 MB are never needed.
let jsScratch: { packedA: Float64Array; packedB: Float64Array } | null = null;
const edgeTile = new Float64Array(MR * NR);

function jsPacking(): { packedA: Float64Array; packedB: Float64Array } {
  return (jsScratch ??= { packedA: new Float64Array(MC * KC), packedB: new Float64Array(KC * NC) });
}

/** The SIMD kernel: undefined until first needed (nothing is compiled at import), null where unavailable or switched off. */
let simd: SimdKernel | null | undefined;
let simdEnabled = true;

function simdKernel(): SimdKernel | null {
  if (!simdEnabled) return null;
  if (simd === undefined) simd = createSimdKernel(MC * NC, MC * KC, KC * NC);
  return simd;
}

/**
 * @internal Switches the WebAssembly SIMD tile on or off (on by default; tests run both kernels) and
 * returns whether SIMD will be used.
 * @example
 * ```ts
 * setMatmulSimd(false); // plain JavaScript tile from now on
 * ```
 */
export function setMatmulSimd(enabled: boolean): boolean {
  simdEnabled = enabled;
  return simdKernel() !== null;
}

/**
 * C = op(A) · op(B) for one pair of matrices, overwriting C (m×n, row stride `ldc`, at `cOff`).
 * Element (i, p) of op(A) is `a[aOff + i·aRs + p·aCs]` and element (p, j) of op(B) is
 * `b[bOff + p·bRs + j·bCs]`, so a transposed operand is just swapped strides:
 *
 *   C[i][j] = Σₚ a[aOff + i·aRs + p·aCs] · b[bOff + p·bRs + j·bCs],  p = 0 … k-1 in order.
 *
 * With threads on (setNumThreads), a large product is split between threads by whole rows or
 * columns of C (matmul-threads.ts), each running {@link gemmOneThread}: the same bits.
 * @example
 * ```ts
 * // [[1, 2], [3, 4]] · [[5, 6], [7, 8]]ᵀ, B read transposed through its strides
 * const c = new Float64Array(4);
 * gemm(2, 2, 2, new Float64Array([1, 2, 3, 4]), 0, 2, 1, new Float64Array([5, 6, 7, 8]), 0, 1, 2, c, 0, 2);
 * // c = [17, 23, 39, 53]
 * ```
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: Buffer,
  aOff: number,
  aRs: number,
  aCs: number,
  b: Buffer,
  bOff: number,
  bRs: number,
  bCs: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  // (the thread count is asked here first: a 15-argument call per product is measurable on the 2×2
  // products of small networks, and threads are off unless set)
  if (getNumThreads() === 1 || !gemmParallel(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, gemmOneThread)) {
    gemmOneThread(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc);
  }
}

/**
 * {@link gemm} on the calling thread only (what each thread runs on its part of a split product).
 * @example
 * ```ts
 * gemmOneThread(2, 2, 2, new Float64Array([1, 2, 3, 4]), 0, 2, 1, new Float64Array([5, 6, 7, 8]), 0, 1, 2, c, 0, 2);
 * ```
 */
export function gemmOneThread(
  m: number, n: number, k: number,
  a: Buffer, aOff: number, aRs: number, aCs: number,
  b: Buffer, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    for (let i = 0; i < m; i++) c.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  if (m < MR || n < NR || m * n * k < BLOCKED_MIN_WORK) gemmDirect(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc);
  else gemmBlocked(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc);
}

/** Small products: plain loops, i-p-j when rows of op(B) are contiguous, else one dot product per element. */
function gemmDirect(
  m: number, n: number, k: number,
  a: Buffer, aOff: number, aRs: number, aCs: number,
  b: Buffer, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, ldc: number,
): void {
  if (bCs === 1) {
    for (let i = 0; i < m; i++) {
      const cRow = cOff + i * ldc;
      c.fill(0, cRow, cRow + n);
      for (let p = 0; p < k; p++) {
        const aip = a[aOff + i * aRs + p * aCs];
        const bRow = bOff + p * bRs;
        for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const aRow = aOff + i * aRs;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let ai = aRow;
      let bi = bOff + j * bCs;
      for (let p = 0; p < k; p++) {
        s += a[ai] * b[bi];
        ai += aCs;
        bi += bRs;
      }
      c[cOff + i * ldc + j] = s;
    }
  }
}

/** Blocked GEMM: loops jc (NC) → pc (KC, pack B) → ic (MC, pack A) → the tiles of the block. */
function gemmBlocked(
  m: number, n: number, k: number,
  a: Buffer, aOff: number, aRs: number, aCs: number,
  b: Buffer, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, ldc: number,
): void {
  const wasm = simdKernel();
  if (wasm !== null) {
    gemmBlockedSimd(wasm, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc);
    return;
  }
  const { packedA: pa, packedB: pb } = jsPacking();
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const first = p0 === 0;
      packPanels(b, bOff + p0 * bRs + j0 * bCs, bCs, bRs, nc, kc, pb);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packPanels(a, aOff + i0 * aRs + p0 * aCs, aRs, aCs, mc, kc, pa);
        for (let j = 0; j < nc; j += NR) {
          const cols = Math.min(NR, nc - j);
          for (let i = 0; i < mc; i += MR) {
            const rows = Math.min(MR, mc - i);
            const ci = cOff + (i0 + i) * ldc + j0 + j;
            if (rows === MR && cols === NR) {
              microKernel(kc, pa, i * kc, pb, j * kc, c, ci, ldc, first);
            } else {
              // Edge tile: run the full 4×4 kernel on a scratch tile (the packs are zero-padded), keep the valid part.
              if (!first) for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) edgeTile[r * NR + q] = c[ci + r * ldc + q];
              microKernel(kc, pa, i * kc, pb, j * kc, edgeTile, 0, NR, first);
              for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) c[ci + r * ldc + q] = edgeTile[r * NR + q];
            }
          }
        }
      }
    }
  }
}

/**
 * The blocked GEMM on the SIMD kernel: the same blocks, but one WebAssembly call runs every tile of
 * an mc×nc block into the module's own C block, which is copied into C row by row (and, after the
 * first k-block, from C first). B with contiguous rows is copied row by row instead of packed.
 */
function gemmBlockedSimd(
  wasm: SimdKernel,
  m: number, n: number, k: number,
  a: Buffer, aOff: number, aRs: number, aCs: number,
  b: Buffer, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, ldc: number,
): void {
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    const nPanels = Math.ceil(nc / NR);
    const ldw = nPanels * NR; // row stride of the C block
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const first = p0 === 0;
      let bP = 8 * NR;
      let bPanel = 8 * NR * kc;
      if (bCs === 1 && kc <= B_COPY_MAX_K) {
        copyRows(b, bOff + p0 * bRs + j0, bRs, wasm.b, 0, ldw, kc, nc);
        bP = 8 * ldw;
        bPanel = 8 * NR;
      } else packPanels(b, bOff + p0 * bRs + j0 * bCs, bCs, bRs, nc, kc, wasm.b);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        const aBlock = aOff + i0 * aRs + p0 * aCs;
        let aRow = 8;
        let aP = 8 * MR;
        let aPanel = 8 * MR * kc;
        if (aCs === 1) {
          copyRows(a, aBlock, aRs, wasm.a, 0, kc, mc, kc);
          [aRow, aP, aPanel] = [8 * kc, 8, 8 * MR * kc];
        } else if (aRs === 1) {
          copyRows(a, aBlock, aCs, wasm.a, 0, mc, kc, mc);
          [aRow, aP, aPanel] = [8, 8 * mc, 8 * MR];
        } else packPanels(a, aBlock, aRs, aCs, mc, kc, wasm.a);
        const ci = cOff + i0 * ldc + j0;
        if (!first) copyRows(c, ci, ldc, wasm.c, 0, ldw, mc, nc);
        wasm.run(kc, Math.ceil(mc / MR), nPanels, wasm.aOffset, aRow, aP, aPanel, wasm.bOffset, bP, bPanel, wasm.cOffset, 8 * ldw, first ? 1 : 0);
        copyRows(wasm.c, 0, ldw, c, ci, ldc, mc, nc);
      }
    }
  }
}

/** B blocks of at most this many rows are copied as rows rather than packed (see the NOTE). */
const B_COPY_MAX_K = 64;

/** Rows shorter than this are copied element by element: a subarray per row costs more than the loop. */
const ROW_SET_MIN = 32;

/** Copies `rows` rows of `cols` elements from `src` (row stride `ss`) into `dst` (row stride `ds`). */
function copyRows(src: Buffer, so: number, ss: number, dst: Float64Array, d: number, ds: number, rows: number, cols: number): void {
  if (ss === cols && ds === cols) {
    dst.set(src.subarray(so, so + rows * cols), d); // one contiguous run
    return;
  }
  if (cols >= ROW_SET_MIN) {
    for (let r = 0; r < rows; r++, so += ss, d += ds) dst.set(src.subarray(so, so + cols), d);
    return;
  }
  for (let r = 0; r < rows; r++, so += ss, d += ds) for (let q = 0; q < cols; q++) dst[d + q] = src[so + q];
}

/**
 * Packs `lines` lines of `kc` elements into panels of 4 lines, laid out [panel][p][line], zero-padding
 * the last panel: element (line l, p) is `src[off + l·ls + p·ps]`. op(A)'s rows (ls = aRs, ps = aCs)
 * and op(B)'s columns (ls = bCs, ps = bRs) are both such lines.
 */
function packPanels(src: Buffer, off: number, ls: number, ps: number, lines: number, kc: number, dst: Float64Array): void {
  let d = 0;
  for (let l = 0; l < lines; l += 4) {
    const count = Math.min(4, lines - l);
    let s0 = off + l * ls;
    if (count === 4) {
      // a full panel, written out: the general loop below costs about twice as much per element
      const l2 = 2 * ls;
      const l3 = 3 * ls;
      for (let p = 0; p < kc; p++, s0 += ps, d += 4) {
        dst[d] = src[s0];
        dst[d + 1] = src[s0 + ls];
        dst[d + 2] = src[s0 + l2];
        dst[d + 3] = src[s0 + l3];
      }
      continue;
    }
    for (let p = 0; p < kc; p++, s0 += ps) {
      let r = 0;
      for (; r < count; r++) dst[d++] = src[s0 + r * ls];
      for (; r < 4; r++) dst[d++] = 0;
    }
  }
}

/**
 * The 4×4 register tile: C[ci..] (row stride ldc) = (first ? 0 : C) + Σₚ A-panel[p] ⊗ B-panel[p].
 * Sixteen accumulators, four values of A and four of B per step.
 */
function microKernel(kc: number, pa: Float64Array, ai: number, pb: Float64Array, bi: number, c: Float64Array, ci: number, ldc: number, first: boolean): void {
  const r1 = ci + ldc;
  const r2 = r1 + ldc;
  const r3 = r2 + ldc;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  if (!first) {
    c00 = c[ci]; c01 = c[ci + 1]; c02 = c[ci + 2]; c03 = c[ci + 3];
    c10 = c[r1]; c11 = c[r1 + 1]; c12 = c[r1 + 2]; c13 = c[r1 + 3];
    c20 = c[r2]; c21 = c[r2 + 1]; c22 = c[r2 + 2]; c23 = c[r2 + 3];
    c30 = c[r3]; c31 = c[r3 + 1]; c32 = c[r3 + 2]; c33 = c[r3 + 3];
  }
  for (let p = 0; p < kc; p++) {
    const a0 = pa[ai], a1 = pa[ai + 1], a2 = pa[ai + 2], a3 = pa[ai + 3];
    const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
    ai += MR;
    bi += NR;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  c[ci] = c00; c[ci + 1] = c01; c[ci + 2] = c02; c[ci + 3] = c03;
  c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
  c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
  c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
}

/**
 * Batched matmul: op(a) (..., m, k) times op(b) (..., k, n) → (...batch, m, n), where op transposes
 * the last two axes when its flag is set (`a` is then stored as (..., k, m), `b` as (..., n, k)).
 * The batch dimensions `batch` are already broadcast-checked. float32 operands are summed in float64
 * and rounded once at the end.
 *
 * out[t][i][j] = Σₚ op(a)[t][i][p] · op(b)[t][p][j]
 * @example
 * ```ts
 * const a = { buffer: new Float64Array([1, 2, 3, 4]), shape: [2, 2] };
 * const b = { buffer: new Float64Array([1, 0, 1, 1]), shape: [2, 2] };
 * matmulKernel(a, b, [], false, true).buffer; // Float64Array [1, 3, 3, 7]
 * ```
 */
export function matmulKernel(a: TensorData, b: TensorData, batch: Shape, transA = false, transB = false): TensorData {
  const aRows = a.shape[a.shape.length - 2];
  const aCols = a.shape[a.shape.length - 1];
  const bRows = b.shape[b.shape.length - 2];
  const bCols = b.shape[b.shape.length - 1];
  const m = transA ? aCols : aRows;
  const k = transA ? aRows : aCols;
  const n = transB ? bRows : bCols;
  // Strides of op(A) and op(B) inside one matrix: a transpose swaps them.
  const aRs = transA ? 1 : aCols;
  const aCs = transA ? aCols : 1;
  const bRs = transB ? 1 : bCols;
  const bCs = transB ? bCols : 1;
  if (batch.length === 0) {
    // One pair of matrices (2-D × 2-D, the common case): no batch offsets to compute, no shapes to slice.
    const out = allocBuffer('float64', m * n) as Float64Array;
    gemm(m, n, k, a.buffer, 0, aRs, aCs, b.buffer, 0, bRs, bCs, out, 0, n);
    return inDtype(out, frozenShape([m, n]), a);
  }
  const batchSize = sizeOf(batch);
  const out = allocBuffer('float64', batchSize * m * n) as Float64Array;
  const aOffsets = batchOffsets(shapeSlice(a.shape, 0, -2), batch, m * k);
  const bOffsets = batchOffsets(shapeSlice(b.shape, 0, -2), batch, k * n);
  if (!transA && batchSize > 1 && isContiguousRun(aOffsets, m * k) && isConstant(bOffsets)) {
    // A stack of row-major A's against one B is a single (batch·m)×k by k×n product.
    gemm(batchSize * m, n, k, a.buffer, aOffsets[0], aRs, aCs, b.buffer, bOffsets[0], bRs, bCs, out, 0, n);
  } else {
    for (let t = 0; t < batchSize; t++) gemm(m, n, k, a.buffer, aOffsets[t], aRs, aCs, b.buffer, bOffsets[t], bRs, bCs, out, t * m * n, n);
  }
  return inDtype(out, frozenShape([...batch, m, n]), a);
}

/** The float64 sums as a tensor of `like`'s dtype: float32 is rounded once, here, at the end. */
function inDtype(out: Float64Array, shape: Shape, like: TensorData): TensorData {
  if (like.buffer instanceof Float64Array) return { buffer: out, shape };
  const rounded = allocBuffer(dtypeOf(like.buffer), out.length);
  rounded.set(out);
  return { buffer: rounded, shape };
}

function isContiguousRun(offsets: ArrayLike<number>, step: number): boolean {
  for (let t = 0; t < offsets.length; t++) if (offsets[t] !== t * step) return false;
  return true;
}

function isConstant(offsets: ArrayLike<number>): boolean {
  for (let t = 1; t < offsets.length; t++) if (offsets[t] !== offsets[0]) return false;
  return true;
}

/** Offset of each batch element's matrix in an operand whose batch shape broadcasts to `batch`. */
function batchOffsets(own: Shape, batch: Shape, matrixSize: number): number[] {
  const count = sizeOf(batch);
  if (own.length === 0) return new Array<number>(count).fill(0);
  // the operand's own batch strides seen from the broadcast batch index (0 along broadcast axes)
  const strides = broadcastStrides(own, batch).map((st) => st * matrixSize);
  const offsets = new Array<number>(count);
  const idx = new Array<number>(batch.length).fill(0);
  let off = 0;
  for (let t = 0; t < count; t++) {
    offsets[t] = off;
    off = nextStridedOffset(idx, batch, strides, off);
  }
  return offsets;
}

/**
 * Convolution kernels over contiguous NCHW buffers (a 1-D convolution is a 2-D one of height 1),
 * built on the blocked GEMM of matmul.ts by im2col: every receptive field is copied out as one
 * column of a matrix, so the convolution becomes a matrix product that runs at GEMM speed.
 *
 * The column matrix of a batch is laid out [C·kh·kw][N·P] (P = oh·ow output positions): row
 * (c, i, j) holds tap (i, j) of channel c for every output position of every sample. A group's
 * rows are one contiguous block, and a sample's columns one contiguous run, so each product below
 * reads its operands in place through strides (GEMM packing absorbs them).
 *
 * - forward:        out_g        = W_g [Og × Kg] · cols_g [Kg × N·P]      (one GEMM per group, over the whole batch)
 * - input gradient: dcols_g      = W_gᵀ [Kg × Og] · G_g [Og × N·P], then col2im adds each column back
 * - weight gradient: dW_g        = G_g [Og × N·P] · cols_gᵀ [N·P × Kg]      (one GEMM per group, over the whole batch)
 *
 * Scratch: the column matrix and the batch-wide products live in two buffers shared by all calls
 * (the kernels are synchronous and never re-entered), grown to the largest convolution seen up to
 * 32 MB each (a larger one allocates its own, which the garbage collector takes back). A
 * fresh 3 MB buffer per call (the first layer of an MNIST batch) costs more than filling it: V8
 * zeroes it and counts it as external memory, which brings on full garbage collections. With
 * threads on (setNumThreads), the kept buffers are in shared memory: the column matrix and the
 * products split between threads are then read and written in place, not copied.
 *
 * NOTE: the GEMM sums each element in the naive order starting from 0, so the forward is
 * Σ over (c, i, j) in row-major order, then + bias; the weight gradient is Σ over (n, oh, ow) in
 * order; the input gradient is Σ over taps (i, j) in order of (Σ over output channels). Zero padding
 * is read as 0 and multiplied like any element (so 0 · Infinity is NaN, as in PyTorch).
 * @module
 */
import { allocBuffer, allocKept, checkSize, dtypeOf, type Buffer, type DType } from '../dtype.js';
import { gemm } from './matmul.js';
import type { WindowGeometry } from './window.js';
import { getNumThreads, isSharedScratch, sharedScratch } from './matmul-threads.js';

/**
 * The geometry of one convolution: input [n, c, h, w], weight [o, c/groups, kh, kw], output
 * [n, o, oh, ow]; stride (sh, sw), dilation (dh, dw), and the padding before the first row (ph)
 * and column (pw). Padding after the last row or column only shows in oh and ow.
 */
export interface ConvGeometry extends WindowGeometry {
  readonly n: number;
  readonly c: number;
  readonly o: number;
  readonly groups: number;
}

/**
 * The range [lo, hi) of output columns whose tap at input offset `off + q·stride` lies inside
 * [0, size): outside it the tap reads padding.
 */
function validRange(off: number, stride: number, size: number, count: number): [number, number] {
  const lo = off >= 0 ? 0 : Math.ceil(-off / stride);
  const hi = off >= size ? 0 : Math.min(count, Math.floor((size - 1 - off) / stride) + 1);
  return [Math.min(lo, count), Math.max(hi, Math.min(lo, count))];
}

const scratch: (Float64Array | null)[] = [null, null];
/** Scratch kept between calls is at most this many elements (32 MB); a larger convolution allocates its own. */
const SCRATCH_KEPT = 1 << 22;

/**
 * Scratch buffer `k` (0 or 1) of at least `size` elements, contents undefined. With threads on, a
 * kept buffer lives in shared memory, where the products split between threads use it in place.
 */
function scratchBuffer(k: 0 | 1, size: number): Float64Array {
  const have = scratch[k];
  const threads = getNumThreads() > 1;
  if (have !== null && have.length >= size && (!threads || isSharedScratch(have))) return have;
  if (size > SCRATCH_KEPT) return allocBuffer('float64', size) as Float64Array;
  checkSize(size);
  const made = (threads ? sharedScratch(size, have) : null) ?? (allocKept('float64', size) as Float64Array);
  scratch[k] = made;
  return made;
}

/**
 * The column matrix [c·kh·kw][n·oh·ow] of `x` (NCHW), in `cols` (or a new buffer): element
 * ((ci, i, j), (s, y, q)) is x[s, ci, y·sh - ph + i·dh, q·sw - pw + j·dw], or 0 where that lies in
 * the padding. Every element is written, so `cols` may hold anything before.
 */
export function im2col(x: Buffer, g: ConvGeometry, cols: Float64Array = allocBuffer('float64', g.c * g.kh * g.kw * g.n * g.oh * g.ow) as Float64Array): Float64Array {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const P = oh * ow;
  const NP = n * P;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((ci * kh + i) * kw + j) * NP;
        const off = j * dw - pw;
        const [lo, hi] = validRange(off, sw, w, ow);
        for (let s = 0; s < n; s++) {
          const plane = (s * c + ci) * h * w;
          for (let y = 0; y < oh; y++) {
            const ih = y * sh - ph + i * dh;
            const dst = row + s * P + y * ow;
            if (ih < 0 || ih >= h) {
              cols.fill(0, dst, dst + ow); // a row of padding
              continue;
            }
            const src = plane + ih * w + off;
            if (lo > 0) cols.fill(0, dst, dst + lo);
            if (sw === 1) for (let q = lo; q < hi; q++) cols[dst + q] = x[src + q];
            else for (let q = lo; q < hi; q++) cols[dst + q] = x[src + q * sw];
            if (hi < ow) cols.fill(0, dst + hi, dst + ow);
          }
        }
      }
    }
  }
  return cols;
}

/** The adjoint of {@link im2col}: every element of `cols` added back into the input element it was copied from (padding drops out). */
export function col2im(cols: Float64Array, g: ConvGeometry, dtype: DType): Buffer {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const P = oh * ow;
  const NP = n * P;
  const dx = allocBuffer('float64', n * c * h * w) as Float64Array;
  for (let ci = 0; ci < c; ci++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((ci * kh + i) * kw + j) * NP;
        const off = j * dw - pw;
        const [lo, hi] = validRange(off, sw, w, ow);
        for (let s = 0; s < n; s++) {
          const plane = (s * c + ci) * h * w;
          for (let y = 0; y < oh; y++) {
            const ih = y * sh - ph + i * dh;
            if (ih < 0 || ih >= h) continue;
            const dst = plane + ih * w + off;
            const src = row + s * P + y * ow;
            for (let q = lo; q < hi; q++) dx[dst + q * sw] += cols[src + q];
          }
        }
      }
    }
  }
  return inDtype(dx, dtype);
}

/**
 * The convolution (cross-correlation, as in PyTorch) of `x` [n, c, h, w] with `weight`
 * [o, c/groups, kh, kw], plus `bias` [o] when given: out [n, o, oh, ow] with
 * out[s, oc, y, q] = Σ_(ci, i, j) x[s, g·Cg + ci, y·sh - ph + i·dh, q·sw - pw + j·dw] · weight[oc, ci, i, j] + bias[oc].
 */
export function convForwardKernel(x: Buffer, weight: Buffer, bias: Buffer | null, g: ConvGeometry): Buffer {
  const { n, c, o, kh, kw, groups, oh, ow } = g;
  const P = oh * ow;
  const NP = n * P;
  const Og = o / groups;
  const Kg = (c / groups) * kh * kw;
  const cols = im2col(x, g, scratchBuffer(0, c * kh * kw * NP));
  // [o][n·P]: one product per group over the whole batch (a few large products beat many small ones)
  const prod = scratchBuffer(1, o * NP);
  for (let gi = 0; gi < groups; gi++) gemm(Og, NP, Kg, weight, gi * Og * Kg, Kg, 1, cols, gi * Kg * NP, NP, 1, prod, gi * Og * NP, NP);
  // to [n][o][P], adding the bias on the way
  const out = allocBuffer(dtypeOf(x), n * o * P);
  for (let s = 0; s < n; s++) {
    for (let oc = 0; oc < o; oc++) {
      const src = oc * NP + s * P;
      const dst = (s * o + oc) * P;
      if (bias === null) out.set(prod.subarray(src, src + P), dst);
      else {
        const b = bias[oc];
        for (let q = 0; q < P; q++) out[dst + q] = prod[src + q] + b;
      }
    }
  }
  return out;
}

/**
 * The gradient of the convolution's input for the output gradient `grad` [n, o, oh, ow] (a
 * transposed convolution): dx = col2im(W_gᵀ · G), [n, c, h, w].
 */
export function convInputGradKernel(grad: Buffer, weight: Buffer, g: ConvGeometry): Buffer {
  const { n, c, o, kh, kw, groups, oh, ow } = g;
  const NP = n * oh * ow;
  const Og = o / groups;
  const Kg = (c / groups) * kh * kw;
  const gperm = channelsMajor(grad, g);
  const dcols = scratchBuffer(0, c * kh * kw * NP); // every element is written by the products
  for (let gi = 0; gi < groups; gi++) {
    // A = W_gᵀ read in place: element (k, oc) at weight[(gi·Og + oc)·Kg + k]
    gemm(Kg, NP, Og, weight, gi * Og * Kg, 1, Kg, gperm, gi * Og * NP, NP, 1, dcols, gi * Kg * NP, NP);
  }
  return col2im(dcols, g, dtypeOf(grad));
}

/** The output gradient [n][o][P] as [o][n·P] (scratch buffer 1), so that the batch and the positions form one axis. */
function channelsMajor(grad: Buffer, g: ConvGeometry): Float64Array {
  const { n, o } = g;
  const P = g.oh * g.ow;
  const NP = n * P;
  const gperm = scratchBuffer(1, o * NP);
  for (let s = 0; s < n; s++) {
    for (let oc = 0; oc < o; oc++) gperm.set(grad.subarray((s * o + oc) * P, (s * o + oc + 1) * P), oc * NP + s * P);
  }
  return gperm;
}

/**
 * The gradient of the convolution's weight for the output gradient `grad` [n, o, oh, ow]:
 * dW_g = G_g · cols_gᵀ, summed over the whole batch in one product, [o, c/groups, kh, kw].
 */
export function convWeightGradKernel(x: Buffer, grad: Buffer, g: ConvGeometry): Buffer {
  const { n, c, o, kh, kw, groups, oh, ow } = g;
  const NP = n * oh * ow;
  const Og = o / groups;
  const Kg = (c / groups) * kh * kw;
  const cols = im2col(x, g, scratchBuffer(0, c * kh * kw * NP));
  // the batch and the positions form one summation axis
  const gperm = channelsMajor(grad, g);
  const dw = allocBuffer('float64', o * Kg) as Float64Array;
  for (let gi = 0; gi < groups; gi++) {
    // B = cols_gᵀ read in place: element (p, k) at cols[(gi·Kg + k)·NP + p]
    gemm(Og, Kg, NP, gperm, gi * Og * NP, NP, 1, cols, gi * Kg * NP, 1, NP, dw, gi * Og * Kg, Kg);
  }
  return inDtype(dw, dtypeOf(x));
}

/**
 * The bias gradient: Σ over the batch and the positions of `grad` [n, o, P], per output channel
 * (samples in order, each sample's positions summed first).
 */
export function channelSumKernel(grad: Buffer, n: number, o: number, P: number): Buffer {
  const out = allocBuffer('float64', o) as Float64Array;
  for (let s = 0; s < n; s++) {
    for (let oc = 0; oc < o; oc++) {
      const base = (s * o + oc) * P;
      let acc = 0;
      for (let q = 0; q < P; q++) acc += grad[base + q];
      out[oc] += acc;
    }
  }
  return inDtype(out, dtypeOf(grad));
}

/** float64 sums as a buffer of `dtype`: float32 is rounded once, at the end. */
function inDtype(out: Float64Array, dtype: DType): Buffer {
  if (dtype === 'float64') return out;
  const rounded = allocBuffer(dtype, out.length);
  rounded.set(out);
  return rounded;
}

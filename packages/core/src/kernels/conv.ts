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
 * - forward:        out[n, g]    = W_g [Og × Kg] · cols_g,n [Kg × P]       (one GEMM per sample and group)
 * - input gradient: dcols_g,n    = W_gᵀ [Kg × Og] · G_n,g [Og × P], then col2im adds each column back
 * - weight gradient: dW_g        = G_g [Og × N·P] · cols_gᵀ [N·P × Kg]      (one GEMM per group, over the whole batch)
 *
 * NOTE: the GEMM sums each element in the naive order starting from 0, so the forward is
 * Σ over (c, i, j) in row-major order, then + bias; the weight gradient is Σ over (n, oh, ow) in
 * order; the input gradient is Σ over taps (i, j) in order of (Σ over output channels). Zero padding
 * is read as 0 and multiplied like any element (so 0 · Infinity is NaN, as in PyTorch).
 * @module
 */
import { allocBuffer, dtypeOf, type Buffer, type DType } from '../dtype.js';
import { gemm } from './matmul.js';

/**
 * The geometry of one convolution: input [n, c, h, w], weight [o, c/groups, kh, kw], output
 * [n, o, oh, ow]; stride (sh, sw), dilation (dh, dw), and the padding before the first row (ph)
 * and column (pw). Padding after the last row or column only shows in oh and ow.
 */
export interface ConvGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kh: number;
  readonly kw: number;
  readonly groups: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
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

/**
 * The column matrix [c·kh·kw][n·oh·ow] of `x` (NCHW): element ((ci, i, j), (s, y, q)) is
 * x[s, ci, y·sh - ph + i·dh, q·sw - pw + j·dw], or 0 where that lies in the padding.
 */
export function im2col(x: Buffer, g: ConvGeometry): Buffer {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const P = oh * ow;
  const NP = n * P;
  const cols = allocBuffer(dtypeOf(x), c * kh * kw * NP);
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
            if (ih < 0 || ih >= h) continue; // a padded row: the zeros are already there
            const src = plane + ih * w + off;
            const dst = row + s * P + y * ow;
            if (sw === 1) for (let q = lo; q < hi; q++) cols[dst + q] = x[src + q];
            else for (let q = lo; q < hi; q++) cols[dst + q] = x[src + q * sw];
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
  const cols = im2col(x, g);
  const out = allocBuffer('float64', n * o * P) as Float64Array;
  for (let s = 0; s < n; s++) {
    for (let gi = 0; gi < groups; gi++) {
      gemm(Og, P, Kg, weight, gi * Og * Kg, Kg, 1, cols, gi * Kg * NP + s * P, NP, 1, out, (s * o + gi * Og) * P, P);
    }
  }
  if (bias !== null) {
    for (let s = 0; s < n; s++) {
      for (let oc = 0; oc < o; oc++) {
        const b = bias[oc];
        const base = (s * o + oc) * P;
        for (let q = 0; q < P; q++) out[base + q] += b;
      }
    }
  }
  return inDtype(out, dtypeOf(x));
}

/**
 * The gradient of the convolution's input for the output gradient `grad` [n, o, oh, ow] (a
 * transposed convolution): dx = col2im(W_gᵀ · G), [n, c, h, w].
 */
export function convInputGradKernel(grad: Buffer, weight: Buffer, g: ConvGeometry): Buffer {
  const { n, c, o, kh, kw, groups, oh, ow } = g;
  const P = oh * ow;
  const NP = n * P;
  const Og = o / groups;
  const Kg = (c / groups) * kh * kw;
  const dcols = allocBuffer('float64', c * kh * kw * NP) as Float64Array;
  for (let s = 0; s < n; s++) {
    for (let gi = 0; gi < groups; gi++) {
      // A = W_gᵀ read in place: element (k, oc) at weight[(gi·Og + oc)·Kg + k]
      gemm(Kg, P, Og, weight, gi * Og * Kg, 1, Kg, grad, (s * o + gi * Og) * P, P, 1, dcols, gi * Kg * NP + s * P, NP);
    }
  }
  return col2im(dcols, g, dtypeOf(grad));
}

/**
 * The gradient of the convolution's weight for the output gradient `grad` [n, o, oh, ow]:
 * dW_g = G_g · cols_gᵀ, summed over the whole batch in one product, [o, c/groups, kh, kw].
 */
export function convWeightGradKernel(x: Buffer, grad: Buffer, g: ConvGeometry): Buffer {
  const { n, c, o, kh, kw, groups, oh, ow } = g;
  const P = oh * ow;
  const NP = n * P;
  const Og = o / groups;
  const Kg = (c / groups) * kh * kw;
  const cols = im2col(x, g);
  // G as [o][n·P], so that the batch and the positions form one summation axis
  const gperm = allocBuffer(dtypeOf(grad), o * NP);
  for (let s = 0; s < n; s++) {
    for (let oc = 0; oc < o; oc++) gperm.set(grad.subarray((s * o + oc) * P, (s * o + oc + 1) * P), oc * NP + s * P);
  }
  const dw = allocBuffer('float64', o * Kg) as Float64Array;
  for (let gi = 0; gi < groups; gi++) {
    // B = cols_gᵀ read in place: element (p, k) at cols[(gi·Kg + k)·NP + p]
    gemm(Og, Kg, NP, gperm, gi * Og * NP, NP, 1, cols, gi * Kg * NP, 1, NP, dw, gi * Og * Kg, Kg);
  }
  return inDtype(dw, dtypeOf(x));
}

/** float64 sums as a buffer of `dtype`: float32 is rounded once, at the end. */
function inDtype(out: Float64Array, dtype: DType): Buffer {
  if (dtype === 'float64') return out;
  const rounded = allocBuffer(dtype, out.length);
  rounded.set(out);
  return rounded;
}

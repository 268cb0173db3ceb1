/**
 * Pooling kernels over contiguous planes (N·C planes of H × W): the maximum of each window with its
 * position, and the mean of each window with its adjoint. Windows and divisors follow PyTorch 1.13's
 * CPU kernels (aten/src/ATen/native/cpu/MaxPoolKernel.cpp, AvgPoolKernel.cpp,
 * AdaptiveAvgPoolKernel.cpp) element for element, so results match it bit for bit, ties and NaN included.
 * @module
 */
import { allocBuffer, dtypeOf, type Buffer } from '../dtype.js';
import type { WindowGeometry } from './window.js';

/** The geometry of a max pool: how many planes, and the window's walk over each. */
export interface MaxPoolGeometry extends WindowGeometry {
  readonly planes: number;
}

/**
 * The maximum of each (dilated) window, and its position ih·w + iw within the plane (in the
 * input's dtype, chainrule's rule for index tensors). Padding is never selected: a window scans
 * only positions inside the plane, and its position starts at the first of them.
 *
 * NOTE (PyTorch's rule, kept exactly): the scan is row by row and an element replaces the maximum
 * only when strictly greater or NaN, so the first of tied maxima wins and the last NaN wins.
 * A window that covers only padding (possible with dilation) gives -Infinity, as in PyTorch, and
 * position -1: its gradient goes nowhere. (PyTorch 1.13 reports the position where its scan would
 * have started, outside the window and possibly outside the plane, and its backward adds the
 * gradient to whatever element is there.)
 */
export function maxPoolKernel(x: Buffer, g: MaxPoolGeometry): { out: Buffer; indices: Buffer } {
  const { planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const dtype = dtypeOf(x);
  const out = allocBuffer(dtype, planes * oh * ow);
  const indices = allocBuffer(dtype, planes * oh * ow);
  let p = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < oh; y++) {
      let ih0 = y * sh - ph;
      const ih1 = Math.min(ih0 + (kh - 1) * dh + 1, h);
      while (ih0 < 0) ih0 += dh;
      for (let q = 0; q < ow; q++, p++) {
        let iw0 = q * sw - pw;
        const iw1 = Math.min(iw0 + (kw - 1) * dw + 1, w);
        while (iw0 < 0) iw0 += dw;
        let best = -Infinity;
        let at = ih0 < ih1 && iw0 < iw1 ? ih0 * w + iw0 : -1;
        for (let ih = ih0; ih < ih1; ih += dh) {
          for (let iw = iw0; iw < iw1; iw += dw) {
            const v = x[base + ih * w + iw];
            if (v > best || v !== v) {
              best = v;
              at = ih * w + iw;
            }
          }
        }
        out[p] = best;
        indices[p] = at;
      }
    }
  }
  return { out, indices };
}

/**
 * The adjoint of selecting each window's maximum: `grad` (one value per window, `positions` per
 * plane) added to zeros of `planes` × `size` at each window's position (none for position -1).
 */
export function scatterPlanesKernel(grad: Buffer, indices: Buffer, planes: number, positions: number, size: number): Buffer {
  const dx = allocBuffer(dtypeOf(grad), planes * size);
  let p = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * size;
    for (let q = 0; q < positions; q++, p++) if (indices[p] >= 0) dx[base + indices[p]] += grad[p];
  }
  return dx;
}

/** The adjoint of {@link scatterPlanesKernel}: each window's element of `x` (0 for position -1). */
export function gatherPlanesKernel(x: Buffer, indices: Buffer, planes: number, positions: number, size: number): Buffer {
  const out = allocBuffer(dtypeOf(x), planes * positions);
  let p = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * size;
    for (let q = 0; q < positions; q++, p++) if (indices[p] >= 0) out[p] = x[base + indices[p]];
  }
  return out;
}

/**
 * The windows of a mean pool, separable by axis: output row y averages input rows [h0[y], h1[y]),
 * output column q the columns [w0[q], w1[q]). The sum of a window is divided by
 * - `divisor` when it is a number (avgPool2d's divisorOverride);
 * - else, when `sequential`, by dh[y] and then by dw[q] (adaptive pooling: PyTorch's `sum / kh / kw`);
 * - else by the product dh[y]·dw[q], computed exactly (avgPool2d: the window's size with or without padding).
 * An empty window gives 0.
 */
export interface WindowPlan {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly h0: Int32Array;
  readonly h1: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
  readonly dh: Float64Array;
  readonly dw: Float64Array;
  readonly sequential: boolean;
  readonly divisor: number | null;
}

/** The scale one window's sum (or gradient) is divided by, applied as PyTorch applies it. */
function divide(v: number, plan: WindowPlan, y: number, q: number): number {
  if (plan.divisor !== null) return v / plan.divisor;
  return plan.sequential ? v / plan.dh[y] / plan.dw[q] : v / (plan.dh[y] * plan.dw[q]);
}

/** The mean of every window: out[plane, y, q] = (Σ window, row by row) / divisor. */
export function windowMeanKernel(x: Buffer, plan: WindowPlan): Buffer {
  const { planes, h, w, oh, ow, h0, h1, w0, w1 } = plan;
  const out = allocBuffer(dtypeOf(x), planes * oh * ow);
  let p = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < oh; y++) {
      for (let q = 0; q < ow; q++, p++) {
        if (h0[y] >= h1[y] || w0[q] >= w1[q]) continue; // an empty window: 0
        let sum = 0;
        for (let ih = h0[y]; ih < h1[y]; ih++) {
          const row = base + ih * w;
          for (let iw = w0[q]; iw < w1[q]; iw++) sum += x[row + iw];
        }
        out[p] = divide(sum, plan, y, q);
      }
    }
  }
  return out;
}

/**
 * The adjoint of {@link windowMeanKernel}: each output gradient, divided as the window's sum was,
 * added to every element of its window (windows in output order, as PyTorch's backward does).
 */
export function windowMeanAdjointKernel(grad: Buffer, plan: WindowPlan): Buffer {
  const { planes, h, w, oh, ow, h0, h1, w0, w1 } = plan;
  const dx = allocBuffer(dtypeOf(grad), planes * h * w);
  let p = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * h * w;
    for (let y = 0; y < oh; y++) {
      for (let q = 0; q < ow; q++, p++) {
        if (h0[y] >= h1[y] || w0[q] >= w1[q]) continue;
        const delta = divide(grad[p], plan, y, q);
        for (let ih = h0[y]; ih < h1[y]; ih++) {
          const row = base + ih * w;
          for (let iw = w0[q]; iw < w1[q]; iw++) dx[row + iw] += delta;
        }
      }
    }
  }
  return dx;
}

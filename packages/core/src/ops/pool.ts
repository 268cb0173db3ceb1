/**
 * 2-D pooling: PyTorch's `F.max_pool2d`, `F.avg_pool2d` and `F.adaptive_avg_pool2d` over the last
 * two axes of [N, C, H, W] (or [C, H, W]) inputs. Window arithmetic, divisors, ties and NaN follow
 * PyTorch 1.13's CPU kernels exactly (kernels/pool.ts).
 *
 * A mean pool is linear, so its gradient is its adjoint (each gradient spread over its window) and
 * the adjoint's gradient is the pool again; a max pool routes each gradient to the element its
 * window selected, and that routing's gradient selects the same elements again.
 * @module
 */
import { ChainruleError, ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { frozenShape, type Shape, shapeSlice } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { gatherPlanesKernel, maxPoolKernel, scatterPlanesKernel, windowMeanAdjointKernel, windowMeanKernel, type MaxPoolGeometry, type WindowPlan } from '../kernels/pool.js';

/**
 * The options of {@link maxPool2d}: `stride` (default: the kernel size), `padding` (implicit
 * -∞ on each side, at most half the kernel), `dilation` (spacing of the window's elements) and
 * `ceilMode` (round the output size up, letting the last window hang over the end). Sizes are a
 * number or one per axis [height, width].
 * @example
 * ```ts
 * maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
 * ```
 */
export interface MaxPool2dOptions {
  stride?: number | readonly number[] | null;
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  ceilMode?: boolean;
}

/**
 * The options of {@link avgPool2d}: `stride` (default: the kernel size), `padding` (zeros, at most
 * half the kernel), `ceilMode`, `countIncludePad` (default true: padded zeros count in the
 * divisor) and `divisorOverride` (divide every window's sum by this instead).
 * @example
 * ```ts
 * avgPool2d(x, 2, { padding: 1, countIncludePad: false });
 * ```
 */
export interface AvgPool2dOptions {
  stride?: number | readonly number[] | null;
  padding?: number | readonly number[];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** The input as a tensor of rank 3 or 4, and its planes (N·C) and plane size. */
function planesOf(name: string, input: TensorLike): { x: Tensor; planes: number; h: number; w: number } {
  const x = input instanceof Tensor ? input : tensor(input);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${name}: the input must be [N, C, H, W] or [C, H, W], got shape ${fmtShape(x.shape)}`);
  const h = x.shape[x.ndim - 2];
  const w = x.shape[x.ndim - 1];
  return { x, planes: shapeSlice(x.shape, 0, -2).reduce((a, b) => a * b, 1), h, w };
}

/** A size per axis [height, width] from a number or a pair of integers >= min. */
function pair(name: string, what: string, v: number | readonly number[] | null | undefined, fallback: readonly number[], min: number): [number, number] {
  const list = v === undefined || v === null ? fallback : typeof v === 'number' ? [v, v] : v;
  if (list.length !== 2 || !list.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ChainruleError(`${name}: ${what} must be an integer >= ${min} or a pair of them [height, width], got ${JSON.stringify(v)}`);
  }
  return [list[0], list[1]];
}

/**
 * The number of windows along an axis of `size` (PyTorch's `pooling_output_shape`): with ceilMode
 * rounded up, but the last window must start inside the input or its leading padding.
 */
function pooledSize(size: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  return out;
}

/** Checks padding against the kernel and the output size as PyTorch does, naming the input. */
function checkPool(name: string, shape: Shape, k: readonly number[], p: readonly number[], oh: number, ow: number): void {
  if (Math.floor(k[0] / 2) < p[0] || Math.floor(k[1] / 2) < p[1]) {
    throw new ChainruleError(`${name}: padding ${JSON.stringify(p)} must be at most half the kernel size ${JSON.stringify(k)}`);
  }
  if (oh < 1 || ow < 1) throw new ShapeError(`${name}: the input of shape ${fmtShape(shape)} is too small for the window: the output would be ${oh}×${ow}`);
}

const withSpatial = (shape: Shape, oh: number, ow: number): Shape => frozenShape([...shapeSlice(shape, 0, -2), oh, ow]);

interface MaxPoolParams {
  readonly geometry: MaxPoolGeometry;
  readonly shape: Shape;
}

const maxPool2dOp: OpFunction<['x'], MaxPoolParams> = defineOp({
  name: 'maxPool2d',
  inputs: ['x'],
  forward(ctx: OpContext<MaxPoolParams>, x) {
    const g = ctx.params.geometry;
    const { out, indices } = maxPoolKernel(x.buffer, g);
    ctx.save(new Tensor(indices, ctx.params.shape));
    return { buffer: out, shape: ctx.params.shape };
  },
  backward: {
    // d maxPool = each gradient added to the element its window selected (the first of tied maxima)
    x: (ctx, grad) => maxPoolAdjoint(grad, ctx.saved[0], { geometry: ctx.params.geometry, shape: ctx.inputs[0].shape }),
  },
});

/** The max pool's gradient: each window's gradient added to the element it selected. Linear in grad; its adjoint selects again. */
const maxPoolAdjoint: OpFunction<['grad', 'index'], MaxPoolParams> = defineOp({
  name: 'maxPool2dAdjoint',
  inputs: ['grad', 'index'],
  forward(ctx: OpContext<MaxPoolParams>, grad, index) {
    ctx.save(index);
    const { planes, oh, ow, h, w } = ctx.params.geometry;
    return { buffer: scatterPlanesKernel(grad.buffer, index.buffer, planes, oh * ow, h * w), shape: ctx.params.shape };
  },
  backward: { grad: (ctx, h) => maxPoolSelect(h, ctx.saved[0], { geometry: ctx.params.geometry, shape: ctx.inputs[0].shape }) },
});

/** Each window's element at the position the max pool selected: the adjoint of {@link maxPoolAdjoint}. */
const maxPoolSelect: OpFunction<['x', 'index'], MaxPoolParams> = defineOp({
  name: 'maxPool2dSelect',
  inputs: ['x', 'index'],
  forward(ctx: OpContext<MaxPoolParams>, x, index) {
    ctx.save(index);
    const { planes, oh, ow, h, w } = ctx.params.geometry;
    return { buffer: gatherPlanesKernel(x.buffer, index.buffer, planes, oh * ow, h * w), shape: ctx.params.shape };
  },
  backward: { x: (ctx, g) => maxPoolAdjoint(g, ctx.saved[0], { geometry: ctx.params.geometry, shape: ctx.inputs[0].shape }) },
});

/**
 * 2-D max pooling (PyTorch's `F.max_pool2d`) over the last two axes of `x` [N, C, H, W] or
 * `[C, H, W]`: each output is the maximum of a kh × kw window (elements `dilation` apart) moved by
 * `stride`; padding is implicit -∞. Output size ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 (⌈ ⌉ with
 * ceilMode, as long as the last window starts inside the input or its leading padding).
 *
 * d maxPool = the gradient of each output routed to the element its window selected.
 *
 * NOTE: as in PyTorch, the first of tied maxima in a window (row by row) takes the whole gradient,
 * and a window holding NaN gives NaN (its last NaN is the one selected).
 * @example
 * ```ts
 * maxPool2d(tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]]), 2).toArray(); // [[[[4, 5]]]]
 * ```
 */
export function maxPool2d(x: TensorLike, kernelSize: number | readonly number[], options: MaxPool2dOptions = {}): Tensor {
  const name = 'maxPool2d';
  const { x: t, planes, h, w } = planesOf(name, x);
  const k = pair(name, 'kernelSize', kernelSize, [], 1);
  const s = pair(name, 'stride', options.stride, k, 1);
  const p = pair(name, 'padding', options.padding, [0, 0], 0);
  const d = pair(name, 'dilation', options.dilation, [1, 1], 1);
  const ceil = options.ceilMode ?? false;
  const oh = pooledSize(h, k[0], s[0], p[0], d[0], ceil);
  const ow = pooledSize(w, k[1], s[1], p[1], d[1], ceil);
  checkPool(name, t.shape, k, p, oh, ow);
  const geometry = { planes, h, w, kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], oh, ow };
  return maxPool2dOp(t, { geometry, shape: withSpatial(t.shape, oh, ow) });
}

interface WindowParams {
  readonly plan: WindowPlan;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** avgPool2d's arguments as given (kernel, stride, padding per axis), for readers of the graph such as the ONNX export. */
  readonly pool?: { readonly kernel: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[]; readonly ceilMode: boolean; readonly countIncludePad: boolean; readonly divisorOverride: number | null };
}

/** A mean pool named `name` and its adjoint, each the other's gradient. */
function windowMeanOp(name: string): OpFunction<['x'], WindowParams> {
  const mean: OpFunction<['x'], WindowParams> = defineOp({
    name,
    inputs: ['x'],
    forward: (ctx: OpContext<WindowParams>, x) => ({ buffer: windowMeanKernel(x.buffer, ctx.params.plan), shape: ctx.params.outShape }),
    backward: { x: (ctx, grad) => adjoint(grad, ctx.params) },
  });
  const adjoint: OpFunction<['grad'], WindowParams> = defineOp({
    name: `${name}Adjoint`,
    inputs: ['grad'],
    forward: (ctx: OpContext<WindowParams>, grad) => ({ buffer: windowMeanAdjointKernel(grad.buffer, ctx.params.plan), shape: ctx.params.inShape }),
    backward: { grad: (ctx, h) => mean(h, ctx.params) },
  });
  return mean;
}

const avgPool2dOp = windowMeanOp('avgPool2d');
const adaptiveAvgPool2dOp = windowMeanOp('adaptiveAvgPool2d');

/**
 * One axis of an average pool's windows, as PyTorch's kernel computes them: window y spans
 * [y·s − p, min(y·s − p + k, size + p)) before clipping to the input; its divisor is that span's
 * length with the padding counted (countIncludePad) or the clipped length.
 */
function avgAxis(size: number, out: number, k: number, s: number, p: number, countIncludePad: boolean) {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const div = new Float64Array(out);
  for (let y = 0; y < out; y++) {
    const start = y * s - p;
    const end = Math.min(start + k, size + p);
    lo[y] = Math.max(start, 0);
    hi[y] = Math.min(end, size);
    div[y] = countIncludePad ? end - start : hi[y] - lo[y];
  }
  return { lo, hi, div };
}

/**
 * 2-D average pooling (PyTorch's `F.avg_pool2d`) over the last two axes of `x` [N, C, H, W] or
 * `[C, H, W]`: each output is the sum of a kh × kw window moved by `stride`, divided by the window's
 * size (padding zeros included unless `countIncludePad: false`; `divisorOverride` replaces the
 * divisor). Output size ⌊(H + 2p − k) / s⌋ + 1 (⌈ ⌉ with ceilMode, as in {@link maxPool2d}).
 *
 * d avgPool = each output's gradient, divided by the same divisor, added to every element of its window.
 * @example
 * ```ts
 * avgPool2d(tensor([[[[1, 2, 5, 0], [3, 4, 1, 2]]]]), 2).toArray(); // [[[[2.5, 2]]]]
 * ```
 */
export function avgPool2d(x: TensorLike, kernelSize: number | readonly number[], options: AvgPool2dOptions = {}): Tensor {
  const name = 'avgPool2d';
  const { x: t, planes, h, w } = planesOf(name, x);
  const k = pair(name, 'kernelSize', kernelSize, [], 1);
  const s = pair(name, 'stride', options.stride, k, 1);
  const p = pair(name, 'padding', options.padding, [0, 0], 0);
  const ceil = options.ceilMode ?? false;
  const include = options.countIncludePad ?? true;
  const divisor = options.divisorOverride ?? null;
  if (divisor !== null && (typeof divisor !== 'number' || !Number.isInteger(divisor) || divisor === 0)) {
    throw new ChainruleError(`${name}: divisorOverride must be a non-zero integer, got ${JSON.stringify(divisor)}`);
  }
  const oh = pooledSize(h, k[0], s[0], p[0], 1, ceil);
  const ow = pooledSize(w, k[1], s[1], p[1], 1, ceil);
  checkPool(name, t.shape, k, p, oh, ow);
  const rows = avgAxis(h, oh, k[0], s[0], p[0], include);
  const cols = avgAxis(w, ow, k[1], s[1], p[1], include);
  const plan: WindowPlan = { planes, h, w, oh, ow, h0: rows.lo, h1: rows.hi, w0: cols.lo, w1: cols.hi, dh: rows.div, dw: cols.div, sequential: false, divisor };
  const pool = { kernel: k, stride: s, padding: p, ceilMode: ceil, countIncludePad: include, divisorOverride: divisor };
  return avgPool2dOp(t, { plan, inShape: t.shape, outShape: withSpatial(t.shape, oh, ow), pool });
}

/** One axis of adaptive pooling: window y spans [⌊y·size/out⌋, ⌈(y + 1)·size/out⌉) (PyTorch's start_index and end_index). */
function adaptiveAxis(size: number, out: number) {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const div = new Float64Array(out);
  for (let y = 0; y < out; y++) {
    lo[y] = Math.floor((y * size) / out);
    hi[y] = Math.floor(((y + 1) * size + out - 1) / out);
    div[y] = hi[y] - lo[y];
  }
  return { lo, hi, div };
}

/**
 * 2-D adaptive average pooling (PyTorch's `F.adaptive_avg_pool2d`): the last two axes of `x`
 * [N, C, H, W] or [C, H, W] averaged down (or up) to `outputSize` [oH, oW] (a number for both; null
 * keeps that axis' size). Output row y averages input rows ⌊y·H/oH⌋ to ⌈(y + 1)·H/oH⌉ − 1, and
 * likewise for columns; windows may overlap when the sizes do not divide.
 *
 * d adaptiveAvgPool = each output's gradient, divided by its window's size, added to every element of the window.
 *
 * NOTE: the sum is divided by the window's height and then by its width (PyTorch's `sum / kh / kw`),
 * not by their product, which can round differently.
 * @example
 * ```ts
 * adaptiveAvgPool2d(tensor([[[[1, 2, 3], [4, 5, 6]]]]), [1, 2]).toArray(); // [[[[3, 4]]]]
 * ```
 */
export function adaptiveAvgPool2d(x: TensorLike, outputSize: number | readonly (number | null)[]): Tensor {
  const name = 'adaptiveAvgPool2d';
  const { x: t, planes, h, w } = planesOf(name, x);
  const given = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(given) || given.length !== 2 || !given.every((d) => d === null || (Number.isInteger(d) && d >= 1))) {
    throw new ChainruleError(`${name}: outputSize must be a positive integer or a pair [height, width] of them (null keeps the input's size), got ${JSON.stringify(outputSize)}`);
  }
  const oh = given[0] ?? h;
  const ow = given[1] ?? w;
  if (h === 0 || w === 0) throw new ShapeError(`${name}: the input of shape ${fmtShape(t.shape)} has an empty spatial axis`);
  const rows = adaptiveAxis(h, oh);
  const cols = adaptiveAxis(w, ow);
  const plan: WindowPlan = { planes, h, w, oh, ow, h0: rows.lo, h1: rows.hi, w0: cols.lo, w1: cols.hi, dh: rows.div, dw: cols.div, sequential: true, divisor: null };
  return adaptiveAvgPool2dOp(t, { plan, inShape: t.shape, outShape: withSpatial(t.shape, oh, ow) });
}

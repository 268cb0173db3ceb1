/**
 * Cumulative sums and products along an axis (cumsum, cumprod), and the two internal ops their
 * gradients are written with: a first-order linear recurrence and a shift by one place. All of them
 * are differentiable in every order, and no rule divides by an input, so zeros are no special case.
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { linearScanKernel, scanKernel, shiftKernel } from '../kernels/scan.js';

/**
 * The axis of a scan, and its direction: from the end when `reverse` (TensorFlow's and JAX's name;
 * PyTorch writes `x.flip(axis).cumsum(axis).flip(axis)`).
 * @example
 * ```ts
 * cumsum(x, { axis: -1, reverse: true });
 * ```
 */
export interface ScanOptions {
  axis: number;
  reverse?: boolean;
}

/** The normalised axis; a rank-0 tensor scans as one element along axis 0 or −1, as in PyTorch. */
function scanAxis(x: Tensor, options: ScanOptions | undefined, op: string): number {
  if (typeof options !== 'object' || options === null) throw new ChainruleError(`${op}: expected options { axis }, got ${options === null ? 'null' : typeof options}`);
  return normalizeAxis(options.axis, Math.max(x.ndim, 1), op);
}

/**
 * Running sum along `axis`: out_i = x_0 + ... + x_i (from the end with `reverse`).
 *
 * d cumsum(x) = reverse cumsum(dx): x_k reaches every out_i with i ≥ k
 * @example
 * ```ts
 * cumsum(tensor([1, 2, 3]), { axis: 0 }).toArray(); // [1, 3, 6]
 * ```
 */
export const cumsum: OpFunction<['x'], ScanOptions> = defineOp({
  name: 'cumsum',
  inputs: ['x'],
  forward: (ctx: OpContext<ScanOptions>, x) => scanKernel(x, scanAxis(x, ctx.params, 'cumsum'), ctx.params.reverse === true, 'sum'),
  backward: { x: (ctx, grad) => cumsum(grad, { axis: ctx.params.axis, reverse: ctx.params.reverse !== true }) },
});

/**
 * Running product along `axis`: out_i = x_0 · ... · x_i (from the end with `reverse`), multiplied
 * in that order, as PyTorch.
 *
 * d cumprod(x)_k = Π_(j<k) x_j · S_k, with S_k = g_k + x_(k+1)·S_(k+1): the product of the elements
 * before k times a reverse linear recurrence over the incoming gradient g
 *
 * NOTE: the rule never divides by x, so zeros need no special case (PyTorch 1.13 divides by x
 * where there is none). It also means that infinities give the true partial derivatives: for
 * [2, Infinity, 3], d out_2/d x_1 = 2·3 = 6 and the gradient of x_1 under Σ out is 2 + 6 = 8,
 * where PyTorch's (Σ g·out)/x gives Infinity/Infinity = NaN.
 * @example
 * ```ts
 * cumprod(tensor([2, 0, 3]), { axis: 0 }).toArray(); // [2, 0, 0]
 * ```
 */
export const cumprod: OpFunction<['x'], ScanOptions> = defineOp({
  name: 'cumprod',
  inputs: ['x'],
  forward(ctx: OpContext<ScanOptions>, x) {
    ctx.save(x);
    ctx.saveResult();
    return scanKernel(x, scanAxis(x, ctx.params, 'cumprod'), ctx.params.reverse === true, 'prod');
  },
  backward: {
    x: (ctx, grad) => {
      const [x, out] = ctx.saved;
      const axis = ctx.params.axis;
      // towards the start of the scan is +1 for a forward scan, −1 for a reverse one
      const back: 1 | -1 = ctx.params.reverse === true ? -1 : 1;
      const before = shift(out, { axis, by: back, fill: 1 }); // Π_(j<k) x_j
      const after = linearScan(shift(x, { axis, by: back === 1 ? -1 : 1, fill: 0 }), grad, { axis, reverse: back === 1 }); // S_k
      return before.mul(after);
    },
  },
});

/** Parameters of {@link linearScan}: the axis, and the direction (y_i from y_(i+1) when reverse). */
interface LinearScanParams {
  axis: number;
  reverse: boolean;
}

/**
 * y_i = b_i + a_i·y_(i−1) along `axis`, with y_(−1) = 0 (or y_i = b_i + a_i·y_(i+1) from the end
 * when `reverse`); `a` and `b` have one shape. The gradient of cumprod is written with it.
 *
 * With λ the gradient of y (λ_i = g_i + a_(i+1)·λ_(i+1), the recurrence run backwards):
 * d/db = λ, d/da_i = λ_i·y_(i−1)
 */
const linearScan: OpFunction<['a', 'b'], LinearScanParams> = defineOp({
  name: 'linearScan',
  inputs: ['a', 'b'],
  forward(ctx: OpContext<LinearScanParams>, a, b) {
    ctx.save(a);
    ctx.saveResult();
    return linearScanKernel(a, b, scanAxis(b, ctx.params, 'linearScan'), ctx.params.reverse);
  },
  backward: {
    a: (ctx, grad) => {
      const [a, out] = ctx.saved;
      const back: 1 | -1 = ctx.params.reverse ? -1 : 1;
      return adjoint(ctx.params, a, grad).mul(shift(out, { axis: ctx.params.axis, by: back, fill: 0 }));
    },
    b: (ctx, grad) => adjoint(ctx.params, ctx.saved[0], grad),
  },
});

/** λ: the recurrence of `a` run in the other direction over `grad`, each step multiplied by the next a. */
function adjoint(params: LinearScanParams, a: Tensor, grad: Tensor): Tensor {
  const forward: 1 | -1 = params.reverse ? 1 : -1; // towards the end of the scan
  return linearScan(shift(a, { axis: params.axis, by: forward, fill: 0 }), grad, { axis: params.axis, reverse: !params.reverse });
}

/** Parameters of {@link shift}. */
interface ShiftParams {
  axis: number;
  by: 1 | -1;
  fill: number;
}

/**
 * out_i = x_(i−by) along `axis`, and `fill` at the place left empty.
 *
 * d shift(x, by) = shift(dx, −by) with 0 at the place left empty
 */
const shift: OpFunction<['x'], ShiftParams> = defineOp({
  name: 'shift',
  inputs: ['x'],
  forward: (ctx: OpContext<ShiftParams>, x) => shiftKernel(x, scanAxis(x, ctx.params, 'shift'), ctx.params.by, ctx.params.fill),
  backward: { x: (ctx, grad) => shift(grad, { axis: ctx.params.axis, by: ctx.params.by === 1 ? -1 : 1, fill: 0 }) },
});

/** @internal The exclusive running products from each end, for prod's gradient: Π_(j<k) x_j and Π_(j>k) x_j. */
export function exclusiveProducts(x: Tensor, axis: number): [Tensor, Tensor] {
  const before = shift(cumprod(x, { axis }), { axis, by: 1, fill: 1 });
  const after = shift(cumprod(x, { axis, reverse: true }), { axis, by: -1, fill: 1 });
  return [before, after];
}

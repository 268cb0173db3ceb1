/**
 * Variance and standard deviation over axes, with Bessel's correction by default (PyTorch's).
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { varKernel } from '../kernels/fold.js';
import { asKept, reducedResult } from './reduce-shape.js';

/**
 * The axes to reduce (all when left out), the correction subtracted from the number of elements in
 * the divisor (1: the unbiased estimate, PyTorch's default; 0: the population variance), and whether
 * to keep the reduced axes as size 1.
 * @example
 * ```ts
 * variance(x, { axes: 1, correction: 0, keepdims: true });
 * ```
 */
export interface VarOptions {
  axes?: number | readonly number[];
  correction?: number;
  keepdims?: boolean;
}

function correctionOf(options: VarOptions | undefined, op: string): number {
  const c = options?.correction ?? 1;
  if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) throw new ChainruleError(`${op}: correction must be a finite number >= 0, got ${String(c)}`);
  return c;
}

/** n − correction over the reduced axes, floored at 0 (the divisor of the variance). */
function degreesOfFreedom(x: Tensor, axes: readonly number[], correction: number): number {
  let n = 1;
  for (const a of axes) n *= x.shape[a];
  return Math.max(0, n - correction);
}

/**
 * The gradient of the variance for an incoming gradient g (shaped like the result):
 * 2/(n − c) · g · (x − mean(x)), as PyTorch's var_backward writes it.
 */
function varGrad(ctx: OpContext<VarOptions | undefined>, x: Tensor, g: Tensor, op: string): Tensor {
  const axes = normalizeAxes(ctx.params?.axes, x.ndim, op);
  const dof = degreesOfFreedom(x, axes, correctionOf(ctx.params, op));
  return asKept(g, x, axes).mul(2 / dof).mul(x.sub(x.mean(axes, true)));
}

/**
 * Variance Σ(x − mean)² / (n − correction) over all elements or `axes` (PyTorch's `torch.var`;
 * exported as `var`, a reserved word in JavaScript, so import it as `import { var as variance }`
 * or call `x.var()`).
 *
 * d var(x) = 2/(n − c) · (x − mean(x)) · dx
 *
 * NOTE: computed in two passes, the mean and then the squared deviations corrected for the mean's
 * own rounding (kernels/fold.ts), never as Σx²/n − mean², which cancels to garbage for data far
 * from 0. So the population variance of [1e16, 1e16 + 2] is 1, where PyTorch 1.13 gives 2.
 * With n ≤ correction the divisor is 0: the result is Infinity (NaN when all deviations are 0)
 * and the gradient ±Infinity (NaN where x equals the mean); PyTorch 1.13 gives the same values,
 * but its gradient divides by the negative n − c, or fails with a shape error at n = c.
 * @example
 * ```ts
 * variance(tensor([1, 2, 3, 4])).item(); // 1.6666666666666667
 * variance(tensor([1, 2, 3, 4]), { correction: 0 }).item(); // 1.25
 * ```
 */
export const variance = defineOp({
  name: 'var',
  inputs: ['x'],
  forward(ctx: OpContext<VarOptions | undefined>, x) {
    const axes = normalizeAxes(ctx.params?.axes, x.ndim, 'var');
    ctx.save(x);
    return reducedResult(varKernel(x, axes, correctionOf(ctx.params, 'var')), axes, ctx.params?.keepdims);
  },
  backward: { x: (ctx, grad) => varGrad(ctx, ctx.saved[0], grad, 'var') },
});

/**
 * Standard deviation √var over all elements or `axes`, with the same options as {@link variance}.
 *
 * d std(x) = d var(x) / (2 std(x)), and 0 where std(x) = 0
 *
 * NOTE: √ has an infinite slope at 0, so where all the reduced elements are equal the gradient is
 * set to 0 (as PyTorch's std_backward masks it), not 0·Infinity = NaN.
 * @example
 * ```ts
 * std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), { correction: 0 }).item(); // 2
 * ```
 */
export const std = defineOp({
  name: 'std',
  inputs: ['x'],
  forward(ctx: OpContext<VarOptions | undefined>, x) {
    const axes = normalizeAxes(ctx.params?.axes, x.ndim, 'std');
    ctx.save(x);
    ctx.saveResult();
    const v = varKernel(x, axes, correctionOf(ctx.params, 'std'));
    for (let i = 0; i < v.buffer.length; i++) v.buffer[i] = Math.sqrt(v.buffer[i]);
    return reducedResult(v, axes, ctx.params?.keepdims);
  },
  backward: {
    x: (ctx, grad) => {
      const [x, out] = ctx.saved;
      return varGrad(ctx, x, grad.div(out.mul(2)).where(out.ne(0), 0), 'std');
    },
  },
});

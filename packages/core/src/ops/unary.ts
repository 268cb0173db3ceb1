/**
 * Elementwise math: exp, log, sqrt, abs, sign.
 * @module
 */
import { defineOp } from '../op.js';
import { map } from '../kernels/elementwise.js';

/**
 * Elementwise exponential `eˣ`.
 *
 * d(eˣ) = eˣ dx (the saved output is reused)
 * @example
 * ```ts
 * exp(tensor([0, 1])).toArray(); // [1, 2.718281828459045]
 * ```
 */
export const exp = defineOp({
  name: 'exp',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.saveResult();
    return map(x, Math.exp);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0]) },
});

/**
 * Elementwise natural logarithm (log 0 = -Infinity, log of a negative is NaN).
 *
 * d(ln x) = dx / x
 * @example
 * ```ts
 * log(tensor([1, Math.E])).toArray(); // [0, 1]
 * ```
 */
export const log = defineOp({
  name: 'log',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.log);
  },
  backward: { x: (ctx, grad) => grad.div(ctx.saved[0]) },
});

/**
 * Elementwise square root.
 *
 * d(√x) = dx / (2√x)
 * @example
 * ```ts
 * sqrt(tensor([4, 9])).toArray(); // [2, 3]
 * ```
 */
export const sqrt = defineOp({
  name: 'sqrt',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.saveResult();
    return map(x, Math.sqrt);
  },
  backward: { x: (ctx, grad) => grad.div(ctx.saved[0].mul(2)) },
});

/**
 * Elementwise sign: -1, 0 or 1 (NaN stays NaN). Not differentiable (its derivative is 0 almost
 * everywhere), so its result never requires grad.
 * @example
 * ```ts
 * sign(tensor([-3, 0, 2])).toArray(); // [-1, 0, 1]
 * ```
 */
export const sign = defineOp({
  name: 'sign',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, Math.sign),
});

/**
 * Elementwise absolute value.
 *
 * d|x| = sign(x) dx
 *
 * NOTE: |x| has no derivative at 0; chainrule uses sign(0) = 0 there, as PyTorch and JAX do, and
 * 0 at NaN too, as PyTorch does.
 * @example
 * ```ts
 * abs(tensor([-3, 2])).toArray(); // [3, 2]
 * ```
 */
export const abs = defineOp({
  name: 'abs',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.abs);
  },
  backward: { x: (ctx, grad) => grad.mul(absSlope(ctx.saved[0])) },
});

/** |x|'s slope: 1 for x > 0, -1 for x < 0, 0 at 0 and at NaN (PyTorch's abs backward gives 0 there). */
export const absSlope = defineOp({
  name: 'absSlope',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0)),
});

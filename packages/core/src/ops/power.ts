/**
 * Reciprocal powers: reciprocal (1/x) and rsqrt (1/√x).
 * @module
 */
import { defineOp } from '../op.js';
import { map } from '../kernels/elementwise.js';

/**
 * Elementwise 1/x (IEEE rules: 1/0 = Infinity, 1/−0 = −Infinity).
 *
 * d(1/x) = −dx / x² = −(1/x)² dx (from the saved result, as PyTorch)
 *
 * NOTE: for |x| < 5.6e-309, 1/x overflows to ±Infinity.
 * @example
 * ```ts
 * reciprocal(tensor([2, -0.5, 0])).toArray(); // [0.5, -2, Infinity]
 * ```
 */
export const reciprocal = defineOp({
  name: 'reciprocal',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.saveResult();
    return map(x, (v) => 1 / v);
  },
  backward: { x: (ctx, grad) => grad.neg().mul(ctx.saved[0].square()) },
});

/**
 * Elementwise 1/√x: Infinity at 0, −Infinity at −0 (√−0 is −0), NaN below 0.
 *
 * d x^(−1/2) = −½ x^(−3/2) dx = −½ (1/√x)³ dx (from the saved result, as PyTorch)
 *
 * NOTE: computed as 1 / √x, two correctly rounded steps (within 1 ulp), as PyTorch does on CPU.
 * @example
 * ```ts
 * rsqrt(tensor([4, 0.25])).toArray(); // [0.5, 2]
 * ```
 */
export const rsqrt = defineOp({
  name: 'rsqrt',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.saveResult();
    return map(x, (v) => 1 / Math.sqrt(v));
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].pow(3)).mul(-0.5) },
});

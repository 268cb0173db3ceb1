/**
 * Logarithms and exponentials beyond exp and log: log1p, expm1, log2, log10.
 * @module
 */
import { defineOp } from '../op.js';
import { map } from '../kernels/elementwise.js';

/**
 * Elementwise ln(1 + x), accurate for small |x| where `log(1 + x)` loses the digits of x.
 * log1p(−1) = −Infinity, NaN below −1.
 *
 * d log1p x = dx / (1 + x)
 *
 * NOTE: log(1 + 1e-17) is 0 because 1 + 1e-17 rounds to 1; log1p(1e-17) is 1e-17.
 * @example
 * ```ts
 * log1p(tensor([0, 1e-17, Math.E - 1])).toArray(); // [0, 1e-17, 1]
 * ```
 */
export const log1p = defineOp({
  name: 'log1p',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.log1p);
  },
  backward: { x: (ctx, grad) => grad.div(ctx.saved[0].add(1)) },
});

/**
 * Elementwise eˣ − 1, accurate for small |x| where `exp(x) - 1` cancels.
 *
 * d expm1 x = eˣ dx = (expm1 x + 1) dx (from the saved result, as PyTorch)
 *
 * NOTE: exp(1e-17) − 1 is 0; expm1(1e-17) is 1e-17. expm1(−Infinity) = −1.
 * @example
 * ```ts
 * expm1(tensor([0, 1e-17])).toArray(); // [0, 1e-17]
 * ```
 */
export const expm1 = defineOp({
  name: 'expm1',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.saveResult();
    return map(x, Math.expm1);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].add(1)) },
});

/**
 * Elementwise base-2 logarithm, exact at powers of two (log2(8) = 3, not 2.9999999999999996 as
 * ln 8 / ln 2 gives).
 *
 * d log2 x = dx / (x ln 2)
 *
 * NOTE: log2(0) = −Infinity with derivative +Infinity (−Infinity at −0), NaN below 0.
 * @example
 * ```ts
 * log2(tensor([1, 8, 0.5])).toArray(); // [0, 3, -1]
 * ```
 */
export const log2 = defineOp({
  name: 'log2',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.log2);
  },
  backward: { x: (ctx, grad) => grad.div(ctx.saved[0].mul(Math.LN2)) },
});

/**
 * Elementwise base-10 logarithm, exact at powers of ten (log10(1000) = 3).
 *
 * d log10 x = dx / (x ln 10)
 *
 * NOTE: log10(0) = −Infinity with derivative +Infinity, NaN below 0.
 * @example
 * ```ts
 * log10(tensor([1, 1000, 0.01])).toArray(); // [0, 3, -2]
 * ```
 */
export const log10 = defineOp({
  name: 'log10',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.log10);
  },
  backward: { x: (ctx, grad) => grad.div(ctx.saved[0].mul(Math.LN10)) },
});

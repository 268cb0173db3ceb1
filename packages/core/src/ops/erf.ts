/**
 * The error function as an op (its float64 kernel is kernels/erf.ts).
 * @module
 */
import { defineOp } from '../op.js';
import { map } from '../kernels/elementwise.js';
import { erfScalar } from '../kernels/erf.js';

/** 2/√π, the slope of erf at 0. */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * Elementwise error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, within 1 ulp (JavaScript has no
 * `Math.erf`; chainrule's own kernel, kernels/erf.ts). erf(±Infinity) = ±1.
 *
 * d erf x = 2/√π · e^(−x²) dx
 *
 * NOTE: erf(x) rounds to ±1 from |x| ≈ 5.93 on, so 1 − erf(x) is 0 there; the normal CDF in
 * `gelu` is computed from erfc instead, which keeps the tail.
 * @example
 * ```ts
 * erf(tensor([0, 0.5, -Infinity])).toArray(); // [0, 0.5204998778130465, -1]
 * ```
 */
export const erf = defineOp({
  name: 'erf',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, erfScalar);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].square().neg().exp().mul(TWO_OVER_SQRT_PI)) },
});

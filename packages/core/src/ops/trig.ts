/**
 * Trigonometric and hyperbolic functions: sin, cos, tan, asin, acos, atan, atan2, sinh, cosh.
 * Each gradient rule is written with tensor ops (cos's rule uses sin, sin's uses cos, asin's uses
 * rsqrt), so every derivative order is available.
 * @module
 */
import { defineOp } from '../op.js';
import { map, zip } from '../kernels/elementwise.js';
import type { Tensor } from '../tensor.js';

/**
 * Elementwise sine (radians).
 *
 * d sin x = cos x dx
 *
 * NOTE: the argument reduction is exact (V8's `Math.sin` reduces by π to full precision), so
 * `sin(1e22)` is the sine of the double 1e22, not of a rounded multiple of π. sin(±Infinity) is NaN.
 * @example
 * ```ts
 * sin(tensor([0, Math.PI / 6])).toArray(); // [0, 0.49999999999999994]
 * ```
 */
export const sin = defineOp({
  name: 'sin',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.sin);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].cos()) },
});

/**
 * Elementwise cosine (radians).
 *
 * d cos x = −sin x dx
 *
 * NOTE: exact argument reduction, as for {@link sin}; cos(±Infinity) is NaN.
 * @example
 * ```ts
 * cos(tensor([0, Math.PI])).toArray(); // [1, -1]
 * ```
 */
export const cos = defineOp({
  name: 'cos',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.cos);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].sin().neg()) },
});

/**
 * Elementwise tangent (radians).
 *
 * d tan x = (1 + tan² x) dx (from the saved result, as PyTorch)
 *
 * NOTE: no double is an odd multiple of π/2, so tan never returns ±Infinity: tan(π/2) is
 * 1.633e16 (π/2 as a double is 6e-17 short), and its derivative there is about 2.7e32.
 * @example
 * ```ts
 * tan(tensor([0, Math.PI / 4])).toArray(); // [0, 0.9999999999999999]
 * ```
 */
export const tan = defineOp({
  name: 'tan',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.saveResult();
    return map(x, Math.tan);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].square().add(1)) },
});

/**
 * Elementwise arcsine, in [−π/2, π/2]; NaN outside [−1, 1].
 *
 * d asin x = dx / √(1 − x²)
 *
 * NOTE: the derivative is +Infinity at ±1 and NaN beyond. Near ±1, 1 − x·x cancels (at
 * x = 1 − 1e-8 it keeps about half of its digits); (1 − x)(1 + x) would not, but PyTorch computes
 * 1 − x·x, and chainrule keeps its expression so that the two agree to rounding.
 * @example
 * ```ts
 * asin(tensor([0, 0.5, 1])).toArray(); // [0, 0.5235987755982989, 1.5707963267948966]
 * ```
 */
export const asin = defineOp({
  name: 'asin',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.asin);
  },
  backward: { x: (ctx, grad) => grad.mul(oneMinusSquare(ctx.saved[0]).rsqrt()) },
});

/**
 * Elementwise arccosine, in [0, π]; NaN outside [−1, 1].
 *
 * d acos x = −dx / √(1 − x²)
 *
 * NOTE: −Infinity at ±1, and the same cancellation near ±1 as {@link asin}.
 * @example
 * ```ts
 * acos(tensor([1, 0, -1])).toArray(); // [0, 1.5707963267948966, 3.141592653589793]
 * ```
 */
export const acos = defineOp({
  name: 'acos',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.acos);
  },
  backward: { x: (ctx, grad) => grad.mul(oneMinusSquare(ctx.saved[0]).rsqrt().neg()) },
});

/** 1 − x·x, as PyTorch's asin and acos rules write it. */
function oneMinusSquare(x: Tensor): Tensor {
  return x.square().neg().add(1);
}

/**
 * Elementwise arctangent, in (−π/2, π/2); atan(±Infinity) = ±π/2.
 *
 * d atan x = dx / (1 + x²)
 *
 * NOTE: for |x| > 1.3e154, x² overflows and the derivative is 0, which is its true value rounded
 * (1/x² is below the smallest double there).
 * @example
 * ```ts
 * atan(tensor([0, 1])).toArray(); // [0, 0.7853981633974483]
 * ```
 */
export const atan = defineOp({
  name: 'atan',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.atan);
  },
  backward: { x: (ctx, grad) => grad.div(ctx.saved[0].square().add(1)) },
});

/**
 * Elementwise angle of the point (b, a): atan2(a, b) in [−π, π], broadcasting (C's and PyTorch's
 * argument order: `atan2(y, x)`). Signed zeros and infinities follow C99: atan2(0, −0) = π,
 * atan2(±Infinity, ±Infinity) = ±π/4 or ±3π/4.
 *
 * d atan2(a, b) = (b da − a db) / (a² + b²)
 *
 * NOTE: at the origin the angle has no derivative; as in PyTorch the rule gives 0·(1/0) = NaN
 * there for both inputs.
 * @example
 * ```ts
 * atan2(tensor([1, 1]), tensor([1, -1])).toArray(); // [0.7853981633974483, 2.356194490192345]
 * ```
 */
export const atan2 = defineOp({
  name: 'atan2',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return zip(a, b, Math.atan2, 'atan2');
  },
  backward: {
    a: (ctx, grad) => {
      const [a, b] = ctx.saved;
      return grad.mul(b).mul(a.square().add(b.square()).reciprocal());
    },
    b: (ctx, grad) => {
      const [a, b] = ctx.saved;
      return grad.mul(a.neg()).mul(a.square().add(b.square()).reciprocal());
    },
  },
});

/**
 * Elementwise hyperbolic sine.
 *
 * d sinh x = cosh x dx
 *
 * NOTE: overflows to ±Infinity beyond |x| ≈ 710.48 (its derivative as well); for small |x|,
 * `Math.sinh` keeps full relative precision (no e^x − e^−x cancellation). PyTorch 1.13's
 * vectorised CPU kernel overflows earlier, from |x| ≈ 709.78 where e^|x| does: sinh(−710) is
 * −1.117e308 here, −Infinity there.
 * @example
 * ```ts
 * sinh(tensor([0, 1])).toArray(); // [0, 1.1752011936438014]
 * ```
 */
export const sinh = defineOp({
  name: 'sinh',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.sinh);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].cosh()) },
});

/**
 * Elementwise hyperbolic cosine.
 *
 * d cosh x = sinh x dx
 *
 * NOTE: overflows to Infinity beyond |x| ≈ 710.48 (PyTorch 1.13's vectorised CPU kernel from
 * 709.78 already, as for {@link sinh}).
 * @example
 * ```ts
 * cosh(tensor([0, 1])).toArray(); // [1, 1.5430806348152437]
 * ```
 */
export const cosh = defineOp({
  name: 'cosh',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, Math.cosh);
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].sinh()) },
});

/**
 * Arithmetic: add, sub, mul, div, neg, pow, square. Binary ops broadcast by NumPy's rules; their
 * backward returns gradients in the broadcast shape and the engine sums them back to each input's.
 * @module
 */
import { defineOp } from '../op.js';
import { map, zip } from '../kernels/elementwise.js';

/**
 * Elementwise sum `a + b`, broadcasting.
 *
 * d(a + b) = da + db
 * @example
 * ```ts
 * add(tensor([1, 2]), 10).toArray(); // [11, 12]
 * ```
 */
export const add = defineOp({
  name: 'add',
  inputs: ['a', 'b'],
  forward: (_ctx, a, b) => zip(a, b, 'add', 'add'),
  backward: { a: (_ctx, grad) => grad, b: (_ctx, grad) => grad },
});

/**
 * Elementwise difference `a - b`, broadcasting.
 *
 * d(a - b) = da - db
 * @example
 * ```ts
 * sub(tensor([5, 7]), tensor([1, 2])).toArray(); // [4, 5]
 * ```
 */
export const sub = defineOp({
  name: 'sub',
  inputs: ['a', 'b'],
  forward: (_ctx, a, b) => zip(a, b, 'sub', 'sub'),
  backward: { a: (_ctx, grad) => grad, b: (_ctx, grad) => grad.neg() },
});

/**
 * Elementwise product `a * b`, broadcasting.
 *
 * d(a b) = b da + a db
 * @example
 * ```ts
 * mul(tensor([1, 2]), tensor([3, 4])).toArray(); // [3, 8]
 * ```
 */
export const mul = defineOp({
  name: 'mul',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return zip(a, b, 'mul', 'mul');
  },
  backward: {
    a: (ctx, grad) => grad.mul(ctx.saved[1]),
    b: (ctx, grad) => grad.mul(ctx.saved[0]),
  },
});

/**
 * Elementwise quotient `a / b`, broadcasting (IEEE rules: x/0 is ±Infinity or NaN).
 *
 * d(a / b) = da / b - a db / b²
 * @example
 * ```ts
 * div(tensor([1, 3]), 2).toArray(); // [0.5, 1.5]
 * ```
 */
export const div = defineOp({
  name: 'div',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return zip(a, b, 'div', 'div');
  },
  backward: {
    a: (ctx, grad) => grad.div(ctx.saved[1]),
    b: (ctx, grad) => {
      const [a, b] = ctx.saved;
      return grad.div(b).mul(a.div(b)).neg();
    },
  },
});

/**
 * Elementwise negation `-x`.
 *
 * d(-x) = -dx
 * @example
 * ```ts
 * neg(tensor([1, -2])).toArray(); // [-1, 2]
 * ```
 */
export const neg = defineOp({
  name: 'neg',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, 'neg'),
  backward: { x: (_ctx, grad) => grad.neg() },
});

/**
 * Elementwise power `a ** b`, broadcasting; `b` may be a number or a tensor. Values follow C's
 * `pow` (as PyTorch): 1ˣ = 1 even for x = NaN or ±Infinity, and (−1)^±Infinity = 1.
 *
 * d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln(a) db
 *
 * NOTE: as in PyTorch, d/da is 0 where b = 0 (a⁰ = 1 is constant in a, even at a = 0 where
 * b·aᵇ⁻¹ would be 0·∞), and d/db is 0 where a = 0 and b ≥ 0 (the limit of aᵇ ln a), so `pow(0, b)`
 * with a trainable b does not poison the gradient; elsewhere the formulas stand: d/db is NaN for
 * a < 0, and -Infinity at a = 0 with b < 0 (∞ · -∞).
 * @example
 * ```ts
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 */
export const pow = defineOp({
  name: 'pow',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return zip(a, b, powC, 'pow');
  },
  backward: {
    // b·aᵇ⁻¹ with a replaced by 1 where b = 0, so it is b·1 = 0 there in every derivative order
    a: (ctx, grad) => {
      const [a, b] = ctx.saved;
      return grad.mul(b.mul(a.where(b.ne(0), 1).pow(b.sub(1))));
    },
    // aᵇ·ln(a) with a replaced by 1 in the log where a = 0 and b ≥ 0 (ln 1 = 0): differentiable, no NaN
    b: (ctx, grad) => {
      const [a, b] = ctx.saved;
      const zeroBaseNonNegativeExponent = a.eq(0).mul(b.ge(0));
      return grad.mul(a.pow(b).mul(a.where(zeroBaseNonNegativeExponent.eq(0), 1).log()));
    },
  },
});

/**
 * C's (and IEEE 754's) `pow`, which PyTorch and NumPy use: like `Math.pow` except that 1ˣ = 1 for
 * every x (NaN and ±Infinity included) and (−1)^±Infinity = 1, where `Math.pow` gives NaN.
 */
function powC(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/**
 * Elementwise square `x * x`.
 *
 * d(x²) = 2x dx
 * @example
 * ```ts
 * square(tensor([3, -4])).toArray(); // [9, 16]
 * ```
 */
export const square = defineOp({
  name: 'square',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, 'square');
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].mul(2)) },
});

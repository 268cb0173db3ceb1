/**
 * Arithmetic: add, sub, mul, div, neg, pow, square. Binary ops broadcast by NumPy's rules; their
 * backward returns gradients in the broadcast shape and the engine sums them back to each input's.
 * @module
 */
import { defineOp, type Gradients } from '../op.js';
import { map, zip } from '../kernels/elementwise.js';
import { log } from './unary.js';
import { eq, where } from './select.js';

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
  forward: (_ctx, a, b) => zip(a, b, (x, y) => x + y, 'add'),
  backward: (_ctx, grad): Gradients => [grad, grad],
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
  forward: (_ctx, a, b) => zip(a, b, (x, y) => x - y, 'sub'),
  backward: (ctx, grad): Gradients => [grad, ctx.needsInputGrad[1] ? neg(grad) : null],
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
    return zip(a, b, (x, y) => x * y, 'mul');
  },
  backward(ctx, grad): Gradients {
    const [a, b] = ctx.saved;
    return [ctx.needsInputGrad[0] ? mul(grad, b) : null, ctx.needsInputGrad[1] ? mul(grad, a) : null];
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
    return zip(a, b, (x, y) => x / y, 'div');
  },
  backward(ctx, grad): Gradients {
    const [a, b] = ctx.saved;
    const da = div(grad, b);
    return [ctx.needsInputGrad[0] ? da : null, ctx.needsInputGrad[1] ? neg(mul(da, div(a, b))) : null];
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
  forward: (_ctx, x) => map(x, (v) => -v),
  backward: (_ctx, grad): Gradients => [neg(grad)],
});

/**
 * Elementwise power `a ** b`, broadcasting; `b` may be a number or a tensor.
 *
 * d(aᵇ) = b aᵇ⁻¹ da + aᵇ ln(a) db
 *
 * NOTE: the exponent's gradient aᵇ ln a is NaN for a < 0 (as in PyTorch); at a = 0 it is taken as 0,
 * the limit for b > 0, so `pow(0, b)` with a trainable b does not poison the gradient. At a = b = 0
 * the base's gradient b·aᵇ⁻¹ would be 0·∞ = NaN; it is 0 there (a⁰ = 1 is constant in a), so the
 * feature x⁰ of a polynomial has gradient 0 at x = 0, as in PyTorch.
 * @example
 * ```ts
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 */
export const pow = defineOp({
  name: 'pow',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    const out = zip(a, b, Math.pow, 'pow');
    ctx.save(a, b, out);
    return out;
  },
  backward(ctx, grad): Gradients {
    const [a, b, out] = ctx.saved;
    // a replaced by 1 where a = b = 0, so b·aᵇ⁻¹ is 0·1 = 0 there rather than 0·∞, in every derivative order.
    const da = ctx.needsInputGrad[0] ? mul(grad, mul(b, pow(where(mul(eq(a, 0), eq(b, 0)), 1, a), sub(b, 1)))) : null;
    // ln(a) with a = 0 replaced by 1 (ln 1 = 0): differentiable, and no NaN leaks into second derivatives.
    const db = ctx.needsInputGrad[1] ? mul(grad, mul(out, log(where(eq(a, 0), 1, a)))) : null;
    return [da, db];
  },
});

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
    return map(x, (v) => v * v);
  },
  backward(ctx, grad): Gradients {
    const [x] = ctx.saved;
    return [mul(grad, mul(x, 2))];
  },
});

/**
 * Activations: sigmoid, tanh, relu. Each backward reuses the saved output where that is cheaper.
 * @module
 */
import { defineOp, type Gradients } from '../op.js';
import { map } from '../kernels/elementwise.js';
import { mul, sub } from './arithmetic.js';
import { gt } from './select.js';

/**
 * Elementwise logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ).
 *
 * dσ = σ (1 - σ) dx
 *
 * NOTE: computed as 1 / (1 + e⁻ˣ) for x ≥ 0 and eˣ / (1 + eˣ) for x < 0, so only a non-positive
 * number is ever exponentiated: nothing overflows (the one-branch eˣ / (1 + eˣ) gives
 * Infinity / Infinity = NaN from x = 710 on), and σ(1000) = 1, σ(-1000) = 0 exactly.
 * @example
 * ```ts
 * sigmoid(tensor([0])).toArray(); // [0.5]
 * ```
 */
export const sigmoid = defineOp({
  name: 'sigmoid',
  inputs: ['x'],
  forward(ctx, x) {
    const out = map(x, sigmoidScalar);
    ctx.save(out);
    return out;
  },
  backward(ctx, grad): Gradients {
    const [out] = ctx.saved;
    return [mul(grad, mul(out, sub(1, out)))];
  },
});

/** The stable scalar sigmoid used by the kernel. */
export function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * Elementwise hyperbolic tangent.
 *
 * d(tanh x) = (1 - tanh² x) dx
 * @example
 * ```ts
 * tanh(tensor([0])).toArray(); // [0]
 * ```
 */
export const tanh = defineOp({
  name: 'tanh',
  inputs: ['x'],
  forward(ctx, x) {
    const out = map(x, Math.tanh);
    ctx.save(out);
    return out;
  },
  backward(ctx, grad): Gradients {
    const [out] = ctx.saved;
    return [mul(grad, sub(1, mul(out, out)))];
  },
});

/**
 * Elementwise rectified linear unit max(x, 0).
 *
 * d relu(x) = [x > 0] dx
 *
 * NOTE: relu has no derivative at 0; chainrule uses 0 there, as PyTorch, JAX and TensorFlow do.
 * @example
 * ```ts
 * relu(tensor([-1, 0, 2])).toArray(); // [0, 0, 2]
 * ```
 */
export const relu = defineOp({
  name: 'relu',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, (v) => (v > 0 ? v : v === v ? 0 : v));
  },
  backward(ctx, grad): Gradients {
    const [x] = ctx.saved;
    return [mul(grad, gt(x, 0))];
  },
});

/**
 * Activations: sigmoid, tanh, relu. Each backward reuses the saved output where that is cheaper.
 * @module
 */
import { defineOp } from '../op.js';
import { map, zip } from '../kernels/elementwise.js';

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
    ctx.saveResult();
    return map(x, sigmoidScalar);
  },
  backward: { x: (ctx, grad) => sigmoidBackward(grad, ctx.saved[0]) },
});

/**
 * sigmoid's backward as one op, g σ (1 - σ), so a training step runs one kernel instead of three
 * (and no constant 1 is made); its own backward keeps every higher derivative available.
 *
 * d[g s(1 - s)] = s(1 - s) dg + g (1 - 2s) ds
 */
const sigmoidBackward = defineOp({
  name: 'sigmoidBackward',
  inputs: ['grad', 'out'],
  forward(ctx, grad, out) {
    ctx.save(grad, out);
    return zip(grad, out, (g, s) => g * (s * (1 - s)), 'sigmoidBackward');
  },
  backward: {
    grad: (ctx, gg) => {
      const out = ctx.saved[1];
      return gg.mul(out.mul(out.neg().add(1)));
    },
    out: (ctx, gg) => {
      const [grad, out] = ctx.saved;
      return gg.mul(grad.mul(out.mul(-2).add(1)));
    },
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
    ctx.saveResult();
    return map(x, Math.tanh);
  },
  backward: { x: (ctx, grad) => tanhBackward(grad, ctx.saved[0]) },
});

/**
 * tanh's backward as one op, g (1 - t²), for the same reason as sigmoid's.
 *
 * d[g (1 - t²)] = (1 - t²) dg - 2 g t dt
 */
const tanhBackward = defineOp({
  name: 'tanhBackward',
  inputs: ['grad', 'out'],
  forward(ctx, grad, out) {
    ctx.save(grad, out);
    return zip(grad, out, (g, t) => g * (1 - t * t), 'tanhBackward');
  },
  backward: {
    grad: (ctx, gg) => {
      const out = ctx.saved[1];
      return gg.mul(out.mul(out).neg().add(1));
    },
    out: (ctx, gg) => {
      const [grad, out] = ctx.saved;
      return gg.mul(grad.mul(out.mul(-2)));
    },
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
  backward: { x: (ctx, grad) => grad.mul(reluMask(ctx.saved[0])) },
});

/**
 * relu's derivative: 0 where x ≤ 0, else 1. NOTE: at x = NaN that is 1, so the gradient passes
 * through as PyTorch's `threshold_backward` (x ≤ 0 ? 0 : grad) lets it.
 */
const reluMask = defineOp({
  name: 'reluMask',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, (v) => (v <= 0 ? 0 : 1)),
});

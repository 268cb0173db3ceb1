/**
 * softmax and logSoftmax along an axis, composed from primitives (so every derivative order comes
 * for free) in their numerically stable forms.
 * @module
 */
import { normalizeAxis } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { div, sub } from './arithmetic.js';
import { exp, log } from './unary.js';
import { max, sum } from './reduce.js';

/**
 * x minus its maximum along `axis`. NOTE: the maximum is detached: softmax(x - c) = softmax(x) for
 * any constant c, so its gradient would cancel exactly, and shifting makes every exponent ≤ 0 so
 * e^x cannot overflow (softmax of [1000, 1000] is [0.5, 0.5], not NaN).
 */
function shifted(t: Tensor, axis: number): Tensor {
  return sub(t, max(t, { axes: axis, keepdims: true }).detach());
}

/**
 * softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ along `axis` (default: the last).
 *
 * d softmax = s ⊙ (dx - Σ s ⊙ dx)
 * @example
 * ```ts
 * softmax(tensor([0, Math.log(3)])).toArray(); // [0.25, 0.75]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  const a = normalizeAxis(axis, t.ndim, 'softmax');
  const e = exp(shifted(t, a));
  return div(e, sum(e, { axes: a, keepdims: true }));
}

/**
 * logSoftmax(x)ᵢ = xᵢ - log Σⱼ e^xⱼ along `axis` (default: the last), computed as
 * (x - m) - log Σ e^(x - m) with m the maximum, so it stays finite where log(softmax(x)) gives -Infinity.
 *
 * d logSoftmax = dx - Σ softmax ⊙ dx
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0])).toArray(); // [-0.6931471805599453, -0.6931471805599453]
 * ```
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  const a = normalizeAxis(axis, t.ndim, 'logSoftmax');
  const z = shifted(t, a);
  return sub(z, log(sum(exp(z), { axes: a, keepdims: true })));
}

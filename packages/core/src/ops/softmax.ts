/**
 * The log-sum-exp family: logsumexp over axes, softmax and logSoftmax along an axis. Composed from
 * primitives (so every derivative order comes for free) in their numerically stable forms.
 * @module
 */
import { defineOp } from '../op.js';
import { map } from '../kernels/elementwise.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import { Tensor, asTensor, type TensorLike } from '../tensor.js';
import type { ReduceOptions } from './reduce.js';

/** x with ±Infinity replaced by 0 (not differentiable: it only ever sees a detached shift). */
const zeroInfinities = defineOp({
  name: 'zeroInfinities',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, (v) => (v === Infinity || v === -Infinity ? 0 : v)),
});

/**
 * The largest element along `axes` (kept as size 1), detached, and 0 where it is ±Infinity.
 * NOTE: shifting by a constant c leaves softmax and logsumexp - c unchanged, so the shift needs no
 * gradient (it would cancel exactly); shifting makes every exponent ≤ 0 so e^x cannot overflow
 * (softmax of [1000, 1000] is [0.5, 0.5], not NaN). An infinite maximum is replaced by 0 so that
 * x - c never computes ∞ - ∞ (PyTorch's logsumexp does the same): a row of -Infinity then gives
 * log(0) = -Infinity, and a +Infinity gives +Infinity.
 */
function stableShift(t: Tensor, axes: readonly number[]): Tensor {
  return zeroInfinities(t.max(axes, true).detach());
}

/**
 * log Σ exp(x) over all elements or `axes` (`keepdims` keeps them as size 1), computed as
 * c + log Σ exp(x - c) with c the maximum, so it neither overflows nor loses the large terms.
 *
 * d logsumexp(x) = Σ softmax(x) ⊙ dx
 * @example
 * ```ts
 * logsumexp(tensor([0, -Infinity, 1])).item(); // 1.3132616875182228
 * logsumexp(tensor([1e308, -1e308, 0])).item(); // 1e308
 * ```
 */
export function logsumexp(x: TensorLike, options: ReduceOptions = {}): Tensor {
  const t = asTensor(x);
  const axes = normalizeAxes(options.axes, t.ndim, 'logsumexp');
  if (t.size === 0) return t.sum(axes, options.keepdims ?? false).log(); // log of an empty sum: -Infinity
  const c = stableShift(t, axes);
  const out = t.sub(c).exp().sum(axes, true).log().add(c);
  return options.keepdims ? out : out.sum(axes);
}

/**
 * softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ along `axis` (default: the last). A tensor with no elements gives an
 * empty result, as in PyTorch.
 *
 * d softmax = s ⊙ (dx - Σ s ⊙ dx)
 * @example
 * ```ts
 * softmax(tensor([0, Math.log(3)])).toArray(); // [0.25, 0.75]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = asTensor(x);
  const a = normalizeAxis(axis, t.ndim, 'softmax');
  if (t.size === 0) return t.clone();
  const e = t.sub(stableShift(t, [a])).exp();
  return e.div(e.sum(a, true));
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
  const t = asTensor(x);
  const a = normalizeAxis(axis, t.ndim, 'logSoftmax');
  if (t.size === 0) return t.clone();
  const z = t.sub(stableShift(t, [a]));
  return z.sub(z.exp().sum(a, true).log());
}

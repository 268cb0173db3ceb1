/**
 * softplus and logSigmoid: log(1 + eˣ) and its mirror log σ(x) = −softplus(−x), in the form that
 * neither overflows nor loses the small values.
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { map } from '../kernels/elementwise.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { where } from './select.js';

/**
 * softplus's `beta` (the curve is log(1 + e^(βx))/β, sharper as β grows) and `threshold` (above
 * βx > threshold the result is x itself, PyTorch's linear region); defaults 1 and 20 as PyTorch.
 * @example
 * ```ts
 * softplus(x, { beta: 2, threshold: 10 });
 * ```
 */
export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}

function softplusParams(options: SoftplusOptions | undefined): { beta: number; threshold: number } {
  const beta = options?.beta ?? 1;
  const threshold = options?.threshold ?? 20;
  if (typeof beta !== 'number' || !(beta > 0) || beta === Infinity) throw new ChainruleError(`softplus: beta must be a finite number > 0, got ${String(beta)}`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new ChainruleError(`softplus: threshold must be a number, got ${String(threshold)}`);
  return { beta, threshold };
}

/**
 * Elementwise softplus(x) = log(1 + e^(βx)) / β, a smooth relu; x itself where βx > threshold
 * (PyTorch's `F.softplus`).
 *
 * d softplus(x) = σ(βx) dx, and dx in the linear region
 *
 * NOTE: computed as (max(βx, 0) + log1p(e^(−|βx|))) / β, so e^(βx) never overflows (the direct
 * form is Infinity from βx = 710, which only the default threshold hides) and tiny results keep
 * their digits (softplus(−40) = 4.2e-18, where log(1 + e⁻⁴⁰) is 0). The threshold is kept as
 * PyTorch has it: at βx just above 20 the result jumps from log(1 + e^(βx))/β to x, by 2e-9.
 * `threshold: Infinity` turns the linear region off. At βx = threshold exactly both derivatives
 * follow the smooth branch; PyTorch 1.13's second derivative switches to the linear one (0) there.
 * @example
 * ```ts
 * softplus(tensor([0, -40, 30])).toArray(); // [0.6931471805599453, 4.248354255291589e-18, 30]
 * ```
 */
export const softplus = defineOp({
  name: 'softplus',
  inputs: ['x'],
  forward(ctx: OpContext<SoftplusOptions | undefined>, x) {
    const { beta, threshold } = softplusParams(ctx.params);
    ctx.save(x);
    return map(x, (v) => {
      const z = v * beta;
      return z > threshold ? v : (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / beta;
    });
  },
  backward: {
    x: (ctx, grad) => {
      const { beta, threshold } = softplusParams(ctx.params);
      const z = ctx.saved[0].mul(beta);
      return grad.mul(where(z.gt(threshold), 1, z.sigmoid()));
    },
  },
});

/**
 * Elementwise log σ(x) = −log(1 + e⁻ˣ) (PyTorch's `F.logsigmoid`), composed as −softplus(−x) with
 * no linear region: the same stable form, min(x, 0) − log1p(e^(−|x|)), and its gradient σ(−x).
 *
 * d log σ(x) = σ(−x) dx = (1 − σ(x)) dx
 *
 * NOTE: log(sigmoid(x)) is −Infinity from x ≈ −745 on (σ underflows to 0); logSigmoid(−1000) is
 * −1000, and logSigmoid(40) = −4.2e-18, not log(1) = 0.
 * @example
 * ```ts
 * logSigmoid(tensor([0, -1000])).toArray(); // [-0.6931471805599453, -1000]
 * ```
 */
export function logSigmoid(x: TensorLike): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  return softplus(t.neg(), NO_LINEAR_REGION).neg();
}

/** @internal softplus without PyTorch's linear region: log(1 + eˣ) everywhere (mish and logSigmoid use it). */
export const NO_LINEAR_REGION: SoftplusOptions = Object.freeze({ threshold: Infinity });

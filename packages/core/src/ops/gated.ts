/**
 * Activations of the form x · gate(x): gelu (x·Φ(x), exact or with PyTorch's tanh approximation),
 * silu (x·σ(x)) and mish (x·tanh(softplus(x))). Each is composed from ops, so its gradient and every
 * higher derivative come from the product rule with no rule of its own; each composition computes
 * the same expression as PyTorch's forward.
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp } from '../op.js';
import { map } from '../kernels/elementwise.js';
import { erfcScalar } from '../kernels/erf.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { NO_LINEAR_REGION, softplus } from './softplus.js';

/** 1/√(2π), the normal density at 0. */
const INV_SQRT_2PI = 0.3989422804014327;
/** √(2/π), computed as PyTorch's tanh-gelu kernel writes it (√2 · 2/√π · ½). */
const SQRT_2_OVER_PI = Math.SQRT2 * 1.1283791670955126 * 0.5;

/**
 * The standard normal CDF Φ(x) = ½ erfc(−x/√2), accurate in both tails (½(1 + erf(x/√2)) is 0 from
 * x ≈ −8.37 on, where Φ is still 2.8e-17).
 *
 * dΦ = φ(x) dx, with φ(x) = e^(−x²/2)/√(2π)
 */
const normalCdf = defineOp({
  name: 'normalCdf',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return map(x, (v) => 0.5 * erfcScalar(-v * Math.SQRT1_2));
  },
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].square().mul(-0.5).exp().mul(INV_SQRT_2PI)) },
});

/**
 * gelu's `approximate`: `'none'` (default) for the exact x·Φ(x), `'tanh'` for
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))), as PyTorch's `F.gelu(x, approximate=...)`.
 * @example
 * ```ts
 * gelu(x, { approximate: 'tanh' });
 * ```
 */
export interface GeluOptions {
  approximate?: 'none' | 'tanh';
}

/**
 * Elementwise Gaussian error linear unit gelu(x) = x·Φ(x), Φ the standard normal CDF; with
 * `approximate: 'tanh'`, ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 *
 * d gelu(x) = (Φ(x) + x φ(x)) dx (exact form)
 *
 * NOTE: Φ is computed from erfc, not as ½(1 + erf(x/√2)) as PyTorch does, so gelu keeps its
 * relative precision for very negative x (gelu(−10) = −7.6e-23; PyTorch gives −0). The two agree
 * to within 1e-16 absolute everywhere. At ±Infinity the gradient is NaN, as PyTorch's (0·∞).
 * @example
 * ```ts
 * gelu(tensor([0, 1])).toArray(); // [0, 0.841344746068543]
 * gelu(tensor([1]), { approximate: 'tanh' }).toArray(); // [0.8411919906082768]
 * ```
 */
export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  const approximate = options.approximate ?? 'none';
  if (approximate === 'none') return t.mul(normalCdf(t));
  if (approximate === 'tanh') {
    const inner = t.add(t.square().mul(t).mul(0.044715)).mul(SQRT_2_OVER_PI);
    return t.mul(0.5).mul(inner.tanh().add(1));
  }
  throw new ChainruleError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
}

/**
 * Elementwise sigmoid linear unit silu(x) = x·σ(x) (also called swish; PyTorch's `F.silu`).
 *
 * d silu(x) = σ(x)(1 + x(1 − σ(x))) dx
 *
 * NOTE: σ is the stable sigmoid, so silu(−1000) is −0 and silu(1000) is 1000, never NaN.
 * @example
 * ```ts
 * silu(tensor([0, 1])).toArray(); // [0, 0.7310585786300049]
 * ```
 */
export function silu(x: TensorLike): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  return t.mul(t.sigmoid());
}

/**
 * Elementwise mish(x) = x·tanh(softplus(x)) (PyTorch's `F.mish`; softplus without a linear region,
 * as PyTorch's mish computes log1p(eˣ)).
 *
 * d mish(x) = (tanh(sp) + x σ(x)(1 − tanh²(sp))) dx, sp = softplus(x)
 *
 * NOTE: softplus is the stable form, max(x, 0) + log1p(e^(−|x|)), which never overflows (PyTorch's
 * log1p(eˣ) is Infinity from x ≈ 709.8, harmless here only because tanh(Infinity) = 1);
 * mish(1000) = 1000, mish(−1000) = −0. PyTorch 1.13's second derivative of mish is NaN from
 * x ≈ 710 (eˣ overflows in its formula); chainrule's is the true value, 0 to rounding.
 * @example
 * ```ts
 * mish(tensor([0, 1])).toArray(); // [0, 0.8650983882673103]
 * ```
 */
export function mish(x: TensorLike): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  return t.mul(softplus(t, NO_LINEAR_REGION).tanh());
}

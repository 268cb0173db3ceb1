/**
 * Adam, as PyTorch's `torch.optim.Adam` (without amsgrad).
 * @module
 */
import type { Tensor } from '@chainrule/core';
import { checkHyper, gradOf, Optimizer } from './optimizer.js';

/** Options of {@link Adam}. @example `{ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 }` */
export interface AdamOptions {
  /** Learning rate η (default 1e-3). */
  lr?: number;
  /** Decay rates (β₁, β₂) of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient (default 0; this is Adam's coupled decay, not AdamW's). */
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba, 2015) with PyTorch's update for each parameter θ with gradient g, at step t = 1, 2, …:
 *
 * ```
 * g ← g + λθ                                (weight decay, if λ ≠ 0)
 * m ← m + (1 − β₁)(g − m)                   (= β₁m + (1 − β₁)g, PyTorch's lerp)
 * v ← β₂v + (1 − β₂)g²
 * θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * m and v start at 0; the factors 1/(1 − β₁ᵗ) and 1/√(1 − β₂ᵗ) correct their bias towards 0.
 * t counts the steps each parameter was actually updated (frozen or gradient-less steps do not count).
 *
 * @example
 * ```ts
 * const opt = new Adam(net.parameters(), { lr: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class Adam extends Optimizer {
  /** Learning rate; may be changed between steps. */
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly m: (Float64Array | Float32Array | null)[];
  private readonly v: (Float64Array | Float32Array | null)[];
  private readonly steps: number[];

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, 'Adam');
    this.lr = checkHyper('Adam', 'lr', options.lr ?? 1e-3);
    const [b1, b2] = options.betas ?? [0.9, 0.999];
    this.betas = [checkHyper('Adam', 'betas[0]', b1, 0, 1), checkHyper('Adam', 'betas[1]', b2, 0, 1)];
    this.eps = checkHyper('Adam', 'eps', options.eps ?? 1e-8);
    this.weightDecay = checkHyper('Adam', 'weightDecay', options.weightDecay ?? 0);
    this.m = this.params.map(() => null);
    this.v = this.params.map(() => null);
    this.steps = this.params.map(() => 0);
  }

  /** The number of updates parameter `index` has had (Adam's t). */
  stepCount(index: number): number {
    return this.steps[index];
  }

  step(): void {
    const { lr, eps, weightDecay: wd } = this;
    const [b1, b2] = this.betas;
    for (let j = 0; j < this.params.length; j++) {
      const p = this.params[j];
      const g = gradOf(p, 'Adam');
      if (g === null) continue;
      const x = p.buffer;
      const alloc = (): Float64Array | Float32Array => (x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length));
      const m = (this.m[j] ??= alloc());
      const v = (this.v[j] ??= alloc());
      const t = ++this.steps[j];
      const stepSize = lr / (1 - b1 ** t);
      const bc2Sqrt = Math.sqrt(1 - b2 ** t);
      const w1 = 1 - b1, w2 = 1 - b2;
      for (let i = 0; i < x.length; i++) {
        const d = wd === 0 ? g[i] : g[i] + wd * x[i];
        const mi = m[i] + w1 * (d - m[i]);
        const vi = v[i] * b2 + w2 * (d * d); // PyTorch: v.mul_(β₂).addcmul_(g, g, 1 − β₂)
        m[i] = mi;
        v[i] = vi;
        x[i] -= stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
      }
      p._version++; // an in-place change, as core's sub_ would record
    }
  }
}

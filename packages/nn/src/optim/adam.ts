/**
 * Adam, as PyTorch's `torch.optim.Adam` (without amsgrad).
 * @module
 */
import { ChainruleError, type Buffer as TensorBuffer } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { checkHyper, checkOptions, Optimizer, type ParamsInput } from './optimizer.js';

/** Options of {@link Adam}. @example `{ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 }` */
export interface AdamOptions {
  /** Learning rate η (≥ 0; default 1e-3). */
  lr?: number;
  /** Decay rates [β₁, β₂] of the first and second moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε added to the denominator for stability (≥ 0; default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient (≥ 0; default 0; this is Adam's coupled decay, not AdamW's). */
  weightDecay?: number;
}

const OPTIONS = ['lr', 'betas', 'eps', 'weightDecay'] as const;

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
 * Every hyperparameter may be changed between steps and is checked when set, with PyTorch's rules:
 * lr, eps and weightDecay finite and ≥ 0, each beta in [0, 1).
 *
 * @example
 * ```ts
 * const opt = new Adam(net.parameters(), { lr: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class Adam extends Optimizer {
  #lr: number;
  #betas: readonly [number, number];
  #eps: number;
  #weightDecay: number;
  readonly #m: (TensorBuffer | null)[];
  readonly #v: (TensorBuffer | null)[];
  readonly #steps: number[];

  constructor(params: ParamsInput, options: AdamOptions = {}) {
    super(params, 'Adam');
    checkOptions('Adam', options, OPTIONS, '{ lr: 1e-3 }');
    this.#lr = checkHyper('Adam', 'lr', options.lr ?? 1e-3);
    this.#betas = checkBetas(options.betas ?? [0.9, 0.999]);
    this.#eps = checkHyper('Adam', 'eps', options.eps ?? 1e-8);
    this.#weightDecay = checkHyper('Adam', 'weightDecay', options.weightDecay ?? 0);
    this.#m = this.params.map(() => null);
    this.#v = this.params.map(() => null);
    this.#steps = this.params.map(() => 0);
  }

  /** Learning rate η, finite and ≥ 0. */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkHyper('Adam', 'lr', value);
  }
  /** [β₁, β₂], each in [0, 1); a frozen pair (assign a new pair to change it). */
  get betas(): readonly [number, number] {
    return this.#betas;
  }
  set betas(value: readonly [number, number]) {
    this.#betas = checkBetas(value);
  }
  /** ε, finite and ≥ 0. */
  get eps(): number {
    return this.#eps;
  }
  set eps(value: number) {
    this.#eps = checkHyper('Adam', 'eps', value);
  }
  /** L2 penalty λ, finite and ≥ 0. */
  get weightDecay(): number {
    return this.#weightDecay;
  }
  set weightDecay(value: number) {
    this.#weightDecay = checkHyper('Adam', 'weightDecay', value);
  }

  /**
   * The number of updates parameter `index` has had (Adam's t).
   * @example `opt.step(); opt.stepCount(0); // 1`
   */
  stepCount(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.params.length) {
      throw new ChainruleError(`Adam.stepCount: index must be an integer in 0..${this.params.length - 1}, got ${describeValue(index)}`);
    }
    return this.#steps[index];
  }

  protected stepParameter(j: number, x: TensorBuffer, g: TensorBuffer): void {
    const lr = this.#lr, eps = this.#eps, wd = this.#weightDecay;
    const b1 = this.#betas[0], b2 = this.#betas[1];
    const m = (this.#m[j] ??= x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length));
    const v = (this.#v[j] ??= x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length));
    const t = ++this.#steps[j];
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
  }
}

/** `betas` as a frozen pair if it is [β₁, β₂] with each a finite number in [0, 1), else throws. */
function checkBetas(betas: unknown): readonly [number, number] {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new ChainruleError(`Adam: betas must be a pair [beta1, beta2] with each in [0, 1), got ${describeValue(betas)}`);
  }
  return Object.freeze([checkHyper('Adam', 'betas[0]', betas[0], 0, 1), checkHyper('Adam', 'betas[1]', betas[1], 0, 1)] as const);
}

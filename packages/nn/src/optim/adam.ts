/**
 * Adam and AdamW, as PyTorch's `torch.optim.Adam` and `torch.optim.AdamW` (without amsgrad).
 * @module
 */
import { ChainruleError, type Buffer as TensorBuffer } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { checkBetas, checkHyper, Optimizer, zerosOf, type HyperparameterSpec, type ParamGroup, type ParamGroupInput, type ParamsOrGroups, type StateSpec } from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW}. @example `{ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 }` */
export interface AdamOptions {
  /** Learning rate η (≥ 0; default 1e-3). */
  lr?: number;
  /** Decay rates [β₁, β₂] of the first and second moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε added to the denominator for stability (≥ 0; default 1e-8). */
  eps?: number;
  /**
   * Weight decay λ (≥ 0). Adam: an L2 penalty added to the gradient (default 0). AdamW: the decoupled
   * decay θ ← θ(1 − ηλ) (default 1e-2, PyTorch's).
   */
  weightDecay?: number;
}

/** The hyperparameters of each {@link Adam} or {@link AdamW} parameter group. @example `opt.paramGroups[0].betas // [0.9, 0.999]` */
export type AdamHyperparameters = Required<AdamOptions>;

/** A parameter group given to {@link Adam} or {@link AdamW}. @example `{ params: biases, weightDecay: 0 }` */
export type AdamParamGroup = ParamGroupInput<AdamHyperparameters>;

/** Adam's and AdamW's per-parameter state: the step count t and the moment estimates m and v. @example `opt.stateDict().state[0].expAvg` */
export interface AdamState {
  [key: string]: TensorBuffer | number | undefined;
  step?: number;
  expAvg?: TensorBuffer;
  expAvgSq?: TensorBuffer;
}

const STATE: StateSpec = {
  step: { kind: 'count', required: true },
  expAvg: { kind: 'buffer', required: true },
  expAvgSq: { kind: 'buffer', required: true },
};

function adamSpec(name: string, weightDecay: number): HyperparameterSpec<AdamHyperparameters> {
  const hyper = (v: unknown, key: string) => checkHyper(name, key, v);
  return {
    check: { lr: hyper, betas: (v, key) => checkBetas(name, key, v), eps: hyper, weightDecay: hyper },
    defaults: { lr: 1e-3, betas: Object.freeze([0.9, 0.999] as const), eps: 1e-8, weightDecay },
  };
}

/**
 * What Adam and AdamW share: the hyperparameters, the moments and the step counts. `decoupled`
 * says how the weight decay λ enters: added to the gradient (Adam) or shrinking θ first (AdamW).
 */
abstract class AdamFamily extends Optimizer<AdamHyperparameters, AdamState> {
  readonly #decoupled: boolean;

  constructor(params: ParamsOrGroups<AdamHyperparameters>, name: string, options: AdamOptions | undefined, decoupled: boolean) {
    super(params, name, adamSpec(name, decoupled ? 1e-2 : 0), options, STATE);
    this.#decoupled = decoupled;
  }

  /** Learning rate η of every group (finite and ≥ 0). */
  get lr(): number {
    return this.sharedHyper('lr');
  }
  set lr(value: number) {
    this.setSharedHyper('lr', value);
  }
  /** [β₁, β₂] of every group, each in [0, 1); a frozen pair (assign a new pair to change it). */
  get betas(): readonly [number, number] {
    return this.sharedHyper('betas');
  }
  set betas(value: readonly [number, number]) {
    this.setSharedHyper('betas', value);
  }
  /** ε of every group (finite and ≥ 0). */
  get eps(): number {
    return this.sharedHyper('eps');
  }
  set eps(value: number) {
    this.setSharedHyper('eps', value);
  }
  /** Weight decay λ of every group (finite and ≥ 0). */
  get weightDecay(): number {
    return this.sharedHyper('weightDecay');
  }
  set weightDecay(value: number) {
    this.setSharedHyper('weightDecay', value);
  }

  /**
   * The number of updates parameter `index` has had (Adam's t).
   * @example `opt.step(); opt.stepCount(0); // 1`
   */
  stepCount(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.params.length) {
      throw new ChainruleError(`${this.optimizerName}.stepCount: index must be an integer in 0..${this.params.length - 1}, got ${describeValue(index)}`);
    }
    return this.state[index].step ?? 0;
  }

  protected stepParameter(j: number, x: TensorBuffer, g: TensorBuffer, group: ParamGroup<AdamHyperparameters>): void {
    const { lr, eps, weightDecay: wd } = group;
    const b1 = group.betas[0], b2 = group.betas[1];
    const s = this.state[j];
    const m = (s.expAvg ??= zerosOf(x));
    const v = (s.expAvgSq ??= zerosOf(x));
    const t = (s.step = (s.step ?? 0) + 1);
    const stepSize = lr / (1 - b1 ** t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    const w1 = 1 - b1, w2 = 1 - b2;
    const coupled = wd !== 0 && !this.#decoupled;
    const shrink = 1 - lr * wd; // AdamW: PyTorch's param.mul_(1 − ηλ), before the moments
    const decoupled = wd !== 0 && this.#decoupled;
    for (let i = 0; i < x.length; i++) {
      if (decoupled) x[i] *= shrink;
      const d = coupled ? g[i] + wd * x[i] : g[i];
      const mi = m[i] + w1 * (d - m[i]);
      const vi = v[i] * b2 + w2 * (d * d); // PyTorch: v.mul_(β₂).addcmul_(g, g, 1 − β₂)
      m[i] = mi;
      v[i] = vi;
      x[i] -= stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
    }
  }
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
 * Every hyperparameter may be changed between steps, per group or for all groups (`opt.lr`), and
 * is checked when set, with PyTorch's rules: lr, eps and weightDecay finite and ≥ 0, each beta in [0, 1).
 *
 * @example
 * ```ts
 * const opt = new Adam(net.parameters(), { lr: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class Adam extends AdamFamily {
  /**
   * @param params the parameters (`net.parameters()`), or parameter groups `{ params, ...options }`.
   * @param options the hyperparameters of every group that does not name its own.
   */
  constructor(params: ParamsOrGroups<AdamHyperparameters>, options?: AdamOptions) {
    super(params, 'Adam', options ?? {}, false);
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with the weight decay decoupled from the gradient, as
 * PyTorch's `torch.optim.AdamW`, for each parameter θ with gradient g at step t = 1, 2, …:
 *
 * ```
 * θ ← θ(1 − ηλ)                             (decoupled weight decay, before the moments)
 * m ← m + (1 − β₁)(g − m)
 * v ← β₂v + (1 − β₂)g²
 * θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * The defaults are PyTorch's: lr 1e-3, betas [0.9, 0.999], eps 1e-8 and weightDecay 1e-2 (not 0:
 * the decay is the point). Give biases and norm layers their own group with `weightDecay: 0`.
 *
 * @example
 * ```ts
 * const opt = new AdamW([{ params: weights }, { params: biases, weightDecay: 0 }], { lr: 3e-4 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class AdamW extends AdamFamily {
  /**
   * @param params the parameters (`net.parameters()`), or parameter groups `{ params, ...options }`.
   * @param options the hyperparameters of every group that does not name its own.
   */
  constructor(params: ParamsOrGroups<AdamHyperparameters>, options?: AdamOptions) {
    super(params, 'AdamW', options ?? {}, true);
  }
}

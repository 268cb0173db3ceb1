/**
 * Adagrad, as PyTorch's `torch.optim.Adagrad`.
 * @module
 */
import type { Buffer as TensorBuffer, Tensor } from '@chainrule/core';
import { checkHyper, Optimizer, type HyperparameterSpec, type ParamGroup, type ParamGroupInput, type ParamsOrGroups, type StateSpec } from './optimizer.js';

/** Options of {@link Adagrad}. @example `{ lr: 0.1, lrDecay: 1e-3, initialAccumulatorValue: 0.1 }` */
export interface AdagradOptions {
  /** Learning rate η (≥ 0; default 1e-2). */
  lr?: number;
  /** Learning-rate decay: step t uses η / (1 + (t − 1)·lrDecay) (≥ 0; default 0). */
  lrDecay?: number;
  /** L2 penalty λ added to the gradient (≥ 0; default 0). */
  weightDecay?: number;
  /** The starting value of every sum of squares (≥ 0; default 0); read when a parameter joins the optimizer. */
  initialAccumulatorValue?: number;
  /** ε added to the denominator (≥ 0; default 1e-10). */
  eps?: number;
}

/** The hyperparameters of each {@link Adagrad} parameter group. @example `opt.paramGroups[0].lrDecay // 0` */
export type AdagradHyperparameters = Required<AdagradOptions>;

/** A parameter group given to {@link Adagrad}. @example `{ params: embeddings, lr: 0.1 }` */
export type AdagradParamGroup = ParamGroupInput<AdagradHyperparameters>;

/** Adagrad's per-parameter state: the step count and the sum of squares s. @example `opt.stateDict().state[0].sum` */
export interface AdagradState {
  [key: string]: TensorBuffer | number | undefined;
  step?: number;
  sum?: TensorBuffer;
}

const hyper = (v: unknown, key: string) => checkHyper('Adagrad', key, v);
const SPEC: HyperparameterSpec<AdagradHyperparameters> = {
  check: { lr: hyper, lrDecay: hyper, weightDecay: hyper, initialAccumulatorValue: hyper, eps: hyper },
  defaults: { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
};
const STATE: StateSpec = { step: { kind: 'count', required: true }, sum: { kind: 'buffer', required: true } };

/**
 * Adagrad (Duchi, Hazan & Singer, 2011), with PyTorch's update for each parameter θ with gradient g
 * at its step t = 1, 2, …:
 *
 * ```
 * g ← g + λθ                          (weight decay, if λ ≠ 0)
 * η_t = η / (1 + (t − 1)·lrDecay)
 * s ← s + g²                          (s starts at initialAccumulatorValue)
 * θ ← θ − η_t · g / (√s + ε)
 * ```
 *
 * As in PyTorch, each parameter's state (s and t = 0) is made when it joins the optimizer, from its
 * group's `initialAccumulatorValue`; changing that value later affects only parameters added later.
 * NOTE: PyTorch 1.13 starts every group's sums from the constructor's value, ignoring a group's own
 * `initial_accumulator_value` (and makes no state for a group added later); here a group's own value counts.
 * The defaults are PyTorch's (lr 1e-2, eps 1e-10). Every hyperparameter is checked when set
 * (all finite and ≥ 0).
 *
 * @example
 * ```ts
 * const opt = new Adagrad(net.parameters(), { lr: 0.1 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class Adagrad extends Optimizer<AdagradHyperparameters, AdagradState> {
  /**
   * @param params the parameters (`net.parameters()`), or parameter groups `{ params, ...options }`.
   * @param options the hyperparameters of every group that does not name its own.
   */
  constructor(params: ParamsOrGroups<AdagradHyperparameters>, options?: AdagradOptions) {
    super(params, 'Adagrad', SPEC, options ?? {}, STATE);
  }

  /** Learning rate η of every group (finite and ≥ 0). */
  get lr(): number {
    return this.sharedHyper('lr');
  }
  set lr(value: number) {
    this.setSharedHyper('lr', value);
  }
  /** Learning-rate decay of every group (finite and ≥ 0). */
  get lrDecay(): number {
    return this.sharedHyper('lrDecay');
  }
  set lrDecay(value: number) {
    this.setSharedHyper('lrDecay', value);
  }
  /** L2 penalty λ of every group (finite and ≥ 0). */
  get weightDecay(): number {
    return this.sharedHyper('weightDecay');
  }
  set weightDecay(value: number) {
    this.setSharedHyper('weightDecay', value);
  }
  /** The starting sum of squares of every group (finite and ≥ 0), for parameters added from now on. */
  get initialAccumulatorValue(): number {
    return this.sharedHyper('initialAccumulatorValue');
  }
  set initialAccumulatorValue(value: number) {
    this.setSharedHyper('initialAccumulatorValue', value);
  }
  /** ε of every group (finite and ≥ 0). */
  get eps(): number {
    return this.sharedHyper('eps');
  }
  set eps(value: number) {
    this.setSharedHyper('eps', value);
  }

  protected override initState(j: number, p: Tensor, group: ParamGroup<AdagradHyperparameters>): void {
    const sum = p.dtype === 'float32' ? new Float32Array(p.size) : new Float64Array(p.size);
    sum.fill(group.initialAccumulatorValue);
    this.state[j] = { step: 0, sum };
  }

  protected stepParameter(j: number, x: TensorBuffer, g: TensorBuffer, group: ParamGroup<AdagradHyperparameters>): void {
    const { lr, lrDecay, weightDecay: wd, eps } = group;
    const s = this.state[j];
    // a state loaded without this parameter's entry starts afresh, as when the parameter joined
    const sum = (s.sum ??= (x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length)).fill(group.initialAccumulatorValue));
    const t = (s.step = (s.step ?? 0) + 1);
    const clr = lr / (1 + (t - 1) * lrDecay);
    for (let i = 0; i < x.length; i++) {
      const d = wd === 0 ? g[i] : g[i] + wd * x[i];
      const si = sum[i] + d * d;
      sum[i] = si;
      x[i] -= (clr * d) / (Math.sqrt(si) + eps);
    }
  }
}

/**
 * RMSprop, as PyTorch's `torch.optim.RMSprop`.
 * @module
 */
import type { Buffer as TensorBuffer } from '@chainrule/core';
import { checkFlag, checkHyper, Optimizer, zerosOf, type HyperparameterSpec, type ParamGroup, type ParamGroupInput, type ParamsOrGroups, type StateSpec } from './optimizer.js';

/** Options of {@link RMSprop}. @example `{ lr: 1e-2, alpha: 0.99, momentum: 0.9, centered: true }` */
export interface RMSpropOptions {
  /** Learning rate η (≥ 0; default 1e-2). */
  lr?: number;
  /** Smoothing constant α of the running mean of g² (≥ 0; default 0.99). */
  alpha?: number;
  /** ε added to the denominator (≥ 0; default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient (≥ 0; default 0). */
  weightDecay?: number;
  /** Momentum factor μ (≥ 0; default 0). */
  momentum?: number;
  /** Divide by an estimate of the gradient's variance rather than its raw second moment (default false). */
  centered?: boolean;
}

/** The hyperparameters of each {@link RMSprop} parameter group. @example `opt.paramGroups[0].alpha // 0.99` */
export type RMSpropHyperparameters = Required<RMSpropOptions>;

/** A parameter group given to {@link RMSprop}. @example `{ params: head.parameters(), lr: 1e-3 }` */
export type RMSpropParamGroup = ParamGroupInput<RMSpropHyperparameters>;

/** RMSprop's per-parameter state: the step count, s, and the momentum buffer and ḡ once used. @example `opt.stateDict().state[0].squareAvg` */
export interface RMSpropState {
  [key: string]: TensorBuffer | number | undefined;
  step?: number;
  squareAvg?: TensorBuffer;
  momentumBuffer?: TensorBuffer;
  gradAvg?: TensorBuffer;
}

const hyper = (v: unknown, key: string) => checkHyper('RMSprop', key, v);
const SPEC: HyperparameterSpec<RMSpropHyperparameters> = {
  check: { lr: hyper, alpha: hyper, eps: hyper, weightDecay: hyper, momentum: hyper, centered: (v, key) => checkFlag('RMSprop', key, v) },
  defaults: { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
};
const STATE: StateSpec = {
  step: { kind: 'count', required: true },
  squareAvg: { kind: 'buffer', required: true },
  momentumBuffer: { kind: 'buffer', required: false },
  gradAvg: { kind: 'buffer', required: false },
};

/**
 * RMSprop (Hinton's lecture 6e), with PyTorch's update for each parameter θ with gradient g:
 *
 * ```
 * g ← g + λθ                                  (weight decay, if λ ≠ 0)
 * s ← αs + (1 − α)g²                          (running mean of g², from 0)
 * ḡ ← αḡ + (1 − α)g,  a ← √(s − ḡ²) + ε        if centered
 * a ← √s + ε                                  otherwise
 * b ← μb + g/a,  θ ← θ − ηb                   if μ > 0 (b from 0)
 * θ ← θ − ηg/a                                otherwise
 * ```
 *
 * The defaults are PyTorch's (lr 1e-2, alpha 0.99, eps 1e-8). PyTorch creates the momentum buffer
 * and ḡ at the first step only if momentum > 0 or centered then; here they start at 0 when first
 * needed, which is the same numbers (PyTorch fails when either option is switched on later).
 * Every hyperparameter is checked when set, with PyTorch's rules (all finite and ≥ 0).
 *
 * @example
 * ```ts
 * const opt = new RMSprop(net.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class RMSprop extends Optimizer<RMSpropHyperparameters, RMSpropState> {
  /**
   * @param params the parameters (`net.parameters()`), or parameter groups `{ params, ...options }`.
   * @param options the hyperparameters of every group that does not name its own.
   */
  constructor(params: ParamsOrGroups<RMSpropHyperparameters>, options?: RMSpropOptions) {
    super(params, 'RMSprop', SPEC, options ?? {}, STATE);
  }

  /** Learning rate η of every group (finite and ≥ 0). */
  get lr(): number {
    return this.sharedHyper('lr');
  }
  set lr(value: number) {
    this.setSharedHyper('lr', value);
  }
  /** Smoothing constant α of every group (finite and ≥ 0). */
  get alpha(): number {
    return this.sharedHyper('alpha');
  }
  set alpha(value: number) {
    this.setSharedHyper('alpha', value);
  }
  /** ε of every group (finite and ≥ 0). */
  get eps(): number {
    return this.sharedHyper('eps');
  }
  set eps(value: number) {
    this.setSharedHyper('eps', value);
  }
  /** L2 penalty λ of every group (finite and ≥ 0). */
  get weightDecay(): number {
    return this.sharedHyper('weightDecay');
  }
  set weightDecay(value: number) {
    this.setSharedHyper('weightDecay', value);
  }
  /** Momentum factor μ of every group (finite and ≥ 0). */
  get momentum(): number {
    return this.sharedHyper('momentum');
  }
  set momentum(value: number) {
    this.setSharedHyper('momentum', value);
  }
  /** Whether every group is centered. */
  get centered(): boolean {
    return this.sharedHyper('centered');
  }
  set centered(value: boolean) {
    this.setSharedHyper('centered', value);
  }

  protected stepParameter(j: number, x: TensorBuffer, g: TensorBuffer, group: ParamGroup<RMSpropHyperparameters>): void {
    const { lr, alpha, eps, weightDecay: wd, momentum: mu, centered } = group;
    const s = this.state[j];
    s.step = (s.step ?? 0) + 1;
    const sq = (s.squareAvg ??= zerosOf(x));
    const ga = centered ? (s.gradAvg ??= zerosOf(x)) : null;
    const buf = mu > 0 ? (s.momentumBuffer ??= zerosOf(x)) : null;
    const w = 1 - alpha;
    for (let i = 0; i < x.length; i++) {
      const d = wd === 0 ? g[i] : g[i] + wd * x[i];
      const si = sq[i] * alpha + w * d * d; // PyTorch: square_avg.mul_(α).addcmul_(g, g, value=1 − α)
      sq[i] = si;
      let avg: number;
      if (ga !== null) {
        const gi = ga[i] * alpha + w * d;
        ga[i] = gi;
        avg = Math.sqrt(si - gi * gi) + eps;
      } else {
        avg = Math.sqrt(si) + eps;
      }
      if (buf !== null) {
        const bi = buf[i] * mu + d / avg;
        buf[i] = bi;
        x[i] -= lr * bi;
      } else {
        x[i] -= (lr * d) / avg;
      }
    }
  }
}

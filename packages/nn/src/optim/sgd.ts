/**
 * Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's `torch.optim.SGD`.
 * @module
 */
import { ChainruleError, type Buffer as TensorBuffer } from '@chainrule/core';
import { checkFlag, checkHyper, Optimizer, zerosOf, type HyperparameterSpec, type ParamGroup, type ParamGroupInput, type ParamsOrGroups, type StateSpec } from './optimizer.js';

/** Options of {@link SGD}. @example `{ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }` */
export interface SGDOptions {
  /** Learning rate η (≥ 0); required, here or in every group. */
  lr: number;
  /** Momentum factor μ (≥ 0; default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening τ of the momentum (≥ 0; default 0). */
  dampening?: number;
  /** L2 penalty λ added to the gradient (≥ 0; default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/** The hyperparameters of each {@link SGD} parameter group. @example `opt.paramGroups[0].momentum // 0.9` */
export type SGDHyperparameters = Required<SGDOptions>;

/** A parameter group given to {@link SGD}. @example `{ params: head.parameters(), lr: 0.1 }` */
export type SGDParamGroup = ParamGroupInput<SGDHyperparameters>;

/** SGD's per-parameter state: the momentum buffer (once a step with momentum has run). @example `opt.stateDict().state[0].momentumBuffer` */
export interface SGDState {
  [key: string]: TensorBuffer | number | undefined;
  momentumBuffer?: TensorBuffer;
}

const hyper = (v: unknown, key: string) => checkHyper('SGD', key, v);
const SPEC: HyperparameterSpec<SGDHyperparameters> = {
  check: { lr: hyper, momentum: hyper, dampening: hyper, weightDecay: hyper, nesterov: (v, key) => checkFlag('SGD', key, v) },
  defaults: { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  checkTogether: ({ nesterov, momentum, dampening }, where) => {
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new ChainruleError(`SGD: ${where}Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${momentum}, dampening ${dampening})`);
    }
  },
  examples: { lr: '0.1' },
};
const STATE: StateSpec = { momentumBuffer: { kind: 'buffer', required: true } };

/**
 * Gradient descent, with PyTorch's update for each parameter θ with gradient g at step t:
 *
 * ```
 * g ← g + λθ                              (weight decay, if λ ≠ 0)
 * b ← g                 at the first step  (momentum buffer, if μ ≠ 0)
 * b ← μb + (1 − τ)g     afterwards
 * g ← g + μb  if nesterov, else  g ← b
 * θ ← θ − ηg
 * ```
 *
 * With the defaults this is θ ← θ − η∇E, the article's rule (η = 0.5). Frozen parameters and
 * parameters without a gradient are skipped (their momentum buffer is not advanced either).
 * Every hyperparameter may be changed between steps (a schedule), per group
 * (`opt.paramGroups[1].lr`) or for all groups (`opt.lr`), and is checked when set, with PyTorch's
 * rules: lr, momentum, dampening and weightDecay finite and ≥ 0; Nesterov needs momentum > 0 and
 * dampening 0. `opt.lr` reads the value all groups share (and throws if they differ).
 *
 * @example
 * ```ts
 * const opt = new SGD(net.parameters(), { lr: 0.5 });
 * for (let i = 0; i < 10000; i++) {
 *   opt.zeroGrad();
 *   loss(net.forward(x), target).backward();
 *   opt.step();
 * }
 * opt.lr = 0.05; // checked: opt.lr = NaN would throw and keep 0.05
 * // parameter groups: the head learns ten times faster, without weight decay
 * const grouped = new SGD([{ params: body.parameters() }, { params: head.parameters(), lr: 0.1, weightDecay: 0 }], { lr: 0.01, weightDecay: 1e-4 });
 * ```
 */
export class SGD extends Optimizer<SGDHyperparameters, SGDState> {
  /**
   * @param params the parameters (`net.parameters()`), or parameter groups `{ params, ...options }`.
   * @param options the hyperparameters of every group that does not name its own; `lr` is required here or in every group.
   */
  constructor(params: ParamsOrGroups<SGDHyperparameters>, options?: SGDOptions) {
    super(params, 'SGD', SPEC, options, STATE);
  }

  /** Learning rate η of every group (finite and ≥ 0). */
  get lr(): number {
    return this.sharedHyper('lr');
  }
  set lr(value: number) {
    this.setSharedHyper('lr', value);
  }
  /** Momentum factor μ of every group (finite and ≥ 0; > 0 with Nesterov). */
  get momentum(): number {
    return this.sharedHyper('momentum');
  }
  set momentum(value: number) {
    this.setSharedHyper('momentum', value);
  }
  /** Dampening τ of every group (finite and ≥ 0; 0 with Nesterov). */
  get dampening(): number {
    return this.sharedHyper('dampening');
  }
  set dampening(value: number) {
    this.setSharedHyper('dampening', value);
  }
  /** L2 penalty λ of every group (finite and ≥ 0). */
  get weightDecay(): number {
    return this.sharedHyper('weightDecay');
  }
  set weightDecay(value: number) {
    this.setSharedHyper('weightDecay', value);
  }
  /** Nesterov momentum in every group (needs momentum > 0 and dampening 0). */
  get nesterov(): boolean {
    return this.sharedHyper('nesterov');
  }
  set nesterov(value: boolean) {
    this.setSharedHyper('nesterov', value);
  }

  protected stepParameter(j: number, x: TensorBuffer, g: TensorBuffer, group: ParamGroup<SGDHyperparameters>): void {
    const { lr, momentum: mu, weightDecay: wd } = group;
    if (mu === 0) {
      if (wd === 0) for (let i = 0; i < x.length; i++) x[i] -= lr * g[i];
      else for (let i = 0; i < x.length; i++) x[i] -= lr * (g[i] + wd * x[i]);
      return;
    }
    const { dampening, nesterov } = group;
    const s = this.state[j];
    const first = s.momentumBuffer === undefined;
    const b = (s.momentumBuffer ??= zerosOf(x));
    for (let i = 0; i < x.length; i++) {
      const d = wd === 0 ? g[i] : g[i] + wd * x[i];
      const bi = first ? d : mu * b[i] + (1 - dampening) * d;
      b[i] = bi;
      x[i] -= lr * (nesterov ? d + mu * bi : bi);
    }
  }
}

/**
 * Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's `torch.optim.SGD`.
 * @module
 */
import { ChainruleError, type Buffer as TensorBuffer } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { checkHyper, checkOptions, Optimizer, type ParamsInput } from './optimizer.js';

/** Options of {@link SGD}. @example `{ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }` */
export interface SGDOptions {
  /** Learning rate η (≥ 0). */
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

const OPTIONS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'] as const;

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
 * Every hyperparameter may be changed between steps (a schedule) and is checked when set, with
 * PyTorch's rules: lr, momentum, dampening and weightDecay finite and ≥ 0; Nesterov needs
 * momentum > 0 and dampening 0.
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
 * ```
 */
export class SGD extends Optimizer {
  #lr: number;
  #momentum: number;
  #dampening: number;
  #weightDecay: number;
  #nesterov: boolean;
  /** Momentum buffer per parameter (null until its first update with momentum). */
  readonly #buffers: (TensorBuffer | null)[];

  constructor(params: ParamsInput, options: SGDOptions) {
    super(params, 'SGD');
    if (options === undefined) throw new ChainruleError('SGD: the learning rate `lr` is required, e.g. new SGD(net.parameters(), { lr: 0.1 })');
    checkOptions('SGD', options, OPTIONS, '{ lr: 0.1 }');
    if (options.lr === undefined) throw new ChainruleError('SGD: the learning rate `lr` is required, e.g. { lr: 0.1 }');
    this.#lr = checkHyper('SGD', 'lr', options.lr);
    this.#momentum = checkHyper('SGD', 'momentum', options.momentum ?? 0);
    this.#dampening = checkHyper('SGD', 'dampening', options.dampening ?? 0);
    this.#weightDecay = checkHyper('SGD', 'weightDecay', options.weightDecay ?? 0);
    this.#nesterov = checkNesterov(options.nesterov ?? false, this.#momentum, this.#dampening);
    this.#buffers = this.params.map(() => null);
  }

  /** Learning rate η, finite and ≥ 0. */
  get lr(): number {
    return this.#lr;
  }
  set lr(value: number) {
    this.#lr = checkHyper('SGD', 'lr', value);
  }
  /** Momentum factor μ, finite and ≥ 0 (> 0 with Nesterov). */
  get momentum(): number {
    return this.#momentum;
  }
  set momentum(value: number) {
    const v = checkHyper('SGD', 'momentum', value);
    checkNesterov(this.#nesterov, v, this.#dampening);
    this.#momentum = v;
  }
  /** Dampening τ, finite and ≥ 0 (0 with Nesterov). */
  get dampening(): number {
    return this.#dampening;
  }
  set dampening(value: number) {
    const v = checkHyper('SGD', 'dampening', value);
    checkNesterov(this.#nesterov, this.#momentum, v);
    this.#dampening = v;
  }
  /** L2 penalty λ, finite and ≥ 0. */
  get weightDecay(): number {
    return this.#weightDecay;
  }
  set weightDecay(value: number) {
    this.#weightDecay = checkHyper('SGD', 'weightDecay', value);
  }
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  get nesterov(): boolean {
    return this.#nesterov;
  }
  set nesterov(value: boolean) {
    this.#nesterov = checkNesterov(value, this.#momentum, this.#dampening);
  }

  protected stepParameter(j: number, x: TensorBuffer, g: TensorBuffer): void {
    const lr = this.#lr, mu = this.#momentum, wd = this.#weightDecay;
    if (mu === 0) {
      if (wd === 0) for (let i = 0; i < x.length; i++) x[i] -= lr * g[i];
      else for (let i = 0; i < x.length; i++) x[i] -= lr * (g[i] + wd * x[i]);
      return;
    }
    const dampening = this.#dampening, nesterov = this.#nesterov;
    let b = this.#buffers[j];
    const first = b === null;
    if (b === null) b = this.#buffers[j] = x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const d = wd === 0 ? g[i] : g[i] + wd * x[i];
      const bi = first ? d : mu * b[i] + (1 - dampening) * d;
      b[i] = bi;
      x[i] -= lr * (nesterov ? d + mu * bi : bi);
    }
  }
}

/** `nesterov` if it is a boolean that fits `momentum` and `dampening` (PyTorch's rule), else throws. */
function checkNesterov(nesterov: unknown, momentum: number, dampening: number): boolean {
  if (typeof nesterov !== 'boolean') throw new ChainruleError(`SGD: nesterov must be true or false, got ${describeValue(nesterov)}`);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new ChainruleError(`SGD: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${momentum}, dampening ${dampening})`);
  }
  return nesterov;
}

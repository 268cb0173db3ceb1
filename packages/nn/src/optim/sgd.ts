/**
 * Stochastic gradient descent with momentum, Nesterov momentum and weight decay, as PyTorch's `torch.optim.SGD`.
 * @module
 */
import { ChainruleError, type Tensor } from '@chainrule/core';
import { checkHyper, gradOf, Optimizer } from './optimizer.js';

/** Options of {@link SGD}. @example `{ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }` */
export interface SGDOptions {
  /** Learning rate η. */
  lr: number;
  /** Momentum factor μ (default 0: plain gradient descent). */
  momentum?: number;
  /** Dampening τ of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

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
 *
 * @example
 * ```ts
 * const opt = new SGD(net.parameters(), { lr: 0.5 });
 * for (let i = 0; i < 10000; i++) {
 *   opt.zeroGrad();
 *   loss(net.forward(x), target).backward();
 *   opt.step();
 * }
 * ```
 */
export class SGD extends Optimizer {
  /** Learning rate; may be changed between steps (a schedule). */
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** Momentum buffer per parameter (null until its first update, or when momentum is 0). */
  private readonly buffers: (Float64Array | Float32Array | null)[];

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params, 'SGD');
    if (options === undefined || options.lr === undefined) throw new ChainruleError('SGD: the learning rate `lr` is required');
    this.lr = checkHyper('SGD', 'lr', options.lr);
    this.momentum = checkHyper('SGD', 'momentum', options.momentum ?? 0);
    this.dampening = checkHyper('SGD', 'dampening', options.dampening ?? 0);
    this.weightDecay = checkHyper('SGD', 'weightDecay', options.weightDecay ?? 0);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new ChainruleError('SGD: Nesterov momentum requires a momentum > 0 and zero dampening');
    }
    this.buffers = this.params.map(() => null);
  }

  step(): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    for (let j = 0; j < this.params.length; j++) {
      const p = this.params[j];
      const g = gradOf(p, 'SGD');
      if (g === null) continue;
      const x = p.buffer;
      if (mu === 0) {
        if (wd === 0) for (let i = 0; i < x.length; i++) x[i] -= lr * g[i];
        else for (let i = 0; i < x.length; i++) x[i] -= lr * (g[i] + wd * x[i]);
      } else {
        let b = this.buffers[j];
        const first = b === null;
        if (b === null) b = this.buffers[j] = x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const d = wd === 0 ? g[i] : g[i] + wd * x[i];
          const bi = first ? d : mu * b[i] + (1 - dampening) * d;
          b[i] = bi;
          x[i] -= lr * (nesterov ? d + mu * bi : bi);
        }
      }
      p._version++; // an in-place change, as core's sub_ would record
    }
  }
}

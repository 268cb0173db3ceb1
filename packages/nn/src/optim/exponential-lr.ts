/**
 * ExponentialLR: learning rates multiplied by γ every epoch, as PyTorch's.
 * @module
 */
import type { Optimizer } from './optimizer.js';
import { checkNumber, checkSchedulerOptions, LRScheduler, lrOf } from './lr-scheduler.js';

/** Options of {@link ExponentialLR}. @example `{ gamma: 0.95 }` */
export interface ExponentialLROptions {
  /** The factor γ applied every epoch (finite and ≥ 0; required). */
  gamma: number;
}

/**
 * Multiplies each group's learning rate by γ every epoch, as PyTorch's `ExponentialLR`:
 * η_e = η_{e−1} · γ for e > 0, which is η₀ · γ^e when nothing else changes the learning rate.
 *
 * @example
 * ```ts
 * const scheduler = new ExponentialLR(opt, { gamma: 0.95 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export class ExponentialLR extends LRScheduler {
  #gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, 'ExponentialLR');
    checkSchedulerOptions('ExponentialLR', options, ['gamma']);
    this.#gamma = checkNumber('ExponentialLR', 'gamma', options.gamma);
    this.initialize({
      gamma: { check: (v, k) => checkNumber('ExponentialLR', k, v), get: () => this.#gamma, put: (v) => (this.#gamma = v as number) },
    });
  }

  /** The factor γ (finite and ≥ 0). */
  get gamma(): number {
    return this.#gamma;
  }
  set gamma(value: number) {
    this.setSetting('gamma', value);
  }

  protected computeLr(epoch: number): number[] {
    const lrs = this.optimizer.paramGroups.map(lrOf);
    return epoch === 0 ? lrs : lrs.map((lr) => lr * this.#gamma);
  }

  /** The closed form at epoch 0: η_base · γ⁰ = η_base. */
  protected override computeRestartLr(): number[] {
    return this.baseLrs.slice();
  }
}

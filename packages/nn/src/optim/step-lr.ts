/**
 * StepLR: learning rates multiplied by γ every few epochs, as PyTorch's.
 * @module
 */
import type { Optimizer } from './optimizer.js';
import { checkInteger, checkNumber, checkSchedulerOptions, LRScheduler, lrOf } from './lr-scheduler.js';

/** Options of {@link StepLR}. @example `{ stepSize: 30, gamma: 0.1 }` */
export interface StepLROptions {
  /** The period of the decay, in epochs (an integer ≥ 1; required). */
  stepSize: number;
  /** The factor γ (finite and ≥ 0; default 0.1). */
  gamma?: number;
}

/**
 * Multiplies each group's learning rate by γ every `stepSize` epochs, as PyTorch's `StepLR`:
 *
 * ```
 * η_e = η_{e−1} · γ   if e > 0 and e mod stepSize = 0,   else η_{e−1}
 * ```
 *
 * which, when nothing else changes the learning rate, is η_e = η₀ · γ^⌊e / stepSize⌋. The learning
 * rate before the first `step()` is η₀ (the optimizer's). `stepSize` and `gamma` may be changed
 * between steps and are checked when set.
 *
 * @example
 * ```ts
 * const scheduler = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // 0.05 for 30 epochs, then 0.005, ...
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export class StepLR extends LRScheduler {
  #stepSize: number;
  #gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, 'StepLR');
    checkSchedulerOptions('StepLR', options, ['stepSize', 'gamma']);
    this.#stepSize = checkInteger('StepLR', 'stepSize', options.stepSize, 1);
    this.#gamma = checkNumber('StepLR', 'gamma', options.gamma ?? 0.1);
    this.initialize({
      stepSize: { check: (v, k) => checkInteger('StepLR', k, v, 1), get: () => this.#stepSize, put: (v) => (this.#stepSize = v as number) },
      gamma: { check: (v, k) => checkNumber('StepLR', k, v), get: () => this.#gamma, put: (v) => (this.#gamma = v as number) },
    });
  }

  /** The period of the decay (an integer ≥ 1). */
  get stepSize(): number {
    return this.#stepSize;
  }
  set stepSize(value: number) {
    this.setSetting('stepSize', value);
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
    return epoch === 0 || epoch % this.#stepSize !== 0 ? lrs : lrs.map((lr) => lr * this.#gamma);
  }

  /** The closed form at epoch 0: η_base · γ^⌊0 / stepSize⌋ = η_base. */
  protected override computeRestartLr(): number[] {
    return this.baseLrs.slice();
  }
}

/**
 * LinearLR: a linear warm-up (or decay) of the learning rate's factor, as PyTorch's.
 * @module
 */
import type { Optimizer } from './optimizer.js';
import { checkInteger, checkNumber, checkSchedulerOptions, LRScheduler, lrOf } from './lr-scheduler.js';

/** Options of {@link LinearLR}. @example `{ startFactor: 0.1, totalIters: 100 }` */
export interface LinearLROptions {
  /** The factor of the first epoch (> 0 and ≤ 1; default 1/3). */
  startFactor?: number;
  /** The factor from epoch `totalIters` on (≥ 0 and ≤ 1; default 1). */
  endFactor?: number;
  /** The number of epochs the factor takes to reach endFactor (an integer ≥ 0; default 5). */
  totalIters?: number;
}

/**
 * Scales each group's learning rate by a factor that moves linearly from `startFactor` to
 * `endFactor` over `totalIters` epochs, as PyTorch's `LinearLR` (a warm-up with the defaults):
 *
 * ```
 * η_e = η_base · (s + (f − s) · min(e, totalIters) / totalIters)       (s = startFactor, f = endFactor)
 * ```
 *
 * computed as PyTorch 1.13 does, from each group's current learning rate: η_0 = η·s, then for
 * 1 ≤ e ≤ totalIters η_e = η_{e−1} · (1 + (f − s) / (totalIters·s + (e − 1)(f − s))), and unchanged
 * afterwards. The learning rate before the first `step()` is already η_base·s. startFactor must be
 * > 0 (as in PyTorch 2; PyTorch 1.13 accepts 0 and then divides by zero at the first step).
 *
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.01, totalIters: 100 }); // opt.lr is now 1% of its value
 * for (let step = 0; step < 1000; step++) { train(); opt.step(); warmup.step(); }
 * ```
 */
export class LinearLR extends LRScheduler {
  #startFactor: number;
  #endFactor: number;
  #totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, 'LinearLR');
    checkSchedulerOptions('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    this.#startFactor = checkStart(options.startFactor ?? 1 / 3, 'startFactor');
    this.#endFactor = checkNumber('LinearLR', 'endFactor', options.endFactor ?? 1, 0, 1);
    this.#totalIters = checkInteger('LinearLR', 'totalIters', options.totalIters ?? 5, 0);
    this.initialize({
      startFactor: { check: (v, k) => checkStart(v, k), get: () => this.#startFactor, put: (v) => (this.#startFactor = v as number) },
      endFactor: { check: (v, k) => checkNumber('LinearLR', k, v, 0, 1), get: () => this.#endFactor, put: (v) => (this.#endFactor = v as number) },
      totalIters: { check: (v, k) => checkInteger('LinearLR', k, v, 0), get: () => this.#totalIters, put: (v) => (this.#totalIters = v as number) },
    });
  }

  /** The factor of the first epoch (> 0 and ≤ 1). */
  get startFactor(): number {
    return this.#startFactor;
  }
  set startFactor(value: number) {
    this.setSetting('startFactor', value);
  }
  /** The final factor (≥ 0 and ≤ 1). */
  get endFactor(): number {
    return this.#endFactor;
  }
  set endFactor(value: number) {
    this.setSetting('endFactor', value);
  }
  /** The length of the ramp in epochs (an integer ≥ 0). */
  get totalIters(): number {
    return this.#totalIters;
  }
  set totalIters(value: number) {
    this.setSetting('totalIters', value);
  }

  protected computeLr(epoch: number): number[] {
    const lrs = this.optimizer.paramGroups.map(lrOf);
    const s = this.#startFactor, f = this.#endFactor, n = this.#totalIters;
    if (epoch === 0) return lrs.map((lr) => lr * s);
    if (epoch > n) return lrs;
    return lrs.map((lr) => lr * (1 + (f - s) / (n * s + (epoch - 1) * (f - s))));
  }

  /**
   * The closed form at epoch 0, η_base · (s + (f − s)·min(totalIters, 0)/totalIters), as PyTorch
   * writes it: η_base·s, or NaN (refused by the step) for totalIters 0, where PyTorch divides by zero.
   */
  protected override computeRestartLr(): number[] {
    const s = this.#startFactor, f = this.#endFactor, n = this.#totalIters;
    return this.baseLrs.map((lr) => lr * (s + ((f - s) * Math.min(n, 0)) / n));
  }
}

function checkStart(value: unknown, key: string): number {
  return checkNumber('LinearLR', key, value, 0, 1, true);
}

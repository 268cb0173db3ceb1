/**
 * CosineAnnealingLR: the learning rate follows half a cosine from its base value down to etaMin, as PyTorch's.
 * @module
 */
import type { Optimizer } from './optimizer.js';
import { checkInteger, checkNumber, checkSchedulerOptions, LRScheduler, lrOf } from './lr-scheduler.js';

/** Options of {@link CosineAnnealingLR}. @example `{ tMax: 100, etaMin: 1e-5 }` */
export interface CosineAnnealingLROptions {
  /** The number of epochs from the base learning rate down to etaMin (PyTorch's `T_max`; an integer ≥ 1; required). */
  tMax: number;
  /** The lowest learning rate η_min (finite and ≥ 0; default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing (Loshchilov & Hutter's SGDR without restarts), as PyTorch's `CosineAnnealingLR`.
 * PyTorch documents the closed form
 *
 * ```
 * η_e = η_min + ½(η_base − η_min)(1 + cos(π·e / tMax))
 * ```
 *
 * but PyTorch 1.13 computes a recursive ("chainable") form from each group's current learning rate,
 * and this class computes exactly that one, so its numbers are PyTorch 1.13's:
 *
 * ```
 * η_0 = η_base
 * η_e = η_{e−1} + ½(η_base − η_min)(1 − cos(π / tMax))                          if (e − 1 − tMax) mod 2tMax = 0
 * η_e = η_min + (η_{e−1} − η_min) · (1 + cos(π·e / tMax)) / (1 + cos(π(e − 1) / tMax))   otherwise
 * ```
 *
 * When nothing else changes the learning rate the two agree up to rounding, and after tMax the
 * learning rate climbs back along the cosine (period 2·tMax), as in PyTorch. The recursive form
 * follows a learning rate changed by someone else (another scheduler, a setter) from there.
 *
 * @example
 * ```ts
 * const scheduler = new CosineAnnealingLR(opt, { tMax: 50, etaMin: 1e-4 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  #tMax: number;
  #etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, 'CosineAnnealingLR');
    checkSchedulerOptions('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    this.#tMax = checkInteger('CosineAnnealingLR', 'tMax', options.tMax, 1);
    this.#etaMin = checkNumber('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.initialize({
      tMax: { check: (v, k) => checkInteger('CosineAnnealingLR', k, v, 1), get: () => this.#tMax, put: (v) => (this.#tMax = v as number) },
      etaMin: { check: (v, k) => checkNumber('CosineAnnealingLR', k, v), get: () => this.#etaMin, put: (v) => (this.#etaMin = v as number) },
    });
  }

  /** The half period tMax (an integer ≥ 1). */
  get tMax(): number {
    return this.#tMax;
  }
  set tMax(value: number) {
    this.setSetting('tMax', value);
  }
  /** The lowest learning rate η_min (finite and ≥ 0). */
  get etaMin(): number {
    return this.#etaMin;
  }
  set etaMin(value: number) {
    this.setSetting('etaMin', value);
  }

  protected computeLr(epoch: number): number[] {
    const lrs = this.optimizer.paramGroups.map(lrOf);
    if (epoch === 0) return lrs;
    const T = this.#tMax, etaMin = this.#etaMin;
    // NOTE: the second form divides by 1 + cos(π(e − 1)/T), which is 0 exactly at these epochs
    if ((epoch - 1 - T) % (2 * T) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * epoch) / T)) / (1 + Math.cos((Math.PI * (epoch - 1)) / T));
    return lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }

  /**
   * The closed form at epoch 0, η_min + ½(η_base − η_min)(1 + cos 0) = η_min + (η_base − η_min)
   * (halving the doubled difference is exact), as PyTorch computes it.
   * NOTE: this is η_base only up to rounding (η_min + (η_base − η_min) may differ from η_base in the last bit).
   */
  protected override computeRestartLr(): number[] {
    const etaMin = this.#etaMin;
    return this.baseLrs.map((lr) => etaMin + (lr - etaMin));
  }
}

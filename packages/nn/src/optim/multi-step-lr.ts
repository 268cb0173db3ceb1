/**
 * MultiStepLR: learning rates multiplied by γ at listed epochs, as PyTorch's.
 * @module
 */
import { ChainruleError } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import type { Optimizer } from './optimizer.js';
import { checkInteger, checkNumber, checkSchedulerOptions, LRScheduler, lrOf } from './lr-scheduler.js';

/** Options of {@link MultiStepLR}. @example `{ milestones: [30, 80], gamma: 0.1 }` */
export interface MultiStepLROptions {
  /** The epochs at which to decay (integers ≥ 0; an epoch listed twice decays twice; required). */
  milestones: readonly number[];
  /** The factor γ (finite and ≥ 0; default 0.1). */
  gamma?: number;
}

/**
 * Multiplies each group's learning rate by γ at each milestone epoch, as PyTorch's `MultiStepLR`:
 *
 * ```
 * η_e = η_{e−1} · γ^k   where k is how many times e appears in milestones
 * ```
 *
 * which, when nothing else changes the learning rate, is η₀ · γ^(number of milestones ≤ e).
 * As PyTorch, a milestone 0 decays at the constructor's step.
 *
 * @example
 * ```ts
 * const scheduler = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export class MultiStepLR extends LRScheduler {
  #milestones: number[];
  #gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer, 'MultiStepLR');
    checkSchedulerOptions('MultiStepLR', options, ['milestones', 'gamma']);
    this.#milestones = checkMilestones(options.milestones, 'milestones');
    this.#gamma = checkNumber('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    this.initialize({
      milestones: { check: (v, k) => checkMilestones(v, k), get: () => this.#milestones.slice(), put: (v) => (this.#milestones = (v as number[]).slice()) },
      gamma: { check: (v, k) => checkNumber('MultiStepLR', k, v), get: () => this.#gamma, put: (v) => (this.#gamma = v as number) },
    });
  }

  /** The milestones, sorted (a copy; assign a new list to change them). */
  get milestones(): readonly number[] {
    return Object.freeze(this.#milestones.slice());
  }
  set milestones(value: readonly number[]) {
    this.setSetting('milestones', value);
  }
  /** The factor γ (finite and ≥ 0). */
  get gamma(): number {
    return this.#gamma;
  }
  set gamma(value: number) {
    this.setSetting('gamma', value);
  }

  protected computeLr(epoch: number): number[] {
    const count = this.#milestones.filter((m) => m === epoch).length;
    const lrs = this.optimizer.paramGroups.map(lrOf);
    return count === 0 ? lrs : lrs.map((lr) => lr * this.#gamma ** count);
  }

  /** The closed form at epoch 0: η_base · γ^(number of milestones ≤ 0), so a milestone 0 counts. */
  protected override computeRestartLr(): number[] {
    const count = this.#milestones.filter((m) => m <= 0).length;
    return this.baseLrs.map((lr) => lr * this.#gamma ** count);
  }
}

/** Milestones as a sorted copy, if they are integers ≥ 0; else throws. */
function checkMilestones(value: unknown, key: string): number[] {
  if (!Array.isArray(value)) throw new ChainruleError(`MultiStepLR: ${key} must be an array of integers ≥ 0, got ${describeValue(value)}`);
  return (value as unknown[]).map((m, i) => checkInteger('MultiStepLR', `${key}[${i}]`, m, 0)).sort((a, b) => a - b);
}

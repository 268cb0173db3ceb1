/**
 * OneCycleLR: the 1cycle policy (a warm-up to a peak learning rate, then an anneal far below the
 * start), with momentum cycled the other way, as PyTorch's.
 * @module
 */
import { ChainruleError } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import type { Optimizer } from './optimizer.js';
import { checkChoice, checkInteger, checkNumber, checkNumbers, checkSchedulerOptions, LRScheduler, type GroupAssignment, type SchedulerSetting } from './lr-scheduler.js';

/** Options of {@link OneCycleLR}. @example `{ maxLr: 0.1, totalSteps: 1000 }` */
export interface OneCycleLROptions {
  /** The peak learning rate: one for every group, or one per group (required). */
  maxLr: number | readonly number[];
  /** The number of steps in the cycle (an integer ≥ 1); or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** With stepsPerEpoch, the number of epochs: totalSteps = epochs · stepsPerEpoch. */
  epochs?: number;
  /** With epochs, the number of steps (batches) per epoch. */
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent warming up (in [0, 1]; default 0.3). */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` annealing between the phases' ends. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum (SGD's and RMSprop's `momentum`, Adam's β₁) inversely to the learning rate (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the peak learning rate: one, or one per group (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The momentum at the start and end: one, or one per group (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** The starting learning rate is maxLr / divFactor (> 0; default 25). */
  divFactor?: number;
  /** The final learning rate is the starting one / finalDivFactor (> 0; default 1e4). */
  finalDivFactor?: number;
  /** Three phases as in Smith's paper (up, down to the start, then down to the minimum) instead of fastai's two (default false). */
  threePhase?: boolean;
}

const OPTIONS = ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase'];

/** One phase: the step it ends at, and which values it anneals from and to. */
interface Phase {
  readonly endStep: number;
  readonly lr: readonly ['initial' | 'max', 'initial' | 'max' | 'min'];
  readonly momentum: readonly ['max' | 'base', 'max' | 'base'];
}

/**
 * The 1cycle learning-rate policy (Smith & Topin, "Super-Convergence"), as PyTorch's `OneCycleLR`.
 * Call `step()` after every batch. With η₀ = maxLr / divFactor and η_min = η₀ / finalDivFactor,
 * over totalSteps steps (T) the learning rate goes, for each group:
 *
 * ```
 * two phases (default):  η₀ → maxLr        over steps 0 … pctStart·T − 1,   then maxLr → η_min  until step T − 1
 * threePhase:            η₀ → maxLr → η₀   (symmetric about pctStart·T − 1), then η₀ → η_min     until step T − 1
 * anneal(a, b, p) = b + (a − b)/2 · (1 + cos(πp))   ('cos')      or   a + (b − a)·p   ('linear')
 * ```
 *
 * where p is the fraction of the current phase done: (step − phase start) / (phase end − phase start).
 * With cycleMomentum the momentum goes the other way, maxMomentum → baseMomentum → maxMomentum
 * (Adam's and AdamW's β₁ in place of momentum, as PyTorch). The constructor sets every group's
 * `initialLr` to η₀ and performs step 0, so the learning rate before training is η₀ and the momentum
 * maxMomentum. As in PyTorch, `step()` may be called totalSteps times: the last call goes to step
 * totalSteps, one past the cycle's end, where the last phase is extrapolated (PyTorch's numbers,
 * except that a linear anneal that would go below 0 there gives 0, and a momentum that would leave
 * the cycle's range stays at its end: PyTorch would set a negative learning rate or a β₁ ≥ 1).
 * Stepping more than totalSteps times throws (as PyTorch), changing nothing. The schedule's
 * settings are fixed at construction (read-only here).
 *
 * @example
 * ```ts
 * const scheduler = new OneCycleLR(opt, { maxLr: 0.01, epochs: 10, stepsPerEpoch: loader.length });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const [x, y] of loader) { opt.zeroGrad(); lossFn.forward(net.forward(x), y).backward(); opt.step(); scheduler.step(); }
 * }
 * ```
 */
export class OneCycleLR extends LRScheduler {
  #totalSteps: number;
  #pctStart: number;
  #anneal: 'cos' | 'linear';
  #threePhase: boolean;
  #cycleMomentum: boolean;
  #useBeta1: boolean;
  #divFactor: number;
  #finalDivFactor: number;
  #maxLrs: number[];
  #initialLrs: number[];
  #minLrs: number[];
  #maxMomentums: number[];
  #baseMomentums: number[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super(optimizer, 'OneCycleLR');
    const name = 'OneCycleLR';
    checkSchedulerOptions(name, options, OPTIONS);
    const groups = this.optimizer.paramGroups.length;
    if (options.totalSteps !== undefined) {
      this.#totalSteps = checkInteger(name, 'totalSteps', options.totalSteps, 1);
    } else if (options.epochs !== undefined || options.stepsPerEpoch !== undefined) {
      this.#totalSteps = checkInteger(name, 'epochs', options.epochs, 1) * checkInteger(name, 'stepsPerEpoch', options.stepsPerEpoch, 1);
    } else {
      throw new ChainruleError(`${name}: give either totalSteps, or epochs and stepsPerEpoch (totalSteps = epochs · stepsPerEpoch)`);
    }
    this.#pctStart = checkNumber(name, 'pctStart', options.pctStart ?? 0.3, 0, 1);
    this.#anneal = checkChoice(name, 'annealStrategy', options.annealStrategy ?? 'cos', ['cos', 'linear']);
    this.#threePhase = checkBoolean(options.threePhase ?? false, 'threePhase');
    this.#divFactor = checkNumber(name, 'divFactor', options.divFactor ?? 25, 0, undefined, true);
    this.#finalDivFactor = checkNumber(name, 'finalDivFactor', options.finalDivFactor ?? 1e4, 0, undefined, true);
    this.#maxLrs = perGroup(options.maxLr, 'maxLr', groups, (v, k) => checkNumber(name, k, v));
    this.#initialLrs = this.#maxLrs.map((lr) => lr / this.#divFactor);
    this.#minLrs = this.#initialLrs.map((lr) => lr / this.#finalDivFactor);
    this.#cycleMomentum = checkBoolean(options.cycleMomentum ?? true, 'cycleMomentum');
    const defaults = this.optimizer.defaults as Record<string, unknown>;
    this.#useBeta1 = 'betas' in defaults;
    if (this.#cycleMomentum && !('momentum' in defaults) && !this.#useBeta1) {
      throw new ChainruleError(`${name}: the optimizer has no momentum or betas to cycle; pass { cycleMomentum: false }`);
    }
    // a momentum must be valid for the optimizer: Adam's β₁ is in [0, 1)
    const checkMomentum = (v: unknown, k: string) => {
      const m = checkNumber(name, k, v);
      if (this.#useBeta1 && m >= 1) throw new ChainruleError(`${name}: ${k} must be < 1 when it is the optimizer's β₁, got ${m}`);
      return m;
    };
    this.#maxMomentums = perGroup(options.maxMomentum ?? 0.95, 'maxMomentum', groups, checkMomentum);
    this.#baseMomentums = perGroup(options.baseMomentum ?? 0.85, 'baseMomentum', groups, checkMomentum);

    const num = (get: () => number, put: (v: number) => void, check: (v: unknown, k: string) => number): SchedulerSetting => ({ check, get, put: (v) => put(v as number) });
    const list = (get: () => number[], put: (v: number[]) => void): SchedulerSetting => ({ check: (v, k) => checkNumbers(name, k, v, this.optimizer.paramGroups.length), get: () => get().slice(), put: (v) => put((v as number[]).slice()) });
    const flag = (get: () => boolean, put: (v: boolean) => void): SchedulerSetting => ({ check: (v, k) => checkBoolean(v, k), get, put: (v) => put(v as boolean) });
    this.initialize(
      {
        totalSteps: num(() => this.#totalSteps, (v) => (this.#totalSteps = v), (v, k) => checkInteger(name, k, v, 1)),
        pctStart: num(() => this.#pctStart, (v) => (this.#pctStart = v), (v, k) => checkNumber(name, k, v, 0, 1)),
        annealStrategy: { check: (v, k) => checkChoice(name, k, v, ['cos', 'linear']), get: () => this.#anneal, put: (v) => (this.#anneal = v as 'cos' | 'linear') },
        threePhase: flag(() => this.#threePhase, (v) => (this.#threePhase = v)),
        cycleMomentum: flag(() => this.#cycleMomentum, (v) => (this.#cycleMomentum = v)),
        useBeta1: flag(() => this.#useBeta1, (v) => (this.#useBeta1 = v)),
        divFactor: num(() => this.#divFactor, (v) => (this.#divFactor = v), (v, k) => checkNumber(name, k, v, 0, undefined, true)),
        finalDivFactor: num(() => this.#finalDivFactor, (v) => (this.#finalDivFactor = v), (v, k) => checkNumber(name, k, v, 0, undefined, true)),
        maxLrs: list(() => this.#maxLrs, (v) => (this.#maxLrs = v)),
        initialLrs: list(() => this.#initialLrs, (v) => (this.#initialLrs = v)),
        minLrs: list(() => this.#minLrs, (v) => (this.#minLrs = v)),
        maxMomentums: list(() => this.#maxMomentums, (v) => (this.#maxMomentums = v)),
        baseMomentums: list(() => this.#baseMomentums, (v) => (this.#baseMomentums = v)),
      },
      this.#initialLrs,
    );
  }

  /** The number of steps in the cycle. */
  get totalSteps(): number {
    return this.#totalSteps;
  }
  /** The peak learning rate of each group (a copy). */
  get maxLrs(): number[] {
    return this.#maxLrs.slice();
  }
  /** The final learning rate of each group, maxLr / divFactor / finalDivFactor (a copy). */
  get minLrs(): number[] {
    return this.#minLrs.slice();
  }

  protected computeLr(epoch: number): number[] {
    // NOTE: step totalSteps extrapolates the last phase (pct > 1), as PyTorch; a linear anneal can
    // then go below 0, which PyTorch sets and no optimizer here accepts: that one rate is 0 instead
    return this.#at(epoch).map(({ phase, pct }, i) => Math.max(0, this.#annealFn(this.#value(phase.lr[0], i), this.#value(phase.lr[1], i), pct)));
  }

  protected override computeAssignments(epoch: number): GroupAssignment[] {
    if (!this.#cycleMomentum) return [];
    const groups = this.optimizer.paramGroups as readonly Record<string, unknown>[];
    return this.#at(epoch).map(({ phase, pct }, i) => {
      const from = this.#momentum(phase.momentum[0], i), to = this.#momentum(phase.momentum[1], i);
      // as the learning rate: the extrapolated step keeps the momentum within the cycle's range (β₁ < 1)
      const m = Math.min(Math.max(this.#annealFn(from, to, pct), Math.min(from, to)), Math.max(from, to));
      return this.#useBeta1 ? [i, 'betas', [m, (groups[i].betas as readonly number[])[1]]] : [i, 'momentum', m];
    });
  }

  /** The phase of step `epoch` and the fraction of it done, for each group (the same for all). */
  #at(epoch: number): { phase: Phase; pct: number }[] {
    if (epoch > this.#totalSteps) {
      throw new ChainruleError(`OneCycleLR.step: the cycle has ${this.#totalSteps} steps and they have all been taken (this would be step ${epoch}); nothing was changed`);
    }
    const phases = this.#phases();
    let start = 0;
    for (let k = 0; k < phases.length; k++) {
      const phase = phases[k];
      if (epoch <= phase.endStep || k === phases.length - 1) {
        if (phase.endStep === start) {
          throw new ChainruleError(
            `OneCycleLR: phase ${k + 1} of the cycle has no length (it starts and ends at step ${start}) with totalSteps ${this.#totalSteps} and pctStart ${this.#pctStart}; choose another pctStart`,
          );
        }
        const pct = (epoch - start) / (phase.endStep - start);
        return this.optimizer.paramGroups.map(() => ({ phase, pct }));
      }
      start = phase.endStep;
    }
    throw new Error('unreachable: the last phase takes every step');
  }

  #phases(): Phase[] {
    const T = this.#totalSteps, p = this.#pctStart;
    if (this.#threePhase) {
      return [
        { endStep: p * T - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
        { endStep: 2 * p * T - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
        { endStep: T - 1, lr: ['initial', 'min'], momentum: ['max', 'max'] },
      ];
    }
    return [
      { endStep: p * T - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
      { endStep: T - 1, lr: ['max', 'min'], momentum: ['base', 'max'] },
    ];
  }

  #value(which: 'initial' | 'max' | 'min', i: number): number {
    return which === 'initial' ? this.#initialLrs[i] : which === 'max' ? this.#maxLrs[i] : this.#minLrs[i];
  }

  #momentum(which: 'max' | 'base', i: number): number {
    return which === 'max' ? this.#maxMomentums[i] : this.#baseMomentums[i];
  }

  #annealFn(start: number, end: number, pct: number): number {
    if (this.#anneal === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
}

/** One value for every group, or one per group, each checked. */
function perGroup(value: unknown, key: string, groups: number, check: (v: unknown, key: string) => number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new ChainruleError(`OneCycleLR: ${key} has ${value.length} values but the optimizer has ${groups} parameter group(s)`);
    return value.map((v, i) => check(v, `${key}[${i}]`));
  }
  const v = check(value, key);
  return Array.from({ length: groups }, () => v);
}

function checkBoolean(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw new ChainruleError(`OneCycleLR: ${key} must be true or false, got ${describeValue(value)}`);
  return value;
}

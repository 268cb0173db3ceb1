/**
 * SequentialLR: schedulers taking turns at given epochs (a warm-up, then a decay), as PyTorch's.
 * @module
 */
import { ChainruleError, sideEffect } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import type { Optimizer } from './optimizer.js';
import { allOrNothing, checkSchedulers, loadSchedulerStates } from './composite-scheduler.js';
import {
  checkInteger,
  checkNumbers,
  checkOptimizer,
  checkSchedulerOptions,
  guard,
  initialStep,
  readState,
  restartSchedule,
  undoStep,
  type LRScheduler,
  type SchedulerStateDict,
} from './lr-scheduler.js';

const NAME = 'SequentialLR';

/** Options of {@link SequentialLR}. @example `{ schedulers: [warmup, cosine], milestones: [100] }` */
export interface SequentialLROptions {
  /** The schedulers in the order they take turns, all made before on this optimizer (at least one; not a ReduceLROnPlateau). */
  schedulers: readonly LRScheduler[];
  /** The epoch at which each next scheduler takes over: one fewer than the schedulers, integers ≥ 1, increasing. */
  milestones: readonly number[];
}

/**
 * Hands the schedule from one scheduler to the next at each milestone, as PyTorch 1.13's
 * `SequentialLR`. With milestones m₁ < m₂ < …, the step to epoch e (the SequentialLR's count) is
 *
 * ```
 * i = number of milestones ≤ e
 * e = m_i (a milestone): schedulers[i] restarts: PyTorch's step(0), its closed form at epoch 0
 *                        from the base learning rates (η_base for StepLR, ExponentialLR; η_base·s for
 *                        LinearLR; η_min + (η_base − η_min) for CosineAnnealingLR)
 * otherwise:             schedulers[i].step(), from the current learning rates
 * ```
 *
 * so schedulers[i] runs its epochs 0, 1, 2, … over the SequentialLR's epochs m_i, m_i + 1, ….
 * Make the schedulers first, on the optimizer given; the constructor then does what PyTorch's does:
 * every group's learning rate goes back to its `initialLr`, each scheduler's constructor step is
 * undone (the waiting ones are at epoch −1 until their turn), and schedulers[0] takes its first step
 * again, so the learning rates before training are schedulers[0]'s first. `getLastLr()` gives the
 * learning rates after the last step, the state dict holds the schedulers' states. Call `step()`
 * after `optimizer.step()`, and do not step the schedulers it holds yourself.
 *
 * Unlike PyTorch 1.13, the milestones must increase strictly from 1 (PyTorch does not check them:
 * a milestone 0 or a repeated one skips a scheduler's restart or the scheduler), a ReduceLROnPlateau is
 * refused (it needs a metric; PyTorch 1.13 fails on it), and a milestone gives no deprecation
 * warning (PyTorch 1.13 warns there, as it passes an epoch to step).
 *
 * @example
 * ```ts
 * // 10 epochs of linear warm-up from 1% of the rate, then a cosine over 90 epochs
 * const warmup = new LinearLR(opt, { startFactor: 0.01, totalIters: 10 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 90 });
 * const scheduler = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [10] });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export class SequentialLR {
  /** The optimizer whose learning rates the schedulers set. */
  readonly optimizer: Optimizer;
  readonly #schedulers: readonly LRScheduler[];
  #milestones: readonly number[];
  #lastEpoch = 0;
  #lastLr: readonly number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    this.optimizer = checkOptimizer(optimizer, NAME);
    checkSchedulerOptions(NAME, options, ['schedulers', 'milestones']);
    const { schedulers } = checkSchedulers(NAME, options.schedulers, this.optimizer);
    this.#milestones = checkMilestones(options.milestones, schedulers.length, 'milestones');
    this.#schedulers = Object.freeze(schedulers);
    allOrNothing(this.optimizer, schedulers, () => {
      // each scheduler has set every group's initialLr (checkSchedulers saw them made for these groups)
      for (const g of this.optimizer.paramGroups) (g as unknown as { lr: number }).lr = g.initialLr!;
      for (const s of schedulers) undoStep(s);
      initialStep(schedulers[0], `${NAME}: schedulers[0]`);
    });
    this.#lastLr = Object.freeze(schedulers[0].getLastLr());
  }

  /**
   * Advances the schedule by one epoch: the current scheduler's step, or the next one's restart at
   * a milestone. Call it after `optimizer.step()`. Checks everything before it changes anything.
   * @example `opt.step(); scheduler.step();`
   */
  step(): void {
    // in a compiled step, run again at every replay
    sideEffect(`${NAME}.step`, () => {
      const epoch = this.#lastEpoch + 1;
      const i = this.#milestones.filter((m) => m <= epoch).length;
      const s = this.#schedulers[i];
      if (i > 0 && this.#milestones[i - 1] === epoch) restartSchedule(s, `${NAME}.step: schedulers[${i}]`);
      else s.step();
      this.#lastEpoch = epoch;
      this.#lastLr = Object.freeze(s.getLastLr());
    });
  }

  /** The learning rate of each group after the last step (the constructor's included), as PyTorch's `get_last_lr()`. @example `scheduler.getLastLr() // [0.001]` */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** The number of steps taken (PyTorch's `last_epoch`): 0 right after construction. */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }
  /** The milestones (frozen). */
  get milestones(): readonly number[] {
    return this.#milestones;
  }
  /** The schedulers, in their order (frozen). */
  get schedulers(): readonly LRScheduler[] {
    return this.#schedulers;
  }

  /**
   * The epoch count, milestones, last learning rates and every scheduler's state, as a plain
   * JSON-serialisable object. Save it with the optimizer's state dict.
   * @example `JSON.stringify({ opt: opt.stateDict(), sched: scheduler.stateDict() })`
   */
  stateDict(): SchedulerStateDict {
    return {
      scheduler: NAME,
      lastEpoch: this.#lastEpoch,
      milestones: this.#milestones.slice(),
      lastLr: this.#lastLr.slice(),
      schedulers: this.#schedulers.map((s) => s.stateDict()),
    };
  }

  /**
   * Loads a state saved by {@link SequentialLR.stateDict}, the schedulers' states into the
   * schedulers in order, after checking every key and value; on any error it throws naming the key
   * (or the scheduler's index and key), and nothing has changed. To resume, make the optimizer, the
   * schedulers and the SequentialLR as at the start, then load the optimizer's state and this one.
   * @example
   * ```ts
   * const scheduler = new SequentialLR(opt, { schedulers: [new LinearLR(opt), new ExponentialLR(opt, { gamma: 0.9 })], milestones: [5] });
   * opt.loadStateDict(saved.opt);
   * scheduler.loadStateDict(saved.sched);
   * ```
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fail = (why: string): never => {
      throw new ChainruleError(`${NAME}.loadStateDict: ${why}; nothing was loaded`);
    };
    const s = readState(state, NAME, ['lastEpoch', 'milestones', 'lastLr', 'schedulers'], fail);
    const lastEpoch = guard(() => checkInteger(NAME, 'lastEpoch', s.lastEpoch, 0), fail);
    const milestones = guard(() => checkMilestones(s.milestones, this.#schedulers.length, 'milestones'), fail);
    const lastLr = guard(() => checkNumbers(NAME, 'lastLr', s.lastLr, this.optimizer.paramGroups.length), fail);
    loadSchedulerStates(this.optimizer, this.#schedulers, s.schedulers, fail);
    this.#lastEpoch = lastEpoch;
    this.#milestones = milestones;
    this.#lastLr = Object.freeze(lastLr);
  }
}

/** The milestones, frozen, if they are `schedulers − 1` integers ≥ 1 in strictly increasing order; else throws. */
function checkMilestones(value: unknown, schedulers: number, key: string): readonly number[] {
  if (!Array.isArray(value)) throw new ChainruleError(`${NAME}: ${key} must be an array of integers, got ${describeValue(value)}`);
  if (value.length !== schedulers - 1) {
    throw new ChainruleError(`${NAME}: ${schedulers} scheduler(s) need ${schedulers - 1} milestone(s), the epochs at which the next one takes over, got ${value.length}`);
  }
  const milestones = (value as unknown[]).map((m, i) => checkInteger(NAME, `${key}[${i}]`, m, 1));
  milestones.forEach((m, i) => {
    if (i > 0 && m <= milestones[i - 1]) {
      throw new ChainruleError(`${NAME}: ${key} must increase strictly, got ${milestones[i - 1]} then ${m} at ${key}[${i}] (each is the epoch at which the next scheduler takes over)`);
    }
  });
  return Object.freeze(milestones);
}

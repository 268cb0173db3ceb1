/**
 * ChainedScheduler: several schedulers stepped together with one call, as PyTorch's.
 * @module
 */
import { ChainruleError, sideEffect } from '@chainrule/core';
import type { Optimizer } from './optimizer.js';
import { allOrNothing, checkSchedulers, loadSchedulerStates } from './composite-scheduler.js';
import { checkNumbers, checkOptimizer, checkSchedulerOptions, guard, lrOf, readState, type LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';

const NAME = 'ChainedScheduler';

/** Options of {@link ChainedScheduler}. @example `{ optimizer: opt }` */
export interface ChainedSchedulerOptions {
  /** The optimizer every scheduler must belong to (default: the first scheduler's). */
  optimizer?: Optimizer;
}

/**
 * Steps every scheduler, in the order given, with one `step()`, as PyTorch's `ChainedScheduler`.
 * The schedulers compute from the groups' current learning rates (the chainable form), so their
 * effects multiply: with a StepLR (γ₁ every s epochs) and an ExponentialLR (γ₂),
 *
 * ```
 * η_e = η_{e−1} · γ₁^[e mod s = 0] · γ₂        η_e = η_base · γ₁^⌊e/s⌋ · γ₂^e
 * ```
 *
 * Make the schedulers first; their constructor steps have already set the learning rates, and the
 * ChainedScheduler's constructor changes nothing (as PyTorch 1.13's, it takes no step).
 * `getLastLr()` gives the groups' learning rates after the last step (before the first, the
 * current ones); the state dict holds the schedulers' states. Call `step()` after
 * `optimizer.step()`, and do not step the schedulers it holds yourself. A step that throws (a
 * scheduler's refusal) puts back every scheduler and learning rate: it changes nothing. A
 * ReduceLROnPlateau is refused (it needs a metric; PyTorch 1.13 fails on it at the first step).
 *
 * @example
 * ```ts
 * const scheduler = new ChainedScheduler([new StepLR(opt, { stepSize: 10, gamma: 0.5 }), new ExponentialLR(opt, { gamma: 0.99 })]);
 * for (let epoch = 0; epoch < 100; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export class ChainedScheduler {
  /** The optimizer whose learning rates the schedulers set. */
  readonly optimizer: Optimizer;
  readonly #schedulers: readonly LRScheduler[];
  #lastLr: readonly number[];

  constructor(schedulers: readonly LRScheduler[], options: ChainedSchedulerOptions = {}) {
    checkSchedulerOptions(NAME, options, ['optimizer']);
    const given = options.optimizer === undefined ? undefined : checkOptimizer(options.optimizer, NAME);
    const checked = checkSchedulers(NAME, schedulers, given);
    this.optimizer = checked.optimizer;
    this.#schedulers = Object.freeze(checked.schedulers);
    this.#lastLr = Object.freeze(this.optimizer.paramGroups.map(lrOf));
  }

  /**
   * Steps every scheduler in order; call it after `optimizer.step()`. All or nothing.
   * @example `opt.step(); scheduler.step();`
   */
  step(): void {
    // in a compiled step, run again at every replay
    sideEffect(`${NAME}.step`, () => {
      allOrNothing(this.optimizer, this.#schedulers, () => {
        for (const s of this.#schedulers) s.step();
      });
      this.#lastLr = Object.freeze(this.optimizer.paramGroups.map(lrOf));
    });
  }

  /** The learning rate of each group after the last step, as PyTorch's `get_last_lr()`. @example `scheduler.getLastLr() // [0.05]` */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** The schedulers, in their order (frozen). */
  get schedulers(): readonly LRScheduler[] {
    return this.#schedulers;
  }

  /**
   * The last learning rates and every scheduler's state, as a plain JSON-serialisable object.
   * Save it with the optimizer's state dict.
   * @example `JSON.stringify({ opt: opt.stateDict(), sched: scheduler.stateDict() })`
   */
  stateDict(): SchedulerStateDict {
    return { scheduler: NAME, lastLr: this.#lastLr.slice(), schedulers: this.#schedulers.map((s) => s.stateDict()) };
  }

  /**
   * Loads a state saved by {@link ChainedScheduler.stateDict}, the schedulers' states into the
   * schedulers in order, after checking every key and value; on any error it throws naming the key
   * (or the scheduler's index and key), and nothing has changed.
   * @example `opt.loadStateDict(saved.opt); scheduler.loadStateDict(saved.sched);`
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fail = (why: string): never => {
      throw new ChainruleError(`${NAME}.loadStateDict: ${why}; nothing was loaded`);
    };
    const s = readState(state, NAME, ['lastLr', 'schedulers'], fail);
    const lastLr = guard(() => checkNumbers(NAME, 'lastLr', s.lastLr, this.optimizer.paramGroups.length), fail);
    loadSchedulerStates(this.optimizer, this.#schedulers, s.schedulers, fail);
    this.#lastLr = Object.freeze(lastLr);
  }
}

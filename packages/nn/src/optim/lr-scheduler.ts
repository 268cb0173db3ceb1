/**
 * The base of the learning-rate schedulers, as PyTorch's `torch.optim.lr_scheduler`: the epoch
 * counter, the base learning rates, `getLastLr()`, settings checked wherever they are set, and
 * state dicts validated before anything changes.
 * @module
 */
import { ChainruleError, sideEffect } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { Optimizer, type ParamGroup } from './optimizer.js';

/** A value in a scheduler's state dict (the list of states: those of the schedulers SequentialLR and ChainedScheduler hold). @example `[0.1, 0.01]` */
export type SchedulerStateValue = number | string | boolean | number[] | SchedulerStateDict[];

/**
 * A scheduler's state as a plain JSON-serialisable object: its name, its counters and its
 * settings. Non-finite numbers (ReduceLROnPlateau's `best` before any metric) are the strings
 * `'Infinity'`, `'-Infinity'` and `'NaN'`, since JSON has no such numbers.
 * @example `{ scheduler: 'StepLR', lastEpoch: 3, stepCount: 4, baseLrs: [0.1], lastLr: [0.1], stepSize: 10, gamma: 0.5 }`
 */
export interface SchedulerStateDict {
  /** The scheduler's name: a state is loaded only into the same kind of scheduler. */
  scheduler: string;
  [key: string]: SchedulerStateValue;
}

/**
 * One setting of a scheduler (StepLR's `gamma`): how to check a value (returns it, or throws naming
 * `key`), read it and store it. Used by the setters, the state dict and its loading alike.
 * @example `{ check: (v, key) => checkNumber('StepLR', key, v), get: () => this.#gamma, put: (v) => (this.#gamma = v) }`
 */
export interface SchedulerSetting<T extends SchedulerStateValue = SchedulerStateValue> {
  readonly check: (value: unknown, key: string) => T;
  readonly get: () => T;
  readonly put: (value: T) => void;
}

/** What a scheduler's step changes besides the learning rates: `[group index, key, value]` (OneCycleLR's momentum). */
export type GroupAssignment = readonly [number, string, unknown];

/** How SequentialLR drives the schedulers it holds (undoStep, initialStep, restartSchedule below): set by LRScheduler's static block, which sees its private fields. */
let sequenceControl!: {
  undoStep(s: LRScheduler): void;
  initialStep(s: LRScheduler, where: string): void;
  restart(s: LRScheduler, where: string): void;
};

/**
 * The base of the schedulers that follow an epoch count (all but {@link ReduceLROnPlateau}), as
 * PyTorch's `LRScheduler`. A subclass implements {@link LRScheduler.computeLr}: the learning rate
 * of every parameter group at epoch `epoch`, usually from the groups' current learning rates (the
 * "chainable" form PyTorch 1.13 computes, so that schedulers compose), and calls
 * {@link LRScheduler.initialize} at the end of its constructor. A scheduler with a closed form
 * also overrides {@link LRScheduler.computeRestartLr} (its value at epoch 0 from the base learning
 * rates), which {@link SequentialLR} sets when the scheduler's turn comes.
 *
 * Order and timing, as PyTorch's: the constructor performs the first step, to epoch 0, so the
 * optimizer's learning rates are the schedule's first values before any training (a warm-up starts
 * low); then call `scheduler.step()` once per epoch (or per batch for OneCycleLR) AFTER
 * `optimizer.step()`. Stepping the scheduler first skips the first value of the schedule; as
 * PyTorch, the first `step()` warns (console.warn) when the optimizer has not stepped since the
 * scheduler was made.
 *
 * Every learning rate a step computes is checked (a finite number ≥ 0) before any is set: a step
 * that throws changes nothing. The first scheduler attached to an optimizer records each group's
 * learning rate as `initialLr`; the base learning rates of every scheduler are those, as PyTorch's
 * `initial_lr`, so that a second scheduler on the same optimizer starts from the same place.
 * To resume, make the optimizer and the scheduler as at the start, then load the optimizer's state
 * dict and then the scheduler's (PyTorch's `last_epoch` constructor argument is not offered: the
 * state dicts restore everything it did).
 *
 * @example
 * ```ts
 * class HalveEvery10 extends LRScheduler {
 *   constructor(opt: Optimizer) { super(opt, 'HalveEvery10'); this.initialize(); }
 *   protected computeLr(epoch: number): number[] {
 *     return this.baseLrs.map((lr) => lr * 0.5 ** Math.floor(epoch / 10));
 *   }
 * }
 * const scheduler = new HalveEvery10(opt);
 * for (let epoch = 0; epoch < 30; epoch++) { train(); opt.step(); scheduler.step(); }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: Optimizer;
  /** The scheduler's name in messages (`'StepLR'`). */
  protected readonly schedulerName: string;
  #settings: Readonly<Record<string, SchedulerSetting>> = {};
  #lastEpoch = -1;
  #stepCount = 0;
  #baseLrs: readonly number[] = Object.freeze([]);
  #lastLr: readonly number[] = Object.freeze([]);
  #optimizerStepsAtStart = 0;
  #warned = false;

  constructor(optimizer: Optimizer, schedulerName: string) {
    this.schedulerName = schedulerName;
    this.optimizer = checkOptimizer(optimizer, schedulerName);
  }

  /**
   * The learning rate of every parameter group at `epoch` (the step being taken; 0 for the
   * constructor's step). Must not change anything: {@link LRScheduler.step} checks the values
   * before it sets them.
   */
  protected abstract computeLr(epoch: number): number[];

  /** Other group values the step at `epoch` sets (OneCycleLR's momentum); none by default. Must not change anything. */
  protected computeAssignments(_epoch: number): GroupAssignment[] {
    return [];
  }

  /**
   * The learning rates of PyTorch's `step(0)`, which {@link SequentialLR} takes when this
   * scheduler's turn comes: the closed form at epoch 0 (from the base learning rates, whatever the
   * current ones), or, for a scheduler without a closed form (OneCycleLR's, as in PyTorch), its
   * {@link LRScheduler.computeLr} at epoch 0. Must not change anything.
   */
  protected computeRestartLr(): number[] {
    return this.computeLr(0);
  }

  /**
   * Attaches the scheduler: records its settings (for the state dict and the setters), sets each
   * group's `initialLr` (to `initialLrs[i]`, or to its learning rate where it has none), the base
   * learning rates, and performs the step to epoch 0. Call it at the end of the subclass
   * constructor, after the settings are checked and stored.
   */
  protected initialize(settings: Record<string, SchedulerSetting> = {}, initialLrs?: readonly number[]): void {
    this.#settings = Object.freeze({ ...settings });
    const groups = this.optimizer.paramGroups;
    this.#baseLrs = Object.freeze(initialLrs?.slice() ?? groups.map((g) => g.initialLr ?? lrOf(g)));
    const { lrs, assignments } = this.#compute(0, `${this.schedulerName}`, false);
    const initial = groups.map((g, i) => initialLrs?.[i] ?? g.initialLr ?? lrOf(g));
    this.#apply(lrs, assignments);
    // checked values (finite, ≥ 0): these assignments cannot throw
    groups.forEach((g, i) => (g.initialLr = initial[i]));
    this.#lastEpoch = 0;
    this.#stepCount = 1;
    this.#lastLr = Object.freeze(groups.map(lrOf));
    this.#optimizerStepsAtStart = this.optimizer.stepsTaken;
  }

  /**
   * Advances the schedule by one epoch and sets every group's learning rate; call it after
   * `optimizer.step()`. Checks everything before it changes anything.
   * @example `opt.step(); scheduler.step();`
   */
  step(): void {
    // in a compiled step, run again at every replay
    sideEffect(`${this.schedulerName}.step`, () => this.#advance(this.#lastEpoch + 1, `${this.schedulerName}.step`, 'step'));
  }

  /**
   * A step to `epoch`: PyTorch's `step()`, its `step(0)` (`'restart'`: the closed form), or its
   * `_initial_step()` (`'initial'`: the step counts start again, without the out-of-order warning).
   * Checks, warns once if out of order, then sets.
   */
  #advance(epoch: number, where: string, kind: 'step' | 'restart' | 'initial'): void {
    const { lrs, assignments } = this.#compute(epoch, where, kind === 'restart');
    if (kind !== 'initial' && this.#stepCount === 1 && !this.#warned && this.optimizer.stepsTaken === this.#optimizerStepsAtStart) {
      this.#warned = true;
      console.warn(
        `${this.schedulerName}: step() was called before optimizer.step(). Call optimizer.step() first, then scheduler.step(), ` +
          'or the first value of the schedule is skipped (as PyTorch warns).',
      );
    }
    this.#apply(lrs, assignments);
    this.#lastEpoch = epoch;
    this.#stepCount = kind === 'initial' ? 1 : this.#stepCount + 1;
    if (kind === 'initial') this.#optimizerStepsAtStart = this.optimizer.stepsTaken;
    this.#lastLr = Object.freeze(this.optimizer.paramGroups.map(lrOf));
  }

  /** The learning rate of each group after the last step (the constructor's step included), as PyTorch's `get_last_lr()`. @example `scheduler.getLastLr() // [0.1, 0.01]` */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** The number of steps taken since epoch 0 (PyTorch's `last_epoch`): 0 right after construction. */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** The base learning rate of each group (its `initialLr` when the scheduler was made), frozen. */
  get baseLrs(): readonly number[] {
    return this.#baseLrs;
  }

  /**
   * The scheduler's counters and settings as a plain JSON-serialisable object (a copy). Save it
   * with the optimizer's state dict: the learning rates themselves live in the optimizer.
   * @example `JSON.stringify({ opt: opt.stateDict(), sched: scheduler.stateDict() })`
   */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {
      scheduler: this.schedulerName,
      lastEpoch: this.#lastEpoch,
      stepCount: this.#stepCount,
      baseLrs: this.#baseLrs.slice(),
      lastLr: this.#lastLr.slice(),
    };
    for (const [key, s] of Object.entries(this.#settings)) out[key] = copyValue(s.get());
    return out;
  }

  /**
   * Loads a state saved by {@link LRScheduler.stateDict} of the same kind of scheduler, after
   * checking every key and value (with the rules of the setters) and that it has one base learning
   * rate per parameter group; on any error it throws naming the key, and nothing has changed.
   * To resume, make the optimizer and the scheduler as at the start (the scheduler's constructor
   * sets learning rates), then load the optimizer's state and the scheduler's: the next step
   * continues from the saved learning rates.
   * @example
   * ```ts
   * const opt = new SGD(net.parameters(), { lr: 0.1 });
   * const scheduler = new StepLR(opt, { stepSize: 30 });
   * opt.loadStateDict(saved.opt);
   * scheduler.loadStateDict(saved.sched);
   * ```
   */
  loadStateDict(state: SchedulerStateDict): void {
    const where = `${this.schedulerName}.loadStateDict`;
    const fail = (why: string): never => {
      throw new ChainruleError(`${where}: ${why}; nothing was loaded`);
    };
    const s = readState(state, this.schedulerName, ['lastEpoch', 'stepCount', 'baseLrs', 'lastLr', ...Object.keys(this.#settings)], fail);
    const groups = this.optimizer.paramGroups.length;
    // −1: a scheduler whose constructor's step SequentialLR undid, waiting for its turn
    const lastEpoch = guard(() => checkInteger(this.schedulerName, 'lastEpoch', s.lastEpoch, -1), fail);
    const stepCount = guard(() => checkInteger(this.schedulerName, 'stepCount', s.stepCount, 1), fail);
    const baseLrs = guard(() => checkNumbers(this.schedulerName, 'baseLrs', s.baseLrs, groups), fail);
    const lastLr = guard(() => checkNumbers(this.schedulerName, 'lastLr', s.lastLr, groups), fail);
    const commit = checkSettings(this.#settings, s, fail);
    commit();
    this.#lastEpoch = lastEpoch;
    this.#stepCount = stepCount;
    this.#baseLrs = Object.freeze(baseLrs);
    this.#lastLr = Object.freeze(lastLr);
    this.#warned = true; // a resumed run has stepped its optimizer before
  }

  /** Sets a setting through its check (the subclasses' setters). */
  protected setSetting(key: string, value: unknown): void {
    const s = this.#settings[key];
    s.put(s.check(value, key));
  }

  /** The learning rates (and other assignments) for `epoch` (PyTorch's step(0) when `restart`), checked; throws before anything changes. */
  #compute(epoch: number, where: string, restart: boolean): { lrs: number[]; assignments: GroupAssignment[] } {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.#baseLrs.length) {
      throw new ChainruleError(
        `${where}: the optimizer has ${groups.length} parameter groups but the scheduler was made for ${this.#baseLrs.length}; ` +
          'make a new scheduler after addParamGroup',
      );
    }
    const lrs = restart ? this.computeRestartLr() : this.computeLr(epoch);
    lrs.forEach((lr, i) => {
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new ChainruleError(`${where}: the learning rate of paramGroups[${i}] at epoch ${epoch} would be ${describeValue(lr)}, not a finite number ≥ 0; nothing was changed`);
      }
    });
    return { lrs, assignments: this.computeAssignments(epoch) };
  }

  /** Sets the assignments and the learning rates through the groups' checked setters, undoing them all if one throws. */
  #apply(lrs: readonly number[], assignments: readonly GroupAssignment[]): void {
    const groups = this.optimizer.paramGroups as readonly Record<string, unknown>[];
    const all: GroupAssignment[] = [...assignments, ...lrs.map((lr, i) => [i, 'lr', lr] as const)];
    const undo: [number, string, unknown][] = [];
    try {
      for (const [i, key, value] of all) {
        undo.push([i, key, groups[i][key]]);
        groups[i][key] = value;
      }
    } catch (e) {
      // every state passed through on the way was valid, so the way back is too
      for (const [i, key, value] of undo.reverse()) groups[i][key] = value;
      throw e;
    }
  }

  static {
    // SequentialLR reaches into the schedulers it holds, as PyTorch's does into their fields
    sequenceControl = {
      undoStep: (s) => void s.#lastEpoch--,
      initialStep: (s, where) => s.#advance(s.#lastEpoch + 1, where, 'initial'),
      restart: (s, where) => s.#advance(0, where, 'restart'),
    };
  }
}

/**
 * PyTorch's `scheduler.last_epoch -= 1`: {@link SequentialLR}'s constructor undoes the
 * constructor's step of each scheduler it holds (a waiting one is then at epoch −1).
 * @example `undoStep(cosine); cosine.lastEpoch // -1`
 */
export function undoStep(s: LRScheduler): void {
  sequenceControl.undoStep(s);
}

/**
 * PyTorch's `_initial_step()` of a scheduler: the step to the next epoch (epoch 0 after
 * {@link undoStep}) without the out-of-order warning, counting the optimizer's steps from now on.
 * SequentialLR's constructor takes it with its first scheduler.
 * @example `undoStep(warmup); initialStep(warmup, 'SequentialLR'); warmup.lastEpoch // 0`
 */
export function initialStep(s: LRScheduler, where: string): void {
  sequenceControl.initialStep(s, where);
}

/**
 * PyTorch's `scheduler.step(0)`: the step to epoch 0 with the learning rates of the scheduler's
 * closed form there (its {@link LRScheduler.computeRestartLr}), checked before anything changes.
 * SequentialLR takes it with the next scheduler at each milestone.
 * @example `restartSchedule(cosine, 'SequentialLR.step'); cosine.lastEpoch // 0`
 */
export function restartSchedule(s: LRScheduler, where: string): void {
  sequenceControl.restart(s, where);
}

/** A group's learning rate (every optimizer's groups have one). */
export function lrOf(group: ParamGroup): number {
  return (group as unknown as { lr: number }).lr;
}

/**
 * `optimizer` if it is an {@link Optimizer} whose groups have a learning rate; else throws naming the scheduler.
 * @example `this.optimizer = checkOptimizer(optimizer, 'StepLR')`
 */
export function checkOptimizer(optimizer: unknown, scheduler: string): Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new ChainruleError(`${scheduler}: expected an optimizer such as new SGD(...), got ${describeValue(optimizer)}`);
  if (!optimizer.paramGroups.every((g) => typeof lrOf(g) === 'number')) {
    throw new ChainruleError(`${scheduler}: the optimizer's parameter groups have no learning rate lr to schedule`);
  }
  return optimizer;
}

/**
 * `value` if it is a finite number ≥ `min` (and ≤ `max` when given); else throws naming the scheduler and the key.
 * @example `checkNumber('StepLR', 'gamma', 0.1)`
 */
export function checkNumber(scheduler: string, key: string, value: unknown, min = 0, max?: number, minExclusive = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (minExclusive ? value <= min : value < min) || (max !== undefined && value > max)) {
    const range = `${minExclusive ? '>' : '≥'} ${min}${max !== undefined ? ` and ≤ ${max}` : ''}`;
    throw new ChainruleError(`${scheduler}: ${key} must be a finite number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `value` if it is an integer ≥ `min`; else throws naming the scheduler and the key.
 * @example `checkInteger('StepLR', 'stepSize', 30, 1)`
 */
export function checkInteger(scheduler: string, key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ChainruleError(`${scheduler}: ${key} must be an integer ≥ ${min}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `value` as a new array if it is an array of `length` finite numbers ≥ 0; else throws naming the scheduler and the key.
 * @example `checkNumbers('OneCycleLR', 'maxLr', [0.1, 0.01], 2)`
 */
export function checkNumbers(scheduler: string, key: string, value: unknown, length: number): number[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new ChainruleError(`${scheduler}: ${key} must be an array of ${length} number(s), one per parameter group, got ${describeValue(value)}`);
  }
  return value.map((v, i) => checkNumber(scheduler, `${key}[${i}]`, v));
}

/**
 * `value` if it is one of `choices`; else throws naming the scheduler, the key and the choices.
 * @example `checkChoice('ReduceLROnPlateau', 'mode', 'min', ['min', 'max'])`
 */
export function checkChoice<T extends string>(scheduler: string, key: string, value: unknown, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(value)) {
    throw new ChainruleError(`${scheduler}: ${key} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

/**
 * `options` if it is a plain object whose keys are all in `known`; else throws naming the scheduler and the key.
 * @example `checkSchedulerOptions('StepLR', options, ['stepSize', 'gamma'])`
 */
export function checkSchedulerOptions<T extends object>(scheduler: string, options: T, known: readonly string[]): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ChainruleError(`${scheduler}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new ChainruleError(`${scheduler}: unknown option '${key}'; the options are ${known.join(', ')}`);
  }
  return options;
}

/**
 * A state dict's entries after checking that it is an object from `scheduler` with exactly the keys `keys`.
 * @example `readState(state, 'StepLR', ['lastEpoch', 'gamma'], fail)`
 */
export function readState(state: unknown, scheduler: string, keys: readonly string[], fail: (why: string) => never): Record<string, unknown> {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) fail(`expected an object from stateDict(), got ${describeValue(state)}`);
  const s = state as Record<string, unknown>;
  if (s.scheduler !== scheduler) fail(`the state is from ${describeValue(s.scheduler)}, not ${scheduler}`);
  for (const key of keys) if (!(key in s)) fail(`the state has no ${key}`);
  for (const key of Object.keys(s)) if (key !== 'scheduler' && !keys.includes(key)) fail(`unknown key '${key}'`);
  return s;
}

/**
 * Checks every setting of a saved state and returns the function that stores them all.
 * @example `const commit = checkSettings(settings, saved, fail); commit();`
 */
export function checkSettings(settings: Readonly<Record<string, SchedulerSetting>>, saved: Record<string, unknown>, fail: (why: string) => never): () => void {
  const values = Object.entries(settings).map(([key, s]) => [s, guard(() => s.check(saved[key], key), fail)] as const);
  return () => {
    for (const [s, v] of values) s.put(v);
  };
}

/** Runs `check`; a ChainruleError it throws becomes `fail`'s, without the scheduler's name (fail adds its own). */
export function guard<T>(check: () => T, fail: (why: string) => never): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ChainruleError) fail(e.message.replace(/^\w+: /, ''));
    throw e;
  }
}

function copyValue(v: SchedulerStateValue): SchedulerStateValue {
  return Array.isArray(v) ? v.slice() : v;
}

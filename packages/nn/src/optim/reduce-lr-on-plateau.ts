/**
 * ReduceLROnPlateau: the learning rate cut by a factor when a metric stops improving, as PyTorch's.
 * @module
 */
import { ChainruleError, isTensor, sideEffect, type Tensor } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import type { Optimizer } from './optimizer.js';
import {
  checkChoice,
  checkInteger,
  checkNumber,
  checkNumbers,
  checkOptimizer,
  checkSchedulerOptions,
  checkSettings,
  lrOf,
  readState,
  type SchedulerSetting,
  type SchedulerStateDict,
} from './lr-scheduler.js';

/** Options of {@link ReduceLROnPlateau}. @example `{ mode: 'max', factor: 0.5, patience: 3 }` */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): the metric should fall (a loss); `'max'`: it should rise (an accuracy). */
  mode?: 'min' | 'max';
  /** The factor the learning rate is multiplied by (≥ 0 and < 1; default 0.1). */
  factor?: number;
  /** How many epochs without improvement are tolerated; the next one cuts (an integer ≥ 0; default 10). */
  patience?: number;
  /** How much better than the best a metric must be to count (≥ 0; default 1e-4). */
  threshold?: number;
  /** `'rel'` (default): better than best·(1 ∓ threshold); `'abs'`: better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a cut before counting bad epochs again (an integer ≥ 0; default 0). */
  cooldown?: number;
  /** The lowest learning rate: one for every group, or one per group (≥ 0; default 0). */
  minLr?: number | readonly number[];
  /** A cut smaller than eps is not made (≥ 0; default 1e-8). */
  eps?: number;
}

const OPTIONS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];
const NAME = 'ReduceLROnPlateau';

/**
 * Cuts every group's learning rate by `factor` when a metric has not improved for more than
 * `patience` epochs, as PyTorch's `ReduceLROnPlateau`. Call `step(metric)` once per epoch, after
 * `optimizer.step()`, with the metric (a number or a one-element tensor). Each step:
 *
 * ```
 * better = metric < best·(1 − threshold)   (min, rel)    metric < best − threshold   (min, abs)
 *          metric > best·(1 + threshold)   (max, rel)    metric > best + threshold   (max, abs)
 * if better: best ← metric, bad ← 0   else bad ← bad + 1
 * if cooling down: cooldown counter − 1, bad ← 0
 * if bad > patience: for each group η ← max(η·factor, minLr) when that lowers η by more than eps;
 *                    start the cooldown, bad ← 0
 * ```
 *
 * best starts at +∞ (min) or −∞ (max); a NaN metric is never better. Unlike the other schedulers
 * it does not change the learning rate at construction. `getLastLr()` gives the groups' learning
 * rates after the last step (before the first step, the current ones; PyTorch 1.13 has none then).
 * The settings may be changed between steps and are checked when set.
 *
 * @example
 * ```ts
 * const scheduler = new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 2 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); scheduler.step(validationLoss()); }
 * ```
 */
export class ReduceLROnPlateau {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: Optimizer;
  #mode: 'min' | 'max';
  #factor: number;
  #patience: number;
  #threshold: number;
  #thresholdMode: 'rel' | 'abs';
  #cooldown: number;
  #minLrs: number[];
  #eps: number;
  #best: number;
  #numBadEpochs = 0;
  #cooldownCounter = 0;
  #lastEpoch = 0;
  #lastLr: number[];
  readonly #settings: Readonly<Record<string, SchedulerSetting>>;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = checkOptimizer(optimizer, NAME);
    checkSchedulerOptions(NAME, options, OPTIONS);
    const groups = this.optimizer.paramGroups.length;
    this.#mode = checkChoice(NAME, 'mode', options.mode ?? 'min', ['min', 'max']);
    this.#factor = checkFactor(options.factor ?? 0.1, 'factor');
    this.#patience = checkInteger(NAME, 'patience', options.patience ?? 10, 0);
    this.#threshold = checkNumber(NAME, 'threshold', options.threshold ?? 1e-4);
    this.#thresholdMode = checkChoice(NAME, 'thresholdMode', options.thresholdMode ?? 'rel', ['rel', 'abs']);
    this.#cooldown = checkInteger(NAME, 'cooldown', options.cooldown ?? 0, 0);
    const minLr = options.minLr ?? 0;
    this.#minLrs = Array.isArray(minLr) ? checkNumbers(NAME, 'minLr', minLr, groups) : Array.from({ length: groups }, () => checkNumber(NAME, 'minLr', minLr));
    this.#eps = checkNumber(NAME, 'eps', options.eps ?? 1e-8);
    this.#best = this.#worst();
    this.#lastLr = this.optimizer.paramGroups.map(lrOf);
    const num = (get: () => number, put: (v: number) => void, check: (v: unknown, k: string) => number): SchedulerSetting => ({ check, get, put: (v) => put(v as number) });
    this.#settings = Object.freeze({
      mode: { check: (v, k) => checkChoice(NAME, k, v, ['min', 'max']), get: () => this.#mode, put: (v) => (this.#mode = v as 'min' | 'max') },
      factor: num(() => this.#factor, (v) => (this.#factor = v), checkFactor),
      patience: num(() => this.#patience, (v) => (this.#patience = v), (v, k) => checkInteger(NAME, k, v, 0)),
      threshold: num(() => this.#threshold, (v) => (this.#threshold = v), (v, k) => checkNumber(NAME, k, v)),
      thresholdMode: { check: (v, k) => checkChoice(NAME, k, v, ['rel', 'abs']), get: () => this.#thresholdMode, put: (v) => (this.#thresholdMode = v as 'rel' | 'abs') },
      cooldown: num(() => this.#cooldown, (v) => (this.#cooldown = v), (v, k) => checkInteger(NAME, k, v, 0)),
      minLrs: { check: (v, k) => checkNumbers(NAME, k, v, this.optimizer.paramGroups.length), get: () => this.#minLrs.slice(), put: (v) => (this.#minLrs = (v as number[]).slice()) },
      eps: num(() => this.#eps, (v) => (this.#eps = v), (v, k) => checkNumber(NAME, k, v)),
      best: { check: (v, k) => writeNumber(readNumber(v, k)), get: () => writeNumber(this.#best), put: (v) => (this.#best = readNumber(v, 'best')) },
      numBadEpochs: num(() => this.#numBadEpochs, (v) => (this.#numBadEpochs = v), (v, k) => checkInteger(NAME, k, v, 0)),
      cooldownCounter: num(() => this.#cooldownCounter, (v) => (this.#cooldownCounter = v), (v, k) => checkInteger(NAME, k, v, 0)),
      lastEpoch: num(() => this.#lastEpoch, (v) => (this.#lastEpoch = v), (v, k) => checkInteger(NAME, k, v, 0)),
      lastLr: { check: (v, k) => checkNumbers(NAME, k, v, this.optimizer.paramGroups.length), get: () => this.#lastLr.slice(), put: (v) => (this.#lastLr = (v as number[]).slice()) },
    });
  }

  /**
   * One epoch's metric: counts it as an improvement or not and cuts the learning rates after more
   * than `patience` bad epochs. Checks everything before it changes anything.
   * @example `scheduler.step(valLoss)`
   */
  step(metric: number | Tensor): void {
    // in a compiled step, run again at every replay
    sideEffect(`${NAME}.step`, () => {
      let current: number;
      if (typeof metric === 'number') current = metric;
      else if (isTensor(metric) && metric.size === 1) current = metric.item();
      else throw new ChainruleError(`${NAME}.step: metric must be a number or a one-element tensor, got ${isTensor(metric) ? `a tensor of ${metric.size} elements` : describeValue(metric)}`);
      const groups = this.optimizer.paramGroups;
      if (groups.length !== this.#minLrs.length) {
        throw new ChainruleError(`${NAME}.step: the optimizer has ${groups.length} parameter groups but the scheduler was made for ${this.#minLrs.length}; make a new scheduler after addParamGroup`);
      }
      this.#lastEpoch++;
      if (this.#isBetter(current)) {
        this.#best = current;
        this.#numBadEpochs = 0;
      } else {
        this.#numBadEpochs++;
      }
      if (this.#cooldownCounter > 0) {
        this.#cooldownCounter--;
        this.#numBadEpochs = 0; // bad epochs in the cooldown do not count
      }
      if (this.#numBadEpochs > this.#patience) {
        groups.forEach((g, i) => {
          const old = lrOf(g);
          const lr = Math.max(old * this.#factor, this.#minLrs[i]);
          // a finite number ≥ 0 below the old one: the group's setter accepts it
          if (old - lr > this.#eps) (g as unknown as { lr: number }).lr = lr;
        });
        this.#cooldownCounter = this.#cooldown;
        this.#numBadEpochs = 0;
      }
      this.#lastLr = groups.map(lrOf);
    });
  }

  /** The learning rate of each group after the last step. @example `scheduler.getLastLr() // [0.01]` */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** The best metric so far (±Infinity before the first). */
  get best(): number {
    return this.#best;
  }
  /** The number of bad epochs counted since the last improvement or cut. */
  get numBadEpochs(): number {
    return this.#numBadEpochs;
  }
  /** The number of steps taken. */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }
  /** `'min'` or `'max'`; changing it does not reset best. */
  get mode(): 'min' | 'max' {
    return this.#mode;
  }
  set mode(value: 'min' | 'max') {
    this.#set('mode', value);
  }
  /** The factor of a cut (≥ 0 and < 1). */
  get factor(): number {
    return this.#factor;
  }
  set factor(value: number) {
    this.#set('factor', value);
  }
  /** The bad epochs tolerated (an integer ≥ 0). */
  get patience(): number {
    return this.#patience;
  }
  set patience(value: number) {
    this.#set('patience', value);
  }
  /** The improvement threshold (≥ 0). */
  get threshold(): number {
    return this.#threshold;
  }
  set threshold(value: number) {
    this.#set('threshold', value);
  }
  /** `'rel'` or `'abs'`. */
  get thresholdMode(): 'rel' | 'abs' {
    return this.#thresholdMode;
  }
  set thresholdMode(value: 'rel' | 'abs') {
    this.#set('thresholdMode', value);
  }
  /** The epochs of cooldown after a cut (an integer ≥ 0). */
  get cooldown(): number {
    return this.#cooldown;
  }
  set cooldown(value: number) {
    this.#set('cooldown', value);
  }
  /** The lowest learning rate of each group (a copy; assign an array of one per group to change them). */
  get minLrs(): number[] {
    return this.#minLrs.slice();
  }
  set minLrs(value: number[]) {
    this.#set('minLrs', value);
  }
  /** The smallest cut made (≥ 0). */
  get eps(): number {
    return this.#eps;
  }
  set eps(value: number) {
    this.#set('eps', value);
  }

  /**
   * The settings and counters as a plain JSON-serialisable object; `best` is a number, or the
   * string `'Infinity'`/`'-Infinity'`/`'NaN'` (JSON has no such numbers).
   * @example `JSON.stringify(scheduler.stateDict())`
   */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = { scheduler: NAME };
    for (const [key, s] of Object.entries(this.#settings)) {
      const v = s.get();
      out[key] = Array.isArray(v) ? v.slice() : v;
    }
    return out;
  }

  /**
   * Loads a state saved by {@link ReduceLROnPlateau.stateDict}, after checking every key and value;
   * on any error it throws naming the key, and nothing has changed.
   * @example `scheduler.loadStateDict(JSON.parse(saved))`
   */
  loadStateDict(state: SchedulerStateDict): void {
    const fail = (why: string): never => {
      throw new ChainruleError(`${NAME}.loadStateDict: ${why}; nothing was loaded`);
    };
    const s = readState(state, NAME, Object.keys(this.#settings), fail);
    checkSettings(this.#settings, s, fail)();
  }

  #set(key: string, value: unknown): void {
    const s = this.#settings[key];
    s.put(s.check(value, key));
  }

  #worst(): number {
    return this.#mode === 'min' ? Infinity : -Infinity;
  }

  #isBetter(a: number): boolean {
    const best = this.#best, t = this.#threshold;
    if (this.#mode === 'min') return this.#thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.#thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }
}

function checkFactor(value: unknown, key: string): number {
  const v = checkNumber(NAME, key, value);
  if (v >= 1) throw new ChainruleError(`${NAME}: ${key} must be < 1 (a cut), got ${v}`);
  return v;
}

/** A number as a state dict keeps it: itself if finite, else 'Infinity', '-Infinity' or 'NaN'. */
function writeNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function readNumber(v: unknown, key: string): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
  throw new ChainruleError(`${NAME}: ${key} must be a number or 'Infinity', '-Infinity', 'NaN', got ${describeValue(v)}`);
}

/**
 * What {@link SequentialLR} and {@link ChainedScheduler} share: checking the schedulers they hold,
 * loading their states, and changing them all or none.
 * @module
 */
import { ChainruleError } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import type { Optimizer } from './optimizer.js';
import { LRScheduler } from './lr-scheduler.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';

/**
 * `value` as a new array if it is a non-empty array of distinct {@link LRScheduler}s that all
 * belong to `optimizer` (to the first scheduler's when it is undefined) and were made for its
 * parameter groups as they are; else throws naming `name` and the index. A ReduceLROnPlateau is
 * refused by name: it steps with a metric, which neither composite has (PyTorch 1.13 fails on it
 * at the first step or at construction; PyTorch 2 refuses it too).
 * @example `const { schedulers, optimizer } = checkSchedulers('ChainedScheduler', [warmup, decay], undefined)`
 */
export function checkSchedulers(name: string, value: unknown, optimizer: Optimizer | undefined): { schedulers: LRScheduler[]; optimizer: Optimizer } {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ChainruleError(`${name}: schedulers must be a non-empty array of schedulers such as new LinearLR(opt, ...), got ${describeValue(value)}`);
  }
  const schedulers = (value as unknown[]).map((s, i) => {
    if (s instanceof ReduceLROnPlateau) {
      throw new ChainruleError(`${name}: schedulers[${i}] is a ReduceLROnPlateau, which steps with a metric (step(metric)) that ${name} does not have; step it on its own`);
    }
    if (!(s instanceof LRScheduler)) {
      throw new ChainruleError(`${name}: schedulers[${i}] must be a scheduler such as new StepLR(opt, ...) (SequentialLR and ChainedScheduler do not nest), got ${describeValue(s)}`);
    }
    const first = (value as unknown[]).indexOf(s);
    if (first !== i) throw new ChainruleError(`${name}: schedulers[${i}] is schedulers[${first}] again; give each scheduler once`);
    return s;
  });
  const target = optimizer ?? schedulers[0].optimizer;
  schedulers.forEach((s, i) => {
    const kind = s.stateDict().scheduler;
    if (s.optimizer !== target) {
      throw new ChainruleError(`${name}: schedulers[${i}] (${kind}) sets the learning rates of another optimizer than ${optimizer ? 'the one given' : 'schedulers[0]'}; all must belong to one optimizer`);
    }
    const groups = target.paramGroups.length;
    if (s.baseLrs.length !== groups) {
      throw new ChainruleError(`${name}: schedulers[${i}] (${kind}) was made for ${s.baseLrs.length} parameter groups but the optimizer has ${groups}; make the schedulers after addParamGroup`);
    }
  });
  return { schedulers, optimizer: target };
}

/**
 * Runs `change` (which steps or loads `schedulers`); if it throws, puts back the schedulers' states
 * and the values of the optimizer's groups (learning rates, OneCycleLR's momenta), then rethrows:
 * a composite's step or load changes everything or nothing, as every scheduler's does.
 * @example `allOrNothing(opt, schedulers, () => schedulers.forEach((s) => s.step()))`
 */
export function allOrNothing(optimizer: Optimizer, schedulers: readonly LRScheduler[], change: () => void): void {
  const states = schedulers.map((s) => s.stateDict());
  const groups = optimizer.paramGroups as readonly Record<string, unknown>[];
  const values = groups.map((g) => ({ ...g }));
  try {
    change();
  } catch (e) {
    // each value was valid where it was, and the groups are put back whole, so these cannot throw
    groups.forEach((g, i) => {
      for (const [key, v] of Object.entries(values[i])) if (key !== 'params' && !Object.is(g[key], v)) g[key] = v;
    });
    schedulers.forEach((s, i) => s.loadStateDict(states[i]));
    throw e;
  }
}

/**
 * Loads `states[i]` into `schedulers[i]` for every i, all or nothing; a state that does not fit
 * fails through `fail`, naming its index and the scheduler's reason.
 * @example `loadSchedulerStates(opt, schedulers, saved.schedulers, fail)`
 */
export function loadSchedulerStates(optimizer: Optimizer, schedulers: readonly LRScheduler[], states: unknown, fail: (why: string) => never): void {
  if (!Array.isArray(states) || states.length !== schedulers.length) {
    fail(`schedulers must be an array of ${schedulers.length} states, one per scheduler, got ${describeValue(states)}`);
  }
  allOrNothing(optimizer, schedulers, () =>
    schedulers.forEach((s, i) => {
      try {
        s.loadStateDict((states as never[])[i]);
      } catch (e) {
        // the scheduler's message without its own prefix and ending: fail adds the composite's
        if (e instanceof ChainruleError) fail(`schedulers[${i}]: ${e.message.replace(/^[\w.]+: /, '').replace(/; nothing was loaded$/, '')}`);
        throw e;
      }
    }),
  );
}

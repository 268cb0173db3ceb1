// Helpers of the scheduler tests.
import type { LRScheduler, SchedulerStateDict } from '../optim/lr-scheduler.js';
import { Parameter } from '../parameter.js';
import { SGD } from '../optim/sgd.js';

/** A scheduler stepped without a metric (SequentialLR and ChainedScheduler too). */
type Stepped = Pick<LRScheduler, 'optimizer' | 'step' | 'getLastLr'>;
/** A scheduler stepped without a metric, with its state dicts. */
type Resumable = Stepped & Pick<LRScheduler, 'stateDict' | 'loadStateDict'>;

/**
 * The schedule's learning rates (group 0): the one before any step, then one after each of `steps`
 * steps, each after an optimizer step (the right order).
 */
export function lrSequence(s: Stepped, steps: number): number[] {
  const out = [s.getLastLr()[0]];
  for (let t = 0; t < steps; t++) {
    s.optimizer.step();
    s.step();
    out.push(s.getLastLr()[0]);
  }
  return out;
}

/** SGD over one parameter with learning rate `lr`. */
export const sgd = (lr = 0.1): SGD => new SGD([new Parameter([1])], { lr });

/** `steps` optimizer steps each followed by a scheduler step; the learning rates of every group after each. */
export function stepSchedule(s: Stepped, steps: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    s.optimizer.step();
    s.step();
    out.push(s.getLastLr());
  }
  return out;
}

/**
 * A schedule of `total` steps run straight through, and run again with a stop after `stopAt`
 * steps: the optimizer's and the scheduler's states through JSON, everything made afresh by `make`
 * (the optimizer is the scheduler's), the states loaded, then the remaining steps. The learning
 * rates of both runs and the schedulers' final states, which a faithful resume makes equal.
 */
export function straightAndResumed(make: () => Resumable, stopAt: number, total: number): { straight: number[][]; resumed: number[][]; states: SchedulerStateDict[] } {
  const a = make();
  const straight = stepSchedule(a, total);
  const b = make();
  const before = stepSchedule(b, stopAt);
  const saved = JSON.parse(JSON.stringify({ opt: b.optimizer.stateDict(), sched: b.stateDict() }));
  const c = make();
  c.optimizer.loadStateDict(saved.opt);
  c.loadStateDict(saved.sched);
  return { straight, resumed: [...before, ...stepSchedule(c, total - stopAt)], states: [a.stateDict(), c.stateDict()] };
}

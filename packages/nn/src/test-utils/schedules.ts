// Helpers of the scheduler tests.
import type { LRScheduler } from '../optim/lr-scheduler.js';
import { Parameter } from '../parameter.js';
import { SGD } from '../optim/sgd.js';

/**
 * The schedule's learning rates (group 0): the one before any step, then one after each of `steps`
 * steps, each after an optimizer step (the right order).
 */
export function lrSequence(s: LRScheduler, steps: number): number[] {
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

/**
 * One optimisation step, the inner loop of every example's training (`trainStep` of iris and the
 * autoencoder; the benchmark can time exactly what the examples run).
 * @module
 */
import type { Tensor } from '@chainrule/core';
import type { Module, Optimizer, TrainingLoss } from '@chainrule/nn';

/**
 * One step on a batch, PyTorch's five lines: clear the gradients, forward, loss, backward, update.
 * Returns the batch's loss (before the update).
 * @example
 * ```ts
 * for (const [x, y] of loader) trainStep(model, optimizer, lossFn, x, y); // a classifier
 * for (const [x] of loader) trainStep(autoencoder, optimizer, lossFn, x, x); // an autoencoder
 * ```
 */
export function trainStep(model: Module, optimizer: Optimizer, lossFn: TrainingLoss, x: Tensor, target: Tensor): number {
  optimizer.zeroGrad();
  const loss = lossFn.forward(model.forward(x), target);
  loss.backward();
  optimizer.step();
  return loss.item();
}

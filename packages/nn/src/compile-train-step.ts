/**
 * The usual training step, compiled: nn's convenient form of core's `compile`.
 * @module
 */
import { compile, type CompiledStep, type CompileOptions, type Tensor } from '@chainrule/core';
import { clipGradNorm_ } from './clip-grad.js';
import type { Module } from './module.js';
import type { Optimizer } from './optim/optimizer.js';

/** A loss module or function object: `forward(prediction, target)` gives a scalar tensor. @example `new CrossEntropyLoss()` */
export interface TrainingLoss {
  forward(prediction: Tensor, target: Tensor): Tensor;
}

/** Options of {@link compileTrainStep}: core's {@link CompileOptions}, and gradient clipping. @example `{ clipGradNorm: 1 }` */
export interface CompileTrainStepOptions extends CompileOptions {
  /** Clip the gradients' total 2-norm to this before each update (`clipGradNorm_`); none by default. */
  clipGradNorm?: number;
}

/**
 * PyTorch's five lines of a training step (clear the gradients, forward, loss, backward, update),
 * as one compiled step `(x, target) => loss`: the first call with a batch shape runs it eagerly
 * and records it, later calls replay it (see `compile` in core for the rules). The loss returned is
 * the batch's, before the update, as a fresh scalar tensor; read it with `.item()`.
 *
 * Equivalent to `compile((x, y) => { optimizer.zeroGrad(); const loss = lossFn.forward(model.forward(x), y);
 * loss.backward(); optimizer.step(); return loss; })`, bit for bit; learning-rate schedules stepped
 * between calls are seen, and dropout draws afresh. Switching the model with `train()`/`eval()`
 * makes the next call trace again.
 * @example
 * ```ts
 * const step = compileTrainStep(model, new CrossEntropyLoss(), new AdamW(model.parameters(), { lr: 1e-3 }));
 * for (const [x, y] of loader) console.log(step(x, y).item());
 * ```
 */
export function compileTrainStep(model: Module, lossFn: TrainingLoss, optimizer: Optimizer, options: CompileTrainStepOptions = {}): CompiledStep<[Tensor, Tensor], Tensor> {
  const { clipGradNorm, ...compileOptions } = options;
  if (clipGradNorm !== undefined && !(typeof clipGradNorm === 'number' && clipGradNorm >= 0)) {
    throw new TypeError(`compileTrainStep: clipGradNorm must be a number ≥ 0, got ${String(clipGradNorm)}`);
  }
  const parameters = model.parameters();
  return compile((x: Tensor, target: Tensor) => {
    optimizer.zeroGrad();
    const loss = lossFn.forward(model.forward(x), target);
    loss.backward();
    if (clipGradNorm !== undefined) clipGradNorm_(parameters, clipGradNorm);
    optimizer.step();
    return loss;
  }, compileOptions);
}

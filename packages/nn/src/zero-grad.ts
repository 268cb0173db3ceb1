/**
 * The one meaning of `zeroGrad` in nn, shared by `Module.zeroGrad` and `Optimizer.zeroGrad`.
 * @module
 */
import { ChainruleError, isTensor, sideEffect, zerosLike, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';

/**
 * Clears the gradients of `params` (`label(i)` names parameter i in errors) with PyTorch 2's `zero_grad` meaning:
 *
 * - by default (`setToNone: true`) each `.grad` becomes null: no zero-filled buffer is kept, and
 *   the next backward writes a fresh gradient instead of adding to zeros;
 * - with `{ setToNone: false }` each gradient is zeroed in place and stops requiring grad; one that
 *   has a graph of its own (from `backward({ createGraph: true })`) is replaced by detached zeros,
 *   as PyTorch detaches it before zeroing.
 *
 * Options and every gradient are checked before any is cleared.
 * @example
 * ```ts
 * zeroGrads(net.parameters(), { setToNone: false }, 'Module.zeroGrad', (i) => `params[${i}]`);
 * ```
 */
export function zeroGrads(params: readonly Tensor[], options: { setToNone?: boolean }, where: string, label: (index: number) => string): void {
  sideEffect(where, () => clearGrads(params, options, where, label)); // in a compiled step, run again at every replay
}

function clearGrads(params: readonly Tensor[], options: { setToNone?: boolean }, where: string, label: (index: number) => string): void {
  // Optimizers call this every step, mostly with the default options: that case checks nothing.
  if (options !== NO_OPTIONS) checkOptions(options, where);
  if (options.setToNone ?? true) {
    for (let i = 0; i < params.length; i++) params[i].grad = null;
    return;
  }
  for (let i = 0; i < params.length; i++) {
    const g: unknown = params[i].grad;
    if (g !== null && !isTensor(g)) {
      throw new ChainruleError(`${where}: ${label(i)}: .grad must be a Tensor or null, got ${describeValue(g)}; no gradient was cleared`);
    }
  }
  for (const p of params) {
    const g = p.grad;
    if (g === null) continue;
    if (g.gradFn !== null) {
      p.grad = zerosLike(g);
    } else {
      if (g.requiresGrad) g.requiresGrad = false;
      g.fill_(0);
    }
  }
}

/** The default options object of every `zeroGrad`, shared so that the common call allocates and checks nothing. */
export const NO_OPTIONS: { setToNone?: boolean } = Object.freeze({});

function checkOptions(options: { setToNone?: boolean }, where: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ChainruleError(`${where}: options must be an object such as { setToNone: false }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'setToNone') throw new ChainruleError(`${where}: unknown option '${key}'; the only option is setToNone`);
  }
  if (options.setToNone !== undefined && typeof options.setToNone !== 'boolean') {
    throw new ChainruleError(`${where}: setToNone must be true or false, got ${describeValue(options.setToNone)}`);
  }
}

/**
 * Checking an options object: the layers, losses and init functions of nn refuse a misspelt option
 * instead of silently using its default.
 * @module
 */
import { ChainruleError } from '@chainrule/core';
import { describeValue } from './describe-value.js';

/**
 * Throws unless `options` is a plain object whose keys are all in `allowed`; `where` starts the message.
 * @example
 * ```ts
 * checkOptions({ eps: 1e-5 }, ['eps', 'momentum'], 'BatchNorm1d'); // passes
 * checkOptions({ epsilon: 1 }, ['eps'], 'LayerNorm'); // throws: LayerNorm: unknown option 'epsilon'; the options are eps
 * ```
 */
export function checkOptions(options: unknown, allowed: readonly string[], where: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ChainruleError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new ChainruleError(`${where}: unknown option '${key}'; the options are ${allowed.join(', ')}`);
  }
}

/**
 * A constant the gradient rules need: zeros with a tensor's shape and dtype. An op (not a factory
 * from create.ts) so that the op files import nothing outside the method surface.
 * @module
 */
import { allocBuffer } from '../dtype.js';
import { defineOp } from '../op.js';

/** Zeros with the shape and dtype of `x` (no gradient: a constant). Not exported from the package. */
export const zerosOf = defineOp({
  name: 'zerosLike',
  inputs: ['x'],
  forward: (_ctx, x) => ({ buffer: allocBuffer(x.dtype, x.size), shape: x.shape }),
});

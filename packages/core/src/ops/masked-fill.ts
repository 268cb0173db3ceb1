/**
 * maskedFill: a value written where a mask is set (PyTorch's `masked_fill`, out of place).
 * @module
 */
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { ChainruleError } from '../errors.js';
import { zip } from '../kernels/elementwise.js';

/**
 * `x` with `value` wherever `mask` is non-zero (PyTorch's `masked_fill`; chainrule has no bool
 * dtype, so a mask is any tensor, true where non-zero, like `where`'s condition). `x` and `mask`
 * broadcast together, as in PyTorch's out-of-place `masked_fill`.
 *
 * d maskedFill(x) = dx where the mask is zero, 0 where it is set (`value` is a number: no gradient)
 *
 * NOTE: masked positions get exactly 0 gradient even when the incoming gradient is NaN or
 * infinite there (the rule fills, it does not multiply by 0), as PyTorch's masked_fill rule does.
 * @example
 * ```ts
 * maskedFill(tensor([1, 2, 3]), [0, 1, 0], -Infinity).toArray(); // [1, -Infinity, 3]
 * ```
 */
export const maskedFill: OpFunction<['x', 'mask'], number> = defineOp({
  name: 'maskedFill',
  inputs: ['x', 'mask'],
  forward(ctx: OpContext<number>, x, mask) {
    const value = ctx.params;
    if (typeof value !== 'number') throw new ChainruleError(`maskedFill: value must be a number, got ${value === null ? 'null' : typeof value}`);
    ctx.save(mask);
    return zip(x, mask, (v, m) => (m !== 0 ? value : v), 'maskedFill');
  },
  backward: { x: (ctx, grad) => maskedFill(grad, ctx.saved[0], 0) },
});

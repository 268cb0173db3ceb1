/**
 * Comparisons (not differentiable), and the ops that select between values: where, maximum,
 * minimum, clamp.
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { map, zip, zip3 } from '../kernels/elementwise.js';

function comparison(name: string, test: (x: number, y: number) => boolean) {
  return defineOp({
    name,
    inputs: ['a', 'b'],
    forward: (_ctx, a, b) => zip(a, b, (x, y) => (test(x, y) ? 1 : 0), name),
  });
}

/** Elementwise `a > b` as 1 or 0, broadcasting; never requires grad. @example `gt(tensor([1, 3]), 2) // [0, 1]` */
export const gt = comparison('gt', (x, y) => x > y);
/** Elementwise `a >= b` as 1 or 0, broadcasting. @example `ge(tensor([1, 2]), 2) // [0, 1]` */
export const ge = comparison('ge', (x, y) => x >= y);
/** Elementwise `a < b` as 1 or 0, broadcasting. @example `lt(tensor([1, 3]), 2) // [1, 0]` */
export const lt = comparison('lt', (x, y) => x < y);
/** Elementwise `a <= b` as 1 or 0, broadcasting. @example `le(tensor([2, 3]), 2) // [1, 0]` */
export const le = comparison('le', (x, y) => x <= y);
/** Elementwise `a == b` as 1 or 0, broadcasting. @example `eq(tensor([2, 3]), 2) // [1, 0]` */
export const eq = comparison('eq', (x, y) => x === y);
/** Elementwise `a != b` as 1 or 0, broadcasting. @example `ne(tensor([2, 3]), 2) // [0, 1]` */
export const ne = comparison('ne', (x, y) => x !== y);

/**
 * Elementwise selection: `a` where `condition` is non-zero, else `b`; all three broadcast.
 *
 * d where(c, a, b) = [c] da + [not c] db (no gradient for the condition)
 * @example
 * ```ts
 * where(tensor([1, 0]), tensor([1, 2]), tensor([9, 9])).toArray(); // [1, 9]
 * ```
 */
export const where = defineOp({
  name: 'where',
  inputs: ['condition', 'a', 'b'],
  forward(ctx, condition, a, b) {
    ctx.save(condition);
    return zip3(condition, a, b, (c, x, y) => (c !== 0 ? x : y), 'where');
  },
  backward: {
    a: (ctx, grad) => grad.mul(ctx.saved[0].ne(0)),
    b: (ctx, grad) => grad.mul(ctx.saved[0].eq(0)),
  },
});

/**
 * The share of the gradient that goes to `a` in maximum (`kind` 'max') or minimum: 1 where `a` wins,
 * ½ on ties, 0 where it loses, and 1 where the two are unordered (a NaN on either side), as PyTorch's
 * rule `where(a == b, g/2, g).masked_fill(a < b, 0)` gives: a NaN lets the gradient through to both.
 */
const winnerShare = defineOp({
  name: 'winnerShare',
  inputs: ['a', 'b'],
  forward: (ctx: OpContext<'max' | 'min'>, a, b) =>
    ctx.params === 'max'
      ? zip(a, b, (x, y) => (x < y ? 0 : x === y ? 0.5 : 1), 'maximum')
      : zip(a, b, (x, y) => (x > y ? 0 : x === y ? 0.5 : 1), 'minimum'),
});

/**
 * Elementwise maximum, broadcasting (NaN if either is NaN).
 *
 * d max(a, b) = [a > b] da + [b > a] db
 *
 * NOTE: at ties a = b the gradient is split evenly, ½ to each, and where either is NaN it goes to
 * both, as PyTorch does for `maximum`.
 * @example
 * ```ts
 * maximum(tensor([1, 5]), tensor([3, 2])).toArray(); // [3, 5]
 * ```
 */
export const maximum = defineOp({
  name: 'maximum',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return zip(a, b, (x, y) => (x > y || x !== x ? x : y), 'maximum');
  },
  backward: {
    a: (ctx, grad) => grad.mul(winnerShare(ctx.saved[0], ctx.saved[1], 'max')),
    b: (ctx, grad) => grad.mul(winnerShare(ctx.saved[1], ctx.saved[0], 'max')),
  },
});

/**
 * Elementwise minimum, broadcasting (NaN if either is NaN).
 *
 * d min(a, b) = [a < b] da + [b < a] db
 *
 * NOTE: at ties the gradient is split evenly, ½ to each; where either is NaN it goes to both.
 * @example
 * ```ts
 * minimum(tensor([1, 5]), tensor([3, 2])).toArray(); // [1, 2]
 * ```
 */
export const minimum = defineOp({
  name: 'minimum',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return zip(a, b, (x, y) => (x < y || x !== x ? x : y), 'minimum');
  },
  backward: {
    a: (ctx, grad) => grad.mul(winnerShare(ctx.saved[0], ctx.saved[1], 'min')),
    b: (ctx, grad) => grad.mul(winnerShare(ctx.saved[1], ctx.saved[0], 'min')),
  },
});

/** The bounds of {@link clamp}; either may be left out. */
export interface ClampOptions {
  min?: number;
  max?: number;
}

/**
 * Limits every element to `[min, max]` (either bound may be left out).
 *
 * d clamp(x) = [min ≤ x ≤ max] dx
 *
 * NOTE: at a bound itself the gradient is 1 (the bounds are inside the interval), as in PyTorch.
 * @example
 * ```ts
 * clamp(tensor([-2, 0.5, 3]), { min: 0, max: 1 }).toArray(); // [0, 0.5, 1]
 * ```
 */
export const clamp = defineOp({
  name: 'clamp',
  inputs: ['x'],
  forward(ctx: OpContext<ClampOptions | undefined>, x) {
    const { min, max } = clampBounds(ctx.params);
    ctx.save(x);
    return map(x, (v) => (v < min ? min : v > max ? max : v));
  },
  backward: {
    x: (ctx, grad) => {
      const { min, max } = clampBounds(ctx.params);
      return grad.mul(insideMask(ctx.saved[0], { min, max }));
    },
  },
});

/** 1 where min ≤ x ≤ max, else 0 (clamp's derivative). */
const insideMask = defineOp({
  name: 'clampMask',
  inputs: ['x'],
  forward: (ctx: OpContext<{ min: number; max: number }>, x) => {
    const { min, max } = ctx.params;
    return map(x, (v) => (v >= min && v <= max ? 1 : 0));
  },
});

function clampBounds(options: ClampOptions | undefined): { min: number; max: number } {
  const min = options?.min ?? -Infinity;
  const max = options?.max ?? Infinity;
  if (typeof min !== 'number' || typeof max !== 'number' || Number.isNaN(min) || Number.isNaN(max) || min > max) {
    throw new ChainruleError(`clamp: expected numbers min <= max, got min ${String(min)} and max ${String(max)}`);
  }
  return { min, max };
}

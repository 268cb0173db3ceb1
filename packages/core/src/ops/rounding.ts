/**
 * Rounding to integers: floor, ceil, round (half to even, with optional decimals). Piecewise
 * constant, so their gradient is zero everywhere (PyTorch's choice too; the jumps have none).
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { map } from '../kernels/elementwise.js';
import { zerosOf } from './zeros-of.js';
import type { Tensor } from '../tensor.js';

/**
 * The zero gradient of a piecewise-constant op: zeros of the input's shape, even where the
 * incoming gradient is NaN or infinite (grad·0 would be NaN there), as PyTorch's `zeros_like(grad)`.
 */
function zeroGradient(ctx: OpContext<unknown>): Tensor {
  return zerosOf(ctx.inputs[0]);
}

/**
 * Elementwise largest integer ≤ x (±Infinity and NaN unchanged, −0.5 → −1).
 *
 * d floor x = 0 (its result still requires grad when x does, so it can sit inside a graph, as in
 * PyTorch)
 * @example
 * ```ts
 * floor(tensor([1.5, -1.5, 2])).toArray(); // [1, -2, 2]
 * ```
 */
export const floor = defineOp({
  name: 'floor',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, Math.floor),
  backward: { x: zeroGradient },
});

/**
 * Elementwise smallest integer ≥ x (−0.5 → −0).
 *
 * d ceil x = 0
 * @example
 * ```ts
 * ceil(tensor([1.5, -1.5, 2])).toArray(); // [2, -1, 2]
 * ```
 */
export const ceil = defineOp({
  name: 'ceil',
  inputs: ['x'],
  forward: (_ctx, x) => map(x, Math.ceil),
  backward: { x: zeroGradient },
});

/**
 * Options of {@link round}: round to `decimals` decimal places (negative: to tens, hundreds, ...).
 * @example
 * ```ts
 * round(x, { decimals: 2 });
 * ```
 */
export interface RoundOptions {
  decimals?: number;
}

/**
 * Elementwise rounding to the nearest integer, ties to even (as `torch.round` and NumPy: 0.5 → 0,
 * 1.5 → 2, 2.5 → 2, −0.5 → −0), or to `decimals` places as PyTorch computes it:
 * round(x · 10^d) / 10^d (for d < 0: round(x / 10^−d) · 10^−d).
 *
 * d round x = 0
 *
 * NOTE: `Math.round` rounds ties up (2.5 → 3, −2.5 → −2), which is not this. With decimals, x · 10^d
 * is itself rounded first, as in PyTorch: 2.675 is 2.67499999999999982 as a double, but 2.675 · 100
 * rounds to 267.5, a tie, so 2.675 to 2 places is 2.68.
 * @example
 * ```ts
 * round(tensor([0.5, 1.5, 2.5, -2.5])).toArray(); // [0, 2, 2, -2]
 * round(tensor([1.2345]), { decimals: 2 }).toArray(); // [1.23]
 * ```
 */
export const round = defineOp({
  name: 'round',
  inputs: ['x'],
  forward(ctx: OpContext<RoundOptions | undefined>, x) {
    const d = ctx.params?.decimals ?? 0;
    if (!Number.isInteger(d)) throw new ChainruleError(`round: decimals must be an integer, got ${String(d)}`);
    if (d === 0) return map(x, roundHalfEven);
    const scale = Math.pow(10, Math.abs(d));
    return d > 0 ? map(x, (v) => roundHalfEven(v * scale) / scale) : map(x, (v) => roundHalfEven(v / scale) * scale);
  },
  backward: { x: zeroGradient },
});

/** The nearest integer, ties to even (C's `nearbyint` in the default rounding mode). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +Infinity; r − v is exact (both within 0.5 of each other)
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Reductions: sum, mean, max, min over all elements or given axes, with keepdims.
 * @module
 */
import { defineOp, type OpContext } from '../op.js';
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxes, shapesEqual } from '../shape.js';
import { Tensor, asTensor, type TensorLike } from '../tensor.js';
import { dropAxes, reduce, type Reduction } from '../kernels/reduce.js';

/**
 * Which axes to reduce (all when left out; negative counts from the end), and whether to keep them as size 1.
 * @example
 * ```ts
 * sum(x, { axes: [0, -1], keepdims: true });
 * ```
 */
export interface ReduceOptions {
  axes?: number | readonly number[];
  keepdims?: boolean;
}

type ReduceCtx = OpContext<ReduceOptions | undefined>;

/** Runs the kernel and drops the reduced axes unless keepdims. */
function reduceForward(ctx: ReduceCtx, x: Tensor, kind: Reduction, name: string) {
  const axes = normalizeAxes(ctx.params?.axes, x.ndim, name);
  if (kind !== 'sum' && x.size === 0 && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${name}: cannot reduce over an empty axis of a tensor of shape ${fmtShape(x.shape)}; ${name} of no elements is undefined`);
  }
  const kept = reduce(x, axes, kind);
  if (ctx.params?.keepdims) return kept;
  return { buffer: kept.buffer, shape: dropAxes(x.shape, axes) };
}

/** The gradient of a reduced result, reshaped with the reduced axes as size 1 so it broadcasts over x. */
function keptGrad(grad: Tensor, x: Tensor, params: ReduceOptions | undefined, name: string): Tensor {
  const axes = normalizeAxes(params?.axes, x.ndim, name);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return shapesEqual(grad.shape, kept) ? grad : grad.reshape(kept);
}

/**
 * Sum over all elements, or over `axes`; `keepdims` keeps reduced axes as size 1.
 *
 * d Σx = Σ dx: each element receives the gradient of its sum
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), { axes: 0 }).toArray(); // [4, 6]
 * ```
 */
export const sum = defineOp({
  name: 'sum',
  inputs: ['x'],
  forward: (ctx: ReduceCtx, x) => reduceForward(ctx, x, 'sum', 'sum'),
  backward: {
    // a sum of everything has a one-element gradient that broadcasts as it is (no axes to work out)
    x: (ctx, grad) => (ctx.params?.axes === undefined && !ctx.params?.keepdims ? grad : keptGrad(grad, ctx.inputs[0], ctx.params, 'sum')).expand(ctx.inputs[0].shape),
  },
});

/**
 * Mean over all elements, or over `axes` (sum divided by the number of elements reduced).
 *
 * d mean(x) = Σ dx / n
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]]), { axes: 1 }).toArray(); // [1.5, 3.5]
 * ```
 */
export function mean(x: TensorLike, options?: ReduceOptions): Tensor {
  const t = asTensor(x);
  const axes = normalizeAxes(options?.axes, t.ndim, 'mean');
  const count = axes.reduce((n, a) => n * t.shape[a], 1);
  return sum(t, options).div(count);
}

function extremum(kind: 'max' | 'min') {
  return defineOp({
    name: kind,
    inputs: ['x'],
    forward(ctx: ReduceCtx, x) {
      const out = reduceForward(ctx, x, kind, kind);
      ctx.save(x);
      return out;
    },
    // d max(x) = dx at the maximum. NOTE: ties share the gradient evenly (as PyTorch's amax and JAX
    // do); where the slice holds a NaN (so the result is NaN) no element equals it, and every
    // gradient of that slice is 0/0 = NaN, as amax gives.
    backward: {
      x: (ctx, grad) => {
        const [x] = ctx.saved;
        const out = kind === 'max' ? x.max(ctx.params?.axes, true) : x.min(ctx.params?.axes, true);
        const winners = x.eq(out);
        const count = winners.sum(normalizeAxes(ctx.params?.axes, x.ndim, kind), true);
        return keptGrad(grad, x, ctx.params, kind).mul(winners.div(count));
      },
    },
  });
}

/**
 * Maximum over all elements, or over `axes` (NaN if any reduced element is NaN).
 *
 * d max(x) = dx at the largest element; tied largest elements share it evenly.
 * @example
 * ```ts
 * max(tensor([[1, 5], [3, 2]]), { axes: 1 }).toArray(); // [5, 3]
 * ```
 */
export const max = extremum('max');

/**
 * Minimum over all elements, or over `axes` (NaN if any reduced element is NaN).
 *
 * d min(x) = dx at the smallest element; tied smallest elements share it evenly.
 * @example
 * ```ts
 * min(tensor([[1, 5], [3, 2]]), { axes: 0 }).toArray(); // [1, 2]
 * ```
 */
export const min = extremum('min');

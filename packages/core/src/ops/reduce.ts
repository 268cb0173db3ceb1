/**
 * Reductions: sum, mean, max, min over all elements or given axes, with keepdims.
 * @module
 */
import { defineOp, type OpContext, type Gradients } from '../op.js';
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxes, shapesEqual } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { dropAxes, reduce, type Reduction } from '../kernels/reduce.js';
import { div, mul } from './arithmetic.js';
import { eq } from './select.js';
import { expand, reshape } from './layout.js';

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
function reduceForward(ctx: ReduceCtx, x: Tensor, kind: Reduction, name: string): Tensor {
  const axes = normalizeAxes(ctx.params?.axes, x.ndim, name);
  if (kind !== 'sum' && axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${name}: cannot reduce over an empty axis of a tensor of shape ${fmtShape(x.shape)}; ${name} of no elements is undefined`);
  }
  const kept = reduce(x, axes, kind);
  if (ctx.params?.keepdims) return kept;
  return new Tensor(kept.buffer, dropAxes(x.shape, axes));
}

/** The gradient of a reduced result, reshaped with the reduced axes as size 1 so it broadcasts over x. */
function keptGrad(grad: Tensor, x: Tensor, params: ReduceOptions | undefined, name: string): Tensor {
  const axes = normalizeAxes(params?.axes, x.ndim, name);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return shapesEqual(grad.shape, kept) ? grad : reshape(grad, kept);
}

const sumOp = defineOp({
  name: 'sum',
  inputs: ['x'],
  forward: (ctx: ReduceCtx, x) => reduceForward(ctx, x, 'sum', 'sum'),
  // d Σx = Σ dx: each element receives the gradient of its sum
  backward: (ctx, grad): Gradients => [expand(keptGrad(grad, ctx.inputs[0], ctx.params, 'sum'), ctx.inputs[0].shape)],
});

/**
 * Sum over all elements, or over `axes`; `keepdims` keeps reduced axes as size 1.
 *
 * d Σx = Σ dx
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]), { axes: 0 }).toArray(); // [4, 6]
 * ```
 */
export function sum(x: TensorLike, options?: ReduceOptions): Tensor {
  return sumOp(x, options);
}

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
  const t = x instanceof Tensor ? x : tensor(x);
  const axes = normalizeAxes(options?.axes, t.ndim, 'mean');
  const count = axes.reduce((n, a) => n * t.shape[a], 1);
  return div(sumOp(t, options), count);
}

function extremum(kind: 'max' | 'min') {
  return defineOp({
    name: kind,
    inputs: ['x'],
    forward(ctx: ReduceCtx, x) {
      const out = reduceForward(ctx, x, kind, kind);
      ctx.save(x, out);
      return out;
    },
    // d max(x) = dx at the maximum. NOTE: ties share the gradient evenly (as PyTorch's amax and JAX do).
    backward(ctx, grad): Gradients {
      const [x, out] = ctx.saved;
      const winners = eq(x, keptGrad(out, x, ctx.params, kind));
      const count = sumOp(winners, { axes: normalizeAxes(ctx.params?.axes, x.ndim, kind), keepdims: true });
      return [mul(keptGrad(grad, x, ctx.params, kind), div(winners, count))];
    },
  });
}
const maxOp = extremum('max');
const minOp = extremum('min');

/**
 * Maximum over all elements, or over `axes` (NaN if any reduced element is NaN).
 *
 * d max(x) = dx at the largest element; tied largest elements share it evenly.
 * @example
 * ```ts
 * max(tensor([[1, 5], [3, 2]]), { axes: 1 }).toArray(); // [5, 3]
 * ```
 */
export function max(x: TensorLike, options?: ReduceOptions): Tensor {
  return maxOp(x, options);
}

/**
 * Minimum over all elements, or over `axes` (NaN if any reduced element is NaN).
 *
 * d min(x) = dx at the smallest element; tied smallest elements share it evenly.
 * @example
 * ```ts
 * min(tensor([[1, 5], [3, 2]]), { axes: 0 }).toArray(); // [1, 2]
 * ```
 */
export function min(x: TensorLike, options?: ReduceOptions): Tensor {
  return minOp(x, options);
}

/**
 * Sorting along an axis: argsort (the permutation, not differentiable), and sort and topk, whose
 * values are `gather(x, indices)`: differentiable by gather's rule, each gradient going back to the
 * element the value was read from.
 *
 * Order, as PyTorch's: NaN sorts above every number (last ascending, first descending; topk
 * counts it as the largest), -0 and 0 are equal. Every sort here is stable: equal elements keep
 * their input order, whatever `stable` says (PyTorch leaves the order of ties unspecified unless
 * `stable: true`, so a stable sort is always a correct answer).
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { allocBuffer } from '../dtype.js';
import { defineOp, type OpContext } from '../op.js';
import { normalizeAxis } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { argsortKernel } from '../kernels/sort.js';
import { checkIndexDType } from './index-rule.js';
import type { ValuesAndIndices } from './search.js';

/**
 * How to sort: along `axis` (default -1, the last), ascending unless `descending`. `stable` is
 * accepted for PyTorch's signature; chainrule's sort is always stable.
 * @example
 * ```ts
 * sort(x, { axis: 0, descending: true });
 * ```
 */
export interface SortOptions {
  axis?: number;
  descending?: boolean;
  stable?: boolean;
}

/**
 * The positions that sort `x` along `axis` (PyTorch's `argsort`): out[..., k, ...] is the position
 * of the k-th smallest element (largest with `descending`). Not differentiable.
 *
 * NOTE: NaN sorts above every number; ties keep their input order (a stable sort).
 * @example
 * ```ts
 * argsort(tensor([3, 1, 2])).toArray();                       // [1, 2, 0]
 * argsort(tensor([3, NaN, 2]), { descending: true }).toArray(); // [1, 0, 2]
 * ```
 */
export const argsort = defineOp({
  name: 'argsort',
  inputs: ['x'],
  forward(ctx: OpContext<SortOptions | undefined>, x) {
    // a scalar is one element along its one implicit axis, as in PyTorch
    const a = normalizeAxis(ctx.params?.axis ?? -1, Math.max(x.ndim, 1), 'argsort');
    if (x.ndim === 0) return { buffer: allocBuffer(x.dtype, 1), shape: x.shape };
    checkIndexDType('argsort', x.dtype, x.shape[a]);
    return argsortKernel(x, a, ctx.params?.descending === true);
  },
});

/**
 * `x` sorted along `axis` (default the last), with the positions the values came from (PyTorch's
 * `torch.sort`). The values are `gather(x, indices)`.
 *
 * d values = each gradient sent back to the position its value came from
 *
 * NOTE: NaN sorts last (first when descending); ties keep their input order.
 * @example
 * ```ts
 * const { values, indices } = sort(tensor([3, 1, 2]), { descending: true });
 * values.toArray(); indices.toArray(); // [3, 2, 1], [0, 2, 1]
 * ```
 */
export function sort(x: TensorLike, options: SortOptions = {}): ValuesAndIndices {
  const t = x instanceof Tensor ? x : tensor(x);
  const indices = argsort(t, options);
  return { values: t.gather(t.ndim === 0 ? 0 : (options.axis ?? -1), indices), indices };
}

/**
 * Which `k` elements {@link topk} returns: along `axis` (default -1), the largest (default) or the
 * smallest; `sorted` is accepted for PyTorch's signature and the result is always sorted.
 * @example
 * ```ts
 * topk(x, 3, { axis: 0, largest: false });
 * ```
 */
export interface TopkOptions {
  axis?: number;
  largest?: boolean;
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) elements along `axis` and their positions (PyTorch's `torch.topk`),
 * largest first (smallest first with `largest: false`). The values are `gather(x, indices)`.
 *
 * d values = each gradient sent back to the position its value came from
 *
 * NOTE: NaN counts as larger than every number, as in PyTorch; among tied elements the earlier
 * position comes first. The result is sorted even with `sorted: false` (PyTorch then leaves the
 * order unspecified, so sorted is one correct answer).
 * @example
 * ```ts
 * const { values, indices } = topk(tensor([1, 4, 2, 8]), 2);
 * values.toArray(); indices.toArray(); // [8, 4], [3, 1]
 * ```
 */
export function topk(x: TensorLike, k: number, options: TopkOptions = {}): ValuesAndIndices {
  const t = x instanceof Tensor ? x : tensor(x);
  const a = normalizeAxis(options.axis ?? -1, Math.max(t.ndim, 1), 'topk');
  const n = t.ndim === 0 ? 1 : t.shape[a];
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > n) {
    throw new ShapeError(`topk: k = ${String(k)} is out of range for axis ${options.axis ?? -1} of size ${n} (input of shape ${fmtShape(t.shape)}); expected an integer in [0, ${n}]`);
  }
  const largest = options.largest !== false;
  const order = argsort(t, { axis: a, descending: largest });
  if (t.ndim === 0) {
    if (k === 1) return { values: t.gather(0, order), indices: order };
    return { values: t.reshape([1]).slice(0, 0, 0), indices: order.reshape([1]).slice(0, 0, 0) };
  }
  const indices = k === n ? order : order.slice(a, 0, k);
  return { values: t.gather(a, indices), indices };
}

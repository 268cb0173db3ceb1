/**
 * Search along an axis: argmax and argmin (positions, not differentiable), and PyTorch's
 * `max(dim)`/`min(dim)` as maxWithIndices/minWithIndices, which return the values with their
 * positions. Positions follow chainrule's rule for index tensors (ops/index-rule.ts): whole numbers
 * in the input's dtype.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { allocBuffer } from '../dtype.js';
import { defineOp, type OpContext } from '../op.js';
import { frozenShape, normalizeAxis } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { argExtremeKernel } from '../kernels/sort.js';
import { checkIndexDType } from './index-rule.js';

/**
 * The axis to search along (all elements, flattened, when left out) and whether to keep it as size 1.
 * @example
 * ```ts
 * argmax(x, { axis: 1, keepdims: true });
 * ```
 */
export interface ArgOptions {
  axis?: number;
  keepdims?: boolean;
}

/**
 * Values and their positions along an axis, as PyTorch's `torch.return_types` (max, min, sort, topk).
 * @example
 * ```ts
 * const { values, indices } = x.sort();
 * ```
 */
export interface ValuesAndIndices {
  /** The selected values; differentiable (the gradient goes back to the element each was read from). */
  values: Tensor;
  /** Their positions along the axis, as whole numbers in the input's dtype; never requires grad. */
  indices: Tensor;
}

function argExtreme(kind: 'max' | 'min') {
  const name = kind === 'max' ? 'argmax' : 'argmin';
  return defineOp({
    name,
    inputs: ['x'],
    forward(ctx: OpContext<ArgOptions | undefined>, x) {
      const axis = ctx.params?.axis;
      const keepdims = ctx.params?.keepdims === true;
      if (axis === undefined || axis === null) {
        if (x.size === 0) throw new ShapeError(`${name}: the input of shape ${fmtShape(x.shape)} has no elements; give an axis of non-zero size`);
        checkIndexDType(name, x.dtype, x.size);
        const flat = argExtremeKernel({ buffer: x.buffer, shape: [x.size] }, 0, kind);
        return { buffer: flat.buffer, shape: keepdims ? frozenShape(x.shape.map(() => 1)) : frozenShape([]) };
      }
      // a scalar has one element along its one implicit axis (0 or -1), as in PyTorch
      const a = normalizeAxis(axis, Math.max(x.ndim, 1), name);
      if (x.ndim === 0) return { buffer: allocBuffer(x.dtype, 1), shape: x.shape };
      if (x.shape[a] === 0) throw new ShapeError(`${name}: axis ${axis} of the input of shape ${fmtShape(x.shape)} has size 0; there is no position to return`);
      checkIndexDType(name, x.dtype, x.shape[a]);
      const kept = argExtremeKernel(x, a, kind);
      return keepdims ? kept : { buffer: kept.buffer, shape: frozenShape(x.shape.filter((_, i) => i !== a)) };
    },
  });
}

/**
 * The position of the largest element along `axis`, or in the flattened input when no axis is
 * given (PyTorch's `argmax`). Not differentiable.
 *
 * NOTE: ties give the first position; a NaN counts as the largest (max propagates NaN), so the
 * first NaN's position is returned, as in PyTorch.
 * @example
 * ```ts
 * argmax(tensor([[1, 5], [7, 2]])).item();                 // 2 (flattened)
 * argmax(tensor([[1, 5], [7, 2]]), { axis: 1 }).toArray(); // [1, 0]
 * ```
 */
export const argmax = argExtreme('max');

/**
 * The position of the smallest element along `axis`, or in the flattened input (PyTorch's
 * `argmin`). Not differentiable.
 *
 * NOTE: ties give the first position; a NaN counts as the smallest (min propagates NaN).
 * @example
 * ```ts
 * argmin(tensor([[1, 5], [7, 2]]), { axis: 0 }).toArray(); // [0, 1]
 * ```
 */
export const argmin = argExtreme('min');

/** The values at `indices` (kept axis) and both with the axis dropped unless keepdims. */
function withIndices(kind: 'max' | 'min', x: TensorLike, options: { axis: number; keepdims?: boolean }): ValuesAndIndices {
  const t = x instanceof Tensor ? x : tensor(x);
  const name = kind === 'max' ? 'maxWithIndices' : 'minWithIndices';
  if (typeof options !== 'object' || options === null || options.axis === undefined) {
    throw new ShapeError(`${name}: expected options { axis, keepdims }, got ${options === null ? 'null' : typeof options === 'object' ? 'no axis' : typeof options}; for the extreme over all elements use ${kind}()`);
  }
  const a = normalizeAxis(options.axis, Math.max(t.ndim, 1), name);
  const kept = (kind === 'max' ? argmax : argmin)(t, { axis: a, keepdims: true });
  const values = t.gather(a, kept);
  if (options.keepdims === true || t.ndim === 0) return { values, indices: kept };
  return { values: values.squeeze(a), indices: kept.squeeze(a) };
}

/**
 * The largest element along `axis` and its position: PyTorch's `torch.max(x, dim, keepdim)`. The
 * values are `gather(x, indices)`, so they are differentiable by gather's rule.
 *
 * d values = dx at the returned position only. NOTE: unlike {@link max} over axes (which shares the
 * gradient between tied elements, as `amax`), the whole gradient goes to the one position returned
 * (the first of the ties, or the first NaN), as PyTorch's `max(dim)` does.
 * @example
 * ```ts
 * const { values, indices } = maxWithIndices(tensor([[1, 5], [7, 2]]), { axis: 1 });
 * values.toArray(); indices.toArray(); // [5, 7], [1, 0]
 * ```
 */
export function maxWithIndices(x: TensorLike, options: { axis: number; keepdims?: boolean }): ValuesAndIndices {
  return withIndices('max', x, options);
}

/**
 * The smallest element along `axis` and its position: PyTorch's `torch.min(x, dim, keepdim)`.
 *
 * d values = dx at the returned position only (the first of the ties, or the first NaN).
 * @example
 * ```ts
 * minWithIndices(tensor([[1, 5], [7, 2]]), { axis: 0, keepdims: true }).indices.toArray(); // [[0, 1]]
 * ```
 */
export function minWithIndices(x: TensorLike, options: { axis: number; keepdims?: boolean }): ValuesAndIndices {
  return withIndices('min', x, options);
}

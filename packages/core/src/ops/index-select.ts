/**
 * indexSelect: whole slices picked along one axis by a list of positions (PyTorch's
 * `index_select`). Composed from gather, whose gradient (scatter-add into zeros) is exactly
 * index_select's (index_add into zeros), repeated positions adding up; see the function's note.
 * @module
 */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { checkIndexValues } from './index-rule.js';

/**
 * The slices of `x` at positions `index` along `axis` (PyTorch's `index_select`): the result has
 * x's shape with that axis' size replaced by the number of positions. `index` is a 1-D list of
 * whole numbers in [0, size) (a 0-D index is one position; the axis is kept), under chainrule's rule
 * for index tensors (no integer dtype: whole numbers in the data's dtype).
 *
 * d indexSelect(x) = each slice's gradient added back at the position it was read from
 *
 * NOTE: composed as `gather(x, axis, index broadcast to the result's shape)`: gather's rule is
 * exactly this op's, and the broadcast index costs one buffer the size of the result.
 * Negative positions are refused, as in PyTorch.
 * @example
 * ```ts
 * indexSelect(tensor([[1, 2, 3], [4, 5, 6]]), 1, [2, 0, 2]).toArray(); // [[3, 1, 3], [6, 4, 6]]
 * ```
 */
export function indexSelect(x: TensorLike, axis: number, index: TensorLike): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  const idx = index instanceof Tensor ? index : tensor(index, { dtype: t.dtype });
  if (idx.dtype !== t.dtype) throw new DTypeError(`indexSelect: the index is ${idx.dtype} but the input is ${t.dtype}; an index holds whole numbers in the data's dtype, cast it with .cast('${t.dtype}')`);
  if (idx.ndim > 1) throw new ShapeError(`indexSelect: the index has shape ${fmtShape(idx.shape)}; expected a 1-D list of positions (or a single one)`);
  // a scalar input is one element along its one implicit axis, as in PyTorch
  const a = normalizeAxis(axis, Math.max(t.ndim, 1), 'indexSelect');
  const n = t.ndim === 0 ? 1 : t.shape[a];
  checkIndexValues('indexSelect', idx, n, `for axis ${axis} of the input of shape ${fmtShape(t.shape)}`);
  if (t.ndim === 0) {
    if (idx.size !== 1) throw new ShapeError(`indexSelect: the input is a scalar, which has one position; got an index of shape ${fmtShape(idx.shape)}`);
    return t.gather(0, idx.reshape([]));
  }
  const along = t.shape.map((_, d) => (d === a ? idx.size : 1));
  const target = t.shape.map((dim, d) => (d === a ? idx.size : dim));
  return t.gather(a, idx.reshape(along).expand(target));
}

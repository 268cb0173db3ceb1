/**
 * repeat and tile: copies of a tensor laid side by side along each axis. Composed from reshape and
 * expand: each axis of size s repeated r times is read as a new axis of size r in front of it,
 * broadcast, then merged. That is exact (only copies) and expand's rule (summing the gradient over
 * the broadcast axis) is the derivative, so neither needs a rule of its own.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';

/**
 * `x` repeated `sizes[i]` times along axis i (PyTorch's `Tensor.repeat`): `sizes` has at least as
 * many entries as x has axes; extra leading entries add leading axes.
 *
 * d repeat(x) = the sum of the gradient over all the copies
 * @example
 * ```ts
 * repeat(tensor([1, 2]), [2, 2]).toArray(); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 * repeat(tensor([1, 2]), [3]).toArray();    // [1, 2, 1, 2, 1, 2]
 * ```
 */
export function repeat(x: TensorLike, sizes: readonly number[]): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  if (!Array.isArray(sizes) || !sizes.every((r) => typeof r === 'number' && Number.isInteger(r) && r >= 0)) {
    throw new ShapeError(`repeat: the repeats must be an array of non-negative integers, got ${JSON.stringify(sizes)}`);
  }
  if (sizes.length < t.ndim) {
    throw new ShapeError(`repeat: got ${sizes.length} repeats ${JSON.stringify(sizes)} for a tensor of shape ${fmtShape(t.shape)}; expected at least one per axis (${t.ndim})`);
  }
  const shape = [...new Array<number>(sizes.length - t.ndim).fill(1), ...t.shape];
  // [s0, s1] -> [1, s0, 1, s1] -> [r0, s0, r1, s1] -> [r0·s0, r1·s1]
  const spread = shape.flatMap((s) => [1, s]);
  const target = shape.flatMap((s, i) => [sizes[i], s]);
  return t.reshape(spread).expand(target).reshape(shape.map((s, i) => s * sizes[i]));
}

/**
 * `x` repeated `dims[i]` times along axis i (PyTorch's `torch.tile`): like {@link repeat}, except
 * that fewer entries than axes are allowed (they then apply to the last axes, the others get 1).
 *
 * d tile(x) = the sum of the gradient over all the copies
 * @example
 * ```ts
 * tile(tensor([[1, 2]]), [2]).toArray(); // [[1, 2, 1, 2]]
 * ```
 */
export function tile(x: TensorLike, dims: readonly number[]): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  if (!Array.isArray(dims)) throw new ShapeError(`tile: dims must be an array of non-negative integers, got ${typeof dims}`);
  return repeat(t, [...new Array<number>(Math.max(t.ndim - dims.length, 0)).fill(1), ...dims]);
}

/**
 * flatten and unflatten: a run of axes merged into one, and one axis split into several. Both are
 * reshapes, whose rule (reshape the gradient back) is the derivative.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis, shapeSlice } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';

/**
 * Merges axes `startDim` to `endDim` (both included; defaults 0 and -1, so all of them) into one
 * (PyTorch's `torch.flatten`). A scalar becomes a 1-element vector, as in PyTorch.
 *
 * d flatten(x) = dx reshaped back
 * @example
 * ```ts
 * flatten(zeros([2, 3, 4])).shape;       // [24]
 * flatten(zeros([2, 3, 4]), 1).shape;    // [2, 12]
 * flatten(zeros([2, 3, 4]), 0, 1).shape; // [6, 4]
 * ```
 */
export function flatten(x: TensorLike, startDim = 0, endDim = -1): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  // a scalar has one implicit axis (0 or -1), as in PyTorch
  const rank = Math.max(t.ndim, 1);
  const s = normalizeAxis(startDim, rank, 'flatten');
  const e = normalizeAxis(endDim, rank, 'flatten');
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim} for a tensor of shape ${fmtShape(t.shape)}`);
  if (t.ndim === 0) return t.reshape([1]);
  const merged = shapeSlice(t.shape, s, e + 1).reduce((n, d) => n * d, 1);
  return t.reshape([...shapeSlice(t.shape, 0, s), merged, ...shapeSlice(t.shape, e + 1)]);
}

/**
 * Splits axis `axis` into axes of `sizes` (PyTorch's `Tensor.unflatten`); one size may be -1 and
 * is then inferred. The sizes must multiply to the axis' size.
 *
 * d unflatten(x) = dx reshaped back
 * @example
 * ```ts
 * unflatten(zeros([2, 12]), 1, [3, -1]).shape; // [2, 3, 4]
 * ```
 */
export function unflatten(x: TensorLike, axis: number, sizes: readonly number[]): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  const a = normalizeAxis(axis, t.ndim, 'unflatten');
  const n = t.shape[a];
  const where = () => `sizes ${JSON.stringify(sizes)} for axis ${axis} of size ${n} (input of shape ${fmtShape(t.shape)})`;
  if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every((d) => Number.isInteger(d) && d >= -1)) {
    throw new ShapeError(`unflatten: ${where()}: expected a non-empty array of non-negative integers, at most one of them -1`);
  }
  const inferred = sizes.filter((d) => d === -1).length;
  const known = sizes.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (inferred > 1 || (inferred === 0 && known !== n) || (inferred === 1 && (known === 0 ? n !== 0 : n % known !== 0))) {
    throw new ShapeError(`unflatten: ${where()}: the sizes must multiply to ${n}${inferred > 1 ? ', and only one may be -1' : ''}`);
  }
  const resolved = sizes.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  return t.reshape([...shapeSlice(t.shape, 0, a), ...resolved, ...shapeSlice(t.shape, a + 1)]);
}

/**
 * Shape bookkeeping shared by the reductions of var, std, norm and prod: the result with or
 * without the reduced axes, and the gradient reshaped so that it broadcasts back over the input.
 * @module
 */
import type { TensorData } from '../dtype.js';
import { frozenShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** A kernel's kept-shape result as the op's result: as is with keepdims, else without the reduced axes. */
export function reducedResult(kept: TensorData, axes: readonly number[], keepdims: boolean | undefined): TensorData {
  if (keepdims) return kept;
  return { buffer: kept.buffer, shape: frozenShape(kept.shape.filter((_, i) => !axes.includes(i))) };
}

/** A tensor shaped like the op's result (the gradient, or the result itself), with the reduced axes as size 1 so it broadcasts over `x`. */
export function asKept(t: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return shapesEqual(t.shape, kept) ? t : t.reshape(kept);
}

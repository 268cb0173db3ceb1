/**
 * Strided-view kernels: the elements that a view (shape, strides, offset) of a contiguous buffer
 * reads, copied out; and the adjoint, which writes a contiguous part back into zeros where the view
 * reads. Basic indexing (`index`), `flip` (negative strides) and einsum's diagonals (summed
 * strides) are each one such view, so each is one strided copy (kernels/nd.ts).
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';
import { sizeOf, type Shape } from '../shape.js';
import { assignStrided, copyStrided } from './nd.js';

/**
 * A strided view of a contiguous row-major array: element (i₀, i₁, ...) of the view is element
 * `offset + Σ iₖ·strides[k]` of the buffer. Strides may be negative (a reversed axis) or 0 on an
 * axis of size 1 (a new axis).
 */
export interface StridedView {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** The elements view `v` reads from `x`, contiguous, in the view's shape. */
export function takeViewKernel(x: TensorData, v: StridedView): TensorData {
  return { buffer: copyStrided(x.buffer, v.shape, v.strides, v.offset, dtypeOf(x.buffer)), shape: v.shape };
}

/**
 * Zeros of `shape` with `part` (of the view's shape) written where view `v` reads.
 * NOTE: this is the adjoint of {@link takeViewKernel} only for a view that reads no element twice
 * (no stride-0 axis longer than 1, no overlapping diagonal); every view built in ops/ is such a view.
 */
export function embedViewKernel(part: TensorData, shape: Shape, v: StridedView): TensorData {
  const out = allocBuffer(dtypeOf(part.buffer), sizeOf(shape));
  assignStrided(out, v.shape, v.strides, v.offset, part.buffer);
  return { buffer: out, shape };
}

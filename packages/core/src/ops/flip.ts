/**
 * flip: axes reversed. One strided view with negative strides (kernels/strided.ts), copied out.
 * @module
 */
import { ShapeError } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { stridesOf, type Shape } from '../shape.js';
import { takeViewKernel, type StridedView } from '../kernels/strided.js';

/** The view that reads `shape` with the given axes reversed: stride negated, offset at the axis' last element. */
function flipView(shape: Shape, axes: unknown): StridedView {
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list)) throw new ShapeError(`flip: axes must be an integer or an array of integers, got ${axes === null ? 'null' : typeof axes}`);
  // a scalar has one implicit axis (0 or -1), as in PyTorch, and flipping it changes nothing
  const rank = Math.max(shape.length, 1);
  const seen = new Set<number>();
  const strides = stridesOf(shape);
  let offset = 0;
  for (const axis of list as unknown[]) {
    if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new ShapeError(`flip: axis ${String(axis)} in ${JSON.stringify(list)} is out of range for a tensor of rank ${shape.length}; valid axes are [${-rank}, ${rank - 1}]`);
    }
    const a = axis < 0 ? axis + rank : axis;
    if (seen.has(a)) throw new ShapeError(`flip: axis ${a} appears more than once in ${JSON.stringify(list)}`);
    seen.add(a);
    if (shape.length === 0) continue;
    offset += Math.max(shape[a] - 1, 0) * strides[a];
    strides[a] = -strides[a];
  }
  return { shape, strides, offset };
}

/**
 * `x` with the order of its elements reversed along each of `axes` (PyTorch's `torch.flip`).
 *
 * d flip(x) = flip(dx): reversing is its own inverse and its own adjoint
 * @example
 * ```ts
 * flip(tensor([[1, 2], [3, 4]]), 1).toArray();      // [[2, 1], [4, 3]]
 * flip(tensor([[1, 2], [3, 4]]), [0, 1]).toArray(); // [[4, 3], [2, 1]]
 * ```
 */
export const flip: OpFunction<['x'], number | readonly number[]> = defineOp({
  name: 'flip',
  inputs: ['x'],
  forward: (ctx: OpContext<number | readonly number[]>, x) => takeViewKernel(x, flipView(x.shape, ctx.params)),
  backward: { x: (ctx, grad) => flip(grad, ctx.params) },
});

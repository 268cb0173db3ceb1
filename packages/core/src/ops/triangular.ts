/**
 * tril and triu: the lower and upper triangle of a matrix, or of every matrix of a batch.
 * @module
 */
import { ChainruleError, ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { triangleKernel } from '../kernels/triangular.js';

function triangle(name: 'tril' | 'triu', x: { shape: readonly number[] }, k: number | undefined): number {
  if (x.shape.length < 2) throw new ShapeError(`${name}: the input has shape ${fmtShape(x.shape)}; expected a matrix or a batch of matrices (rank 2 or more)`);
  const diagonal = k ?? 0;
  if (typeof diagonal !== 'number' || !Number.isInteger(diagonal)) throw new ChainruleError(`${name}: the diagonal must be an integer, got ${String(k)}`);
  return diagonal;
}

/**
 * The lower triangle of `x` (PyTorch's `torch.tril`): elements (i, j) of the last two axes with
 * j - i ≤ k are kept, the rest set to 0. k = 0 (the default) is the main diagonal; k > 0 keeps
 * diagonals above it, k < 0 drops diagonals below it.
 *
 * d tril(x) = tril(dx)
 *
 * NOTE: elements above the triangle are set to 0, not multiplied by 0, so a NaN there is gone, as in
 * PyTorch.
 * @example
 * ```ts
 * tril(tensor([[1, 2], [3, 4]])).toArray();     // [[1, 0], [3, 4]]
 * tril(tensor([[1, 2], [3, 4]]), -1).toArray(); // [[0, 0], [3, 0]]
 * ```
 */
export const tril: OpFunction<['x'], number | undefined> = defineOp({
  name: 'tril',
  inputs: ['x'],
  forward: (ctx: OpContext<number | undefined>, x) => triangleKernel(x, triangle('tril', x, ctx.params), true),
  backward: { x: (ctx, grad) => tril(grad, ctx.params) },
});

/**
 * The upper triangle of `x` (PyTorch's `torch.triu`): elements (i, j) of the last two axes with
 * j - i ≥ k are kept, the rest set to 0.
 *
 * d triu(x) = triu(dx)
 * @example
 * ```ts
 * triu(tensor([[1, 2], [3, 4]])).toArray();    // [[1, 2], [0, 4]]
 * triu(tensor([[1, 2], [3, 4]]), 1).toArray(); // [[0, 2], [0, 0]]
 * ```
 */
export const triu: OpFunction<['x'], number | undefined> = defineOp({
  name: 'triu',
  inputs: ['x'],
  forward: (ctx: OpContext<number | undefined>, x) => triangleKernel(x, triangle('triu', x, ctx.params), false),
  backward: { x: (ctx, grad) => triu(grad, ctx.params) },
});

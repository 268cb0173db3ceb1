/**
 * Matrix product with NumPy's `matmul` rules: 2-D × 2-D, 1-D operands promoted to a row or column
 * and the added axis removed, and batches with broadcast leading dimensions.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type Gradients } from '../op.js';
import { broadcastShapes, type Shape } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { matmulKernel } from '../kernels/matmul.js';
import { reshape, transpose } from './layout.js';

const matmulOp = defineOp({
  name: 'matmul',
  inputs: ['a', 'b'],
  forward(ctx: OpContext<Shape>, a, b) {
    ctx.save(a, b);
    return matmulKernel(a, b, ctx.params);
  },
  // d(AB) = dA B + A dB, so dA = G Bᵀ and dB = Aᵀ G (summed over broadcast batches by the engine)
  backward(ctx, grad): Gradients {
    const [a, b] = ctx.saved;
    return [ctx.needsInputGrad[0] ? matmul(grad, transpose(b)) : null, ctx.needsInputGrad[1] ? matmul(transpose(a), grad) : null];
  },
});

/**
 * Matrix product `a @ b`.
 *
 * - 2-D × 2-D: (m, k) @ (k, n) → (m, n)
 * - 1-D first operand: treated as a row (1, k), the row axis removed from the result
 * - 1-D second operand: treated as a column (k, 1), the column axis removed; 1-D × 1-D is the dot product
 * - more than 2-D: a batch of matrices; batch dimensions broadcast by NumPy's rules
 *
 * d(AB) = dA B + A dB
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray(); // [3, 7]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike): Tensor {
  const ta = a instanceof Tensor ? a : tensor(a, { dtype: b instanceof Tensor ? b.dtype : undefined });
  const tb = b instanceof Tensor ? b : tensor(b, { dtype: ta.dtype });
  if (ta.ndim === 0 || tb.ndim === 0) {
    throw new ShapeError(`matmul: operands must have at least one dimension, got shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}; use mul for scalars`);
  }
  const a2 = ta.ndim === 1 ? reshape(ta, [1, ta.shape[0]]) : ta;
  const b2 = tb.ndim === 1 ? reshape(tb, [tb.shape[0], 1]) : tb;
  const k = a2.shape[a2.ndim - 1];
  if (b2.shape[b2.ndim - 2] !== k) {
    throw new ShapeError(
      `matmul: shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)} do not align: ` +
        `the first's last dimension (${k}) must equal the second's ${tb.ndim === 1 ? 'only' : 'second-to-last'} dimension (${b2.shape[b2.ndim - 2]})`,
    );
  }
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
  const out = matmulOp(a2, b2, batch);
  if (ta.ndim > 1 && tb.ndim > 1) return out;
  const shape = out.shape.slice();
  if (tb.ndim === 1) shape.splice(shape.length - 1, 1);
  if (ta.ndim === 1) shape.splice(shape.length - (tb.ndim === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

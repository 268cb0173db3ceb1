/**
 * Matrix product with NumPy's `matmul` rules: 2-D × 2-D, 1-D operands promoted to a row or column
 * and the added axis removed, and batches with broadcast leading dimensions. Either operand may be
 * read transposed (`transposeA`, `transposeB`), which costs nothing: the kernel reads it through
 * swapped strides. Backward uses the same flags, so no gradient ever materialises a transpose.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type Gradients } from '../op.js';
import { broadcastShapes, type Shape } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { matmulKernel } from '../kernels/matmul.js';
import { reshape } from './layout.js';

/** The op's parameters: broadcast batch shape, and whether each operand is read transposed. */
interface MatmulParams {
  readonly batch: Shape;
  readonly transA: boolean;
  readonly transB: boolean;
}

/** op(A) op(B) on operands of rank ≥ 2, op = transpose of the last two axes when its flag is set. */
const matmulOp = defineOp({
  name: 'matmul',
  inputs: ['a', 'b'],
  forward(ctx: OpContext<MatmulParams>, a, b) {
    ctx.save(a, b);
    return matmulKernel(a, b, ctx.params.batch, ctx.params.transA, ctx.params.transB);
  },
  // C = AB: dA = G Bᵀ, dB = Aᵀ G. With transposed operands the same rule, transposed back:
  // C = ABᵀ: dA = G B, dB = Gᵀ A;  C = AᵀB: dA = B Gᵀ, dB = A G;  C = AᵀBᵀ: dA = Bᵀ Gᵀ, dB = Gᵀ Aᵀ.
  // Written with matmulOp itself, so higher-order gradients work; the engine sums broadcast batches.
  backward(ctx, grad): Gradients {
    const [a, b] = ctx.saved;
    const { batch, transA, transB } = ctx.params;
    const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => matmulOp(x, y, { batch, transA: tx, transB: ty });
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (ctx.needsInputGrad[0]) da = transA ? mm(b, grad, transB, true) : mm(grad, b, false, !transB);
    if (ctx.needsInputGrad[1]) db = transB ? mm(grad, a, true, transA) : mm(a, grad, !transA, false);
    return [da, db];
  },
});

/**
 * Matrix product `a @ b`.
 *
 * - 2-D × 2-D: (m, k) @ (k, n) → (m, n)
 * - 1-D first operand: treated as a row (1, k), the row axis removed from the result
 * - 1-D second operand: treated as a column (k, 1), the column axis removed; 1-D × 1-D is the dot product
 * - more than 2-D: a batch of matrices; batch dimensions broadcast by NumPy's rules
 * - `transposeA` / `transposeB`: use the operand's last two axes swapped (ignored for a 1-D operand),
 *   i.e. `matmul(a, b, { transposeB: true })` equals `matmul(a, b.transpose())` without the copy
 *
 * C[i][j] = Σₚ A[i][p] B[p][j];  d(AB) = dA B + A dB, so dA = G Bᵀ and dB = Aᵀ G
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray(); // [3, 7]
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [1, 1]]), { transposeB: true }).toArray(); // [[1, 3], [3, 7]]
 * ```
 */
export function matmul(a: TensorLike, b: TensorLike, options: { transposeA?: boolean; transposeB?: boolean } = {}): Tensor {
  const ta = a instanceof Tensor ? a : tensor(a, { dtype: b instanceof Tensor ? b.dtype : undefined });
  const tb = b instanceof Tensor ? b : tensor(b, { dtype: ta.dtype });
  if (ta.ndim === 0 || tb.ndim === 0) {
    throw new ShapeError(`matmul: operands must have at least one dimension, got shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}; use mul for scalars`);
  }
  const transA = ta.ndim > 1 && options.transposeA === true;
  const transB = tb.ndim > 1 && options.transposeB === true;
  const a2 = ta.ndim === 1 ? reshape(ta, [1, ta.shape[0]]) : ta;
  const b2 = tb.ndim === 1 ? reshape(tb, [tb.shape[0], 1]) : tb;
  const k = a2.shape[a2.ndim - (transA ? 2 : 1)];
  const bk = b2.shape[b2.ndim - (transB ? 1 : 2)];
  if (bk !== k) {
    const which = (t: boolean, first: boolean) => (t ? `${first ? 'second-to-last' : 'last'} (transposed)` : first ? 'last' : 'second-to-last');
    throw new ShapeError(
      `matmul: shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)} do not align: ` +
        `the first's ${ta.ndim === 1 ? 'only' : which(transA, true)} dimension (${k}) must equal ` +
        `the second's ${tb.ndim === 1 ? 'only' : which(transB, false)} dimension (${bk})`,
    );
  }
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
  const out = matmulOp(a2, b2, { batch, transA, transB });
  if (ta.ndim > 1 && tb.ndim > 1) return out;
  const shape = out.shape.slice();
  if (tb.ndim === 1) shape.splice(shape.length - 1, 1);
  if (ta.ndim === 1) shape.splice(shape.length - (tb.ndim === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

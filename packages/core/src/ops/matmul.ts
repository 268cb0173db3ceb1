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

/**
 * The params of a product without batch dimensions, one shared constant per flag pair, indexed
 * `transA + 2·transB`, so a 2-D product allocates no params object, forward or backward (on tiny
 * operands, such allocations are a visible share of the op's cost).
 */
const PARAMS_2D: readonly MatmulParams[] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
].map(([transA, transB]) => Object.freeze({ batch: Object.freeze([]), transA, transB }));

function paramsOf(batch: Shape, transA: boolean, transB: boolean): MatmulParams {
  return batch.length === 0 ? PARAMS_2D[(transA ? 1 : 0) + (transB ? 2 : 0)] : { batch, transA, transB };
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
    const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => matmulOp(x, y, paramsOf(batch, tx, ty));
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
  const transA = ta.ndim > 1 && options.transposeA === true;
  const transB = tb.ndim > 1 && options.transposeB === true;
  if (ta.ndim === 2 && tb.ndim === 2) {
    // The common case (x·W in a layer) on its own path: no batch shapes to slice and broadcast, no axis
    // to add or remove, shared params. On tiny operands this wrapper otherwise costs as much as the product.
    if (ta.shape[transA ? 0 : 1] !== tb.shape[transB ? 1 : 0]) throw misaligned(ta, tb, transA, transB);
    return matmulOp(ta, tb, PARAMS_2D[(transA ? 1 : 0) + (transB ? 2 : 0)]);
  }
  if (ta.ndim === 0 || tb.ndim === 0) {
    throw new ShapeError(`matmul: operands must have at least one dimension, got shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}; use mul for scalars`);
  }
  const a2 = ta.ndim === 1 ? reshape(ta, [1, ta.shape[0]]) : ta;
  const b2 = tb.ndim === 1 ? reshape(tb, [tb.shape[0], 1]) : tb;
  if (a2.shape[a2.ndim - (transA ? 2 : 1)] !== b2.shape[b2.ndim - (transB ? 1 : 2)]) throw misaligned(ta, tb, transA, transB);
  const batch = batchShape(ta, tb, a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const out = matmulOp(a2, b2, paramsOf(batch, transA, transB));
  if (ta.ndim > 1 && tb.ndim > 1) return out;
  const shape = out.shape.slice();
  if (tb.ndim === 1) shape.splice(shape.length - 1, 1);
  if (ta.ndim === 1) shape.splice(shape.length - (tb.ndim === 1 ? 1 : 2), 1);
  return reshape(out, shape);
}

/** The error for operands whose inner dimensions differ, naming both shapes and the two dimensions. */
function misaligned(ta: Tensor, tb: Tensor, transA: boolean, transB: boolean): ShapeError {
  const k = ta.ndim === 1 ? ta.shape[0] : ta.shape[ta.ndim - (transA ? 2 : 1)];
  const bk = tb.ndim === 1 ? tb.shape[0] : tb.shape[tb.ndim - (transB ? 1 : 2)];
  const which = (t: boolean, first: boolean) => (t ? `${first ? 'second-to-last' : 'last'} (transposed)` : first ? 'last' : 'second-to-last');
  return new ShapeError(
    `matmul: shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)} do not align: ` +
      `the first's ${ta.ndim === 1 ? 'only' : which(transA, true)} dimension (${k}) must equal ` +
      `the second's ${tb.ndim === 1 ? 'only' : which(transB, false)} dimension (${bk})`,
  );
}

/**
 * The broadcast batch shape of operands with batch shapes `aBatch` and `bBatch`. On failure the error
 * names the full operand shapes: the batch shapes alone ([2] and [3]) would not tell the user which call it was.
 */
function batchShape(ta: Tensor, tb: Tensor, aBatch: Shape, bBatch: Shape): Shape {
  try {
    return broadcastShapes(aBatch, bBatch, 'matmul');
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    // the first pair that clashes, counting from the right as broadcasting aligns them
    let i = aBatch.length - 1;
    let j = bBatch.length - 1;
    while (aBatch[i] === bBatch[j] || aBatch[i] === 1 || bBatch[j] === 1) {
      i--;
      j--;
    }
    throw new ShapeError(
      `matmul: shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)} cannot be broadcast together: ` +
        `their batch dimensions (all but the last two), ${fmtShape(aBatch)} and ${fmtShape(bBatch)}, must broadcast ` +
        `(sizes equal or one of them 1, aligned from the right), but axis ${i} of the first is ${aBatch[i]} ` +
        `and axis ${j} of the second is ${bBatch[j]}`,
    );
  }
}

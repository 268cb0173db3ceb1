/**
 * Matrix product with NumPy's `matmul` rules: 2-D × 2-D, 1-D operands promoted to a row or column
 * and the added axis removed, and batches with broadcast leading dimensions. Either operand may be
 * read transposed (`transposeA`, `transposeB`), which costs nothing: the kernel reads it through
 * swapped strides. Backward uses the same flags, so no gradient ever materialises a transpose.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { broadcastShapes, frozenShape, type Shape, shapeSlice } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { matmulKernel } from '../kernels/matmul.js';

/**
 * Whether each operand is read with its last two axes swapped (ignored for a 1-D operand).
 * @example
 * ```ts
 * matmul(a, b, { transposeB: true }); // a @ bᵀ without a transposed copy
 * ```
 */
export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * The four flag combinations as shared constants, indexed `transA + 2·transB`, so the rules of a
 * training step allocate no options object (on tiny operands that is a visible share of the cost).
 */
const FLAGS: readonly MatmulOptions[] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
].map(([transposeA, transposeB]) => Object.freeze({ transposeA, transposeB }));
const flags = (transA: boolean, transB: boolean) => FLAGS[(transA ? 1 : 0) + (transB ? 2 : 0)];
const NO_BATCH: Shape = Object.freeze([]);

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
 * C[i][j] = Σₚ A[i][p] B[p][j];  d(AB) = dA B + A dB, so dA = G Bᵀ and dB = Aᵀ G. With transposed
 * operands the same rule, transposed back: C = ABᵀ: dA = G B, dB = Gᵀ A;  C = AᵀB: dA = B Gᵀ,
 * dB = A G;  C = AᵀBᵀ: dA = Bᵀ Gᵀ, dB = Gᵀ Aᵀ. The rules are matmuls too (so higher orders work)
 * on the operands promoted to 2-D; the engine sums broadcast batches and promoted axes back.
 * @example
 * ```ts
 * matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray(); // [3, 7]
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [1, 1]]), { transposeB: true }).toArray(); // [[1, 3], [3, 7]]
 * ```
 */
export const matmul = defineOp({
  name: 'matmul',
  inputs: ['a', 'b'],
  forward(ctx: OpContext<MatmulOptions | undefined>, a, b) {
    ctx.save(a, b);
    const transA = a.ndim > 1 && ctx.params?.transposeA === true;
    const transB = b.ndim > 1 && ctx.params?.transposeB === true;
    if (a.ndim === 2 && b.ndim === 2) {
      // The common case (x·W in a layer) on its own path: no batch shapes to slice and broadcast, no
      // axis to add or remove. On tiny operands the general path costs as much as the product.
      if (a.shape[transA ? 0 : 1] !== b.shape[transB ? 1 : 0]) throw misaligned(a, b, transA, transB);
      return matmulKernel(a, b, NO_BATCH, transA, transB);
    }
    if (a.ndim === 0 || b.ndim === 0) {
      throw new ShapeError(`matmul: operands must have at least one dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}; use mul for scalars`);
    }
    const a2 = a.ndim === 1 ? { buffer: a.buffer, shape: [1, a.shape[0]] } : a;
    const b2 = b.ndim === 1 ? { buffer: b.buffer, shape: [b.shape[0], 1] } : b;
    if (a2.shape[a2.shape.length - (transA ? 2 : 1)] !== b2.shape[b2.shape.length - (transB ? 1 : 2)]) throw misaligned(a, b, transA, transB);
    const batch = batchShape(a, b, shapeSlice(a2.shape, 0, -2), shapeSlice(b2.shape, 0, -2));
    const out = matmulKernel(a2, b2, batch, transA, transB);
    if (a.ndim > 1 && b.ndim > 1) return out;
    const shape = shapeSlice(out.shape);
    if (b.ndim === 1) shape.splice(shape.length - 1, 1);
    if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
    return { buffer: out.buffer, shape: frozenShape(shape) };
  },
  backward: {
    a: (ctx, grad) => {
      const { b, g, transA, transB } = promoted(ctx, grad);
      const da = transA ? b.matmul(g, flags(transB, true)) : g.matmul(b, flags(false, !transB));
      return ctx.inputs[0].ndim === 1 ? da.squeeze(-2) : da; // the row a 1-D operand was promoted to
    },
    b: (ctx, grad) => {
      const { a, g, transA, transB } = promoted(ctx, grad);
      const db = transB ? g.matmul(a, flags(true, transA)) : a.matmul(g, flags(!transA, false));
      return ctx.inputs[1].ndim === 1 ? db.squeeze(-1) : db; // the column a 1-D operand was promoted to
    },
  },
});

/** What the rules work on: operands of rank ≥ 2 and the gradient with the matching axes. */
interface Promoted {
  a: Tensor;
  b: Tensor;
  g: Tensor;
  transA: boolean;
  transB: boolean;
}
/** One reused record for the 2-D case, filled on each call: the rules of a training step allocate nothing here. */
const plain: Promoted = { a: null as unknown as Tensor, b: null as unknown as Tensor, g: null as unknown as Tensor, transA: false, transB: false };

/**
 * The saved operands and the gradient with 1-D operands promoted to a row (a) or a column (b) and
 * the gradient given back the axes the forward removed, so the rules are plain matrix products.
 */
function promoted(ctx: OpContext<MatmulOptions | undefined>, grad: Tensor): Promoted {
  const [a, b] = ctx.saved;
  const transA = a.ndim > 1 && ctx.params?.transposeA === true;
  const transB = b.ndim > 1 && ctx.params?.transposeB === true;
  if (a.ndim > 1 && b.ndim > 1) {
    // read at once by the caller, before any other rule runs
    plain.a = a;
    plain.b = b;
    plain.g = grad;
    plain.transA = transA;
    plain.transB = transB;
    return plain;
  }
  const a2 = a.ndim === 1 ? a.reshape([1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? b.reshape([b.shape[0], 1]) : b;
  const shape = shapeSlice(grad.shape);
  if (a.ndim === 1) shape.splice(b.ndim === 1 ? shape.length : shape.length - 1, 0, 1);
  if (b.ndim === 1) shape.push(1);
  return { a: a2, b: b2, g: grad.reshape(shape), transA, transB };
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

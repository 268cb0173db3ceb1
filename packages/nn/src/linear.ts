/**
 * The affine map of a dense layer, y = x Wᵀ + b, as one op.
 *
 * Composed from primitives it would be transpose + matmul + add: three ops, two extra buffers and
 * three graph nodes per layer and step. Fused, the forward is one loop over contiguous buffers;
 * that per-step overhead is what decides the speed of small networks such as the article's 2-2-2.
 * The backward is still written with tensor ops, so higher-order gradients work.
 * @module
 */
import { fmtShape, allocBuffer, defineOp, ShapeError, tensor, Tensor, type TensorLike } from '@chainrule/core';

/** x [N, in] (or [in]), W [out, in], b broadcastable to [out]: [] or [1] (one shared bias) or [out]. */
const linearOp = defineOp({
  name: 'linear',
  inputs: ['x', 'weight', 'bias'],
  forward(ctx, x, w, b) {
    ctx.save(x, w);
    const outF = w.shape[0];
    const inF = w.shape[1];
    const rows = x.ndim === 1 ? 1 : x.shape[0];
    const xs = x.buffer, ws = w.buffer, bs = b.buffer;
    const shared = bs.length === 1;
    const out = allocBuffer(x.dtype, rows * outF);
    for (let n = 0; n < rows; n++) {
      const xo = n * inF;
      for (let o = 0; o < outF; o++) {
        const wo = o * inF;
        // summed left to right, then the bias: w1*i1 + w2*i2 + b1, the article's order
        let acc = 0;
        for (let k = 0; k < inF; k++) acc += xs[xo + k] * ws[wo + k];
        out[n * outF + o] = acc + (shared ? bs[0] : bs[o]);
      }
    }
    return { buffer: out, shape: x.ndim === 1 ? [outF] : [rows, outF] };
  },
  // dx = G W; dW = Gᵀ x (the outer product for one sample); db = G, which the engine sums back
  // over the batch (and over the units, for a shared scalar bias)
  backward: {
    x: (ctx, grad) => grad.matmul(ctx.saved[1]),
    weight: (ctx, grad) => {
      const x = ctx.saved[0];
      return x.ndim === 1 ? grad.reshape([grad.shape[0], 1]).matmul(x.reshape([1, x.shape[0]])) : grad.matmul(x, { transposeA: true });
    },
    bias: (_ctx, grad) => grad,
  },
});

/**
 * The affine map y = x Wᵀ + b of a dense layer, as a differentiable function.
 *
 * - `x`: one sample [in] (gives [out]) or a batch [N, in] (gives [N, out])
 * - `weight`: [out, in], one row per output unit
 * - `bias`: [out], or a single number / [] / [1] shared by every unit; omitted for none
 *
 * dx = G W, dW = Gᵀ x, db = Σ_batch G (summed over the units too when the bias is shared).
 *
 * @example
 * ```ts
 * linear(tensor([0.05, 0.1]), tensor([[0.15, 0.2], [0.25, 0.3]]), 0.35).toArray();
 * // [0.3775, 0.3925]: net_h1 and net_h2 of the article
 * ```
 */
export function linear(x: TensorLike, weight: Tensor, bias?: TensorLike | null): Tensor {
  const tx = x instanceof Tensor ? x : tensor(x, { dtype: weight.dtype });
  if (weight.ndim !== 2) {
    throw new ShapeError(`linear: weight must be 2-D [out, in], got shape ${fmtShape(weight.shape)}`);
  }
  const [outF, inF] = weight.shape;
  if ((tx.ndim !== 1 && tx.ndim !== 2) || tx.shape[tx.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: input of shape ${fmtShape(tx.shape)} does not fit weight ${fmtShape(weight.shape)}: ` +
        `expected [${inF}] (one sample) or [N,${inF}] (a batch)`,
    );
  }
  const tb = bias === undefined || bias === null ? tensor(0, { dtype: weight.dtype }) : bias instanceof Tensor ? bias : tensor(bias, { dtype: weight.dtype });
  if (tb.ndim > 1 || (tb.size !== 1 && tb.size !== outF)) {
    throw new ShapeError(`linear: bias of shape ${fmtShape(tb.shape)} does not fit ${outF} output units: expected [${outF}], [1] or a scalar []`);
  }
  return linearOp(tx, weight, tb);
}

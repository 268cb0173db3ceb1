/**
 * The vector p-norm over axes (`torch.linalg.vector_norm`; `x.norm()` as `torch.norm`).
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { normalizeAxes } from '../shape.js';
import { normKernel } from '../kernels/fold.js';
import { absSlope } from './unary.js';
import { asKept, reducedResult } from './reduce-shape.js';

/**
 * The order `p` (default 2; any p > 0, or Infinity for max |x|), the axes to reduce (all when left
 * out), and whether to keep them as size 1.
 * @example
 * ```ts
 * norm(x, { p: 1, axes: -1, keepdims: true });
 * ```
 */
export interface NormOptions {
  p?: number;
  axes?: number | readonly number[];
  keepdims?: boolean;
}

function orderOf(options: NormOptions | undefined): number {
  const p = options?.p ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new ChainruleError(`norm: p must be a number > 0 or Infinity, got ${String(p)}`);
  return p;
}

/**
 * The p-norm (Σ|x|ᵖ)^(1/p) over all elements or `axes`: Σ|x| for p = 1, √Σx² for p = 2 (the
 * default), max |x| for p = Infinity.
 *
 * d‖x‖ₚ = sign(x)·|x|ᵖ⁻¹ / ‖x‖ₚᵖ⁻¹ · dx; p = 1: sign(x) dx; p = 2: x/‖x‖ dx; p = Infinity: sign(x) dx
 * at the largest |x|, shared evenly by ties
 *
 * NOTE: where the norm is 0 the gradient is 0 (a subgradient; x/‖x‖ would be 0/0), and for p < 1
 * the gradient of an element that is 0 is 0 (|x|ᵖ⁻¹ is infinite there), as PyTorch. Unlike
 * PyTorch, the sum is scaled by a power of two near the largest |x| (kernels/fold.ts), so it
 * cannot overflow or underflow: the 2-norm of [1e200, 1e200] is 1.414e200 (PyTorch: Infinity,
 * with gradient 0), of [1e-200, 1e-200] 1.414e-200 (PyTorch: 0). Elsewhere the 2-norm is bit for
 * bit the plain √Σx² summed in row-major order (dividing by a power of two is exact).
 * @example
 * ```ts
 * norm(tensor([3, 4])).item(); // 5
 * norm(tensor([3, -4]), { p: 1 }).item(); // 7
 * norm(tensor([3, -4]), { p: Infinity }).item(); // 4
 * ```
 */
export const norm = defineOp({
  name: 'norm',
  inputs: ['x'],
  forward(ctx: OpContext<NormOptions | undefined>, x) {
    const axes = normalizeAxes(ctx.params?.axes, x.ndim, 'norm');
    ctx.save(x);
    ctx.saveResult();
    return reducedResult(normKernel(x, axes, orderOf(ctx.params)), axes, ctx.params?.keepdims);
  },
  backward: {
    x: (ctx, grad) => {
      const [x, result] = ctx.saved;
      const p = orderOf(ctx.params);
      const axes = normalizeAxes(ctx.params?.axes, x.ndim, 'norm');
      const g = asKept(grad, x, axes);
      const out = asKept(result, x, axes);
      if (p === 1) return absSlope(x).mul(g);
      if (p === 2) return x.mul(g.div(out).where(out.ne(0), 0));
      if (p === Infinity) {
        // the elements at the maximum, and NaNs (PyTorch's mask), share the gradient evenly
        const winners = x.abs().eq(out).add(x.ne(x)).gt(0);
        return absSlope(x).mul(g.div(winners.sum(axes, true)).mul(winners));
      }
      if (p < 1) {
        const scaled = absSlope(x).mul(x.abs().pow(p - 1)).where(x.ne(0), 0);
        return scaled.mul(g).mul(out.pow(1 - p));
      }
      const scaled = p < 2 ? absSlope(x).mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
      return scaled.mul(g.div(out.pow(p - 1)).where(out.ne(0), 0));
    },
  },
});

/**
 * The product over axes.
 * @module
 */
import { defineOp, type OpContext } from '../op.js';
import { normalizeAxes } from '../shape.js';
import { prodKernel } from '../kernels/fold.js';
import type { ReduceOptions } from './reduce.js';
import { asKept, reducedResult } from './reduce-shape.js';
import { exclusiveProducts } from './scan.js';

/**
 * The product of all elements, or over `axes` (`keepdims` keeps them as size 1); 1 over no
 * elements. Multiplied left to right in row-major order of the reduced elements.
 *
 * d Π x = Σ_k (Π_(j≠k) x_j) dx_k: each element's gradient is the product of the others
 *
 * NOTE: the product of the others is computed as (product of those before) · (product of those
 * after), two running products, never as Π x / x_k: that is exact with one zero in the slice (the
 * zero's gradient is the product of the rest, the others' 0) and with several (all 0), and every
 * derivative order follows. PyTorch 1.13 divides the result by x when the input has no zero at all,
 * which gives NaN next to an infinite element where chainrule gives the true partial derivative:
 * for [2, Infinity, -Infinity], chainrule's gradient is [-Infinity, -Infinity, Infinity], PyTorch's
 * [-Infinity, NaN, NaN]. With two zeros and a NaN in one product PyTorch returns 0; chainrule NaN.
 * @example
 * ```ts
 * prod(tensor([[1, 2], [3, 4]]), { axes: 1 }).toArray(); // [2, 12]
 * ```
 */
export const prod = defineOp({
  name: 'prod',
  inputs: ['x'],
  forward(ctx: OpContext<ReduceOptions | undefined>, x) {
    const axes = normalizeAxes(ctx.params?.axes, x.ndim, 'prod');
    ctx.save(x);
    return reducedResult(prodKernel(x, axes), axes, ctx.params?.keepdims);
  },
  backward: {
    x: (ctx, grad) => {
      const [x] = ctx.saved;
      const axes = normalizeAxes(ctx.params?.axes, x.ndim, 'prod');
      const g = asKept(grad, x, axes);
      if (axes.length === 0) return g;
      // the reduced axes moved last and flattened into one, so that "the others" is one run
      const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const order = [...rest, ...axes];
      const moved = x.permute(order);
      const flat = moved.reshape([...rest.map((i) => x.shape[i]), axes.reduce((n, a) => n * x.shape[a], 1)]);
      const [before, after] = exclusiveProducts(flat, -1);
      const inverse = order.map((_, i) => order.indexOf(i));
      const others = before.mul(after).reshape(moved.shape).permute(inverse);
      return g.mul(others);
    },
  },
});

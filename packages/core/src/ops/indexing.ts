/**
 * Indexing along one axis: gather and scatterAdd, each the other's adjoint.
 *
 * Index tensors: chainrule has no integer dtype yet, so an index is a tensor (or nested array) of
 * whole numbers in the data's dtype; every value must be an integer in [0, size of the axis). A
 * value that is not is refused with its position, before anything is computed.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext } from '../op.js';
import { normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { gatherKernel, scatterAddKernel } from '../kernels/indexing.js';
import { zerosOf } from './zeros-of.js';

/**
 * The axis along which an index applies.
 * @example
 * ```ts
 * gather(x, index, { axis: 1 });
 * ```
 */
export interface AxisOptions {
  axis: number;
}

/** Checks an index against `x` for gather/scatterAdd (PyTorch's rules) and returns the normalised axis. */
function checkIndex(op: string, x: Tensor, index: Tensor, options: AxisOptions | undefined, src?: Tensor): number {
  if (typeof options !== 'object' || options === null || options.axis === undefined) {
    throw new ShapeError(`${op}: expected options { axis }, got ${options === null ? 'null' : typeof options}`);
  }
  const axis = normalizeAxis(options.axis, x.ndim === 0 ? 1 : x.ndim, op);
  if (index.ndim !== x.ndim) {
    throw new ShapeError(`${op}: the index has shape ${fmtShape(index.shape)} but the input has shape ${fmtShape(x.shape)}; they must have the same number of dimensions`);
  }
  for (let d = 0; d < x.ndim; d++) {
    if (d !== axis && index.shape[d] > x.shape[d]) {
      throw new ShapeError(`${op}: the index has shape ${fmtShape(index.shape)}, larger than the input's ${fmtShape(x.shape)} in dimension ${d}; only the indexed axis ${axis} may differ`);
    }
  }
  if (src !== undefined && !shapesEqual(src.shape, index.shape)) {
    throw new ShapeError(`${op}: src has shape ${fmtShape(src.shape)} but the index has shape ${fmtShape(index.shape)}; they must be equal`);
  }
  const n = x.ndim === 0 ? 1 : x.shape[axis];
  const values = index.buffer;
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new ShapeError(`${op}: index value ${v} at flat position ${p} is not an integer in [0, ${n}) for axis ${axis} of the input of shape ${fmtShape(x.shape)}`);
    }
  }
  return axis;
}

/**
 * Picks values along `axis` by index: out[i][j] = x[index[i][j]][j] for axis 0, x[i][index[i][j]]
 * for axis 1 (PyTorch's `torch.gather`). The result has the index's shape.
 *
 * d gather(x) = scatterAdd(zeros, index, dx): each gradient goes back to the element it was read from
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4]]), [[1], [0]], { axis: 1 }).toArray(); // [[2], [3]]
 * ```
 */
export const gather = defineOp({
  name: 'gather',
  inputs: ['x', 'index'],
  forward(ctx: OpContext<AxisOptions>, x, index) {
    ctx.save(index);
    return gatherKernel(x, checkIndex('gather', x, index, ctx.params), index);
  },
  backward: {
    x: (ctx, grad) => zerosOf(ctx.inputs[0]).scatterAdd(ctx.params.axis, ctx.saved[0], grad),
  },
});

/**
 * A copy of `x` with each src value added at its index along `axis`: out[index[i][j]][j] += src[i][j]
 * for axis 0 (PyTorch's `scatter_add`, out of place). Repeated indices add up. `src` has the
 * index's shape.
 *
 * d scatterAdd = dx for x, gather(dout, index) for src
 * @example
 * ```ts
 * scatterAdd(zeros([3]), [0, 0, 2], tensor([1, 2, 3]), { axis: 0 }).toArray(); // [3, 0, 3]
 * ```
 */
export const scatterAdd = defineOp({
  name: 'scatterAdd',
  inputs: ['x', 'index', 'src'],
  forward(ctx: OpContext<AxisOptions>, x, index, src) {
    ctx.save(index);
    return scatterAddKernel(x, checkIndex('scatterAdd', x, index, ctx.params, src), index, src);
  },
  backward: {
    x: (_ctx, grad) => grad,
    src: (ctx, grad) => grad.gather(ctx.params.axis, ctx.saved[0]),
  },
});

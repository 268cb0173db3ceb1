/**
 * Layout ops: reshape, permute/transpose, expand/broadcastTo, slice, concat, stack, squeeze,
 * unsqueeze, cast, clone. Each backward is the inverse rearrangement (expand's is a sum: the reverse
 * of broadcasting).
 * @module
 */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import type { DType } from '../dtype.js';
import { allocBuffer, checkDType } from '../dtype.js';
import { defineOp, defineVariadicOp, type OpContext, type Gradients } from '../op.js';
import { broadcastShapes, checkShape, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { concatKernel, embedKernel, expandKernel, permuteKernel, sliceKernel, type SliceSpec } from '../kernels/layout.js';

function asTensor(x: TensorLike): Tensor {
  return x instanceof Tensor ? x : tensor(x);
}

/** Resolves a target shape with at most one -1 against `size`, or throws naming the shapes. */
function resolveShape(from: Shape, target: readonly number[]): Shape {
  const size = sizeOf(from);
  let infer = -1;
  let known = 1;
  target.forEach((d, i) => {
    if (d === -1 && infer < 0) infer = i;
    else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`reshape: invalid dimension ${d} in ${fmtShape(target)}; expected non-negative integers and at most one -1`);
    } else known *= d;
  });
  const shape = target.slice();
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(target)}: ${size} is not a multiple of ${known}`);
    }
    shape[infer] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(target)} (${known} elements); the sizes must match`);
  }
  return shape;
}

const reshapeOp = defineOp({
  name: 'reshape',
  inputs: ['x'],
  forward: (ctx: OpContext<Shape>, x) => new Tensor(x.buffer.slice(), ctx.params),
  // the gradient is reshaped back
  backward: (ctx, grad): Gradients => [reshape(grad, ctx.inputs[0].shape)],
});

/**
 * The same elements, row-major, in a new shape; one dimension may be -1 and is then inferred.
 * Returns a copy (chainrule tensors never share memory).
 * @example
 * ```ts
 * reshape(tensor([1, 2, 3, 4]), [2, -1]).toArray(); // [[1, 2], [3, 4]]
 * ```
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  checkShape(shape.map((d) => (d === -1 ? 0 : d)), 'reshape');
  return reshapeOp(t, resolveShape(t.shape, shape));
}

const permuteOp = defineOp({
  name: 'permute',
  inputs: ['x'],
  forward: (ctx: OpContext<readonly number[]>, x) => permuteKernel(x, ctx.params),
  // the inverse permutation puts the gradient's axes back
  backward(ctx, grad): Gradients {
    const inverse = new Array<number>(ctx.params.length);
    ctx.params.forEach((a, i) => (inverse[a] = i));
    return [permute(grad, inverse)];
  },
});

/**
 * Reorders axes: output axis i is input axis `axes[i]` (negative axes count from the end).
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: TensorLike, axes: readonly number[]): Tensor {
  const t = asTensor(x);
  if (axes.length !== t.ndim) {
    throw new ShapeError(`permute: got ${axes.length} axes ${JSON.stringify(axes)} for a tensor of shape ${fmtShape(t.shape)}; expected ${t.ndim}`);
  }
  const normal = axes.map((a) => normalizeAxis(a, t.ndim, 'permute'));
  if (new Set(normal).size !== normal.length) throw new ShapeError(`permute: axes ${JSON.stringify(axes)} repeat an axis; expected a permutation of 0..${t.ndim - 1}`);
  return permuteOp(t, normal);
}

/**
 * Swaps two axes; with none given, the last two (a matrix transpose; a 1-D tensor is returned as is).
 * @example
 * ```ts
 * transpose(tensor([[1, 2, 3]])).toArray(); // [[1], [2], [3]]
 * ```
 */
export function transpose(x: TensorLike, axis0?: number, axis1?: number): Tensor {
  const t = asTensor(x);
  if (axis0 === undefined && axis1 === undefined) {
    if (t.ndim < 2) return t;
    axis0 = -2;
    axis1 = -1;
  }
  const a0 = normalizeAxis(axis0 ?? -2, t.ndim, 'transpose');
  const a1 = normalizeAxis(axis1 ?? -1, t.ndim, 'transpose');
  const axes = t.shape.map((_, i) => i);
  axes[a0] = a1;
  axes[a1] = a0;
  return permuteOp(t, axes);
}

const expandOp = defineOp({
  name: 'expand',
  inputs: ['x'],
  forward: (ctx: OpContext<Shape>, x) => expandKernel(x, ctx.params),
  // expand's backward is a sum over the broadcast axes: the reverse of broadcasting
  backward: (ctx, grad): Gradients => [grad], // the engine's reduceToShape sums it back to x's shape
});

/**
 * Broadcasts `x` to `shape` by NumPy's rules (leading axes added, size-1 axes repeated); -1 keeps
 * a dimension of `x`. The gradient sums over the repeated axes.
 * @example
 * ```ts
 * expand(tensor([[1], [2]]), [2, 3]).toArray(); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function expand(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor(x);
  const lead = shape.length - t.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? t.shape[i - lead] : d));
  checkShape(target, 'expand');
  const result = lead < 0 ? null : broadcastShapes(t.shape, target, 'expand');
  if (result === null || !shapesEqual(result, target)) {
    throw new ShapeError(`expand: cannot broadcast shape ${fmtShape(t.shape)} to ${fmtShape(shape)}; each dimension must equal the target's or be 1`);
  }
  if (shapesEqual(t.shape, target)) return t;
  return expandOp(t, target);
}

/**
 * Broadcasts `x` to `shape` (NumPy's `broadcast_to`).
 * @example
 * ```ts
 * broadcastTo(tensor(1), [2, 2]).toArray(); // [[1, 1], [1, 1]]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

const sliceOp = defineOp({
  name: 'slice',
  inputs: ['x'],
  forward: (ctx: OpContext<SliceSpec>, x) => sliceKernel(x, ctx.params),
  // the gradient goes back where the slice was taken from; zeros elsewhere
  backward: (ctx, grad): Gradients => [embedOp(grad, { shape: ctx.inputs[0].shape, slice: ctx.params })],
});

const embedOp = defineOp({
  name: 'embedSlice',
  inputs: ['part'],
  forward: (ctx: OpContext<{ shape: Shape; slice: SliceSpec }>, part) => embedKernel(part, ctx.params.shape, ctx.params.slice),
  // embedding's adjoint is slicing
  backward: (ctx, grad): Gradients => [sliceOp(grad, ctx.params.slice)],
});

/**
 * Elements `start` (inclusive) to `end` (exclusive) in steps of `step` along `axis`, with Python's
 * rules: negative indices count from the end, and out-of-range bounds are clamped.
 * @example
 * ```ts
 * slice(tensor([0, 1, 2, 3, 4]), 0, 1, -1).toArray();   // [1, 2, 3]
 * slice(tensor([0, 1, 2, 3, 4]), 0, 0, 5, 2).toArray(); // [0, 2, 4]
 * ```
 */
export function slice(x: TensorLike, axis: number, start: number, end?: number, step = 1): Tensor {
  const t = asTensor(x);
  const a = normalizeAxis(axis, t.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new ShapeError(`slice: step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new ShapeError(`slice: start and end must be integers, got ${start} and ${end}`);
  }
  const n = t.shape[a];
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIndex(start);
  const e = end === undefined ? n : clampIndex(end);
  const count = e > s ? Math.ceil((e - s) / step) : 0;
  return sliceOp(t, { axis: a, start: s, count, step });
}

const concatOp = defineVariadicOp({
  name: 'concat',
  inputs: 'tensors',
  forward(ctx: OpContext<{ axis: number; shape: Shape }>, ...xs) {
    return concatKernel(xs, ctx.params.axis, ctx.params.shape);
  },
  // each input gets back its own stretch of the gradient
  backward(ctx, grad): Gradients {
    const axis = ctx.params.axis;
    let start = 0;
    return ctx.inputs.map((x, i) => {
      const n = x.shape[axis];
      const g = ctx.needsInputGrad[i] ? sliceOp(grad, { axis, start, count: n, step: 1 }) : null;
      start += n;
      return g;
    });
  },
});

/**
 * Joins tensors along an existing axis; all other dimensions must agree.
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4]])], 0).toArray(); // [[1, 2], [3, 4]]
 * ```
 */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ShapeError('concat: expected a non-empty array of tensors');
  const ts = tensors.map(asTensorKeepDtype(tensors));
  const first = ts[0];
  const a = normalizeAxis(axis, first.ndim, 'concat');
  const shape = first.shape.slice();
  shape[a] = 0;
  ts.forEach((t, i) => {
    const ok = t.ndim === first.ndim && t.shape.every((d, j) => j === a || d === first.shape[j]);
    if (!ok) {
      throw new ShapeError(
        `concat: tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has shape ${fmtShape(first.shape)}; ` +
          `all dimensions except axis ${a} must match`,
      );
    }
    shape[a] += t.shape[a];
  });
  return concatOp(ts, { axis: a, shape });
}

/** Converts numbers and arrays to tensors of the dtype of the first tensor in the list. */
function asTensorKeepDtype(list: readonly TensorLike[]) {
  const dtype = (list.find((x) => x instanceof Tensor) as Tensor | undefined)?.dtype;
  return (x: TensorLike): Tensor => (x instanceof Tensor ? x : tensor(x, { dtype }));
}

/**
 * Stacks tensors of one shape along a new axis.
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ShapeError('stack: expected a non-empty array of tensors');
  const ts = tensors.map(asTensorKeepDtype(tensors));
  ts.forEach((t, i) => {
    if (!shapesEqual(t.shape, ts[0].shape)) {
      throw new ShapeError(`stack: tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has shape ${fmtShape(ts[0].shape)}; stack needs equal shapes`);
    }
  });
  ts.forEach((t, i) => {
    // checked here so the message names stack rather than the concat it is built on
    if (t.dtype !== ts[0].dtype) {
      throw new DTypeError(`stack: tensors[${i}] is ${t.dtype} but tensors[0] is ${ts[0].dtype}; ops do not mix dtypes, cast one with .cast('${ts[0].dtype}') first`);
    }
  });
  const a = newAxis(axis, ts[0].shape, 'stack');
  return concat(ts.map((t) => unsqueeze(t, a)), a);
}

/** The position of a new axis in a result of rank ndim + 1 (negative counts from its end), or throws naming the input's rank. */
function newAxis(axis: number, shape: Shape, op: string): number {
  const n = shape.length + 1;
  if (!Number.isInteger(axis) || axis < -n || axis >= n) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a new axis of a tensor of shape ${fmtShape(shape)} (rank ${shape.length}); valid axes are [${-n}, ${n - 1}]`);
  }
  return axis < 0 ? axis + n : axis;
}

/**
 * Inserts a size-1 axis at `axis` (negative counts from the end of the result).
 * @example
 * ```ts
 * unsqueeze(tensor([1, 2]), 0).shape; // [1, 2]
 * ```
 */
export function unsqueeze(x: TensorLike, axis: number): Tensor {
  const t = asTensor(x);
  const a = newAxis(axis, t.shape, 'unsqueeze');
  const shape = t.shape.slice();
  shape.splice(a, 0, 1);
  return reshape(t, shape);
}

/**
 * Removes size-1 axes: all of them, or only `axis` (which must have size 1).
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape; // [3]
 * ```
 */
export function squeeze(x: TensorLike, axis?: number): Tensor {
  const t = asTensor(x);
  if (axis === undefined) return reshape(t, t.shape.filter((d) => d !== 1));
  const a = normalizeAxis(axis, t.ndim, 'squeeze');
  if (t.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${axis} of shape ${fmtShape(t.shape)} has size ${t.shape[a]}; expected 1`);
  return reshape(t, t.shape.filter((_, i) => i !== a));
}

const castOp = defineOp({
  name: 'cast',
  inputs: ['x'],
  forward(ctx: OpContext<DType>, x) {
    const out = allocBuffer(ctx.params, x.size);
    out.set(x.buffer);
    return new Tensor(out, x.shape);
  },
  // the gradient is cast back to the input's dtype
  backward: (ctx, grad): Gradients => [cast(grad, ctx.inputs[0].dtype)],
});

/**
 * The values in another dtype; the gradient is cast back. float64 → float32 rounds to nearest.
 * @example
 * ```ts
 * cast(tensor([0.1]), 'float32').item(); // 0.10000000149011612
 * ```
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  const t = asTensor(x);
  checkDType(dtype, 'cast');
  return t.dtype === dtype ? t : castOp(t, dtype);
}

/**
 * A copy that stays in the graph: the gradient passes through unchanged.
 * @example
 * ```ts
 * const y = clone(x); // y.add_(1) leaves x unchanged
 * ```
 */
export const clone = defineOp({
  name: 'clone',
  inputs: ['x'],
  forward: (_ctx, x) => new Tensor(x.buffer.slice(), x.shape),
  backward: (_ctx, grad): Gradients => [grad],
});

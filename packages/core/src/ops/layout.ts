/**
 * Layout ops: reshape, permute/transpose, expand/broadcastTo, slice, concat, stack, squeeze,
 * unsqueeze, cast, clone. Each backward is the inverse rearrangement (expand's is a sum: the reverse
 * of broadcasting).
 * @module
 */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { checkDType, copyOf, type DType } from '../dtype.js';
import { defineOp, defineVariadicOp, type OpContext, type OpFunction } from '../op.js';
import { broadcastShapes, checkShape, frozenShape, normalizeAxis, shapesEqual, sizeOf, type Shape, shapeSlice } from '../shape.js';
import { Tensor, asTensor, type TensorLike } from '../tensor.js';
import { castKernel, concatKernel, embedKernel, expandKernel, permuteKernel, sliceKernel, type SliceSpec } from '../kernels/layout.js';

/** Resolves a target shape with at most one -1 against the size of `from`, or throws naming the shapes. */
function resolveShape(from: Shape, target: unknown): Shape {
  if (!Array.isArray(target)) throw new ShapeError(`reshape: the new shape must be an array of integers, got ${typeof target}`);
  const size = sizeOf(from);
  let infer = -1;
  let known = 1;
  target.forEach((d: unknown, i) => {
    if (d === -1 && infer < 0) infer = i;
    else if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`reshape: invalid dimension ${String(d)} in ${fmtShape(target)}; expected non-negative integers and at most one -1`);
    } else known *= d;
  });
  const shape = target.slice() as number[];
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(target)}: ${size} is not a multiple of ${known}`);
    }
    shape[infer] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) to ${fmtShape(target)} (${known} elements); the sizes must match`);
  }
  return frozenShape(shape);
}

/**
 * The same elements, row-major, in a new shape; one dimension may be -1 and is then inferred.
 * Returns a copy (chainrule tensors never share memory).
 *
 * d reshape(x) = reshape(dx) back to x's shape
 * @example
 * ```ts
 * reshape(tensor([1, 2, 3, 4]), [2, -1]).toArray(); // [[1, 2], [3, 4]]
 * ```
 */
export const reshape = defineOp({
  name: 'reshape',
  inputs: ['x'],
  forward: (ctx: OpContext<readonly number[]>, x) => ({ buffer: copyOf(x.buffer), shape: resolveShape(x.shape, ctx.params) }),
  backward: { x: (ctx, grad) => grad.reshape(ctx.inputs[0].shape) },
});

/** Permutation axes checked against the tensor's rank and normalised (negative axes count from the end). */
function permutation(axes: unknown, x: Tensor): number[] {
  if (!Array.isArray(axes) || axes.length !== x.ndim) {
    throw new ShapeError(`permute: got ${Array.isArray(axes) ? `${axes.length} axes ${JSON.stringify(axes)}` : String(axes)} for a tensor of shape ${fmtShape(x.shape)}; expected ${x.ndim}`);
  }
  const normal = axes.map((a: number) => normalizeAxis(a, x.ndim, 'permute'));
  if (new Set(normal).size !== normal.length) throw new ShapeError(`permute: axes ${JSON.stringify(axes)} repeat an axis; expected a permutation of 0..${x.ndim - 1}`);
  return normal;
}

/**
 * Reorders axes: output axis i is input axis `axes[i]` (negative axes count from the end).
 *
 * d permute(x, p) = permute(dx, p⁻¹): the inverse permutation puts the gradient's axes back
 * @example
 * ```ts
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export const permute = defineOp({
  name: 'permute',
  inputs: ['x'],
  forward: (ctx: OpContext<readonly number[]>, x) => permuteKernel(x, permutation(ctx.params, x)),
  backward: {
    x: (ctx, grad) => {
      const axes = permutation(ctx.params, ctx.inputs[0]);
      const inverse = new Array<number>(axes.length);
      axes.forEach((a, i) => (inverse[a] = i));
      return grad.permute(inverse);
    },
  },
});

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
  return permute(t, axes);
}

/** The target of expand: -1 keeps a dimension; checked to be a broadcast of x's shape. */
function expandTarget(x: Tensor, shape: unknown): Shape {
  if (!Array.isArray(shape)) throw new ShapeError(`expand: the target shape must be an array of integers, got ${typeof shape}`);
  // a tensor's own (frozen) shape, as backward rules pass: nothing to resolve or copy
  if (Object.isFrozen(shape) && shapesEqual(broadcastShapes(x.shape, shape, 'expand'), shape)) return shape;
  const lead = shape.length - x.ndim;
  const target = checkShape(shape.map((d: number, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d)), 'expand');
  const result = lead < 0 ? null : broadcastShapes(x.shape, target, 'expand');
  if (result === null || !shapesEqual(result, target)) {
    throw new ShapeError(`expand: cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)}; each dimension must equal the target's or be 1`);
  }
  return target;
}

/**
 * Broadcasts `x` to `shape` by NumPy's rules (leading axes added, size-1 axes repeated); -1 keeps
 * a dimension of `x`.
 *
 * d expand(x) = the sum of dx over the repeated axes: the engine's reduceToShape does it, the
 * reverse of broadcasting, so the rule passes the gradient on as it is.
 * @example
 * ```ts
 * expand(tensor([[1], [2]]), [2, 3]).toArray(); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export const expand = defineOp({
  name: 'expand',
  inputs: ['x'],
  forward(ctx: OpContext<readonly number[]>, x) {
    const target = expandTarget(x, ctx.params);
    return shapesEqual(target, x.shape) ? x : expandKernel(x, target);
  },
  backward: { x: (_ctx, grad) => grad },
});

/**
 * Broadcasts `x` to `shape` (NumPy's `broadcast_to`); the same op as {@link expand}.
 * @example
 * ```ts
 * broadcastTo(tensor(1), [2, 2]).toArray(); // [[1, 1], [1, 1]]
 * ```
 */
export const broadcastTo = expand;

/**
 * Where to slice: along `axis`, from `start` (inclusive, default 0) to `end` (exclusive, default the
 * end) in steps of `step` (default 1), with Python's rules for negative and out-of-range bounds.
 * @example
 * ```ts
 * slice(x, { axis: 1, start: 1, end: -1 });
 * ```
 */
export interface SliceOptions {
  axis: number;
  start?: number;
  end?: number;
  step?: number;
}

/** The resolved slice: in-range start, element count and step. */
function sliceSpec(x: Tensor, options: SliceOptions | undefined): SliceSpec {
  if (typeof options !== 'object' || options === null) throw new ShapeError(`slice: expected options { axis, start, end, step }, got ${options === null ? 'null' : typeof options}`);
  const a = normalizeAxis(options.axis, x.ndim, 'slice');
  const step = options.step ?? 1;
  const start = options.start ?? 0;
  const end = options.end;
  if (!Number.isInteger(step) || step <= 0) throw new ShapeError(`slice: step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end))) {
    throw new ShapeError(`slice: start and end must be integers, got ${start} and ${end}`);
  }
  const n = x.shape[a];
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = clampIndex(start);
  const e = end === undefined ? n : clampIndex(end);
  const count = e > s ? Math.ceil((e - s) / step) : 0;
  return { axis: a, start: s, count, step };
}

/**
 * Elements `start` (inclusive) to `end` (exclusive) in steps of `step` along `axis`, with Python's
 * rules: negative indices count from the end, and out-of-range bounds are clamped.
 *
 * d slice(x) = dx placed back where the slice was taken from, zeros elsewhere
 * @example
 * ```ts
 * slice(tensor([0, 1, 2, 3, 4]), { axis: 0, start: 1, end: -1 }).toArray();   // [1, 2, 3]
 * slice(tensor([0, 1, 2, 3, 4]), { axis: 0, step: 2 }).toArray(); // [0, 2, 4]
 * ```
 */
export const slice: OpFunction<['x'], SliceOptions> = defineOp({
  name: 'slice',
  inputs: ['x'],
  forward: (ctx: OpContext<SliceOptions>, x) => sliceKernel(x, sliceSpec(x, ctx.params)),
  backward: { x: (ctx, grad) => embedSlice(grad, { shape: ctx.inputs[0].shape, slice: sliceSpec(ctx.inputs[0], ctx.params) }) },
});

/** Zeros of `shape` with `part` where the slice would read: slicing's adjoint, and slicing is its. */
const embedSlice: OpFunction<['part'], { shape: Shape; slice: SliceSpec }> = defineOp({
  name: 'embedSlice',
  inputs: ['part'],
  forward: (ctx: OpContext<{ shape: Shape; slice: SliceSpec }>, part) => embedKernel(part, ctx.params.shape, ctx.params.slice),
  backward: {
    part: (ctx, grad) => {
      const { axis, start, count, step } = ctx.params.slice;
      return slice(grad, { axis, start, end: start + count * step, step });
    },
  },
});

/** Where each input of a concat starts along the axis, computed once per node (not once per input). */
const concatOffsets = new WeakMap<OpContext<unknown>, number[]>();

/**
 * Joins tensors along an existing axis (default 0); all other dimensions must agree.
 *
 * d concat(xs)/d xs[i] = the stretch of the gradient that xs[i] filled
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4]])], { axis: 0 }).toArray(); // [[1, 2], [3, 4]]
 * ```
 */
export const concat = defineVariadicOp({
  name: 'concat',
  inputs: 'tensors',
  forward(ctx: OpContext<{ axis?: number } | undefined>, xs) {
    const first = xs[0];
    const a = normalizeAxis(ctx.params?.axis ?? 0, first.ndim, 'concat');
    const shape = shapeSlice(first.shape);
    shape[a] = 0;
    for (let i = 0; i < xs.length; i++) {
      const t = xs[i];
      const ok = t.ndim === first.ndim && t.shape.every((d, j) => j === a || d === first.shape[j]);
      if (!ok) {
        throw new ShapeError(
          `concat: tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has shape ${fmtShape(first.shape)}; ` +
            `all dimensions except axis ${a} must match`,
        );
      }
      shape[a] += t.shape[a];
    }
    return concatKernel(xs, a, checkShape(shape, 'concat'));
  },
  backward(ctx, grad, i) {
    const a = normalizeAxis(ctx.params?.axis ?? 0, ctx.inputs[0].ndim, 'concat');
    let offsets = concatOffsets.get(ctx);
    if (offsets === undefined) {
      offsets = [0];
      for (const x of ctx.inputs) offsets.push(offsets[offsets.length - 1] + x.shape[a]);
      concatOffsets.set(ctx, offsets);
    }
    return slice(grad, { axis: a, start: offsets[i], end: offsets[i + 1] });
  },
});

/**
 * Stacks tensors of one shape along a new axis (default 0).
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])], { axis: 1 }).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly TensorLike[], options: { axis?: number } = {}): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ShapeError('stack: expected a non-empty array of tensors');
  const dtype = (tensors.find((x) => x instanceof Tensor) as Tensor | undefined)?.dtype;
  const ts = tensors.map((x) => asTensor(x, { dtype }));
  const first = ts[0];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(`stack: tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has shape ${fmtShape(first.shape)}; stack needs equal shapes`);
    }
    // checked here so the message names stack rather than the concat it is built on
    if (t.dtype !== first.dtype) {
      throw new DTypeError(`stack: tensors[${i}] is ${t.dtype} but tensors[0] is ${first.dtype}; ops do not mix dtypes, cast one with .cast('${first.dtype}') first`);
    }
  }
  const a = newAxis(options.axis ?? 0, first.shape, 'stack');
  const shape = shapeSlice(first.shape);
  shape.splice(a, 0, 1);
  const parts = new Array<Tensor>(ts.length);
  for (let i = 0; i < ts.length; i++) parts[i] = reshape(ts[i], shape);
  return concat(parts, { axis: a });
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
  const shape = shapeSlice(t.shape);
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

/**
 * The values in another dtype; float64 → float32 rounds to nearest.
 *
 * d cast(x) = cast(dx) back to x's dtype
 * @example
 * ```ts
 * cast(tensor([0.1]), 'float32').item(); // 0.10000000149011612
 * ```
 */
export const cast = defineOp({
  name: 'cast',
  inputs: ['x'],
  forward(ctx: OpContext<DType>, x) {
    const dtype = checkDType(ctx.params, 'cast');
    return dtype === x.dtype ? x : castKernel(x, dtype);
  },
  backward: { x: (ctx, grad) => grad.cast(ctx.inputs[0].dtype) },
});

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
  forward: (_ctx, x) => ({ buffer: copyOf(x.buffer), shape: x.shape }),
  backward: { x: (_ctx, grad) => grad },
});

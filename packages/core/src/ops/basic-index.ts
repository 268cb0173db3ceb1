/**
 * Basic indexing over several axes at once: `x.index([null, [1, -1], 0])` is PyTorch's (and NumPy's)
 * `x[None, 1:-1, 0]`. The whole index is one strided view of x (kernels/strided.ts), copied out, so
 * the gradient is that view's adjoint: the incoming gradient written back where the view read.
 *
 * The index is an array with one item per indexed axis, from the first axis on:
 * - a number `i` picks position i of the axis and drops the axis (negative counts from the end;
 *   out of range is an error, as in PyTorch);
 * - a range `[start, end, step]` (each part optional or null) or `{ start, end, step }` keeps
 *   positions start, start + step, ... before end, with Python's rules: negative bounds count from
 *   the end, out-of-range bounds are clamped, and the step is positive (1 by default);
 * - `':'` keeps the whole axis (the same as `[]` or `{}`);
 * - `null` inserts a new axis of size 1 (PyTorch's None) and consumes no axis;
 * - `'...'` keeps as many whole axes as the other items leave over (at most one per index).
 * Axes after the last item are kept whole.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { stridesOf, type Shape } from '../shape.js';
import { embedViewKernel, takeViewKernel, type StridedView } from '../kernels/strided.js';

/**
 * A range of positions along one axis: `[start, end, step]` or `{ start, end, step }`, each part
 * optional (or null): start 0, end the axis' size, step 1.
 * @example
 * ```ts
 * const r1: IndexRange = [1, -1];           // 1:-1
 * const r2: IndexRange = [null, null, 2];   // ::2
 * const r3: IndexRange = { start: 2 };      // 2:
 * ```
 */
export type IndexRange =
  | readonly [start?: number | null, end?: number | null, step?: number | null]
  | { readonly start?: number | null; readonly end?: number | null; readonly step?: number | null };

/**
 * One item of a basic index: a position (drops the axis), a range, `':'` (the whole axis), `null`
 * (a new axis) or `'...'` (the remaining axes). See {@link index}.
 * @example
 * ```ts
 * const items: IndexItem[] = ['...', null, [0, 2], -1];
 * ```
 */
export type IndexItem = number | null | ':' | '...' | IndexRange;

const LANGUAGE =
  "a number (picks, drops the axis), a range [start, end, step] or { start, end, step }, ':' (the whole axis), null (a new axis) or '...' (the remaining axes)";

function describeItem(item: unknown): string {
  if (item === undefined) return 'undefined';
  if (typeof item === 'number') return String(item);
  try {
    return JSON.stringify(item, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) ?? typeof item;
  } catch {
    return typeof item;
  }
}

/** The range parts of an item, or null when the item is not a range. */
function rangeParts(item: unknown): [unknown, unknown, unknown] | null {
  if (item === ':') return [null, null, null];
  if (Array.isArray(item)) return item.length <= 3 ? [item[0], item[1], item[2]] : null;
  if (typeof item === 'object' && item !== null && !ArrayBuffer.isView(item)) {
    const keys = Object.keys(item);
    if (!keys.every((k) => k === 'start' || k === 'end' || k === 'step')) return null;
    const r = item as { start?: unknown; end?: unknown; step?: unknown };
    return [r.start, r.end, r.step];
  }
  return null;
}

/**
 * The strided view an index reads from a contiguous array of `shape` (checked; errors name the item
 * and the shape). Picked axes only move the offset, ranges scale a stride, new axes have stride 0.
 */
export function resolveIndex(spec: unknown, shape: Shape): StridedView {
  if (!Array.isArray(spec)) throw new ShapeError(`index: expected an array of index items (${LANGUAGE}), got ${describeItem(spec)}`);
  const where = (k: number) => `item ${k} (${describeItem(spec[k])}) of the index ${describeItem(spec)} for shape ${fmtShape(shape)}`;
  let consumed = 0;
  let ellipses = 0;
  spec.forEach((item: unknown, k) => {
    if (item === '...') {
      if (++ellipses > 1) throw new ShapeError(`index: ${where(k)} is a second '...'; an index may hold at most one`);
    } else if (item !== null) {
      if (typeof item !== 'number' && rangeParts(item) === null) throw new ShapeError(`index: ${where(k)} is not an index item; expected ${LANGUAGE}`);
      consumed++;
    }
  });
  if (consumed > shape.length) {
    throw new ShapeError(`index: the index ${describeItem(spec)} indexes ${consumed} axes but the tensor of shape ${fmtShape(shape)} has ${shape.length}`);
  }
  const strides = stridesOf(shape);
  const outShape: number[] = [];
  const outStrides: number[] = [];
  let offset = 0;
  let d = 0; // the next input axis
  const keepWhole = () => {
    outShape.push(shape[d]);
    outStrides.push(strides[d]);
    d++;
  };
  spec.forEach((item: unknown, k) => {
    if (item === null) {
      outShape.push(1);
      outStrides.push(0);
    } else if (item === '...') {
      for (let left = shape.length - consumed; left > 0; left--) keepWhole();
    } else if (typeof item === 'number') {
      const n = shape[d];
      if (!Number.isInteger(item) || item < -n || item >= n) {
        throw new ShapeError(`index: ${where(k)} is not a position of axis ${d} (size ${n}); expected an integer in [${-n}, ${n - 1}]`);
      }
      offset += (item < 0 ? item + n : item) * strides[d];
      d++;
    } else {
      const [start, end, step] = rangeParts(item)!;
      const n = shape[d];
      const isPart = (v: unknown) => v === undefined || v === null || (typeof v === 'number' && Number.isInteger(v));
      if (!isPart(start) || !isPart(end) || !isPart(step)) throw new ShapeError(`index: ${where(k)} has a range part that is not an integer or null`);
      const s = (step as number | null | undefined) ?? 1;
      if (s <= 0) throw new ShapeError(`index: ${where(k)} has step ${s}; the step must be positive, as in PyTorch (reverse an axis with flip)`);
      const clampBound = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      const first = clampBound((start as number | null | undefined) ?? 0);
      const stop = end === undefined || end === null ? n : clampBound(end as number);
      outShape.push(stop > first ? Math.ceil((stop - first) / s) : 0);
      outStrides.push(strides[d] * s);
      offset += first * strides[d];
      d++;
    }
  });
  while (d < shape.length) keepWhole();
  return { shape: Object.freeze(outShape), strides: outStrides, offset };
}

/**
 * Basic indexing over several axes at once (PyTorch's `x[...]` with numbers, slices, None and
 * Ellipsis); the language is in this module's documentation. Returns a copy (tensors never share
 * memory).
 *
 * d index(x) = dx written back where the index read, zeros elsewhere (the view's adjoint)
 *
 * NOTE: steps must be positive, as in PyTorch (NumPy's negative steps: use flip); an index never
 * reads an element twice, which is what makes writing back (rather than adding) the adjoint.
 * @example
 * ```ts
 * const x = arange(12).reshape([3, 4]);
 * index(x, [1]).toArray();                 // [4, 5, 6, 7]         x[1]
 * index(x, [':', -1]).toArray();           // [3, 7, 11]           x[:, -1]
 * index(x, [[1], [null, null, 2]]).toArray(); // [[4, 6], [8, 10]] x[1:, ::2]
 * index(x, [null, '...', 0]).shape;        // [1, 3]               x[None, ..., 0]
 * ```
 */
export const index: OpFunction<['x'], readonly IndexItem[]> = defineOp({
  name: 'index',
  inputs: ['x'],
  forward: (ctx: OpContext<readonly IndexItem[]>, x) => takeViewKernel(x, resolveIndex(ctx.params, x.shape)),
  backward: {
    x: (ctx, grad) => {
      const shape = ctx.inputs[0].shape;
      return embedView(grad, { shape, view: resolveIndex(ctx.params, shape) });
    },
  },
});

/**
 * @internal A strided view of x copied out (a view that reads no element twice). einsum takes its
 * diagonals with it.
 */
export const takeView: OpFunction<['x'], StridedView> = defineOp({
  name: 'takeView',
  inputs: ['x'],
  forward: (ctx: OpContext<StridedView>, x) => takeViewKernel(x, ctx.params),
  backward: { x: (ctx, grad) => embedView(grad, { shape: ctx.inputs[0].shape, view: ctx.params }) },
});

/** @internal Zeros of `shape` with `part` written where `view` reads: the adjoint of {@link takeView}, and takeView is its. */
const embedView: OpFunction<['part'], { shape: Shape; view: StridedView }> = defineOp({
  name: 'embedView',
  inputs: ['part'],
  forward: (ctx: OpContext<{ shape: Shape; view: StridedView }>, part) => embedViewKernel(part, ctx.params.shape, ctx.params.view),
  backward: { part: (ctx, grad) => takeView(grad, ctx.params.view) },
});

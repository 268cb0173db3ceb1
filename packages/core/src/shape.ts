/**
 * Shape arithmetic: sizes, strides, NumPy broadcasting, axis normalisation. Pure functions on
 * `readonly number[]`. A tensor holds its shape as a frozen array (see `frozenShape`), so tensors share
 * shapes freely and no outside write can change one.
 * @module
 */
import { ShapeError, fmtShape } from './errors.js';
import { checkSize } from './dtype.js';

/**
 * A tensor's shape: one non-negative integer per dimension; `[]` is a scalar.
 * @example
 * ```ts
 * const s: Shape = tensor([[1, 2, 3]]).shape; // [1, 3]
 * ```
 */
export type Shape = readonly number[];

/**
 * Number of elements of a shape (1 for a scalar).
 * @example
 * ```ts
 * sizeOf([2, 3]); // 6
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * Row-major (C order) strides of a contiguous array of this shape.
 * @example
 * ```ts
 * stridesOf([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * True when two shapes are equal dimension by dimension.
 * @example
 * ```ts
 * shapesEqual([2, 3], [2, 3]); // true
 * ```
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The shape two shapes broadcast to, by NumPy's rule: align from the right; each pair of dimensions
 * must be equal or one of them 1. Throws a ShapeError naming `op` otherwise.
 * @example
 * ```ts
 * broadcastShapes([4, 1, 3], [2, 1], 'add'); // [4, 2, 3]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  if (shapesEqual(a, b)) return a;
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together ` +
          `(dimension ${i} from the left of the aligned shapes is ${da} vs ${db}; expected equal sizes or one of them 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return frozenShape(out);
}

/** Turns a possibly negative axis into its index in `[0, ndim)`, or throws naming the op. */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new ShapeError(`${op}: axis ${describe(axis)} is not an integer; axes are integers, negative ones counting from the end`);
  }
  if (axis < -ndim || axis >= ndim) {
    const range = ndim === 0 ? 'none (the tensor is a scalar)' : `[${-ndim}, ${ndim - 1}]`;
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim}; valid axes are ${range}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises a list of axes (all axes when undefined), sorted, rejecting duplicates. */
export function normalizeAxes(axes: number | readonly number[] | undefined, ndim: number, op: string): readonly number[] {
  if (axes === undefined) return allAxes(ndim);
  if (typeof axes !== 'number' && !Array.isArray(axes)) {
    throw new ShapeError(`${op}: axes must be an integer or an array of integers, got ${describe(axes)}`);
  }
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(a, ndim, op)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ShapeError(`${op}: axis ${out[i]} is given twice in ${JSON.stringify(list)}`);
  }
  return out;
}

const ALL_AXES: (readonly number[])[] = [];
/**
 * [0, 1, ..., ndim - 1], shared (reductions over all axes ask for it on every call). Never written;
 * a plain array rather than a frozen one, because kernels index it and frozen arrays index slowly.
 */
function allAxes(ndim: number): readonly number[] {
  return (ALL_AXES[ndim] ??= Array.from({ length: ndim }, (_, i) => i));
}

/**
 * Checks a user-supplied shape (an array of non-negative safe integers whose product is within the
 * element limit) and returns it as a new frozen array, so no later write to the caller's array can
 * change a tensor's shape.
 * @example
 * ```ts
 * checkShape([2, 3], 'zeros'); // [2, 3], frozen
 * checkShape([2, -1], 'zeros'); // throws ShapeError: zeros: invalid shape [2,-1] ...
 * ```
 */
export function checkShape(shape: unknown, op: string): Shape {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: invalid shape ${describe(shape)}; expected an array of non-negative integers`);
  }
  if (shape.length > MAX_RANK) {
    throw new ShapeError(`${op}: a shape of ${shape.length} dimensions; a tensor has at most ${MAX_RANK}`);
  }
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid shape ${describe(shape)}: dimension ${i} is ${describe(d)}; expected non-negative integers`);
    }
    size *= d;
  }
  checkSize(size, op, shape as number[]);
  return frozenShape(shape as number[]);
}

/**
 * `shape.slice(start, end)` (negative bounds count from the end) as a plain array, by a loop.
 * NOTE: `Array.prototype.slice` and `filter` on a frozen array take V8's slow path (about 200 ns
 * against 20 ns for a two-element shape); every op that makes a shape from another uses this.
 * @example
 * ```ts
 * shapeSlice(Object.freeze([2, 3, 4]), 0, -1); // [2, 3]
 * ```
 */
export function shapeSlice(shape: Shape, start = 0, end = shape.length): number[] {
  const n = shape.length;
  const s = start < 0 ? Math.max(n + start, 0) : Math.min(start, n);
  const e = end < 0 ? Math.max(n + end, 0) : Math.min(end, n);
  const out = new Array<number>(e > s ? e - s : 0);
  for (let i = s; i < e; i++) out[i - s] = shape[i]!;
  return out;
}

/**
 * `shape` without the axes in `axes`, as a plain array (a loop, for the reason given at {@link shapeSlice}).
 * @example
 * ```ts
 * withoutAxes([2, 3, 4], [1]); // [2, 4]
 * ```
 */
export function withoutAxes(shape: Shape, axes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) out.push(shape[i]!);
  return out;
}

/** The most dimensions a tensor may have (NumPy 2 allows 64 too). */
export const MAX_RANK = 64;

/**
 * A frozen shape with the dimensions of `shape`: a shared frozen array for the common small shapes,
 * else `shape` itself when already frozen, else a frozen copy. Tensors share frozen shapes freely,
 * and nothing can change one in place.
 *
 * NOTE: freezing a fresh array costs about 50 ns (V8 changes its elements kind), as much as a whole
 * small op, and ops make new shapes all the time (reductions, matmul, reshapes). Shapes of rank 0 to
 * 2 with dimensions below 256, the shapes of small networks, are therefore made once and shared.
 * @example
 * ```ts
 * Object.isFrozen(frozenShape([2, 3])); // true
 * frozenShape([2, 3]) === frozenShape([2, 3]); // true (a shared small shape)
 * ```
 */
export function frozenShape(shape: readonly number[]): Shape {
  // NOTE: the shared small shapes are looked up before asking whether `shape` is frozen:
  // Object.isFrozen is a call into C++ (~70 instructions), and ops make small shapes all the time.
  const n = shape.length;
  if (n === 0) return SCALAR;
  const d0 = shape[0];
  if (n === 1 && d0 >= 0 && d0 < SMALL && d0 === (d0 | 0)) return (RANK1[d0] ??= Object.freeze([d0]));
  if (n === 2) {
    const d1 = shape[1];
    if (d0 >= 0 && d0 < SMALL && d1 >= 0 && d1 < SMALL && d0 === (d0 | 0) && d1 === (d1 | 0)) {
      const key = d0 * SMALL + d1;
      return (RANK2[key] ??= Object.freeze([d0, d1]));
    }
  }
  return Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
}
/** Dimensions below this share their rank-1 and rank-2 shapes. */
const SMALL = 256;
const SCALAR: Shape = Object.freeze([]);
const RANK1: Shape[] = [];
const RANK2: Shape[] = [];

/** A short description of a value for messages: JSON where it is small and printable. */
function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.length > 8 ? `${v.slice(0, 8).map(describe).join(',')},...` : v.map(describe).join(',')}]`;
  return v === null ? 'null' : typeof v;
}

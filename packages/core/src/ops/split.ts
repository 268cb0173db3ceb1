/**
 * split and chunk: a tensor cut along one axis into consecutive pieces, each a slice (so each
 * piece's gradient is written back where it was cut from, by slice's rule).
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';

/** Slices of `t` along axis `a` of the given sizes, in order (sizes already checked to add up). */
function pieces(t: Tensor, a: number, sizes: readonly number[]): Tensor[] {
  const out: Tensor[] = [];
  let start = 0;
  for (const size of sizes) {
    out.push(t.slice(a, start, start + size));
    start += size;
  }
  return out;
}

/**
 * Cuts `x` along `axis` (default 0) into pieces (PyTorch's `torch.split`): with a number, pieces of
 * that size, the last one smaller if the size does not divide the axis; with a list, pieces of
 * those sizes, which must add up to the axis' size.
 *
 * d split(x) = the pieces' gradients side by side (each is a slice)
 *
 * NOTE: a size of 0 is allowed only for an empty axis (one empty piece), as in PyTorch.
 * @example
 * ```ts
 * split(arange(5), 2).map((p) => p.toArray());      // [[0, 1], [2, 3], [4]]
 * split(arange(5), [1, 4]).map((p) => p.toArray()); // [[0], [1, 2, 3, 4]]
 * ```
 */
export function split(x: TensorLike, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  const t = x instanceof Tensor ? x : tensor(x);
  if (t.ndim === 0) throw new ShapeError('split: cannot split a scalar (shape []); it has no axis');
  const a = normalizeAxis(axis, t.ndim, 'split');
  const n = t.shape[a];
  const isSize = (s: unknown) => typeof s === 'number' && Number.isInteger(s) && s >= 0;
  if (Array.isArray(sizeOrSections)) {
    const sections = sizeOrSections as readonly unknown[];
    const total = sections.reduce<number>((s, v) => s + (isSize(v) ? (v as number) : NaN), 0);
    if (!sections.every(isSize) || total !== n) {
      throw new ShapeError(
        `split: sections ${JSON.stringify(sections)} must be non-negative integers adding up to ${n}, the size of axis ${axis} of the input of shape ${fmtShape(t.shape)}`,
      );
    }
    return pieces(t, a, sections as number[]);
  }
  const size = sizeOrSections as number;
  if (!isSize(size) || (size === 0 && n !== 0)) {
    throw new ShapeError(`split: the piece size must be a positive integer (0 only for an empty axis), got ${String(size)} for axis ${axis} of size ${n} (input of shape ${fmtShape(t.shape)})`);
  }
  if (n === 0) return [t.slice(a, 0, 0)];
  const sizes: number[] = [];
  for (let start = 0; start < n; start += size) sizes.push(Math.min(size, n - start));
  return pieces(t, a, sizes);
}

/**
 * Cuts `x` along `axis` (default 0) into at most `chunks` pieces of ⌈size / chunks⌉ elements, the
 * last one smaller (PyTorch's `torch.chunk`): so there may be fewer pieces than asked for
 * (6 elements in 4 chunks are 3 pieces of 2). An empty axis gives `chunks` empty pieces.
 *
 * d chunk(x) = the pieces' gradients side by side (each is a slice)
 * @example
 * ```ts
 * chunk(arange(5), 3).map((p) => p.toArray()); // [[0, 1], [2, 3], [4]]
 * ```
 */
export function chunk(x: TensorLike, chunks: number, axis = 0): Tensor[] {
  const t = x instanceof Tensor ? x : tensor(x);
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks <= 0) {
    throw new ShapeError(`chunk: the number of chunks must be a positive integer, got ${String(chunks)}`);
  }
  if (t.ndim === 0) throw new ShapeError('chunk: cannot chunk a scalar (shape []); it has no axis');
  const a = normalizeAxis(axis, t.ndim, 'chunk');
  const n = t.shape[a];
  if (n === 0) return pieces(t, a, new Array<number>(chunks).fill(0));
  return split(t, Math.ceil(n / chunks), a);
}

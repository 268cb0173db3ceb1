/**
 * Strided copies over plain buffers and shapes: a permute, a slice with steps, a broadcast (stride 0)
 * and a slice's adjoint are each one walk of a strided view, written here once. Nothing here imports
 * `Tensor`: kernels take buffers and shapes and return buffers.
 *
 * This is also the one place that talks to ndarray, and only for the public interop (`toNdarray`,
 * `Tensor.nd`, `fromNdarray`): no op needs it. ndarray compiles each view constructor with
 * `new Function` on first use, which a strict Content-Security-Policy, a browser extension, a worker
 * runtime or `node --disallow-code-generation-from-strings` refuses; {@link ndarrayView} turns that
 * refusal into a ChainruleError naming the caller. ndarray-ops is not used at all: it compiles its
 * functions with `new Function` as soon as it is imported.
 *
 * NOTE: ndarray-ops' `assign` (used above 256 elements before) was replaced by the loops below after
 * `pnpm exec tsx packages/core/scripts/bench-strided-copy.ts`: µs per copy into a new buffer, best of 15
 * rounds (Node 20.20, 2 cores shared with other jobs at a load average of ~3, which spread the medians
 * so that ratios of medians ranged 0.9 to 1.4 on the memory-bound cases from run to run); ndarray-ops
 * timed with its two views made per call, as the old kernel did; "old loop" is the per-element loop
 * used below 256 elements before.
 *   case                                         ours   nd-ops  ratio  old loop
 *   transpose 512x512                           869.1    881.6   0.99    2182.6
 *   transpose 64x64                              14.0     14.1   0.99      25.7
 *   transpose 2x2                               0.093    0.768   0.12     0.092
 *   permute 3-D 64x64x64 (2,0,1)                908.9   1079.6   0.84    1903.4
 *   permute 3-D 64x64x64 (1,0,2)                343.6    691.6   0.50    2127.6
 *   permute 4-D 8x32x32x32 NCHW->NHWC          1064.6   1012.1   1.05    1963.6
 *   permute 4-D 8x32x32x32 NHWC->NCHW           795.3    807.0   0.99    1630.0
 *   permute 4-D 2x3x4x5 (3,1,0,2)               0.834    2.344   0.36     1.022
 *   broadcast [512,1] -> [512,512]              227.1    724.4   0.31    1307.4
 *   broadcast [1,512] -> [512,512]              399.6    715.1   0.56    1263.8
 *   broadcast [512] -> [4,64,512]                87.7    349.1   0.25     637.0
 *   broadcast [8,1,32] -> [8,64,32]              45.7     45.4   1.01      83.9
 *   broadcast [2] -> [2,2]                      0.080    0.764   0.11     0.083
 *   slice every 2nd column of 512x1024          656.7    687.2   0.96    1254.1
 *   slice every 2nd row of 512x1024             279.2    981.4   0.28    1963.6
 *   slice rows 100..400 of 512x512              121.7    410.8   0.30     739.6
 *   slice every 3rd of 100000                    89.5     92.1   0.97     167.2
 *   embed rows into 512x1024 (slice adjoint)    877.2   1261.6   0.70         -
 *   embed columns into 512x1024 (step 2)        912.5    882.9   1.03         -
 * The loops are as fast as ndarray-ops (within ±5%, the noise) where both are bound by memory
 * (transposes, stepped columns), 2 to 4 times faster where rows are contiguous or broadcast (one
 * TypedArray set/fill per row), and 3 to 10 times faster on small tensors (no views to make).
 * @module
 */
import ndarray, { type NdArray } from 'ndarray';
import { allocBuffer, type Buffer, type DType } from '../dtype.js';
import { ChainruleError } from '../errors.js';
import { sizeOf, stridesOf, type Shape } from '../shape.js';

/**
 * A strided ndarray view over a tensor buffer.
 * @example
 * ```ts
 * const v: View = tensor([[1, 2], [3, 4]]).nd; v.get(1, 0); // 3
 * ```
 */
export type View = NdArray<Buffer>;

/**
 * The strided-iteration step shared by every kernel that walks an index in row-major order: moves
 * `index` (the position along the first `rank` axes of `shape`, last axis fastest; changed in place)
 * to the next position and returns `offset` moved accordingly through `strides`. Past the last
 * position `index` wraps to all zeros and the offset returns to where it started.
 *
 * A walk over a view of `shape` with `strides` from `offset`:
 * `for (let i = 0; i < size; i++) { visit(o); o = nextStridedOffset(index, shape, strides, o); }`.
 * Stepping only the outer axes (`rank = shape.length - 1`) and looping over the last axis inline
 * walks one row at a time, which is how the copies below use it.
 * @example
 * ```ts
 * const index = [0, 0];
 * let o = 0; // column-major reading of a 2×3 row-major array: strides [1, 2]
 * const seen = [];
 * for (let i = 0; i < 6; i++) { seen.push(o); o = nextStridedOffset(index, [2, 3], [1, 2], o); }
 * seen; // [0, 2, 4, 1, 3, 5]
 * ```
 */
export function nextStridedOffset(index: number[], shape: Shape, strides: readonly number[], offset: number, rank = shape.length): number {
  for (let d = rank - 1; d >= 0; d--) {
    offset += strides[d];
    if (++index[d] < shape[d]) return offset;
    offset -= strides[d] * shape[d];
    index[d] = 0;
  }
  return offset;
}

/**
 * The same view with fewer axes: size-1 axes dropped and neighbours merged where the outer one's
 * stride is the inner one's times its length (a contiguous stretch), so slices, broadcasts of a
 * leading axis and contiguous copies walk long rows. The row-major order of elements is unchanged.
 */
function collapse(shape: Shape, strides: readonly number[]): { shape: number[]; strides: number[] } {
  const outShape: number[] = [];
  const outStrides: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && outStrides[last] === strides[d] * n) {
      outShape[last] *= n;
      outStrides[last] = strides[d];
    } else {
      outShape.push(n);
      outStrides.push(strides[d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

// Rows at least this long use the built-in TypedArray set/fill/subarray; below it their call costs
// more than a plain loop.
const LONG_ROW = 64;
// A transposing read (the source's densest axis is not the last) of at least BLOCKED_MIN_SIZE
// elements, whose rows are longer than TILE, walks in TILE×TILE tiles: a row then touches one cache
// line per element, and without tiles those lines leave L1 before the next row reuses them.
const BLOCKED_MIN_SIZE = 4096;
const TILE = 32;

/** Reads the strided view (`shape`, `strides`, `offset`) of `src` into `out` in row-major order. */
function gather(src: Buffer, shape: Shape, strides: readonly number[], offset: number, out: Buffer): void {
  const size = out.length;
  if (shape.length > 2) ({ shape, strides } = collapse(shape, strides));
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[offset];
    return;
  }
  if (size >= BLOCKED_MIN_SIZE) {
    const k = denseAxis(shape, strides);
    if (k >= 0) return gatherBlocked(src, shape, strides, offset, out, k);
  }
  const n = shape[rank - 1];
  const s = strides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let o = offset;
  for (let i = 0; i < size; i += n) {
    if (n >= LONG_ROW && s === 1) out.set(src.subarray(o, o + n), i);
    else if (n >= LONG_ROW && s === 0) out.fill(src[o], i, i + n);
    else for (let j = 0, p = o; j < n; j++, p += s) out[i + j] = src[p];
    o = nextStridedOffset(index, shape, strides, o, rank - 1);
  }
}

/**
 * The axis (not the last) to tile against the last one when reading: the one with the smallest
 * non-zero |stride|, if it is smaller than the last axis's, which then jumps through memory. -1 when
 * the last axis already reads densest (a slice, a broadcast) or is too short for tiles to help.
 */
function denseAxis(shape: Shape, strides: readonly number[]): number {
  const last = strides.length - 1;
  const lastStride = Math.abs(strides[last]);
  if (shape[last] <= TILE) return -1;
  let k = -1;
  for (let d = 0; d < last; d++) {
    const s = Math.abs(strides[d]);
    if (s !== 0 && s < lastStride && (k < 0 || s < Math.abs(strides[k]))) k = d;
  }
  return k;
}

/** {@link gather} in tiles over axis `k` and the last axis (every other axis outside them). */
function gatherBlocked(src: Buffer, shape: Shape, strides: readonly number[], offset: number, out: Buffer, k: number): void {
  const last = shape.length - 1;
  const outStrides = stridesOf(shape);
  const outerShape: number[] = [];
  const outerSrc: number[] = [];
  const outerOut: number[] = [];
  for (let d = 0; d < last; d++) {
    if (d === k) continue;
    outerShape.push(shape[d]);
    outerSrc.push(strides[d]);
    outerOut.push(outStrides[d]);
  }
  const nk = shape[k];
  const nl = shape[last];
  const sk = strides[k];
  const sl = strides[last];
  const ok = outStrides[k];
  const srcIndex = new Array<number>(outerShape.length).fill(0);
  const outIndex = new Array<number>(outerShape.length).fill(0);
  let so = offset;
  let oo = 0;
  for (let t = sizeOf(outerShape); t > 0; t--) {
    for (let a0 = 0; a0 < nk; a0 += TILE) {
      const a1 = Math.min(a0 + TILE, nk);
      for (let b0 = 0; b0 < nl; b0 += TILE) {
        const b1 = Math.min(b0 + TILE, nl);
        for (let a = a0; a < a1; a++) {
          let q = oo + a * ok + b0;
          for (let b = b0, p = so + a * sk + b0 * sl; b < b1; b++, p += sl) out[q++] = src[p];
        }
      }
    }
    so = nextStridedOffset(srcIndex, outerShape, outerSrc, so);
    oo = nextStridedOffset(outIndex, outerShape, outerOut, oo);
  }
}

/** Writes contiguous `src` into the strided view (`shape`, `strides`, `offset`) of `dst`, row-major. */
function scatter(dst: Buffer, shape: Shape, strides: readonly number[], offset: number, src: Buffer): void {
  const size = src.length;
  if (shape.length > 2) ({ shape, strides } = collapse(shape, strides));
  const rank = shape.length;
  if (rank === 0) {
    dst[offset] = src[0];
    return;
  }
  const n = shape[rank - 1];
  const s = strides[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let o = offset;
  for (let i = 0; i < size; i += n) {
    if (n >= LONG_ROW && s === 1) dst.set(src.subarray(i, i + n), o);
    else for (let j = 0, p = o; j < n; j++, p += s) dst[p] = src[i + j];
    o = nextStridedOffset(index, shape, strides, o, rank - 1);
  }
}

/**
 * A new contiguous buffer of `dtype` holding the strided view (`shape`, `strides`, `offset`) of
 * `src`: permutes, slices and broadcasts (stride 0) are all this one copy.
 * @example
 * ```ts
 * copyStrided(Float64Array.of(1, 2, 3, 4, 5, 6), [3, 2], [1, 3], 0, 'float64'); // the transpose: [1, 4, 2, 5, 3, 6]
 * ```
 */
export function copyStrided(src: Buffer, shape: Shape, strides: readonly number[], offset: number, dtype: DType): Buffer {
  const out = allocBuffer(dtype, sizeOf(shape));
  if (out.length > 0) gather(src, shape, strides, offset, out);
  return out;
}

/**
 * Writes contiguous `src` (of `shape`) into the strided region (`strides`, `offset`) of `dst`.
 * @example
 * ```ts
 * const dst = new Float64Array(4);
 * assignStrided(dst, [2], [2], 1, Float64Array.of(7, 8)); // dst: [0, 7, 0, 8]
 * ```
 */
export function assignStrided(dst: Buffer, shape: Shape, strides: readonly number[], offset: number, src: Buffer): void {
  if (src.length > 0) scatter(dst, shape, strides, offset, src);
}

/**
 * Strides that read a contiguous array of `shape` as if broadcast to `target` (0 on broadcast axes).
 * @example
 * ```ts
 * broadcastStrides([3, 1], [2, 3, 4]); // [0, 1, 0]
 * ```
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const strides = stridesOf(shape);
  const lead = target.length - shape.length;
  const s = new Array<number>(target.length);
  for (let i = 0; i < target.length; i++) s[i] = i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead];
  return s;
}

/**
 * A new contiguous buffer with `src` (of `shape`) broadcast to `target`.
 * @example
 * ```ts
 * broadcastCopy(Float64Array.of(1, 2), [2, 1], [2, 3], 'float64'); // [1, 1, 1, 2, 2, 2]
 * ```
 */
export function broadcastCopy(src: Buffer, shape: Shape, target: Shape, dtype: DType): Buffer {
  return copyStrided(src, target, broadcastStrides(shape, target), 0, dtype);
}

/** The parts of an ndarray that copying one reads. */
interface NdarrayLike {
  readonly data: unknown;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

function isNdarrayLike(x: unknown): x is NdarrayLike {
  if (typeof x !== 'object' || x === null) return false;
  const nd = x as Partial<NdarrayLike>;
  return typeof nd.data === 'object' && nd.data !== null && Array.isArray(nd.shape) && Array.isArray(nd.stride) && typeof nd.offset === 'number';
}

/** ndarray's "generic" storage: any object with element accessors. */
function isGenericStorage(data: unknown): data is { get(i: number): number } {
  return typeof (data as { get?: unknown }).get === 'function';
}

/**
 * The elements of any ndarray (any strides, offset and numeric storage) copied into a new contiguous
 * row-major buffer: float32 for Float32Array storage, float64 for anything else. Returns `null` when
 * `nd` is not an ndarray. Needs no code generation: the copy is a plain loop over `nd.data`.
 * @example
 * ```ts
 * ndarrayToBuffer(ndarray(Float64Array.of(1, 2, 3, 4), [2, 2]).transpose(1, 0));
 * // { buffer: Float64Array [1, 3, 2, 4], shape: [2, 2] }
 * ```
 */
export function ndarrayToBuffer(nd: unknown): { buffer: Buffer; shape: number[] } | null {
  if (!isNdarrayLike(nd)) return null;
  const shape = nd.shape.slice();
  const { data } = nd;
  if (data instanceof Float64Array || data instanceof Float32Array) {
    return { buffer: copyStrided(data, shape, nd.stride, nd.offset, data instanceof Float32Array ? 'float32' : 'float64'), shape };
  }
  const out = new Float64Array(sizeOf(shape));
  if (ArrayBuffer.isView(data) || Array.isArray(data)) {
    // other typed arrays and plain arrays: copied to float64 first, so the walk sees only float buffers
    if (out.length > 0) gather(Float64Array.from(data as ArrayLike<number>), shape, nd.stride, nd.offset, out);
  } else if (isGenericStorage(data)) {
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0, o = nd.offset; i < out.length; i++) {
      out[i] = data.get(o);
      o = nextStridedOffset(index, shape, nd.stride, o);
    }
  } else return null;
  return { buffer: out, shape };
}

/**
 * A contiguous ndarray view of `buffer` with `shape` (shares memory). `caller` names the public
 * function in the error thrown where code generation from strings is refused, which ndarray needs
 * to build its view constructors.
 * @example
 * ```ts
 * ndarrayView(Float64Array.of(1, 2, 3, 4), [2, 2], 'toNdarray').get(1, 0); // 3
 * ```
 */
export function ndarrayView(buffer: Buffer, shape: Shape, caller: string): View {
  try {
    return ndarray(buffer, shape as number[]);
  } catch (e) {
    if (!(e instanceof EvalError)) throw e;
    throw new ChainruleError(
      `${caller}: ndarray builds its views with code generated from strings (new Function), and this ` +
        `environment refuses code generation (a Content-Security-Policy without 'unsafe-eval', a browser ` +
        `extension, a worker runtime or node --disallow-code-generation-from-strings). Everything else in ` +
        `chainrule works without it: read values with .buffer or .toArray() instead. (${e.message})`,
    );
  }
}

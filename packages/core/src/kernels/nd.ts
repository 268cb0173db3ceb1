/**
 * The one place that talks to ndarray and ndarray-ops. Everything above works on a tensor's
 * contiguous row-major buffer and its shape; strided views are made here, only when a general
 * kernel needs them (permute, slice, broadcast), because making a view costs more than a small
 * tensor's whole arithmetic (see TOOLCHAIN.md).
 * @module
 */
import ndarray, { type NdArray } from 'ndarray';
// NOTE: ndarray-ops is CommonJS that builds most exports in a loop; only the default import has them
// all under plain node. Its type declarations have holes, so the few functions used are typed here.
import opsModule from 'ndarray-ops';
import { allocBuffer, type Buffer, type DType } from '../dtype.js';
import { stridesOf, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * A strided ndarray view over a tensor buffer.
 * @example
 * ```ts
 * const v: View = tensor([[1, 2], [3, 4]]).nd; v.get(1, 0); // 3
 * ```
 */
export type View = NdArray<Buffer>;
interface NdOps {
  assign(out: View, a: View): void;
  add(out: View, a: View, b: View): void;
  sub(out: View, a: View, b: View): void;
  mul(out: View, a: View, b: View): void;
  div(out: View, a: View, b: View): void;
  max(out: View, a: View, b: View): void;
  min(out: View, a: View, b: View): void;
  pow(out: View, a: View, b: View): void;
}
/** The ndarray-ops functions chainrule uses, with correct types. */
export const ndOps = opsModule as unknown as NdOps;

/** A view of `buffer` with the given shape, strides (row-major by default) and offset. */
export function view(buffer: Buffer, shape: Shape, strides?: readonly number[], offset = 0): View {
  return ndarray(buffer, shape as number[], (strides ?? stridesOf(shape)) as number[], offset);
}

/** Copies any (strided) view into a new contiguous buffer. */
export function materialize(src: View, dtype: DType): Buffer {
  const out = allocBuffer(dtype, sizeOf(src.shape));
  if (out.length > 0) ndOps.assign(view(out, src.shape), src);
  return out;
}

// Below this many elements a plain index loop beats making ndarray views (about 0.35 µs each) and
// calling an ndarray-ops kernel (about 0.6 µs of fixed cost); above it ndarray-ops' compiled loops win.
const SMALL = 256;

/**
 * A new contiguous buffer holding the strided view (`shape`, `strides`, `offset`) of `src`:
 * permutes, slices and broadcasts (stride 0) are all this one copy.
 */
export function copyStrided(src: Buffer, shape: Shape, strides: readonly number[], offset: number, dtype: DType): Buffer {
  const size = sizeOf(shape);
  if (size > SMALL) return materialize(view(src, shape, strides, offset), dtype);
  const out = allocBuffer(dtype, size);
  if (size === 0) return out;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let o = offset;
  for (let i = 0; i < size; i++) {
    out[i] = src[o];
    for (let d = nd - 1; d >= 0; d--) {
      o += strides[d];
      if (++idx[d] < shape[d]) break;
      o -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Writes contiguous `src` (of `shape`) into the strided region (`strides`, `offset`) of `dst`. */
export function assignStrided(dst: Buffer, shape: Shape, strides: readonly number[], offset: number, src: Buffer): void {
  const size = sizeOf(shape);
  if (size === 0) return;
  if (size > SMALL) {
    ndOps.assign(view(dst, shape, strides, offset), view(src, shape));
    return;
  }
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let o = offset;
  for (let i = 0; i < size; i++) {
    dst[o] = src[i];
    for (let d = nd - 1; d >= 0; d--) {
      o += strides[d];
      if (++idx[d] < shape[d]) break;
      o -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Strides that read a contiguous array of `shape` as if broadcast to `target` (0 on broadcast axes). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const strides = stridesOf(shape);
  const lead = target.length - shape.length;
  const s = new Array<number>(target.length);
  for (let i = 0; i < target.length; i++) s[i] = i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead];
  return s;
}

/** A new contiguous buffer with `src` (of `shape`) broadcast to `target`. */
export function broadcastCopy(src: Buffer, shape: Shape, target: Shape, dtype: DType): Buffer {
  return copyStrided(src, target, broadcastStrides(shape, target), 0, dtype);
}

/**
 * Makes a tensor from an ndarray (any strides, any numeric data), copying into a new buffer;
 * Float32Array data gives float32, anything else float64.
 * @example
 * ```ts
 * fromNdarray(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]).transpose(1, 0)).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function fromNdarray(nd: NdArray): Tensor {
  const data = nd.data as unknown;
  const dtype: DType = data instanceof Float32Array ? 'float32' : 'float64';
  const shape = nd.shape.slice();
  const out = allocBuffer(dtype, sizeOf(shape));
  if (out.length > 0) ndOps.assign(view(out, shape), nd as unknown as View);
  return new Tensor(out, shape);
}

/**
 * A contiguous ndarray view of a tensor's own buffer (shares memory: treat it as read-only).
 * @example
 * ```ts
 * toNdarray(tensor([[1, 2], [3, 4]])).get(0, 1); // 2
 * ```
 */
export function toNdarray(t: Tensor): View {
  return view(t.buffer, t.shape);
}


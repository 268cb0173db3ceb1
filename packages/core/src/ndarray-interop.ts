/**
 * Tensors to and from ndarray, for code that already works with ndarrays. The op layer needs none
 * of this: kernels work on plain buffers (kernels/nd.ts), and a custom op's forward may return an
 * ndarray because the op layer copies it with the same Tensor-free helper `fromNdarray` uses.
 *
 * NOTE: `toNdarray` (and `Tensor.nd`) make an ndarray view, which ndarray builds with code generated
 * from strings; where that is refused (a strict Content-Security-Policy, `node
 * --disallow-code-generation-from-strings`) they throw a ChainruleError naming the function.
 * `fromNdarray` only reads the ndarray's fields and works everywhere.
 * @module
 */
import type { NdArray } from 'ndarray';
import { ChainruleError } from './errors.js';
import { ndarrayToBuffer, ndarrayView, type View } from './kernels/nd.js';
import { Tensor } from './tensor.js';

export type { View };

/**
 * Makes a tensor from an ndarray (any strides, any numeric data), copying into a new buffer;
 * Float32Array data gives float32, anything else float64.
 * @example
 * ```ts
 * fromNdarray(ndarray(new Float64Array([1, 2, 3, 4]), [2, 2]).transpose(1, 0)).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function fromNdarray(nd: NdArray): Tensor {
  const copy = ndarrayToBuffer(nd);
  if (copy === null) {
    throw new ChainruleError(`fromNdarray: expected an ndarray (an object with data, shape, stride and offset), got ${describeValue(nd)}`);
  }
  return new Tensor(copy.buffer, copy.shape);
}

/**
 * A contiguous ndarray view of a tensor's own buffer (shares memory: treat it as read-only).
 * Throws a ChainruleError where code generation from strings is refused (ndarray needs it).
 * @example
 * ```ts
 * toNdarray(tensor([[1, 2], [3, 4]])).get(0, 1); // 2
 * ```
 */
export function toNdarray(t: Tensor): View {
  return ndarrayView(t.buffer, t.shape, 'toNdarray');
}

function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? `an object with keys ${JSON.stringify(Object.keys(x))}` : `${typeof x} ${String(x)}`;
}

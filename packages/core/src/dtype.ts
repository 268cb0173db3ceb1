/**
 * Element types. float64 is the default everywhere: the article's figures must reproduce to every
 * printed digit. float32 is there when asked for, and never mixed with float64 silently.
 * @module
 */
import { DTypeError } from './errors.js';

/**
 * The element type of a tensor.
 * @example
 * ```ts
 * tensor([1, 2], { dtype: 'float32' }).dtype; // 'float32'
 * ```
 */
export type DType = 'float64' | 'float32';

/**
 * The typed array that stores a tensor's elements.
 * @example
 * ```ts
 * const b: Buffer = tensor([1, 2]).buffer; // Float64Array [1, 2]
 * ```
 */
export type Buffer = Float64Array | Float32Array;

/** The dtype a tensor gets when none is given. */
export const DEFAULT_DTYPE: DType = 'float64';

/**
 * Allocates a zero-filled buffer of `size` elements for `dtype`.
 * @example
 * ```ts
 * allocBuffer('float32', 3); // Float32Array [0, 0, 0]
 * ```
 */
export function allocBuffer(dtype: DType, size: number): Buffer {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype of an existing buffer. */
export function dtypeOf(buffer: Buffer): DType {
  return buffer instanceof Float64Array ? 'float64' : 'float32';
}

/** Checks a user-supplied dtype name. */
export function checkDType(dtype: unknown, where: string): DType {
  if (dtype === 'float64' || dtype === 'float32') return dtype;
  throw new DTypeError(`${where}: unknown dtype ${JSON.stringify(dtype)}; expected 'float64' or 'float32'`);
}

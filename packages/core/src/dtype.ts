/**
 * Element types. float64 is the default everywhere: the article's figures must reproduce to every
 * printed digit. float32 is there when asked for, and never mixed with float64 silently.
 * @module
 */
import { DTypeError, ShapeError } from './errors.js';
import { arena, arenaBuffer } from './compile/trace-state.js';

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

/**
 * A dense row-major array: a buffer and its shape. Kernels take and return this (a Tensor is one),
 * so they never need the Tensor class; the op wrapper turns a returned one into a tensor.
 * @example
 * ```ts
 * const data: TensorData = { buffer: new Float64Array([1, 2, 3, 4]), shape: [2, 2] };
 * ```
 */
export interface TensorData {
  readonly buffer: Buffer;
  readonly shape: readonly number[];
}

/** The dtype a tensor gets when none is given. */
export const DEFAULT_DTYPE: DType = 'float64';

/**
 * The most elements one tensor may have: 2²⁸ (268,435,456: 2 GiB of float64) unless changed with
 * {@link setMaxElements}. Every allocation checks it first, so a mistyped shape (`zeros([1e6, 1e6])`,
 * `arange(1e12)`, a broadcast to 10¹⁰ elements) is refused with the op and the shape instead of
 * trying to allocate gigabytes or failing inside V8 with "Invalid typed array length".
 */
let maxElements = 2 ** 28;

/**
 * Sets the largest number of elements one tensor may have (see {@link getMaxElements}); returns the
 * previous limit. V8 itself cannot allocate a typed array of more than 2³² elements.
 * @example
 * ```ts
 * const previous = setMaxElements(2 ** 30); // allow 8 GiB float64 tensors
 * setMaxElements(previous);
 * ```
 */
export function setMaxElements(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32) {
    throw new RangeError(`setMaxElements: expected an integer from 1 to 2^32, got ${String(n)}`);
  }
  const previous = maxElements;
  maxElements = n;
  return previous;
}

/**
 * The largest number of elements one tensor may have (2²⁸ by default).
 * @example
 * ```ts
 * getMaxElements(); // 268435456
 * ```
 */
export function getMaxElements(): number {
  return maxElements;
}

/**
 * Throws unless a tensor of `size` elements is allowed; `op` and `shape` name it in the message.
 * Without `op` (a kernel allocating), the error is marked so that the op wrapper, which knows the
 * running op and its inputs, can name them (`nameAllocation`): nothing is written per call.
 * @example
 * ```ts
 * checkSize(6, 'zeros', [2, 3]); // fine
 * checkSize(1e12, 'zeros', [1e6, 1e6]); // throws ShapeError: zeros: shape [1000000,1000000] has 1e12 elements ...
 * ```
 */
export function checkSize(size: number, op?: string, shape?: readonly number[]): void {
  if (size <= maxElements && size >= 0) return;
  const error = elementLimitError(size, op ?? 'allocBuffer', shape, null);
  if (op === undefined) (error as UnnamedAllocation)[UNNAMED] = size;
  throw error;
}

const UNNAMED = Symbol('unnamed allocation');
type UnnamedAllocation = ShapeError & { [UNNAMED]?: number };

function elementLimitError(size: number, who: string, shape: readonly number[] | undefined, inputs: readonly { readonly shape: readonly number[] }[] | null): ShapeError {
  const what = shape !== undefined ? `shape [${shape.join(',')}] has ${size} elements` : `the result would have ${size} elements`;
  const from = inputs !== null ? ` (inputs of shapes ${inputs.map((t) => `[${t.shape.join(',')}]`).join(' and ')})` : '';
  return new ShapeError(
    `${who}: ${what}${from}, more than the limit of ${maxElements} elements per tensor; ` +
      `check the shape, or raise the limit with setMaxElements(n) if you mean it`,
  );
}

/**
 * @internal `error` again, naming `op` and its inputs if it is a refused allocation that names
 * nobody yet (the innermost op wrapper around the allocation does this; outer ones pass it on).
 */
export function nameAllocation(error: unknown, op: string, inputs: readonly { readonly shape: readonly number[] }[]): unknown {
  const size = error instanceof ShapeError ? (error as UnnamedAllocation)[UNNAMED] : undefined;
  return size === undefined ? error : elementLimitError(size, op, undefined, inputs);
}

/**
 * Allocates a zero-filled buffer of `size` elements for `dtype`, after checking `size` against the
 * element limit ({@link getMaxElements}).
 * @example
 * ```ts
 * allocBuffer('float32', 3); // Float32Array [0, 0, 0]
 * ```
 */
export function allocBuffer(dtype: DType, size: number): Buffer {
  if (size > maxElements || !(size >= 0)) checkSize(size);
  if (arena.list !== null) return arenaBuffer(dtype, size); // a compiled step: traced, or replayed into the traced buffers
  return newBuffer(dtype, size);
}

/**
 * A buffer for a result the caller writes in full (every element), such as an elementwise
 * kernel's: the same as {@link allocBuffer}, except that a compiled step's replay hands back its
 * traced buffer without zeroing it first. A kernel that leaves any element unwritten must use
 * `allocBuffer`.
 * @example
 * ```ts
 * const out = allocOutput('float64', src.length);
 * for (let i = 0; i < src.length; i++) out[i] = 2 * src[i];
 * ```
 */
export function allocOutput(dtype: DType, size: number): Buffer {
  if (size > maxElements || !(size >= 0)) checkSize(size);
  if (arena.list !== null) return arenaBuffer(dtype, size, false);
  return newBuffer(dtype, size);
}

/**
 * A copy of `buffer` in a buffer from {@link allocOutput} (a compiled step's replay copies into its
 * traced buffer; `buffer.slice()` would make a new one at every replay).
 * @example
 * ```ts
 * copyOf(new Float64Array([1, 2])); // Float64Array [1, 2], another buffer
 * ```
 */
export function copyOf(buffer: Buffer): Buffer {
  const out = allocOutput(dtypeOf(buffer), buffer.length);
  out.set(buffer);
  return out;
}

/**
 * @internal A zero-filled buffer that a kernel keeps between calls (a scratch), checked against the
 * element limit like {@link allocBuffer}. Never taken from a compiled step's arena: the arena's
 * buffers belong to one call of one op, and are handed out again, zeroed, at every replay.
 */
export function allocKept(dtype: DType, size: number): Buffer {
  if (size > maxElements || !(size >= 0)) checkSize(size);
  return newBuffer(dtype, size);
}

/** A new zero-filled buffer (the allocators above check the size first). */
function newBuffer(dtype: DType, size: number): Buffer {
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

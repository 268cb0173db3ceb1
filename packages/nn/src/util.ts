/**
 * Small internal helpers shared by the nn files (not exported from the package).
 * @module
 */
import { tensor, Tensor, type DType, type TensorLike } from '@chainrule/core';

/** A shape as core prints it in errors, e.g. `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** True when two shapes are equal dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `x` as a tensor; numbers and arrays take `dtype` (the other operand's), tensors are used as they are. */
export function asTensor(x: TensorLike, dtype?: DType): Tensor {
  return x instanceof Tensor ? x : tensor(x, { dtype });
}

/** A zero-filled buffer of the dtype. */
export function allocLike(dtype: DType, size: number): Float64Array | Float32Array {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

/**
 * A small internal helper shared by the nn files (not exported from the package).
 * @module
 */
import { tensor, Tensor, type DType, type TensorLike } from '@chainrule/core';

/** `x` as a tensor; numbers and arrays take `dtype` (the other operand's), tensors are used as they are. */
export function asTensor(x: TensorLike, dtype?: DType): Tensor {
  return x instanceof Tensor ? x : tensor(x, { dtype });
}

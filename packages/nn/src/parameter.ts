/**
 * Parameter: the tensor a module learns. A leaf that requires grad unless frozen.
 * @module
 */
import { ChainruleError, tensor, Tensor, type DType, type TensorLike } from '@chainrule/core';

/** Options of {@link Parameter}. @example `new Parameter(0.35, { requiresGrad: false, name: 'b1' })` */
export interface ParameterOptions {
  /** Whether gradients flow to it (default true). Set `p.requiresGrad = false` later to freeze it. */
  requiresGrad?: boolean;
  /** A display name (shown by `toString()`); module paths come from {@link Module.namedParameters}. */
  name?: string;
  /** Element type; a tensor value keeps its own, other values default to float64. */
  dtype?: DType;
}

/**
 * A learnable tensor: a leaf of the autograd graph that requires grad by default. A {@link Module}
 * finds its parameters by looking for fields that hold a Parameter, so wrapping a value in
 * `new Parameter(...)` is all it takes to register it. The values are always copied into a fresh
 * buffer: a Parameter never shares storage with the tensor or array it was made from.
 *
 * Freezing: `p.requiresGrad = false` stops gradients reaching `p`, and the optimizers then leave it alone.
 *
 * @example
 * ```ts
 * const w = new Parameter([[0.15, 0.2], [0.25, 0.3]]);
 * w.requiresGrad;              // true
 * const b = new Parameter(0.35, { requiresGrad: false }); // frozen, like the article's biases
 * ```
 */
export class Parameter extends Tensor {
  constructor(value: TensorLike, options: ParameterOptions = {}) {
    if (value === undefined || value === null) {
      throw new ChainruleError(`Parameter: expected a number, a nested array or a Tensor, got ${String(value)}`);
    }
    // tensor() always copies (and detaches a Tensor), so the Parameter owns its buffer.
    const t = tensor(value, { dtype: options.dtype ?? (value instanceof Tensor ? value.dtype : undefined) });
    super(t.buffer, t.shape, options.requiresGrad ?? true);
    if (options.name !== undefined) this.name = options.name;
  }
}

/** True if `x` is a {@link Parameter}. @example `isParameter(new Parameter(1)) // true` */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Parameter;
}

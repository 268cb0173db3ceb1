/**
 * Errors thrown by chainrule. Every message names the op, the shapes or values involved, and what
 * was expected, so a user can find the faulty call without a debugger.
 * @module
 */

/**
 * Base class of every error chainrule throws on bad input or misuse.
 *
 * @example
 * ```ts
 * try { tensor([1, 2]).add(tensor([1, 2, 3])); }
 * catch (e) { if (e instanceof ChainruleError) console.log(e.message); }
 * ```
 */
export class ChainruleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Shapes that do not fit the op: broadcasting, matmul, reshape, axes, a backward's gradient shape.
 *
 * @example
 * ```ts
 * tensor([[1, 2]]).matmul(tensor([[1, 2]])); // throws ShapeError: matmul: ... [1,2] and [1,2] ...
 * ```
 */
export class ShapeError extends ChainruleError {}

/**
 * Tensors of different dtypes meeting in one op without an explicit cast.
 *
 * @example
 * ```ts
 * tensor([1], { dtype: 'float32' }).add(tensor([1])); // throws DTypeError
 * ```
 */
export class DTypeError extends ChainruleError {}

/**
 * Misuse of the autograd graph: backward through a freed graph, on a non-scalar without a gradient,
 * a saved tensor modified in place, a custom op's backward returning the wrong gradients.
 *
 * @example
 * ```ts
 * const y = x.mul(x).sum(); y.backward(); y.backward(); // throws AutogradError: graph freed
 * ```
 */
export class AutogradError extends ChainruleError {}

/**
 * A NaN or infinity produced while anomaly detection is on; names the op and where it was created.
 *
 * @example
 * ```ts
 * detectAnomaly(() => tensor([-1]).log()); // throws AnomalyError: log produced NaN ...
 * ```
 */
export class AnomalyError extends ChainruleError {}

/**
 * Formats a shape the way every chainrule message shows it.
 * @example
 * ```ts
 * fmtShape([2, 3]); // '[2,3]'
 * ```
 */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

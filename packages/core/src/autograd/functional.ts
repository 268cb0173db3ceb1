/**
 * The functional API, for users who think in JAX or TensorFlow.js terms: `grad(f)` is a function
 * that returns the gradient of f, and composes: `grad(grad(f))` is the second derivative.
 * @module
 */
import { ChainruleError, fmtShape } from '../errors.js';
import { allocBuffer } from '../dtype.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { gradients } from './engine.js';

/**
 * Which arguments to differentiate with respect to: an index or a list (default 0).
 * @example
 * ```ts
 * grad(f, { argnums: [0, 1] })(x, y); // [df/dx, df/dy]
 * ```
 */
export interface GradOptions {
  argnums?: number | readonly number[];
}

/**
 * The gradient(s) `grad(f)` returns: one tensor for a single argnum, an array for a list.
 * @example
 * ```ts
 * const g: GradResult<{ argnums: [0, 1] }> = grad(f, { argnums: [0, 1] })(x, y);
 * ```
 */
export type GradResult<O extends GradOptions> = O['argnums'] extends readonly number[] ? Tensor[] : Tensor;

/**
 * Computes f and its gradients. Each chosen argument becomes a tensor that requires grad: a fresh
 * leaf for plain values, or the caller's tensor itself when it already requires grad (so an outer
 * `grad` can differentiate through this one). The backward pass is recorded exactly when an
 * outer differentiation needs it.
 */
function evaluate(f: (...args: any[]) => Tensor, args: unknown[], argnums: readonly number[], name: string): { value: Tensor; grads: Tensor[] } {
  let nested = false;
  const call = args.slice();
  const wrt: Tensor[] = argnums.map((i) => {
    if (i < 0 || i >= args.length || !Number.isInteger(i)) {
      throw new ChainruleError(`${name}: argnum ${i} is out of range for a call with ${args.length} argument(s)`);
    }
    const a = args[i];
    let t: Tensor;
    if (a instanceof Tensor && a.requiresGrad) {
      nested = true;
      t = a;
    } else {
      if (!(a instanceof Tensor) && typeof a !== 'number' && !Array.isArray(a)) {
        throw new ChainruleError(`${name}: argument ${i} is ${a === null ? 'null' : typeof a === 'string' ? `the string ${JSON.stringify(a)}` : typeof a}; expected a Tensor, a number or a nested array of numbers to differentiate with respect to`);
      }
      t = a instanceof Tensor ? a.detach() : tensor(a as TensorLike);
      t.requiresGrad = true;
    }
    call[i] = t;
    return t;
  });
  const value = f(...call);
  if (!(value instanceof Tensor) || value.size !== 1) {
    const got = value instanceof Tensor ? `a tensor of shape ${fmtShape(value.shape)}` : typeof value;
    throw new ChainruleError(`${name}: the function must return a one-element tensor (a scalar loss), got ${got}`);
  }
  const grads = value.requiresGrad
    ? gradients(value, wrt, { createGraph: nested, allowUnused: 'zeros' }).map((g) => g!)
    : wrt.map((t) => new Tensor(allocBuffer(t.dtype, t.size), t.shape));
  return { value: nested ? value : value.detach(), grads };
}

function normalizeArgnums(options: GradOptions): readonly number[] {
  const a = options.argnums ?? 0;
  return typeof a === 'number' ? [a] : a;
}

/**
 * Returns a function computing the gradient of the scalar function `f` with respect to argument
 * `argnums` (default 0), or a list of gradients for a list of argnums. Composable:
 * `grad(grad(f))` is the second derivative.
 *
 * @example
 * ```ts
 * const f = (x: Tensor) => x.pow(3);
 * grad(f)(2).item();        // 12  (3x²)
 * grad(grad(f))(2).item();  // 12  (6x)
 * ```
 */
export function grad<O extends GradOptions = {}>(f: (...args: any[]) => Tensor, options?: O): (...args: unknown[]) => GradResult<O> {
  const argnums = normalizeArgnums(options ?? {});
  const many = Array.isArray(options?.argnums);
  return (...args) => {
    const { grads } = evaluate(f, args, argnums, 'grad');
    return (many ? grads : grads[0]) as GradResult<O>;
  };
}

/**
 * Like {@link grad}, but returns `[value, gradient(s)]` from one forward pass.
 *
 * @example
 * ```ts
 * const [loss, dw] = valueAndGrad((w: Tensor) => w.square().sum())(tensor([1, 2]));
 * // loss 5, dw [2, 4]
 * ```
 */
export function valueAndGrad<O extends GradOptions = {}>(f: (...args: any[]) => Tensor, options?: O): (...args: unknown[]) => [Tensor, GradResult<O>] {
  const argnums = normalizeArgnums(options ?? {});
  const many = Array.isArray(options?.argnums);
  return (...args) => {
    const { value, grads } = evaluate(f, args, argnums, 'valueAndGrad');
    return [value, (many ? grads : grads[0]) as GradResult<O>];
  };
}

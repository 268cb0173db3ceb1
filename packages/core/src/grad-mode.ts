/**
 * Whether ops record themselves for autograd. One flag, switched for the duration of a synchronous
 * call and always restored, so the no-grad state never leaks into unrelated code.
 * @module
 */
import { ChainruleError } from './errors.js';

let gradEnabled = true;

/**
 * True while ops record the graph (the default); false inside {@link noGrad}.
 * @example
 * ```ts
 * noGrad(() => isGradEnabled()); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` with grad mode set to `enabled`, then restores the previous mode, also on throw.
 *
 * Async functions are refused before they start: a JavaScript flag cannot follow an `await`, and
 * other code that runs while `fn` is suspended would see the wrong mode. Wrap the synchronous parts
 * inside the async function instead.
 *
 * @example
 * ```ts
 * const y = setGradEnabled(false, () => x.mul(2)); // y.requiresGrad === false
 * ```
 */
export function setGradEnabled<T>(enabled: boolean, fn: () => T): T {
  const name = enabled ? 'enableGrad' : 'noGrad';
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function, got ${typeof fn}`);
  if (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction') {
    throw new ChainruleError(
      `${name}: refusing an async function; grad mode is a synchronous setting and cannot follow an await. ` +
        `Call ${name}(() => ...) around the synchronous tensor code inside your async function instead.`,
    );
  }
  const previous = gradEnabled;
  gradEnabled = enabled;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  if (isThenable(result)) {
    throw new ChainruleError(
      `${name}: the function returned a Promise; only its synchronous part ran with grad mode ${enabled ? 'on' : 'off'}. ` +
        `Call ${name}(() => ...) around the synchronous tensor code inside your async function instead.`,
    );
  }
  return result;
}

/**
 * Runs `fn` without recording the autograd graph (PyTorch's `torch.no_grad()`): results do not
 * require grad, and no memory is held for backward. Used by optimizers for their updates.
 *
 * @example
 * ```ts
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // y.requiresGrad === false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return setGradEnabled(false, fn);
}

/**
 * Runs `fn` with graph recording switched back on, even inside {@link noGrad}.
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => w.mul(2))); // recorded
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return setGradEnabled(true, fn);
}

/** @internal Sets the flag directly; the caller must restore it (used by the op wrapper's hot path). */
export function swapGradEnabled(enabled: boolean): boolean {
  const previous = gradEnabled;
  gradEnabled = enabled;
  return previous;
}

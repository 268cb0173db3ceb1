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

/** A generator object, sync or async: made by calling a generator function, its body not yet run. */
function isGenerator(value: unknown): boolean {
  const tag = Object.prototype.toString.call(value);
  return tag === '[object Generator]' || tag === '[object AsyncGenerator]';
}

/**
 * Runs `fn` with grad mode set to `enabled`, then restores the previous mode, also on throw.
 *
 * Async and generator functions are refused before they start: a JavaScript flag cannot follow an
 * `await`, and a generator's body runs at each `next()`, after the mode is restored; other code
 * that runs while `fn` is suspended would see the wrong mode. Wrap the synchronous parts instead.
 *
 * @example
 * ```ts
 * const y = setGradEnabled(false, () => x.mul(2)); // y.requiresGrad === false
 * ```
 */
export function setGradEnabled<T>(enabled: boolean, fn: () => T): T {
  const name = enabled ? 'enableGrad' : 'noGrad';
  return runSynchronously(name, `grad mode ${enabled ? 'on' : 'off'}`, fn, () => {
    const previous = gradEnabled;
    gradEnabled = enabled;
    return previous;
  }, (previous) => {
    gradEnabled = previous;
  });
}

/**
 * @internal Runs `fn` between `enter` and `exit` (exit also on throw), refusing what would escape a
 * synchronous setting: async functions, generator functions (their body runs later, at each
 * `next()`, after the setting is restored) and functions that return a Promise or a generator.
 * `name` is the function the user called; `setting` says what would be lost ("grad mode off").
 */
export function runSynchronously<T, S>(name: string, setting: string, fn: () => T, enter: () => S, exit: (saved: S) => void): T {
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const kind = fn.constructor?.name;
  if (kind === 'AsyncFunction' || kind === 'AsyncGeneratorFunction') {
    throw new ChainruleError(
      `${name}: refusing an async function; ${setting} is a synchronous setting and cannot follow an await. ` +
        `Call ${name}(() => ...) around the synchronous tensor code inside your async function instead.`,
    );
  }
  if (kind === 'GeneratorFunction') {
    throw new ChainruleError(
      `${name}: refusing a generator function; its body runs later, at each next(), after ${setting} has been undone. ` +
        `Call ${name}(() => ...) around the tensor code inside the generator instead.`,
    );
  }
  const saved = enter();
  let result: T;
  try {
    result = fn();
  } finally {
    exit(saved);
  }
  if (isThenable(result)) {
    throw new ChainruleError(
      `${name}: the function returned a Promise; only its synchronous part ran with ${setting}. ` +
        `Call ${name}(() => ...) around the synchronous tensor code inside your async function instead.`,
    );
  }
  if (isGenerator(result)) {
    throw new ChainruleError(
      `${name}: the function returned a generator; its body runs later, at each next(), after ${setting} has been undone. ` +
        `Call ${name}(() => ...) around the tensor code inside the generator instead.`,
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

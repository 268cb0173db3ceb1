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

// ------------------------------------------------------------------ tracing (for exporters)

/** The names of the ops run inside the current {@link traceOps}, or null outside one. */
let traced: Set<string> | null = null;
/**
 * @internal Whether a trace is running, as a property the op wrapper reads on every call (a plain
 * load, cheaper there than a call that reads a module binding).
 */
export const tracing = { active: false };

/**
 * What {@link traceOps} saw: `fn`'s result and the name of every op that ran while it did (also
 * ops whose inputs recorded nothing, and samplers such as `randperm` that take no tensor).
 * @example
 * ```ts
 * const { result, ops } = traceOps(() => model.forward(x)); // ops: Set { 'linear', 'argmax', ... }
 * ```
 */
export interface OpTrace<T> {
  readonly result: T;
  readonly ops: ReadonlySet<string>;
}

/**
 * Runs `fn` with grad mode on and in trace mode, as an exporter does (ONNX's `exportOnnx`): ops
 * without a gradient rule (comparisons, argmax, argsort, oneHot, samplers, custom ops without
 * `backward`) then record a graph node too when an input is recorded or requires grad, so the
 * exporter sees what computed every value. Such a node holds no gradient rule: its result
 * `requiresGrad` only so that the ops after it record too, and calling `backward()` through it
 * gives those inputs no gradient, as outside the trace. Also returns the names of all ops run.
 * Synchronous, like {@link noGrad}; traces do not nest.
 * @example
 * ```ts
 * const x = tensor([3, 1, 2], { requiresGrad: true });
 * const { result } = traceOps(() => x.argmax());
 * result.gradFn?.op.name; // 'argmax' (outside traceOps: null)
 * ```
 */
export function traceOps<T>(fn: () => T): OpTrace<T> {
  const ops = new Set<string>();
  const result = runSynchronously('traceOps', 'trace mode', fn, () => {
    if (traced !== null) throw new ChainruleError('traceOps: already tracing; traces do not nest');
    const previous = gradEnabled;
    traced = ops;
    tracing.active = true;
    gradEnabled = true;
    return previous;
  }, (previous) => {
    traced = null;
    tracing.active = false;
    gradEnabled = previous;
  });
  return { result, ops };
}

/** @internal Whether a {@link traceOps} is running (the op wrapper then records every op). */
export function isTracingOps(): boolean {
  return traced !== null;
}

/** @internal Notes an op (or a sampler that is not an op) as run, when tracing. */
export function noteOp(name: string): void {
  if (traced !== null) traced.add(name);
}

/**
 * The one way to define a differentiable op, for built-in ops and users alike (in the spirit of
 * `torch.autograd.Function`, `tf.customGrad` and PyTorch's derivatives table): a forward that
 * computes the result, and beside it one gradient rule per input, each a line like
 * `derivatives.yaml`'s `mul: self: grad * other`.
 *
 * The wrapper around them does everything else, the same way for every op: it turns numbers and
 * arrays into tensors of the right dtype, refuses mixed dtypes, runs forward without recording,
 * records a graph node when an input requires grad, and checks for NaN under anomaly detection.
 * The engine later calls only the rules of the inputs that need a gradient, and sums a broadcast
 * input's gradient back to the input's shape.
 * @module
 */
import type { NdArray } from 'ndarray';
import { AnomalyError, DTypeError, ShapeError, fmtShape } from './errors.js';
import { Op, OpContext, type GradRule, type GradRules } from './op-context.js';
import { nameAllocation, type TensorData } from './dtype.js';
import { isGradEnabled, isTracingOps, noteOp, swapGradEnabled, tracing } from './grad-mode.js';
import { compileTrace } from './compile/trace-state.js';
import { backwardSite, creationSite, firstNonFinite, isAnomalyEnabled } from './autograd/anomaly.js';
import { Tensor, TRUSTED_SHAPE, checkedShape, tensor, type TensorLike } from './tensor.js';
import { frozenShape, MAX_RANK, type Shape } from './shape.js';
import { ndarrayToBuffer } from './kernels/nd.js';

export { Op, OpContext, freedGraphError, type GradRule, type GradRules, type SavedTensors } from './op-context.js';

/**
 * Definition of an op with named inputs. `inputs` names them (the names appear in error messages
 * and key the gradient rules); `forward` gets the input tensors and returns the result; `backward`
 * holds one gradient rule per differentiable input. Leave `backward` out for ops that are not
 * differentiable (comparisons): their results never require grad.
 *
 * NOTE (a TypeScript trap): a rule that calls the op being defined, by its own name, makes the
 * const's type depend on itself ("implicitly has type 'any' because it ... is referenced directly or
 * indirectly in its own initializer"). Write rules with Tensor methods (`grad.mul(x)`), or give the
 * const its type: `const cube: OpFunction<['x']> = defineOp({ ... })`.
 * @example
 * ```ts
 * const spec: OpSpec<['x'], undefined> = {
 *   name: 'double', inputs: ['x'],
 *   forward: (ctx, x) => x.mul(2),
 *   backward: { x: (ctx, grad) => grad.mul(2) },
 * };
 * const double = defineOp(spec);
 * ```
 */
export interface OpSpec<Names extends readonly string[], P> {
  /** The op's name, as shown in errors, in `toString()` and by `explain`. */
  readonly name: string;
  /** One name per tensor input, e.g. `['a', 'b']`. */
  readonly inputs: Names;
  /**
   * Computes the result. Runs with recording off, so tensor ops used inside build no graph.
   * May return a Tensor, a kernel's `{ buffer, shape }` (which becomes the result tensor without a
   * copy), or an ndarray (which is copied into a new tensor).
   */
  forward(ctx: OpContext<P>, ...inputs: TensorsFor<Names>): Tensor | TensorData | NdArray;
  /** The gradient rule of each differentiable input, keyed by its name. */
  readonly backward?: GradRules<Names, P>;
}

/**
 * Definition of an op over a list of tensors (concat, stack); see {@link defineVariadicOp}. Its
 * forward gets the list as one array (a list of 200,000 tensors is never spread into arguments),
 * and its one gradient rule gets the index of the input it is asked about.
 * @example
 * ```ts
 * const spec: VariadicOpSpec<undefined> = { name: 'sumAll', inputs: 'xs',
 *   forward: (ctx, xs) => xs.reduce((s, x) => s.add(x)),
 *   backward: (ctx, grad, i) => grad };
 * ```
 */
export interface VariadicOpSpec<P> {
  readonly name: string;
  /** The name of the list, e.g. `'tensors'`; an input is named `tensors[2]` in errors. */
  readonly inputs: string;
  forward(ctx: OpContext<P>, inputs: readonly Tensor[]): Tensor | TensorData | NdArray;
  backward?(ctx: OpContext<P>, grad: Tensor, index: number): Tensor | null;
}

/**
 * A tuple of tensors, one per input name.
 * @example
 * ```ts
 * type AB = TensorsFor<['a', 'b']>; // [Tensor, Tensor]
 * ```
 */
export type TensorsFor<Names extends readonly string[]> = { [K in keyof Names]: Tensor };
/**
 * A tuple of tensor-likes (tensor, number, nested array), one per input name.
 * @example
 * ```ts
 * type AB = TensorLikesFor<['a', 'b']>; // [TensorLike, TensorLike]
 * ```
 */
export type TensorLikesFor<Names extends readonly string[]> = { [K in keyof Names]: TensorLike };

/**
 * The function `defineOp` returns: the inputs, then the params if the op has any (optional when
 * the op's params type allows `undefined`). `.op` is the op's record as the graph stores it.
 * @example
 * ```ts
 * const scale: OpFunction<['x'], { by: number }> = defineOp({ ... });
 * scale(x, { by: 3 });
 * ```
 */
export type OpFunction<Names extends readonly string[], P = undefined> = ([P] extends [undefined]
  ? (...inputs: TensorLikesFor<Names>) => Tensor
  : undefined extends P
    ? (...args: [...TensorLikesFor<Names>, params?: P]) => Tensor
    : (...args: [...TensorLikesFor<Names>, params: P]) => Tensor) & { readonly op: Op };

/**
 * Defines a differentiable op. The built-in ops are all written this way.
 *
 * Rule: during backward the engine calls, for each input that needs a gradient, that input's rule
 * once per use of the result; each returned gradient is summed back over broadcast dimensions to
 * its input's shape, then checked: a wrong type, dtype or a shape that cannot be reduced to the
 * input's is an error naming op and input.
 *
 * @example
 * ```ts
 * // cube(x) = x³, d/dx = 3x²; the rule uses tensor ops, so second derivatives work too.
 * const cube = defineOp({
 *   name: 'cube',
 *   inputs: ['x'],
 *   forward(ctx, x) { ctx.save(x); return x.mul(x).mul(x); },
 *   backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].square().mul(3)) },
 * });
 * const x = tensor(2, { requiresGrad: true });
 * cube(x).backward(); // x.grad is 12
 * ```
 */
export function defineOp<const Names extends readonly string[], P = undefined>(spec: OpSpec<Names, P>): OpFunction<Names, P> {
  checkSpec(spec, false);
  const names = spec.inputs as readonly string[];
  const arity = names.length;
  const given = (spec.backward ?? null) as Record<string, GradRule | undefined> | null;
  if (given !== null) {
    for (const key of Object.keys(given)) {
      if (!names.includes(key)) {
        throw new TypeError(`defineOp ${spec.name}: backward has a rule for '${key}', which is not one of its inputs (${names.join(', ')})`);
      }
      if (typeof given[key] !== 'function') throw new TypeError(`defineOp ${spec.name}: the rule for '${key}' must be a function (ctx, grad) => Tensor`);
    }
  }
  const rules = given === null ? null : names.map((n) => given[n] ?? null);
  const op = new Op(spec.name, Object.freeze(names.slice()), spec.forward as Op['forward'], rules, null);
  const tooFew = (got: number) => new TypeError(`${spec.name}: expected ${arity} tensor input(s) (${names.join(', ')}), got ${got} argument(s)`);
  let fn: (...args: unknown[]) => Tensor;
  // NOTE: unary and binary ops get wrappers without rest parameters: every op call goes through
  // here, and a rest array per call is measurable on small tensors.
  if (arity === 1) {
    fn = function (this: unknown, x: unknown, params?: unknown): Tensor {
      if (arguments.length < 1) throw tooFew(arguments.length);
      return runOp(op, [x instanceof Tensor ? x : typeof x === 'number' ? scalar(x, undefined) : toTensor(op, x, 0, undefined)], params);
    };
  } else if (arity === 2) {
    fn = function (this: unknown, a: unknown, b: unknown, params?: unknown): Tensor {
      if (arguments.length < 2) throw tooFew(arguments.length);
      if (a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype) return runOp(op, [a, b], params);
      return runOp(op, toInputs(op, [a, b], 2), params);
    };
  } else {
    fn = (...args: unknown[]): Tensor => {
      if (args.length < arity) throw tooFew(args.length);
      return runOp(op, toInputs(op, args, arity), args[arity]);
    };
  }
  Object.defineProperty(fn, 'name', { value: spec.name });
  Object.defineProperty(fn, 'length', { value: arity }); // the tensor inputs; params are optional
  Object.defineProperty(fn, 'op', { value: op });
  return fn as unknown as OpFunction<Names, P>;
}

/**
 * Defines an op over a list of tensors, called as `op([a, b, c], params)`.
 *
 * @example
 * ```ts
 * const sumAll = defineVariadicOp({
 *   name: 'sumAll', inputs: 'xs',
 *   forward: (ctx, xs) => xs.reduce((s, x) => s.add(x)),
 *   backward: (ctx, grad, i) => grad, // d(Σ xs)/d xs[i] = 1
 * });
 * ```
 */
export function defineVariadicOp<P = undefined>(
  spec: VariadicOpSpec<P>,
): ((tensors: readonly TensorLike[], params?: P) => Tensor) & { readonly op: Op } {
  checkSpec(spec, true);
  const listRule = spec.backward === undefined ? null : (spec.backward.bind(spec) as (ctx: OpContext<any>, grad: Tensor, index: number) => Tensor | null);
  const op = new Op(spec.name, spec.inputs, spec.forward.bind(spec) as Op['forward'], null, listRule);
  const fn = (tensors: readonly TensorLike[], params?: P): Tensor => {
    if (!Array.isArray(tensors)) throw new TypeError(`${spec.name}: expected a non-empty array of tensors for '${spec.inputs}', got ${typeof tensors}`);
    if (tensors.length === 0) throw new ShapeError(`${spec.name}: expected a non-empty array of tensors for '${spec.inputs}', got an empty array`);
    return runOp(op, toInputs(op, tensors, tensors.length), params);
  };
  Object.defineProperty(fn, 'name', { value: spec.name });
  Object.defineProperty(fn, 'op', { value: op });
  return fn as typeof fn & { readonly op: Op };
}

/** Refuses a malformed definition when it is made, not at its first call. */
function checkSpec(spec: unknown, variadic: boolean): void {
  const where = variadic ? 'defineVariadicOp' : 'defineOp';
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`${where}: expected an op definition object, got ${spec === null ? 'null' : typeof spec}`);
  const s = spec as { name?: unknown; inputs?: unknown; forward?: unknown; backward?: unknown };
  if (typeof s.name !== 'string' || s.name === '') throw new TypeError(`${where}: the definition needs a non-empty string name, got ${typeof s.name}`);
  if (variadic ? typeof s.inputs !== 'string' : !Array.isArray(s.inputs) || !s.inputs.every((n) => typeof n === 'string')) {
    throw new TypeError(`${where} ${s.name}: inputs must be ${variadic ? "the list's name (a string)" : 'an array of input names'}`);
  }
  if (typeof s.forward !== 'function') throw new TypeError(`${where} ${s.name}: forward must be a function`);
  if (s.backward !== undefined && (variadic ? typeof s.backward !== 'function' : typeof s.backward !== 'object' || s.backward === null)) {
    throw new TypeError(
      `${where} ${s.name}: backward must be ${variadic ? 'a function (ctx, grad, index) => Tensor' : 'an object with one rule per input, e.g. { x: (ctx, grad) => ... }'}`,
    );
  }
}

/** Converts the leading `arity` arguments to tensors sharing one dtype. */
function toInputs(op: Op, args: readonly unknown[], arity: number): Tensor[] {
  // The dtype comes from the first tensor argument; numbers and arrays adopt it.
  let dtype: Tensor['dtype'] | undefined;
  let first = -1;
  for (let i = 0; i < arity; i++) {
    const a = args[i];
    if (a instanceof Tensor) {
      if (dtype === undefined) {
        dtype = a.dtype;
        first = i;
      } else if (a.dtype !== dtype) {
        throw new DTypeError(
          `${op.name}: input '${op.inputName(i)}' is ${a.dtype} but input '${op.inputName(first)}' is ${dtype}; ` +
            `ops do not mix dtypes, cast one with .cast('${dtype}') first`,
        );
      }
    }
  }
  const inputs = new Array<Tensor>(arity);
  for (let i = 0; i < arity; i++) {
    const a = args[i];
    inputs[i] = a instanceof Tensor ? a : typeof a === 'number' ? scalar(a, dtype) : toTensor(op, a, i, dtype);
  }
  return inputs;
}

/** An argument that is not a tensor or a number, as a tensor, or an error naming the op and the input. */
function toTensor(op: Op, value: unknown, i: number, dtype: Tensor['dtype'] | undefined): Tensor {
  if (!Array.isArray(value) && !(value instanceof Float64Array) && !(value instanceof Float32Array)) {
    const what = value === null ? 'null' : value === undefined ? 'undefined' : typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value;
    throw new TypeError(`${op.name}: input '${op.inputName(i)}' is ${what}; expected a Tensor, a number or a nested array of numbers`);
  }
  return tensor(value as TensorLike, { dtype });
}

/** A scalar constant, made directly: `x.mul(0.5)` and the like make one on every call. */
function scalar(v: number, dtype: Tensor['dtype'] | undefined): Tensor {
  const buffer = dtype === 'float32' ? new Float32Array(1) : new Float64Array(1); // one element: no limit to check
  buffer[0] = v;
  return new Tensor(buffer, SCALAR_SHAPE, false, TRUSTED_SHAPE);
}
const SCALAR_SHAPE: readonly number[] = Object.freeze([]);

/** Runs forward, then records the node if any input requires grad and grad mode is on (in a trace, also without a rule). */
function runOp(op: Op, inputs: Tensor[], params: unknown): Tensor {
  let recording = false;
  let needsInputGrad: readonly boolean[] = NO_GRADS;
  if (op.differentiable && isGradEnabled()) {
    if (inputs.length === 1 || inputs.length === 2) {
      // unary and binary ops share four constant flag arrays instead of allocating one per op
      const mask = op.ruleMask;
      const first = inputs[0].requiresGrad && (mask === null || mask[0] === true);
      const second = inputs.length === 2 && inputs[1].requiresGrad && (mask === null || mask[1] === true);
      recording = first || second;
      needsInputGrad = inputs.length === 1 ? (first ? ONE_GRAD : NO_GRADS) : FLAGS_2[(first ? 1 : 0) + (second ? 2 : 0)];
    } else {
      const flags = inputs.map((t, i) => t.requiresGrad && op.hasRule(i));
      recording = flags.includes(true);
      needsInputGrad = flags;
    }
  }
  let planStep: object | null = null; // this call's step in a compiled step's trace (see compile)
  if (tracing.active) {
    if (isTracingOps()) {
      // an exporter's trace (traceOps): ops without a rule for a recorded input record too, with no gradient
      noteOp(op.name);
      if (!recording && isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
        recording = true;
        needsInputGrad = inputs.map(() => false);
      }
    }
    if (compileTrace.recorder !== null) planStep = compileTrace.recorder.beginOp(op, inputs, params, needsInputGrad);
  }
  const ctx = new OpContext(op, inputs, params, needsInputGrad, recording);
  const previous = swapGradEnabled(false);
  let result: unknown;
  try {
    result = op.callForward(ctx, inputs);
  } catch (error) {
    throw nameAllocation(error, op.name, inputs); // a kernel's refused allocation, named here
  } finally {
    swapGradEnabled(previous);
    if (planStep !== null) compileTrace.recorder!.endForward(planStep);
  }
  // Results become tensors here and nowhere else: kernels return plain { buffer, shape }; an ndarray
  // is copied into a new contiguous buffer (any strides; no code generation).
  let out: Tensor;
  let existing = false; // a tensor the forward did not make here (an input, or one with a history)
  if (result instanceof Tensor) {
    out = result;
    existing = true;
  } else if (isTensorData(result)) out = new Tensor(result.buffer, kernelShape(result, inputs), false, TRUSTED_SHAPE);
  else {
    const copied = ndarrayToBuffer(result);
    if (copied === null) {
      throw new TypeError(
        `${op.name}: forward must return a Tensor, a { buffer, shape } or an ndarray, got ${result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result}`,
      );
    }
    out = new Tensor(copied.buffer, copied.shape);
  }
  if (isAnomalyEnabled()) {
    if (recording) ctx.createdAt = creationSite();
    const site = backwardSite();
    // inside a backward pass, a non-finite value belongs to the backward of the node being run
    if (site !== null) checkFinite(site.opName, 'backward', out, site.createdAt, op.name);
    else checkFinite(op.name, 'forward', out, ctx.createdAt ?? creationSite());
  }
  if (recording) {
    // The output becomes a fresh node of the graph; never hijack an input or a tensor that has a history.
    if (existing && (out.gradFn !== null || out.isLeafRequiringGrad() || inputs.includes(out))) out = out.cloneData();
    out.gradFn = ctx;
    ctx.attachResult(out);
  }
  if (planStep !== null) compileTrace.recorder!.endOp(planStep, out);
  return out;
}

/**
 * The shape of a forward's `{ buffer, shape }`, checked. An input's own shape (elementwise results:
 * the common case) is valid already and passes if the buffer has the input's length. Any other
 * shape (a kernel's fresh array, or whatever a custom forward returns) is checked dimension by
 * dimension and becomes a shared or frozen copy: the caller's array is never frozen or kept.
 *
 * NOTE: no loop over a frozen shape and no Object.isFrozen on this path: indexing a frozen array
 * is a generic load in V8's optimised code (about 5x a plain array's), isFrozen a call into C++,
 * and this runs once per op.
 */
function kernelShape(result: TensorData, inputs: readonly Tensor[]): Shape {
  const shape = result.shape;
  const from = inputs.length > 0 && shape === inputs[0].shape ? inputs[0] : inputs.length > 1 && shape === inputs[1].shape ? inputs[1] : null;
  if (from !== null && result.buffer.length === from.buffer.length) return shape;
  if (Array.isArray(shape) && shape.length <= MAX_RANK) {
    let size = 1;
    let valid = true;
    for (let i = 0; i < shape.length; i++) {
      const d: unknown = shape[i];
      if (typeof d !== 'number' || !(d >= 0) || !Number.isSafeInteger(d)) valid = false;
      size *= d as number;
    }
    if (valid && size === result.buffer.length) return frozenShape(shape);
  }
  return checkedShape(result.buffer, shape); // throws, naming what is wrong
}

function isTensorData(x: unknown): x is TensorData {
  if (typeof x !== 'object' || x === null) return false;
  const b = (x as { buffer?: unknown }).buffer;
  return (b instanceof Float64Array || b instanceof Float32Array) && Array.isArray((x as { shape?: unknown }).shape);
}


// Shared by every unary and binary node, and never written (the public `needsInputGrad` hands out a
// frozen copy). NOTE: plain arrays, not frozen ones: the engine indexes them for every node, and
// indexing a frozen array is about 5x slower in V8's optimised code.
const NO_GRADS: readonly boolean[] = [];
const ONE_GRAD: readonly boolean[] = [true];
const FLAGS_2: readonly (readonly boolean[])[] = [[false, false], [true, false], [false, true], [true, true]];

/** @internal Throws an AnomalyError if `t` holds a NaN or infinity. */
export function checkFinite(opName: string, phase: 'forward' | 'backward', t: Tensor, createdAt: string | undefined, innerOp?: string): void {
  const bad = firstNonFinite(t.buffer);
  if (bad < 0) return;
  throw new AnomalyError(
    `${phase === 'forward' ? opName : `backward of ${opName}`} produced ${t.buffer[bad]}${innerOp ? ` (in its ${innerOp})` : ''} at flat index ${bad} ` +
      `of a result of shape ${fmtShape(t.shape)}` +
      (createdAt ? `; the ${opName} op was created at\n    ${createdAt}` : ''),
  );
}

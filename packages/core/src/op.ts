/**
 * The one way to define a differentiable op, for built-in ops and users alike (in the spirit of
 * `torch.autograd.Function` and `tf.customGrad`): a forward that computes the result, a backward that
 * maps the result's gradient to one gradient per input, side by side in one small definition.
 *
 * The wrapper around them does everything else, the same way for every op: it turns numbers and
 * arrays into tensors of the right dtype, refuses mixed dtypes, runs forward without recording,
 * records a graph node when an input requires grad, and checks for NaN under anomaly detection.
 * The engine later sums a broadcast input's gradient back to the input's shape.
 * @module
 */
import type { NdArray } from 'ndarray';
import { AnomalyError, AutogradError, DTypeError, fmtShape } from './errors.js';
import { isGradEnabled, swapGradEnabled } from './grad-mode.js';
import { backwardSite, creationSite, firstNonFinite, isAnomalyEnabled } from './autograd/anomaly.js';
import { Tensor, tensor, type TensorLike } from './tensor.js';
import { ndarrayToBuffer } from './kernels/nd.js';

/**
 * What an op's backward returns: one gradient per input, `null` where there is none.
 * @example
 * ```ts
 * backward: (ctx, grad): Gradients => [grad, ctx.needsInputGrad[1] ? grad.neg() : null]
 * ```
 */
export type Gradients = readonly (Tensor | null | undefined)[];

/**
 * The op's record in the autograd graph, and the context its forward and backward share.
 * Forward saves what backward needs with {@link OpContext.save}; backward reads it back with
 * {@link OpContext.saved}, which checks that nothing saved was modified in place since.
 * @example
 * ```ts
 * forward(ctx, a, b) { ctx.save(a, b); return a.mul(b); },
 * backward(ctx, grad) { const [a, b] = ctx.saved; return [grad.mul(b), grad.mul(a)]; },
 * ```
 */
export class OpContext<P = unknown> {
  /** The op this node belongs to. */
  readonly op: AnyOpSpec;
  /** The input tensors, in order. Read their shape and dtype freely; read values through `saved`. */
  readonly inputs: readonly Tensor[];
  /** The op's non-tensor parameters (axes, shapes, ...), as passed after the inputs. */
  readonly params: P;
  /** For each input, whether backward must produce its gradient. */
  readonly needsInputGrad: readonly boolean[];
  /** @internal false when forward runs without recording: `save` then keeps nothing. */
  readonly recording: boolean;
  private savedTensors: Tensor[] | null = null;
  // Versions of the saved tensors at save time. NOTE: the first two live in fields and only a third
  // or later in an array: a graph of n ops keeps n contexts alive, and one array less per op is
  // measurably less garbage-collector work on long graphs.
  private version0 = 0;
  private version1 = 0;
  private moreVersions: number[] | null = null;
  /** @internal true once backward has released this node's saved tensors. */
  freed = false;
  /** @internal where the op was called, kept only under anomaly detection. */
  createdAt: string | undefined = undefined;

  /** @internal */
  constructor(op: AnyOpSpec, inputs: readonly Tensor[], params: P, needsInputGrad: readonly boolean[], recording: boolean) {
    this.op = op;
    this.inputs = inputs;
    this.params = params;
    this.needsInputGrad = needsInputGrad;
    this.recording = recording;
  }

  /** Keeps tensors (inputs or the output) for backward, noting their versions to detect later in-place changes. */
  save(...tensors: Tensor[]): void {
    if (!this.recording) return;
    this.savedTensors = tensors;
    const n = tensors.length;
    if (n > 0) this.version0 = tensors[0]._version;
    if (n > 1) this.version1 = tensors[1]._version;
    if (n > 2) this.moreVersions = tensors.slice(2).map((t) => t._version);
  }

  private savedVersion(i: number): number {
    return i === 0 ? this.version0 : i === 1 ? this.version1 : this.moreVersions![i - 2];
  }

  /** The tensors given to {@link OpContext.save}, after checking none was modified in place since. */
  get saved(): Tensor[] {
    const tensors = this.savedTensors;
    if (tensors === null) {
      if (this.freed) throw freedGraphError(this.op.name);
      return [];
    }
    for (let i = 0; i < tensors.length; i++) {
      if (tensors[i]._version !== this.savedVersion(i)) {
        const t = tensors[i];
        const which = t.gradFn === this ? 'its output' : `input '${this.op.inputs[this.inputs.indexOf(t)] ?? i}'`;
        throw new AutogradError(
          `backward of ${this.op.name}: ${which} (shape ${fmtShape(t.shape)}) was saved for backward at version ` +
            `${this.savedVersion(i)} but has been modified in place since (now version ${t._version}). ` +
            `Modify a clone() instead, or modify it after backward.`,
        );
      }
    }
    return tensors;
  }

  /** @internal Drops saved tensors after backward (unless the graph is retained). */
  release(): void {
    this.savedTensors = null;
    this.moreVersions = null;
    this.freed = true;
  }
}

/** @internal */
export function freedGraphError(opName: string): AutogradError {
  return new AutogradError(
    `backward through ${opName} a second time: its saved tensors were freed by the first backward. ` +
      `Pass { retainGraph: true } to the first backward() if you need to call it again.`,
  );
}

/**
 * Definition of an op with fixed inputs. `inputs` names them (the names appear in error messages);
 * `forward` gets the input tensors and returns the result; `backward`, if given, gets the result's
 * gradient and returns one gradient per input. Leave `backward` out for ops that are not
 * differentiable (comparisons): their results never require grad.
 * @example
 * ```ts
 * const spec: OpSpec<['x'], undefined> = {
 *   name: 'double', inputs: ['x'],
 *   forward: (ctx, x) => x.mul(2),
 *   backward: (ctx, grad) => [grad.mul(2)],
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
   * May return a Tensor or an ndarray (which is copied into a new tensor).
   */
  forward(ctx: OpContext<P>, ...inputs: TensorsFor<Names>): Tensor | NdArray;
  /**
   * Maps the result's gradient to one gradient per input (`null` for none). Write it with tensor ops
   * and higher-order gradients work. A gradient may have the broadcast shape: the engine sums it back.
   */
  backward?(ctx: OpContext<P>, grad: Tensor): Gradients;
}

/**
 * Definition of an op over a list of tensors (concat, stack); see {@link defineVariadicOp}.
 * @example
 * ```ts
 * const spec: VariadicOpSpec<undefined> = { name: 'sumAll', inputs: 'xs',
 *   forward: (ctx, ...xs) => xs.reduce((s, x) => s.add(x)),
 *   backward: (ctx, grad) => ctx.inputs.map(() => grad) };
 * ```
 */
export interface VariadicOpSpec<P> {
  readonly name: string;
  /** The name of the list, e.g. `'tensors'`; an input is named `tensors[2]` in errors. */
  readonly inputs: string;
  forward(ctx: OpContext<P>, ...inputs: Tensor[]): Tensor | NdArray;
  backward?(ctx: OpContext<P>, grad: Tensor): Gradients;
}

/**
 * Any op definition, fixed-arity or variadic, as the graph stores it.
 * @example
 * ```ts
 * const spec: AnyOpSpec = y.gradFn!.op; spec.name; // 'mul'
 * ```
 */
export type AnyOpSpec = {
  readonly name: string;
  readonly inputs: readonly string[] | string;
  forward(ctx: OpContext<any>, ...inputs: Tensor[]): Tensor | NdArray;
  backward?(ctx: OpContext<any>, grad: Tensor): Gradients;
};

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
 * The function `defineOp` returns: inputs first, then the params object if the op has one.
 * @example
 * ```ts
 * const scale: OpFunction<['x'], { by: number }> = defineOp({ ... });
 * scale(x, { by: 3 });
 * ```
 */
export type OpFunction<Names extends readonly string[], P> = [P] extends [undefined]
  ? (...inputs: TensorLikesFor<Names>) => Tensor
  : (...args: [...TensorLikesFor<Names>, P]) => Tensor;

/**
 * Defines a differentiable op. The built-in ops are all written this way.
 *
 * Rule: the engine calls `backward(ctx, grad)` once per use of the result in the graph walk; each
 * returned gradient is summed back over broadcast dimensions to its input's shape, then checked:
 * a wrong count or a shape that cannot be reduced to the input's is an error naming op and input.
 *
 * @example
 * ```ts
 * // cube(x) = x³, d/dx = 3x²; the backward uses tensor ops, so second derivatives work too.
 * const cube = defineOp({
 *   name: 'cube',
 *   inputs: ['x'],
 *   forward(ctx, x) { ctx.save(x); return x.mul(x).mul(x); },
 *   backward(ctx, grad) { const [x] = ctx.saved; return [grad.mul(x.square().mul(3))]; },
 * });
 * const x = tensor(2, { requiresGrad: true });
 * cube(x).backward(); // x.grad is 12
 * ```
 */
export function defineOp<const Names extends readonly string[], P = undefined>(spec: OpSpec<Names, P>): OpFunction<Names, P> {
  const op = spec as unknown as AnyOpSpec;
  const arity = spec.inputs.length;
  const tooFew = (got: number) =>
    new TypeError(`${spec.name}: expected ${arity} tensor input(s) (${spec.inputs.join(', ')}), got ${got} argument(s)`);
  let fn: (...args: unknown[]) => Tensor;
  // NOTE: unary and binary ops get wrappers without rest parameters: every op call goes through
  // here, and a rest array per call is measurable on small tensors.
  if (arity === 1) {
    fn = function (this: unknown, x: unknown, params?: unknown): Tensor {
      if (arguments.length < 1) throw tooFew(arguments.length);
      return runOp(op, [x instanceof Tensor ? x : typeof x === 'number' ? scalar(x, undefined) : tensor(x as TensorLike)], params);
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
  return fn as unknown as OpFunction<Names, P>;
}

/**
 * Defines an op over a list of tensors, called as `op([a, b, c], params)`.
 *
 * @example
 * ```ts
 * const sumAll = defineVariadicOp({
 *   name: 'sumAll', inputs: 'xs',
 *   forward(ctx, ...xs) { return xs.reduce((s, x) => s.add(x)); },
 *   backward(ctx, grad) { return ctx.inputs.map(() => grad); },
 * });
 * ```
 */
export function defineVariadicOp<P = undefined>(spec: VariadicOpSpec<P>): (tensors: readonly TensorLike[], params?: P) => Tensor {
  const fn = (tensors: readonly TensorLike[], params?: P): Tensor => {
    if (!Array.isArray(tensors) || tensors.length === 0) {
      throw new TypeError(`${spec.name}: expected a non-empty array of tensors for '${spec.inputs}'`);
    }
    return runOp(spec as AnyOpSpec, toInputs(spec as AnyOpSpec, tensors, tensors.length), params);
  };
  Object.defineProperty(fn, 'name', { value: spec.name });
  return fn;
}

/** The name of input `i` of an op, for messages. */
export function inputName(op: AnyOpSpec, i: number): string {
  return typeof op.inputs === 'string' ? `${op.inputs}[${i}]` : (op.inputs[i] ?? `#${i}`);
}

/** Converts the leading `arity` arguments to tensors sharing one dtype. */
function toInputs(spec: AnyOpSpec, args: readonly unknown[], arity: number): Tensor[] {
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
          `${spec.name}: input '${inputName(spec, i)}' is ${a.dtype} but input '${inputName(spec, first)}' is ${dtype}; ` +
            `ops do not mix dtypes, cast one with .cast('${dtype}') first`,
        );
      }
    }
  }
  const inputs = new Array<Tensor>(arity);
  for (let i = 0; i < arity; i++) {
    const a = args[i];
    inputs[i] = a instanceof Tensor ? a : typeof a === 'number' ? scalar(a, dtype) : tensor(a as TensorLike, { dtype });
  }
  return inputs;
}

/** A scalar constant, made directly: `x.mul(0.5)` and the like make one on every call. */
function scalar(v: number, dtype: Tensor['dtype'] | undefined): Tensor {
  const buffer = dtype === 'float32' ? new Float32Array(1) : new Float64Array(1);
  buffer[0] = v;
  return new Tensor(buffer, SCALAR_SHAPE);
}
const SCALAR_SHAPE: readonly number[] = [];

/** Runs forward, then records the node if any input requires grad and grad mode is on. */
function runOp(spec: AnyOpSpec, inputs: Tensor[], params: unknown): Tensor {
  let recording = false;
  let needsInputGrad: readonly boolean[] = NO_GRADS;
  if (spec.backward !== undefined && isGradEnabled()) {
    if (inputs.length === 1 || inputs.length === 2) {
      // unary and binary ops share four constant flag arrays instead of allocating one per op
      const first = inputs[0].requiresGrad;
      const second = inputs.length === 2 && inputs[1].requiresGrad;
      recording = first || second;
      needsInputGrad = inputs.length === 1 ? (first ? ONE_GRAD : NO_GRADS) : FLAGS_2[(first ? 1 : 0) + (second ? 2 : 0)];
    } else {
      const flags = inputs.map((t) => t.requiresGrad);
      recording = flags.includes(true);
      needsInputGrad = flags;
    }
  }
  const ctx = new OpContext(spec, inputs, params, needsInputGrad, recording);
  const previous = swapGradEnabled(false);
  let result: Tensor | NdArray;
  try {
    // (a switch rather than a spread: spreading allocates on every call)
    switch (inputs.length) {
      case 1:
        result = spec.forward(ctx, inputs[0]);
        break;
      case 2:
        result = spec.forward(ctx, inputs[0], inputs[1]);
        break;
      default:
        result = spec.forward(ctx, ...inputs);
    }
  } finally {
    swapGradEnabled(previous);
  }
  // an ndarray result is copied into a new contiguous buffer (any strides; no code generation)
  const copied = result instanceof Tensor ? null : ndarrayToBuffer(result);
  if (!(result instanceof Tensor) && copied === null) {
    throw new TypeError(`${spec.name}: forward must return a Tensor or an ndarray, got ${typeof result}`);
  }
  let out = copied === null ? (result as Tensor) : new Tensor(copied.buffer, copied.shape);
  if (isAnomalyEnabled()) {
    if (recording) ctx.createdAt = creationSite();
    const site = backwardSite();
    // inside a backward pass, a non-finite value belongs to the backward of the node being run
    if (site !== null) checkFinite(site.opName, 'backward', out, site.createdAt, spec.name);
    else checkFinite(spec.name, 'forward', out, ctx.createdAt ?? creationSite());
  }
  if (recording) {
    // The output becomes a fresh node of the graph; never hijack an input or a tensor that has a history.
    if (out.gradFn !== null || out.isLeafRequiringGrad() || inputs.includes(out)) out = out.cloneData();
    out.gradFn = ctx;
  }
  return out;
}

const NO_GRADS: readonly boolean[] = Object.freeze([]);
const ONE_GRAD: readonly boolean[] = Object.freeze([true]);
const FLAGS_2: readonly (readonly boolean[])[] = [[false, false], [true, false], [false, true], [true, true]].map((f) => Object.freeze(f));

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

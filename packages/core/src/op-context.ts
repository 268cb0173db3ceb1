/**
 * The graph's records: {@link Op}, an op's definition in the one form the engine calls, and
 * {@link OpContext}, the node one call of it leaves in the graph (inputs, params, saved tensors).
 * This file imports no runtime code of the tensor layer, so ops can be defined while the tensor
 * module is still loading (the method surface makes tensor.ts and the op files import each other).
 * @module
 */
import type { NdArray } from 'ndarray';
import { AutogradError, fmtShape } from './errors.js';
import type { TensorData } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * The gradient rule of one input: given the op's context and the gradient of its result, the
 * gradient for that input (`null` for none). It may return the broadcast shape: the engine sums it
 * back. Written with tensor ops, the backward pass is itself differentiable.
 * @example
 * ```ts
 * // mul: d(a·b)/da = b, so the rule for a is grad · b
 * const forA: GradRule = (ctx, grad) => grad.mul(ctx.saved[1]);
 * ```
 */
export type GradRule<P = any> = (ctx: OpContext<P>, grad: Tensor) => Tensor | null;

/**
 * The gradient rules of an op with named inputs, keyed by input name. An input without a rule gets
 * no gradient (the condition of `where`, an index).
 * @example
 * ```ts
 * const rules: GradRules<['a', 'b'], undefined> = { a: (ctx, grad) => grad, b: (ctx, grad) => grad.neg() };
 * ```
 */
export type GradRules<Names extends readonly string[], P> = { readonly [K in Names[number]]?: GradRule<P> };

/**
 * What {@link OpContext.saved} returns: the saved tensors, typed so that the first four read as
 * Tensors without `!` under `noUncheckedIndexedAccess`.
 * @example
 * ```ts
 * const [a, b]: SavedTensors = ctx.saved;
 * ```
 */
export type SavedTensors = readonly [Tensor, Tensor, Tensor, Tensor, ...Tensor[]];
const NOTHING_SAVED = [] as unknown as SavedTensors;

/**
 * The op's record in the autograd graph, and the context its forward and its gradient rules share.
 * Forward saves what the rules need with {@link OpContext.save}; a rule reads it back with
 * {@link OpContext.saved}, which checks that nothing saved was modified in place since.
 * @example
 * ```ts
 * forward(ctx, a, b) { ctx.save(a, b); return a.mul(b); },
 * backward: { a: (ctx, grad) => grad.mul(ctx.saved[1]), b: (ctx, grad) => grad.mul(ctx.saved[0]) },
 * ```
 */
export class OpContext<P = unknown> {
  /** The op this node belongs to. */
  readonly op: Op;
  /** The input tensors, in order. Read their shape and dtype freely; read values through `saved`. */
  readonly inputs: readonly Tensor[];
  /** The op's non-tensor parameters (axes, shapes, ...), as passed after the inputs (undefined if none). */
  readonly params: P;
  /**
   * @internal For each input, whether a gradient must be computed for it: what the engine reads.
   * Often one of a few arrays shared by all nodes, so never written; outside code gets a copy.
   */
  readonly gradFlags: readonly boolean[];
  /** @internal false when forward runs without recording: `save` then keeps nothing. */
  readonly recording: boolean;
  private savedTensors: readonly Tensor[] | null = null;
  // Versions of the saved tensors at save time. NOTE: the first two live in fields and only a third
  // or later in an array: a graph of n ops keeps n contexts alive, and one array less per op is
  // measurably less garbage-collector work on long graphs.
  private version0 = 0;
  private version1 = 0;
  private moreVersions: number[] | null = null;
  /** @internal true once backward has released this node's saved tensors. */
  freed = false;
  /**
   * @internal The engine's mark for the walk that is ordering the graph (see `walkOrder` in
   * autograd/engine.ts): a number at or above that walk's base means "ordered in this walk, at
   * position mark - base". Only the engine reads or writes it, and only during one walk.
   */
  walkMark = 0;
  /** @internal where the op was called, kept only under anomaly detection. */
  createdAt: string | undefined = undefined;

  /** @internal */
  constructor(op: Op, inputs: readonly Tensor[], params: P, needsInputGrad: readonly boolean[], recording: boolean) {
    this.op = op;
    this.inputs = inputs;
    this.params = params;
    this.gradFlags = needsInputGrad;
    this.recording = recording;
  }

  /** For each input, whether a gradient must be computed for it (a frozen copy). */
  get needsInputGrad(): readonly boolean[] {
    return Object.freeze(this.gradFlags.slice());
  }

  /** Keeps tensors (inputs, or values computed from them) for backward, noting their versions to detect later in-place changes. */
  save(...tensors: Tensor[]): void {
    if (!this.recording) return;
    // an op that saves exactly its inputs (mul, div, ...) keeps the inputs' array: a graph of n ops
    // holds n nodes, and one array less per node is less work for the garbage collector
    this.savedTensors = sameTensors(tensors, this.inputs) ? this.inputs : tensors;
    const n = tensors.length;
    if (n > 0) this.version0 = tensors[0].version;
    if (n > 1) this.version1 = tensors[1].version;
    if (n > 2) this.moreVersions = tensors.slice(2).map((t) => t.version);
  }

  /**
   * Keeps the op's result for backward too (after anything given to `save`): `saved` then ends with
   * it. For rules written with the result, such as exp's `grad · result`.
   */
  saveResult(): void {
    if (this.recording) this.savesResult = true;
  }
  private savesResult = false;

  /** @internal Appends the result to the saved tensors if the forward asked for it. */
  attachResult(out: Tensor): void {
    if (!this.savesResult) return;
    const tensors = this.savedTensors === null || this.savedTensors === this.inputs ? [...(this.savedTensors ?? [])] : (this.savedTensors as Tensor[]);
    tensors.push(out);
    const i = tensors.length - 1;
    if (i === 0) this.version0 = out.version;
    else if (i === 1) this.version1 = out.version;
    else (this.moreVersions ??= []).push(out.version);
    this.savedTensors = tensors;
  }

  private savedVersion(i: number): number {
    return i === 0 ? this.version0 : i === 1 ? this.version1 : this.moreVersions![i - 2];
  }

  /**
   * The tensors given to {@link OpContext.save} (then the result, after `saveResult()`), after
   * checking none was modified in place since. Typed so that `ctx.saved[0]` and `const [a, b] =
   * ctx.saved` are Tensors even under `noUncheckedIndexedAccess`; an index past what forward saved
   * is undefined at run time.
   */
  get saved(): SavedTensors {
    const tensors = this.savedTensors;
    if (tensors === null) {
      if (this.freed) throw freedGraphError(this.op.name);
      return NOTHING_SAVED;
    }
    for (let i = 0; i < tensors.length; i++) {
      if (tensors[i].version !== this.savedVersion(i)) {
        const t = tensors[i];
        const which = t.gradFn === this ? 'its output' : `input '${this.op.inputName(this.inputs.indexOf(t))}'`;
        throw new AutogradError(
          `backward of ${this.op.name}: ${which} (shape ${fmtShape(t.shape)}) was saved for backward at version ` +
            `${this.savedVersion(i)} but has been modified in place since (now version ${t.version}). ` +
            `Modify a clone() instead, or modify it after backward.`,
        );
      }
    }
    return tensors as unknown as SavedTensors;
  }

  /** @internal Drops saved tensors after backward (unless the graph is retained). */
  release(): void {
    this.savedTensors = null;
    this.moreVersions = null;
    this.freed = true;
  }
}

/** Whether two lists hold the same tensors in the same order. */
function sameTensors(a: readonly Tensor[], b: readonly Tensor[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal */
export function freedGraphError(opName: string): AutogradError {
  return new AutogradError(
    `backward through ${opName} a second time: its saved tensors were freed by the first backward. ` +
      `Pass { retainGraph: true } to the first backward() if you need to call it again.`,
  );
}

/**
 * An op as the graph stores it: its name, its inputs' names, and its gradient rules in one
 * normalised form for fixed and variadic ops alike.
 * @example
 * ```ts
 * const op: Op = y.gradFn!.op; op.name; // 'mul'
 * op.inputName(1); // 'b'
 * ```
 */
export class Op {
  /** The op's name. */
  readonly name: string;
  /** The input names (fixed arity), or the list's name (variadic). */
  readonly inputs: readonly string[] | string;
  /** Whether the op has gradient rules (its results can require grad). */
  readonly differentiable: boolean;
  /**
   * @internal The definition's forward as given: called with the inputs spread (fixed arity) or
   * with the list (variadic); the op wrapper calls it directly, with no wrapper of its own.
   */
  readonly forward: (ctx: OpContext<any>, ...inputs: any[]) => Tensor | TensorData | NdArray;
  /** @internal Whether forward takes the inputs as one list. */
  readonly variadic: boolean;
  /** @internal For each input, whether it has a gradient rule (every input of a variadic op has). */
  readonly ruleMask: readonly boolean[] | null;
  /** @internal Rule per input index (fixed arity); the engine calls them directly. */ readonly rules: readonly (GradRule | null)[] | null;
  /** @internal The rule of every input (variadic). */ private readonly listRule: ((ctx: OpContext<any>, grad: Tensor, index: number) => Tensor | null) | null;

  /** @internal */
  constructor(
    name: string,
    inputs: readonly string[] | string,
    forward: (ctx: OpContext<any>, ...inputs: any[]) => Tensor | TensorData | NdArray,
    rules: readonly (GradRule | null)[] | null,
    listRule: ((ctx: OpContext<any>, grad: Tensor, index: number) => Tensor | null) | null,
  ) {
    this.name = name;
    this.inputs = inputs;
    this.forward = forward;
    this.variadic = typeof inputs === 'string';
    // (a plain array: read for every recorded call, and frozen arrays index slowly; never written)
    this.ruleMask = typeof inputs === 'string' ? null : (inputs as readonly string[]).map((_, i) => rules !== null && rules[i] != null);
    this.rules = rules;
    this.listRule = listRule;
    this.differentiable = listRule !== null || (rules !== null && rules.some((r) => r !== null));
  }

  /**
   * @internal Calls forward with the inputs spread (fixed arity) or as one list (variadic): for the
   * op wrapper and a compiled step's replay. NOTE: a switch rather than a spread, which allocates.
   */
  callForward(ctx: OpContext<any>, inputs: readonly Tensor[]): Tensor | TensorData | NdArray {
    if (this.variadic) return this.forward(ctx, inputs);
    if (inputs.length === 1) return this.forward(ctx, inputs[0]);
    if (inputs.length === 2) return this.forward(ctx, inputs[0], inputs[1]);
    if (inputs.length === 3) return this.forward(ctx, inputs[0], inputs[1], inputs[2]);
    return this.forward(ctx, ...inputs);
  }

  /** The name of input `i`, for messages (`'b'`, or `'tensors[2]'` for a list). */
  inputName(i: number): string {
    return typeof this.inputs === 'string' ? `${this.inputs}[${i}]` : (this.inputs[i] ?? `#${i}`);
  }

  /**
   * The gradient for input `i` of the node `ctx`, by its rule (null where it has none). The engine
   * calls this only for inputs that need a gradient.
   */
  gradient(ctx: OpContext<any>, grad: Tensor, i: number): Tensor | null {
    if (this.listRule !== null) return this.listRule(ctx, grad, i);
    const rule = this.rules === null ? null : this.rules[i];
    return rule === null || rule === undefined ? null : rule(ctx, grad);
  }

  /** Whether input `i` has a gradient rule. */
  hasRule(i: number): boolean {
    return this.ruleMask === null || this.ruleMask[i] === true;
  }
}


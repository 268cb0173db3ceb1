/**
 * The reverse-mode engine: orders the recorded graph with an iterative depth-first search (no
 * recursion, so a chain of a million ops cannot overflow the stack), then calls each node's gradient
 * rules once (only those of inputs that need a gradient), in reverse topological order, summing the
 * gradients that reach each tensor. Everything a walk needs lives in the walk, not on tensors.
 *
 * Broadcasting's gradient rule lives here and nowhere else: a gradient that arrives in the broadcast
 * shape is summed back to the input's shape ({@link reduceToShape}), then its shape is checked.
 * @module
 */
import { AutogradError, ShapeError, fmtShape } from '../errors.js';
import { allocBuffer } from '../dtype.js';
import { swapGradEnabled } from '../grad-mode.js';
import { checkFinite, freedGraphError, type OpContext } from '../op.js';
import { shapesEqual, type Shape } from '../shape.js';
import { Tensor, TRUSTED_SHAPE, asTensor, peekNextTensorId, tensor, type TensorLike } from '../tensor.js';
import { isAnomalyEnabled, swapBackwardSite } from './anomaly.js';
import { compileTrace, refuseAtTopLevel } from '../compile/trace-state.js';
import { add, clone, sum, reshape } from '../ops/index.js';

/**
 * Options of {@link backward} and {@link gradients}.
 * @example
 * ```ts
 * loss.backward({ retainGraph: true }); // call backward again later
 * loss.backward({ createGraph: true }); // x.grad is differentiable
 * ```
 */
export interface BackwardOptions {
  /** Keep the graph's saved tensors so backward can run through it again (default false). */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself, so the gradients are differentiable (higher-order gradients).
   * Implies `retainGraph` unless that is given.
   */
  createGraph?: boolean;
}

/**
 * The recorded graph below `roots`, in topological order: every tensor before the tensors it was
 * computed from (roots first), through the edges that carry a gradient. An iterative depth-first
 * search with an explicit stack, so a chain of a million ops cannot overflow the call stack.
 * `indexOf` gives a tensor's index in `order`.
 *
 * `firstInputFirst` orders siblings for reading (a first input before a later one, as `explain`
 * labels them); the engine's own order visits inputs first to last, which fixes the order in which
 * gradients meeting at one tensor are summed (and so every rounding, run after run).
 * @example
 * ```ts
 * const { order, indexOf } = graphOrder([loss]); order[0] === loss; indexOf(loss); // true, 0
 * ```
 */
export function graphOrder(roots: readonly Tensor[], firstInputFirst = false): GraphOrder {
  return depthFirst(roots, firstInputFirst, false);
}

/**
 * The result of {@link graphOrder}: the tensors in order, and the position of a tensor in it (-1 if absent).
 * @example
 * ```ts
 * const { order, indexOf } = graphOrder([loss]); indexOf(loss); // 0
 * ```
 */
export interface GraphOrder {
  readonly order: Tensor[];
  indexOf(t: Tensor): number;
}

/**
 * Marks below this belong to walks that have finished; the next walk numbers its tensors from here.
 * Every walk moves it past the marks it used, so a node's old mark never counts in a later walk.
 */
let markBase = 1;
/** How many walks are running (a gradient hook may start another one). */
let activeWalks = 0;

/**
 * The engine's own {@link graphOrder}: the same order, with the op-made tensors numbered by marks on
 * their nodes rather than in a Map. NOTE: a Map of every tensor was the largest single cost of a
 * backward on a small network (about a tenth of a training step of the article's 2-2-2 net). A walk
 * started while another runs (from a hook) uses the Map, so the outer walk's marks stay valid.
 */
function walkOrder(roots: readonly Tensor[]): GraphOrder {
  return depthFirst(roots, false, activeWalks === 0);
}

/**
 * The depth-first search behind {@link graphOrder} and {@link walkOrder}: an explicit stack, and
 * each tensor numbered in post-order when its search ends. NOTE: no "in progress" mark is needed: in
 * a DAG a tensor can only be met again after its search has ended (a tensor still on the stack is an
 * ancestor, and no descendant leads back to it). With `marks`, an op-made tensor's number is kept on
 * its node (OpContext, the graph's record, never a Tensor) as `base + number`, only leaves go in the
 * Map, and `markBase` moves past the marks used so that they never count in a later walk.
 */
function depthFirst(roots: readonly Tensor[], firstInputFirst: boolean, marks: boolean): GraphOrder {
  const base = markBase;
  const numbers = new Map<Tensor, number>(); // every tensor, or only the leaves with marks
  const numberOf = (t: Tensor): number => {
    const node = t.gradFn;
    if (marks && node !== null) return node.walkMark >= base ? node.walkMark - base : -1;
    return numbers.get(t) ?? -1;
  };
  const post: Tensor[] = []; // inputs before the tensors computed from them
  const stack: Tensor[] = [];
  const next: number[] = []; // per stack entry: how many of its inputs have been looked at
  for (const root of roots) {
    if (numberOf(root) >= 0) continue;
    stack.push(root);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const t = stack[top];
      const node = t.gradFn;
      const inputs = node === null ? EMPTY : node.inputs;
      const needs = node === null ? EMPTY_FLAGS : node.gradFlags;
      const n = inputs.length;
      let k = next[top];
      // k counts inputs looked at; the input itself is k (first to last) or n-1-k (last to first)
      while (k < n && (!needs[firstInputFirst ? n - 1 - k : k] || numberOf(inputs[firstInputFirst ? n - 1 - k : k]) >= 0)) k++;
      if (k < n) {
        next[top] = k + 1;
        stack.push(inputs[firstInputFirst ? n - 1 - k : k]);
        next.push(0);
      } else {
        stack.pop();
        next.pop();
        if (marks && node !== null) node.walkMark = base + post.length;
        else numbers.set(t, post.length);
        post.push(t);
      }
    }
  }
  if (marks) markBase = base + post.length + 1;
  // order is post reversed, so a position is last - post-order number: no second numbering
  const last = post.length - 1;
  return {
    order: post.reverse(),
    indexOf: (t: Tensor) => {
      const p = numberOf(t);
      return p < 0 ? -1 : last - p;
    },
  };
}

const EMPTY: readonly Tensor[] = [];
const EMPTY_FLAGS: readonly boolean[] = [];

/**
 * Sums `grad` over the dimensions along which a tensor of shape `shape` was broadcast, so the
 * result has exactly `shape` (the reverse of broadcasting). Throws naming op and input when `grad`'s
 * shape is not a broadcast of `shape`. The engine applies it to every gradient a rule returns.
 * @example
 * ```ts
 * reduceToShape(ones([4, 2, 3]), [2, 1], 'add', 'b').toArray(); // [[12], [12]]
 * ```
 */
export function reduceToShape(grad: Tensor, shape: Shape, opName: string, input: string): Tensor {
  if (shapesEqual(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const axes: number[] = [];
  let compatible = lead >= 0;
  for (let i = 0; compatible && i < grad.ndim; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && grad.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== grad.shape[i]) compatible = false;
  }
  if (!compatible) {
    throw new ShapeError(
      `backward of ${opName}: the gradient for input '${input}' has shape ${fmtShape(grad.shape)}, ` +
        `but the input has shape ${fmtShape(shape)}; expected that shape or one it broadcasts to`,
    );
  }
  const summed = sum(grad, { axes, keepdims: true });
  return shapesEqual(summed.shape, shape) ? summed : reshape(summed, shape);
}

// GRADIENT OWNERSHIP. The one rule that keeps `.grad` from ever sharing storage with anything else
// the user can reach (another tensor's .grad, the seed passed to backward, a hook's argument, a
// retained gradient, a tensor a custom rule returned):
//
//   A gradient tensor may be stored as it is (as a `.grad`, or returned by `gradients()`) only if
//   (1) the engine made it during this walk: its id is at least the walk's first id, so no caller
//       can hold it (a seed, a saved tensor or a constant that a rule returns were made before);
//   (2) no hook saw it (a hook may keep its argument or return a tensor it keeps); and
//   (3) nothing else in this walk has stored it already (add's rule hands one tensor to both
//       inputs: the first holder takes it, every later one gets a copy).
//   Otherwise the holder gets a copy: `detach()` (or `clone()`, which stays in the graph, under
//   createGraph). Later accumulation adds in place into an existing `.grad` (one stored this way, or
//   one the user assigned, as PyTorch does), or out of place when it is part of a graph.
//
// All of it is local to one walk (`Walk` below): no tensor carries any of the engine's scratch state.

/** The state of one backward walk. */
class Walk {
  /**
   * Gradients stored by this walk so far (rule 3), and gradients a hook saw (rule 2): a short array
   * (a step of a small network stores a handful), moved to a Set once it grows.
   */
  private takenList: Tensor[] = [];
  private takenSet: Set<Tensor> | null = null;
  constructor(
    readonly firstId: number,
    readonly createGraph: boolean,
  ) {}

  /** Marks `g` as seen by user code (a hook): it is never stored without a copy. */
  markSeen(g: Tensor): void {
    this.take(g);
  }

  private isTaken(g: Tensor): boolean {
    return this.takenSet !== null ? this.takenSet.has(g) : this.takenList.includes(g);
  }

  private take(g: Tensor): void {
    if (this.takenSet !== null) this.takenSet.add(g);
    else if (this.takenList.length < 32) this.takenList.push(g);
    else this.takenSet = new Set([...this.takenList, g]);
  }

  /** `g`, or a copy of it, to be stored by one holder (see GRADIENT OWNERSHIP). */
  own(g: Tensor): Tensor {
    // in a compiled step's trace, a copy made by an op (an entry of the plan), so that replays refresh it
    if (compileTrace.recorder !== null && !this.createGraph) return clone(g);
    const owned = g.id >= this.firstId && (this.createGraph || g.gradFn === null) && !this.isTaken(g);
    if (owned) {
      this.take(g);
      return g;
    }
    return this.createGraph && g.gradFn !== null ? clone(g) : g.detach();
  }

  /** Adds `g` into `t.grad` (in place when not recording, so no allocation). */
  accumulate(t: Tensor, g: Tensor): void {
    if (compileTrace.recorder !== null && compileTrace.recorder.accumulate(t, g)) return; // a step of a compiled plan
    const current = t.grad;
    if (current === null) {
      t.grad = this.own(g);
    } else if (this.createGraph || current.gradFn !== null) {
      t.grad = add(current, g);
    } else {
      if (current.size !== g.size || current.dtype !== g.dtype) {
        throw new AutogradError(
          `backward: cannot accumulate a ${g.dtype} gradient of shape ${fmtShape(g.shape)} into the existing .grad of shape ` +
            `${fmtShape(current.shape)} (${current.dtype})${t.name !== undefined ? ` of '${t.name}'` : ''}; was .grad set by hand? Set it to null first`,
        );
      }
      const dst = current.buffer;
      const src = g.buffer;
      for (let i = 0; i < dst.length; i++) dst[i] += src[i];
      current._version++;
    }
  }
}

/** Runs `t`'s gradient hooks (the caller checks there are some); a returned tensor replaces `g`. */
function runHooks(t: Tensor, g: Tensor, walk: Walk): Tensor {
  refuseAtTopLevel(() => 'a gradient hook ran during backward; a replay runs the recorded ops, not the hook');
  for (const hook of t._hooks!.slice()) {
    walk.markSeen(g);
    const replaced = hook(g);
    if (replaced !== undefined) {
      if (!(replaced instanceof Tensor) || !shapesEqual(replaced.shape, t.shape) || replaced.dtype !== t.dtype) {
        const got = replaced instanceof Tensor ? `a ${replaced.dtype} tensor of shape ${fmtShape(replaced.shape)}` : String(replaced);
        throw new ShapeError(`gradient hook: returned ${got} for a ${t.dtype} tensor of shape ${fmtShape(t.shape)}; expected a tensor of that shape and dtype, or nothing`);
      }
      g = replaced;
    }
  }
  walk.markSeen(g);
  return g;
}

function seedGradient(root: Tensor, gradient: TensorLike | undefined, where: string): Tensor {
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new AutogradError(
        `${where}: the output has shape ${fmtShape(root.shape)}, and an implicit gradient exists only for a one-element output; ` +
          `pass a gradient of shape ${fmtShape(root.shape)} (e.g. ones) or reduce the output first (e.g. .sum())`,
      );
    }
    const one = tensor(1, { dtype: root.dtype });
    return root.ndim === 0 ? one : reshape(one, root.shape);
  }
  const g = asTensor(gradient, { dtype: root.dtype });
  if (!shapesEqual(g.shape, root.shape)) {
    throw new ShapeError(`${where}: the gradient has shape ${fmtShape(g.shape)} but the output has shape ${fmtShape(root.shape)}; they must match`);
  }
  if (g.dtype !== root.dtype) throw new AutogradError(`${where}: the gradient is ${g.dtype} but the output is ${root.dtype}`);
  return g;
}

/**
 * The walk shared by {@link backward} and {@link gradients}. With `targets`, the gradients reaching
 * them are returned and no `.grad` is touched; without, leaves (and retained non-leaves) accumulate.
 */
function walk(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  firstId: number,
  options: BackwardOptions,
  targets: readonly Tensor[] | null,
): (Tensor | null)[] | null {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  if (createGraph) refuseAtTopLevel(() => 'backward with createGraph (higher-order gradients) is not compiled; such a step runs eagerly');
  const { order, indexOf } = walkOrder(roots);
  activeWalks++;
  // pending[k]: the sum of the gradients that reached order[k] so far
  const pending: (Tensor | null)[] = new Array<Tensor | null>(order.length).fill(null);
  const state = new Walk(firstId, createGraph);
  for (let i = 0; i < roots.length; i++) addPending(pending, indexOf(roots[i]), seeds[i]);
  const targetGrads = targets === null ? null : new Map<Tensor, Tensor>(); // in gradients(): what reached each target
  const targetSet = targets === null ? null : new Set(targets);
  // Gradients for .grad are applied only after the whole walk succeeded, and the graph is freed only
  // then, so a backward that throws part-way leaves every .grad and the graph as they were.
  const toAccumulate: Tensor[] = [];
  const anomaly = isAnomalyEnabled();
  const previousMode = swapGradEnabled(createGraph);
  try {
    for (let k = 0; k < order.length; k++) {
      let g = pending[k];
      if (g === null) continue;
      pending[k] = null;
      const t = order[k];
      if (t._hooks !== null) g = runHooks(t, g, state);
      if (targetSet !== null) {
        if (targetSet.has(t)) targetGrads!.set(t, g);
      } else if (t.gradFn === null || t._retainGrad) {
        toAccumulate.push(t, g);
      }
      const node = t.gradFn;
      if (node === null) continue;
      if (node.freed) throw freedGraphError(node.op.name);
      if (anomaly) {
        const previous = swapBackwardSite({ opName: node.op.name, createdAt: node.createdAt });
        try {
          propagate(node, g, pending, indexOf, true);
        } finally {
          swapBackwardSite(previous);
        }
      } else propagate(node, g, pending, indexOf, false);
    }
    for (let i = 0; i < toAccumulate.length; i += 2) state.accumulate(toAccumulate[i], toAccumulate[i + 1]);
    if (targets !== null) {
      const result = targets.map((t) => {
        const g = targetGrads!.get(t);
        return g === undefined ? null : state.own(g);
      });
      if (!retainGraph) release(order);
      return result;
    }
  } finally {
    swapGradEnabled(previousMode);
    activeWalks--;
  }
  if (!retainGraph) release(order);
  return null;
}

function release(order: readonly Tensor[]): void {
  for (const t of order) if (t.gradFn !== null) t.gradFn.release();
}

/** Adds `g` to the gradient pending at position `k`. */
function addPending(pending: (Tensor | null)[], k: number, g: Tensor): void {
  const previous = pending[k];
  pending[k] = previous === null ? g : add(previous, g);
}

/**
 * Calls the node's rule for each input that needs a gradient, checks what it returns (type, dtype),
 * sums it back to the input's shape and adds it to that input's pending gradient.
 */
function propagate(node: OpContext, grad: Tensor, pending: (Tensor | null)[], indexOf: (t: Tensor) => number, anomaly: boolean): void {
  const { op, inputs, gradFlags: needsInputGrad } = node;
  for (let i = 0; i < inputs.length; i++) {
    if (!needsInputGrad[i]) continue;
    // (the rule called directly for a fixed-arity op: the hot path of every backward)
    const rules = op.rules;
    const g: unknown = rules !== null ? (rules[i] === null ? null : rules[i]!(node, grad)) : op.gradient(node, grad, i);
    if (g === null || g === undefined) continue;
    const input = inputs[i];
    if (!(g instanceof Tensor)) {
      throw new AutogradError(`backward of ${op.name}: the rule for input '${op.inputName(i)}' returned ${typeof g}, expected a Tensor (or null for no gradient)`);
    }
    if (g.dtype !== input.dtype) {
      throw new AutogradError(`backward of ${op.name}: the gradient for input '${op.inputName(i)}' is ${g.dtype} but the input is ${input.dtype}`);
    }
    const reduced = reduceToShape(g, input.shape, op.name, op.inputName(i));
    if (anomaly) checkFinite(op.name, 'backward', reduced, node.createdAt);
    addPending(pending, indexOf(input), reduced);
  }
}

/**
 * Backpropagates from `output`: adds d(output)/d(leaf) to the `.grad` of every leaf that requires
 * grad. For a non-scalar output, `gradient` is the vector v of the vector-Jacobian product vᵀJ.
 * Gradients accumulate across calls until zeroed, as in PyTorch.
 *
 * @example
 * ```ts
 * const x = tensor(3, { requiresGrad: true });
 * x.mul(x).backward(); // x.grad is 6
 * ```
 */
export function backward(output: Tensor, gradient?: TensorLike | BackwardOptions, options: BackwardOptions = {}): void {
  // backward({ retainGraph: true }) reads as PyTorch users expect: a plain object is options.
  if (isOptions(gradient)) {
    options = gradient;
    gradient = undefined;
  }
  if (!output.requiresGrad) {
    throw new AutogradError('backward: the tensor does not require grad and has no recorded graph; create a leaf with { requiresGrad: true } and compute from it (outside noGrad)');
  }
  const firstId = peekNextTensorId(); // the implicit seed is made below, by the engine
  walk([output], [seedGradient(output, gradient, 'backward')], firstId, checkOptions(options, 'backward'), null);
}

/**
 * Returns d(outputs)/d(inputs) without touching any `.grad` (PyTorch's `torch.autograd.grad`).
 * With `createGraph`, the results are themselves differentiable. An input that the outputs do not
 * depend on gets `null`, or zeros with `{ allowUnused: 'zeros' }`.
 *
 * @example
 * ```ts
 * const x = tensor(2, { requiresGrad: true });
 * const [dx] = gradients(x.pow(3), [x], { createGraph: true }); // 12
 * const [d2x] = gradients(dx!, [x]);                            // 12 = 6x
 * ```
 */
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  options: BackwardOptions & { gradOutputs?: readonly (TensorLike | undefined)[]; allowUnused?: 'null' | 'zeros' } = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  outs.forEach((o, i) => {
    if (!o.requiresGrad) throw new AutogradError(`gradients: output ${i} does not require grad; it does not depend on any input that requires grad`);
  });
  inputs.forEach((x, i) => {
    if (!x.requiresGrad) throw new AutogradError(`gradients: input ${i} (shape ${fmtShape(x.shape)}) does not require grad`);
  });
  const firstId = peekNextTensorId();
  const seeds = outs.map((o, i) => seedGradient(o, options.gradOutputs?.[i], 'gradients'));
  const result = walk(outs, seeds, firstId, checkOptions(options, 'gradients'), inputs)!;
  return result.map((g, i) => (g === null && options.allowUnused === 'zeros' ? zerosLike(inputs[i]) : g));
}

/** Refuses options that are not an object of known booleans, naming the function and the key. */
function checkOptions<O extends BackwardOptions>(options: O, where: string): O {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of ['retainGraph', 'createGraph'] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${where}: option ${key} must be true or false, got ${JSON.stringify(v) ?? typeof v}`);
  }
  return options;
}

function isOptions(x: unknown): x is BackwardOptions {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function zerosLike(t: Tensor): Tensor {
  return new Tensor(allocBuffer(t.dtype, t.size), t.shape, false, TRUSTED_SHAPE);
}

/**
 * The reverse-mode engine: orders the recorded graph with an iterative depth-first search (no
 * recursion, so a chain of a million ops cannot overflow the stack), then calls each node's backward
 * once, in reverse topological order, summing the gradients that reach each tensor.
 *
 * Broadcasting's gradient rule lives here and nowhere else: a gradient that arrives in the broadcast
 * shape is summed back to the input's shape ({@link reduceToShape}), then its shape is checked.
 * @module
 */
import { AutogradError, ShapeError, fmtShape } from '../errors.js';
import { swapGradEnabled } from '../grad-mode.js';
import { checkFinite, freedGraphError, inputName, type OpContext } from '../op.js';
import { shapesEqual, type Shape } from '../shape.js';
import { Tensor, nextBirthEpoch, tensor, type TensorLike } from '../tensor.js';
import { isAnomalyEnabled, swapBackwardSite } from './anomaly.js';
import { add, sum, reshape } from '../ops/index.js';

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

let walkCounter = 0;

/**
 * Tensors reachable from `roots` through recorded ops, in topological order (every tensor after
 * the tensors computed from it, i.e. roots first). Iterative DFS with an explicit stack.
 */
function topologicalOrder(roots: readonly Tensor[]): Tensor[] {
  const mark = ++walkCounter;
  const order: Tensor[] = []; // post-order: inputs before the tensors computed from them
  const stack: Tensor[] = [];
  const childIndex: number[] = [];
  for (const root of roots) {
    if (root._walk === mark) continue;
    root._walk = mark;
    stack.push(root);
    childIndex.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const t = stack[top];
      const node = t.gradFn;
      const inputs = node === null ? EMPTY : node.inputs;
      const needs = node === null ? EMPTY_FLAGS : node.needsInputGrad;
      let i = childIndex[top];
      while (i < inputs.length && (!needs[i] || inputs[i]._walk === mark)) i++;
      if (i < inputs.length) {
        childIndex[top] = i + 1;
        const child = inputs[i];
        child._walk = mark;
        stack.push(child);
        childIndex.push(0);
      } else {
        stack.pop();
        childIndex.pop();
        order.push(t);
      }
    }
  }
  return order.reverse();
}
const EMPTY: readonly Tensor[] = [];
const EMPTY_FLAGS: readonly boolean[] = [];

/**
 * Sums `grad` over the dimensions along which a tensor of shape `shape` was broadcast, so the
 * result has exactly `shape` (the reverse of broadcasting). Throws naming op and input when `grad`'s
 * shape is not a broadcast of `shape`. The engine applies it to every gradient a backward returns.
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

// Gradient ownership. A leaf's first gradient becomes its `.grad`; later ones are added into that
// buffer in place. Taking the gradient tensor itself rather than a copy is safe only when nothing
// else can reach it: it was made during this walk (`_born`), exactly one tensor holds it as its
// pending gradient (`_claimed` = +walk; -walk marks it shared, e.g. add's backward hands the same
// `grad` to both inputs), and no hook or retained `.grad` has seen it. Otherwise the leaf gets a copy.

/** Records that one more tensor holds `g` as its pending gradient in walk `walkId`. */
function claim(g: Tensor, walkId: number): void {
  g._claimed = g._claimed === walkId || g._claimed === -walkId ? -walkId : walkId;
}

/** Adds `g` to the gradient pending at `t` during walk `walkId`. */
function accumulatePending(t: Tensor, g: Tensor, walkId: number): void {
  if (t._pending === null) {
    claim(g, walkId);
    t._pending = g;
  } else {
    const sum = add(t._pending, g);
    claim(sum, walkId);
    t._pending = sum;
  }
}

/** Adds `g` into `t.grad` (in place when not recording, so no allocation). */
function accumulateGrad(t: Tensor, g: Tensor, createGraph: boolean, walkId: number): void {
  if (t.grad === null) {
    const owned = g._born === walkId && g._claimed === walkId && g.gradFn === null;
    t.grad = createGraph || owned ? g : g.detach();
  } else if (createGraph || t.grad.gradFn !== null) {
    t.grad = add(t.grad, g);
  } else {
    const dst = t.grad.buffer;
    const src = g.buffer;
    for (let i = 0; i < dst.length; i++) dst[i] += src[i];
    t.grad._version++;
  }
}

/** Runs `t`'s gradient hooks (the caller checks there are some); a returned tensor replaces `g`. */
function runHooks(t: Tensor, g: Tensor): Tensor {
  for (const hook of t._hooks!) {
    const replaced = hook(g);
    if (replaced !== undefined) {
      if (!(replaced instanceof Tensor) || !shapesEqual(replaced.shape, t.shape)) {
        throw new ShapeError(`gradient hook: returned ${replaced instanceof Tensor ? `shape ${fmtShape(replaced.shape)}` : String(replaced)} for a tensor of shape ${fmtShape(t.shape)}; expected a tensor of that shape`);
      }
      g = replaced;
    }
  }
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
  const g = gradient instanceof Tensor ? gradient : tensor(gradient, { dtype: root.dtype });
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
function walk(roots: readonly Tensor[], seeds: readonly Tensor[], options: BackwardOptions, targets: readonly Tensor[] | null): (Tensor | null)[] | null {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const order = topologicalOrder(roots);
  for (const t of order) t._pending = null;
  const walkId = nextBirthEpoch(); // seeds were born before: never taken over
  for (let i = 0; i < roots.length; i++) accumulatePending(roots[i], seeds[i], walkId);
  const targetSet = targets === null ? null : new Set(targets);
  // Gradients for .grad are applied only after the whole walk succeeded, and the graph is freed only
  // then, so a backward that throws part-way leaves every .grad and the graph as they were.
  const toAccumulate: Tensor[] = [];
  const anomaly = isAnomalyEnabled();
  const previousMode = swapGradEnabled(createGraph);
  try {
    for (const t of order) {
      let g = t._pending;
      if (g === null) continue;
      t._pending = null;
      if (t._hooks !== null) {
        g = runHooks(t, g);
        g._claimed = -walkId; // a hook has seen it and may keep it
      }
      if (targetSet !== null) {
        if (targetSet.has(t)) t._pending = g; // read back after the walk
      } else if (t.gradFn === null) {
        toAccumulate.push(t, g);
      } else if (t._retainGrad) {
        toAccumulate.push(t, g);
        g._claimed = -walkId; // held by .grad and passed on
      }
      const node = t.gradFn;
      if (node === null) continue;
      if (g._claimed === walkId) g._claimed = 0; // t's hold ends here; its node may pass g on
      if (node.freed) throw freedGraphError(node.op.name);
      let grads: unknown;
      if (anomaly) {
        const previous = swapBackwardSite({ opName: node.op.name, createdAt: node.createdAt });
        try {
          grads = node.op.backward!(node, g);
        } finally {
          swapBackwardSite(previous);
        }
      } else grads = node.op.backward!(node, g);
      propagate(node, grads, anomaly, walkId);
    }
    for (let i = 0; i < toAccumulate.length; i += 2) accumulateGrad(toAccumulate[i], toAccumulate[i + 1], createGraph, walkId);
  } catch (error) {
    for (const t of order) t._pending = null;
    throw error;
  } finally {
    swapGradEnabled(previousMode);
  }
  if (!retainGraph) for (const t of order) if (t.gradFn !== null) t.gradFn.release();
  if (targets === null) return null;
  const result = targets.map((t) => t._pending);
  for (const t of order) t._pending = null;
  return result;
}

/** Checks a node's gradients (count, type, dtype), reduces each to its input's shape and passes it on. */
function propagate(node: OpContext, grads: unknown, anomaly: boolean, walkId: number): void {
  const { op, inputs, needsInputGrad } = node;
  if (!Array.isArray(grads) || grads.length !== inputs.length) {
    const got = Array.isArray(grads) ? `${grads.length} gradient(s)` : typeof grads;
    throw new AutogradError(`backward of ${op.name}: returned ${got}, expected an array of ${inputs.length} (one per input, null where there is none)`);
  }
  for (let i = 0; i < inputs.length; i++) {
    if (!needsInputGrad[i]) continue;
    let g = grads[i] as unknown;
    if (g === null || g === undefined) continue;
    const input = inputs[i];
    if (!(g instanceof Tensor)) {
      throw new AutogradError(`backward of ${op.name}: the gradient for input '${inputName(op, i)}' is ${typeof g}, expected a Tensor`);
    }
    if (g.dtype !== input.dtype) {
      throw new AutogradError(`backward of ${op.name}: the gradient for input '${inputName(op, i)}' is ${g.dtype} but the input is ${input.dtype}`);
    }
    g = reduceToShape(g as Tensor, input.shape, op.name, inputName(op, i));
    if (anomaly) checkFinite(op.name, 'backward', g as Tensor, node.createdAt);
    accumulatePending(input, g as Tensor, walkId);
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
  walk([output], [seedGradient(output, gradient, 'backward')], options, null);
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
  const seeds = outs.map((o, i) => seedGradient(o, options.gradOutputs?.[i], 'gradients'));
  const result = walk(outs, seeds, options, inputs)!;
  return result.map((g, i) => (g === null && options.allowUnused === 'zeros' ? zerosLike(inputs[i]) : g));
}

function isOptions(x: unknown): x is BackwardOptions {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function zerosLike(t: Tensor): Tensor {
  return new Tensor(t.dtype === 'float64' ? new Float64Array(t.size) : new Float32Array(t.size), t.shape);
}

/**
 * The Tensor: an n-dimensional array of float64 (or float32) numbers in a contiguous row-major
 * buffer (the layout of an ndarray), with its place in the autograd graph. Tensors never alias:
 * every op that changes anything returns a new buffer (ops with nothing to do, such as expand to the
 * same shape, transpose of a 1-D tensor or cast to the same dtype, return the tensor itself), so an
 * in-place change is seen by exactly one tensor, and its version counter tells backward whether a
 * saved value changed.
 * @module
 */
import type { NdArray } from 'ndarray';
import { allocBuffer, checkDType, checkSize, DEFAULT_DTYPE, dtypeOf, type Buffer, type DType } from './dtype.js';
import { AutogradError, ChainruleError, ShapeError, fmtShape } from './errors.js';
import { isGradEnabled, swapGradEnabled, tracing } from './grad-mode.js';
import { compileTrace, invalidateCompiled, refuseAtTopLevel, sideEffect, topLevelRecorder } from './compile/trace-state.js';
import { checkShape, frozenShape, MAX_RANK, shapesEqual, sizeOf, type Shape } from './shape.js';
import type { OpContext } from './op.js';
import * as ops from './ops/index.js';
import { backward, type BackwardOptions } from './autograd/engine.js';
import { formatTensor } from './format.js';
import { ndarrayView } from './kernels/nd.js';

/**
 * @internal Passed by the op wrapper for a result whose shape it has checked (a frozen shape of the
 * buffer's size): the constructor then skips its own checks. Not exported from the package.
 */
export const TRUSTED_SHAPE: unique symbol = Symbol('chainrule trusted shape');

/**
 * @internal The checks of `new Tensor` from outside (a kernel's result gets them too unless its shape is an input's): a Float64Array or
 * Float32Array, a shape of non-negative safe integers (copied and frozen unless already a frozen
 * array) whose product is the buffer's length.
 */
export function checkedShape(buffer: unknown, shape: Shape): Shape {
  if (!(buffer instanceof Float64Array) && !(buffer instanceof Float32Array)) {
    throw new TypeError(
      `new Tensor: the buffer must be a Float64Array or a Float32Array, got ${describeValue(buffer)}; ` +
        `to make a tensor from numbers or arrays use tensor(values)`,
    );
  }
  // (a string or a number is frozen too: only a frozen array skips the copy, never the rule)
  let checked = Array.isArray(shape) && Object.isFrozen(shape) ? shape : checkShape(shape, 'new Tensor');
  let size = 1;
  for (let i = 0; i < checked.length; i++) {
    const d = checked[i];
    // Object.freeze([-1, -4]) multiplies to 4 but is no shape
    if (!(d >= 0) || !Number.isSafeInteger(d)) checked = checkShape(checked, 'new Tensor');
    size *= d;
  }
  if (size !== buffer.length) {
    throw new ShapeError(`new Tensor: a buffer of ${buffer.length} elements does not fit shape ${fmtShape(checked)} (${size} elements)`);
  }
  return checked;
}

/** The id the next tensor gets: ids count up from 0 in creation order. */
let nextId = 0;

/**
 * @internal The id the next tensor will get. Every tensor made from now on has an id at least this:
 * the engine takes it at the start of a backward walk to tell the gradients it made itself.
 */
export function peekNextTensorId(): number {
  return nextId;
}

/**
 * Anything an op accepts where a tensor is expected: a Tensor, a number, a (nested) array of numbers.
 * Numbers and arrays take the dtype of the op's tensor inputs.
 * @example
 * ```ts
 * x.add(1); x.mul([[1], [2]]); x.sub(tensor(3));
 * ```
 */
export type TensorLike = Tensor | number | NestedArray;
/**
 * A nested array of numbers; must be rectangular.
 * @example
 * ```ts
 * const v: NestedArray = [[1, 2], [3, 4]];
 * ```
 */
export type NestedArray = number | readonly NestedArray[];

/**
 * Options when creating a tensor.
 * @example
 * ```ts
 * tensor([0.15, 0.2], { dtype: 'float64', requiresGrad: true, name: 'w' });
 * ```
 */
export interface TensorOptions {
  /** Element type; float64 unless given. */
  dtype?: DType;
  /** Record ops on this tensor so `backward()` computes its gradient. */
  requiresGrad?: boolean;
  /** A name shown by `toString()` and `explain`, e.g. `'net_o1'`. */
  name?: string;
}

/**
 * A function called with a tensor's gradient during backward; returning a tensor replaces the gradient.
 * @example
 * ```ts
 * const clip: GradHook = (g) => g.clamp(-1, 1);
 * w.registerHook(clip);
 * ```
 */
export type GradHook = (grad: Tensor) => Tensor | void;

/**
 * An n-dimensional array that records the ops applied to it, so that `backward()` can compute
 * gradients by the chain rule.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum(); // Σ x²
 * y.backward();
 * x.grad!.toArray(); // [[2, 4], [6, 8]] = 2x
 * ```
 */
export class Tensor {
  /**
   * The tensor's own contiguous row-major storage. Read it freely in custom ops; do not write to it
   * (use the in-place methods such as `add_`, which bump the version counter).
   */
  readonly buffer: Buffer;
  /** The size of each dimension; `[]` for a scalar. A frozen array: it cannot be changed. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
  /** @internal The stored gradient (see `grad`). */
  _grad: Tensor | null = null;
  /** The graph node of the op that produced this tensor, or null for a leaf. */
  gradFn: OpContext | null = null;
  /** A name for display, e.g. `'net_o1'`. */
  name: string | undefined;
  /**
   * A number unique to this tensor in this process, counting up in creation order (graph pictures
   * use it as a node id; the engine uses the order to tell the gradients it made itself).
   */
  readonly id: number;
  /** @internal */ _requiresGrad: boolean;
  /** @internal Bumped by every in-place change; checked by backward against saved tensors. */
  _version = 0;
  /** @internal */ _retainGrad = false;
  /** @internal */ _hooks: GradHook[] | null = null;

  /**
   * Wraps a typed array (not copied) as a tensor of `shape`. Most code uses {@link tensor} or the
   * factories instead. The buffer must be a Float64Array or Float32Array (its type is the dtype)
   * whose length is the product of `shape`; the shape is copied and frozen unless already frozen.
   * @example
   * ```ts
   * new Tensor(new Float64Array([1, 2, 3, 4]), [2, 2]).toArray(); // [[1, 2], [3, 4]]
   * ```
   */
  constructor(buffer: Buffer, shape: Shape, requiresGrad = false, /** @internal */ trust?: symbol) {
    // NOTE: kept small so that the op wrapper's `new Tensor` inlines; the checks live in checkedShape
    this.shape = trust === TRUSTED_SHAPE ? shape : checkedShape(buffer, shape);
    this.buffer = buffer;
    this.dtype = buffer instanceof Float64Array ? 'float64' : 'float32';
    this._requiresGrad = requiresGrad === true;
    this.name = undefined;
    this.id = nextId++;
  }

  // ---------------------------------------------------------------- properties

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return this.buffer.length;
  }
  /** True for tensors made by the user rather than by an op (they hold `.grad` after backward). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** The gradient accumulated by `backward()` (leaves, and non-leaves after `retainGrad()`). */
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(value: Tensor | null) {
    // a compiled step's trace records `p.grad = null` to repeat it (see compile)
    if (tracing.active && compileTrace.recorder !== null) compileTrace.recorder.assignGrad(this, value);
    this._grad = value;
  }
  /** Whether gradients flow to this tensor: set on leaves; true for every result of a recorded op. */
  get requiresGrad(): boolean {
    return this._requiresGrad || this.gradFn !== null;
  }
  set requiresGrad(value: boolean) {
    if (this.gradFn !== null) {
      throw new AutogradError(
        `requiresGrad can only be set on leaf tensors; this tensor was produced by ${this.gradFn.op.name}. Use detach() to get a leaf.`,
      );
    }
    if (this._requiresGrad !== value) invalidateCompiled(); // compiled steps traced before are traced again
    this._requiresGrad = value;
  }
  /** @internal A leaf that requires grad (its value must not change under a recording op). */
  isLeafRequiringGrad(): boolean {
    return this._requiresGrad && this.gradFn === null;
  }
  /** The version counter: how many in-place changes this tensor has seen. */
  get version(): number {
    return this._version;
  }
  /** A copy of the elements as a typed array (changing it does not change the tensor). */
  get data(): Buffer {
    if (tracing.active) refuseAtTopLevel(() => readReason('data', this));
    return this.buffer.slice();
  }
  /**
   * A contiguous ndarray view of this tensor's buffer (shares memory: treat it as read-only). Throws a
   * ChainruleError where code generation from strings is refused (ndarray needs it).
   */
  get nd(): NdArray<Buffer> {
    return ndarrayView(this.buffer, this.shape, 'Tensor.nd');
  }

  // ---------------------------------------------------------------- reading back

  /** The value of a one-element tensor as a number. */
  item(): number {
    if (tracing.active) refuseAtTopLevel(() => readReason('item()', this));
    if (this.buffer.length !== 1) {
      throw new ShapeError(`item: only a one-element tensor converts to a number; this one has shape ${fmtShape(this.shape)} (${this.size} elements)`);
    }
    return this.buffer[0];
  }
  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    if (tracing.active) refuseAtTopLevel(() => readReason('toArray()', this));
    const { buffer, shape } = this;
    if (shape.length === 0) return buffer[0];
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const n = shape[dim];
      const out = new Array<NestedArray>(n);
      if (dim === shape.length - 1) for (let i = 0; i < n; i++) out[i] = buffer[pos++];
      else for (let i = 0; i < n; i++) out[i] = build(dim + 1);
      return out;
    };
    return build(0);
  }
  /**
   * Values rounded to 10 significant digits (exponent form below 1e-4 and from 1e15), then name,
   * shape, dtype and the op that made it; more than 1000 elements show the first and last three.
   */
  toString(): string {
    if (tracing.active) refuseAtTopLevel(() => readReason('toString()', this));
    return formatTensor(this);
  }

  // ---------------------------------------------------------------- autograd

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, by walking
   * the recorded graph backwards, and adds it to their `.grad`. A non-scalar needs `gradient` (the
   * vector of the vector-Jacobian product). Options may come first: `backward({ retainGraph: true })`.
   */
  backward(gradient?: TensorLike | BackwardOptions, options: BackwardOptions = {}): void {
    backward(this, gradient, options);
  }
  /** A new leaf with the same values that is cut from the graph (shares nothing; never requires grad). */
  detach(): Tensor {
    if (tracing.active && topLevelRecorder() !== null) {
      // in a compiled step's trace, the copy is made by an op, so that every replay makes it again
      const previous = swapGradEnabled(false);
      try {
        return ops.clone(this).named(this.name as string);
      } finally {
        swapGradEnabled(previous);
      }
    }
    const t = new Tensor(this.buffer.slice(), this.shape, false, TRUSTED_SHAPE);
    t.name = this.name;
    return t;
  }
  /** Keeps `.grad` on this non-leaf tensor during backward (leaves always keep it). */
  retainGrad(): this {
    if (this.gradFn !== null) this._retainGrad = true;
    return this;
  }
  /**
   * Registers `hook` to be called with this tensor's gradient each time backward computes it; a
   * returned tensor replaces the gradient. Returns a function that removes the hook.
   */
  registerHook(hook: GradHook): () => void {
    if (!this.requiresGrad) throw new AutogradError('registerHook: the tensor does not require grad, so no gradient will reach the hook');
    (this._hooks ??= []).push(hook);
    return () => {
      const i = this._hooks?.indexOf(hook) ?? -1;
      if (i >= 0) this._hooks!.splice(i, 1);
    };
  }
  /**
   * Drops `.grad` (sets it to null, the default, as PyTorch 2's `zero_grad`), or with
   * `{ setToNone: false }` zeroes it in place, keeping its buffer so the next backward accumulates
   * without allocating (a gradient with a graph of its own becomes detached zeros). The same meaning
   * as `Module.zeroGrad` and `Optimizer.zeroGrad` in nn.
   * @example
   * ```ts
   * w.zeroGrad();                     // w.grad === null
   * w.zeroGrad({ setToNone: false }); // w.grad is zeros
   * ```
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    if (tracing.active) return sideEffect('Tensor.zeroGrad', () => this.zeroGradNow(options));
    this.zeroGradNow(options);
  }
  private zeroGradNow(options: { setToNone?: boolean }): void {
    if (typeof options !== 'object' || options === null || (options.setToNone !== undefined && typeof options.setToNone !== 'boolean')) {
      throw new TypeError(`zeroGrad: options must be { setToNone?: boolean }, got ${describeValue(options)}`);
    }
    const g = this.grad;
    if (g === null) return;
    if (options.setToNone !== false) this.grad = null;
    else if (g.gradFn !== null) {
      // a gradient with a graph of its own (createGraph): detached zeros, as PyTorch detaches before zeroing
      this.grad = new Tensor(allocBuffer(g.dtype, g.size), g.shape, false, TRUSTED_SHAPE);
    } else {
      g.buffer.fill(0);
      g._version++;
    }
  }

  /** Sets `requiresGrad` on a leaf and returns it, for chaining. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }
  /** Gives the tensor a display name (used by `toString()` and `explain`) and returns it. */
  named(name: string): this {
    this.name = name;
    return this;
  }

  // ---------------------------------------------------------------- in-place (never recorded)

  private checkInPlace(op: string, src?: Tensor): void {
    if (isGradEnabled() && this.requiresGrad) {
      throw new AutogradError(
        `${op}: in-place change of a tensor that requires grad (shape ${fmtShape(this.shape)}) while grad mode is on; ` +
          `do it inside noGrad(() => ...), or use the out-of-place op`,
      );
    }
    if (src && src.dtype !== this.dtype) {
      throw new ChainruleError(`${op}: source is ${src.dtype} but the tensor is ${this.dtype}; cast the source first`);
    }
  }
  private inPlace(op: 'add_' | 'sub_' | 'mul_' | 'copy_', other: TensorLike): this {
    const recorder = tracing.active ? topLevelRecorder() : null;
    if (recorder !== null) return recorder.inPlace(this, op, other); // a compiled step's trace: made again at every replay
    // A number needs no tensor; a tensor is broadcast to this shape (checked before any change).
    let b: ArrayLike<number>;
    let scalar = 0;
    if (typeof other === 'number') {
      this.checkInPlace(op);
      scalar = other;
      b = EMPTY_VALUES;
    } else {
      const src = asTensor(other, { dtype: this.dtype });
      this.checkInPlace(op, src);
      // (a source of this shape, the common case, is read as it is: no broadcast op to run)
      b = src.size === 1 && src.ndim <= this.ndim ? EMPTY_VALUES : shapesEqual(src.shape, this.shape) ? src.buffer : ops.broadcastTo(src, this.shape).buffer;
      if (b === EMPTY_VALUES) scalar = src.buffer[0];
    }
    const a = this.buffer;
    const n = a.length;
    const useScalar = b === EMPTY_VALUES;
    // one loop per op rather than a callback per element: optimizers call these on every step
    switch (op) {
      case 'add_':
        if (useScalar) for (let i = 0; i < n; i++) a[i] += scalar;
        else for (let i = 0; i < n; i++) a[i] += b[i];
        break;
      case 'sub_':
        if (useScalar) for (let i = 0; i < n; i++) a[i] -= scalar;
        else for (let i = 0; i < n; i++) a[i] -= b[i];
        break;
      case 'mul_':
        if (useScalar) for (let i = 0; i < n; i++) a[i] *= scalar;
        else for (let i = 0; i < n; i++) a[i] *= b[i];
        break;
      case 'copy_':
        if (useScalar) a.fill(scalar);
        else for (let i = 0; i < n; i++) a[i] = b[i];
        break;
    }
    this._version++;
    return this;
  }
  /** In place: `this += other` (broadcast to this shape). */
  add_(other: TensorLike): this {
    return this.inPlace('add_', other);
  }
  /** In place: `this -= other` (broadcast to this shape). */
  sub_(other: TensorLike): this {
    return this.inPlace('sub_', other);
  }
  /** In place: `this *= other` (broadcast to this shape). */
  mul_(other: TensorLike): this {
    return this.inPlace('mul_', other);
  }
  /** In place: copies `src` (broadcast to this shape) into this tensor. */
  copy_(src: TensorLike): this {
    return this.inPlace('copy_', src);
  }
  /** In place: sets every element to `value`. */
  fill_(value: number): this {
    const recorder = tracing.active ? topLevelRecorder() : null;
    if (recorder !== null) return recorder.inPlace(this, 'fill_', value); // a compiled step's trace: made again at every replay
    this.checkInPlace('fill_');
    this.buffer.fill(value);
    this._version++;
    return this;
  }
  /** In place: sets every element to 0. */
  zero_(): this {
    return this.fill_(0);
  }
  /**
   * In place: lets `write` change the elements of this tensor's buffer directly, then bumps the
   * version counter, so a backward that saved this tensor refuses to use the stale value. This is
   * the one public way to write a buffer (optimizers and `loadStateDict` use it). The same rule as
   * the other in-place ops applies: a tensor that requires grad changes only inside `noGrad`.
   * The version is bumped even if `write` throws, since it may have written part of the buffer.
   *
   * @example
   * ```ts
   * const w = tensor([1, 2], { requiresGrad: true });
   * noGrad(() => w.update((b) => { for (let i = 0; i < b.length; i++) b[i] *= 0.5; }));
   * w.toArray(); // [0.5, 1]
   * ```
   */
  update(write: (buffer: Buffer) => void): this {
    if (typeof write !== 'function') throw new TypeError(`update: expected a function (buffer) => void, got ${typeof write}`);
    this.checkInPlace('update');
    if (tracing.active) refuseAtTopLevel(() => `update wrote a tensor of shape ${fmtShape(this.shape)} through a function; a replay would not call it again (wrap such code in sideEffect)`);
    try {
      write(this.buffer);
    } finally {
      this._version++;
    }
    return this;
  }
  /** @internal A copy with no history (used when an op's forward returns a tensor that already has one). */
  cloneData(): Tensor {
    return new Tensor(this.buffer.slice(), this.shape, false, TRUSTED_SHAPE);
  }

  // ---------------------------------------------------------------- ops (see ops/ for each definition)

  /** Elementwise `this + other`, broadcasting. */
  add(other: TensorLike): Tensor { return ops.add(this, other); }
  /** Elementwise `this - other`, broadcasting. */
  sub(other: TensorLike): Tensor { return ops.sub(this, other); }
  /** Elementwise `this * other`, broadcasting. */
  mul(other: TensorLike): Tensor { return ops.mul(this, other); }
  /** Elementwise `this / other`, broadcasting. */
  div(other: TensorLike): Tensor { return ops.div(this, other); }
  /** Elementwise `-this`. */
  neg(): Tensor { return ops.neg(this); }
  /** Elementwise `this ** exponent` (a number or a tensor, broadcasting). */
  pow(exponent: TensorLike): Tensor { return ops.pow(this, exponent); }
  /** Elementwise `this * this`. */
  square(): Tensor { return ops.square(this); }
  /** Elementwise `e ** this`. */
  exp(): Tensor { return ops.exp(this); }
  /** Elementwise natural logarithm. */
  log(): Tensor { return ops.log(this); }
  /** Elementwise square root. */
  sqrt(): Tensor { return ops.sqrt(this); }
  /** Elementwise absolute value. */
  abs(): Tensor { return ops.abs(this); }
  /** Elementwise sign: -1, 0 or 1 (NaN stays NaN); not differentiable. */
  sign(): Tensor { return ops.sign(this); }
  /** Elementwise logistic sigmoid `1 / (1 + e^-x)`, stable for large |x|. */
  sigmoid(): Tensor { return ops.sigmoid(this); }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor { return ops.tanh(this); }
  /** Elementwise `max(x, 0)`. */
  relu(): Tensor { return ops.relu(this); }
  /** Sum over all elements, or over `axes`. */
  sum(axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.sum(this, { axes, keepdims: keepdimsOf(keepdims, 'sum') }); }
  /** Mean over all elements, or over `axes`. */
  mean(axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.mean(this, { axes, keepdims: keepdimsOf(keepdims, 'mean') }); }
  /** Maximum over all elements, or over `axes`. */
  max(axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.max(this, { axes, keepdims: keepdimsOf(keepdims, 'max') }); }
  /** Minimum over all elements, or over `axes`. */
  min(axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.min(this, { axes, keepdims: keepdimsOf(keepdims, 'min') }); }
  /** log Σ exp over all elements, or over `axes`, computed stably. */
  logsumexp(axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.logsumexp(this, { axes, keepdims: keepdimsOf(keepdims, 'logsumexp') }); }
  /** Matrix product (NumPy's `matmul` rules for 1-D and batched operands); either side may be read transposed. */
  matmul(other: TensorLike, options?: ops.MatmulOptions): Tensor { return ops.matmul(this, other, options); }
  /** The same elements in a new shape; one dimension may be -1 (inferred). */
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  /** Swaps two axes (the last two when none are given). */
  transpose(axis0?: number, axis1?: number): Tensor { return ops.transpose(this, axis0, axis1); }
  /** Reorders the axes: output axis i is input axis `axes[i]`. */
  permute(axes: readonly number[]): Tensor { return ops.permute(this, axes); }
  /** Broadcasts to `shape` (NumPy rules; -1 keeps a dimension). */
  expand(shape: readonly number[]): Tensor { return ops.expand(this, shape); }
  /** Broadcasts to `shape` (NumPy rules). */
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  /** Elements `start` to `end` (exclusive) in steps of `step` along `axis`. */
  slice(axis: number, start = 0, end?: number, step = 1): Tensor { return ops.slice(this, { axis, start, end, step }); }
  /** Removes size-1 dimensions (all, or the given axis). */
  squeeze(axis?: number): Tensor { return ops.squeeze(this, axis); }
  /** Inserts a size-1 dimension at `axis`. */
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  /** Merges axes `startDim` to `endDim` (default: all of them, so one dimension) into one. */
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  /** Softmax along `axis` (default last), stable for large inputs. */
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  /** Log of softmax along `axis` (default last), computed stably. */
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  /** Elementwise maximum of two tensors, broadcasting. */
  maximum(other: TensorLike): Tensor { return ops.maximum(this, other); }
  /** Elementwise minimum of two tensors, broadcasting. */
  minimum(other: TensorLike): Tensor { return ops.minimum(this, other); }
  /** Limits every element to `[min, max]`. */
  clamp(min?: number, max?: number): Tensor { return ops.clamp(this, { min, max }); }
  /** This tensor where `condition` is non-zero, else `other` (PyTorch's `x.where(condition, y)`), broadcasting. */
  where(condition: TensorLike, other: TensorLike): Tensor { return ops.where(condition, this, other); }
  /** Values picked along `axis` by `index` (PyTorch's `gather`); the result has the index's shape. */
  gather(axis: number, index: TensorLike): Tensor { return ops.gather(this, index, { axis }); }
  /** A copy with `src` added at `index` along `axis` (PyTorch's `scatter_add`, out of place). */
  scatterAdd(axis: number, index: TensorLike, src: TensorLike): Tensor { return ops.scatterAdd(this, index, src, { axis }); }
  /** Elementwise `this > other` as 1 or 0 (not differentiable). */
  gt(other: TensorLike): Tensor { return ops.gt(this, other); }
  /** Elementwise `this >= other` as 1 or 0. */
  ge(other: TensorLike): Tensor { return ops.ge(this, other); }
  /** Elementwise `this < other` as 1 or 0. */
  lt(other: TensorLike): Tensor { return ops.lt(this, other); }
  /** Elementwise `this <= other` as 1 or 0. */
  le(other: TensorLike): Tensor { return ops.le(this, other); }
  /** Elementwise `this == other` as 1 or 0. */
  eq(other: TensorLike): Tensor { return ops.eq(this, other); }
  /** Elementwise `this != other` as 1 or 0. */
  ne(other: TensorLike): Tensor { return ops.ne(this, other); }
  /** The values in another dtype (differentiable: the gradient is cast back). */
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }
  /** A copy that stays in the graph (gradient flows through unchanged). */
  clone(): Tensor { return ops.clone(this); }

  // ---------------------------------------------------------------- ops batch B: indexing, search and sort, shape, sampling

  /** The slices at positions `index` along `axis` (PyTorch's `index_select`). */
  indexSelect(axis: number, index: TensorLike): Tensor { return ops.indexSelect(this, axis, index); }
  /** `value` where `mask` is non-zero, this tensor elsewhere, broadcasting (PyTorch's `masked_fill`, out of place). */
  maskedFill(mask: TensorLike, value: number): Tensor { return ops.maskedFill(this, mask, value); }
  /** Basic indexing over several axes: `x.index([null, [1, -1], 0])` is PyTorch's `x[None, 1:-1, 0]` (the language: ops/basic-index.ts). */
  index(items: readonly ops.IndexItem[]): Tensor { return ops.index(this, items); }
  /** The position of the largest element along `axis`, or in the flattened tensor when no axis is given (not differentiable). */
  argmax(axis?: number, keepdims: KeepdimsArgument = false): Tensor { return ops.argmax(this, { axis, keepdims: keepdimsOf(keepdims, 'argmax') }); }
  /** The position of the smallest element along `axis`, or in the flattened tensor when no axis is given (not differentiable). */
  argmin(axis?: number, keepdims: KeepdimsArgument = false): Tensor { return ops.argmin(this, { axis, keepdims: keepdimsOf(keepdims, 'argmin') }); }
  /** The largest element along `axis` and its position (PyTorch's `max(dim)`); the gradient goes to that position only. */
  maxWithIndices(axis: number, keepdims: KeepdimsArgument = false): ops.ValuesAndIndices { return ops.maxWithIndices(this, { axis, keepdims: keepdimsOf(keepdims, 'maxWithIndices') }); }
  /** The smallest element along `axis` and its position (PyTorch's `min(dim)`); the gradient goes to that position only. */
  minWithIndices(axis: number, keepdims: KeepdimsArgument = false): ops.ValuesAndIndices { return ops.minWithIndices(this, { axis, keepdims: keepdimsOf(keepdims, 'minWithIndices') }); }
  /** Sorted along `axis` (default the last), with the positions the values came from; NaN sorts last, ties keep their order. */
  sort(options?: ops.SortOptions): ops.ValuesAndIndices { return ops.sort(this, options); }
  /** The positions that sort this tensor along `axis` (default the last); not differentiable. */
  argsort(options?: ops.SortOptions): Tensor { return ops.argsort(this, options); }
  /** The `k` largest (or smallest) elements along `axis` (default the last) and their positions. */
  topk(k: number, options?: ops.TopkOptions): ops.ValuesAndIndices { return ops.topk(this, k, options); }
  /** Pieces along `axis` (default 0): of one size (the last may be smaller) or of the listed sizes. */
  split(sizeOrSections: number | readonly number[], axis = 0): Tensor[] { return ops.split(this, sizeOrSections, axis); }
  /** At most `chunks` pieces along `axis` (default 0), each ⌈size / chunks⌉ long but the last. */
  chunk(chunks: number, axis = 0): Tensor[] { return ops.chunk(this, chunks, axis); }
  /** Reversed along the given axes: `x.flip(0)`, `x.flip(0, 1)` or `x.flip([0, 1])`. */
  flip(...axes: number[] | [readonly number[]]): Tensor { return ops.flip(this, axes.flat()); }
  /** Repeated along each axis (PyTorch's `Tensor.repeat`): `x.repeat(2, 3)` or `x.repeat([2, 3])`; at least one count per axis. */
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return ops.repeat(this, sizes.flat()); }
  /** Repeated along each axis (PyTorch's `tile`); fewer counts than axes apply to the last axes. */
  tile(...dims: number[] | [readonly number[]]): Tensor { return ops.tile(this, dims.flat()); }
  /** The lower triangle of the last two axes: elements with column - row ≤ k kept, the rest 0. */
  tril(k = 0): Tensor { return ops.tril(this, k); }
  /** The upper triangle of the last two axes: elements with column - row ≥ k kept, the rest 0. */
  triu(k = 0): Tensor { return ops.triu(this, k); }
  /** Splits axis `axis` into axes of `sizes` (one may be -1). */
  unflatten(axis: number, sizes: readonly number[]): Tensor { return ops.unflatten(this, axis, sizes); }
  /** `numSamples` category positions drawn from these weights (PyTorch's `multinomial`); seeded. */
  multinomial(numSamples: number, options?: ops.MultinomialOptions): Tensor { return ops.multinomial(this, numSamples, options); }
  /** 1 with probability p for each element p, else 0 (PyTorch's `bernoulli`); seeded. */
  bernoulli(options?: ops.SamplingOptions): Tensor { return ops.bernoulli(this, options); }
  // Math, activations, reductions and scans of issue 9 (one block, kept together; see each op's file for its TSDoc)
  /** Elementwise sine (radians). */
  sin(): Tensor { return ops.sin(this); }
  /** Elementwise cosine (radians). */
  cos(): Tensor { return ops.cos(this); }
  /** Elementwise tangent (radians). */
  tan(): Tensor { return ops.tan(this); }
  /** Elementwise arcsine (NaN outside [-1, 1]). */
  asin(): Tensor { return ops.asin(this); }
  /** Elementwise arccosine (NaN outside [-1, 1]). */
  acos(): Tensor { return ops.acos(this); }
  /** Elementwise arctangent. */
  atan(): Tensor { return ops.atan(this); }
  /** Elementwise angle of the point (other, this), `atan2(this, other)` as PyTorch, broadcasting. */
  atan2(other: TensorLike): Tensor { return ops.atan2(this, other); }
  /** Elementwise hyperbolic sine. */
  sinh(): Tensor { return ops.sinh(this); }
  /** Elementwise hyperbolic cosine. */
  cosh(): Tensor { return ops.cosh(this); }
  /** Elementwise `ln(1 + x)`, accurate for small x. */
  log1p(): Tensor { return ops.log1p(this); }
  /** Elementwise `e^x - 1`, accurate for small x. */
  expm1(): Tensor { return ops.expm1(this); }
  /** Elementwise base-2 logarithm. */
  log2(): Tensor { return ops.log2(this); }
  /** Elementwise base-10 logarithm. */
  log10(): Tensor { return ops.log10(this); }
  /** Elementwise error function (within 1 ulp). */
  erf(): Tensor { return ops.erf(this); }
  /** Elementwise `1 / x`. */
  reciprocal(): Tensor { return ops.reciprocal(this); }
  /** Elementwise `1 / sqrt(x)`. */
  rsqrt(): Tensor { return ops.rsqrt(this); }
  /** Elementwise largest integer <= x (zero gradient). */
  floor(): Tensor { return ops.floor(this); }
  /** Elementwise smallest integer >= x (zero gradient). */
  ceil(): Tensor { return ops.ceil(this); }
  /** Elementwise rounding, ties to even, optionally to `decimals` places (zero gradient). */
  round(options?: ops.RoundOptions): Tensor { return ops.round(this, options); }
  /** Elementwise gelu, `x * Phi(x)` (or PyTorch's tanh approximation). */
  gelu(options?: ops.GeluOptions): Tensor { return ops.gelu(this, options); }
  /** Elementwise `x * sigmoid(x)`. */
  silu(): Tensor { return ops.silu(this); }
  /** Elementwise `x * tanh(softplus(x))`. */
  mish(): Tensor { return ops.mish(this); }
  /** Elementwise leaky relu, slope `negativeSlope` (default 0.01) for x <= 0. */
  leakyRelu(options?: ops.LeakyReluOptions): Tensor { return ops.leakyRelu(this, options); }
  /** Elementwise elu, `alpha * (e^x - 1)` for x <= 0. */
  elu(options?: ops.EluOptions): Tensor { return ops.elu(this, options); }
  /** Elementwise selu (elu with the self-normalising constants). */
  selu(): Tensor { return ops.selu(this); }
  /** Elementwise `log(1 + e^(beta x)) / beta`, linear above `threshold`. */
  softplus(options?: ops.SoftplusOptions): Tensor { return ops.softplus(this, options); }
  /** Elementwise `log(sigmoid(x))`, computed stably. */
  logSigmoid(): Tensor { return ops.logSigmoid(this); }
  /** Elementwise clamp to [minVal, maxVal] (default [-1, 1]), zero gradient at the bounds. */
  hardtanh(options?: ops.HardtanhOptions): Tensor { return ops.hardtanh(this, options); }
  /** Variance over all elements, or over `axes` (correction 1 by default: unbiased). */
  var(axes?: number | readonly number[], options: Omit<ops.VarOptions, 'axes'> = {}): Tensor { return ops.var(this, { ...options, axes }); }
  /** Standard deviation over all elements, or over `axes` (correction 1 by default). */
  std(axes?: number | readonly number[], options: Omit<ops.VarOptions, 'axes'> = {}): Tensor { return ops.std(this, { ...options, axes }); }
  /** The p-norm (default 2; Infinity for max |x|) over all elements, or over `axes`. */
  norm(p = 2, axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.norm(this, { p, axes, keepdims: keepdimsOf(keepdims, 'norm') }); }
  /** Product over all elements, or over `axes`. */
  prod(axes?: number | readonly number[], keepdims: KeepdimsArgument = false): Tensor { return ops.prod(this, { axes, keepdims: keepdimsOf(keepdims, 'prod') }); }
  /** Running sum along `axis` (from the end with `reverse`). */
  cumsum(axis: number, options: Omit<ops.ScanOptions, 'axis'> = {}): Tensor { return ops.cumsum(this, { ...options, axis }); }
  /** Running product along `axis` (from the end with `reverse`). */
  cumprod(axis: number, options: Omit<ops.ScanOptions, 'axis'> = {}): Tensor { return ops.cumprod(this, { ...options, axis }); }
}

/**
 * The op table and the method surface, checked by the compiler: every op or composite exported by
 * ops/index.ts must have a Tensor method of the same name, unless it is a free function. A new op
 * without its method fails to compile here, naming it.
 */
type OpsWithoutMethod = Exclude<keyof typeof ops, keyof Tensor | ops.FreeFunctions>;
const everyOpHasAMethod: [OpsWithoutMethod] extends [never] ? true : { missingTensorMethodFor: OpsWithoutMethod } = true;
void everyOpHasAMethod;

// ------------------------------------------------------------------ creation

/**
 * Creates a tensor from a number, a nested array, or a typed array with `shape`.
 * Ragged nested arrays are refused with an error that says where.
 *
 * @example
 * ```ts
 * tensor(3);                          // scalar, float64
 * tensor([[1, 2], [3, 4]]);           // shape [2, 2]
 * tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }); // float32 from the array type
 * tensor([1, 2], { requiresGrad: true, name: 'w' });
 * ```
 */
export function tensor(values: TensorLike | Float64Array | Float32Array, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (typeof options !== 'object' || options === null) throw new TypeError(`tensor: options must be an object, got ${describeValue(options)}`);
  if (values instanceof Tensor) {
    // tensor(t) copies like torch.tensor(t): a new leaf with the values.
    const t = values.dtype === (options.dtype ?? values.dtype) ? values.detach() : ops.cast(values.detach(), checkDType(options.dtype, 'tensor'));
    return finish(t, options);
  }
  if (values instanceof Float64Array || values instanceof Float32Array) {
    const dtype = options.dtype !== undefined ? checkDType(options.dtype, 'tensor') : dtypeOf(values);
    const shape = checkShape(options.shape ?? [values.length], 'tensor');
    if (sizeOf(shape) !== values.length) {
      throw new ShapeError(`tensor: a typed array of ${values.length} elements does not fit shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`);
    }
    const buffer = allocBuffer(dtype, values.length);
    buffer.set(values);
    return finish(new Tensor(buffer, shape), options);
  }
  const dtype = options.dtype !== undefined ? checkDType(options.dtype, 'tensor') : DEFAULT_DTYPE;
  if (options.shape !== undefined) {
    throw new ShapeError('tensor: `shape` is only for typed arrays; reshape a nested array with .reshape()');
  }
  if (typeof values === 'number') {
    const buffer = allocBuffer(dtype, 1);
    buffer[0] = values;
    return finish(new Tensor(buffer, SCALAR_SHAPE, false, TRUSTED_SHAPE), options);
  }
  if (!Array.isArray(values)) {
    throw new TypeError(`tensor: expected a number, a nested array of numbers, a Float64Array/Float32Array or a Tensor, got ${describeValue(values)}`);
  }
  const shape = nestedShape(values);
  checkSize(sizeOf(shape), 'tensor', shape);
  const buffer = allocBuffer(dtype, sizeOf(shape));
  fillNested(values, shape, buffer);
  return finish(new Tensor(buffer, shape), options);
}

const SCALAR_SHAPE: Shape = Object.freeze([]);
const EMPTY_VALUES: ArrayLike<number> = [];

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t._requiresGrad = true;
  if (options.name !== undefined) t.name = options.name;
  return t;
}

/** The deepest nesting `tensor()` reads: a tensor's largest rank. */
const MAX_NESTING = MAX_RANK;

/**
 * The shape of a nested array, read along its first elements (without recursion, so no input can
 * overflow the stack). A self-containing array, or one nested more than 64 deep, is refused.
 */
function nestedShape(values: readonly NestedArray[]): Shape {
  const shape: number[] = [];
  const path = new Set<unknown>();
  let v: unknown = values;
  while (Array.isArray(v)) {
    if (path.has(v)) {
      throw new ShapeError(`tensor: the nested array contains itself (at depth ${shape.length}); expected a finite nesting of arrays of numbers`);
    }
    if (shape.length === MAX_NESTING) {
      throw new ShapeError(`tensor: the nested array is more than ${MAX_NESTING} levels deep; a tensor has at most ${MAX_NESTING} dimensions`);
    }
    path.add(v);
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return frozenShape(shape);
}

/**
 * Copies a nested array of `shape` into `buffer` in row-major order, checking on the way that it is
 * rectangular and holds only numbers (depth is bounded by `shape`, so the recursion is too).
 */
function fillNested(values: readonly NestedArray[], shape: Shape, buffer: Buffer): void {
  const ndim = shape.length;
  const index = new Array<number>(ndim).fill(0);
  let pos = 0;
  const where = (depth: number) => (depth === 0 ? 'the top level' : `index [${index.slice(0, depth).join('][')}]`);
  const fill = (node: unknown, dim: number): void => {
    if (dim === ndim) {
      if (typeof node !== 'number') {
        const found = Array.isArray(node) ? `an array of length ${node.length}` : describeValue(node);
        throw new ShapeError(`tensor: ragged nested array: at ${where(dim)} expected a number (depth ${ndim}, like the first element) but found ${found}`);
      }
      buffer[pos++] = node;
      return;
    }
    if (!Array.isArray(node)) {
      throw new ShapeError(`tensor: ragged nested array: at ${where(dim)} expected an array of length ${shape[dim]} but found ${describeValue(node)}`);
    }
    if (node.length !== shape[dim]) {
      throw new ShapeError(`tensor: ragged nested array: at ${where(dim)} expected length ${shape[dim]} (like the first element at that depth) but found length ${node.length}`);
    }
    for (let i = 0; i < node.length; i++) {
      index[dim] = i;
      fill(node[i], dim + 1);
    }
  };
  fill(values, 0);
}

/** A value as a message shows it: the number, the quoted string, or its kind. */
function describeValue(v: unknown): string {
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  return typeof v;
}

/**
 * `values` as a tensor without copying when it already is one (like PyTorch's `torch.as_tensor`):
 * a Tensor is returned itself, graph and all, whatever its dtype (dtypes never change silently: an
 * op that meets two dtypes refuses them); numbers and arrays become a new tensor of `dtype`
 * (float64 unless given), as an op's non-tensor inputs take the dtype of its tensor inputs.
 * @example
 * ```ts
 * const t = tensor([1, 2]);
 * asTensor(t) === t;              // true
 * asTensor([1, 2], { dtype: 'float32' }).dtype; // 'float32'
 * ```
 */
export function asTensor(values: TensorLike | Float64Array | Float32Array, options: { dtype?: DType | undefined } = {}): Tensor {
  if (values instanceof Tensor) return values;
  return tensor(values, options.dtype === undefined ? {} : { dtype: options.dtype });
}

/**
 * True if `x` is a Tensor.
 * @example
 * ```ts
 * isTensor(tensor(1)); // true
 * isTensor([1]);       // false
 * ```
 */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/**
 * How a reduction method takes `keepdims`: positionally (`x.sum(1, true)`, as in NumPy) or as an
 * options object (`x.sum(1, { keepdims: true })`, PyTorch's keyword); every reduction takes both.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).sum(1, { keepdims: true }).shape; // [2, 1]
 * ```
 */
export type KeepdimsArgument = boolean | { readonly keepdims?: boolean };

/** The boolean a {@link KeepdimsArgument} stands for, or a TypeError naming the method. */
function keepdimsOf(argument: unknown, method: string): boolean {
  if (typeof argument === 'boolean') return argument;
  if (typeof argument === 'object' && argument !== null) {
    const keepdims: unknown = (argument as { keepdims?: unknown }).keepdims;
    if (keepdims === undefined || typeof keepdims === 'boolean') return keepdims === true;
  }
  throw new TypeError(`${method}: keepdims must be a boolean or { keepdims: boolean }, got ${describeValue(argument)}`);
}

/** Why reading a value refuses a compiled step's trace. */
function readReason(what: string, t: Tensor): string {
  return `${what} read the values of a tensor of shape ${fmtShape(t.shape)} into JavaScript; a replay would not read them again. Return the tensor from the step and read it outside`;
}

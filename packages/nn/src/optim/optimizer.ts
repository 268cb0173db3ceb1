/**
 * The base of the optimizers: the parameter list, the checks a step makes before it changes
 * anything, the one public way it writes a parameter, and `zeroGrad()`.
 * @module
 */
import { ChainruleError, fmtShape, isTensor, noGrad, shapesEqual, type Buffer as TensorBuffer, type Tensor } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { NO_OPTIONS, zeroGrads } from '../zero-grad.js';

/**
 * The parameters an optimizer accepts: tensors (`net.parameters()`), or `[name, tensor]` pairs
 * (`net.namedParameters()`), whose names then appear in its error messages.
 * @example `new SGD(net.namedParameters(), { lr: 0.1 })`
 */
export type ParamsInput = Iterable<Tensor | readonly [string, Tensor]>;

/**
 * An optimizer holds the tensors it updates. A subclass implements {@link Optimizer.stepParameter},
 * the update of one parameter's buffer from its gradient's buffer; {@link Optimizer.step} does the rest:
 *
 * 1. it checks every parameter's `.grad` first (a Tensor of the parameter's shape and dtype, or
 *    null) and throws, naming the parameter, before anything has changed;
 * 2. then, inside `noGrad`, it writes each parameter that requires grad and has a gradient through
 *    core's `Tensor.update`, once per parameter, which bumps its version counter: a graph that saved
 *    the old value refuses to backpropagate through it.
 *
 * Frozen parameters (`requiresGrad` false) and parameters without a gradient are skipped. Updates
 * record nothing in the graph and allocate nothing per step beyond the optimizer's own state,
 * created once. Hyperparameters are checked wherever they are set: in the constructor and by
 * each setter (`opt.lr = NaN` throws and leaves `lr` as it was).
 *
 * @example
 * ```ts
 * class SignSGD extends Optimizer {
 *   constructor(params: ParamsInput, readonly lr: number) { super(params, 'SignSGD'); }
 *   protected stepParameter(index: number, x: Float64Array | Float32Array, g: Float64Array | Float32Array): void {
 *     for (let i = 0; i < x.length; i++) x[i] -= this.lr * Math.sign(g[i]);
 *   }
 * }
 * const opt = new SignSGD(net.parameters(), 0.01);
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export abstract class Optimizer {
  /** The parameters updated by {@link Optimizer.step}, each once, in the order given (frozen: it cannot change). */
  readonly params: readonly Tensor[];
  /** The optimizer's name in error messages (`'SGD'`). */
  protected readonly optimizerName: string;
  readonly #names: readonly (string | undefined)[];
  /** One writer per parameter and one loop, made once: a step allocates no closures. */
  readonly #writers: readonly ((x: TensorBuffer) => void)[];
  readonly #zeroGradWhere: string;
  readonly #label = (index: number): string => this.label(index);
  /** Which parameters the current step updates (1) or skips (0), filled by the checking pass. */
  readonly #todo: Uint8Array;
  readonly #updateAll = (): void => {
    const { params } = this;
    for (let j = 0; j < params.length; j++) if (this.#todo[j] === 1) params[j].update(this.#writers[j]);
  };

  constructor(params: ParamsInput, optimizerName: string) {
    this.optimizerName = optimizerName;
    if (typeof params === 'function') {
      throw new ChainruleError(`${optimizerName}: params is a function, not the parameters: pass net.parameters() (the method's result), not net.parameters`);
    }
    if (params === null || typeof params !== 'object' || typeof (params as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new ChainruleError(`${optimizerName}: params must be an iterable of tensors such as net.parameters(), got ${describeValue(params)}`);
    }
    const list: Tensor[] = [];
    const names: (string | undefined)[] = [];
    const seen = new Set<Tensor>();
    let i = 0;
    for (const item of params as Iterable<unknown>) {
      let p = item, name: string | undefined;
      if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') [name, p] = item as [string, unknown];
      if (!isTensor(p)) throw new ChainruleError(`${optimizerName}: params[${i}] is not a Tensor, got ${describeValue(p)}`);
      if (!p.isLeaf) throw new ChainruleError(`${optimizerName}: params[${i}] is not a leaf tensor (it was computed by ${p.gradFn!.op.name}); optimize leaves such as Parameters`);
      if (!seen.has(p)) {
        seen.add(p);
        list.push(p);
        names.push(name ?? p.name);
      }
      i++;
    }
    if (list.length === 0) throw new ChainruleError(`${optimizerName}: got an empty parameter list`);
    this.params = Object.freeze(list);
    this.#names = names;
    this.#writers = list.map((p, j) => (x: TensorBuffer) => this.stepParameter(j, x, p.grad!.buffer));
    this.#todo = new Uint8Array(list.length);
    this.#zeroGradWhere = `${optimizerName}.zeroGrad`;
  }

  /**
   * Updates parameter `index` in place: `x` is its buffer, `g` its gradient's buffer, already
   * checked to be of the parameter's shape and dtype. Called by {@link Optimizer.step} inside
   * `noGrad`, once per parameter that requires grad and has a gradient; must not throw.
   */
  protected abstract stepParameter(index: number, x: TensorBuffer, g: TensorBuffer): void;

  /**
   * Applies one update to every parameter that requires grad and has a gradient, after checking
   * every gradient: if any is not a Tensor of its parameter's shape and dtype, throws naming it and
   * changes nothing.
   * @example `loss.backward(); opt.step();`
   */
  step(): void {
    const todo = this.#todo;
    for (let j = 0; j < todo.length; j++) todo[j] = this.checkGrad(j) ? 1 : 0;
    noGrad(this.#updateAll);
  }

  /**
   * Clears every parameter's gradient, with PyTorch 2's meaning: dropped (`grad = null`, the
   * default) or, with `{ setToNone: false }`, filled with zeros in place (a gradient that has a
   * graph of its own is replaced by detached zeros).
   * @example `opt.zeroGrad(); loss.backward(); opt.step();`
   */
  zeroGrad(options: { setToNone?: boolean } = NO_OPTIONS): void {
    zeroGrads(this.params, options, this.#zeroGradWhere, this.#label);
  }

  /** `params[1] '0.weight'` (or `params[1]` when the parameter has no name), for messages. */
  protected label(index: number): string {
    const name = this.#names[index];
    return name === undefined ? `params[${index}]` : `params[${index}] '${name}'`;
  }

  /** Whether parameter `j` is to be updated (it requires grad and has a gradient); throws if its `.grad` is unusable. */
  private checkGrad(j: number): boolean {
    const p = this.params[j];
    const g: unknown = p.grad;
    if (g === null || !p.requiresGrad) return false;
    if (!isTensor(g)) {
      throw new ChainruleError(
        `${this.optimizerName}: ${this.label(j)}: .grad must be a Tensor of shape ${fmtShape(p.shape)} (${p.dtype}) or null, got ${describeValue(g)}; nothing was updated`,
      );
    }
    if (g.dtype !== p.dtype || (g.shape !== p.shape && !shapesEqual(g.shape, p.shape))) {
      throw new ChainruleError(
        `${this.optimizerName}: ${this.label(j)}: .grad has shape ${fmtShape(g.shape)} and dtype ${g.dtype} but the parameter has shape ` +
          `${fmtShape(p.shape)} and dtype ${p.dtype}; a gradient must match its parameter. Nothing was updated`,
      );
    }
    return true;
  }
}

/**
 * `value` if it is a finite number ≥ `min` (and < `below` when given); else throws naming the
 * optimizer, the hyperparameter, the allowed range and the value.
 * @example `this.#lr = checkHyper('SGD', 'lr', value)`
 */
export function checkHyper(optimizer: string, key: string, value: unknown, min = 0, below?: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (below !== undefined && value >= below)) {
    throw new ChainruleError(`${optimizer}: ${key} must be a finite number ≥ ${min}${below !== undefined ? ` and < ${below}` : ''}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `options` if it is a plain object whose keys are all in `known`; else throws naming the
 * optimizer and the key (a misspelt `weight_decay` would otherwise be ignored without a word).
 * @example `checkOptions('SGD', options, ['lr', 'momentum'], '{ lr: 0.1 }')`
 */
export function checkOptions<T extends object>(optimizer: string, options: T, known: readonly (keyof T & string)[], example: string): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ChainruleError(`${optimizer}: options must be an object such as ${example}, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new ChainruleError(`${optimizer}: unknown option '${key}'; the options are ${known.join(', ')}`);
    }
  }
  return options;
}

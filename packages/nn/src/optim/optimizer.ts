/**
 * The base of the optimizers: a list of parameters, `zeroGrad()` and an abstract `step()`.
 * @module
 */
import { ChainruleError, Tensor } from '@chainrule/core';

/**
 * An optimizer holds the tensors it updates. Subclasses implement {@link Optimizer.step}; each
 * update skips a parameter that is frozen (`requiresGrad` false) or has no gradient yet.
 *
 * Updates are plain loops over `param.buffer` and `param.grad.buffer`: they record nothing in the
 * autograd graph (as if run under `noGrad`) and allocate nothing per step beyond the optimizer's own
 * state, created once. Each updated parameter's version counter is bumped, exactly as core's
 * in-place methods do, so a graph that saved the old value refuses to backpropagate through it.
 *
 * @example
 * ```ts
 * const opt = new SGD(net.parameters(), { lr: 0.5 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export abstract class Optimizer {
  /** The parameters updated by {@link Optimizer.step}, each once. */
  readonly params: readonly Tensor[];

  constructor(params: Iterable<Tensor>, name: string) {
    const list: Tensor[] = [];
    const seen = new Set<Tensor>();
    let i = 0;
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ChainruleError(`${name}: params[${i}] is not a Tensor`);
      if (!p.isLeaf) throw new ChainruleError(`${name}: params[${i}] is not a leaf tensor (it was computed by ${p.gradFn!.op.name}); optimize leaves such as Parameters`);
      if (!seen.has(p)) {
        seen.add(p);
        list.push(p);
      }
      i++;
    }
    if (list.length === 0) throw new ChainruleError(`${name}: got an empty parameter list`);
    this.params = list;
  }

  /** Applies one update to every parameter that requires grad and has a gradient. @example `loss.backward(); opt.step();` */
  abstract step(): void;

  /**
   * Clears every parameter's gradient: dropped (`grad = null`, the default, as PyTorch 2) or, with
   * `{ setToNone: false }`, filled with zeros.
   * @example `opt.zeroGrad(); loss.backward(); opt.step();`
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.params) p.zeroGrad({ setToNone });
  }
}

/** The gradient of `p` if it should be updated (requires grad, has a gradient of its shape), else null. */
export function gradOf(p: Tensor, name: string): Float64Array | Float32Array | null {
  if (!p.requiresGrad || p.grad === null) return null;
  const g = p.grad.buffer;
  if (g.length !== p.buffer.length) {
    throw new ChainruleError(`${name}: a parameter of ${p.buffer.length} elements has a gradient of ${g.length} elements`);
  }
  return g;
}

/** Checks that a hyperparameter is a finite number ≥ `min` (and < `below` when given). */
export function checkHyper(name: string, key: string, v: number, min = 0, below?: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (below !== undefined && v >= below)) {
    throw new ChainruleError(`${name}: ${key} must be a finite number ≥ ${min}${below !== undefined ? ` and < ${below}` : ''}, got ${v}`);
  }
  return v;
}

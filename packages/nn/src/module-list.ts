/**
 * ModuleList: a list of modules whose parameters a parent module finds.
 * @module
 */
import { ChainruleError, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Module } from './module.js';

/**
 * An indexable list of submodules (PyTorch's `nn.ModuleList`): held by a parent module's field, its
 * modules' parameters, buffers and modes belong to the parent, named by index (`blocks.0.weight`,
 * as in PyTorch). It has no forward of its own: the parent decides how to call the modules.
 *
 * @example
 * ```ts
 * class Deep extends Module {
 *   blocks = new ModuleList(Array.from({ length: 3 }, () => new Dense(8, 8)));
 *   forward(x: Tensor): Tensor {
 *     for (const block of this.blocks) x = block.forward(x).relu();
 *     return x;
 *   }
 * }
 * new Deep().namedParameters()[0][0]; // 'blocks.0.weight'
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** The number of modules. */
  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). @example `list.get(-1)` */
  get(index: number): M {
    return this.#items[this.position(index, 'get')];
  }

  /** Replaces the module at `index` (negative counts from the end). @example `list.set(0, new Dense(2, 2))` */
  set(index: number, module: M): void {
    const i = this.position(index, 'set');
    checkModule(module, 'ModuleList.set');
    this.#items[i] = module;
  }

  /** Adds a module at the end; returns this. @example `list.append(new ReLU())` */
  append(module: M): this {
    checkModule(module, 'ModuleList.append');
    this.#items.push(module);
    return this;
  }

  /** Adds modules at the end, all or none (each is checked first); returns this. @example `list.extend([a, b])` */
  extend(modules: Iterable<M>): this {
    if (modules === null || typeof (modules as Partial<Iterable<M>>)[Symbol.iterator] !== 'function') {
      throw new ChainruleError(`ModuleList: expected an iterable of modules, got ${describeValue(modules)}`);
    }
    const list = [...modules];
    list.forEach((m, i) => checkModule(m, `ModuleList: item ${i}`));
    this.#items.push(...list);
    return this;
  }

  /** Inserts a module before `index` (PyTorch's `insert`; an index past the end appends). @example `list.insert(0, new Identity())` */
  insert(index: number, module: M): void {
    if (!Number.isInteger(index)) throw new ChainruleError(`ModuleList.insert: index must be an integer, got ${describeValue(index)}`);
    checkModule(module, 'ModuleList.insert');
    const n = this.#items.length;
    const i = index < 0 ? Math.max(0, index + n) : Math.min(index, n);
    this.#items.splice(i, 0, module);
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  /** The modules named by their index: `['0', m0], ['1', m1], …` (a module listed twice, once). */
  override namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    this.#items.forEach((m, i) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([String(i), m]);
    });
    return out;
  }

  /** A container has no forward: iterate over it and call its modules. */
  forward(): Tensor {
    throw new ChainruleError('ModuleList: a container has no forward; call its modules (for (const m of list) x = m.forward(x))');
  }

  private position(index: number, method: string): number {
    const n = this.#items.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new ChainruleError(`ModuleList.${method}: index ${describeValue(index)} is out of range for a list of ${n} module${n === 1 ? '' : 's'}`);
    }
    return index < 0 ? index + n : index;
  }
}

/** Throws unless `m` is a Module. */
export function checkModule(m: unknown, where: string): void {
  if (!(m instanceof Module)) throw new ChainruleError(`${where}: expected a Module, got ${describeValue(m)}`);
}

/**
 * ModuleDict: modules by name, whose parameters a parent module finds.
 * @module
 */
import { ChainruleError, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Module } from './module.js';
import { checkModule } from './module-list.js';

/**
 * Submodules by name, in insertion order (PyTorch's `nn.ModuleDict`), with the methods of a `Map`.
 * Held by a parent module's field, its modules' parameters are named by key (`heads.left.weight`).
 * It has no forward of its own. Iterating gives `[key, module]` pairs, as a Map does.
 *
 * @example
 * ```ts
 * class TwoHeads extends Module {
 *   heads = new ModuleDict({ left: new Dense(4, 2), right: new Dense(4, 3) });
 *   forward(x: Tensor): Tensor {
 *     return this.heads.get('left').forward(x);
 *   }
 * }
 * new TwoHeads().namedParameters().map(([n]) => n); // ['heads.left.weight', 'heads.left.bias', 'heads.right.weight', 'heads.right.bias']
 * ```
 */
export class ModuleDict<M extends Module = Module> extends Module implements Iterable<[string, M]> {
  readonly #items = new Map<string, M>();

  constructor(modules: Iterable<readonly [string, M]> | Readonly<Record<string, M>> = {}) {
    super();
    this.update(modules);
  }

  /** The number of modules. */
  get size(): number {
    return this.#items.size;
  }

  /** The module under `key`; an unknown key throws, listing the keys. @example `heads.get('left')` */
  get(key: string): M {
    const m = this.#items.get(key);
    if (m === undefined) throw new ChainruleError(`ModuleDict.get: no module under ${describeValue(key)}; the keys are ${[...this.#items.keys()].map((k) => `'${k}'`).join(', ') || 'none'}`);
    return m;
  }

  /** Adds or replaces the module under `key` (a non-empty name without dots); returns this. @example `heads.set('extra', new Dense(4, 1))` */
  set(key: string, module: M): this {
    checkKey(key, 'ModuleDict.set');
    checkModule(module, `ModuleDict.set('${key}')`);
    this.#items.set(key, module);
    return this;
  }

  /** Whether a module is under `key`. @example `heads.has('left')` */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Removes the module under `key`; true if there was one (PyTorch's `pop` without the result). @example `heads.delete('extra')` */
  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  /** Adds or replaces several modules, all or none (each is checked first); returns this. @example `heads.update({ a: m1, b: m2 })` */
  update(modules: Iterable<readonly [string, M]> | Readonly<Record<string, M>>): this {
    if (modules === null || typeof modules !== 'object') throw new ChainruleError(`ModuleDict: expected [key, module] pairs or an object of modules, got ${describeValue(modules)}`);
    const pairs: (readonly [string, M])[] = Symbol.iterator in modules ? [...(modules as Iterable<readonly [string, M]>)] : Object.entries(modules);
    for (const pair of pairs) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new ChainruleError(`ModuleDict: expected [key, module] pairs, got ${describeValue(pair)}`);
      checkKey(pair[0], 'ModuleDict');
      checkModule(pair[1], `ModuleDict: '${pair[0]}'`);
    }
    for (const [key, m] of pairs) this.#items.set(key, m);
    return this;
  }

  /** The keys, in insertion order. */
  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  /** The modules, in insertion order. */
  values(): IterableIterator<M> {
    return this.#items.values();
  }

  /** The `[key, module]` pairs, in insertion order. */
  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.#items.entries();
  }

  /** The modules named by their keys, in insertion order (a module under two keys, once). */
  override namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [key, m] of this.#items) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push([key, m]);
    }
    return out;
  }

  /** A container has no forward: call its modules. */
  forward(): Tensor {
    throw new ChainruleError("ModuleDict: a container has no forward; call its modules (dict.get('name').forward(x))");
  }
}

function checkKey(key: unknown, where: string): void {
  if (typeof key !== 'string' || key === '' || key.includes('.')) {
    throw new ChainruleError(`${where}: a key must be a non-empty string without dots, got ${describeValue(key)}`);
  }
}

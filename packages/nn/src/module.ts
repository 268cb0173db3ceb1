/**
 * Module: the base class of layers, losses and whole networks. Parameters and submodules are found
 * by walking the instance's own fields, so a subclass only assigns them (no registration calls).
 * @module
 */
import { ChainruleError, invalidateCompiled, isTensor, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Parameter } from './parameter.js';
import { NO_OPTIONS, zeroGrads } from './zero-grad.js';
import { loadStateDict, stateDict, type LoadStateDictOptions, type LoadStateDictResult, type StateDict } from './state-dict.js';

/**
 * A piece of a network with learnable {@link Parameter}s and submodules, and a `forward` that
 * computes its output.
 *
 * Discovery rule: the module's own enumerable fields are visited in the order they were defined
 * (`Object.keys`); a field holding a Parameter is a parameter, a field holding a Module is a child,
 * and a field holding an array is searched element by element (names get the index: `blocks.0`).
 * Everything else (numbers, options, plain tensors) is ignored. A parameter or module reachable by
 * two paths is reported once, under the first name found, so shared weights are updated once.
 *
 * Buffers: state that is not learned (a batch norm's running statistics) is a field registered with
 * {@link Module.registerBuffer}; it is saved by {@link Module.stateDict} and loaded back, but is no
 * parameter, so optimizers never see it.
 *
 * @example
 * ```ts
 * class TwoLayer extends Module {
 *   hidden = new Dense(2, 2);
 *   output = new Dense(2, 2);
 *   forward(x: Tensor): Tensor {
 *     return this.output.forward(this.hidden.forward(x).sigmoid()).sigmoid();
 *   }
 * }
 * const net = new TwoLayer();
 * net.namedParameters().map(([name]) => name);
 * // ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
 * ```
 */
export abstract class Module {
  /** True in training mode (the default), false after {@link Module.eval}. Layers such as dropout read it. */
  training = true;

  /** Computes the module's output from its inputs. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * The direct submodules with their field names, in field order (`['blocks.0', m]` for an array
   * field `blocks`). Subclasses may name their children otherwise: {@link Sequential} uses the index
   * alone, as PyTorch does.
   * @example
   * ```ts
   * new Sequential(new Dense(2, 2), new Sigmoid()).namedChildren().map(([n]) => n); // ['0', '1']
   * ```
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    visitFields(this, (name, value) => {
      if (value instanceof Module && !seen.has(value)) {
        seen.add(value);
        out.push([name, value]);
      }
    });
    return out;
  }

  /** The direct submodules, in field order. @example `net.children().length` */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and every module below it, depth first in field order, each once, with dotted
   * names (`''` for this module).
   * @example
   * ```ts
   * new Sequential(new Dense(2, 2)).namedModules().map(([n]) => n); // ['', '0']
   * ```
   */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, child] of m.namedChildren()) walk(child, prefix === '' ? name : `${prefix}.${name}`);
    };
    walk(this, '');
    return out;
  }

  /** This module and every module below it, each once. @example `net.modules().length` */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Every parameter of this module and its submodules with its dotted path (`hidden.weight`,
   * `0.bias`), each parameter once even when shared. Order (as PyTorch's): this module's own
   * parameters in field order, then each submodule's, depth first in the order of {@link Module.namedModules}.
   * @example
   * ```ts
   * new Dense(2, 3).namedParameters().map(([n, p]) => `${n} ${p.shape}`); // ['weight 3,2', 'bias 3']
   * ```
   */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seenParams = new Set<Parameter>();
    for (const [prefix, m] of this.namedModules()) {
      visitFields(m, (name, value) => {
        if (value instanceof Parameter && !seenParams.has(value)) {
          seenParams.add(value);
          out.push([prefix === '' ? name : `${prefix}.${name}`, value]);
        }
      });
    }
    return out;
  }

  /** Every parameter, each once, in the order of {@link Module.namedParameters}. @example `new SGD(net.parameters(), { lr: 0.5 })` */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Registers the field `name` as a buffer: module state that is not learned, such as running
   * statistics (PyTorch's `register_buffer`). Sets `this[name] = tensor` and returns the tensor, so it
   * also works as a field initializer; the field may later be reassigned (another tensor, or null)
   * and stays the buffer. A buffer is in {@link Module.namedBuffers} and, unless
   * `persistent: false`, in {@link Module.stateDict}; it is never a parameter. A null buffer is
   * skipped by both (PyTorch's `None` buffer, e.g. running statistics that are not tracked).
   *
   * Refused: a name that is empty or has a dot, a name already holding a Parameter, a Module or
   * anything but a tensor or null, a value that is a Parameter (a learned tensor is a parameter).
   * @example
   * ```ts
   * class Counter extends Module {
   *   count = this.registerBuffer('count', zeros([]));
   *   forward(x: Tensor): Tensor {
   *     noGrad(() => this.count.add_(1));
   *     return x;
   *   }
   * }
   * new Counter().stateDict(); // { count: { shape: [], dtype: 'float64', data: [0] } }
   * ```
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, options: { persistent?: boolean } = {}): T {
    const where = `${this.constructor.name}.registerBuffer`;
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ChainruleError(`${where}: a buffer name must be a non-empty string without dots, got ${describeValue(name)}`);
    }
    if (tensor !== null && !isTensor(tensor)) throw new ChainruleError(`${where}: buffer '${name}' must be a Tensor or null, got ${describeValue(tensor)}`);
    if (tensor instanceof Parameter) throw new ChainruleError(`${where}: buffer '${name}' is a Parameter; assign a learned tensor to a field as a Parameter instead, or register a plain tensor`);
    const persistent = options.persistent ?? true;
    if (typeof persistent !== 'boolean') throw new ChainruleError(`${where}: persistent must be true or false, got ${describeValue(persistent)}`);
    const fields = this as unknown as Record<string, unknown>;
    const registry = bufferRegistry(this);
    if (!registry.has(name) && name in this && fields[name] !== undefined && fields[name] !== null && !isTensor(fields[name])) {
      throw new ChainruleError(`${where}: '${name}' is already an attribute of ${this.constructor.name} (${describeValue(fields[name])}); choose another buffer name`);
    }
    if (fields[name] instanceof Parameter) throw new ChainruleError(`${where}: '${name}' already holds a Parameter`);
    registry.set(name, persistent);
    fields[name] = tensor;
    return tensor;
  }

  /**
   * Every buffer of this module and its submodules with its dotted path (`bn.runningMean`), each
   * tensor once, null buffers skipped; the order of {@link Module.namedModules}, each module's buffers
   * in the order they were registered.
   * @example
   * ```ts
   * new BatchNorm1d(3).namedBuffers().map(([n]) => n); // ['runningMean', 'runningVar', 'numBatchesTracked']
   * ```
   */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of ownBuffers(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
      }
    }
    return out;
  }

  /** Every buffer, each once, in the order of {@link Module.namedBuffers}. @example `net.buffers().length` */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /**
   * Calls `fn` on every submodule (each once, children before their parent) and then on this
   * module, as PyTorch's `apply`; returns this. The usual use is initialisation.
   * @example
   * ```ts
   * net.apply((m) => { if (m instanceof Dense) xavierUniform_(m.weight); });
   * ```
   */
  apply(fn: (module: Module) => void): this {
    if (typeof fn !== 'function') throw new ChainruleError(`${this.constructor.name}.apply: expected a function (module) => void, got ${describeValue(fn)}`);
    const seen = new Set<Module>();
    const visit = (m: Module): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const child of m.children()) visit(child);
      fn(m);
    };
    visit(this);
    return this;
  }

  /**
   * Clears the gradient of every parameter, with PyTorch 2's `zero_grad` meaning (the same as
   * `Optimizer.zeroGrad`): by default the gradient is dropped (`grad = null`), which saves a
   * zero-filled buffer and an add on the next backward; `{ setToNone: false }` fills the existing
   * gradients with zeros in place instead (a gradient with a graph of its own becomes detached zeros).
   * @example
   * ```ts
   * net.zeroGrad(); loss.backward(); // fresh gradients, not accumulated ones
   * ```
   */
  zeroGrad(options: { setToNone?: boolean } = NO_OPTIONS): void {
    const named = this.namedParameters();
    zeroGrads(named.map(([, p]) => p), options, `${this.constructor.name}.zeroGrad`, (i) => `'${named[i][0]}'`);
  }

  /**
   * Sets training mode (`mode = true`) or evaluation mode on this module and every submodule; returns this.
   * @example
   * ```ts
   * net.train(); net.training; // true
   * ```
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ChainruleError(`${this.constructor.name}.train: mode must be true or false, got ${describeValue(mode)}`);
    for (const m of this.modules()) {
      if (m.training !== mode) invalidateCompiled(); // a compiled step traced in the other mode traces again
      m.training = mode;
    }
    return this;
  }

  /** Evaluation mode: `train(false)`. Returns this. @example `net.eval().training // false` */
  eval(): this {
    return this.train(false);
  }

  /**
   * The values of the parameters and persistent buffers by dotted name as a plain
   * JSON-serialisable object `{ [name]: { shape, dtype, data } }` (see {@link stateDict}).
   * @example
   * ```ts
   * const saved = JSON.stringify(net.stateDict());
   * ```
   */
  stateDict(): StateDict {
    return stateDict(this);
  }

  /**
   * Loads values saved by {@link Module.stateDict}, refusing (and then changing nothing) on a missing
   * or unexpected key (when `strict`, the default), a wrong shape or a wrong dtype (see {@link loadStateDict}).
   * @example
   * ```ts
   * net.loadStateDict(JSON.parse(saved));
   * ```
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    return loadStateDict(this, state, options);
  }

  /**
   * A one-line summary of this module's settings, shown by {@link Module.toString}; layers override it.
   * @example
   * ```ts
   * new Dense(2, 3).extraRepr(); // 'in=2, out=3, bias=[3]'
   * ```
   */
  extraRepr(): string {
    return '';
  }

  /**
   * The module tree, one line per module: `Name(settings)` with its children indented and named.
   * @example
   * ```ts
   * String(new Sequential(new Dense(2, 2), new Sigmoid()));
   * // Sequential(
   * //   (0): Dense(in=2, out=2, bias=[2])
   * //   (1): Sigmoid()
   * // )
   * ```
   */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  /**
   * The number of scalar parameters (elements of every parameter, shared ones once).
   * @example
   * ```ts
   * new Dense(2, 2).numParameters(); // 6
   * ```
   */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  /** The forward hooks, in the order registered; null until the first. */
  #forwardHooks: ForwardHook[] | null = null;

  /**
   * Registers `hook(module, inputs, output)`, called after every `forward` of this module, as
   * PyTorch's `register_forward_hook`; a hook that returns a tensor replaces the output (the next
   * hook sees it). Returns a handle whose `remove()` unregisters the hook.
   *
   * How: chainrule has no `__call__`, every caller calls `forward` directly, so the first hook
   * wraps this instance's `forward` (a non-enumerable own property: discovery, state dicts and
   * `toString` do not see it) and the wrapper runs the hooks; with no hooks left it calls the
   * method alone. `summary` uses this to see each layer's output shape.
   * @example
   * ```ts
   * const shapes: number[][] = [];
   * const handle = net.layers[0].registerForwardHook((_m, _inputs, out) => { shapes.push([...out.shape]); });
   * net.forward(x);
   * handle.remove();
   * ```
   */
  registerForwardHook(hook: ForwardHook): { remove(): void } {
    if (typeof hook !== 'function') {
      throw new ChainruleError(`${this.constructor.name}.registerForwardHook: expected a function (module, inputs, output) => Tensor | void, got ${describeValue(hook)}`);
    }
    if (this.#forwardHooks === null) {
      const hooks: ForwardHook[] = (this.#forwardHooks = []);
      const inner = this.forward;
      const wrapped = (...inputs: Tensor[]): Tensor => {
        let out = inner.apply(this, inputs);
        for (const h of hooks.slice()) {
          const replaced = h(this, inputs, out);
          if (replaced !== undefined) {
            if (!isTensor(replaced)) throw new ChainruleError(`${this.constructor.name}: a forward hook returned ${describeValue(replaced)}; return a Tensor to replace the output, or nothing`);
            out = replaced;
          }
        }
        return out;
      };
      Object.defineProperty(this, 'forward', { value: wrapped, enumerable: false, configurable: true, writable: true });
    }
    const hooks = this.#forwardHooks;
    hooks.push(hook);
    return {
      remove: () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) hooks.splice(i, 1);
      },
    };
  }
}

/**
 * A forward hook (see {@link Module.registerForwardHook}): called with the module, the inputs of
 * `forward` and its output; returning a tensor replaces the output.
 * @example `const hook: ForwardHook = (m, inputs, out) => { console.log(m.constructor.name, out.shape); };`
 */
export type ForwardHook = (module: Module, inputs: readonly Tensor[], output: Tensor) => Tensor | void;

/**
 * Calls `visit(name, value)` for each Parameter or Module held by `m`'s own enumerable fields,
 * descending into arrays (nested arrays give `field.0.1`).
 */
function visitFields(m: Module, visit: (name: string, value: Parameter | Module) => void): void {
  const walk = (name: string, value: unknown): void => {
    if (value instanceof Parameter || value instanceof Module) visit(name, value);
    else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) walk(`${name}.${i}`, value[i]);
  };
  for (const key of Object.keys(m)) walk(key, (m as unknown as Record<string, unknown>)[key]);
}

/**
 * Old name → current name of every parameter whose dotted path by field names (`layers.0.weight`,
 * the names chainrule used before Sequential took PyTorch's) differs from its name in
 * {@link Module.namedParameters} (`0.weight`). `loadStateDict` uses it so that state dicts and files
 * saved with the old names still load. Not exported from the package.
 * @example
 * ```ts
 * fieldPathAliases(new Sequential(new Dense(1, 1))); // Map { 'layers.0.weight' => '0.weight', 'layers.0.bias' => '0.bias' }
 * ```
 */
export function fieldPathAliases(root: Module): Map<string, string> {
  const current = new Map<Parameter, string>();
  for (const [name, p] of root.namedParameters()) current.set(p, name);
  const aliases = new Map<string, string>();
  const seen = new Set<Module>();
  const walk = (m: Module, prefix: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    visitFields(m, (name, value) => {
      const full = prefix === '' ? name : `${prefix}.${name}`;
      if (value instanceof Module) walk(value, full);
      else if (current.get(value) !== full && current.has(value) && !aliases.has(full)) aliases.set(full, current.get(value)!);
    });
  };
  walk(root, '');
  return aliases;
}

/** The names of each module's registered buffers, with whether each is persistent (kept out of the instance's fields, so discovery never sees it). */
const registries = new WeakMap<Module, Map<string, boolean>>();

function bufferRegistry(m: Module): Map<string, boolean> {
  let r = registries.get(m);
  if (r === undefined) {
    r = new Map();
    registries.set(m, r);
  }
  return r;
}

/** `m`'s own non-null buffers as [name, tensor, persistent], in registration order; a buffer field holding something else is an error. */
function ownBuffers(m: Module): [string, Tensor, boolean][] {
  const r = registries.get(m);
  if (r === undefined) return [];
  const out: [string, Tensor, boolean][] = [];
  for (const [name, persistent] of r) {
    const value = (m as unknown as Record<string, unknown>)[name];
    if (value === null || value === undefined) continue;
    if (!isTensor(value) || value instanceof Parameter) {
      throw new ChainruleError(`${m.constructor.name}: buffer '${name}' holds ${describeValue(value)}; a buffer field must hold a plain Tensor or null`);
    }
    out.push([name, value, persistent]);
  }
  return out;
}

/**
 * What a state dict holds, in PyTorch's order: for each module of {@link Module.namedModules}, its
 * own parameters (field order) and then its own persistent buffers (registration order); each tensor
 * once. Used by `stateDict`, `loadStateDict` and `save`; not exported from the package.
 * @example
 * ```ts
 * namedStateTensors(new BatchNorm1d(2)).map(([n, , kind]) => `${n} ${kind}`);
 * // ['weight parameter', 'bias parameter', 'runningMean buffer', 'runningVar buffer', 'numBatchesTracked buffer']
 * ```
 */
export function namedStateTensors(module: Module): [string, Tensor, 'parameter' | 'buffer'][] {
  const out: [string, Tensor, 'parameter' | 'buffer'][] = [];
  const seen = new Set<Tensor>();
  for (const [prefix, m] of module.namedModules()) {
    const full = (name: string) => (prefix === '' ? name : `${prefix}.${name}`);
    visitFields(m, (name, value) => {
      if (value instanceof Parameter && !seen.has(value)) {
        seen.add(value);
        out.push([full(name), value, 'parameter']);
      }
    });
    for (const [name, t, persistent] of ownBuffers(m)) {
      if (!persistent || seen.has(t)) continue;
      seen.add(t);
      out.push([full(name), t, 'buffer']);
    }
  }
  return out;
}

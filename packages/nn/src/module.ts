/**
 * Module: the base class of layers, losses and whole networks. Parameters and submodules are found
 * by walking the instance's own fields, so a subclass only assigns them (no registration calls).
 * @module
 */
import { ChainruleError, isTensor, type Tensor } from '@chainrule/core';
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
 * and a field holding an array is searched element by element (names get the index: `layers.0`).
 * Everything else (numbers, options, plain tensors) is ignored. A parameter or module reachable by
 * two paths is reported once, under the first name found, so shared weights are updated once.
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
   * The direct submodules with their field names, in field order (`['layers.0', m]` for arrays).
   * @example
   * ```ts
   * new Sequential(new Dense(2, 2), new Sigmoid()).namedChildren().map(([n]) => n); // ['layers.0', 'layers.1']
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
   * new Sequential(new Dense(2, 2)).namedModules().map(([n]) => n); // ['', 'layers.0']
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
   * `layers.0.bias`), each parameter once even when shared. Order (as PyTorch's): this module's own
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
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. Returns this. @example `net.eval().training // false` */
  eval(): this {
    return this.train(false);
  }

  /**
   * The parameters' values by dotted name as a plain JSON-serialisable object
   * `{ [name]: { shape, dtype, data } }` (see {@link stateDict}).
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
   * //   (layers.0): Dense(in=2, out=2, bias=[2])
   * //   (layers.1): Sigmoid()
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

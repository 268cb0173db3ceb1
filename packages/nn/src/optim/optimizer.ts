/**
 * The base of the optimizers: parameter groups with hyperparameters checked wherever they are set,
 * the checks a step makes before it changes anything, the one public way it writes a parameter,
 * `zeroGrad()`, and the state dict that lets a stopped run resume bit for bit.
 * @module
 */
import { ChainruleError, fmtShape, isTensor, noGrad, shapesEqual, sideEffect, type Buffer as TensorBuffer, type DType, type Tensor } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import type { TensorState } from '../state-dict.js';
import { NO_OPTIONS, zeroGrads } from '../zero-grad.js';

/**
 * The parameters an optimizer accepts: tensors (`net.parameters()`), or `[name, tensor]` pairs
 * (`net.namedParameters()`), whose names then appear in its error messages.
 * @example `new SGD(net.namedParameters(), { lr: 0.1 })`
 */
export type ParamsInput = Iterable<Tensor | readonly [string, Tensor]>;

/**
 * One parameter group as given to a constructor or to {@link Optimizer.addParamGroup}: its
 * parameters, and any hyperparameter that differs from the optimizer's options.
 * @example `{ params: net.output.parameters(), lr: 0.1 }`
 */
export type ParamGroupInput<H extends object = object> = { params: ParamsInput; initialLr?: number } & { [K in keyof H]?: H[K] };

/**
 * What an optimizer's constructor accepts: the parameters (one group), or a list of parameter
 * groups, as PyTorch's `params` argument.
 * @example `new SGD([{ params: body.parameters() }, { params: head.parameters(), lr: 0.1 }], { lr: 0.01 })`
 */
export type ParamsOrGroups<H extends object = object> = ParamsInput | Iterable<ParamGroupInput<H>>;

/**
 * A parameter group of an optimizer: its parameters (a frozen list) and its hyperparameters, each
 * checked when assigned (`opt.paramGroups[1].lr = NaN` throws and keeps the old value).
 * `initialLr` is the learning rate a scheduler started from (PyTorch's `initial_lr`), set by the
 * first scheduler attached to the optimizer.
 * @example
 * ```ts
 * opt.paramGroups[0].lr = 0.05;
 * opt.paramGroups.map((g) => g.params.length);
 * ```
 */
export type ParamGroup<H extends object = object> = H & {
  readonly params: readonly Tensor[];
  initialLr: number | undefined;
};

/**
 * How a subclass describes its hyperparameters to the base class: a check per key (returns the
 * value, or throws naming `key`), the defaults, and the rules between keys.
 * @example
 * ```ts
 * const spec: HyperparameterSpec<{ lr: number }> = { check: { lr: (v, key) => checkHyper('SignSGD', key, v) }, defaults: { lr: 0.01 } };
 * ```
 */
export interface HyperparameterSpec<H extends object> {
  /** Checks one value; `key` is the name the message shows (`lr`, `paramGroups[1].lr`). */
  readonly check: { readonly [K in keyof H]-?: (value: unknown, key: string) => H[K] };
  /** The value of each key that neither the options nor a group give (a key without one is required). */
  readonly defaults: { readonly [K in keyof H]?: H[K] };
  /** Checks the rules between keys (SGD's Nesterov needs momentum); `where` is `''` or `'paramGroups[1]: '`. */
  readonly checkTogether?: (values: H, where: string) => void;
  /** An example value of each required key for the message that asks for it, e.g. `{ lr: '0.1' }`. */
  readonly examples?: { readonly [K in keyof H]?: string };
}

/**
 * How an optimizer's per-parameter state is saved: each key a buffer of the parameter's shape and
 * dtype, or a count (a non-negative integer such as Adam's step); `required` keys are present in
 * every state entry.
 * @example `{ step: { kind: 'count', required: true }, expAvg: { kind: 'buffer', required: true } }`
 */
export type StateSpec = Readonly<Record<string, { readonly kind: 'buffer' | 'count'; readonly required: boolean }>>;

/** The per-parameter state of an optimizer: buffers and counts by key (Adam's `{ step, expAvg, expAvgSq }`). */
export type ParamState = Record<string, TensorBuffer | number | undefined>;

/**
 * An optimizer's state as a plain, JSON-serialisable object, in the shape of PyTorch's
 * `optimizer.state_dict()`: the per-parameter state by index (into {@link Optimizer.params}, in group
 * order), and each group's hyperparameters with the indices of its parameters.
 * @example
 * ```ts
 * { optimizer: 'SGD', state: { 0: { momentumBuffer: { shape: [2], dtype: 'float64', data: [0.1, 0.2] } } },
 *   paramGroups: [{ params: [0], lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false }] }
 * ```
 */
export interface OptimizerStateDict {
  /** The optimizer's name: a state is loaded only into the same kind of optimizer. */
  optimizer: string;
  /** Per-parameter state by parameter index; parameters never updated have none. */
  state: Record<string, Record<string, TensorState | number>>;
  /** Each group's hyperparameters and `params`, the indices of its parameters. */
  paramGroups: OptimizerGroupState[];
}

/** One group in an {@link OptimizerStateDict}. @example `{ params: [0, 1], lr: 0.1, betas: [0.9, 0.999] }` */
export type OptimizerGroupState = { params: number[]; initialLr?: number } & Record<string, number | boolean | number[] | undefined>;

/** An empty spec: an optimizer whose hyperparameters are its own business (see the example of {@link Optimizer}). */
const NO_HYPERPARAMETERS: HyperparameterSpec<object> = Object.freeze({ check: {}, defaults: {} });

/**
 * An optimizer holds the tensors it updates, in parameter groups. A subclass implements
 * {@link Optimizer.stepParameter}, the update of one parameter's buffer from its gradient's buffer
 * with its group's hyperparameters; {@link Optimizer.step} does the rest:
 *
 * 1. it checks every parameter's `.grad` first (a Tensor of the parameter's shape and dtype, or
 *    null) and throws, naming the parameter, before anything has changed;
 * 2. then, inside `noGrad`, it writes each parameter that requires grad and has a gradient through
 *    core's `Tensor.update`, once per parameter, which bumps its version counter: a graph that saved
 *    the old value refuses to backpropagate through it.
 *
 * Frozen parameters (`requiresGrad` false) and parameters without a gradient are skipped. Updates
 * record nothing in the graph and allocate nothing per step beyond the optimizer's own state,
 * created once. Hyperparameters are checked wherever they are set: in the constructor, by each
 * group's setters (`opt.paramGroups[1].lr = NaN` throws and keeps the old value), and by the
 * shorthand setters such as `opt.lr`, which set every group.
 *
 * Parameter groups, as PyTorch's: `new SGD([{ params: a }, { params: b, lr: 0.1 }], { lr: 0.01 })`
 * gives each group the options' values except those it names. A parameter may be in one group only.
 * {@link Optimizer.stateDict} and {@link Optimizer.loadStateDict} save and restore the groups'
 * hyperparameters and every per-parameter state (momentum buffers, moments, step counts) exactly.
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
export abstract class Optimizer<H extends object = object, S extends ParamState = ParamState> {
  /** The optimizer's name in error messages (`'SGD'`). */
  protected readonly optimizerName: string;
  /**
   * The per-parameter state, by parameter index (an empty object until the first update). Subclasses
   * create their buffers in {@link Optimizer.stepParameter} or {@link Optimizer.initState}.
   */
  protected readonly state: Partial<S>[] = [];
  /** The options' values with the defaults filled in: what a group gets for a key it does not name. Frozen. */
  readonly defaults: Readonly<Partial<H>>;
  // NOTE: typed without H, so that an Optimizer<SGDHyperparameters> is an Optimizer (a check is contravariant in H)
  readonly #spec: HyperparameterSpec<any>;
  readonly #stateSpec: StateSpec;
  #params: readonly Tensor[] = Object.freeze([]);
  #groups: readonly ParamGroup<H>[] = Object.freeze([]);
  readonly #names: (string | undefined)[] = [];
  /** One writer per parameter, made once: a step allocates no closures. */
  readonly #writers: ((x: TensorBuffer) => void)[] = [];
  #stepsTaken = 0;
  readonly #zeroGradWhere: string;
  readonly #stepWhere: string;
  readonly #label = (index: number): string => this.label(index);
  /** Which parameters the current step updates (1) or skips (0), filled by the checking pass. */
  #willUpdate = new Uint8Array(0);
  readonly #updateAll = (): void => {
    const params = this.#params;
    for (let j = 0; j < params.length; j++) if (this.#willUpdate[j] === 1) params[j].update(this.#writers[j]);
  };

  /**
   * @param params the parameters, or parameter groups `{ params, ...hyperparameters }`.
   * @param optimizerName the name in messages.
   * @param spec the hyperparameters' checks and defaults (none for an optimizer that keeps its own).
   * @param options the hyperparameters every group gets unless it names its own; `undefined` when the caller gave none.
   * @param stateSpec the per-parameter state's keys, for {@link Optimizer.stateDict}.
   */
  constructor(
    params: ParamsOrGroups<H>,
    optimizerName: string,
    spec: HyperparameterSpec<H> = NO_HYPERPARAMETERS as HyperparameterSpec<H>,
    options?: Partial<H>,
    stateSpec: StateSpec = {},
  ) {
    this.optimizerName = optimizerName;
    this.#spec = spec;
    this.#stateSpec = stateSpec;
    this.#zeroGradWhere = `${optimizerName}.zeroGrad`;
    this.#stepWhere = `${optimizerName}.step`;
    const groups = this.#readGroups(params);
    const keys = Object.keys(spec.check) as (keyof H & string)[];
    // the options: every key known, every value checked under its own name
    const defaults: Partial<H> = { ...spec.defaults };
    if (options !== undefined) {
      checkOptions(optimizerName, options as object, keys as never[], exampleOf(spec as HyperparameterSpec<never>));
      for (const key of keys) if (options[key] !== undefined) defaults[key] = spec.check[key](options[key], key);
    }
    this.defaults = Object.freeze(defaults);
    const isGroups = groups.explicit;
    groups.list.forEach((g, i) => {
      const where = isGroups ? `paramGroups[${i}]` : '';
      const values = this.#groupValues(g.options, where, options === undefined);
      this.#appendGroup(g.params, g.names, values, g.options.initialLr);
    });
  }

  /**
   * Updates parameter `index` in place: `x` is its buffer, `g` its gradient's buffer, already
   * checked to be of the parameter's shape and dtype, and `group` its parameter group (its
   * hyperparameters). Called by {@link Optimizer.step} inside `noGrad`, once per parameter that
   * requires grad and has a gradient; must not throw.
   */
  protected abstract stepParameter(index: number, x: TensorBuffer, g: TensorBuffer, group: ParamGroup<H>): void;

  /**
   * Creates the state of a parameter when it joins the optimizer (in the constructor or by
   * {@link Optimizer.addParamGroup}), for optimizers whose state does not start empty (Adagrad's
   * sums). Runs inside the base constructor: it may use `this.state` and its arguments only.
   */
  protected initState(_index: number, _param: Tensor, _group: ParamGroup<H>): void {}

  /** The parameters updated by {@link Optimizer.step}, each once, group after group (a frozen list). */
  get params(): readonly Tensor[] {
    return this.#params;
  }

  /** The parameter groups, in order (a frozen list; each group's hyperparameters are checked when set). */
  get paramGroups(): readonly ParamGroup<H>[] {
    return this.#groups;
  }

  /** How many times {@link Optimizer.step} has run (schedulers use it to warn when they are stepped first). */
  get stepsTaken(): number {
    return this.#stepsTaken;
  }

  /**
   * Adds a parameter group, as PyTorch's `add_param_group`: its parameters (none of them already in
   * the optimizer) and hyperparameters, the optimizer's {@link Optimizer.defaults} for the keys it does
   * not name. Everything is checked before the group is added.
   * @example `opt.addParamGroup({ params: head.parameters(), lr: 0.1 })`
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    const where = `paramGroups[${this.#groups.length}]`;
    const read = this.#readGroup(group, where, new Set(this.#params));
    const values = this.#groupValues(read.options, where, false);
    this.#appendGroup(read.params, read.names, values, read.options.initialLr);
  }

  /**
   * Applies one update to every parameter that requires grad and has a gradient, after checking
   * every gradient: if any is not a Tensor of its parameter's shape and dtype, throws naming it and
   * changes nothing.
   * @example `loss.backward(); opt.step();`
   */
  step(): void {
    sideEffect(this.#stepWhere, this.#step); // in a compiled step, run again at every replay
  }
  readonly #step = (): void => {
    const willUpdate = this.#willUpdate;
    for (let j = 0; j < willUpdate.length; j++) willUpdate[j] = this.checkGrad(j) ? 1 : 0;
    noGrad(this.#updateAll);
    this.#stepsTaken++;
  };

  /**
   * Clears every parameter's gradient, with PyTorch 2's meaning: dropped (`grad = null`, the
   * default) or, with `{ setToNone: false }`, filled with zeros in place (a gradient that has a
   * graph of its own is replaced by detached zeros).
   * @example `opt.zeroGrad(); loss.backward(); opt.step();`
   */
  zeroGrad(options: { setToNone?: boolean } = NO_OPTIONS): void {
    zeroGrads(this.#params, options, this.#zeroGradWhere, this.#label);
  }

  /**
   * The optimizer's state as a plain JSON-serialisable object (a copy): each group's
   * hyperparameters and parameter indices, and every parameter's state (buffers as
   * `{ shape, dtype, data }`, counts as numbers). Saved with the module's state dict, it lets a run
   * stop and resume bit for bit: finite float64 numbers survive `JSON.stringify` exactly.
   * @example
   * ```ts
   * const checkpoint = JSON.stringify({ net: net.stateDict(), opt: opt.stateDict() });
   * ```
   */
  stateDict(): OptimizerStateDict {
    const keys = Object.keys(this.#spec.check);
    let next = 0;
    const paramGroups = this.#groups.map((g) => {
      const out: OptimizerGroupState = { params: g.params.map(() => next++) };
      for (const key of keys) {
        const v = (g as Record<string, unknown>)[key];
        out[key] = Array.isArray(v) ? v.slice() : (v as number | boolean);
      }
      if (g.initialLr !== undefined) out.initialLr = g.initialLr;
      return out;
    });
    const state: OptimizerStateDict['state'] = {};
    this.state.forEach((s, j) => {
      const entry: Record<string, TensorState | number> = {};
      let any = false;
      for (const key of Object.keys(this.#stateSpec)) {
        const v = (s as ParamState)[key];
        if (v === undefined) continue;
        any = true;
        const p = this.#params[j];
        entry[key] = typeof v === 'number' ? v : { shape: p.shape.slice(), dtype: p.dtype, data: Array.from(v) };
      }
      if (any) state[String(j)] = entry;
    });
    return { optimizer: this.optimizerName, state, paramGroups };
  }

  /**
   * Loads a state saved by {@link Optimizer.stateDict} of the same kind of optimizer with groups of
   * the same sizes, as PyTorch's `load_state_dict`: the saved groups' hyperparameters replace the
   * current ones and the saved per-parameter state replaces all of it (saved parameter i is the
   * i-th parameter in group order). Everything is checked first: the optimizer's name, the number
   * and sizes of the groups, every hyperparameter (with the same rules as the setters), every state
   * key, buffer shape, dtype and number, and every count; on any error it throws naming the group,
   * parameter and key, and nothing has changed.
   * @example
   * ```ts
   * const { net: netState, opt: optState } = JSON.parse(checkpoint);
   * net.loadStateDict(netState);
   * opt.loadStateDict(optState); // the next opt.step() is the one the saved run would have taken
   * ```
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.optimizerName}.loadStateDict`;
    const fail = (why: string): never => {
      throw new ChainruleError(`${where}: ${why}; nothing was loaded`);
    };
    if (!isPlainObject(stateDict)) fail(`expected an object { optimizer, state, paramGroups } from stateDict(), got ${describeValue(stateDict)}`);
    const sd = stateDict as unknown as Record<string, unknown>;
    for (const key of Object.keys(sd)) if (!['optimizer', 'state', 'paramGroups'].includes(key)) fail(`unknown key '${key}'; a state has optimizer, state and paramGroups`);
    if (sd.optimizer !== this.optimizerName) fail(`the state is from ${describeValue(sd.optimizer)}, not ${this.optimizerName}`);
    const savedGroups = sd.paramGroups;
    if (!Array.isArray(savedGroups)) fail(`paramGroups must be an array, got ${describeValue(savedGroups)}`);
    const groups = savedGroups as unknown[];
    if (groups.length !== this.#groups.length) fail(`the state has ${groups.length} parameter group(s), this optimizer ${this.#groups.length}`);
    const keys = Object.keys(this.#spec.check) as (keyof H & string)[];
    // saved parameter id → our index, by position as PyTorch maps them
    const idMap = new Map<number, number>();
    const newValues: { values: H; initialLr: number | undefined }[] = [];
    let j = 0;
    groups.forEach((saved, i) => {
      const at = `paramGroups[${i}]`;
      if (!isPlainObject(saved)) fail(`${at} must be an object, got ${describeValue(saved)}`);
      const g = saved as Record<string, unknown>;
      for (const key of Object.keys(g)) {
        if (key !== 'params' && key !== 'initialLr' && !(keys as string[]).includes(key)) fail(`${at} has an unknown key '${key}'; ${this.optimizerName}'s are ${['params', ...keys, 'initialLr'].join(', ')}`);
      }
      const ids = g.params;
      const size = this.#groups[i].params.length;
      if (!Array.isArray(ids)) fail(`${at}.params must be an array of parameter indices, got ${describeValue(ids)}`);
      if ((ids as unknown[]).length !== size) fail(`${at} has ${(ids as unknown[]).length} parameter(s) in the state but ${size} in this optimizer`);
      for (const id of ids as unknown[]) {
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail(`${at}.params holds ${describeValue(id)}, not a parameter index`);
        if (idMap.has(id as number)) fail(`parameter index ${id} is in the state twice`);
        idMap.set(id as number, j++);
      }
      const values = {} as H;
      for (const key of keys) {
        if (!(key in g) || g[key] === undefined) fail(`${at} has no ${key}`);
        values[key] = this.#tryCheck(() => this.#spec.check[key](g[key], `${at}.${key}`), fail);
      }
      this.#tryCheck(() => this.#spec.checkTogether?.(values, `${at}: `), fail);
      const initialLr = g.initialLr === undefined ? undefined : this.#tryCheck(() => checkHyper(this.optimizerName, `${at}.initialLr`, g.initialLr), fail);
      newValues.push({ values, initialLr });
    });
    const savedState = sd.state;
    if (!isPlainObject(savedState)) fail(`state must be an object of per-parameter states, got ${describeValue(savedState)}`);
    const newState: Partial<S>[] = this.#params.map(() => ({}));
    for (const [id, entry] of Object.entries(savedState as Record<string, unknown>)) {
      const index = idMap.get(Number(id));
      if (!/^\d+$/.test(id) || index === undefined) fail(`state has an entry for parameter ${JSON.stringify(id)}, which no group holds`);
      const p = this.#params[index!];
      const at = `state[${id}] (${this.label(index!)})`;
      if (!isPlainObject(entry)) fail(`${at} must be an object, got ${describeValue(entry)}`);
      const e = entry as Record<string, unknown>;
      const out = newState[index!] as ParamState;
      for (const [key, value] of Object.entries(e)) {
        const kind = this.#stateSpec[key]?.kind;
        if (kind === undefined) fail(`${at} has an unknown key '${key}'; ${this.optimizerName}'s are ${Object.keys(this.#stateSpec).join(', ')}`);
        out[key] = kind === 'count' ? readCount(value, `${at}.${key}`, fail) : readBuffer(value, p, `${at}.${key}`, fail);
      }
      for (const [key, s] of Object.entries(this.#stateSpec)) if (s.required && !(key in e)) fail(`${at} has no ${key}`);
    }
    // everything is checked: replace
    newValues.forEach(({ values, initialLr }, i) => (this.#groups[i] as unknown as GroupInternals<H>)[SET_ALL](values, initialLr));
    newState.forEach((s, k) => (this.state[k] = s));
  }

  /** `params[1] '0.weight'` (or `params[1]` when the parameter has no name), for messages. */
  protected label(index: number): string {
    const name = this.#names[index];
    return name === undefined ? `params[${index}]` : `params[${index}] '${name}'`;
  }

  /**
   * The value of hyperparameter `key` shared by every group (the shorthand getters such as `opt.lr`);
   * throws naming the groups when they differ.
   */
  protected sharedHyper<K extends keyof H & string>(key: K): H[K] {
    const first = this.#groups[0][key];
    for (let i = 1; i < this.#groups.length; i++) {
      if (!sameValue(this.#groups[i][key], first)) {
        throw new ChainruleError(
          `${this.optimizerName}.${key}: the ${this.#groups.length} parameter groups have different values ` +
            `(${this.#groups.map((g) => showValue(g[key])).join(', ')}); read or set opt.paramGroups[i].${key}`,
        );
      }
    }
    return first;
  }

  /** Sets hyperparameter `key` in every group (the shorthand setters), after checking it for each; a refused value changes nothing. */
  protected setSharedHyper<K extends keyof H & string>(key: K, value: unknown): void {
    const v = this.#spec.check[key](value, key);
    const single = this.#groups.length === 1;
    this.#groups.forEach((g, i) => this.#spec.checkTogether?.({ ...snapshotValues(g, this.#spec), [key]: v }, single ? '' : `paramGroups[${i}]: `));
    for (const g of this.#groups) (g as unknown as GroupInternals<H>)[SET_ONE](key, v);
  }

  /** Whether parameter `j` is to be updated (it requires grad and has a gradient); throws if its `.grad` is unusable. */
  private checkGrad(j: number): boolean {
    const p = this.#params[j];
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

  /** Runs `check`; a ChainruleError it throws becomes `fail`'s (which adds "nothing was loaded"). */
  #tryCheck<T>(check: () => T, fail: (why: string) => never): T {
    try {
      return check();
    } catch (e) {
      if (e instanceof ChainruleError) fail(e.message.startsWith(`${this.optimizerName}: `) ? e.message.slice(this.optimizerName.length + 2) : e.message);
      throw e;
    }
  }

  /** The params argument as groups: `explicit` when the caller gave groups (`[{ params }, ...]`). */
  #readGroups(params: unknown): { explicit: boolean; list: ReadGroup<H>[] } {
    const name = this.optimizerName;
    if (typeof params === 'function') {
      throw new ChainruleError(`${name}: params is a function, not the parameters: pass net.parameters() (the method's result), not net.parameters`);
    }
    if (params === null || typeof params !== 'object' || typeof (params as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
      throw new ChainruleError(`${name}: params must be an iterable of tensors such as net.parameters(), got ${describeValue(params)}`);
    }
    const items = Array.from(params as Iterable<unknown>);
    if (items.length === 0) throw new ChainruleError(`${name}: got an empty parameter list`);
    const isGroup = (x: unknown) => isPlainObject(x) && !isTensor(x);
    if (!isGroup(items[0])) {
      const read = this.#readParams(items, '', new Set());
      return { explicit: false, list: [{ params: read.params, names: read.names, options: {} }] };
    }
    const seen = new Set<Tensor>();
    return {
      explicit: true,
      list: items.map((g, i) => {
        if (!isGroup(g)) throw new ChainruleError(`${name}: paramGroups[${i}] is not a group { params, ...options }, got ${describeValue(g)}; give either parameters or groups`);
        return this.#readGroup(g as ParamGroupInput<H>, `paramGroups[${i}]`, seen);
      }),
    };
  }

  /** One group `{ params, ...options }`: its parameters (none in `seen`), and its options with the keys checked. */
  #readGroup(group: unknown, where: string, seen: Set<Tensor>): ReadGroup<H> {
    const name = this.optimizerName;
    if (!isPlainObject(group)) throw new ChainruleError(`${name}: ${where} must be an object { params, ...options }, got ${describeValue(group)}`);
    const g = group as Record<string, unknown>;
    const keys = ['params', ...Object.keys(this.#spec.check), 'initialLr'];
    for (const key of Object.keys(g)) {
      if (!keys.includes(key)) throw new ChainruleError(`${name}: ${where} has an unknown key '${key}'; a group's keys are ${keys.join(', ')}`);
    }
    const params = g.params;
    // as PyTorch's add_param_group, a group's params may be one tensor
    if (!isTensor(params) && (typeof params === 'function' || params === null || typeof params !== 'object' || typeof (params as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function')) {
      throw new ChainruleError(`${name}: ${where}.params must be an iterable of tensors such as net.parameters(), got ${describeValue(params)}`);
    }
    const items = isTensor(params) ? [params] : Array.from(params as Iterable<unknown>);
    if (items.length === 0) throw new ChainruleError(`${name}: ${where}.params is empty`);
    const read = this.#readParams(items, `${where}.`, seen);
    const { params: _, ...options } = g;
    return { params: read.params, names: read.names, options: options as Partial<H> & { initialLr?: number } };
  }

  /** Tensors (or `[name, tensor]` pairs), each a leaf, once; a tensor in `seen` (another group) is refused. */
  #readParams(items: readonly unknown[], where: string, seen: Set<Tensor>): { params: Tensor[]; names: (string | undefined)[] } {
    const name = this.optimizerName;
    const params: Tensor[] = [];
    const names: (string | undefined)[] = [];
    const own = new Set<Tensor>();
    items.forEach((item, i) => {
      let p = item, pname: string | undefined;
      if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') [pname, p] = item as [string, unknown];
      if (!isTensor(p)) throw new ChainruleError(`${name}: ${where}params[${i}] is not a Tensor, got ${describeValue(p)}`);
      if (!p.isLeaf) throw new ChainruleError(`${name}: ${where}params[${i}] is not a leaf tensor (it was computed by ${p.gradFn!.op.name}); optimize leaves such as Parameters`);
      if (own.has(p)) return; // listed twice in one group: updated once
      if (seen.has(p)) throw new ChainruleError(`${name}: ${where}params[${i}]${pname ? ` '${pname}'` : ''} is already in another parameter group; a parameter may be in one group only`);
      own.add(p);
      seen.add(p);
      params.push(p);
      names.push(pname ?? p.name);
    });
    return { params, names };
  }

  /** A group's hyperparameters: its own (checked as `where.key`), else the defaults; then the rules between them. */
  #groupValues(options: Partial<H> & { initialLr?: number }, where: string, noOptions: boolean): H {
    const values = {} as H;
    const prefix = where === '' ? '' : `${where}.`;
    for (const key of Object.keys(this.#spec.check) as (keyof H & string)[]) {
      const own = options[key];
      if (own !== undefined) values[key] = this.#spec.check[key](own, `${prefix}${key}`);
      else if (this.defaults[key] !== undefined) values[key] = this.defaults[key] as H[typeof key];
      else {
        const name = this.optimizerName;
        const option = `{ ${key}: ${this.#spec.examples?.[key] ?? '...'} }`;
        const what = key === 'lr' ? 'the learning rate `lr`' : `\`${key}\``;
        throw new ChainruleError(
          where === ''
            ? `${name}: ${what} is required, e.g. ${noOptions ? `new ${name}(net.parameters(), ${option})` : option}`
            : `${name}: ${where} has no ${key} and the options give none: give { params, ${key} } or new ${name}(groups, ${option})`,
        );
      }
    }
    this.#spec.checkTogether?.(values, where === '' ? '' : `${where}: `);
    if (options.initialLr !== undefined) checkHyper(this.optimizerName, `${prefix}initialLr`, options.initialLr);
    return values;
  }

  #appendGroup(params: Tensor[], names: (string | undefined)[], values: H, initialLr: number | undefined): void {
    const group = makeGroup(this.optimizerName, this.#groups.length, params, values, initialLr, this.#spec);
    const start = this.#params.length;
    this.#params = Object.freeze([...this.#params, ...params]);
    this.#groups = Object.freeze([...this.#groups, group]);
    this.#willUpdate = new Uint8Array(this.#params.length);
    params.forEach((p, k) => {
      const j = start + k;
      this.#names.push(names[k]);
      this.state.push({});
      this.#writers.push((x: TensorBuffer) => this.stepParameter(j, x, p.grad!.buffer, group));
      this.initState(j, p, group);
    });
  }
}

interface ReadGroup<H> {
  params: Tensor[];
  names: (string | undefined)[];
  options: Partial<H> & { initialLr?: number };
}

const SET_ONE = Symbol('setOne');
const SET_ALL = Symbol('setAll');
/** What the optimizer itself may do to a group: set a checked value, or replace every value (loadStateDict). */
interface GroupInternals<H> {
  [SET_ONE](key: keyof H, value: unknown): void;
  [SET_ALL](values: H, initialLr: number | undefined): void;
}

/**
 * A parameter group: `params` and an accessor per hyperparameter whose setter checks the value
 * (`paramGroups[i].key` in messages) and the rules between keys before it changes anything.
 */
function makeGroup<H extends object>(
  optimizer: string,
  index: number,
  params: readonly Tensor[],
  initial: H,
  initialLr: number | undefined,
  spec: HyperparameterSpec<H>,
): ParamGroup<H> {
  let values: H = { ...initial };
  let initLr = initialLr;
  const group = {} as ParamGroup<H> & GroupInternals<H>;
  Object.defineProperty(group, 'params', { value: Object.freeze(params.slice()), enumerable: true });
  for (const key of Object.keys(spec.check) as (keyof H & string)[]) {
    Object.defineProperty(group, key, {
      enumerable: true,
      get: () => values[key],
      set: (value: unknown) => {
        const v = spec.check[key](value, `paramGroups[${index}].${key}`);
        spec.checkTogether?.({ ...values, [key]: v }, `paramGroups[${index}]: `);
        values = { ...values, [key]: v };
      },
    });
  }
  Object.defineProperty(group, 'initialLr', {
    enumerable: true,
    get: () => initLr,
    set: (value: unknown) => {
      initLr = value === undefined ? undefined : checkHyper(optimizer, `paramGroups[${index}].initialLr`, value);
    },
  });
  Object.defineProperty(group, SET_ONE, { value: (key: keyof H, value: unknown) => (values = { ...values, [key]: value }) });
  Object.defineProperty(group, SET_ALL, {
    value: (all: H, lr: number | undefined) => {
      values = { ...all };
      initLr = lr;
    },
  });
  return Object.seal(group);
}

/** The current hyperparameter values of a group, as a plain object. */
function snapshotValues<H extends object>(group: ParamGroup<H>, spec: HyperparameterSpec<H>): H {
  const out = {} as H;
  for (const key of Object.keys(spec.check) as (keyof H)[]) out[key] = group[key];
  return out;
}

/** `{ lr: 0.001 }`: the example of an options object in messages. */
function exampleOf(spec: HyperparameterSpec<never>): string {
  const lr = (spec.defaults as { lr?: number }).lr ?? (spec.examples as { lr?: string } | undefined)?.lr ?? '0.1';
  return `{ lr: ${lr} }`;
}

function isPlainObject(x: unknown): boolean {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  return Object.is(a, b);
}

function showValue(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

/** A saved count: a non-negative integer. */
function readCount(value: unknown, at: string, fail: (why: string) => never): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(`${at} must be a count (an integer ≥ 0), got ${describeValue(value)}`);
  return value as number;
}

/** A saved buffer `{ shape, dtype, data }` of parameter `p`'s shape and dtype, as a new typed array. */
function readBuffer(value: unknown, p: Tensor, at: string, fail: (why: string) => never): TensorBuffer {
  if (!isPlainObject(value)) fail(`${at} must be { shape, dtype, data }, got ${describeValue(value)}`);
  const { shape, dtype, data } = value as { shape?: unknown; dtype?: unknown; data?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${at}.shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  if (!shapesEqual(shape as number[], p.shape)) fail(`${at} has shape ${fmtShape(shape as number[])} but the parameter has shape ${fmtShape(p.shape)}`);
  if (dtype !== p.dtype) fail(`${at} has dtype ${describeValue(dtype)} but the parameter has dtype '${p.dtype}'`);
  const typed = data instanceof Float64Array || data instanceof Float32Array;
  if (!typed && !Array.isArray(data)) fail(`${at}.data must be an array of numbers, got ${describeValue(data)}`);
  const d = data as ArrayLike<unknown>;
  if (d.length !== p.size) fail(`${at}.data has ${d.length} numbers but shape ${fmtShape(p.shape)} holds ${p.size}`);
  const out = allocLike(p.dtype, p.size);
  for (let i = 0; i < d.length; i++) {
    if (typeof d[i] !== 'number') fail(`${at}.data[${i}] is ${JSON.stringify(d[i])}, not a number (JSON turns NaN and Infinity into null)`);
    out[i] = d[i] as number;
  }
  return out;
}

function allocLike(dtype: DType, size: number): TensorBuffer {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

/**
 * A zero-filled buffer of `x`'s length and type: optimizer state keeps its parameter's dtype.
 * @example `s.expAvg ??= zerosOf(x)`
 */
export function zerosOf(x: TensorBuffer): TensorBuffer {
  return x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length);
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
 * `value` if it is true or false; else throws naming the optimizer and the key.
 * @example `checkFlag('RMSprop', 'centered', true)`
 */
export function checkFlag(optimizer: string, key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ChainruleError(`${optimizer}: ${key} must be true or false, got ${describeValue(value)}`);
  return value;
}

/**
 * `betas` as a frozen pair if it is [β₁, β₂] with each a finite number in [0, 1); else throws naming
 * the optimizer and `key` (`betas`, `paramGroups[1].betas`).
 * @example `checkBetas('Adam', 'betas', [0.9, 0.999])`
 */
export function checkBetas(optimizer: string, key: string, betas: unknown): readonly [number, number] {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new ChainruleError(`${optimizer}: ${key} must be a pair [beta1, beta2] with each in [0, 1), got ${describeValue(betas)}`);
  }
  return Object.freeze([checkHyper(optimizer, `${key}[0]`, betas[0], 0, 1), checkHyper(optimizer, `${key}[1]`, betas[1], 0, 1)] as const);
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

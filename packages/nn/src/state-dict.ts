/**
 * State dicts: the values of a module's parameters and persistent buffers as a plain,
 * JSON-serialisable object, and loading them back with every key, shape and dtype checked before
 * anything is changed.
 * @module
 */
import { shapesEqual, fmtShape, ChainruleError, noGrad, type DType, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { fieldPathAliases, namedStateTensors, type Module } from './module.js';

/** One parameter's or buffer's saved value: its shape, dtype and elements in row-major order. @example `{ shape: [2, 2], dtype: 'float64', data: [0.15, 0.2, 0.25, 0.3] }` */
export interface TensorState {
  shape: number[];
  dtype: DType;
  data: number[];
}

/** A module's parameters and persistent buffers by dotted name (`hidden.weight`, `bn.runningMean`), as returned by {@link Module.stateDict}. @example `{ '0.bias': { shape: [], dtype: 'float64', data: [0.35] } }` */
export type StateDict = Record<string, TensorState>;

/** Options of {@link loadStateDict}. @example `net.loadStateDict(state, { strict: false })` */
export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (default true). Shape and dtype are always checked. */
  strict?: boolean;
}

/** What {@link loadStateDict} did not match (only non-empty when `strict` is false). @example `{ missingKeys: ['0.bias'], unexpectedKeys: [] }` */
export interface LoadStateDictResult {
  /** Parameters and buffers of the module that the state did not have (left unchanged). */
  missingKeys: string[];
  /** Keys of the state that name no parameter or buffer of the module (ignored). */
  unexpectedKeys: string[];
}

/**
 * The values of every parameter and persistent buffer of `module` by dotted name, as
 * `{ shape, dtype, data }` with plain arrays: a copy, independent of the module. Order (PyTorch's):
 * module by module in {@link Module.namedModules} order, each module's own parameters and then its
 * own buffers; each tensor once, under its first name. Null buffers and buffers registered with
 * `persistent: false` are left out.
 *
 * Rule: `JSON.parse(JSON.stringify(state))` gives back every finite float64 exactly (JavaScript
 * prints the shortest decimal that reads back to the same double). NOTE: JSON itself has no
 * NaN, ±Infinity or −0 (they become null, null and 0); {@link loadStateDict} refuses null, and
 * `save` from `@chainrule/nn/node` writes the raw bits, so those values survive a file too.
 *
 * @example
 * ```ts
 * const json = JSON.stringify(stateDict(net));
 * loadStateDict(otherNet, JSON.parse(json)); // otherNet now computes exactly what net does
 * ```
 */
export function stateDict(module: Module): StateDict {
  const out: StateDict = {};
  for (const [name, t] of namedStateTensors(module)) {
    out[name] = { shape: t.shape.slice(), dtype: t.dtype, data: Array.from(t.buffer) };
  }
  return out;
}

/**
 * Copies the values of `state` into the parameters and persistent buffers of `module` (the keys of
 * {@link stateDict}). Everything is validated first: a missing key or an unexpected key (when
 * `strict`, the default), a shape or dtype that differs from the tensor's, or data that is not
 * `shape`'s number of numbers throws a ChainruleError naming the key and the shapes, and then
 * NOTHING has been changed. Copies go into the tensors' own storage through core's `Tensor.update` inside `noGrad`, bumping each version
 * counter once (a graph that saved the old value then refuses to backpropagate); gradients are left alone.
 *
 * @example
 * ```ts
 * loadStateDict(net, { '0.weight': { shape: [2, 2], dtype: 'float64', data: [0.15, 0.2, 0.25, 0.3] }, ... });
 * loadStateDict(net, partial, { strict: false }); // { missingKeys: [...], unexpectedKeys: [...] }
 * ```
 */
export function loadStateDict(module: Module, state: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new ChainruleError(`loadStateDict: expected an object of { shape, dtype, data } entries, got ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}`);
  }
  return loadState(module, state, options, 'loadStateDict');
}

/** One entry of a state to load: like {@link TensorState}, with `data` a plain or a typed array. */
export interface LoadableTensorState {
  shape: readonly number[];
  dtype: DType;
  data: readonly number[] | Float64Array | Float32Array;
}

/**
 * {@link loadStateDict}'s checks and copy, for plain-array data (JSON) and typed-array data (the
 * binary file format of `@chainrule/nn/node`); `where` starts every message. Not exported from the package.
 *
 * Old names: a key that names no parameter but is a parameter's old field path (`layers.0.weight`
 * from before Sequential took PyTorch's names, now `0.weight`) is read as that parameter's key,
 * unless the state has the new key too.
 * @example
 * ```ts
 * loadState(net, { weight: { shape: [2, 2], dtype: 'float64', data: new Float64Array(4) } }, {}, 'load: net.ckpt');
 * ```
 */
export function loadState(module: Module, state: Readonly<Record<string, LoadableTensorState>>, options: LoadStateDictOptions, where: string): LoadStateDictResult {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ChainruleError(`${where}: options must be an object such as { strict: false }, got ${describeValue(options)}`);
  }
  for (const key in options) {
    if (key !== 'strict') throw new ChainruleError(`${where}: unknown option '${key}'; the only option is strict`);
  }
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') throw new ChainruleError(`${where}: strict must be true or false, got ${describeValue(strict)}`);
  const params = namedStateTensors(module);
  const known = new Set(params.map(([n]) => n));
  state = withCurrentNames(module, state, known);
  const missingKeys = params.map(([n]) => n).filter((n) => !Object.prototype.hasOwnProperty.call(state, n));
  const unexpectedKeys = Object.keys(state).filter((k) => !known.has(k));
  if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
    const parts: string[] = [];
    if (missingKeys.length > 0) parts.push(`missing key(s) ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
    if (unexpectedKeys.length > 0) parts.push(`unexpected key(s) ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
    throw new ChainruleError(`${where}: ${parts.join('; ')}; nothing was loaded (pass { strict: false } to load the matching keys only)`);
  }
  // validate every entry before copying any
  const copies: [Tensor, LoadableTensorState['data']][] = [];
  for (const [name, p, kind] of params) {
    if (!Object.prototype.hasOwnProperty.call(state, name)) continue;
    const entry = state[name] as Partial<LoadableTensorState> | null;
    const fail = (why: string): never => {
      throw new ChainruleError(`${where}: '${name}': ${why}; nothing was loaded`);
    };
    if (entry === null || typeof entry !== 'object') fail(`expected { shape, dtype, data }, got ${entry === null ? 'null' : typeof entry}`);
    const { shape, dtype, data } = entry as Partial<LoadableTensorState>;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!shapesEqual(shape!, p.shape)) fail(`shape ${fmtShape(shape!)} in the state does not match the ${kind}'s shape ${fmtShape(p.shape)}`);
    if (dtype !== p.dtype) fail(`dtype ${JSON.stringify(dtype)} in the state does not match the ${kind}'s dtype '${p.dtype}' (shape ${fmtShape(p.shape)})`);
    const typed = data instanceof Float64Array || data instanceof Float32Array;
    if (!typed && !Array.isArray(data)) fail(`data must be an array of numbers, got ${typeof data}`);
    if (data!.length !== p.size) fail(`data has ${data!.length} numbers but shape ${fmtShape(p.shape)} holds ${p.size}`);
    if (!typed) {
      for (let i = 0; i < data!.length; i++) {
        if (typeof data![i] !== 'number') fail(`data[${i}] is ${JSON.stringify(data![i])}, not a number (JSON turns NaN and Infinity into null)`);
      }
    }
    copies.push([p, data!]);
  }
  noGrad(() => {
    for (const [p, data] of copies) {
      p.update((buffer) => {
        if (data instanceof Float64Array || data instanceof Float32Array) buffer.set(data);
        else for (let i = 0; i < data.length; i++) buffer[i] = data[i];
      });
    }
  });
  return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
}

/** `state` with old field-path keys (`layers.0.weight`) renamed to the module's current names (`0.weight`). */
function withCurrentNames<T>(module: Module, state: Readonly<Record<string, T>>, known: ReadonlySet<string>): Readonly<Record<string, T>> {
  const keys = Object.keys(state);
  if (keys.every((k) => known.has(k))) return state;
  const aliases = fieldPathAliases(module);
  const renamed: Record<string, T> = {};
  for (const k of keys) {
    const now = aliases.get(k);
    renamed[now !== undefined && !known.has(k) && !Object.prototype.hasOwnProperty.call(state, now) ? now : k] = state[k];
  }
  return renamed;
}

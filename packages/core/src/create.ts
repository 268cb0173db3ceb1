/**
 * Factories: zeros, ones, full, arange, linspace, eye, rand, randn, and their `*Like` forms.
 * Random factories draw from a seeded {@link RandomGenerator}, never from `Math.random`.
 * @module
 */
import { allocBuffer, checkDType, DEFAULT_DTYPE } from './dtype.js';
import { ChainruleError } from './errors.js';
import { generatorFor, RandomGenerator } from './random.js';
import { randomSource } from './compile/trace-state.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type TensorOptions } from './tensor.js';

/**
 * Options of the random factories: a seed (a fresh generator) or a generator to draw from.
 * @example
 * ```ts
 * const g = new RandomGenerator(1);
 * randn([2], { generator: g }); randn([2], { seed: 7, dtype: 'float32' });
 * ```
 */
export interface RandomOptions extends TensorOptions {
  /** Draw from a new generator seeded with this (same seed, same numbers, on every machine). */
  seed?: number;
  /** Draw from this generator (advancing it); the default generator when neither is given. */
  generator?: RandomGenerator;
}

function make(shape: readonly number[], options: TensorOptions, op: string, fill: (buffer: Float64Array | Float32Array) => void): Tensor {
  const s: Shape = checkShape(shape, op).slice();
  const dtype = options.dtype !== undefined ? checkDType(options.dtype, op) : DEFAULT_DTYPE;
  const buffer = allocBuffer(dtype, sizeOf(s));
  fill(buffer);
  const t = new Tensor(buffer, s, options.requiresGrad ?? false);
  if (options.name !== undefined) t.name = options.name;
  return t;
}

/**
 * A tensor of zeros.
 * @example
 * ```ts
 * zeros([2, 3]).shape; // [2, 3]
 * ```
 */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return make(shape, options, 'zeros', () => {});
}

/**
 * A tensor of ones.
 * @example
 * ```ts
 * ones([2]).toArray(); // [1, 1]
 * ```
 */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return make(shape, options, 'ones', (b) => b.fill(1));
}

/**
 * A tensor filled with `value`.
 * @example
 * ```ts
 * full([2], 0.35).toArray(); // [0.35, 0.35]
 * ```
 */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  if (typeof value !== 'number') throw new ChainruleError(`full: value must be a number, got ${typeof value}`);
  return make(shape, options, 'full', (b) => b.fill(value));
}

/**
 * Zeros, ones or a constant with the shape and dtype of `t`.
 * @example
 * ```ts
 * zerosLike(tensor([[1, 2]])).shape; // [1, 2]
 * ```
 */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...options });
}
/** Ones with the shape and dtype of `t`. @example `onesLike(tensor([1, 2])) // [1, 1]` */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...options });
}
/** `value` with the shape and dtype of `t`. @example `fullLike(tensor([1, 2]), 7) // [7, 7]` */
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...options });
}

/**
 * Evenly spaced values in `[start, end)` with `step`: `arange(n)` is 0..n-1. The i-th value is
 * computed as start + i·step (not by repeated addition, so no rounding drift).
 * @example
 * ```ts
 * arange(5).toArray();        // [0, 1, 2, 3, 4]
 * arange(1, 2, 0.25).toArray(); // [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step) || step === 0) {
    throw new ChainruleError(`arange: expected finite start, end and a non-zero step, got start ${start}, end ${end}, step ${step}`);
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make([n], options, 'arange', (b) => {
    for (let i = 0; i < n; i++) b[i] = start + i * step;
  });
}

/**
 * `count` evenly spaced values from `start` to `end`, both included.
 * @example
 * ```ts
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, count: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(count) || count < 0) throw new ChainruleError(`linspace: count must be a non-negative integer, got ${count}`);
  return make([count], options, 'linspace', (b) => {
    const step = count > 1 ? (end - start) / (count - 1) : 0;
    for (let i = 0; i < count; i++) b[i] = start + i * step;
    if (count > 1) b[count - 1] = end; // exact end point, whatever the rounding of step
  });
}

/**
 * The identity matrix n×n (or n×m).
 * @example
 * ```ts
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  return make([n, m], options, 'eye', (b) => {
    for (let i = 0; i < Math.min(n, m); i++) b[i * m + i] = 1;
  });
}


/**
 * Uniform samples in [0, 1).
 * @example
 * ```ts
 * rand([2, 2], { seed: 42 }); // the same values on every machine
 * ```
 */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const g = generatorFor(options, 'rand');
  // in a compiled step, drawn again at every replay (into the same buffer)
  return randomSource('rand', () =>
    make(shape, options, 'rand', (b) => {
      for (let i = 0; i < b.length; i++) b[i] = g.uniform();
    }),
  );
}

/**
 * Standard normal samples (mean 0, standard deviation 1).
 * @example
 * ```ts
 * randn([3], { seed: 1 });
 * ```
 */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  const g = generatorFor(options, 'randn');
  // in a compiled step, drawn again at every replay (into the same buffer)
  return randomSource('randn', () =>
    make(shape, options, 'randn', (b) => {
      for (let i = 0; i < b.length; i++) b[i] = g.normal();
    }),
  );
}

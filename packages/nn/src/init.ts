/**
 * Weight initialisation schemes, drawn from core's seeded {@link RandomGenerator} (never `Math.random`).
 * @module
 */
import { allocBuffer, ChainruleError, RandomGenerator, tensor, type DType, type Tensor } from '@chainrule/core';

/** The initialisation schemes of {@link Dense} (bounds in {@link initBound}). @example `new Dense(4, 8, { init: 'he', seed: 1 })` */
export type InitScheme = 'xavier' | 'he' | 'uniform';

/** Where random numbers come from: a seed (a fresh generator) or a generator to advance. */
export interface InitRandom {
  seed?: number;
  generator?: RandomGenerator;
}

/** The generator for `options`: a new one for `seed`, the given one, or a new one seeded 0. */
export function generatorFrom(options: InitRandom, where: string): RandomGenerator {
  if (options.seed !== undefined && options.generator !== undefined) {
    throw new ChainruleError(`${where}: give either seed or generator, not both`);
  }
  if (options.generator !== undefined) return options.generator;
  return new RandomGenerator(options.seed ?? 0);
}

/**
 * The half-width `a` of the uniform distribution U(-a, a) each scheme draws a weight of shape
 * [fanOut, fanIn] from:
 *
 * - `'xavier'` (Glorot uniform): a = √(6 / (fanIn + fanOut)), keeping the variance of activations
 *   and gradients about equal across layers with tanh/sigmoid
 * - `'he'` (Kaiming uniform, gain √2 for ReLU): a = √(6 / fanIn)
 * - `'uniform'` (PyTorch's `nn.Linear` default): a = 1 / √fanIn
 *
 * @example
 * ```ts
 * initBound('xavier', 2, 2); // √(6/4) ≈ 1.2247
 * ```
 */
export function initBound(scheme: InitScheme, fanIn: number, fanOut: number): number {
  switch (scheme) {
    case 'xavier':
      return Math.sqrt(6 / (fanIn + fanOut));
    case 'he':
      return Math.sqrt(6 / fanIn);
    case 'uniform':
      return 1 / Math.sqrt(fanIn);
    default:
      throw new ChainruleError(`init: unknown scheme ${JSON.stringify(scheme)}; expected 'xavier', 'he' or 'uniform'`);
  }
}

/**
 * A tensor of `shape` with elements drawn from U(-bound, bound) as `bound·(2u - 1)`, u uniform in [0, 1).
 * @example
 * ```ts
 * uniformTensor([2, 2], 0.5, new RandomGenerator(1)); // every element in [-0.5, 0.5)
 * ```
 */
export function uniformTensor(shape: readonly number[], bound: number, generator: RandomGenerator, dtype: DType = 'float64'): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const buffer = allocBuffer(dtype, size);
  for (let i = 0; i < size; i++) buffer[i] = bound * (2 * generator.uniform() - 1);
  return tensor(buffer, { shape });
}

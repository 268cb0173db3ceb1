/**
 * Initialisation: the schemes of {@link Dense}, and PyTorch's `nn.init` functions, which fill any
 * tensor in place. Every random number comes from core's seeded generators (never `Math.random`):
 * a generator passed as `{ generator }`, or else core's one global generator, which
 * `manualSeed(seed)` resets (as `torch.manual_seed`).
 * @module
 */
import { allocBuffer, ChainruleError, noGrad, rand, randn, RandomGenerator, tensor, type DType, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { checkOptions } from './options.js';

/** The initialisation schemes of {@link Dense} (bounds in {@link initBound}). @example `new Dense(4, 8, { init: 'he', seed: 1 })` */
export type InitScheme = 'xavier' | 'he' | 'uniform';

/** Where random numbers come from: a seed (a fresh generator) or a generator to advance; neither means the global generator. */
export interface InitRandom {
  seed?: number;
  generator?: RandomGenerator;
}

/**
 * The generator for `options`: a new one for `seed`, the given one, or `undefined` for core's global
 * generator (which `manualSeed` sets), as core's `rand` reads `generator: undefined`.
 */
export function generatorFrom(options: InitRandom, where: string): RandomGenerator | undefined {
  if (options.seed !== undefined && options.generator !== undefined) {
    throw new ChainruleError(`${where}: give either seed or generator, not both`);
  }
  if (options.generator !== undefined) {
    if (!(options.generator instanceof RandomGenerator)) throw new ChainruleError(`${where}: generator must be a RandomGenerator, got ${describeValue(options.generator)}`);
    return options.generator;
  }
  return options.seed === undefined ? undefined : new RandomGenerator(options.seed);
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
 * A tensor of `shape` with elements drawn from U(-bound, bound) as `bound·(2u - 1)`, u uniform in
 * [0, 1) from `generator`, or from the global generator when it is omitted.
 * @example
 * ```ts
 * uniformTensor([2, 2], 0.5, new RandomGenerator(1)); // every element in [-0.5, 0.5)
 * ```
 */
export function uniformTensor(shape: readonly number[], bound: number, generator?: RandomGenerator, dtype: DType = 'float64'): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const u = rand([size], { generator }).buffer; // float64 draws, each rounded once into dtype
  const buffer = allocBuffer(dtype, size);
  for (let i = 0; i < size; i++) buffer[i] = bound * (2 * u[i] - 1);
  return tensor(buffer, { shape });
}

// ------------------------------------------------------------------ nn.init

/** Options of the random `nn.init` functions. @example `uniform_(w, -0.1, 0.1, { generator: new RandomGenerator(1) })` */
export interface InitOptions {
  /** Draw from this generator (advancing it) instead of the global one. */
  generator?: RandomGenerator;
}

/**
 * The nonlinearities {@link calculateGain} knows: PyTorch's names in camelCase
 * (`'leaky_relu'` is `'leakyRelu'`, `'conv_transpose2d'` is `'convTranspose2d'`).
 * @example `kaimingNormal_(w, { nonlinearity: 'relu' })`
 */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu';

const LINEAR_GAIN = new Set(['linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid']);

/**
 * The recommended gain for a nonlinearity, PyTorch's `calculate_gain`: the factor by which the
 * activation shrinks the standard deviation, undone by the initialisation.
 *
 * | nonlinearity | gain |
 * | --- | --- |
 * | linear, conv*, sigmoid | 1 |
 * | tanh | 5/3 |
 * | relu | √2 |
 * | leakyRelu | √(2 / (1 + slope²)), `param` = the negative slope, default 0.01 |
 * | selu | 3/4 |
 *
 * @example
 * ```ts
 * calculateGain('relu');         // 1.4142135623730951
 * calculateGain('leakyRelu', 0); // √2 (slope 0 is relu)
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_GAIN.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new ChainruleError(`calculateGain: the negative slope of leakyRelu must be a finite number, got ${describeValue(slope)}`);
      return Math.sqrt(2 / (1 + slope ** 2));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ChainruleError(
        `calculateGain: unknown nonlinearity ${describeValue(nonlinearity)}; expected one of linear, conv1d, conv2d, conv3d, ` +
          'convTranspose1d, convTranspose2d, convTranspose3d, sigmoid, tanh, relu, leakyRelu, selu',
      );
  }
}

/**
 * fanIn and fanOut of a weight (PyTorch's rule): shape [out, in, ...kernel] has
 * fanIn = in · Πkernel and fanOut = out · Πkernel; a Dense weight [out, in] has fanIn = in.
 */
function fans(t: Tensor, where: string): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ChainruleError(`${where}: fan in and fan out can not be computed for a tensor of shape [${t.shape.join(',')}]: it needs at least 2 dimensions ([out, in, ...])`);
  let receptive = 1;
  for (let d = 2; d < t.ndim; d++) receptive *= t.shape[d];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function checkTensor(t: Tensor, where: string): void {
  if (t === null || typeof t !== 'object' || typeof (t as Partial<Tensor>).update !== 'function') {
    throw new ChainruleError(`${where}: expected a Tensor to fill, got ${describeValue(t)}`);
  }
}

function checkNumber(v: number, what: string, where: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ChainruleError(`${where}: ${what} must be a finite number, got ${describeValue(v)}`);
}

/** Writes `value(i)` into every element of `t`, in place without recording (the one way the init functions write). */
function fill(t: Tensor, value: (i: number) => number): Tensor {
  noGrad(() => t.update((b) => {
    for (let i = 0; i < b.length; i++) b[i] = value(i);
  }));
  return t;
}

/**
 * Fills `t` in place with samples of U(a, b), as `a + (b − a)·u` for uniforms u in [0, 1); returns `t`.
 * Works on any tensor, a Parameter that requires grad included (the write is not recorded).
 * @example
 * ```ts
 * uniform_(layer.weight, -0.1, 0.1);
 * ```
 */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  checkTensor(t, 'uniform_');
  checkNumber(a, 'a', 'uniform_');
  checkNumber(b, 'b', 'uniform_');
  if (a > b) throw new ChainruleError(`uniform_: expects a ≤ b (the range [a, b)), got a = ${a} > b = ${b}`);
  checkOptions(options, ['generator'], 'uniform_');
  const u = rand([t.size], { generator: generatorFrom(options, 'uniform_') }).buffer;
  return fill(t, (i) => a + (b - a) * u[i]);
}

/**
 * Fills `t` in place with samples of N(mean, std²), as `mean + std·z` for standard normals z; returns `t`.
 * @example
 * ```ts
 * normal_(layer.weight, 0, 0.02);
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  checkTensor(t, 'normal_');
  checkNumber(mean, 'mean', 'normal_');
  checkNumber(std, 'std', 'normal_');
  if (std < 0) throw new ChainruleError(`normal_: std must be ≥ 0, got ${std}`);
  checkOptions(options, ['generator'], 'normal_');
  const z = randn([t.size], { generator: generatorFrom(options, 'normal_') }).buffer;
  return fill(t, (i) => mean + std * z[i]);
}

/**
 * Fills `t` in place with `value`; returns `t`.
 * @example
 * ```ts
 * constant_(layer.bias, 0.1);
 * ```
 */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensor(t, 'constant_');
  if (typeof value !== 'number') throw new ChainruleError(`constant_: value must be a number, got ${describeValue(value)}`);
  return fill(t, () => value);
}

/** Fills `t` in place with zeros; returns `t`. @example `zeros_(layer.bias)` */
export function zeros_(t: Tensor): Tensor {
  checkTensor(t, 'zeros_');
  return fill(t, () => 0);
}

/** Fills `t` in place with ones; returns `t`. @example `ones_(norm.weight)` */
export function ones_(t: Tensor): Tensor {
  checkTensor(t, 'ones_');
  return fill(t, () => 1);
}

/** Options of {@link xavierUniform_} and {@link xavierNormal_}. @example `{ gain: calculateGain('tanh') }` */
export interface XavierOptions extends InitOptions {
  /** Scaling factor (default 1), e.g. {@link calculateGain} of the activation that follows. */
  gain?: number;
}

/**
 * Glorot (Xavier) uniform initialisation in place: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)),
 * computed as PyTorch does (√3 · gain·√(2 / (fanIn + fanOut))). `t` has at least 2 dimensions
 * [out, in, ...kernel]; returns `t`.
 * @example
 * ```ts
 * xavierUniform_(layer.weight, { gain: calculateGain('tanh') });
 * ```
 */
export function xavierUniform_(t: Tensor, options: XavierOptions = {}): Tensor {
  checkTensor(t, 'xavierUniform_');
  checkOptions(options, ['gain', 'generator'], 'xavierUniform_');
  const gain = options.gain ?? 1;
  checkNumber(gain, 'gain', 'xavierUniform_');
  const { fanIn, fanOut } = fans(t, 'xavierUniform_');
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a, { generator: generatorFrom(options, 'xavierUniform_') });
}

/**
 * Glorot (Xavier) normal initialisation in place: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)); returns `t`.
 * @example
 * ```ts
 * xavierNormal_(layer.weight);
 * ```
 */
export function xavierNormal_(t: Tensor, options: XavierOptions = {}): Tensor {
  checkTensor(t, 'xavierNormal_');
  checkOptions(options, ['gain', 'generator'], 'xavierNormal_');
  const gain = options.gain ?? 1;
  checkNumber(gain, 'gain', 'xavierNormal_');
  const { fanIn, fanOut } = fans(t, 'xavierNormal_');
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), { generator: generatorFrom(options, 'xavierNormal_') });
}

/** Options of {@link kaimingUniform_} and {@link kaimingNormal_}, with PyTorch's defaults. @example `{ mode: 'fanOut', nonlinearity: 'relu' }` */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leakyRelu that follows (default 0; only used with `'leakyRelu'`). */
  a?: number;
  /** Preserve the variance of the forward pass (`'fanIn'`, default) or of the backward pass (`'fanOut'`). */
  mode?: 'fanIn' | 'fanOut';
  /** The activation that follows (default `'leakyRelu'`, which with a = 0 is relu's √2). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions, where: string): number {
  checkOptions(options, ['a', 'mode', 'nonlinearity', 'generator'], where);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new ChainruleError(`${where}: mode must be 'fanIn' or 'fanOut', got ${describeValue(mode)}`);
  const a = options.a ?? 0;
  checkNumber(a, 'a', where);
  const f = fans(t, where);
  return calculateGain(options.nonlinearity ?? 'leakyRelu', a) / Math.sqrt(mode === 'fanIn' ? f.fanIn : f.fanOut);
}

/**
 * He (Kaiming) uniform initialisation in place: U(−bound, bound) with bound = √3 · gain / √fan,
 * gain = {@link calculateGain}(nonlinearity, a) and fan = fanIn or fanOut; returns `t`.
 * (PyTorch's `nn.Linear` itself uses a = √5, which gives bound = 1/√fanIn.)
 * @example
 * ```ts
 * kaimingUniform_(layer.weight, { nonlinearity: 'relu' }); // bound √(6 / fanIn)
 * ```
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkTensor(t, 'kaimingUniform_');
  const bound = Math.sqrt(3) * kaimingStd(t, options, 'kaimingUniform_');
  return uniform_(t, -bound, bound, { generator: generatorFrom(options, 'kaimingUniform_') });
}

/**
 * He (Kaiming) normal initialisation in place: N(0, std²) with std = gain / √fan; returns `t`.
 * @example
 * ```ts
 * kaimingNormal_(layer.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 * ```
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkTensor(t, 'kaimingNormal_');
  const std = kaimingStd(t, options, 'kaimingNormal_');
  return normal_(t, 0, std, { generator: generatorFrom(options, 'kaimingNormal_') });
}

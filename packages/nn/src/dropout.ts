/**
 * Dropout: random zeroing of activations in training, the identity in evaluation.
 * @module
 */
import { allocBuffer, ChainruleError, defineOp, rand, Tensor, type DType, type OpContext, type RandomGenerator } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { generatorFrom } from './init.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';

/** Options of {@link dropout}. @example `{ p: 0.1, training: true, generator: new RandomGenerator(1) }` */
export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5), in [0, 1]. */
  p?: number;
  /** Apply dropout (default true); false returns the input. */
  training?: boolean;
  /** Draw the mask from this generator (advancing it) instead of core's global one. */
  generator?: RandomGenerator;
}

/** @internal `p` if it is a probability, else an error naming `where`. */
export function checkP(p: unknown, where: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ChainruleError(`${where}: dropout probability has to be between 0 and 1, got ${describeValue(p)}`);
  return p;
}

/**
 * Inverted dropout (PyTorch's `F.dropout`): in training, each element is zeroed with probability
 * p and the others are scaled by 1/(1 − p), so the expected value is unchanged:
 *
 *   out = x · m / (1 − p), m ~ Bernoulli(1 − p) elementwise;  d out/dx = m / (1 − p)
 *
 * The mask: element i (row-major) is kept when uᵢ < 1 − p, uᵢ the i-th number of
 * `rand(x.shape, { generator })`, from the given generator or the global one (`manualSeed`).
 * As in PyTorch, `p = 0` or `training: false` return `x` itself and draw nothing, and `p = 1`
 * gives zeros (times x, so a NaN stays NaN) without a draw.
 *
 * @example
 * ```ts
 * dropout(ones([2, 4]), { p: 0.5, generator: new RandomGenerator(0) }).toArray();
 * // each element 0 or 2
 * ```
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptions(options, ['p', 'training', 'generator'], 'dropout');
  if (!(x instanceof Tensor)) throw new ChainruleError(`dropout: expected a Tensor, got ${describeValue(x)}`);
  const p = checkP(options.p ?? 0.5, 'dropout');
  const training = options.training ?? true;
  if (typeof training !== 'boolean') throw new ChainruleError(`dropout: training must be true or false, got ${describeValue(training)}`);
  const generator = generatorFrom(options, 'dropout');
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  return x.mul(dropoutNoise(rand(x.shape, { generator }), { p, dtype: x.dtype }));
}

/**
 * PyTorch's dropout noise, in `dtype`, from float64 uniform draws u: 1/(1 − p) where u < 1 − p (kept), else 0. An op,
 * not a loop in `dropout`, so that a compiled step computes it again from each replay's draws.
 */
const dropoutNoise = defineOp({
  name: 'dropoutNoise',
  inputs: ['u'],
  forward(ctx: OpContext<{ p: number; dtype: DType }>, u) {
    const { p, dtype } = ctx.params;
    const noise = allocBuffer(dtype, u.size);
    const scale = 1 / (1 - p);
    const draws = u.buffer;
    for (let i = 0; i < noise.length; i++) noise[i] = draws[i] < 1 - p ? scale : 0;
    return { buffer: noise, shape: u.shape };
  },
});

/**
 * Dropout as a layer (PyTorch's `nn.Dropout(p)`): {@link dropout} with probability `p` while the
 * module is training, the identity after `eval()`. Masks come from `generator` (or a fresh one
 * seeded with `seed`) when given, else from core's global generator, which `manualSeed` resets.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.2);
 * drop.forward(x);          // training: about 20% zeros, the rest × 1.25
 * drop.eval().forward(x);   // x itself
 * ```
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Where the masks come from; undefined for the global generator. */
  readonly generator: RandomGenerator | undefined;

  constructor(p = 0.5, options: { generator?: RandomGenerator; seed?: number } = {}) {
    super();
    checkOptions(options, ['generator', 'seed'], 'Dropout');
    this.p = checkP(p, 'Dropout');
    this.generator = generatorFrom(options, 'Dropout');
  }

  /** `p=0.5`. */
  override extraRepr(): string {
    return `p=${this.p}`;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, generator: this.generator });
  }
}

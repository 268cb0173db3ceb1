/**
 * Sampling: randperm, randint, multinomial and bernoulli, PyTorch's names and rules. Randomness comes from a
 * seeded {@link RandomGenerator} (random.ts), never from `Math.random`: the same seed gives the same
 * numbers on every machine. None of them is differentiable. Positions (randperm, multinomial) follow
 * chainrule's rule for index tensors: whole numbers in the data's dtype.
 * @module
 */
import { ChainruleError, ShapeError, fmtShape } from '../errors.js';
import { allocBuffer, checkDType, DEFAULT_DTYPE } from '../dtype.js';
import { defineOp, type OpContext } from '../op.js';
import { noteOp } from '../grad-mode.js';
import { generatorFor, type RandomGenerator } from '../random.js';
import { randomSource } from '../compile/trace-state.js';
import { checkShape, frozenShape } from '../shape.js';
import { Tensor, tensor, type TensorLike, type TensorOptions } from '../tensor.js';
import { checkIndexDType } from './index-rule.js';

/**
 * Where a sampler draws from: a new generator from `seed`, or `generator` (which advances); the
 * default generator (`manualSeed`) when neither is given.
 * @example
 * ```ts
 * bernoulli(p, { seed: 1 }); bernoulli(p, { generator: g });
 * ```
 */
export interface SamplingOptions {
  seed?: number;
  generator?: RandomGenerator;
}

/**
 * A whole number uniform in [0, m), from 53 random bits.
 * NOTE: floor(u·m) with u on a grid of 2⁻⁵³ favours some values by at most m·2⁻⁵³ in probability
 * (below 1e-9 for m < 9·10⁶); exact enough for shuffling and sampling, and it reads the generator
 * exactly twice per draw, so streams stay aligned.
 */
function below(g: RandomGenerator, m: number): number {
  return Math.floor(g.uniform() * m);
}

/**
 * Whole numbers drawn uniformly from [low, high) (PyTorch's `torch.randint(low, high, size)`),
 * float64 unless `dtype` says otherwise (chainrule's rule for index tensors: whole numbers in the
 * data's dtype). Each element is low + floor(u·(high − low)) for one uniform draw u.
 * @example
 * ```ts
 * randint(0, 10, [2, 3], { seed: 0 }); // six whole numbers from 0 to 9, the same on every machine
 * ```
 */
export function randint(low: number, high: number, shape: readonly number[], options: SamplingOptions & TensorOptions = {}): Tensor {
  for (const [name, v] of [['low', low], ['high', high]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ShapeError(`randint: ${name} must be an integer, got ${String(v)}`);
  }
  if (!(low < high)) throw new ShapeError(`randint: expected low < high, got low ${low} and high ${high}`);
  const dtype = options.dtype === undefined ? DEFAULT_DTYPE : checkDType(options.dtype, 'randint');
  checkIndexDType('randint', dtype, Math.max(Math.abs(low), Math.abs(high - 1)) + 1);
  const dims = checkShape(shape, 'randint');
  noteOp('randint'); // not an op (no tensor input): named for traceOps, so exporters can refuse it
  const g = generatorFor(options, 'randint');
  let size = 1;
  for (let i = 0; i < dims.length; i++) size *= dims[i]!;
  // in a compiled step, drawn again at every replay (into the same buffer)
  return randomSource('randint', () => {
    const out = allocBuffer(dtype, size);
    for (let i = 0; i < size; i++) out[i] = low + below(g, high - low);
    const t = new Tensor(out, dims, options.requiresGrad === true);
    if (options.name !== undefined) t.name = options.name;
    return t;
  });
}

/**
 * A random permutation of 0, 1, ..., n - 1 (PyTorch's `torch.randperm`), by Fisher-Yates shuffling.
 * float64 unless `dtype` says otherwise (whole numbers: chainrule's rule for index tensors).
 * @example
 * ```ts
 * randperm(5, { seed: 0 }).toArray(); // the same permutation of [0, 1, 2, 3, 4] on every machine
 * ```
 */
export function randperm(n: number, options: SamplingOptions & TensorOptions = {}): Tensor {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ShapeError(`randperm: n must be a non-negative integer, got ${String(n)}`);
  const dtype = options.dtype === undefined ? DEFAULT_DTYPE : checkDType(options.dtype, 'randperm');
  checkIndexDType('randperm', dtype, n);
  noteOp('randperm'); // not an op (no tensor input): named for traceOps, so exporters can refuse it
  const g = generatorFor(options, 'randperm');
  // in a compiled step, drawn again at every replay (into the same buffer)
  return randomSource('randperm', () => {
    const out = allocBuffer(dtype, n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = below(g, i + 1);
      const v = out[i];
      out[i] = out[j];
      out[j] = v;
    }
    const t = new Tensor(out, frozenShape([n]), options.requiresGrad === true);
    if (options.name !== undefined) t.name = options.name;
    return t;
  });
}

/**
 * The options of {@link multinomial}: with or without replacement (default without), and the source
 * of randomness.
 * @example
 * ```ts
 * multinomial(weights, 10, { replacement: true, seed: 3 });
 * ```
 */
export interface MultinomialOptions extends SamplingOptions {
  replacement?: boolean;
}

interface MultinomialParams extends MultinomialOptions {
  numSamples: number;
}

const multinomialOp = defineOp({
  name: 'multinomial',
  inputs: ['probs'],
  forward(ctx: OpContext<MultinomialParams>, probs) {
    const { numSamples, replacement = false } = ctx.params;
    if (probs.ndim !== 1 && probs.ndim !== 2) throw new ShapeError(`multinomial: probs has shape ${fmtShape(probs.shape)}; expected 1-D weights or a 2-D batch of rows of weights`);
    const n = probs.shape[probs.ndim - 1];
    const rows = probs.ndim === 1 ? 1 : probs.shape[0];
    if (!Number.isInteger(numSamples) || numSamples <= 0) throw new ShapeError(`multinomial: numSamples must be a positive integer, got ${String(numSamples)}`);
    if (!replacement && numSamples > n) {
      throw new ShapeError(`multinomial: cannot draw ${numSamples} samples without replacement from ${n} categories (probs of shape ${fmtShape(probs.shape)})`);
    }
    checkIndexDType('multinomial', probs.dtype, n);
    const w = probs.buffer;
    for (let p = 0; p < w.length; p++) {
      if (!(w[p] >= 0) || w[p] === Infinity) throw new ChainruleError(`multinomial: weight ${w[p]} at flat position ${p} of probs (shape ${fmtShape(probs.shape)}); weights must be finite and non-negative`);
    }
    const g = generatorFor(ctx.params, 'multinomial');
    const out = allocBuffer(probs.dtype, rows * numSamples);
    const keys = new Array<number>(n);
    const order = new Array<number>(n);
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      let total = 0;
      for (let c = 0; c < n; c++) total += w[base + c];
      if (!(total > 0)) throw new ChainruleError(`multinomial: the weights of row ${r} of probs (shape ${fmtShape(probs.shape)}) sum to ${total}; expected a positive sum`);
      if (replacement) {
        // inverse of the cumulative distribution: the first category whose running sum exceeds u·total
        for (let s = 0; s < numSamples; s++) {
          const u = g.uniform() * total;
          let c = 0;
          let run = w[base];
          while (run <= u && c < n - 1) run += w[base + ++c];
          // u·total may round up to total itself: then fall back from the end to the last positive weight
          while (w[base + c] === 0 && c > 0) c--;
          out[r * numSamples + s] = c;
        }
      } else {
        // NOTE: the exponential race (Efraimidis-Spirakis, as PyTorch): key = w / E with E ~ Exp(1);
        // the categories in decreasing key order are distributed as draws one after another without
        // replacement. Zero weights get key 0 and so come only after every positive one (as PyTorch
        // draws them once the positive ones are used up), in their order.
        for (let c = 0; c < n; c++) {
          const e = -Math.log(1 - g.uniform());
          const wc = w[base + c];
          keys[c] = wc === 0 ? 0 : wc / e;
          order[c] = c;
        }
        order.sort((p, q) => keys[q] - keys[p]);
        for (let s = 0; s < numSamples; s++) out[r * numSamples + s] = order[s];
      }
    }
    return { buffer: out, shape: frozenShape(probs.ndim === 1 ? [numSamples] : [rows, numSamples]) };
  },
});

/**
 * Draws `numSamples` category positions from the weights `probs` (PyTorch's `torch.multinomial`):
 * 1-D weights give a 1-D result, a 2-D batch one row of samples per row. Weights need not sum to 1,
 * but must be finite and non-negative with a positive sum. Without replacement (the default) each
 * category is drawn at most once, so numSamples ≤ the number of categories. Not differentiable.
 * @example
 * ```ts
 * multinomial(tensor([0.1, 0, 0.9]), 4, { replacement: true, seed: 0 }); // mostly 2, never 1
 * ```
 */
export function multinomial(probs: TensorLike, numSamples: number, options: MultinomialOptions = {}): Tensor {
  return multinomialOp(probs instanceof Tensor ? probs : tensor(probs), { ...options, numSamples });
}

/**
 * A 1 with probability p and a 0 otherwise, for each element p of `probs`, independently (PyTorch's
 * `torch.bernoulli`): u < p for u uniform in [0, 1). Every p must lie in [0, 1].
 *
 * NOTE: not differentiable (the result never requires grad); PyTorch records a zero derivative
 * instead, which gives the same gradients.
 * @example
 * ```ts
 * bernoulli(fullLike(x, 0.8), { seed: 1 }); // a keep-mask for dropout
 * ```
 */
export const bernoulli = defineOp({
  name: 'bernoulli',
  inputs: ['probs'],
  forward(ctx: OpContext<SamplingOptions | undefined>, probs) {
    const p = probs.buffer;
    for (let i = 0; i < p.length; i++) {
      if (!(p[i] >= 0 && p[i] <= 1)) throw new ChainruleError(`bernoulli: probability ${p[i]} at flat position ${i} of probs (shape ${fmtShape(probs.shape)}) is not in [0, 1]`);
    }
    const g = generatorFor(ctx.params ?? {}, 'bernoulli');
    const out = allocBuffer(probs.dtype, p.length);
    for (let i = 0; i < p.length; i++) out[i] = g.uniform() < p[i] ? 1 : 0;
    return { buffer: out, shape: probs.shape };
  },
});

/**
 * The affine map y = x Wᵀ + b: the function {@link linear} (one fused op) and the layer that
 * computes with it, {@link Dense} (PyTorch's name: {@link Linear}).
 *
 * The function is one op because, composed from primitives, it would be transpose + matmul + add:
 * three ops, two extra buffers and three graph nodes per layer and step. Fused, the forward is one loop over contiguous buffers;
 * that per-step overhead is what decides the speed of small networks such as the article's 2-2-2.
 * The backward is still written with tensor ops, so higher-order gradients work.
 * @module
 */
import { fmtShape, allocBuffer, asTensor, ChainruleError, defineOp, shapesEqual, ShapeError, tensor, Tensor, type DType, type RandomGenerator, type TensorLike } from '@chainrule/core';
import { generatorFrom, initBound, uniformTensor, type InitScheme } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * From this many multiply-adds on, the product goes through core's matmul (its cache-blocked GEMM
 * with the WebAssembly SIMD tile: about 7x the plain loop for [1024, 48]·[48, 415]); below it the
 * plain loop saves the cost of a second op call, which is what matters for the article's 2-2-2.
 */
const GEMM_MIN_WORK = 16384;

/** x [N, in] (or [in]), W [out, in], b broadcastable to [out]: [] or [1] (one shared bias) or [out]. */
const linearOp = defineOp({
  name: 'linear',
  inputs: ['x', 'weight', 'bias'],
  forward(ctx, x, w, b) {
    ctx.save(x, w);
    const outF = w.shape[0];
    const inF = w.shape[1];
    const rows = x.ndim === 1 ? 1 : x.shape[0];
    const bs = b.buffer;
    const shared = bs.length === 1;
    const shape = x.ndim === 1 ? [outF] : [rows, outF];
    // Both paths sum each product left to right from 0, then add the bias: w1*i1 + w2*i2 + b1, the
    // article's order (core's GEMM keeps the naive loop's order, so in float64 the two agree to the
    // last bit; in float32 the GEMM path rounds the product to float32 once before adding the bias).
    if (rows * outF * inF >= GEMM_MIN_WORK) {
      // a fresh product that nothing else holds: the bias is added in place
      const out = x.matmul(w, { transposeB: true }).buffer;
      for (let n = 0; n < rows; n++) for (let o = 0; o < outF; o++) out[n * outF + o] += shared ? bs[0] : bs[o];
      return { buffer: out, shape };
    }
    const xs = x.buffer, ws = w.buffer;
    const out = allocBuffer(x.dtype, rows * outF);
    for (let n = 0; n < rows; n++) {
      const xo = n * inF;
      for (let o = 0; o < outF; o++) {
        const wo = o * inF;
        let acc = 0;
        for (let k = 0; k < inF; k++) acc += xs[xo + k] * ws[wo + k];
        out[n * outF + o] = acc + (shared ? bs[0] : bs[o]);
      }
    }
    return { buffer: out, shape };
  },
  // dx = G W; dW = Gᵀ x (the outer product for one sample); db = G, which the engine sums back
  // over the batch (and over the units, for a shared scalar bias)
  backward: {
    x: (ctx, grad) => grad.matmul(ctx.saved[1]),
    weight: (ctx, grad) => {
      const x = ctx.saved[0];
      return x.ndim === 1 ? grad.reshape([grad.shape[0], 1]).matmul(x.reshape([1, x.shape[0]])) : grad.matmul(x, { transposeA: true });
    },
    bias: (_ctx, grad) => grad,
  },
});

/**
 * The affine map y = x Wᵀ + b of a dense layer, as a differentiable function.
 *
 * - `x`: one sample [in] (gives [out]) or a batch [N, in] (gives [N, out])
 * - `weight`: [out, in], one row per output unit
 * - `bias`: [out], or a single number / [] / [1] shared by every unit; omitted for none
 *
 * dx = G W, dW = Gᵀ x, db = Σ_batch G (summed over the units too when the bias is shared).
 *
 * @example
 * ```ts
 * linear(tensor([0.05, 0.1]), tensor([[0.15, 0.2], [0.25, 0.3]]), 0.35).toArray();
 * // [0.3775, 0.3925]: net_h1 and net_h2 of the article
 * ```
 */
export function linear(x: TensorLike, weight: Tensor, bias?: TensorLike | null): Tensor {
  const tx = asTensor(x, { dtype: weight.dtype });
  if (weight.ndim !== 2) {
    throw new ShapeError(`linear: weight must be 2-D [out, in], got shape ${fmtShape(weight.shape)}`);
  }
  const [outF, inF] = weight.shape;
  if ((tx.ndim !== 1 && tx.ndim !== 2) || tx.shape[tx.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: input of shape ${fmtShape(tx.shape)} does not fit weight ${fmtShape(weight.shape)}: ` +
        `expected [${inF}] (one sample) or [N,${inF}] (a batch)`,
    );
  }
  const tb = bias === undefined || bias === null ? tensor(0, { dtype: weight.dtype }) : asTensor(bias, { dtype: weight.dtype });
  if (tb.ndim > 1 || (tb.size !== 1 && tb.size !== outF)) {
    throw new ShapeError(`linear: bias of shape ${fmtShape(tb.shape)} does not fit ${outF} output units: expected [${outF}], [1] or a scalar []`);
  }
  return linearOp(tx, weight, tb);
}

// ------------------------------------------------------------------ the layer

/** Options of {@link Dense}. @example `{ weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true }` */
export interface DenseOptions {
  /**
   * Random initialisation of the weight (see {@link initBound}): `'xavier'` (default, Glorot
   * uniform), `'he'` (Kaiming uniform) or `'uniform'` (PyTorch's nn.Linear default, which also
   * draws the bias from U(-1/√in, 1/√in); the other schemes start the bias at 0).
   */
  init?: InitScheme;
  /**
   * Seed of a fresh generator for the initialisation. Without `seed` or `generator` the layer draws
   * from core's global generator, as PyTorch's layers do: two layers differ, and `manualSeed(s)`
   * before building a network makes the whole network reproducible.
   */
  seed?: number;
  /** Generator to draw the initialisation from (advancing it), instead of `seed` or the global one. */
  generator?: RandomGenerator;
  /** Exact initial weight, shape [out, in] (row o holds the weights into unit o); no random draw. */
  weight?: TensorLike;
  /**
   * `true` (default): a bias per output unit, shape [out]. `'shared'`: ONE scalar bias (shape [])
   * shared by every unit of the layer, as the article's b1 feeds both h1 and h2. `false`: no bias.
   */
  bias?: boolean | 'shared';
  /** Exact initial bias: a number for every unit (or the shared bias), or one value per unit. */
  biasValue?: number | readonly number[];
  /** Create the bias with `requiresGrad = false` (the article never trains its biases). */
  freezeBias?: boolean;
  /** Element type of the parameters (default float64). */
  dtype?: DType;
}

/**
 * A fully connected layer: y = x Wᵀ + b with `weight` W of shape [out, in] and `bias` b of shape
 * [out] (or a single shared scalar, or none). Accepts one sample [in] (gives [out]) or a batch
 * [..., in] (gives [..., out]). Computed by the fused {@link linear} op.
 *
 * @example
 * ```ts
 * // The article's hidden layer: w1..w4 and one bias b1 = 0.35 shared by h1 and h2, never trained.
 * const hidden = new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true });
 * hidden.forward(tensor([0.05, 0.1])).sigmoid().toArray(); // [0.593269992..., 0.596884378...]
 * ```
 */
export class Dense extends Module {
  /** Number of input features. */
  readonly inFeatures: number;
  /** Number of output units. */
  readonly outFeatures: number;
  /** The weight W, shape [out, in]. */
  weight: Parameter;
  /** The bias: shape [out], a shared scalar [], or null. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    for (const [what, n] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new ChainruleError(`Dense: ${what} must be a positive integer, got ${n}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float64';
    const init = options.init ?? 'xavier';
    const bound = initBound(init, inFeatures, outFeatures);
    const needsRandom = options.weight === undefined || (init === 'uniform' && options.bias !== false && options.biasValue === undefined);
    const generator = needsRandom ? generatorFrom(options, 'Dense') : undefined;

    if (options.weight !== undefined) {
      const w = tensor(options.weight, { dtype });
      if (!shapesEqual(w.shape, [outFeatures, inFeatures])) {
        throw new ShapeError(`Dense: weight of shape ${fmtShape(w.shape)} does not fit ${inFeatures} inputs and ${outFeatures} units: expected [${outFeatures},${inFeatures}] ([out, in])`);
      }
      this.weight = new Parameter(w);
    } else {
      this.weight = new Parameter(uniformTensor([outFeatures, inFeatures], bound, generator, dtype));
    }

    const biasKind = options.bias ?? true;
    if (biasKind === false) {
      if (options.biasValue !== undefined) throw new ChainruleError('Dense: biasValue given but bias is false');
      this.bias = null;
    } else {
      const shape = biasKind === 'shared' ? [] : [outFeatures];
      let b: Tensor;
      const v = options.biasValue;
      if (v === undefined) {
        b = init === 'uniform' ? uniformTensor(shape, 1 / Math.sqrt(inFeatures), generator, dtype) : tensor(biasKind === 'shared' ? 0 : new Array<number>(outFeatures).fill(0), { dtype });
      } else if (typeof v === 'number') {
        b = tensor(biasKind === 'shared' ? v : new Array<number>(outFeatures).fill(v), { dtype });
      } else {
        const want = biasKind === 'shared' ? 1 : outFeatures;
        if (v.length !== want) {
          throw new ShapeError(`Dense: biasValue has ${v.length} values but the ${biasKind === 'shared' ? 'shared bias takes 1' : `layer has ${outFeatures} units`}`);
        }
        b = tensor(biasKind === 'shared' ? v[0] : v, { dtype });
      }
      this.bias = new Parameter(b, { requiresGrad: !options.freezeBias });
    }
  }

  /** `in=2, out=2, bias=shared (frozen)`: sizes and the kind of bias. */
  override extraRepr(): string {
    const b = this.bias;
    const bias = b === null ? 'none' : b.ndim === 0 ? 'shared' : `[${b.shape[0]}]`;
    return `in=${this.inFeatures}, out=${this.outFeatures}, bias=${bias}${b !== null && !b.requiresGrad ? ' (frozen)' : ''}`;
  }

  /** y = x Wᵀ + b for x of shape [in], [N, in] or [..., in]. */
  forward(x: Tensor): Tensor {
    if (x.ndim > 2) {
      const lead = x.shape.slice(0, -1);
      if (x.shape[x.ndim - 1] !== this.inFeatures) {
        throw new ShapeError(`Dense: input of shape ${fmtShape(x.shape)} does not fit ${this.inFeatures} input features`);
      }
      return linear(x.reshape([-1, this.inFeatures]), this.weight, this.bias).reshape([...lead, this.outFeatures]);
    }
    return linear(x, this.weight, this.bias);
  }
}

/**
 * PyTorch's name for {@link Dense}: `new Linear(inFeatures, outFeatures, options)`.
 * @example
 * ```ts
 * new Linear(3, 1).weight.shape; // [1, 3]
 * ```
 */
export const Linear = Dense;
/** PyTorch's name for {@link Dense}. @example `const layer: Linear = new Linear(2, 2)` */
export type Linear = Dense;

/**
 * Dense (fully connected) layer: y = x Wᵀ + b.
 * @module
 */
import { shapesEqual, fmtShape, ChainruleError, ShapeError, tensor, type DType, type RandomGenerator, type Tensor, type TensorLike } from '@chainrule/core';
import { generatorFrom, initBound, uniformTensor, type InitScheme } from './init.js';
import { linear } from './linear.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of {@link Dense}. @example `{ weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true }` */
export interface DenseOptions {
  /**
   * Random initialisation of the weight (see {@link initBound}): `'xavier'` (default, Glorot
   * uniform), `'he'` (Kaiming uniform) or `'uniform'` (PyTorch's nn.Linear default, which also
   * draws the bias from U(-1/√in, 1/√in); the other schemes start the bias at 0).
   */
  init?: InitScheme;
  /** Seed of a fresh generator for the initialisation (default 0, so layers are reproducible). */
  seed?: number;
  /** RandomGenerator to draw the initialisation from (advancing it), instead of `seed`. */
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
    const generator = needsRandom ? generatorFrom(options, 'Dense') : null;

    if (options.weight !== undefined) {
      const w = tensor(options.weight, { dtype });
      if (!shapesEqual(w.shape, [outFeatures, inFeatures])) {
        throw new ShapeError(`Dense: weight of shape ${fmtShape(w.shape)} does not fit ${inFeatures} inputs and ${outFeatures} units: expected [${outFeatures},${inFeatures}] ([out, in])`);
      }
      this.weight = new Parameter(w);
    } else {
      this.weight = new Parameter(uniformTensor([outFeatures, inFeatures], bound, generator!, dtype));
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
        b = init === 'uniform' ? uniformTensor(shape, 1 / Math.sqrt(inFeatures), generator!, dtype) : tensor(biasKind === 'shared' ? 0 : new Array<number>(outFeatures).fill(0), { dtype });
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

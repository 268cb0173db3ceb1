/**
 * Layer normalisation over the last dimensions of each sample.
 * @module
 */
import { ChainruleError, fmtShape, ones, ShapeError, zeros, type DType, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';
import { Parameter } from './parameter.js';

/** Options of {@link layerNorm}. @example `{ weight: gamma, bias: beta, eps: 1e-5 }` */
export interface LayerNormOptions {
  /** γ, of the normalized shape; none for 1. */
  weight?: Tensor | null;
  /** β, of the normalized shape; none for 0. */
  bias?: Tensor | null;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/** The normalized shape as a list of positive integers, or a ChainruleError naming `where`. */
function checkNormalizedShape(normalizedShape: number | readonly number[], where: string): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
  if (shape === null || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ChainruleError(`${where}: normalizedShape must be a positive integer or a non-empty array of them, got ${describeValue(normalizedShape)}`);
  }
  return shape;
}

function checkEps(eps: unknown, where: string): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ChainruleError(`${where}: eps must be a finite number ≥ 0, got ${describeValue(eps)}`);
  return eps;
}

/**
 * Layer normalisation (PyTorch's `F.layer_norm`): each sample is normalised over its last
 * dimensions, those of `normalizedShape` (its mean and biased variance taken over them), then scaled
 * and shifted elementwise:
 *
 *   y = (x − E[x]) / √(Var[x] + eps) · γ + β,  Var[x] = E[(x − E[x])²]
 *
 * Composed of core ops, so its gradients (of every order) come from theirs.
 * @example
 * ```ts
 * layerNorm(tensor([[1, 2, 3]]), 3, { eps: 0 }).toArray(); // [[-1.2247…, 0, 1.2247…]]
 * ```
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Tensor {
  checkOptions(options, ['weight', 'bias', 'eps'], 'layerNorm');
  const shape = checkNormalizedShape(normalizedShape, 'layerNorm');
  return normalizeLayer(x, shape, options.weight ?? null, options.bias ?? null, checkEps(options.eps ?? 1e-5, 'layerNorm'), 'layerNorm');
}

/** {@link layerNorm} with checked arguments; `where` names the caller in errors. */
function normalizeLayer(x: Tensor, shape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number, where: string): Tensor {
  const k = shape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (x.ndim < k || tail.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${where}: input of shape ${fmtShape(x.shape)} does not end with the normalized shape ${fmtShape(shape)}: expected [*, ${shape.join(', ')}]`);
  }
  for (const [what, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== null && (t.ndim !== k || t.shape.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`${where}: ${what} of shape ${fmtShape(t.shape)} does not match the normalized shape ${fmtShape(shape)}`);
    }
  }
  const axes = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const centred = x.sub(x.mean(axes, true));
  let y = centred.div(centred.square().mean(axes, true).add(eps).sqrt());
  if (weight !== null) y = y.mul(weight);
  if (bias !== null) y = y.add(bias);
  return y;
}

/**
 * Layer normalisation as a layer (PyTorch's `nn.LayerNorm`): {@link layerNorm} over the last
 * dimensions `normalizedShape`, with learnable γ = `weight` (initialised to ones) and β = `bias`
 * (zeros) of that shape when `elementwiseAffine` (default true). Behaves the same in training and
 * evaluation: it keeps no statistics.
 *
 * @example
 * ```ts
 * const norm = new LayerNorm(8);          // normalises the last dimension, of size 8
 * norm.forward(randn([4, 10, 8])).shape;  // [4, 10, 8]
 * ```
 */
export class LayerNorm extends Module {
  /** The trailing shape normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance (default 1e-5). */
  readonly eps: number;
  /** Whether γ and β are learned. */
  readonly elementwiseAffine: boolean;
  /** γ, ones at first; null without elementwiseAffine. */
  weight: Parameter | null;
  /** β, zeros at first; null without elementwiseAffine. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: { eps?: number; elementwiseAffine?: boolean; dtype?: DType } = {}) {
    super();
    checkOptions(options, ['eps', 'elementwiseAffine', 'dtype'], 'LayerNorm');
    this.normalizedShape = Object.freeze(checkNormalizedShape(normalizedShape, 'LayerNorm'));
    this.eps = checkEps(options.eps ?? 1e-5, 'LayerNorm');
    const affine = options.elementwiseAffine ?? true;
    if (typeof affine !== 'boolean') throw new ChainruleError(`LayerNorm: elementwiseAffine must be true or false, got ${describeValue(affine)}`);
    this.elementwiseAffine = affine;
    const dtype = options.dtype ?? 'float64';
    this.weight = affine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = affine ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  /** `[8], eps=0.00001, elementwiseAffine=true`. */
  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }

  forward(x: Tensor): Tensor {
    return normalizeLayer(x, this.normalizedShape, this.weight, this.bias, this.eps, 'LayerNorm');
  }
}

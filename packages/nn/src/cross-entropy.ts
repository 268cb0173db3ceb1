/**
 * Classification losses over class scores: cross-entropy from logits (class indices or class
 * probabilities, with class weights, an ignored index and label smoothing) and the negative
 * log-likelihood of log-probabilities.
 * @module
 */
import { asTensor, ChainruleError, fmtShape, shapesEqual, ShapeError, tensor, type Tensor, type TensorLike } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { reduce, reductionOf, type LossOptions, type Reduction } from './losses.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';

const REDUCTIONS: readonly Reduction[] = ['none', 'mean', 'sum'];

/** Options of {@link nllLoss} and {@link NLLLoss}, with PyTorch's defaults. @example `{ weight: [1, 2, 1], ignoreIndex: 0 }` */
export interface NLLLossOptions extends LossOptions {
  /** A weight per class [C] (default: all 1); `'mean'` then divides by the summed weights of the targets. */
  weight?: TensorLike | null;
  /** A target equal to this contributes nothing, to the sum or to the mean's count (default -100). */
  ignoreIndex?: number;
}

/** Options of {@link crossEntropy} and {@link CrossEntropyLoss}. @example `{ labelSmoothing: 0.1 }` */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** ε in [0, 1] (default 0): the target becomes (1 − ε)·target + ε/C uniform (PyTorch's label smoothing). */
  labelSmoothing?: number;
}

/** Scores [N, C, d…] or [C] as rows [M, C] (the class axis last), with what it takes to shape per-sample results back. */
interface Rows {
  rows: Tensor;
  /** The shape of one result per sample: [N, d…], or [] for one sample [C]. */
  sampleShape: number[];
  C: number;
}

function toRows(x: Tensor, what: string, where: string): Rows {
  if (x.ndim === 0) throw new ShapeError(`${where}: ${what} must be [N, C], [N, C, d…] or [C], got a scalar`);
  const C = x.ndim === 1 ? x.shape[0] : x.shape[1];
  if (x.ndim <= 2) return { rows: x.ndim === 1 ? x.reshape([1, C]) : x, sampleShape: x.ndim === 1 ? [] : [x.shape[0]], C };
  // [N, C, d1, …] → [N, d1, …, C] → [M, C]: each position of each sample is a row
  const order = [0, ...x.shape.map((_, i) => i).slice(2), 1];
  const sampleShape = [x.shape[0], ...x.shape.slice(2)];
  return { rows: x.permute(order).reshape([-1, C]), sampleShape, C };
}

function checkWeight(weight: TensorLike | null | undefined, C: number, dtype: Tensor['dtype'], where: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const w = asTensor(weight, { dtype });
  if (w.ndim !== 1 || w.shape[0] !== C) throw new ShapeError(`${where}: weight of shape ${fmtShape(w.shape)} does not fit ${C} classes: expected one weight per class [${C}]`);
  return w;
}

function checkIgnoreIndex(v: unknown, where: string): number {
  if (!Number.isInteger(v)) throw new ChainruleError(`${where}: ignoreIndex must be an integer, got ${describeValue(v)}`);
  return v as number;
}

function checkSmoothing(v: unknown, where: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ChainruleError(`${where}: labelSmoothing must be between 0 and 1, got ${describeValue(v)}`);
  return v;
}

/**
 * The per-sample negative log-likelihoods of rows of log-probabilities against class indices:
 * ℓₙ = −w_{yₙ}·logp[n, yₙ], 0 for an ignored target; and the sum of the weights w_{yₙ} of the
 * targets that are not ignored (the denominator of the weighted mean). The picked log-probability
 * is taken with gather, so a −∞ in another class of the row never meets a 0.
 */
function pickedNll(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, sampleShape: number[], where: string): { perSample: Tensor; keep: Tensor; totalWeight: number; kept: number } {
  const [M, C] = logp.shape;
  if (!shapesEqual(target.shape, sampleShape)) {
    throw new ShapeError(`${where}: target of shape ${fmtShape(target.shape)} does not fit: expected class indices of shape ${fmtShape(sampleShape)}`);
  }
  const ys = target.buffer;
  const index = new Array<number>(M);
  const keep = new Array<number>(M);
  const w = new Array<number>(M);
  let totalWeight = 0;
  let kept = 0;
  for (let n = 0; n < M; n++) {
    const y = ys[n];
    if (y === ignoreIndex) {
      [index[n], keep[n], w[n]] = [0, 0, 0];
      continue;
    }
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new ChainruleError(`${where}: target ${n} is ${y}, not a class index in 0..${C - 1}${ignoreIndex < 0 || ignoreIndex >= C ? ` (or the ignored ${ignoreIndex})` : ''}`);
    }
    index[n] = y;
    keep[n] = 1;
    w[n] = weight === null ? 1 : weight.buffer[y];
    totalWeight += w[n];
    kept++;
  }
  const dtype = logp.dtype;
  if (kept === M && weight === null) {
    // every target kept, no class weights: gather by the target tensor itself (so the index stays
    // connected to the input, which exportOnnx follows), and weights of 1 change nothing
    const perSample = logp.gather(1, target.reshape([M, 1])).reshape([M]).neg();
    return { perSample, keep: tensor(keep, { dtype }), totalWeight, kept };
  }
  const picked = logp.gather(1, tensor(index, { dtype }).reshape([M, 1])).reshape([M]);
  const keepMask = tensor(keep, { dtype });
  // where(): an ignored row's loss is 0 even if its picked value is ±∞
  const perSample = picked.neg().mul(tensor(w, { dtype })).where(keepMask, 0);
  return { perSample, keep: keepMask, totalWeight, kept };
}

/**
 * Σ/(summed weights) for 'mean' (PyTorch's weighted mean), else {@link reduce}. NOTE: with every
 * target ignored the mean is 0/0 = NaN, and its gradient is 0, as in PyTorch (whose backward only
 * visits the targets kept), not the ∞·0 = NaN of differentiating the division.
 */
function reduceWeighted(perSample: Tensor, reduction: Reduction, totalWeight: number, kept: number, sampleShape: number[]): Tensor {
  if (reduction === 'mean') return kept === 0 ? perSample.sum().mul(0).add(NaN) : perSample.sum().div(totalWeight);
  return reduction === 'sum' ? perSample.sum() : perSample.reshape(sampleShape);
}

/**
 * Negative log-likelihood of log-probabilities `logProbs` [N, C] ([N, C, d…], or [C] for one sample)
 * against class indices `target` [N] ([N, d…], or a number), PyTorch's `F.nll_loss`:
 *
 *   ℓₙ = −w_{yₙ}·logProbs[n, yₙ], 0 where yₙ = ignoreIndex
 *
 * `'mean'` (default) divides Σℓₙ by Σ w_{yₙ} over the targets not ignored (by their count without
 * weights); `'sum'` adds; `'none'` returns ℓ of the target's shape. d ℓₙ/d logProbs[n, yₙ] = −w_{yₙ}.
 * @example
 * ```ts
 * nllLoss(tensor([[-1, -2], [-3, -0.5]]), [0, 1]).item(); // (1 + 0.5)/2 = 0.75
 * ```
 */
export function nllLoss(logProbs: Tensor, target: TensorLike, options: NLLLossOptions = {}): Tensor {
  checkOptions(options, ['reduction', 'weight', 'ignoreIndex'], 'nllLoss');
  const reduction = reductionOf(options, REDUCTIONS, 'nllLoss');
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, 'nllLoss');
  const { rows, sampleShape, C } = toRows(logProbs, 'log-probabilities', 'nllLoss');
  const weight = checkWeight(options.weight, C, logProbs.dtype, 'nllLoss');
  const t = asTensor(target, { dtype: logProbs.dtype });
  const { perSample, totalWeight, kept } = pickedNll(rows, t, weight, ignoreIndex, sampleShape, 'nllLoss');
  return reduceWeighted(perSample, reduction, totalWeight, kept, sampleShape);
}

/**
 * Cross-entropy of class scores `logits` against `target`, from logits in a stable form (PyTorch's
 * `F.cross_entropy`), with logp = logSoftmax(logits) along the class axis:
 *
 * - `logits` [N, C] (a batch), [N, C, d…] (e.g. a class per pixel or per token) or [C] (one sample)
 * - `target` as class indices (integers, of shape [N] / [N, d…], or a number for one sample):
 *   ℓₙ = −w_{yₙ}·logp[n, yₙ] (see {@link nllLoss}: `weight`, `ignoreIndex` and the weighted mean)
 * - or as class probabilities of the logits' shape: ℓₙ = −Σ_c w_c·pₙc·logp[n, c], and `'mean'`
 *   divides by the number of samples (the weights do not enter the denominator); `ignoreIndex`
 *   must then be negative, as in PyTorch
 * - `labelSmoothing` ε: the target distribution becomes (1 − ε)·target + ε/C; with indices
 *   ℓₙ = (1 − ε)·nllₙ + (ε/C)·(−Σ_c w_c·logp[n, c]), each part reduced as nll
 *
 * d ℓₙ/d logits = softmax(xₙ) − pₙ without weights or smoothing (pₙ the one-hot of yₙ for indices).
 *
 * NOTE: with indices, the picked log-probability is gathered, never a one-hot product, so a masked
 * logit of −Infinity, or logits of ±1e308, give PyTorch's finite loss ([[0, −Infinity, 1]] with
 * target 0: 1.3132616875182228; [[1e308, −1e308, 0]] with target 0: 0) instead of −Infinity · 0 = NaN.
 *
 * @example
 * ```ts
 * crossEntropy(tensor([[0, 0]]), [1]).item(); // log 2 ≈ 0.6931
 * crossEntropy(logits, labels, { labelSmoothing: 0.1, ignoreIndex: 0 });
 * ```
 */
export function crossEntropy(logits: Tensor, target: TensorLike, options: CrossEntropyOptions = {}): Tensor {
  checkOptions(options, ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'], 'crossEntropy');
  const reduction = reductionOf(options, REDUCTIONS, 'crossEntropy');
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, 'crossEntropy');
  const eps = checkSmoothing(options.labelSmoothing ?? 0, 'crossEntropy');
  const { rows, sampleShape, C } = toRows(logits, 'logits', 'crossEntropy');
  const weight = checkWeight(options.weight, C, logits.dtype, 'crossEntropy');
  const t = asTensor(target, { dtype: logits.dtype });
  const logp = rows.logSoftmax(1);

  if (shapesEqual(t.shape, logits.shape)) {
    if (ignoreIndex >= 0) throw new ChainruleError(`crossEntropy: ignoreIndex ${ignoreIndex} is not supported with class probabilities as the target (it must be negative)`);
    // probabilities, as rows like the logits; smoothed toward the uniform distribution
    let p = toRows(t, 'target', 'crossEntropy').rows;
    if (eps > 0) p = p.mul(1 - eps).add(eps / C);
    let terms = logp.mul(p);
    if (weight !== null) terms = terms.mul(weight);
    if (reduction === 'none') return terms.sum(1).neg().reshape(sampleShape);
    const total = terms.sum().neg();
    return reduction === 'sum' ? total : total.div(rows.shape[0]);
  }

  if (!shapesEqual(t.shape, sampleShape)) {
    throw new ShapeError(
      `crossEntropy: logits of shape ${fmtShape(logits.shape)} and target of shape ${fmtShape(t.shape)} do not fit: ` +
        `expected class indices of shape ${fmtShape(sampleShape)} or probabilities of shape ${fmtShape(logits.shape)}`,
    );
  }
  const { perSample, keep, totalWeight, kept } = pickedNll(logp, t, weight, ignoreIndex, sampleShape, 'crossEntropy');
  const nll = reduceWeighted(perSample, reduction, totalWeight, kept, sampleShape);
  if (eps === 0) return nll;
  // the smoothing term: −Σ_c w_c·logp[n, c] per sample, 0 where ignored, reduced as nll (PyTorch's rule)
  const smooth = (weight === null ? logp : logp.mul(weight)).sum(1).neg().where(keep, 0);
  return nll.mul(1 - eps).add(reduceWeighted(smooth, reduction, totalWeight, kept, sampleShape).mul(eps / C));
}

/**
 * {@link crossEntropy} as a module. A class `weight` is kept as a buffer (in the state dict), as in PyTorch.
 * @example
 * ```ts
 * new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(tensor([[2, 0, -1]]), [0]);
 * ```
 */
export class CrossEntropyLoss extends Module {
  readonly reduction: Reduction;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  /** The class weights [C] (a buffer), or null. */
  weight: Tensor | null;
  constructor(options: CrossEntropyOptions = {}) {
    super();
    checkOptions(options, ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'], 'CrossEntropyLoss');
    this.reduction = reductionOf(options, REDUCTIONS, 'CrossEntropyLoss');
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, 'CrossEntropyLoss');
    this.labelSmoothing = checkSmoothing(options.labelSmoothing ?? 0, 'CrossEntropyLoss');
    this.weight = this.registerBuffer('weight', classWeights(options.weight, 'CrossEntropyLoss'));
  }
  /** `reduction=mean, ignoreIndex=-100, labelSmoothing=0`. */
  override extraRepr(): string {
    return `reduction=${this.reduction}, ignoreIndex=${this.ignoreIndex}, labelSmoothing=${this.labelSmoothing}${this.weight === null ? '' : ', weight'}`;
  }
  forward(logits: Tensor, target: TensorLike): Tensor {
    return crossEntropy(logits, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
  }
}

/**
 * {@link nllLoss} as a module, e.g. after a `logSoftmax`. A class `weight` is kept as a buffer.
 * @example
 * ```ts
 * new NLLLoss({ ignoreIndex: 0 }).forward(logits.logSoftmax(1), labels);
 * ```
 */
export class NLLLoss extends Module {
  readonly reduction: Reduction;
  readonly ignoreIndex: number;
  /** The class weights [C] (a buffer), or null. */
  weight: Tensor | null;
  constructor(options: NLLLossOptions = {}) {
    super();
    checkOptions(options, ['reduction', 'weight', 'ignoreIndex'], 'NLLLoss');
    this.reduction = reductionOf(options, REDUCTIONS, 'NLLLoss');
    this.ignoreIndex = checkIgnoreIndex(options.ignoreIndex ?? -100, 'NLLLoss');
    this.weight = this.registerBuffer('weight', classWeights(options.weight, 'NLLLoss'));
  }
  /** `reduction=mean, ignoreIndex=-100`. */
  override extraRepr(): string {
    return `reduction=${this.reduction}, ignoreIndex=${this.ignoreIndex}${this.weight === null ? '' : ', weight'}`;
  }
  forward(logProbs: Tensor, target: TensorLike): Tensor {
    return nllLoss(logProbs, target, { reduction: this.reduction, weight: this.weight, ignoreIndex: this.ignoreIndex });
  }
}

/** A copy of the class weights as a 1-D tensor, or null. */
function classWeights(weight: TensorLike | null | undefined, where: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const w = tensor(weight);
  if (w.ndim !== 1) throw new ShapeError(`${where}: weight must be 1-D, one weight per class; got shape ${fmtShape(w.shape)}`);
  return w;
}

/**
 * Classification losses over class scores: cross-entropy from logits (class indices or class
 * probabilities, with class weights, an ignored index and label smoothing) and the negative
 * log-likelihood of log-probabilities.
 * @module
 */
import { allocBuffer, asTensor, ChainruleError, defineOp, fmtShape, shapesEqual, ShapeError, tensor, type DType, type OpContext, type Tensor, type TensorLike } from '@chainrule/core';
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
 * The class index of each target [M], in `dtype`, for gather: the target itself, or 0 where it is
 * the ignored index (that row is masked out after). An op, not a loop in {@link pickedNll}, so that
 * a compiled step reads each new batch's targets, and checks them, at every replay.
 */
const classIndex = defineOp({
  name: 'classIndex',
  inputs: ['target'],
  forward(ctx: OpContext<{ classes: number; ignoreIndex: number; dtype: DType; where: string }>, target) {
    const { classes: C, ignoreIndex, dtype, where } = ctx.params;
    const ys = target.buffer;
    const index = allocBuffer(dtype, ys.length); // zeros: an ignored target keeps index 0
    for (let n = 0; n < ys.length; n++) {
      const y = ys[n];
      if (y === ignoreIndex) continue;
      if (!Number.isInteger(y) || y < 0 || y >= C) {
        throw new ChainruleError(`${where}: target ${n} is ${y}, not a class index in 0..${C - 1}${ignoreIndex < 0 || ignoreIndex >= C ? ` (or the ignored ${ignoreIndex})` : ''}`);
      }
      index[n] = y;
    }
    return { buffer: index, shape: [ys.length] };
  },
});

/** What {@link pickedNll} gives: the per-sample losses, which targets count, and the mean's denominator. */
interface PickedNll {
  /** ℓₙ [M], 0 where ignored. */
  perSample: Tensor;
  /** 1 where the target is kept, 0 where ignored [M]. */
  keep: Tensor;
  /** For `'mean'`: Σ w_{yₙ} over the kept targets and their count (the same tensor without class weights); else null. */
  denominator: { totalWeight: Tensor; kept: Tensor } | null;
}

/**
 * The per-sample negative log-likelihoods of rows of log-probabilities against class indices:
 * ℓₙ = −w_{yₙ}·logp[n, yₙ], 0 for an ignored target; and for `'mean'` the sum of the weights
 * w_{yₙ} of the targets that are not ignored (the denominator of the weighted mean). Everything
 * that depends on the targets' values is computed by ops, so a compiled step follows each batch.
 * The picked log-probability is taken with gather, so a −∞ in another class of the row never meets a 0.
 */
function pickedNll(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction, sampleShape: number[], where: string): PickedNll {
  const [M, C] = logp.shape;
  if (!shapesEqual(target.shape, sampleShape)) {
    throw new ShapeError(`${where}: target of shape ${fmtShape(target.shape)} does not fit: expected class indices of shape ${fmtShape(sampleShape)}`);
  }
  const dtype = logp.dtype;
  const index = classIndex(target, { classes: C, ignoreIndex, dtype, where });
  const keep = inDType(target.ne(ignoreIndex).reshape([M]), dtype);
  const nll = logp.gather(1, index.reshape([M, 1])).reshape([M]).neg();
  // where(): an ignored row's loss is 0 even if its picked value is ±∞
  if (weight === null) {
    const count = reduction === 'mean' ? keep.sum() : null; // every weight is 1: the summed weights are the count
    return { perSample: nll.where(keep, 0), keep, denominator: count === null ? null : { totalWeight: count, kept: count } };
  }
  // Each target's class weight, 0 where ignored, in the weights' own dtype (a module keeps float64
  // weights, which a float32 model rounds per sample, and their sum once). The class weights get no
  // gradient, as in PyTorch (its nll_loss has no derivative for them).
  const w = weight.detach().gather(0, inDType(index, weight.dtype)).where(inDType(keep, weight.dtype), 0);
  return {
    perSample: nll.mul(inDType(w, dtype)).where(keep, 0),
    keep,
    denominator: reduction === 'mean' ? { totalWeight: inDType(w.sum(), dtype), kept: keep.sum() } : null,
  };
}

/** `t` in `dtype`: itself, or a cast. */
function inDType(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : t.cast(dtype);
}

/**
 * Σℓ / Σw, the weighted mean of `sum` = Σℓ over `totalWeight` = Σw, given `kept`, the number of
 * targets not ignored. NOTE: with every target ignored the mean is 0/0, NaN (written as NaN rather
 * than divided, so its bits do not depend on the processor's default NaN), and its gradient is 0,
 * as in PyTorch (whose backward only visits the targets kept), not the ∞·0 = NaN of differentiating
 * the division and then the mask of the ignored targets. With targets kept but Σw = 0 (zero class
 * weights) the gradient is ∞·0 = NaN, as in PyTorch.
 */
const weightedMean = defineOp({
  name: 'weightedMean',
  inputs: ['sum', 'totalWeight', 'kept'],
  forward(ctx, sum, totalWeight, kept) {
    ctx.save(totalWeight, kept);
    const out = allocBuffer(sum.dtype, 1);
    out[0] = kept.buffer[0] === 0 ? NaN : sum.buffer[0] / totalWeight.buffer[0];
    return { buffer: out, shape: [] };
  },
  // d(s/w)/ds = 1/w where a target is kept, else 0 (nothing to pass the gradient on to)
  backward: {
    sum: (ctx, grad) => {
      const [totalWeight, kept] = ctx.saved;
      return grad.div(totalWeight).where(kept.ne(0), 0);
    },
  },
});

/** {@link weightedMean} for 'mean' (PyTorch's weighted mean), else {@link reduce}. */
function reduceWeighted(perSample: Tensor, reduction: Reduction, picked: PickedNll, sampleShape: number[]): Tensor {
  if (picked.denominator !== null) return weightedMean(perSample.sum(), picked.denominator.totalWeight, picked.denominator.kept);
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
  const picked = pickedNll(rows, t, weight, ignoreIndex, reduction, sampleShape, 'nllLoss');
  return reduceWeighted(picked.perSample, reduction, picked, sampleShape);
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
  const picked = pickedNll(logp, t, weight, ignoreIndex, reduction, sampleShape, 'crossEntropy');
  const nll = reduceWeighted(picked.perSample, reduction, picked, sampleShape);
  if (eps === 0) return nll;
  // the smoothing term: −Σ_c w_c·logp[n, c] per sample, 0 where ignored, reduced as nll (PyTorch's rule)
  const smooth = (weight === null ? logp : logp.mul(weight)).sum(1).neg().where(picked.keep, 0);
  return nll.mul(1 - eps).add(reduceWeighted(smooth, reduction, picked, sampleShape).mul(eps / C));
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

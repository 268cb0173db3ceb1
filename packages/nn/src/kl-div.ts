/**
 * The Kullback–Leibler divergence loss.
 * @module
 */
import { allocBuffer, asTensor, ChainruleError, defineOp, type Tensor, type TensorLike } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { checkSameShape, reduce, reductionOf } from './losses.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';

/** {@link klDiv}'s reductions: `'batchmean'` divides the sum by the batch size, the true KL divergence per sample. @example `'batchmean'` */
export type KLDivReduction = 'none' | 'mean' | 'sum' | 'batchmean';

/** Options of {@link klDiv} and {@link KLDivLoss}. @example `{ reduction: 'batchmean', logTarget: true }` */
export interface KLDivOptions {
  /** `'mean'` (default, PyTorch's, the mean over every element), `'batchmean'`, `'sum'` or `'none'`. */
  reduction?: KLDivReduction;
  /** The target is given as log-probabilities (default false: as probabilities). */
  logTarget?: boolean;
}

/**
 * t·log t elementwise, 0 where t = 0 (PyTorch's xlogy(t, t)); NaN for t < 0.
 * d(t log t) = (log t + 1) dt. NOTE: at t = 0 that is −∞; PyTorch's xlogy gives NaN there.
 */
const tLogT = defineOp({
  name: 'xlogx',
  inputs: ['t'],
  forward(ctx, t) {
    ctx.save(t);
    const ts = t.buffer;
    const out = allocBuffer(t.dtype, ts.length);
    for (let i = 0; i < ts.length; i++) out[i] = ts[i] === 0 ? 0 : ts[i] * Math.log(ts[i]);
    return { buffer: out, shape: t.shape };
  },
  backward: { t: (ctx, grad) => grad.mul(ctx.saved[0].log().add(1)) },
});

/**
 * The Kullback–Leibler divergence loss of log-probabilities `input` from `target`, elementwise
 * (PyTorch's `F.kl_div`):
 *
 *   ℓᵢ = tᵢ·(log tᵢ − xᵢ) (0 where tᵢ = 0), or with `logTarget`: e^(tᵢ)·(tᵢ − xᵢ)
 *
 * reduced by `'mean'` (default: over all elements, as PyTorch's default, which is not the KL
 * divergence), `'batchmean'` (the sum divided by the size of dimension 0: KL per sample),
 * `'sum'` or `'none'`. dℓ/dx = −t (−e^t with logTarget).
 * @example
 * ```ts
 * const logQ = tensor([[0.25, 0.75]]).log();
 * klDiv(logQ, [[0.5, 0.5]], { reduction: 'batchmean' }).item(); // 0.5·log 2 + 0.5·log(2/3) ≈ 0.1438
 * ```
 */
export function klDiv(input: Tensor, target: TensorLike, options: KLDivOptions = {}): Tensor {
  checkOptions(options, ['reduction', 'logTarget'], 'klDiv');
  const reduction = reductionOf(options, ['none', 'mean', 'sum', 'batchmean'], 'klDiv');
  const logTarget = options.logTarget ?? false;
  if (typeof logTarget !== 'boolean') throw new ChainruleError(`klDiv: logTarget must be true or false, got ${describeValue(logTarget)}`);
  const t = asTensor(target, { dtype: input.dtype });
  checkSameShape('klDiv', input, t, 'input');
  const terms = logTarget ? t.exp().mul(t.sub(input)) : tLogT(t).sub(t.mul(input));
  if (reduction !== 'batchmean') return reduce(terms, reduction);
  return input.ndim === 0 ? terms.sum() : terms.sum().div(input.shape[0]);
}

/**
 * {@link klDiv} as a module.
 * @example
 * ```ts
 * new KLDivLoss({ reduction: 'batchmean' }).forward(logits.logSoftmax(1), targetProbs);
 * ```
 */
export class KLDivLoss extends Module {
  readonly reduction: KLDivReduction;
  readonly logTarget: boolean;
  constructor(options: KLDivOptions = {}) {
    super();
    checkOptions(options, ['reduction', 'logTarget'], 'KLDivLoss');
    this.reduction = reductionOf(options, ['none', 'mean', 'sum', 'batchmean'], 'KLDivLoss');
    const logTarget = options.logTarget ?? false;
    if (typeof logTarget !== 'boolean') throw new ChainruleError(`KLDivLoss: logTarget must be true or false, got ${describeValue(logTarget)}`);
    this.logTarget = logTarget;
  }
  /** `reduction=batchmean, logTarget=false`. */
  override extraRepr(): string {
    return `reduction=${this.reduction}, logTarget=${this.logTarget}`;
  }
  forward(input: Tensor, target: TensorLike): Tensor {
    return klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
}

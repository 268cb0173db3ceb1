/**
 * Batch normalisation over the batch (and spatial) dimensions of each channel, with running
 * statistics for evaluation: the function {@link batchNorm} and the layers {@link BatchNorm1d} and
 * {@link BatchNorm2d}.
 * @module
 */
import { ChainruleError, fmtShape, noGrad, ones, ShapeError, sideEffect, tensor, zeros, type DType, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';
import { Parameter } from './parameter.js';

/** Options of {@link batchNorm}. @example `{ weight: gamma, bias: beta, training: true, momentum: 0.1, eps: 1e-5 }` */
export interface BatchNormOptions {
  /** γ, one per channel [C]; none for 1. */
  weight?: Tensor | null;
  /** β, one per channel [C]; none for 0. */
  bias?: Tensor | null;
  /** Normalise with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Weight of the new batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation (PyTorch's `F.batch_norm`) of `x` of shape [N, C, *]: each channel c is
 * normalised with a mean and variance over every dimension but the channel one, then scaled and
 * shifted:
 *
 *   y = (x − μ_c) / √(σ²_c + eps) · γ_c + β_c
 *
 * - `training: true`: μ and σ² (biased) are the batch's, and the running statistics, when given,
 *   are updated in place: r ← (1 − momentum)·r + momentum·s, with s the batch mean, and for the
 *   variance the unbiased batch variance σ²·n/(n − 1) (n values per channel; n must exceed 1);
 * - `training: false` (default): μ and σ² are `runningMean` and `runningVar`, which are required.
 *
 * Composed of core ops, so its gradients (of every order) come from theirs; the running statistics
 * are updated outside the graph, after the output is computed (an error changes nothing), in a
 * `sideEffect`, so a compiled step updates them at every call.
 * @example
 * ```ts
 * const rm = zeros([2]), rv = ones([2]);
 * batchNorm(tensor([[1, 10], [3, 30]]), rm, rv, { training: true, eps: 0 }).toArray(); // [[-1, -1], [1, 1]]
 * rm.toArray(); // [0.2, 2]; rv.toArray(); // [0.9 + 0.1·2, 0.9 + 0.1·200]
 * ```
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkOptions(options, ['weight', 'bias', 'training', 'momentum', 'eps'], 'batchNorm');
  const training = options.training ?? false;
  if (typeof training !== 'boolean') throw new ChainruleError(`batchNorm: training must be true or false, got ${describeValue(training)}`);
  const momentum = options.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !Number.isFinite(momentum)) throw new ChainruleError(`batchNorm: momentum must be a finite number, got ${describeValue(momentum)}`);
  return normalizeBatch(x, runningMean, runningVar, options.weight ?? null, options.bias ?? null, training, momentum, checkEps(options.eps ?? 1e-5, 'batchNorm'), 'batchNorm');
}

function checkEps(eps: unknown, where: string): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ChainruleError(`${where}: eps must be a finite number ≥ 0, got ${describeValue(eps)}`);
  return eps;
}

/** {@link batchNorm} with checked options; `where` names the caller in errors. */
function normalizeBatch(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number | null,
  eps: number,
  where: string,
  counter: Tensor | null = null,
): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${where}: input of shape ${fmtShape(x.shape)} has no channel dimension: expected [N, C, *]`);
  const C = x.shape[1];
  const perChannel = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const;
  for (const [what, t] of perChannel) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== C)) {
      throw new ShapeError(`${where}: ${what} of shape ${fmtShape(t.shape)} does not fit the ${C} channels of the input of shape ${fmtShape(x.shape)}: expected [${C}]`);
    }
  }
  const n = x.size / C;
  const axes = x.shape.map((_, d) => d).filter((d) => d !== 1);
  const statShape = x.shape.map((d, i) => (i === 1 ? d : 1));
  let y: Tensor;
  let mean: Tensor | null = null;
  let variance: Tensor | null = null;
  if (training) {
    if (n <= 1) throw new ChainruleError(`${where}: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
    mean = x.mean(axes, true);
    const centred = x.sub(mean);
    variance = centred.square().mean(axes, true); // biased: the batch's own spread
    y = centred.div(variance.add(eps).sqrt());
  } else {
    if (runningMean === null || runningVar === null) {
      throw new ChainruleError(`${where}: evaluation needs runningMean and runningVar; without running statistics, normalise with the batch's (training: true)`);
    }
    y = x.sub(runningMean.reshape(statShape)).div(runningVar.reshape(statShape).add(eps).sqrt());
  }
  if (weight !== null) y = y.mul(weight.reshape(statShape));
  if (bias !== null) y = y.add(bias.reshape(statShape));
  if (mean !== null && variance !== null && (runningMean !== null || runningVar !== null || counter !== null)) {
    trackBatch(mean, variance, n, runningMean, runningVar, counter, momentum);
  }
  return y;
}

/**
 * Moves the running statistics toward the batch's `mean` and `variance` ([1, C, 1…], n values per
 * channel) and counts the batch: r ← (1 − f)·r + f·s, f = momentum, or 1/k for the k-th batch
 * counted when momentum is null. One side effect, so that a compiled step does all of it at every
 * replay, reading the counter as it is then and the statistics of that replay's batch.
 */
function trackBatch(mean: Tensor, variance: Tensor, n: number, runningMean: Tensor | null, runningVar: Tensor | null, counter: Tensor | null, momentum: number | null): void {
  sideEffect('BatchNorm running statistics', () =>
    noGrad(() => {
      const count = counter === null ? 0 : counter.buffer[0] + 1;
      const factor = momentum ?? (counter === null ? 0 : 1 / count);
      const m = mean.buffer;
      const v = variance.buffer;
      // NOTE: the running variance takes the unbiased estimate n/(n − 1)·σ², as PyTorch's does
      runningMean?.update((r) => {
        for (let c = 0; c < r.length; c++) r[c] = factor * m[c] + (1 - factor) * r[c];
      });
      runningVar?.update((r) => {
        for (let c = 0; c < r.length; c++) r[c] = factor * ((v[c] * n) / (n - 1)) + (1 - factor) * r[c];
      });
      counter?.fill_(count);
    }),
  );
}

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}, with PyTorch's defaults. @example `{ momentum: 0.01, affine: false }` */
export interface BatchNormLayerOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); null for their cumulative average over all batches. */
  momentum?: number | null;
  /** Learn γ (ones at first) and β (zeros) per channel (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them the batch's are always used. */
  trackRunningStats?: boolean;
  /** Element type of the parameters and running statistics (default float64). */
  dtype?: DType;
}

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): the parameters, the buffers
 * `runningMean` (zeros), `runningVar` (ones) and `numBatchesTracked` (0), and the forward. The
 * subclasses only say which input ranks they take.
 */
export abstract class BatchNormBase extends Module {
  /** C, the number of channels. */
  readonly numFeatures: number;
  readonly eps: number;
  /** Weight of a new batch in the running statistics; null for a cumulative average. */
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** γ [C], ones at first; null without affine. */
  weight: Parameter | null;
  /** β [C], zeros at first; null without affine. */
  bias: Parameter | null;
  /** Running mean [C] (a buffer), zeros at first; null without trackRunningStats. */
  runningMean: Tensor | null;
  /** Running unbiased variance [C] (a buffer), ones at first; null without trackRunningStats. */
  runningVar: Tensor | null;
  /** The number of training batches seen (a float64 scalar buffer; an int64 in PyTorch); null without trackRunningStats. */
  numBatchesTracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    const where = this.constructor.name;
    checkOptions(options, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'], where);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ChainruleError(`${where}: numFeatures must be a positive integer, got ${describeValue(numFeatures)}`);
    this.numFeatures = numFeatures;
    this.eps = checkEps(options.eps ?? 1e-5, where);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== 'number' || !Number.isFinite(momentum))) throw new ChainruleError(`${where}: momentum must be a finite number or null, got ${describeValue(momentum)}`);
    this.momentum = momentum;
    for (const key of ['affine', 'trackRunningStats'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new ChainruleError(`${where}: ${key} must be true or false, got ${describeValue(options[key])}`);
    }
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? 'float64';
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('runningMean', track ? zeros([numFeatures], { dtype }) : null);
    this.runningVar = this.registerBuffer('runningVar', track ? ones([numFeatures], { dtype }) : null);
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', track ? tensor(0) : null);
  }

  /** Throws a ShapeError unless `x` has a rank this layer takes. */
  protected abstract checkRank(x: Tensor): void;

  /** `4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true`. */
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }

  /** Resets the running statistics: mean 0, variance 1, no batch tracked (PyTorch's `reset_running_stats`). @example `bn.resetRunningStats()` */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.fill_(0);
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.fill_(0);
    });
  }

  /**
   * Training (or without running statistics): normalises with the batch's statistics and, when
   * tracking, updates the running ones and counts the batch. Evaluation: normalises with the running
   * statistics. With momentum null the running statistics are the plain average over the batches
   * tracked so far (weight 1/k for the k-th).
   */
  forward(x: Tensor): Tensor {
    const where = this.constructor.name;
    this.checkRank(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${where}: input of shape ${fmtShape(x.shape)} has ${x.shape[1]} channels (dimension 1) but the layer has ${this.numFeatures}`);
    }
    const tracking = this.training && this.trackRunningStats;
    const useBatch = this.training || (this.runningMean === null && this.runningVar === null);
    const useRunning = !this.training || this.trackRunningStats;
    const y = normalizeBatch(
      x,
      useRunning ? this.runningMean : null,
      useRunning ? this.runningVar : null,
      this.weight,
      this.bias,
      useBatch,
      this.momentum,
      this.eps,
      where,
      tracking ? this.numBatchesTracked : null,
    );
    return y;
  }
}

/**
 * Batch normalisation of [N, C] or [N, C, L] inputs (PyTorch's `nn.BatchNorm1d`): per channel c,
 * y = (x − μ_c) / √(σ²_c + eps) · γ_c + β_c, with the batch's statistics while training (updating
 * the running ones: r ← (1 − momentum)·r + momentum·batch, unbiased variance) and the running ones
 * after `eval()`. See {@link batchNorm}.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm1d(3);
 * bn.forward(randn([8, 3]));    // normalised per column; runningMean moves 10% of the way
 * bn.eval().forward(randn([1, 3])); // uses runningMean and runningVar
 * bn.stateDict(); // weight, bias, runningMean, runningVar, numBatchesTracked
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  protected checkRank(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`BatchNorm1d: expected a 2-D [N, C] or 3-D [N, C, L] input, got shape ${fmtShape(x.shape)}`);
  }
}

/**
 * Batch normalisation of images [N, C, H, W] (PyTorch's `nn.BatchNorm2d`): per channel c, over the
 * batch and both spatial dimensions, as {@link BatchNorm1d}.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm2d(16);
 * bn.forward(randn([4, 16, 8, 8])).shape; // [4, 16, 8, 8]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  protected checkRank(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(`BatchNorm2d: expected a 4-D [N, C, H, W] input, got shape ${fmtShape(x.shape)}`);
  }
}

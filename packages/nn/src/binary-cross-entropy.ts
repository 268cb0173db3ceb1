/**
 * Binary cross-entropy, of probabilities ({@link binaryCrossEntropy}, after a sigmoid) and of logits
 * ({@link binaryCrossEntropyWithLogits}, the sigmoid inside, stable for any logit).
 * @module
 */
import { allocBuffer, asTensor, broadcastShapes, ChainruleError, defineOp, fmtShape, shapesEqual, ShapeError, tensor, type Tensor, type TensorLike } from '@chainrule/core';
import { checkSameShape, reduce, reductionOf, type LossOptions, type Reduction } from './losses.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';

const REDUCTIONS: readonly Reduction[] = ['none', 'mean', 'sum'];

/** Options of {@link binaryCrossEntropy} and {@link BCELoss}. @example `{ weight: [1, 2], reduction: 'sum' }` */
export interface BCEOptions extends LossOptions {
  /** A weight of each term, broadcast to the input's shape (default: none). */
  weight?: TensorLike | null;
}

/** Options of {@link binaryCrossEntropyWithLogits} and {@link BCEWithLogitsLoss}. @example `{ posWeight: [3] }` */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** The weight of the positive term y·log σ(x), broadcast to the input's shape, e.g. one per class along the last dimension: #negatives/#positives balances them. */
  posWeight?: TensorLike | null;
}

/** `weight` as a tensor that broadcasts to `shape` without enlarging it, or null. */
function weightFor(weight: TensorLike | null | undefined, shape: readonly number[], dtype: Tensor['dtype'], what: string, where: string): Tensor | null {
  if (weight === undefined || weight === null) return null;
  const w = asTensor(weight, { dtype });
  let fits = false;
  try {
    fits = shapesEqual(broadcastShapes(w.shape, shape, where), shape);
  } catch {
    fits = false;
  }
  if (!fits) throw new ShapeError(`${where}: ${what} of shape ${fmtShape(w.shape)} does not broadcast to the input's shape ${fmtShape(shape)}`);
  return w;
}

const LOG_FLOOR = -100;
const clampedLog = (v: number): number => Math.max(Math.log(v), LOG_FLOOR);

/**
 * Elementwise ℓ = −(y log p + (1 − y) log(1 − p)) with each log clamped at −100 (PyTorch's rule).
 * NOTE: fused rather than composed, for its backward: through clamp(log p) the gradient at p = 0 or 1
 * is 0 · ∞ = NaN, while PyTorch's dℓ/dp = (p − y) / max(p(1 − p), 1e-12) stays finite there.
 */
const bceOp = defineOp({
  name: 'binaryCrossEntropy',
  inputs: ['prob', 'target'],
  forward(ctx, p, y) {
    ctx.save(p, y);
    const ps = p.buffer, ys = y.buffer;
    const out = allocBuffer(p.dtype, ps.length);
    for (let i = 0; i < ps.length; i++) {
      // checked here, not before the call, so that a compiled step checks each new batch too
      if (!(ps[i] >= 0 && ps[i] <= 1)) throw new ChainruleError(`binaryCrossEntropy: probabilities must lie in [0, 1]; element ${i} is ${ps[i]}`);
      out[i] = -(ys[i] * clampedLog(ps[i]) + (1 - ys[i]) * clampedLog(1 - ps[i]));
    }
    return { buffer: out, shape: p.shape };
  },
  // dℓ/dp = (p − y) / max(p(1 − p), ε); dℓ/dy = log(1 − p) − log p
  backward: {
    prob: (ctx, grad) => {
      const [p, y] = ctx.saved;
      return grad.mul(p.sub(y)).div(p.mul(p.neg().add(1)).clamp(1e-12));
    },
    // NOTE: the target's gradient uses the unclamped logs, as PyTorch's does (±Infinity at p = 0 or
    // 1), although the loss clamps them: the same numbers as PyTorch when a model moves between them.
    target: (ctx, grad) => {
      const p = ctx.saved[0];
      return grad.mul(p.neg().add(1).log().sub(p.log()));
    },
  },
});

/**
 * Binary cross-entropy between probabilities `prob` (in [0, 1], e.g. a sigmoid output) and targets
 * `target` of the same shape (PyTorch's `F.binary_cross_entropy`):
 *
 *   ℓᵢ = −wᵢ·(yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ))
 *
 * each log clamped at −100 as PyTorch does (so p = 0 or 1 gives a finite loss of at most 100·w),
 * then averaged (`'mean'`, default), summed or returned (`'none'`). `weight` w (default 1) broadcasts
 * to the input's shape.
 *
 * dℓ/dp = w(p − y) / max(p(1 − p), 1e-12); dℓ/dy = w(log(1 − p) − log p) (unclamped, as in PyTorch).
 * For logits, {@link binaryCrossEntropyWithLogits} is stabler.
 *
 * @example
 * ```ts
 * binaryCrossEntropy(tensor([0.5]), [1]).item(); // log 2 ≈ 0.6931
 * ```
 */
export function binaryCrossEntropy(prob: Tensor, target: TensorLike, options: BCEOptions = {}): Tensor {
  checkOptions(options, ['reduction', 'weight'], 'binaryCrossEntropy');
  const reduction = reductionOf(options, REDUCTIONS, 'binaryCrossEntropy');
  const t = asTensor(target, { dtype: prob.dtype });
  checkSameShape('binaryCrossEntropy', prob, t, 'probabilities');
  const weight = weightFor(options.weight, prob.shape, prob.dtype, 'weight', 'binaryCrossEntropy');
  const terms = bceOp(prob, t);
  return reduce(weight === null ? terms : terms.mul(weight), reduction);
}

/**
 * Binary cross-entropy of logits x (PyTorch's `F.binary_cross_entropy_with_logits`): the loss of
 * σ(x) against y, without ever forming σ(x), so it is finite and exact for any logit:
 *
 *   ℓᵢ = wᵢ·[(1 − yᵢ)·xᵢ + (1 + (pᵢ − 1)·yᵢ)·log(1 + e^(−xᵢ))],  pᵢ = posWeight
 *
 * with log(1 + e^(−x)) computed as m + log(e^(−m) + e^(−x−m)), m = max(−x, 0), PyTorch 1.13's
 * formula, so neither exponential overflows. Then `reduction` as {@link binaryCrossEntropy}.
 * dℓ/dx = w·((1 + (p − 1)y)·σ(x) − p·y) (σ(x) − y without posWeight). Composed of core ops, so
 * gradients of every order follow.
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(tensor([0]), [1]).item();      // log 2
 * binaryCrossEntropyWithLogits(tensor([1000]), [0]).item();   // 1000, where σ would round to 1
 * ```
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: TensorLike, options: BCEWithLogitsOptions = {}): Tensor {
  checkOptions(options, ['reduction', 'weight', 'posWeight'], 'binaryCrossEntropyWithLogits');
  const reduction = reductionOf(options, REDUCTIONS, 'binaryCrossEntropyWithLogits');
  const t = asTensor(target, { dtype: logits.dtype });
  checkSameShape('binaryCrossEntropyWithLogits', logits, t, 'logits');
  const weight = weightFor(options.weight, logits.shape, logits.dtype, 'weight', 'binaryCrossEntropyWithLogits');
  const posWeight = weightFor(options.posWeight, logits.shape, logits.dtype, 'posWeight', 'binaryCrossEntropyWithLogits');
  const m = logits.neg().clamp(0);
  // log(1 + e^(−x)) = softplus(−x), as m + log(e^(−m) + e^(−x−m))
  const softplusNeg = m.neg().exp().add(logits.neg().sub(m).exp()).log().add(m);
  const logWeight = posWeight === null ? null : posWeight.sub(1).mul(t).add(1);
  let terms = t.neg().add(1).mul(logits).add(logWeight === null ? softplusNeg : logWeight.mul(softplusNeg));
  if (weight !== null) terms = terms.mul(weight);
  return reduce(terms, reduction);
}

/**
 * {@link binaryCrossEntropy} as a module; `weight` is kept as a buffer, as in PyTorch.
 * @example
 * ```ts
 * new BCELoss().forward(new Sigmoid().forward(logits), tensor([1, 0]));
 * ```
 */
export class BCELoss extends Module {
  readonly reduction: Reduction;
  /** The weight of each term (a buffer), or null. */
  weight: Tensor | null;
  constructor(options: BCEOptions = {}) {
    super();
    checkOptions(options, ['reduction', 'weight'], 'BCELoss');
    this.reduction = reductionOf(options, REDUCTIONS, 'BCELoss');
    this.weight = this.registerBuffer('weight', options.weight === undefined || options.weight === null ? null : tensor(options.weight));
  }
  /** `reduction=mean`. */
  override extraRepr(): string {
    return `reduction=${this.reduction}${this.weight === null ? '' : ', weight'}`;
  }
  forward(prob: Tensor, target: TensorLike): Tensor {
    return binaryCrossEntropy(prob, target, { reduction: this.reduction, weight: this.weight });
  }
}

/**
 * {@link binaryCrossEntropyWithLogits} as a module: a sigmoid and BCE in one stable step.
 * `weight` and `posWeight` are kept as buffers, as in PyTorch.
 * @example
 * ```ts
 * const loss = new BCEWithLogitsLoss({ posWeight: [3] }); // positives count 3 times
 * loss.forward(net.forward(x), labels);
 * ```
 */
export class BCEWithLogitsLoss extends Module {
  readonly reduction: Reduction;
  /** The weight of each term (a buffer), or null. */
  weight: Tensor | null;
  /** The weight of the positive terms (a buffer), or null. */
  posWeight: Tensor | null;
  constructor(options: BCEWithLogitsOptions = {}) {
    super();
    checkOptions(options, ['reduction', 'weight', 'posWeight'], 'BCEWithLogitsLoss');
    this.reduction = reductionOf(options, REDUCTIONS, 'BCEWithLogitsLoss');
    this.weight = this.registerBuffer('weight', options.weight === undefined || options.weight === null ? null : tensor(options.weight));
    this.posWeight = this.registerBuffer('posWeight', options.posWeight === undefined || options.posWeight === null ? null : tensor(options.posWeight));
  }
  /** `reduction=mean`. */
  override extraRepr(): string {
    return `reduction=${this.reduction}${this.weight === null ? '' : ', weight'}${this.posWeight === null ? '' : ', posWeight'}`;
  }
  forward(logits: Tensor, target: TensorLike): Tensor {
    return binaryCrossEntropyWithLogits(logits, target, { reduction: this.reduction, weight: this.weight, posWeight: this.posWeight });
  }
}

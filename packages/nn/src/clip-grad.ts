/**
 * Gradient clipping, as PyTorch's `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`.
 * @module
 */
import { ChainruleError, fmtShape, isTensor, noGrad, shapesEqual, sideEffect, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import type { ParamsInput } from './optim/optimizer.js';

/** Options of {@link clipGradNorm_}. @example `{ normType: Infinity, errorIfNonfinite: true }` */
export interface ClipGradNormOptions {
  /** The p of the p-norm: a number > 0, or `Infinity` for the largest |g| (default 2). */
  normType?: number;
  /** Throw, changing nothing, when the total norm is NaN or ±Infinity (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `params` together so that their total norm is at most `maxNorm`, with
 * PyTorch's formulas, and returns the total norm before clipping:
 *
 * ```
 * total = ‖(‖g₁‖ₚ, ‖g₂‖ₚ, …)‖ₚ                (the p-norm of all gradients as one vector; max |g| for p = ∞)
 * c     = min(maxNorm / (total + 1e-6), 1)
 * gᵢ ← c · gᵢ                                (in place, each gradient of each parameter)
 * ```
 *
 * Parameters without a gradient are skipped; with none at all the total is 0. The 1e-6 keeps
 * c finite when every gradient is 0, so a clipped norm ends a little below `maxNorm`. A NaN or
 * infinite total gives NaN or zero gradients (PyTorch's result) unless `errorIfNonfinite`, which throws
 * instead. Every gradient is checked first (a Tensor of its parameter's shape and dtype): on an
 * error nothing has changed. The gradients are written through `Tensor.update` inside `noGrad`, and
 * not at all when c = 1. Returns a number (PyTorch returns a 0-d tensor); norms are computed in float64.
 *
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm_(net.parameters(), 1.0); // the norm before clipping, e.g. for logging
 * opt.step();
 * ```
 */
export function clipGradNorm_(params: Tensor | ParamsInput, maxNorm: number, options: ClipGradNormOptions = {}): number {
  // in a compiled step, run again at every replay (the norm it returns is the traced one's)
  return sideEffect('clipGradNorm_', () => clipGradNormNow(params, maxNorm, options));
}

function clipGradNormNow(params: Tensor | ParamsInput, maxNorm: number, options: ClipGradNormOptions): number {
  const where = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) {
    throw new ChainruleError(`${where}: maxNorm must be a number ≥ 0, got ${describeValue(maxNorm)}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ChainruleError(`${where}: options must be an object such as { normType: 2 }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'normType' && key !== 'errorIfNonfinite') throw new ChainruleError(`${where}: unknown option '${key}'; the options are normType, errorIfNonfinite`);
  }
  const p = options.normType ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new ChainruleError(`${where}: normType must be a number > 0 or Infinity, got ${describeValue(p)}`);
  const errorIfNonfinite = options.errorIfNonfinite ?? false;
  if (typeof errorIfNonfinite !== 'boolean') throw new ChainruleError(`${where}: errorIfNonfinite must be true or false, got ${describeValue(errorIfNonfinite)}`);
  const grads = gradientsOf(params, where);
  if (grads.length === 0) return 0;

  let total: number;
  if (p === Infinity) {
    total = 0;
    for (const g of grads) total = nanMax(total, maxAbs(g.buffer));
  } else {
    // PyTorch: norm(stack([norm(g, p) for g]), p), the norm of the per-gradient norms
    let sum = 0;
    for (const g of grads) {
      const n = pNorm(g.buffer, p);
      sum += p === 2 ? n * n : p === 1 ? n : Math.abs(n) ** p;
    }
    total = p === 2 ? Math.sqrt(sum) : p === 1 ? sum : sum ** (1 / p);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new ChainruleError(
      `${where}: the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped; no gradient was changed ` +
        '(pass { errorIfNonfinite: false } to scale them by the non-finite norm anyway, as PyTorch does by default)',
    );
  }
  // NOTE: Math.min(NaN, 1) is NaN, as torch.clamp: a NaN norm makes every gradient NaN
  const c = Math.min(maxNorm / (total + 1e-6), 1);
  if (c !== 1) {
    noGrad(() => {
      for (const g of grads) {
        g.update((b) => {
          for (let i = 0; i < b.length; i++) b[i] *= c;
        });
      }
    });
  }
  return total;
}

/**
 * Clamps every element of the gradients of `params` into [−clipValue, clipValue], in place, as
 * PyTorch's `clip_grad_value_`: g ← min(max(g, −clipValue), clipValue). NaN stays NaN. Parameters
 * without a gradient are skipped; every gradient is checked first, and on an error nothing has changed.
 *
 * @example
 * ```ts
 * loss.backward();
 * clipGradValue_(net.parameters(), 0.5);
 * opt.step();
 * ```
 */
export function clipGradValue_(params: Tensor | ParamsInput, clipValue: number): void {
  sideEffect('clipGradValue_', () => clipGradValueNow(params, clipValue)); // in a compiled step, run again at every replay
}

function clipGradValueNow(params: Tensor | ParamsInput, clipValue: number): void {
  const where = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new ChainruleError(`${where}: clipValue must be a number ≥ 0, got ${describeValue(clipValue)}`);
  }
  const grads = gradientsOf(params, where);
  noGrad(() => {
    for (const g of grads) {
      g.update((b) => {
        for (let i = 0; i < b.length; i++) {
          const v = b[i];
          if (v > clipValue) b[i] = clipValue;
          else if (v < -clipValue) b[i] = -clipValue;
        }
      });
    }
  });
}

/** The gradients of the parameters that have one, each checked to be a Tensor of its parameter's shape and dtype. */
function gradientsOf(params: Tensor | ParamsInput, where: string): Tensor[] {
  if (typeof params === 'function') throw new ChainruleError(`${where}: params is a function: pass net.parameters(), not net.parameters`);
  if (!isTensor(params) && (params === null || typeof params !== 'object' || typeof (params as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function')) {
    throw new ChainruleError(`${where}: params must be a tensor or an iterable of tensors such as net.parameters(), got ${describeValue(params)}`);
  }
  const items: unknown[] = isTensor(params) ? [params] : Array.from(params as Iterable<unknown>);
  const grads: Tensor[] = [];
  const seen = new Set<Tensor>();
  items.forEach((item, i) => {
    let p = item, name: string | undefined;
    if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') [name, p] = item as [string, unknown];
    const label = name === undefined ? `params[${i}]` : `params[${i}] '${name}'`;
    if (!isTensor(p)) throw new ChainruleError(`${where}: ${label} is not a Tensor, got ${describeValue(p)}`);
    if (seen.has(p)) return; // listed twice: clipped once
    seen.add(p);
    const g: unknown = p.grad;
    if (g === null) return;
    if (!isTensor(g)) throw new ChainruleError(`${where}: ${label}: .grad must be a Tensor or null, got ${describeValue(g)}; no gradient was changed`);
    if (g.dtype !== p.dtype || !shapesEqual(g.shape, p.shape)) {
      throw new ChainruleError(
        `${where}: ${label}: .grad has shape ${fmtShape(g.shape)} and dtype ${g.dtype} but the parameter has shape ${fmtShape(p.shape)} and dtype ${p.dtype}; no gradient was changed`,
      );
    }
    grads.push(g);
  });
  return grads;
}

/** max |bᵢ|, NaN if any element is NaN (as torch's max). */
function maxAbs(b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = nanMax(m, Math.abs(b[i]));
  return m;
}

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b;
}

/** (Σ |bᵢ|ᵖ)^(1/p), with p = 1 and p = 2 without pow (as torch's norm kernels). */
function pNorm(b: ArrayLike<number>, p: number): number {
  let s = 0;
  if (p === 2) {
    for (let i = 0; i < b.length; i++) s += b[i] * b[i];
    return Math.sqrt(s);
  }
  if (p === 1) {
    for (let i = 0; i < b.length; i++) s += Math.abs(b[i]);
    return s;
  }
  for (let i = 0; i < b.length; i++) s += Math.abs(b[i]) ** p;
  return s ** (1 / p);
}

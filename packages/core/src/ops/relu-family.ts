/**
 * Relu's relatives: leakyRelu, elu, selu and hardtanh, each with PyTorch's parameters and its
 * choice of derivative at the kinks.
 * @module
 */
import { ChainruleError } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { map } from '../kernels/elementwise.js';

/**
 * leakyRelu's slope for x ≤ 0 (default 0.01, as PyTorch).
 * @example
 * ```ts
 * leakyRelu(x, { negativeSlope: 0.2 });
 * ```
 */
export interface LeakyReluOptions {
  negativeSlope?: number;
}

function negativeSlopeOf(options: LeakyReluOptions | undefined): number {
  const s = options?.negativeSlope ?? 0.01;
  if (typeof s !== 'number' || !Number.isFinite(s)) throw new ChainruleError(`leakyRelu: negativeSlope must be a finite number, got ${String(s)}`);
  return s;
}

/**
 * Elementwise leaky rectifier: x for x > 0, negativeSlope·x otherwise.
 *
 * d leakyRelu(x) = (x > 0 ? 1 : negativeSlope) dx
 *
 * NOTE: at 0 (and at NaN) the slope is negativeSlope, as PyTorch's `x > 0 ? grad : grad·slope`.
 * @example
 * ```ts
 * leakyRelu(tensor([-2, 3])).toArray(); // [-0.02, 3]
 * ```
 */
export const leakyRelu = defineOp({
  name: 'leakyRelu',
  inputs: ['x'],
  forward(ctx: OpContext<LeakyReluOptions | undefined>, x) {
    const s = negativeSlopeOf(ctx.params);
    ctx.save(x);
    return map(x, (v) => (v > 0 ? v : v * s));
  },
  backward: { x: (ctx, grad) => grad.mul(leakySlope(ctx.saved[0], negativeSlopeOf(ctx.params))) },
});

/** leakyRelu's derivative, piecewise constant (no gradient of its own). */
const leakySlope = defineOp({
  name: 'leakyReluSlope',
  inputs: ['x'],
  forward: (ctx: OpContext<number>, x) => map(x, (v) => (v > 0 ? 1 : ctx.params)),
});

/**
 * elu's `alpha`: the value elu approaches as x → −Infinity is −alpha (default 1, as PyTorch).
 * @example
 * ```ts
 * elu(x, { alpha: 0.5 });
 * ```
 */
export interface EluOptions {
  alpha?: number;
}

/** The coefficients of PyTorch's elu kernel: neg·(eˣ − 1) for x ≤ 0, pos·x above. */
interface EluCoefficients {
  neg: number;
  pos: number;
}

/** The elu family's op: neg·expm1(x) for x ≤ 0, pos·x otherwise; its derivative neg·eˣ or pos. */
function eluFamily(name: string, coefficients: (params: EluOptions | undefined) => EluCoefficients) {
  return defineOp({
    name,
    inputs: ['x'],
    forward(ctx: OpContext<EluOptions | undefined>, x) {
      const { neg, pos } = coefficients(ctx.params);
      ctx.save(x);
      return map(x, (v) => (v <= 0 ? neg * Math.expm1(v) : v * pos));
    },
    backward: { x: (ctx, grad) => grad.mul(eluSlope(ctx.saved[0], coefficients(ctx.params))) },
  });
}

/** The elu family's slope: neg·eˣ for x ≤ 0, else pos (also at NaN, as PyTorch's `x <= 0 ? ... : pos`). */
const eluSlope = defineOp({
  name: 'eluSlope',
  inputs: ['x'],
  forward(ctx: OpContext<EluCoefficients>, x) {
    const { neg, pos } = ctx.params;
    ctx.save(x);
    return map(x, (v) => (v <= 0 ? neg * Math.exp(v) : pos));
  },
  backward: { x: (ctx, grad) => grad.mul(eluCurve(ctx.saved[0], ctx.params)) },
});

/** The slope's derivative, neg·eˣ for x ≤ 0 and 0 above: its own derivative, so every order ends here. */
const eluCurve: OpFunction<['x'], EluCoefficients> = defineOp({
  name: 'eluCurve',
  inputs: ['x'],
  forward(ctx: OpContext<EluCoefficients>, x) {
    const { neg } = ctx.params;
    ctx.save(x);
    return map(x, (v) => (v <= 0 ? neg * Math.exp(v) : 0));
  },
  backward: { x: (ctx, grad) => grad.mul(eluCurve(ctx.saved[0], ctx.params)) },
});

/**
 * Elementwise exponential linear unit: x for x > 0, alpha·(eˣ − 1) otherwise.
 *
 * d elu(x) = (x > 0 ? 1 : alpha·eˣ) dx
 *
 * NOTE: eˣ − 1 is computed as expm1(x), which keeps small negative x exact (elu(−1e-20) is
 * −1e-20, not 0). For alpha ≠ 1 elu has a kink at 0, where the slope is alpha (the left one), as
 * in PyTorch.
 * @example
 * ```ts
 * elu(tensor([-1, 2])).toArray(); // [-0.6321205588285577, 2]
 * ```
 */
export const elu = eluFamily('elu', (options) => {
  const alpha = options?.alpha ?? 1;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ChainruleError(`elu: alpha must be a finite number, got ${String(alpha)}`);
  return { neg: alpha, pos: 1 };
});

/** SELU's constants (Klambauer et al. 2017), to the digits PyTorch uses. */
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU: EluCoefficients = Object.freeze({ neg: SELU_ALPHA * SELU_SCALE, pos: SELU_SCALE });

/**
 * Elementwise scaled exponential linear unit: scale·x for x > 0, scale·alpha·(eˣ − 1) otherwise,
 * with alpha ≈ 1.6733 and scale ≈ 1.0507 (the self-normalising constants; PyTorch's `F.selu`).
 *
 * d selu(x) = (x > 0 ? scale : scale·alpha·eˣ) dx
 *
 * NOTE: selu has a kink at 0 (slope 1.7581 from the left, 1.0507 from the right); the slope at 0 is
 * the left one, as PyTorch's.
 * @example
 * ```ts
 * selu(tensor([1])).toArray(); // [1.0507009873554805]
 * ```
 */
export const selu = eluFamily('selu', () => SELU);

/**
 * hardtanh's bounds (defaults −1 and 1, as PyTorch).
 * @example
 * ```ts
 * hardtanh(x, { minVal: 0, maxVal: 6 }); // relu6
 * ```
 */
export interface HardtanhOptions {
  minVal?: number;
  maxVal?: number;
}

function hardtanhBounds(options: HardtanhOptions | undefined): { lo: number; hi: number } {
  const lo = options?.minVal ?? -1;
  const hi = options?.maxVal ?? 1;
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new ChainruleError(`hardtanh: expected numbers minVal <= maxVal, got minVal ${String(lo)} and maxVal ${String(hi)}`);
  }
  return { lo, hi };
}

/**
 * Elementwise clamp to [minVal, maxVal] (default [−1, 1]) with PyTorch's hardtanh gradient.
 *
 * d hardtanh(x) = [minVal < x < maxVal] dx
 *
 * NOTE: unlike `clamp`, whose gradient is 1 at the bounds, hardtanh's is 0 there (PyTorch's
 * `x <= min || x >= max ? 0 : grad`); at NaN it is 1.
 * @example
 * ```ts
 * hardtanh(tensor([-2, 0.5, 3])).toArray(); // [-1, 0.5, 1]
 * ```
 */
export const hardtanh = defineOp({
  name: 'hardtanh',
  inputs: ['x'],
  forward(ctx: OpContext<HardtanhOptions | undefined>, x) {
    const { lo, hi } = hardtanhBounds(ctx.params);
    ctx.save(x);
    return map(x, (v) => (v < lo ? lo : v > hi ? hi : v));
  },
  backward: { x: (ctx, grad) => grad.mul(strictlyInside(ctx.saved[0], hardtanhBounds(ctx.params))) },
});

/** hardtanh's derivative: 0 at and beyond the bounds, else 1 (NaN included). */
const strictlyInside = defineOp({
  name: 'hardtanhSlope',
  inputs: ['x'],
  forward: (ctx: OpContext<{ lo: number; hi: number }>, x) => {
    const { lo, hi } = ctx.params;
    return map(x, (v) => (v <= lo || v >= hi ? 0 : 1));
  },
});

import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { erfScalar } from '../kernels/erf.js';
import { gelu, mish, silu } from './gated.js';

// references by the textbook formulas (PyTorch's forward expressions), independent of the ops' compositions
const Phi = (x: number) => 0.5 * (1 + erfScalar(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const sp = (x: number) => Math.log1p(Math.exp(x));
const K = Math.sqrt(2 / Math.PI);
const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(K * (x + 0.044715 * x ** 3)));
const tanhGeluSlope = (x: number) => {
  const t = Math.tanh(K * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x);
};

const wide = (n: number, s: number) => uniformValues(n, s, -4, 4);
const tol = { atol: 1e-15, rtol: 1e-14 };
const cases: Record<string, UnaryCase> = {
  gelu: { op: (x) => gelu(x), f: (x) => x * Phi(x), df: (x) => Phi(x) + x * phi(x), values: wide, tol, gradTol: tol },
  geluTanh: { op: (x) => gelu(x, { approximate: 'tanh' }), f: tanhGelu, df: tanhGeluSlope, values: wide, tol, gradTol: tol },
  silu: { op: silu, f: (x) => x * sigma(x), df: (x) => sigma(x) * (1 + x * (1 - sigma(x))), values: wide, tol, gradTol: tol },
  mish: { op: mish, f: (x) => x * Math.tanh(sp(x)), df: (x) => Math.tanh(sp(x)) + x * sigma(x) * (1 - Math.tanh(sp(x)) ** 2), values: wide, tol, gradTol: tol },
};

describe('gelu, silu, mish: known values', () => {
  it('gelu(1) = Φ(1), gelu(−1) = −Φ(−1); the tanh form is within 2e-4 of it', () => {
    expect(gelu(tensor([0, 1, -1]))).toBeAllClose([0, 0.8413447460685429, -0.15865525393145705], { atol: 0, rtol: 2e-16 });
    expect(gelu(tensor([1, -1]), { approximate: 'tanh' })).toBeAllClose([0.8411919906082768, -0.15880800939172324], { atol: 0, rtol: 1e-15 });
  });

  it('NOTE: the exact gelu keeps its tail: gelu(−10) = −10·Φ(−10) = −7.62e-23, where ½(1 + erf) gives 0', () => {
    // Φ(−10) = 7.619853024160526e-24 (mpmath)
    expect(gelu(tensor([-10]))).toBeAllClose([-7.619853024160526e-23], { atol: 0, rtol: 1e-14 });
    expect(-10 * Phi(-10)).toBe(-0);
  });

  it('large |x| never gives NaN in the forward pass; ±Infinity as PyTorch (NaN where it is ∞·0)', () => {
    expect(gelu(tensor([1000, -1000, Infinity, -Infinity]))).toBeAllClose([1000, -0, Infinity, NaN]);
    expect(gelu(tensor([1000, -1000, 1e300]), { approximate: 'tanh' })).toBeAllClose([1000, -0, 1e300]);
    expect(silu(tensor([1000, -1000, Infinity]))).toBeAllClose([1000, -0, Infinity]);
    expect(mish(tensor([1000, -1000, Infinity]))).toBeAllClose([1000, -0, Infinity]);
  });

  it('refuses an unknown approximation', () => {
    expect(() => gelu(tensor([1]), { approximate: 'erf' as 'none' })).toThrow(/approximate must be 'none' or 'tanh', got "erf"/);
  });
});

describe('gradients', () => {
  it('second derivative of the exact gelu: φ(x)(2 − x²)', () => {
    const x = tensor([0.3, -1.2, 2], { requiresGrad: true });
    const [d1] = gradients(gelu(x).sum(), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([0.3, -1.2, 2].map((v) => phi(v) * (2 - v * v)), { atol: 1e-16, rtol: 1e-14 });
  });

  it('silu″ = σ(1 − σ)(2 + x(1 − 2σ))', () => {
    const x = tensor([0.3, -1.2], { requiresGrad: true });
    const [d1] = gradients(silu(x).sum(), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([0.3, -1.2].map((v) => sigma(v) * (1 - sigma(v)) * (2 + v * (1 - 2 * sigma(v)))), { atol: 1e-16, rtol: 1e-14 });
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }
});

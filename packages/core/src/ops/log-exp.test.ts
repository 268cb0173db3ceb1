import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { expm1, log10, log1p, log2 } from './log-exp.js';

const positive = (n: number, seed: number) => uniformValues(n, seed, 0.3, 3);
const cases: Record<'log1p' | 'expm1' | 'log2' | 'log10', UnaryCase> = {
  log1p: { op: log1p, f: Math.log1p, df: (x) => 1 / (1 + x), values: (n, s) => uniformValues(n, s, -0.7, 2) },
  expm1: { op: expm1, f: Math.expm1, df: Math.exp },
  log2: { op: log2, f: (x) => Math.log(x) / Math.LN2, df: (x) => 1 / (x * Math.LN2), values: positive, tol: { atol: 0, rtol: 1e-15 } },
  log10: { op: log10, f: (x) => Math.log(x) / Math.LN10, df: (x) => 1 / (x * Math.LN10), values: positive, tol: { atol: 1e-16, rtol: 1e-15 } },
};

describe('log1p, expm1, log2, log10: known values', () => {
  it('NOTE: log1p and expm1 keep tiny arguments where log(1 + x) and exp(x) − 1 give 0', () => {
    expect(log1p(tensor([1e-17, -1e-300])).toArray()).toEqual([1e-17, -1e-300]);
    expect(expm1(tensor([1e-17, -1e-300])).toArray()).toEqual([1e-17, -1e-300]);
    expect(Math.log(1 + 1e-17)).toBe(0);
  });

  it('at the edges: log1p(−1) = −Infinity, NaN below; expm1(−Infinity) = −1', () => {
    expect(log1p(tensor([-1, -2, Infinity]))).toBeAllClose([-Infinity, NaN, Infinity]);
    expect(expm1(tensor([-Infinity, Infinity, 1]))).toBeAllClose([-1, Infinity, Math.E - 1]);
  });

  it('log2 and log10 are exact at powers of their base', () => {
    expect(log2(tensor([1, 8, 0.5, 2 ** -1074, 2 ** 1023])).toArray()).toEqual([0, 3, -1, -1074, 1023]);
    expect(log10(tensor([1, 1000, 0.01, 1e-300])).toArray()).toEqual([0, 3, -2, -300]);
    expect(log2(tensor([0, -1]))).toBeAllClose([-Infinity, NaN]);
  });
});

describe('gradients', () => {
  it('d log1p = 1/(1 + x), Infinity at −1; d expm1 = eˣ; d log2 = 1/(x ln 2), d log10 = 1/(x ln 10)', () => {
    const x = tensor([0, 1, -1], { requiresGrad: true });
    log1p(x).sum().backward();
    expect(x.grad).toBeAllClose([1, 0.5, Infinity]);
    const y = tensor([0, 1, -Infinity], { requiresGrad: true });
    expm1(y).sum().backward();
    expect(y.grad).toBeAllClose([1, Math.E, 0]);
    const z = tensor([1, 4, 0], { requiresGrad: true });
    log2(z).sum().backward();
    expect(z.grad).toBeAllClose([1 / Math.LN2, 0.25 / Math.LN2, Infinity]);
    const w = tensor([1, 10], { requiresGrad: true });
    log10(w).sum().backward();
    expect(w.grad).toBeAllClose([1 / Math.LN10, 0.1 / Math.LN10]);
  });

  it('second derivatives: log1p″ = −1/(1 + x)², expm1″ = eˣ, log2″ = −1/(x² ln 2)', () => {
    const second = (f: typeof log1p, values: number[]) => {
      const x = tensor(values, { requiresGrad: true });
      const [d1] = gradients(f(x).sum(), [x], { createGraph: true });
      return gradients(d1!.sum(), [x])[0];
    };
    expect(second(log1p, [0, 1])).toBeAllClose([-1, -0.25]);
    expect(second(expm1, [0, 1])).toBeAllClose([1, Math.E]);
    expect(second(log2, [1, 2])).toBeAllClose([-1 / Math.LN2, -0.25 / Math.LN2]);
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }
});

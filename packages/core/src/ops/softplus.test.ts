import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { logSigmoid, softplus } from './softplus.js';

const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const tol = { atol: 1e-16, rtol: 1e-14 };
const cases: Record<string, UnaryCase> = {
  // PyTorch's expression: log1p(exp(βx))/β below the threshold, x above
  softplus: { op: (x) => softplus(x), f: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), df: (x) => (x > 20 ? 1 : sigma(x)), values: (n, s) => uniformValues(n, s, -30, 30), tol, gradTol: tol },
  softplusBeta: {
    op: (x) => softplus(x, { beta: 2, threshold: 3 }),
    f: (x) => (2 * x > 3 ? x : Math.log1p(Math.exp(2 * x)) / 2),
    df: (x) => (2 * x > 3 ? 1 : sigma(2 * x)),
    values: (n, s) => uniformValues(n, s, -4, 4),
    tol,
    gradTol: tol,
  },
  logSigmoid: { op: logSigmoid, f: (x) => -Math.log1p(Math.exp(-x)), df: (x) => sigma(-x), values: (n, s) => uniformValues(n, s, -30, 30), tol, gradTol: tol },
};

describe('softplus and logSigmoid: known values', () => {
  it('softplus(0) = ln 2, PyTorch’s linear region above βx > threshold', () => {
    expect(softplus(tensor([0, 20, 20.0000001, 30]))).toBeAllClose([Math.LN2, 20.000000002061153, 20.0000001, 30], { atol: 0, rtol: 1e-15 });
    expect(softplus(tensor([2, 2.6]), { beta: 2, threshold: 5 })).toBeAllClose([Math.log1p(Math.exp(4)) / 2, 2.6], { atol: 0, rtol: 1e-15 });
  });

  it('NOTE: stable form: no overflow without the linear region, tiny values keep their digits', () => {
    expect(softplus(tensor([1000, -40, -1000]), { threshold: Infinity })).toBeAllClose([1000, Math.exp(-40), 0], { atol: 0, rtol: 1e-15 });
    expect(logSigmoid(tensor([-1000, 40, 0, -Infinity, Infinity]))).toBeAllClose([-1000, -Math.exp(-40), -Math.LN2, -Infinity, 0], { atol: 0, rtol: 1e-15 });
  });

  it('refuses beta ≤ 0 and a NaN threshold', () => {
    expect(() => softplus(tensor([1]), { beta: 0 })).toThrow(/beta must be a finite number > 0/);
    expect(() => softplus(tensor([1]), { threshold: NaN })).toThrow(/threshold must be a number/);
  });
});

describe('gradients', () => {
  it('softplus′ = σ(βx), 1 in the linear region; logSigmoid′ = σ(−x): 1 at −Infinity, 0 at +Infinity', () => {
    const x = tensor([0, 25, -1000], { requiresGrad: true });
    softplus(x).sum().backward();
    expect(x.grad).toBeAllClose([0.5, 1, 0]);
    const y = tensor([0, -Infinity, Infinity, -1000], { requiresGrad: true });
    logSigmoid(y).sum().backward();
    expect(y.grad).toBeAllClose([0.5, 1, 0, 1]);
  });

  it('second derivatives: softplus″ = βσ(βx)(1 − σ(βx)), 0 in the linear region; logSigmoid″ = −σ(x)σ(−x)', () => {
    const x = tensor([0.5, -1, 4], { requiresGrad: true });
    const [d1] = gradients(softplus(x, { beta: 2, threshold: 6 }).sum(), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([0.5, -1].map((v) => 2 * sigma(2 * v) * (1 - sigma(2 * v))).concat([0]), { atol: 1e-16, rtol: 1e-14 });
    const [l1] = gradients(logSigmoid(x).sum(), [x], { createGraph: true });
    const [l2] = gradients(l1!.sum(), [x]);
    expect(l2).toBeAllClose([0.5, -1, 4].map((v) => -sigma(v) * sigma(-v)), { atol: 1e-16, rtol: 1e-14 });
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck({ ...c, values: (n, s) => uniformValues(n, s, -1.4, 1.4) }));
  }
});

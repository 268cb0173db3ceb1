import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { awayFromZero, uniformValues } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { elu, hardtanh, leakyRelu, selu } from './relu-family.js';

const ALPHA = 1.6732632423543772848170429916717;
const SCALE = 1.0507009873554804934193349852946;
const cases: Record<string, UnaryCase> = {
  leakyRelu: { op: (x) => leakyRelu(x), f: (x) => (x > 0 ? x : 0.01 * x), df: (x) => (x > 0 ? 1 : 0.01), values: awayFromZero },
  leakyReluSlope: { op: (x) => leakyRelu(x, { negativeSlope: -0.5 }), f: (x) => (x > 0 ? x : -0.5 * x), df: (x) => (x > 0 ? 1 : -0.5), values: awayFromZero },
  elu: { op: (x) => elu(x), f: (x) => (x > 0 ? x : Math.exp(x) - 1), df: (x) => (x > 0 ? 1 : Math.exp(x)), values: awayFromZero, tol: { atol: 1e-16, rtol: 1e-15 } },
  eluAlpha: { op: (x) => elu(x, { alpha: 0.3 }), f: (x) => (x > 0 ? x : 0.3 * (Math.exp(x) - 1)), df: (x) => (x > 0 ? 1 : 0.3 * Math.exp(x)), values: awayFromZero, tol: { atol: 1e-16, rtol: 1e-15 } },
  selu: {
    op: selu,
    f: (x) => SCALE * (x > 0 ? x : ALPHA * (Math.exp(x) - 1)),
    df: (x) => SCALE * (x > 0 ? 1 : ALPHA * Math.exp(x)),
    values: awayFromZero,
    tol: { atol: 1e-16, rtol: 1e-15 },
    gradTol: { atol: 1e-16, rtol: 1e-15 },
  },
  hardtanh: { op: (x) => hardtanh(x, { minVal: -0.5, maxVal: 1.5 }), f: (x) => Math.min(Math.max(x, -0.5), 1.5), df: (x) => (x > -0.5 && x < 1.5 ? 1 : 0), values: (n, s) => uniformValues(n, s, -3, 3) },
};

describe('leakyRelu, elu, selu, hardtanh: known values', () => {
  it('leakyRelu keeps positives, scales the rest (NaN stays NaN)', () => {
    expect(leakyRelu(tensor([-2, 0, 3, NaN]))).toBeAllClose([-0.02, 0, 3, NaN]);
    expect(leakyRelu(tensor([-2, 3]), { negativeSlope: 0.2 })).toBeAllClose([-0.4, 3]);
  });

  it('NOTE: elu uses expm1: tiny negative inputs stay exact; −alpha at −Infinity', () => {
    expect(elu(tensor([-1e-20, -Infinity, 2, -1]))).toBeAllClose([-1e-20, -1, 2, Math.expm1(-1)], { atol: 0, rtol: 1e-15 });
    expect(elu(tensor([-Infinity]), { alpha: 2 })).toBeAllClose([-2]);
  });

  it('selu has the self-normalising constants', () => {
    expect(selu(tensor([1, -Infinity]))).toBeAllClose([SCALE, -SCALE * ALPHA], { atol: 0, rtol: 1e-15 });
  });

  it('hardtanh clamps to [−1, 1] by default; refuses minVal > maxVal', () => {
    expect(hardtanh(tensor([-2, 0.5, 3, NaN]))).toBeAllClose([-1, 0.5, 1, NaN]);
    expect(() => hardtanh(tensor([1]), { minVal: 2, maxVal: 1 })).toThrow(/minVal <= maxVal/);
  });
});

describe('gradients at the kinks, as PyTorch', () => {
  it('leakyRelu: the negative slope at 0, −0 and NaN', () => {
    const x = tensor([0, -0, NaN, 1], { requiresGrad: true });
    leakyRelu(x, { negativeSlope: 0.2 }).sum().backward();
    expect(x.grad).toBeAllClose([0.2, 0.2, 0.2, 1]);
  });

  it('elu: alpha at 0 (the left slope), 1 at NaN; selu likewise', () => {
    const x = tensor([0, NaN, -Infinity], { requiresGrad: true });
    elu(x, { alpha: 2 }).sum().backward();
    expect(x.grad).toBeAllClose([2, 1, 0]);
    const y = tensor([0, 1], { requiresGrad: true });
    selu(y).sum().backward();
    expect(y.grad).toBeAllClose([SCALE * ALPHA, SCALE], { atol: 0, rtol: 1e-15 });
  });

  it('NOTE: hardtanh′ is 0 at the bounds (clamp′ is 1 there) and 1 at NaN', () => {
    const x = tensor([-1, 1, 0.5, NaN, 2], { requiresGrad: true });
    hardtanh(x).sum().backward();
    expect(x.grad).toBeAllClose([0, 0, 1, 1, 0]);
  });

  it('second derivatives: elu″ = alpha·eˣ below 0 and 0 above, in every order; leakyRelu′ is constant', () => {
    const x = tensor([-0.5, 0.7], { requiresGrad: true });
    const [d1] = gradients(elu(x, { alpha: 0.5 }).sum(), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x], { createGraph: true });
    expect(d2).toBeAllClose([0.5 * Math.exp(-0.5), 0]);
    const [d3] = gradients(d2!.sum(), [x]);
    expect(d3).toBeAllClose([0.5 * Math.exp(-0.5), 0]);
    const [l1] = gradients(leakyRelu(x).sum(), [x], { createGraph: true });
    expect(l1!.requiresGrad).toBe(false);
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    const smooth = name.startsWith('elu') || name === 'selu';
    it(`${name}: gradcheck${smooth ? ' and gradgradcheck' : ''}`, () => checkUnaryGradcheck(name === 'hardtanh' ? { ...c, values: awayFromZero } : c, smooth));
  }
});

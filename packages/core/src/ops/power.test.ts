import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues, awayFromZero } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { reciprocal, rsqrt } from './power.js';

const cases: Record<'reciprocal' | 'rsqrt', UnaryCase> = {
  reciprocal: { op: reciprocal, f: (x) => 1 / x, df: (x) => -1 / (x * x), values: (n, s) => awayFromZero(n, s, 0.3, 3) },
  rsqrt: { op: rsqrt, f: (x) => 1 / Math.sqrt(x), df: (x) => -0.5 * x ** -1.5, values: (n, s) => uniformValues(n, s, 0.3, 3), gradTol: { atol: 0, rtol: 1e-14 } },
};

describe('reciprocal and rsqrt', () => {
  it('IEEE rules at zeros and infinities', () => {
    expect(reciprocal(tensor([0, -0, Infinity, -4]))).toBeAllClose([Infinity, -Infinity, 0, -0.25]);
    expect(rsqrt(tensor([0, -0, Infinity, -1, 4]))).toBeAllClose([Infinity, -Infinity, 0, NaN, 0.5]);
  });

  it('d(1/x) = −1/x², −Infinity at 0; d(1/√x) = −½ x^(−3/2), −Infinity at 0', () => {
    const x = tensor([2, 0, -0.5], { requiresGrad: true });
    reciprocal(x).sum().backward();
    expect(x.grad).toBeAllClose([-0.25, -Infinity, -4]);
    const y = tensor([4, 0], { requiresGrad: true });
    rsqrt(y).sum().backward();
    expect(y.grad).toBeAllClose([-1 / 16, -Infinity]);
  });

  it('second derivatives: (1/x)″ = 2/x³, (x^(−1/2))″ = ¾ x^(−5/2)', () => {
    const x = tensor([2, 4], { requiresGrad: true });
    const [r1] = gradients(reciprocal(x).sum(), [x], { createGraph: true });
    expect(gradients(r1!.sum(), [x])[0]).toBeAllClose([0.25, 2 / 64]);
    const [s1] = gradients(rsqrt(x).sum(), [x], { createGraph: true });
    expect(gradients(s1!.sum(), [x])[0]).toBeAllClose([0.75 * 2 ** -2.5, 0.75 / 32]);
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference on random shapes, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }
});

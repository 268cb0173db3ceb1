import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues, awayFromZero } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { abs, exp, log, sign, sqrt } from './unary.js';

const positive = (n: number, seed: number) => uniformValues(n, seed, 0.3, 3);

const cases: Record<'exp' | 'log' | 'sqrt' | 'abs', UnaryCase> = {
  exp: { op: exp, f: Math.exp, df: Math.exp },
  log: { op: log, f: Math.log, df: (x) => 1 / x, values: positive },
  sqrt: { op: sqrt, f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), values: positive },
  // away from the kink at 0
  abs: { op: abs, f: Math.abs, df: (x) => (x > 0 ? 1 : -1), values: awayFromZero },
};

describe('exp, log, sqrt, abs, sign: forward on known values', () => {
  it('exp', () => {
    expect(exp(tensor([0, 1, -1, Math.LN2]))).toBeAllClose([1, Math.E, 1 / Math.E, 2], { atol: 0, rtol: 2e-16 });
    expect(exp(tensor([-Infinity, 710]))).toBeAllClose([0, Infinity]);
  });

  it('log, with log 0 = -Infinity and log of a negative NaN', () => {
    expect(log(tensor([1, Math.E, 8]))).toBeAllClose([0, 1, 3 * Math.LN2]);
    expect(log(tensor([0, -1]))).toBeAllClose([-Infinity, NaN]);
  });

  it('sqrt', () => {
    expect(sqrt(tensor([0, 4, 2.25, 2]))).toBeAllClose([0, 2, 1.5, Math.SQRT2]);
    expect(sqrt(tensor([-1]))).toBeAllClose([NaN]);
  });

  it('abs and sign', () => {
    expect(abs(tensor([-3, 2, -0.5, 0]))).toBeAllClose([3, 2, 0.5, 0]);
    expect(sign(tensor([-3, 0, 2, NaN]))).toBeAllClose([-1, 0, 1, NaN]);
  });
});

describe('gradients against closed forms', () => {
  it('d eˣ = eˣ, d ln x = 1/x, d √x = 1/(2√x), d|x| = sign x', () => {
    const x = tensor([0.25, 1, 4], { requiresGrad: true });
    const [ge] = gradients(exp(x).sum(), [x]);
    expect(ge).toBeAllClose([Math.exp(0.25), Math.E, Math.exp(4)]);
    const [gl] = gradients(log(x).sum(), [x]);
    expect(gl).toBeAllClose([4, 1, 0.25]);
    const [gs] = gradients(sqrt(x).sum(), [x]);
    expect(gs).toBeAllClose([1, 0.5, 0.25]);
    const y = tensor([-2, 3], { requiresGrad: true });
    const [ga] = gradients(abs(y).sum(), [y]);
    expect(ga).toBeAllClose([-1, 1]);
  });

  it('NOTE: abs\'(0) is 0 (sign(0)), as PyTorch and JAX choose', () => {
    const x = tensor([0, -0], { requiresGrad: true });
    abs(x).sum().backward();
    expect(x.grad).toBeAllClose([0, 0]);
  });

  it('sign is not differentiable: its result never requires grad', () => {
    const x = tensor([1, -2], { requiresGrad: true });
    expect(sign(x).requiresGrad).toBe(false);
  });

  it('second derivatives: (eˣ)″ = eˣ, (ln x)″ = -1/x², (√x)″ = -1/(4 x^1.5); |x|′ is constant', () => {
    const x = tensor([0.25, 1, 4], { requiresGrad: true });
    const second = (f: (t: typeof x) => typeof x) => {
      const [d1] = gradients(f(x).sum(), [x], { createGraph: true });
      return gradients(d1!.sum(), [x])[0];
    };
    expect(second(exp)).toBeAllClose([Math.exp(0.25), Math.E, Math.exp(4)]);
    expect(second(log)).toBeAllClose([-16, -1, -1 / 16]);
    expect(second(sqrt)).toBeAllClose([-2, -0.25, -1 / 32]);
    // |x|' = sign(x) is piecewise constant: the first derivative does not depend on x at all
    const [d1] = gradients(abs(x).sum(), [x], { createGraph: true });
    expect(d1!.requiresGrad).toBe(false);
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }

  it('sign: matches Math.sign elementwise', () => {
    const vals = awayFromZero(12, 3).concat([0]);
    expect(sign(tensor(vals))).toBeAllClose(vals.map(Math.sign));
  });
});

describe('float32', () => {
  it('keeps the dtype and rounds to float32', () => {
    const y = exp(tensor([1], { dtype: 'float32' }));
    expect(y.dtype).toBe('float32');
    expect(y.item()).toBe(Math.fround(Math.E));
  });
});

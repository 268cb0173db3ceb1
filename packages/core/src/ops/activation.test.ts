import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck } from '../autograd/gradcheck.js';
import { GC, awayFromZero, uniformValues } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { relu, sigmoid, sigmoidScalar, tanh } from './activation.js';

// σ by its definition, in the form that is accurate for moderate |x|
const sigma = (x: number) => 1 / (1 + Math.exp(-x));

const cases: Record<'sigmoid' | 'tanh' | 'relu', UnaryCase> = {
  // the two forms of σ differ by a few ulps for x < 0
  sigmoid: { op: sigmoid, f: sigma, df: (x) => sigma(x) * (1 - sigma(x)), values: (n, s) => uniformValues(n, s, -6, 6), tol: { atol: 0, rtol: 1e-15 }, gradTol: { atol: 0, rtol: 1e-14 } },
  // 1 - tanh² and 1/cosh² agree to rounding
  tanh: { op: tanh, f: Math.tanh, df: (x) => 1 / Math.cosh(x) ** 2, gradTol: { atol: 1e-16, rtol: 1e-14 } },
  relu: { op: relu, f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), values: awayFromZero },
};

describe('sigmoid, tanh, relu: forward on known values', () => {
  it('sigmoid(0) = ½, sigmoid(ln 3) = ¾, sigmoid(-ln 3) = ¼', () => {
    expect(sigmoid(tensor([0, Math.log(3), -Math.log(3)]))).toBeAllClose([0.5, 0.75, 0.25], { atol: 0, rtol: 1e-15 });
  });

  it('tanh(0) = 0, tanh(ln 2) = 3/5', () => {
    expect(tanh(tensor([0, Math.LN2, -Math.LN2]))).toBeAllClose([0, 0.6, -0.6], { atol: 0, rtol: 1e-15 });
  });

  it('relu keeps positives, zeros negatives, keeps NaN', () => {
    expect(relu(tensor([-1, 0, 2, -0.5, NaN]))).toBeAllClose([0, 0, 2, 0, NaN]);
  });
});

describe('gradients against closed forms', () => {
  it('σ\' = σ(1-σ): ¼ at 0, 3/16 at ±ln 3', () => {
    const x = tensor([0, Math.log(3), -Math.log(3)], { requiresGrad: true });
    sigmoid(x).sum().backward();
    expect(x.grad).toBeAllClose([0.25, 3 / 16, 3 / 16], { atol: 0, rtol: 1e-15 });
  });

  it('tanh\' = 1 - tanh²: 1 at 0, 16/25 at ln 2', () => {
    const x = tensor([0, Math.LN2], { requiresGrad: true });
    tanh(x).sum().backward();
    expect(x.grad).toBeAllClose([1, 16 / 25], { atol: 0, rtol: 1e-15 });
  });

  it('NOTE: relu(NaN) is NaN with gradient 1: the gradient passes, as PyTorch\'s threshold_backward (x <= 0 ? 0 : grad)', () => {
    const x = tensor([NaN, -1, 2], { requiresGrad: true });
    const y = relu(x);
    expect(y).toBeAllClose([NaN, 0, 2]);
    y.backward(tensor([5, 5, 5]));
    expect(x.grad).toBeAllClose([5, 0, 5]);
  });

  it('NOTE: relu\'(0) = 0, as PyTorch, JAX and TensorFlow choose', () => {
    const x = tensor([-2, 0, 3, -0], { requiresGrad: true });
    relu(x).sum().backward();
    expect(x.grad).toBeAllClose([0, 0, 1, 0]);
  });

  it('second derivatives: σ″ = σ(1-σ)(1-2σ), tanh″ = -2 tanh (1 - tanh²); relu′ is constant', () => {
    const x = tensor([0.5, -1.5], { requiresGrad: true });
    const second = (f: (t: typeof x) => typeof x) => {
      const [d1] = gradients(f(x).sum(), [x], { createGraph: true });
      return gradients(d1!.sum(), [x])[0];
    };
    const s = [0.5, -1.5].map(sigma);
    expect(second(sigmoid)).toBeAllClose(s.map((v) => v * (1 - v) * (1 - 2 * v)), { atol: 1e-16, rtol: 1e-14 });
    const t = [0.5, -1.5].map(Math.tanh);
    expect(second(tanh)).toBeAllClose(t.map((v) => -2 * v * (1 - v * v)), { atol: 1e-16, rtol: 1e-14 });
    // relu' = [x > 0] is piecewise constant: the first derivative does not depend on x at all
    const [d1] = gradients(relu(x).sum(), [x], { createGraph: true });
    expect(d1).toBeAllClose([1, 0]);
    expect(d1!.requiresGrad).toBe(false);
  });
});

describe('stability at large |x|', () => {
  it('sigmoid(±1000) is exactly 1 and 0, with gradient 0, never NaN', () => {
    const x = tensor([1000, -1000, 710, -710, 745, -745], { requiresGrad: true });
    const y = sigmoid(x);
    expect(y.buffer[0]).toBe(1);
    expect(y.buffer[1]).toBe(0);
    expect(Array.from(y.buffer).every(Number.isFinite)).toBe(true);
    y.sum().backward();
    expect(x.grad!.buffer[0]).toBe(0);
    expect(x.grad!.buffer[1]).toBe(0);
    expect(Array.from(x.grad!.buffer).every(Number.isFinite)).toBe(true);
  });

  it('sigmoid keeps tiny values for very negative x (no 1 - 1 cancellation): σ(-30) ≈ e⁻³⁰', () => {
    // σ(-30) = e⁻³⁰ / (1 + e⁻³⁰), relative difference from e⁻³⁰ below 1e-13
    expect(sigmoid(tensor([-30]))).toBeAllClose([Math.exp(-30) / (1 + Math.exp(-30))], { atol: 0, rtol: 1e-15 });
    expect(sigmoidScalar(-800)).toBe(0);
    expect(sigmoidScalar(800)).toBe(1);
  });

  it('tanh(±1000) = ±1 with gradient 0', () => {
    const x = tensor([1000, -1000], { requiresGrad: true });
    const y = tanh(x);
    expect(y).toBeAllClose([1, -1]);
    y.sum().backward();
    expect(x.grad).toBeAllClose([0, 0]);
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }

  it('composite: gradcheck of tanh(relu(x)·σ(x))', () => {
    const x = tensor(awayFromZero(6, 11)).reshape([2, 3]);
    expect(gradcheck((t) => tanh(relu(t).mul(sigmoid(t))), [x], GC).ok).toBe(true);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, awayFromZero, expectRef, fromRef, seedArb, size, t64, uniformValues } from '../test-utils/index.js';
import { axesOf, positiveAxes, reductionArb, refReduceSlices, refReduceSlicesGrad } from '../test-utils/slices.js';
import { norm } from './norm.js';

/** ‖v‖ₚ and its partial derivatives by the textbook formulas, no scaling. */
const refNorm = (p: number) => (v: number[]) => (p === Infinity ? Math.max(...v.map(Math.abs)) : v.reduce((s, x) => s + Math.abs(x) ** p, 0) ** (1 / p));
const refNormGrad = (p: number) => (v: number[]) => {
  const n = refNorm(p)(v);
  if (p === Infinity) {
    const ties = v.filter((x) => Math.abs(x) === n).length;
    return v.map((x) => (Math.abs(x) === n ? Math.sign(x) / ties : 0));
  }
  return v.map((x) => (Math.sign(x) * Math.abs(x) ** (p - 1)) / n ** (p - 1));
};

describe('norm: known values', () => {
  it('p = 2 (the default), 1, Infinity, 3 and ½', () => {
    const x = tensor([3, -4]);
    expect(norm(x)).toBeAllClose(5);
    expect(norm(x, { p: 1 })).toBeAllClose(7);
    expect(norm(x, { p: Infinity })).toBeAllClose(4);
    expect(norm(x, { p: 3 })).toBeAllClose(91 ** (1 / 3), { atol: 0, rtol: 1e-15 });
    expect(norm(x, { p: 0.5 })).toBeAllClose((Math.sqrt(3) + 2) ** 2, { atol: 0, rtol: 1e-15 });
    expect(tensor([[3, 4], [6, 8]]).norm(2, 1, true)).toBeAllClose([[5], [10]]);
  });

  it('NOTE: scaled, so it neither overflows nor underflows (PyTorch gives Infinity and 0 here)', () => {
    expect(norm(tensor([1e200, 1e200]))).toBeAllClose(Math.SQRT2 * 1e200, { atol: 0, rtol: 1e-15 });
    expect(norm(tensor([1e-200, 1e-200]))).toBeAllClose(Math.SQRT2 * 1e-200, { atol: 0, rtol: 1e-15 });
    expect(norm(tensor([3e300, 4e300]), { p: 3 })).toBeAllClose(91 ** (1 / 3) * 1e300, { atol: 0, rtol: 1e-14 });
    expect(norm(tensor([1.5e308, 1.5e308]))).toBeAllClose(Infinity); // the true value is above the largest double
  });

  it('NOTE: bit for bit the unscaled √Σx² for p = 2 where that does not overflow', () => {
    const v = uniformValues(50, 3, -1e10, 1e10);
    const plain = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    expect(norm(tensor(v)).item()).toBe(plain);
  });

  it('NaN wins over Infinity, Infinity over everything else', () => {
    expect(norm(tensor([1, Infinity, NaN]))).toBeAllClose(NaN);
    expect(norm(tensor([1, -Infinity, 2]))).toBeAllClose(Infinity);
    expect(norm(tensor([1, -Infinity, 2]), { p: Infinity })).toBeAllClose(Infinity);
    expect(norm(tensor([1, NaN, 2]), { p: Infinity })).toBeAllClose(NaN);
  });

  it('refuses p ≤ 0 and NaN', () => {
    expect(() => norm(tensor([1]), { p: 0 })).toThrow(/p must be a number > 0 or Infinity/);
    expect(() => norm(tensor([1]), { p: NaN })).toThrow(/p must be a number > 0/);
  });
});

describe('gradients, as PyTorch at zeros and ties', () => {
  it('NOTE: 0 at a zero norm (p = 2, 3, ½, 1.5), not 0/0', () => {
    for (const p of [2, 3, 0.5, 1.5]) {
      const x = tensor([0, 0, -0], { requiresGrad: true });
      norm(x, { p }).backward();
      expect(x.grad, `p = ${p}`).toBeAllClose([0, 0, 0]);
    }
  });

  it('NOTE: p < 1: 0 at an element that is 0 (|x|^(p−1) is infinite there)', () => {
    const x = tensor([0, 1, 4], { requiresGrad: true });
    norm(x, { p: 0.5 }).backward();
    // ‖x‖ = 9, d/dxᵢ = xᵢ^(−½)·‖x‖^(½) = [0, 3, 1.5]
    expect(x.grad).toBeAllClose([0, 3, 1.5]);
  });

  it('p = 1: sign(x), 0 at 0 and at NaN; p = Infinity: ties share evenly', () => {
    const x = tensor([0, -2, NaN, 3], { requiresGrad: true });
    norm(x, { p: 1 }).backward();
    expect(x.grad).toBeAllClose([0, -1, 0, 1]);
    const y = tensor([1, -3, 3, 2], { requiresGrad: true });
    norm(y, { p: Infinity }).backward();
    expect(y.grad).toBeAllClose([0, -0.5, 0.5, 0]);
  });

  it('the Hessian of the 2-norm is (I − x̂x̂ᵀ)/‖x‖', () => {
    const x = tensor([3, 4], { requiresGrad: true });
    const [d1] = gradients(norm(x), [x], { createGraph: true });
    const [h0] = gradients(d1!.mul(tensor([1, 0])).sum(), [x]);
    expect(h0).toBeAllClose([(1 - 9 / 25) / 5, -12 / 25 / 5]);
  });
});

describe('random shapes and axes', () => {
  for (const p of [2, 1, Infinity, 3, 0.5]) {
    it(`p = ${p}: matches the textbook reference, forward and backward`, () => {
      fc.assert(
        fc.property(reductionArb, seedArb, (r, seed) => {
          const axes = axesOf(r);
          const pos = positiveAxes(axes, r.shape.length);
          const X = { shape: r.shape, data: awayFromZero(size(r.shape), seed) };
          const x = fromRef(X, true);
          const y = norm(x, { p, axes, keepdims: r.keepdims });
          const want = refReduceSlices(X, pos, r.keepdims, refNorm(p));
          expectRef(y, want, { atol: 0, rtol: 1e-14 });
          const v = uniformValues(want.data.length, seed + 1);
          y.backward(t64(v, want.shape));
          expectRef(x.grad!, refReduceSlicesGrad(X, pos, v, refNormGrad(p)), { atol: 1e-15, rtol: 1e-13 });
        }),
        FC,
      );
    });
  }

  it('gradcheck (all p) and gradgradcheck (the smooth ones)', () => {
    fc.assert(
      fc.property(reductionArb, seedArb, (r, seed) => {
        const axes = axesOf(r);
        const x = t64(awayFromZero(size(r.shape), seed), r.shape);
        for (const p of [2, 1, Infinity, 3, 0.5, 1.5]) {
          const f = (t: typeof x) => norm(t, { p, axes, keepdims: r.keepdims });
          expect(gradcheck(f, [x], GC).ok, `p = ${p}`).toBe(true);
          if (p !== 1 && p !== Infinity) expect(gradgradcheck(f, [x], { ...GC, seed }).ok, `p = ${p}`).toBe(true);
        }
      }),
      FC_GRAD,
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, expectRef, fromRef, seedArb, size, t64, uniformValues } from '../test-utils/index.js';
import { axesOf, positiveAxes, reductionArb, refReduceSlices, refReduceSlicesGrad } from '../test-utils/slices.js';
import { std, variance } from './moments.js';

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const refVar = (c: number) => (v: number[]) => v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / Math.max(0, v.length - c);
const refVarGrad = (c: number) => (v: number[]) => v.map((x) => (2 * (x - mean(v))) / (v.length - c));

describe('var and std: known values', () => {
  it('unbiased by default (correction 1), population with correction 0', () => {
    const x = tensor([1, 2, 3, 4]);
    expect(variance(x)).toBeAllClose(5 / 3);
    expect(variance(x, { correction: 0 })).toBeAllClose(1.25);
    expect(std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), { correction: 0 })).toBeAllClose(2);
    expect(x.var(undefined, { correction: 2 })).toBeAllClose(2.5);
  });

  it('over axes, with keepdims', () => {
    const x = tensor([[1, 2, 3], [4, 6, 8]]);
    expect(variance(x, { axes: 1 })).toBeAllClose([1, 4]);
    expect(x.std(-1, { keepdims: true })).toBeAllClose([[1], [2]]);
    expect(x.var([0, 1]).shape).toEqual([]);
  });

  it('NOTE: two passes keep the variance of data far from 0 (Σx²/n − mean² gives 0 or garbage), corrected for the rounded mean', () => {
    expect(variance(tensor([1e9, 1e9 + 1, 1e9 + 2]))).toBeAllClose(1, { atol: 0, rtol: 1e-15 });
    expect(variance(tensor([1e16, 1e16 + 2]), { correction: 0 })).toBeAllClose(1);
  });

  it('NOTE: n ≤ correction: Infinity (NaN when the deviations are 0), gradient ±Infinity or NaN', () => {
    expect(variance(tensor([1]))).toBeAllClose(NaN);
    expect(variance(tensor([1, 2]), { correction: 3 })).toBeAllClose(Infinity);
    const x = tensor([1, 2, 3], { requiresGrad: true });
    variance(x, { correction: 3 }).backward();
    expect(x.grad).toBeAllClose([-Infinity, NaN, Infinity]);
  });

  it('NaN and infinities propagate as in PyTorch', () => {
    expect(variance(tensor([1, NaN, 3]))).toBeAllClose(NaN);
    const x = tensor([1, Infinity, 3, 0], { requiresGrad: true });
    expect(variance(x)).toBeAllClose(NaN);
    variance(x).backward();
    expect(x.grad).toBeAllClose([-Infinity, NaN, -Infinity, -Infinity]);
  });

  it('refuses a negative or non-finite correction', () => {
    expect(() => variance(tensor([1, 2]), { correction: -1 })).toThrow(/correction must be a finite number >= 0/);
  });
});

describe('gradients', () => {
  it('d var = 2(x − mean)/(n − c); d std = d var / (2 std)', () => {
    const x = tensor([1, 2, 4], { requiresGrad: true });
    // mean 7/3, deviations d = [−4/3, −1/3, 5/3], var = Σd²/2 = 7/3, d var = 2d/2 = d
    const d = [-4 / 3, -1 / 3, 5 / 3];
    const [gv] = gradients(variance(x), [x]);
    expect(gv).toBeAllClose(d);
    const [gs] = gradients(std(x), [x]);
    expect(gs).toBeAllClose(d.map((v) => v / (2 * Math.sqrt(7 / 3))));
  });

  it('NOTE: std′ is 0 where all the reduced elements are equal, not NaN (as PyTorch)', () => {
    const x = tensor([[2, 2, 2], [1, 2, 3]], { requiresGrad: true });
    std(x, { axes: 1 }).sum().backward();
    expect(x.grad).toBeAllClose([[0, 0, 0], [-0.5, 0, 0.5]]);
  });

  it('the Hessian of var is 2/(n − c)·(I − 1/n)', () => {
    const x = tensor([0.3, -1, 2], { requiresGrad: true });
    const [d1] = gradients(variance(x, { correction: 0 }), [x], { createGraph: true });
    const [h0] = gradients(d1!.mul(tensor([1, 0, 0])).sum(), [x]);
    expect(h0).toBeAllClose([(2 / 3) * (1 - 1 / 3), (2 / 3) * (-1 / 3), (2 / 3) * (-1 / 3)]);
  });
});

describe('random shapes and axes', () => {
  for (const correction of [0, 1]) {
    it(`var (correction ${correction}) matches the two-pass reference, forward and backward`, () => {
      fc.assert(
        fc.property(reductionArb, seedArb, (r, seed) => {
          const axes = axesOf(r);
          const pos = positiveAxes(axes, r.shape.length);
          const X = { shape: r.shape, data: uniformValues(size(r.shape), seed) };
          const n = pos.reduce((k, a) => k * r.shape[a], 1);
          fc.pre(n > correction);
          const x = fromRef(X, true);
          const y = variance(x, { axes, correction, keepdims: r.keepdims });
          const want = refReduceSlices(X, pos, r.keepdims, refVar(correction));
          expectRef(y, want, { atol: 1e-15, rtol: 1e-13 });
          const v = uniformValues(want.data.length, seed + 1);
          y.backward(t64(v, want.shape));
          expectRef(x.grad!, refReduceSlicesGrad(X, pos, v, refVarGrad(correction)), { atol: 1e-15, rtol: 1e-13 });
        }),
        FC,
      );
    });
  }

  it('var and std: gradcheck and gradgradcheck', () => {
    fc.assert(
      fc.property(reductionArb, seedArb, (r, seed) => {
        const axes = axesOf(r);
        const n = positiveAxes(axes, r.shape.length).reduce((k, a) => k * r.shape[a], 1);
        fc.pre(n > 1);
        const x = t64(uniformValues(size(r.shape), seed), r.shape);
        for (const op of [variance, std]) {
          const f = (t: typeof x) => op(t, { axes, keepdims: r.keepdims });
          expect(gradcheck(f, [x], GC).ok).toBe(true);
          expect(gradgradcheck(f, [x], { ...GC, seed }).ok).toBe(true);
        }
      }),
      FC_GRAD,
    );
  });
});

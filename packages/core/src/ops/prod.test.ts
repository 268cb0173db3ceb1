import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, expectRef, fromRef, mulberry32, seedArb, size, t64, uniformValues } from '../test-utils/index.js';
import { axesOf, positiveAxes, reductionArb, refReduceSlices, refReduceSlicesGrad } from '../test-utils/slices.js';
import { prod } from './prod.js';

const product = (v: number[]) => v.reduce((p, x) => p * x, 1);
/** ∂/∂xₖ Π x = Π_(j≠k) x_j, by its definition (no division). */
const others = (v: number[]) => v.map((_, k) => product(v.filter((_, j) => j !== k)));
/** Values in [−2, 2] with about a third of them exactly 0. */
const withZeros = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return uniformValues(n, seed).map((v) => (r() < 0.33 ? 0 : v));
};

describe('prod: known values', () => {
  it('over everything and over axes; 1 over no elements', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(prod(x)).toBeAllClose(24);
    expect(prod(x, { axes: 1 })).toBeAllClose([2, 12]);
    expect(x.prod(0, true)).toBeAllClose([[3, 8]]);
    expect(prod(tensor([]))).toBeAllClose(1);
  });
});

describe('gradients', () => {
  it('without zeros: Π x / xₖ', () => {
    const x = tensor([2, 3, 4], { requiresGrad: true });
    prod(x).backward();
    expect(x.grad).toBeAllClose([12, 8, 6]);
  });

  it('NOTE: one zero: only the zero gets a gradient, the product of the others', () => {
    const x = tensor([2, 0, 4], { requiresGrad: true });
    prod(x).backward();
    expect(x.grad!.toArray()).toEqual([0, 8, 0]);
  });

  it('NOTE: several zeros: all 0; per slice, whatever the other slices hold', () => {
    const x = tensor([[0, 3, 0], [2, 3, 4]], { requiresGrad: true });
    prod(x, { axes: 1 }).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0, 0], [12, 8, 6]]);
  });

  it('NOTE: next to an infinity the true partial derivative (PyTorch: NaN)', () => {
    const x = tensor([2, Infinity, -Infinity], { requiresGrad: true });
    prod(x).backward();
    expect(x.grad).toBeAllClose([-Infinity, -Infinity, Infinity]);
  });

  it('second derivatives with zeros: ∂²Π/∂xⱼ∂xₖ = Π of the rest', () => {
    const x = tensor([0, 2, 3], { requiresGrad: true });
    const [d1] = gradients(prod(x), [x], { createGraph: true });
    expect(d1).toBeAllClose([6, 0, 0]);
    const [row0] = gradients(d1!.mul(tensor([1, 0, 0])).sum(), [x]); // ∂(x₁x₂)/∂x
    expect(row0).toBeAllClose([0, 3, 2]);
  });
});

describe('random shapes and axes', () => {
  it('matches the definition, forward and backward, with and without zeros', () => {
    fc.assert(
      fc.property(reductionArb, seedArb, fc.boolean(), (r, seed, zeros) => {
        const axes = axesOf(r);
        const pos = positiveAxes(axes, r.shape.length);
        const X = { shape: r.shape, data: (zeros ? withZeros : uniformValues)(size(r.shape), seed) };
        const x = fromRef(X, true);
        const y = prod(x, { axes, keepdims: r.keepdims });
        const want = refReduceSlices(X, pos, r.keepdims, product);
        expectRef(y, want, { atol: 1e-15, rtol: 1e-14 });
        const v = uniformValues(want.data.length, seed + 1);
        y.backward(t64(v, want.shape));
        expectRef(x.grad!, refReduceSlicesGrad(X, pos, v, others), { atol: 1e-15, rtol: 1e-14 });
      }),
      FC,
    );
  });

  it('gradcheck and gradgradcheck, with zeros too', () => {
    fc.assert(
      fc.property(reductionArb, seedArb, (r, seed) => {
        const axes = axesOf(r);
        const x = t64(withZeros(size(r.shape), seed), r.shape);
        const f = (t: typeof x) => prod(t, { axes, keepdims: r.keepdims });
        expect(gradcheck(f, [x], GC).ok).toBe(true);
        expect(gradgradcheck(f, [x], { ...GC, seed }).ok).toBe(true);
      }),
      FC_GRAD,
    );
  });
});

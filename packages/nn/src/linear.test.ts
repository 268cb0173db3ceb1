import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gradcheck, gradgradcheck, randn, tensor } from '@chainrule/core';
import { linear } from './linear.js';

/** y[n][o] = Σ_k x[n][k] W[o][k] + b[o], written out independently of the op. */
function reference(x: number[][], w: number[][], b: number[] | number | null): number[][] {
  return x.map((row) => w.map((wo, o) => wo.reduce((acc, wk, k) => acc + row[k] * wk, 0) + (b === null ? 0 : typeof b === 'number' ? b : b[o])));
}

describe('linear', () => {
  it('computes x Wᵀ + b for one sample and for a batch', () => {
    const w = [[0.15, 0.2], [0.25, 0.3], [1, -1]];
    expect(linear(tensor([0.05, 0.1]), tensor(w), tensor([0.35, 0.35, 0])).toArray()).toEqual(reference([[0.05, 0.1]], w, [0.35, 0.35, 0])[0]);
    const x = [[1, 2], [3, 4]];
    expect(linear(tensor(x), tensor(w), tensor([1, 2, 3])).toArray()).toEqual(reference(x, w, [1, 2, 3]));
    expect(linear(tensor(x), tensor(w), 0.5).toArray()).toEqual(reference(x, w, 0.5));
    expect(linear(tensor(x), tensor(w)).toArray()).toEqual(reference(x, w, null));
    expect(linear(x, tensor(w), null).shape).toEqual([2, 3]);
  });

  it("gives the article's net_h1 = 0.3775 exactly as w1*i1 + w2*i2 + b1 in float64", () => {
    const y = linear(tensor([0.05, 0.1]), tensor([[0.15, 0.2], [0.25, 0.3]]), tensor(0.35));
    expect(y.toArray()).toEqual([0.15 * 0.05 + 0.2 * 0.1 + 0.35, 0.25 * 0.05 + 0.3 * 0.1 + 0.35]);
  });

  it('matches the reference on random shapes and values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, i, o, seed) => {
        const x = randn([n, i], { seed });
        const w = randn([o, i], { seed: seed + 1 });
        const b = randn([o], { seed: seed + 2 });
        const got = linear(x, w, b);
        const want = reference(x.toArray() as number[][], w.toArray() as number[][], b.toArray() as number[]);
        // the same products summed in the same order: equal to the last bit
        expect(got.toArray()).toEqual(want);
      }),
      { numRuns: 50 },
    );
  });

  it('passes gradcheck for x, W and b: batch, single sample, shared scalar bias', () => {
    const x = randn([3, 4], { seed: 1 }), w = randn([2, 4], { seed: 2 }), b = randn([2], { seed: 3 });
    expect(gradcheck((x, w, b) => linear(x, w, b), [x, w, b]).ok).toBe(true);
    expect(gradcheck((x, w, b) => linear(x, w, b), [randn([4], { seed: 4 }), w, b]).ok).toBe(true);
    expect(gradcheck((x, w, b) => linear(x, w, b), [x, w, tensor(0.35)]).ok).toBe(true);
    expect(gradcheck((x, w) => linear(x, w), [x, w]).ok).toBe(true);
  });

  it('has correct second derivatives (its backward is made of tensor ops)', () => {
    const f = (x: ReturnType<typeof tensor>, w: ReturnType<typeof tensor>, b: ReturnType<typeof tensor>) => linear(x, w, b).sigmoid();
    expect(gradgradcheck(f, [randn([2, 3], { seed: 5 }), randn([2, 3], { seed: 6 }), randn([2], { seed: 7 })]).ok).toBe(true);
  });

  it('a shared bias gets the sum of the gradients of every unit and sample', () => {
    const b = tensor(0.35, { requiresGrad: true });
    linear(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 1], [1, 1]]), b).sum().backward();
    expect(b.grad!.item()).toBe(6); // 2 samples × 3 units, each d y / d b = 1
  });

  it('refuses shapes that do not fit, naming them', () => {
    const w = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => linear(tensor([1, 2]), w)).toThrow(/linear: input of shape \[2\] does not fit weight \[2,3\]/);
    expect(() => linear(tensor([[[1, 2, 3]]]), w)).toThrow(/input of shape \[1,1,3\]/);
    expect(() => linear(tensor([1, 2, 3]), tensor([1, 2, 3]))).toThrow(/weight must be 2-D/);
    expect(() => linear(tensor([1, 2, 3]), w, tensor([1, 2, 3]))).toThrow(/bias of shape \[3\] does not fit 2 output units/);
  });
});

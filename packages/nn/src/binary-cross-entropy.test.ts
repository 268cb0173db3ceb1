import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gradcheck, gradgradcheck, randn, rand, tensor } from '@chainrule/core';
import { BCELoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, BCEWithLogitsLoss } from './binary-cross-entropy.js';

const leaf = (v: number[] | number[][]) => tensor(v, { requiresGrad: true });

describe('binaryCrossEntropy', () => {
  const bce = (p: number, y: number) => -(y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log(1 - p), -100));

  it('matches −(y log p + (1 − y) log(1 − p)), mean and sum', () => {
    const p = [0.1, 0.5, 0.9, 0.3], y = [0, 1, 1, 0.25];
    const terms = p.map((v, i) => bce(v, y[i]));
    expect(binaryCrossEntropy(tensor(p), y, { reduction: 'sum' }).item()).toBeAllClose(terms.reduce((s, v) => s + v, 0), { rtol: 2e-16, atol: 0 });
    expect(new BCELoss().forward(tensor(p), tensor(y)).item()).toBeAllClose(terms.reduce((s, v) => s + v, 0) / 4, { rtol: 2e-16, atol: 0 });
    expect(binaryCrossEntropy(tensor([0.5]), [1]).item()).toBe(Math.LN2);
  });

  it('clamps each log at −100 like PyTorch: p = 0 or 1 gives a finite loss and gradient', () => {
    expect(binaryCrossEntropy(tensor([0, 1, 0, 1]), [1, 0, 0, 1], { reduction: 'sum' }).item()).toBe(200);
    const p = leaf([0, 1]);
    binaryCrossEntropy(p, [1, 0], { reduction: 'sum' }).backward();
    // PyTorch's rule: (p − y) / max(p(1 − p), 1e-12)
    expect(p.grad!.toArray()).toEqual([-1e12, 1e12]);
  });

  it('has gradient (p − y) / (p(1 − p)) / n inside (0, 1)', () => {
    const p = leaf([0.2, 0.6]);
    binaryCrossEntropy(p, [1, 0]).backward();
    expect(p.grad!.toArray()).toBeAllClose([(0.2 - 1) / (0.2 * 0.8) / 2, 0.6 / (0.6 * 0.4) / 2], { rtol: 4e-16, atol: 0 });
  });

  it('passes gradcheck for probabilities and targets', () => {
    const p = rand([2, 3], { seed: 6 }).mul(0.8).add(0.1); // inside [0.1, 0.9]
    expect(gradcheck((a, b) => binaryCrossEntropy(a, b), [p, rand([2, 3], { seed: 7 })]).ok).toBe(true);
  });

  it('matches the closed form on random inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 8 }), (pairs) => {
        const got = binaryCrossEntropy(tensor(pairs.map(([p]) => p)), pairs.map(([, y]) => y), { reduction: 'sum' }).item();
        const want = pairs.reduce((s, [p, y]) => s + bce(p, y), 0);
        expect(got).toBeAllClose(want, { rtol: 1e-14, atol: 1e-15 });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses probabilities outside [0, 1] and different shapes', () => {
    expect(() => binaryCrossEntropy(tensor([1.5]), [1])).toThrow(/element 0 is 1.5/);
    expect(() => binaryCrossEntropy(tensor([0.5, 0.5]), [1])).toThrow('binaryCrossEntropy: probabilities of shape [2] and target of shape [1] differ');
  });
});

describe('binaryCrossEntropy weight and none', () => {
  it('weights each term (broadcast to the input) and returns the terms with none', () => {
    const p = [[0.1, 0.5], [0.9, 0.3]], y = [[0, 1], [1, 0]];
    const terms = p.map((row, i) => row.map((v, j) => -(y[i][j] * Math.log(v) + (1 - y[i][j]) * Math.log(1 - v))));
    expect(binaryCrossEntropy(tensor(p), y, { reduction: 'none' }).toArray()).toBeAllClose(terms, { rtol: 1e-15, atol: 0 });
    const w = [2, 0.5];
    const weighted = new BCELoss({ weight: w, reduction: 'none' }).forward(tensor(p), tensor(y));
    expect(weighted.toArray()).toBeAllClose(terms.map((row) => row.map((v, j) => v * w[j])), { rtol: 1e-15, atol: 0 });
    expect(() => binaryCrossEntropy(tensor(p), y, { weight: [1, 2, 3] })).toThrow('binaryCrossEntropy: weight of shape [3] does not broadcast to the input\'s shape [2,2]');
    expect(() => binaryCrossEntropy(tensor([0.5]), [1], { weight: [1, 2] })).toThrow(/weight of shape \[2\] does not broadcast to the input's shape \[1\]/);
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

  it('is the BCE of σ(x), computed without σ: exact for any logit', () => {
    const x = [-3, -0.5, 0, 1, 4], y = [0, 1, 0.5, 1, 0];
    const want = x.map((v, i) => (1 - y[i]) * v + softplus(-v));
    expect(binaryCrossEntropyWithLogits(tensor(x), y, { reduction: 'none' }).toArray()).toBeAllClose(want, { rtol: 1e-15, atol: 1e-16 });
    expect(binaryCrossEntropyWithLogits(tensor(x), y, { reduction: 'none' }).toArray()).toBeAllClose(binaryCrossEntropy(tensor(x.map(sig)), y, { reduction: 'none' }).toArray() as number[], { rtol: 1e-14, atol: 1e-15 });
    expect(binaryCrossEntropyWithLogits(tensor([0]), [1]).item()).toBe(Math.LN2);
    expect(binaryCrossEntropyWithLogits(tensor([1000, -1000, 1000]), [0, 1, 1], { reduction: 'none' }).toArray()).toEqual([1000, 1000, 0]);
  });

  it('gradient σ(x) − y, and w((1 + (p − 1)y)σ(x) − p·y) with posWeight p and weight w', () => {
    const xs = [-2, 0.5, 3, -1000, 1000], ys = [1, 0, 0.3, 1, 0];
    const x = leaf(xs);
    binaryCrossEntropyWithLogits(x, ys, { reduction: 'sum' }).backward();
    expect(x.grad!.toArray()).toBeAllClose(xs.map((v, i) => sig(v) - ys[i]), { rtol: 1e-14, atol: 1e-16 });
    const z = leaf([[-2, 0.5], [3, 1]]);
    const p = [3, 0.5], w = [[1], [2]];
    const yy = [[1, 0], [0.3, 1]];
    new BCEWithLogitsLoss({ posWeight: p, weight: w, reduction: 'sum' }).forward(z, tensor(yy)).backward();
    const want = [[-2, 0.5], [3, 1]].map((row, i) => row.map((v, j) => w[i][0] * ((1 + (p[j] - 1) * yy[i][j]) * sig(v) - p[j] * yy[i][j])));
    expect(z.grad!.toArray()).toBeAllClose(want, { rtol: 1e-14, atol: 1e-16 });
  });

  it('posWeight multiplies the positive term: ℓ = (1 − y)x + (1 + (p − 1)y)·log(1 + e^(−x))', () => {
    const x = [0.3, -1.2, 2], y = [1, 0, 0.5], p = 4;
    const want = x.map((v, i) => (1 - y[i]) * v + (1 + (p - 1) * y[i]) * softplus(-v));
    expect(binaryCrossEntropyWithLogits(tensor(x), y, { posWeight: [p], reduction: 'none' }).toArray()).toBeAllClose(want, { rtol: 1e-15, atol: 1e-16 });
  });

  it('passes gradcheck and gradgradcheck for logits and targets', () => {
    const f = (x: ReturnType<typeof tensor>, y: ReturnType<typeof tensor>) => binaryCrossEntropyWithLogits(x, y, { posWeight: [2, 0.5, 1] });
    expect(gradcheck(f, [randn([2, 3], { seed: 1 }), rand([2, 3], { seed: 2 })]).ok).toBe(true);
    expect(gradgradcheck(f, [randn([2, 3], { seed: 1 }), rand([2, 3], { seed: 2 })]).ok).toBe(true);
  });

  it('refuses shapes that differ and weights that do not broadcast; keeps weights as buffers', () => {
    expect(() => binaryCrossEntropyWithLogits(tensor([1, 2]), [1])).toThrow('binaryCrossEntropyWithLogits: logits of shape [2] and target of shape [1] differ');
    expect(() => binaryCrossEntropyWithLogits(tensor([[1, 2]]), [[1, 0]], { posWeight: [1, 2, 3] })).toThrow("binaryCrossEntropyWithLogits: posWeight of shape [3] does not broadcast to the input's shape [1,2]");
    const loss = new BCEWithLogitsLoss({ posWeight: [3] });
    expect(Object.keys(loss.stateDict())).toEqual(['posWeight']);
    expect(String(loss)).toBe('BCEWithLogitsLoss(reduction=mean, posWeight)');
  });
});

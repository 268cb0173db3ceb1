import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gradcheck, gradgradcheck, randn, tensor } from '@chainrule/core';
import { HuberLoss, huberLoss, L1Loss, l1Loss, MSELoss, mseLoss, SmoothL1Loss, smoothL1Loss } from './losses.js';

const leaf = (v: number[] | number[][]) => tensor(v, { requiresGrad: true });

describe('mseLoss', () => {
  const p = [0.75, -0.25, 2], t = [0.5, 0.25, 1];
  const d = p.map((v, i) => v - t[i]); // [0.25, -0.5, 1]: exact in binary
  const sq = d.reduce((s, v) => s + v * v, 0); // 1.3125

  it('mean, sum and halfSum against their closed forms, with their gradients', () => {
    const cases = [
      ['mean', sq / 3, d.map((v) => (2 * v) / 3)],
      ['sum', sq, d.map((v) => 2 * v)],
      ['halfSum', sq / 2, d],
    ] as const;
    for (const [reduction, value, grad] of cases) {
      const x = leaf(p);
      const loss = mseLoss(x, t, { reduction });
      expect(loss.shape).toEqual([]);
      expect(loss.item()).toBeAllClose(value, { rtol: 2e-16, atol: 0 });
      loss.backward();
      expect(x.grad!.toArray()).toBeAllClose(grad, { rtol: 2e-16, atol: 0 });
    }
    expect(new MSELoss().forward(tensor(p), tensor(t)).item()).toBeAllClose(sq / 3, { rtol: 2e-16, atol: 0 });
    expect(new MSELoss({ reduction: 'halfSum' }).reduction).toBe('halfSum');
    const x = leaf(p);
    const none = mseLoss(x, t, { reduction: 'none' });
    expect(none.toArray()).toEqual(d.map((v) => v * v));
    none.backward(tensor([1, 2, 3]));
    expect(x.grad!.toArray()).toEqual(d.map((v, i) => 2 * v * (i + 1)));
  });

  it("halfSum is the article's E_total = Σ ½ (target − out)²", () => {
    const out = [0.75136507, 0.772928465];
    expect(mseLoss(tensor(out), [0.01, 0.99], { reduction: 'halfSum' }).item()).toBeAllClose(0.5 * (0.01 - out[0]) ** 2 + 0.5 * (0.99 - out[1]) ** 2, { rtol: 2e-16, atol: 0 });
  });

  it('passes gradcheck in the prediction and the target, for every reduction', () => {
    for (const r of ['mean', 'sum', 'halfSum', 'none'] as const) {
      expect(gradcheck((a, b) => mseLoss(a, b, { reduction: r }), [randn([2, 3], { seed: 1 }), randn([2, 3], { seed: 2 })]).ok).toBe(true);
    }
    // the fused op's backward is made of tensor ops: second derivatives work too
    expect(gradgradcheck((a, b) => mseLoss(a.sigmoid(), b), [randn([3], { seed: 3 }), randn([3], { seed: 4 })]).ok).toBe(true);
  });

  it('matches Σ(p − t)² on random inputs; halfSum·2 = sum = mean·n', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true })), { minLength: 1, maxLength: 12 }), (pairs) => {
        // NOTE: a subnormal square (|d| < 1.5e-154) loses bits when halved, and halfSum·2 = sum then
        // fails in the last bit (found with d = 1.2e-159): such inputs are outside this exact claim
        fc.pre(pairs.every(([x, y]) => (x - y) ** 2 === 0 || (x - y) ** 2 >= 2.2250738585072014e-308));
        const a = tensor(pairs.map(([x]) => x)), b = tensor(pairs.map(([, y]) => y));
        const want = pairs.reduce((s, [x, y]) => s + (x - y) * (x - y), 0);
        // same terms, summed by core's reduction: a pairwise or sequential order may differ in the last bits
        expect(mseLoss(a, b, { reduction: 'sum' }).item()).toBeAllClose(want, { rtol: 1e-13, atol: 1e-300 });
        expect(mseLoss(a, b, { reduction: 'halfSum' }).item() * 2).toBe(mseLoss(a, b, { reduction: 'sum' }).item());
        expect(mseLoss(a, b, { reduction: 'mean' }).item()).toBeAllClose(mseLoss(a, b, { reduction: 'sum' }).item() / pairs.length, { rtol: 4e-16, atol: 0 });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses different shapes and unknown reductions, naming the loss and both shapes', () => {
    expect(() => mseLoss(tensor([1, 2]), [1, 2, 3])).toThrow('mseLoss: prediction of shape [2] and target of shape [3] differ');
    expect(() => mseLoss(tensor([[1, 2]]), [1, 2])).toThrow(/shape \[1,2\] and target of shape \[2\]/);
    expect(() => mseLoss(tensor([1]), [1], { reduction: 'max' as 'sum' })).toThrow(`mseLoss: unknown reduction "max" (a string); expected 'none', 'mean', 'sum', 'halfSum'`);
    expect(() => new MSELoss({ reduction: 'avg' as 'sum' })).toThrow(/MSELoss: unknown reduction "avg"/);
    expect(() => mseLoss(tensor([1]), [1], { reductoin: 'sum' } as never)).toThrow("mseLoss: unknown option 'reductoin'; the options are reduction");
  });
});

describe('l1Loss', () => {
  it('|pred − target| with every reduction; gradient sign(d), 0 at d = 0', () => {
    const x = leaf([1, 2, 3]);
    expect(l1Loss(x, [1, 4, 2], { reduction: 'none' }).toArray()).toEqual([0, 2, 1]);
    expect(l1Loss(x, [1, 4, 2], { reduction: 'sum' }).item()).toBe(3);
    const mean = new L1Loss().forward(x, tensor([1, 4, 2]));
    expect(mean.item()).toBe(1);
    mean.backward();
    expect(x.grad!.toArray()).toEqual([0, -1 / 3, 1 / 3]);
    expect(String(new L1Loss({ reduction: 'sum' }))).toBe('L1Loss(reduction=sum)');
  });

  it('passes gradcheck and gradgradcheck away from the kink', () => {
    expect(gradcheck((a, b) => l1Loss(a, b), [randn([2, 3], { seed: 1 }), randn([2, 3], { seed: 2 })]).ok).toBe(true);
    expect(gradgradcheck((a, b) => l1Loss(a.square(), b, { reduction: 'sum' }), [randn([3], { seed: 3 }), randn([3], { seed: 4 })]).ok).toBe(true);
  });
});

describe('smoothL1Loss and huberLoss', () => {
  const smooth = (d: number, beta: number) => (Math.abs(d) < beta ? (0.5 * d * d) / beta : Math.abs(d) - 0.5 * beta);
  const huber = (d: number, delta: number) => (Math.abs(d) < delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));
  const d = [-3, -0.5, 0, 0.25, 2, 10];

  it("match PyTorch's piecewise formulas, with the quadratic part below the threshold", () => {
    for (const beta of [1, 0.5, 3]) {
      expect(smoothL1Loss(tensor(d), new Array<number>(6).fill(0), { reduction: 'none', beta }).toArray()).toEqual(d.map((v) => smooth(v, beta)));
      expect(huberLoss(tensor(d), new Array<number>(6).fill(0), { reduction: 'none', delta: beta }).toArray()).toEqual(d.map((v) => huber(v, beta)));
    }
    expect(smoothL1Loss(tensor([0.5, 3]), [0, 0], { reduction: 'none' }).toArray()).toEqual([0.125, 2.5]);
    expect(huberLoss(tensor([0.5, 3]), [0, 0], { reduction: 'none', delta: 2 }).toArray()).toEqual([0.125, 4]);
    expect(smoothL1Loss(tensor(d), new Array<number>(6).fill(0), { beta: 0 }).item()).toBe(l1Loss(tensor(d), new Array<number>(6).fill(0)).item());
    // Huber with δ is δ times smooth L1 with β = δ
    expect(huberLoss(tensor(d), new Array<number>(6).fill(1), { delta: 2, reduction: 'sum' }).item()).toBeAllClose(2 * smoothL1Loss(tensor(d), new Array<number>(6).fill(1), { beta: 2, reduction: 'sum' }).item(), { rtol: 1e-15, atol: 0 });
  });

  it('gradients clamp(d/β, −1, 1) and clamp(d, −δ, δ), finite even for an infinite input', () => {
    const x = leaf([...d, Infinity]);
    smoothL1Loss(x, new Array<number>(7).fill(0), { beta: 0.5, reduction: 'sum' }).backward();
    expect(x.grad!.toArray()).toEqual([-1, -1, 0, 0.5, 1, 1, 1]);
    const y = leaf([...d, -Infinity]);
    new HuberLoss({ delta: 2, reduction: 'sum' }).forward(y, tensor(new Array<number>(7).fill(0))).backward();
    expect(y.grad!.toArray()).toEqual([-2, -0.5, 0, 0.25, 2, 2, -2]);
  });

  it('pass gradcheck and gradgradcheck for prediction and target', () => {
    const a = randn([2, 4], { seed: 5 }), b = randn([2, 4], { seed: 6 });
    expect(gradcheck((p, t) => smoothL1Loss(p, t, { beta: 0.7 }), [a, b]).ok).toBe(true);
    expect(gradcheck((p, t) => huberLoss(p, t, { delta: 0.7, reduction: 'sum' }), [a, b]).ok).toBe(true);
    expect(gradgradcheck((p, t) => smoothL1Loss(p.mul(3), t, { beta: 2 }), [a, b]).ok).toBe(true);
    expect(gradgradcheck((p, t) => huberLoss(p.mul(3), t, { delta: 2 }), [a, b]).ok).toBe(true);
  });

  it('refuse a bad threshold, naming the loss', () => {
    expect(() => smoothL1Loss(tensor([1]), [0], { beta: -1 })).toThrow('smoothL1Loss: beta must be a finite number ≥ 0, got -1');
    expect(() => new HuberLoss({ delta: 0 })).toThrow('HuberLoss: delta must be a finite number > 0, got 0');
    expect(() => huberLoss(tensor([1, 2]), [0])).toThrow('huberLoss: prediction of shape [2] and target of shape [1] differ');
    expect(String(new SmoothL1Loss({ beta: 0.5 }))).toBe('SmoothL1Loss(reduction=mean, beta=0.5)');
    expect(String(new HuberLoss())).toBe('HuberLoss(reduction=mean, delta=1)');
  });
});

import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, randn, rand, tensor } from '@chainrule/core';
import { crossEntropy, CrossEntropyLoss, nllLoss, NLLLoss } from './cross-entropy.js';

const leaf = (v: number[] | number[][]) => tensor(v, { requiresGrad: true });

describe('crossEntropy', () => {
  const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const logits = [[1, 2, 3], [0, 0, 0], [-1, 0.5, 2]];
  const labels = [2, 0, 1];
  const perSample = logits.map((row, n) => lse(row) - row[labels[n]]);

  it('from class indices (array or tensor): mean and sum of −log softmax(x)[y]', () => {
    const mean = perSample.reduce((s, v) => s + v, 0) / 3;
    expect(crossEntropy(tensor(logits), labels).item()).toBeAllClose(mean, { rtol: 1e-15, atol: 0 });
    expect(crossEntropy(tensor(logits), tensor(labels)).item()).toBeAllClose(mean, { rtol: 1e-15, atol: 0 });
    expect(crossEntropy(tensor(logits), labels, { reduction: 'sum' }).item()).toBeAllClose(mean * 3, { rtol: 1e-15, atol: 0 });
    expect(new CrossEntropyLoss({ reduction: 'sum' }).forward(tensor(logits), labels).item()).toBeAllClose(mean * 3, { rtol: 1e-15, atol: 0 });
    expect(crossEntropy(tensor([[0, 0]]), [1]).item()).toBeAllClose(Math.LN2, { rtol: 2e-16, atol: 0 });
  });

  it('one sample: logits [C] with a class index', () => {
    expect(crossEntropy(tensor(logits[0]), 2).item()).toBeAllClose(perSample[0], { rtol: 1e-15, atol: 0 });
  });

  it('from probabilities: −Σ p log softmax(x); a one-hot target equals the index form', () => {
    const probs = [[0.1, 0.2, 0.7], [1, 0, 0], [0.5, 0.5, 0]];
    const want = logits.map((row, n) => -row.reduce((s, v, c) => s + probs[n][c] * (v - lse(row)), 0));
    expect(crossEntropy(tensor(logits), probs, { reduction: 'sum' }).item()).toBeAllClose(want.reduce((s, v) => s + v, 0), { rtol: 1e-15, atol: 0 });
    const onehot = labels.map((y) => [0, 1, 2].map((c) => (c === y ? 1 : 0)));
    expect(crossEntropy(tensor(logits), onehot).item()).toBe(crossEntropy(tensor(logits), labels).item());
  });

  it('is stable for huge logits (log softmax, not log of softmax)', () => {
    expect(crossEntropy(tensor([[1000, -1000]]), [1]).item()).toBe(2000);
    expect(crossEntropy(tensor([[1000, -1000]]), [0]).item()).toBe(0);
  });

  it('has gradient (softmax(x) − onehot(y)) / N', () => {
    const x = leaf(logits);
    crossEntropy(x, labels).backward();
    const want = logits.map((row, n) => row.map((v, c) => (Math.exp(v - lse(row)) - (c === labels[n] ? 1 : 0)) / 3));
    expect(x.grad!.toArray()).toBeAllClose(want, { rtol: 1e-14, atol: 1e-17 });
  });

  it('passes gradcheck for logits (indices) and for logits and target probabilities', () => {
    expect(gradcheck((x) => crossEntropy(x, [1, 0, 3]), [randn([3, 4], { seed: 3 })]).ok).toBe(true);
    expect(gradcheck((x, p) => crossEntropy(x, p, { reduction: 'sum' }), [randn([2, 3], { seed: 4 }), rand([2, 3], { seed: 5 })]).ok).toBe(true);
  });

  it('refuses bad targets and shapes with clear errors', () => {
    expect(() => crossEntropy(tensor(logits), [0, 3, 1])).toThrow('crossEntropy: target 1 is 3, not a class index in 0..2 (or the ignored -100)');
    expect(() => crossEntropy(tensor(logits), [0, 0.5, 1])).toThrow(/target 1 is 0.5/);
    expect(() => crossEntropy(tensor(logits), [0, 1])).toThrow(/logits of shape \[3,3\] and target of shape \[2\] do not fit: expected class indices of shape \[3\] or probabilities of shape \[3,3\]/);
    expect(() => crossEntropy(tensor([[[1]]]), [0])).toThrow('crossEntropy: logits of shape [1,1,1] and target of shape [1] do not fit: expected class indices of shape [1,1] or probabilities of shape [1,1,1]');
    expect(() => crossEntropy(tensor(1), 0)).toThrow('crossEntropy: logits must be [N, C], [N, C, d…] or [C], got a scalar');
  });
});

describe('crossEntropy options', () => {
  const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  const logits = [[1, 2, 3], [0, 0, 0], [-1, 0.5, 2], [2, -1, 0]];
  const logp = logits.map((row) => row.map((v) => v - lse(row)));
  const labels = [2, 0, 1, 0];
  const w = [0.5, 2, 3];

  it("reduction 'none' gives one loss per sample ([] for one sample)", () => {
    const none = crossEntropy(tensor(logits), labels, { reduction: 'none' });
    expect(none.toArray()).toBeAllClose(labels.map((y, n) => -logp[n][y]), { rtol: 1e-15, atol: 0 });
    expect(crossEntropy(tensor(logits[0]), 2, { reduction: 'none' }).shape).toEqual([]);
  });

  it("class weights: ℓₙ = −w_y·logp, and 'mean' divides by Σ w_y (PyTorch's weighted mean)", () => {
    const terms = labels.map((y, n) => -w[y] * logp[n][y]);
    const total = terms.reduce((s, v) => s + v, 0);
    const weightSum = labels.reduce((s, y) => s + w[y], 0);
    expect(crossEntropy(tensor(logits), labels, { weight: w, reduction: 'none' }).toArray()).toBeAllClose(terms, { rtol: 1e-15, atol: 0 });
    expect(crossEntropy(tensor(logits), labels, { weight: w }).item()).toBeAllClose(total / weightSum, { rtol: 1e-15, atol: 0 });
    expect(new CrossEntropyLoss({ weight: w, reduction: 'sum' }).forward(tensor(logits), labels).item()).toBeAllClose(total, { rtol: 1e-15, atol: 0 });
  });

  it('ignoreIndex drops a sample from the sum and from the count; every sample ignored gives NaN, as PyTorch', () => {
    const x = leaf(logits);
    const l = crossEntropy(x, [2, -100, 1, -100]);
    expect(l.item()).toBeAllClose((-logp[0][2] - logp[2][1]) / 2, { rtol: 1e-15, atol: 0 });
    l.backward();
    expect((x.grad!.toArray() as number[][])[1]).toEqual([0, 0, 0]);
    expect(crossEntropy(tensor(logits), [0, 1, 1, 0], { ignoreIndex: 1, weight: w, reduction: 'none' }).toArray()).toBeAllClose([-w[0] * logp[0][0], 0, 0, -w[0] * logp[3][0]], { rtol: 1e-15, atol: 0 });
    const all = leaf(logits);
    const nan = crossEntropy(all, [7, 7, 7, 7], { ignoreIndex: 7, labelSmoothing: 0.1 });
    expect(nan.item()).toBeNaN();
    nan.backward();
    expect(all.grad!.toArray()).toEqual(logits.map((r) => r.map(() => 0))); // PyTorch's backward visits no target
    // an ignored row may hold −Infinity: it contributes nothing, not NaN
    expect(crossEntropy(tensor([[-Infinity, 0], [0, 1]]), [-100, 1]).item()).toBeAllClose(Math.log(1 + Math.exp(-1)), { rtol: 1e-15, atol: 0 });
  });

  it('labelSmoothing ε: (1 − ε)·nll + (ε/C)·(−Σ_c w_c logp_c), each reduced as nll', () => {
    const eps = 0.2;
    const C = 3;
    const target = [2, 0, -100, 0];
    const kept = [0, 1, 3];
    const nll = kept.map((n) => -w[target[n]] * logp[n][target[n]]);
    const smooth = kept.map((n) => -logp[n].reduce((s, v, c) => s + w[c] * v, 0));
    const weightSum = kept.reduce((s, n) => s + w[target[n]], 0);
    const want = (1 - eps) * (nll.reduce((s, v) => s + v, 0) / weightSum) + (eps / C) * (smooth.reduce((s, v) => s + v, 0) / weightSum);
    expect(crossEntropy(tensor(logits), target, { labelSmoothing: eps, weight: w }).item()).toBeAllClose(want, { rtol: 1e-14, atol: 0 });
    // without weights, smoothing the index target is smoothing its one-hot distribution
    const onehot = labels.map((y) => [0, 1, 2].map((c) => (c === y ? 1 : 0)));
    const a = crossEntropy(tensor(logits), labels, { labelSmoothing: eps, reduction: 'none' });
    const b = crossEntropy(tensor(logits), onehot, { labelSmoothing: eps, reduction: 'none' });
    expect(a.toArray()).toBeAllClose(b.toArray() as number[], { rtol: 1e-14, atol: 1e-16 });
  });

  it("probabilities with class weights: 'mean' divides by the number of samples", () => {
    const probs = [[0.1, 0.2, 0.7], [1, 0, 0], [0.5, 0.5, 0], [0.3, 0.3, 0.4]];
    const terms = probs.map((p, n) => -p.reduce((s, v, c) => s + w[c] * v * logp[n][c], 0));
    expect(crossEntropy(tensor(logits), probs, { weight: w }).item()).toBeAllClose(terms.reduce((s, v) => s + v, 0) / 4, { rtol: 1e-15, atol: 0 });
    expect(crossEntropy(tensor(logits), probs, { weight: w, reduction: 'none' }).toArray()).toBeAllClose(terms, { rtol: 1e-15, atol: 0 });
    expect(() => crossEntropy(tensor(logits), probs, { ignoreIndex: 0 })).toThrow('crossEntropy: ignoreIndex 0 is not supported with class probabilities as the target (it must be negative)');
  });

  it('[N, C, d…] logits: a class per position, target [N, d…]', () => {
    const x = randn([2, 3, 4], { seed: 1 });
    const t = [[0, 1, 2, 1], [2, 2, 0, 1]];
    const rows = x.permute([0, 2, 1]).reshape([8, 3]);
    const none = crossEntropy(x, t, { reduction: 'none' });
    expect(none.shape).toEqual([2, 4]);
    expect(Array.from(none.buffer)).toEqual(Array.from(crossEntropy(rows, t.flat(), { reduction: 'none' }).buffer));
    const probs = rand([2, 3, 4], { seed: 2 });
    expect(crossEntropy(x, probs, { reduction: 'none' }).shape).toEqual([2, 4]);
  });

  it('passes gradcheck and gradgradcheck with weights, ignoreIndex and smoothing', () => {
    const f = (x: ReturnType<typeof tensor>) => crossEntropy(x, [1, 0, 3, -1], { weight: [1, 2, 0.5, 3], ignoreIndex: -1, labelSmoothing: 0.1 });
    expect(gradcheck(f, [randn([4, 4], { seed: 3 })]).ok).toBe(true);
    expect(gradgradcheck(f, [randn([4, 4], { seed: 3 })]).ok).toBe(true);
    const g = (x: ReturnType<typeof tensor>, p: ReturnType<typeof tensor>) => crossEntropy(x, p, { weight: [1, 2, 3], labelSmoothing: 0.3, reduction: 'none' });
    expect(gradgradcheck(g, [randn([2, 3, 2], { seed: 4 }), rand([2, 3, 2], { seed: 5 })]).ok).toBe(true);
  });

  it('refuses bad options, naming the loss', () => {
    expect(() => crossEntropy(tensor(logits), labels, { labelSmoothing: 1.5 })).toThrow('crossEntropy: labelSmoothing must be between 0 and 1, got 1.5');
    expect(() => crossEntropy(tensor(logits), labels, { weight: [1, 2] })).toThrow('crossEntropy: weight of shape [2] does not fit 3 classes: expected one weight per class [3]');
    expect(() => crossEntropy(tensor(logits), labels, { ignoreIndex: 0.5 })).toThrow('crossEntropy: ignoreIndex must be an integer, got 0.5');
    expect(() => new CrossEntropyLoss({ label_smoothing: 0.1 } as never)).toThrow("CrossEntropyLoss: unknown option 'label_smoothing'");
    expect(() => new CrossEntropyLoss({ weight: [[1]] })).toThrow('CrossEntropyLoss: weight must be 1-D, one weight per class; got shape [1,1]');
  });

  it('the module keeps its class weights as a buffer, as PyTorch', () => {
    const loss = new CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 });
    expect(loss.stateDict()).toEqual({ weight: { shape: [3], dtype: 'float64', data: w } });
    expect(loss.numParameters()).toBe(0);
    expect(String(loss)).toBe('CrossEntropyLoss(reduction=mean, ignoreIndex=-100, labelSmoothing=0.1, weight)');
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
  });
});

describe('nllLoss', () => {
  const logp = [[-1, -2, -0.5], [-3, -0.5, -1], [-0.1, -4, -2]];

  it('−w_y·logp[y], weighted mean, ignoreIndex', () => {
    expect(nllLoss(tensor([[-1, -2], [-3, -0.5]]), [0, 1]).item()).toBe(0.75);
    expect(nllLoss(tensor(logp), [2, 1, 0], { reduction: 'none' }).toArray()).toEqual([0.5, 0.5, 0.1]);
    expect(nllLoss(tensor(logp), [2, 1, 0], { weight: [1, 2, 4] }).item()).toBeAllClose((4 * 0.5 + 2 * 0.5 + 0.1) / 7, { rtol: 1e-15, atol: 0 });
    expect(new NLLLoss({ ignoreIndex: 1, reduction: 'sum' }).forward(tensor(logp), [2, 1, 0]).item()).toBeAllClose(0.6, { rtol: 1e-15, atol: 0 });
    expect(nllLoss(tensor(logp[0]), 1).item()).toBe(2);
  });

  it('gradient −w_y at the target, 0 elsewhere; gradcheck', () => {
    const x = leaf(logp);
    nllLoss(x, [2, 1, 0], { weight: [1, 2, 4], reduction: 'sum' }).backward();
    expect(x.grad!.toArray()).toEqual([[0, 0, -4], [0, -2, 0], [-1, 0, 0]]);
    expect(gradcheck((a) => nllLoss(a, [1, 1, 0]), [randn([3, 3], { seed: 1 })]).ok).toBe(true);
  });

  it('is crossEntropy of logSoftmax', () => {
    const x = randn([4, 5], { seed: 2 });
    const opts = { weight: [1, 2, 3, 4, 5], ignoreIndex: 2 };
    expect(nllLoss(x.logSoftmax(1), [0, 2, 4, 1], opts).item()).toBe(crossEntropy(x, [0, 2, 4, 1], opts).item());
  });

  it('refuses bad targets, naming the loss', () => {
    expect(() => nllLoss(tensor(logp), [0, 3, 1])).toThrow('nllLoss: target 1 is 3, not a class index in 0..2 (or the ignored -100)');
    expect(() => nllLoss(tensor(logp), [0, 1])).toThrow('nllLoss: target of shape [2] does not fit: expected class indices of shape [3]');
    expect(String(new NLLLoss())).toBe('NLLLoss(reduction=mean, ignoreIndex=-100)');
  });
});

import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, ones, randn, tensor, zeros, type Tensor } from '@chainrule/core';
import { batchNorm, BatchNorm1d, BatchNorm2d } from './batch-norm.js';

/** Per-channel statistics of x [N, C, *] written out: means, biased and unbiased variances, count. */
function stats(x: Tensor): { mean: number[]; biased: number[]; unbiased: number[]; n: number } {
  const [N, C] = x.shape;
  const inner = x.size / (N * C);
  const mean: number[] = [], biased: number[] = [], unbiased: number[] = [];
  for (let c = 0; c < C; c++) {
    const v: number[] = [];
    for (let i = 0; i < N; i++) for (let j = 0; j < inner; j++) v.push(x.buffer[(i * C + c) * inner + j]);
    const m = v.reduce((s, a) => s + a, 0) / v.length;
    const ss = v.reduce((s, a) => s + (a - m) ** 2, 0);
    mean.push(m);
    biased.push(ss / v.length);
    unbiased.push(ss / (v.length - 1));
  }
  return { mean, biased, unbiased, n: N * inner };
}

/** y = (x − m_c)/√(v_c + eps)·w_c + b_c elementwise. */
function normalise(x: Tensor, m: number[], v: number[], eps: number, w?: number[], b?: number[]): number[] {
  const [N, C] = x.shape;
  const inner = x.size / (N * C);
  return Array.from(x.buffer, (a, i) => {
    const c = Math.floor(i / inner) % C;
    return ((a - m[c]) / Math.sqrt(v[c] + eps)) * (w ? w[c] : 1) + (b ? b[c] : 0);
  });
}

describe('batchNorm', () => {
  it('training: the batch statistics per channel (biased variance), over N and the spatial dimensions', () => {
    for (const shape of [[5, 3], [4, 2, 3], [2, 3, 2, 2]]) {
      const x = randn(shape, { seed: shape.length });
      const s = stats(x);
      const w = [1.5, -0.5, 2].slice(0, shape[1]), b = [0.1, 0.2, 0.3].slice(0, shape[1]);
      const got = batchNorm(x, null, null, { training: true, weight: tensor(w), bias: tensor(b) });
      expect(Array.from(got.buffer)).toBeAllClose(normalise(x, s.mean, s.biased, 1e-5, w, b), { rtol: 1e-13, atol: 1e-14 });
    }
  });

  it('training updates the running statistics in place: r ← (1 − m)·r + m·batch, unbiased variance', () => {
    const x = randn([6, 2], { seed: 1 });
    const rm = tensor([0.5, -1]), rv = tensor([2, 3]);
    const [mb, vb] = [rm.buffer, rv.buffer];
    batchNorm(x, rm, rv, { training: true, momentum: 0.25 });
    const s = stats(x);
    expect(rm.buffer).toBe(mb);
    expect(rv.buffer).toBe(vb);
    expect(rm.toArray()).toBeAllClose([0.75 * 0.5 + 0.25 * s.mean[0], 0.75 * -1 + 0.25 * s.mean[1]], { rtol: 1e-15, atol: 1e-16 });
    expect(rv.toArray()).toBeAllClose([0.75 * 2 + 0.25 * s.unbiased[0], 0.75 * 3 + 0.25 * s.unbiased[1]], { rtol: 1e-15, atol: 1e-16 });
    expect(rm.version).toBe(1);
  });

  it('evaluation uses the running statistics and changes nothing', () => {
    const x = randn([3, 2, 4], { seed: 2 });
    const rm = tensor([0.5, -1]), rv = tensor([2, 3]);
    const got = batchNorm(x, rm, rv, { weight: tensor([2, 3]), bias: tensor([1, 0]), eps: 0.5 });
    expect(Array.from(got.buffer)).toBeAllClose(normalise(x, [0.5, -1], [2, 3], 0.5, [2, 3], [1, 0]), { rtol: 1e-14, atol: 1e-15 });
    expect([rm.toArray(), rv.toArray(), rm.version]).toEqual([[0.5, -1], [2, 3], 0]);
  });

  it('passes gradcheck and gradgradcheck in training (batch statistics) and evaluation', () => {
    const train = (x: Tensor, w: Tensor, b: Tensor) => batchNorm(x, null, null, { weight: w, bias: b, training: true });
    const inputs = [randn([4, 3, 2], { seed: 3 }), randn([3], { seed: 4 }), randn([3], { seed: 5 })];
    expect(gradcheck(train, inputs).ok).toBe(true);
    expect(gradgradcheck(train, inputs).ok).toBe(true);
    const evaluate = (x: Tensor, w: Tensor) => batchNorm(x, tensor([0.1, 0.2, 0.3]), tensor([1, 2, 3]), { weight: w });
    expect(gradcheck(evaluate, inputs.slice(0, 2)).ok).toBe(true);
    expect(gradgradcheck(evaluate, inputs.slice(0, 2)).ok).toBe(true);
  });

  it('refuses what does not fit, changing no statistic', () => {
    const rm = zeros([2]), rv = ones([2]);
    expect(() => batchNorm(randn([1, 2]), rm, rv, { training: true })).toThrow('batchNorm: expected more than 1 value per channel when training, got input of shape [1,2]');
    expect(() => batchNorm(randn([4, 3]), rm, rv, { training: true })).toThrow('batchNorm: runningMean of shape [2] does not fit the 3 channels of the input of shape [4,3]: expected [3]');
    expect(() => batchNorm(randn([4]), null, null, { training: true })).toThrow('batchNorm: input of shape [4] has no channel dimension: expected [N, C, *]');
    expect(() => batchNorm(randn([4, 2]), null, null)).toThrow(/batchNorm: evaluation needs runningMean and runningVar/);
    expect(() => batchNorm(randn([4, 2]), rm, rv, { momentum: NaN })).toThrow('batchNorm: momentum must be a finite number, got NaN');
    expect([rm.version, rv.version]).toEqual([0, 0]);
  });
});

describe('BatchNorm1d and BatchNorm2d', () => {
  it("PyTorch's defaults: γ = 1, β = 0, running mean 0 and variance 1, buffers in the state dict", () => {
    const bn = new BatchNorm1d(3);
    expect([bn.eps, bn.momentum, bn.affine, bn.trackRunningStats]).toEqual([1e-5, 0.1, true, true]);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['runningMean', 'runningVar', 'numBatchesTracked']);
    expect(bn.stateDict()).toEqual({
      weight: { shape: [3], dtype: 'float64', data: [1, 1, 1] },
      bias: { shape: [3], dtype: 'float64', data: [0, 0, 0] },
      runningMean: { shape: [3], dtype: 'float64', data: [0, 0, 0] },
      runningVar: { shape: [3], dtype: 'float64', data: [1, 1, 1] },
      numBatchesTracked: { shape: [], dtype: 'float64', data: [0] },
    });
    expect(String(bn)).toBe('BatchNorm1d(3, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
  });

  it('training: batch statistics, running ones updated with momentum, batches counted; eval: running ones', () => {
    const bn = new BatchNorm1d(2);
    const x1 = randn([5, 2, 3], { seed: 1 }), x2 = randn([5, 2, 3], { seed: 2 });
    const s1 = stats(x1), s2 = stats(x2);
    expect(Array.from(bn.forward(x1).buffer)).toBeAllClose(normalise(x1, s1.mean, s1.biased, 1e-5), { rtol: 1e-13, atol: 1e-14 });
    bn.forward(x2);
    const rm = [0, 1].map((c) => 0.9 * (0.9 * 0 + 0.1 * s1.mean[c]) + 0.1 * s2.mean[c]);
    const rv = [0, 1].map((c) => 0.9 * (0.9 * 1 + 0.1 * s1.unbiased[c]) + 0.1 * s2.unbiased[c]);
    expect(bn.runningMean!.toArray()).toBeAllClose(rm, { rtol: 1e-15, atol: 1e-16 });
    expect(bn.runningVar!.toArray()).toBeAllClose(rv, { rtol: 1e-15, atol: 1e-16 });
    expect(bn.numBatchesTracked!.item()).toBe(2);
    const x3 = randn([1, 2, 3], { seed: 3 }); // a single sample is fine in evaluation
    expect(Array.from(bn.eval().forward(x3).buffer)).toBeAllClose(normalise(x3, rm, rv, 1e-5), { rtol: 1e-13, atol: 1e-14 });
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });

  it('momentum null: the running statistics are the plain average of the batches so far', () => {
    const bn = new BatchNorm1d(2, { momentum: null });
    const xs = [1, 2, 3].map((seed) => randn([4, 2], { seed }));
    for (const x of xs) bn.forward(x);
    const s = xs.map(stats);
    expect(bn.runningMean!.toArray()).toBeAllClose([0, 1].map((c) => (s[0].mean[c] + s[1].mean[c] + s[2].mean[c]) / 3), { rtol: 1e-14, atol: 1e-16 });
    expect(bn.runningVar!.toArray()).toBeAllClose([0, 1].map((c) => (s[0].unbiased[c] + s[1].unbiased[c] + s[2].unbiased[c]) / 3), { rtol: 1e-14, atol: 1e-16 });
    expect(bn.numBatchesTracked!.item()).toBe(3);
  });

  it('trackRunningStats false: no buffers, batch statistics in evaluation too; affine false: no parameters', () => {
    const bn = new BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect([bn.runningMean, bn.runningVar, bn.numBatchesTracked, bn.weight, bn.bias]).toEqual([null, null, null, null, null]);
    expect(bn.stateDict()).toEqual({});
    const x = randn([4, 2], { seed: 5 });
    const s = stats(x);
    expect(Array.from(bn.eval().forward(x).buffer)).toBeAllClose(normalise(x, s.mean, s.biased, 1e-5), { rtol: 1e-13, atol: 1e-14 });
  });

  it('BatchNorm2d normalises each channel of [N, C, H, W] over N, H and W', () => {
    const bn = new BatchNorm2d(3);
    const x = randn([2, 3, 2, 2], { seed: 6 });
    const s = stats(x);
    expect(Array.from(bn.forward(x).buffer)).toBeAllClose(normalise(x, s.mean, s.biased, 1e-5), { rtol: 1e-13, atol: 1e-14 });
    expect(bn.runningMean!.toArray()).toBeAllClose(s.mean.map((m) => 0.1 * m), { rtol: 1e-15, atol: 1e-17 });
  });

  it('gradients reach γ, β and the input, not the buffers', () => {
    const bn = new BatchNorm1d(2);
    const x = tensor(randn([3, 2], { seed: 7 }).toArray() as number[][], { requiresGrad: true });
    bn.forward(x).mul(tensor([[1, 2]])).sum().backward();
    expect(bn.bias!.grad!.toArray()).toEqual([3, 6]);
    expect(x.grad!.shape).toEqual([3, 2]);
    expect(bn.runningMean!.requiresGrad).toBe(false);
  });

  it('refuses inputs that do not fit, naming the layer; a refused batch changes no statistic', () => {
    const bn = new BatchNorm1d(2);
    const before = JSON.stringify(bn.stateDict());
    expect(() => bn.forward(randn([1, 2]))).toThrow('BatchNorm1d: expected more than 1 value per channel when training, got input of shape [1,2]');
    expect(() => bn.forward(randn([4, 3]))).toThrow('BatchNorm1d: input of shape [4,3] has 3 channels (dimension 1) but the layer has 2');
    expect(() => bn.forward(randn([4, 2, 2, 2]))).toThrow('BatchNorm1d: expected a 2-D [N, C] or 3-D [N, C, L] input, got shape [4,2,2,2]');
    expect(() => new BatchNorm2d(2).forward(randn([4, 2]))).toThrow('BatchNorm2d: expected a 4-D [N, C, H, W] input, got shape [4,2]');
    expect(JSON.stringify(bn.stateDict())).toBe(before);
    expect(() => new BatchNorm1d(0)).toThrow('BatchNorm1d: numFeatures must be a positive integer, got 0');
    expect(() => new BatchNorm1d(2, { momentum: 'a' as never })).toThrow('BatchNorm1d: momentum must be a finite number or null, got "a" (a string)');
    expect(() => new BatchNorm2d(2, { affine: 1 as never })).toThrow('BatchNorm2d: affine must be true or false, got 1');
    expect(() => new BatchNorm2d(2, { track_running_stats: false } as never)).toThrow("BatchNorm2d: unknown option 'track_running_stats'");
  });

  it('state dict round trip carries the running statistics; resetRunningStats resets them', () => {
    const a = new BatchNorm1d(2);
    a.forward(randn([4, 2], { seed: 8 }));
    const b = new BatchNorm1d(2);
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    const x = randn([3, 2], { seed: 9 });
    expect(b.eval().forward(x).toArray()).toEqual(a.eval().forward(x).toArray());
    b.resetRunningStats();
    expect([b.runningMean!.toArray(), b.runningVar!.toArray(), b.numBatchesTracked!.item()]).toEqual([[0, 0], [1, 1], 0]);
  });
});

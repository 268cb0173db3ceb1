import { describe, expect, it } from 'vitest';
import { gradcheck, randn, tensor, type Tensor } from '@chainrule/core';
import { ELU, GELU, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax, Mish, ReLU, SELU, SiLU, Sigmoid, Softmax, Softplus, Tanh } from './activations.js';
import type { Module } from './module.js';

describe('activation layers', () => {
  it('compute their closed forms elementwise, for any shape', () => {
    const xs = [-3, -0.5, 0, 0.25, 4];
    expect(new Sigmoid().forward(tensor(xs)).toArray()).toBeAllClose(xs.map((v) => 1 / (1 + Math.exp(-v))), { rtol: 2e-16, atol: 0 });
    expect(new Tanh().forward(tensor([xs])).toArray()).toEqual([xs.map(Math.tanh)]);
    expect(new ReLU().forward(tensor(xs)).toArray()).toEqual([0, 0, 0, 0.25, 4]);
    expect(new Sigmoid().parameters()).toEqual([]);
  });

  it('Softmax sums to one along its axis (default the last)', () => {
    const x = [[0, Math.log(3)], [1, 1]];
    expect(new Softmax().forward(tensor(x)).toArray()).toBeAllClose([[0.25, 0.75], [0.5, 0.5]], { rtol: 0, atol: 2e-16 });
    const byColumn = new Softmax(0).forward(tensor(x)).toArray() as number[][];
    const e = (v: number) => Math.exp(v);
    expect(byColumn).toBeAllClose(
      [[e(0) / (e(0) + e(1)), 3 / (3 + e(1))], [e(1) / (e(0) + e(1)), e(1) / (3 + e(1))]],
      { rtol: 4e-16, atol: 0 },
    );
    expect(new Softmax().forward(tensor([1000, 1000])).toArray()).toEqual([0.5, 0.5]);
  });

  it('pass gradcheck', () => {
    const x = randn([3, 4], { seed: 9 });
    for (const m of [new Sigmoid(), new Tanh(), new Softmax(), new Softmax(0)]) {
      expect(gradcheck((t) => m.forward(t), [x]).ok).toBe(true);
    }
    // relu away from its kink at 0 (central differences straddle it otherwise)
    expect(gradcheck((t) => new ReLU().forward(t), [tensor([-2, -0.5, 0.5, 3])]).ok).toBe(true);
  });
});

describe('activation modules of issue 9: each is its core op with PyTorch\'s defaults', () => {
  const x = tensor([-3, -0.5, 0, 0.7, 25]);
  const cases: [Module, Tensor, string][] = [
    [new LogSoftmax(), x.logSoftmax(-1), 'LogSoftmax(axis=-1)'],
    [new GELU(), x.gelu(), 'GELU(approximate=none)'],
    [new GELU({ approximate: 'tanh' }), x.gelu({ approximate: 'tanh' }), 'GELU(approximate=tanh)'],
    [new SiLU(), x.silu(), 'SiLU()'],
    [new Mish(), x.mish(), 'Mish()'],
    [new LeakyReLU(), x.leakyRelu({ negativeSlope: 0.01 }), 'LeakyReLU(negativeSlope=0.01)'],
    [new ELU(), x.elu({ alpha: 1 }), 'ELU(alpha=1)'],
    [new SELU(), x.selu(), 'SELU()'],
    [new Softplus(), x.softplus({ beta: 1, threshold: 20 }), 'Softplus(beta=1, threshold=20)'],
    [new LogSigmoid(), x.logSigmoid(), 'LogSigmoid()'],
    [new Hardtanh(), x.hardtanh({ minVal: -1, maxVal: 1 }), 'Hardtanh(minVal=-1, maxVal=1)'],
  ];
  for (const [module, expected, repr] of cases) {
    it(repr, () => {
      expect(module.forward(x).toArray()).toEqual(expected.toArray());
      expect(module.toString()).toBe(repr);
      expect(module.parameters()).toEqual([]);
    });
  }
  it('pass gradients through (GELU at 1: Φ(1) + φ(1))', () => {
    const t = tensor([1], { requiresGrad: true });
    new GELU().forward(t).sum().backward();
    expect(t.grad!.item()).toBeCloseTo(0.8413447460685429 + Math.exp(-0.5) / Math.sqrt(2 * Math.PI), 15);
  });
});

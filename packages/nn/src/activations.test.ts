import { describe, expect, it } from 'vitest';
import { gradcheck, randn, tensor } from '@chainrule/core';
import { ReLU, Sigmoid, Softmax, Tanh } from './activations.js';

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

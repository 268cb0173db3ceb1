import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { Adagrad, type AdagradOptions } from './adagrad.js';

const c = [0.5, 3, -1];
const lossOf = (p: Tensor) => p.mul(p).mul(tensor(c)).sum().mul(0.5); // g = c ⊙ θ

/** PyTorch's documented Adagrad algorithm, written out per element. */
function reference(theta0: number[], steps: number, o: Required<AdagradOptions>): number[] {
  const theta = theta0.slice();
  const sum = theta.map(() => o.initialAccumulatorValue);
  for (let t = 1; t <= steps; t++) {
    const clr = o.lr / (1 + (t - 1) * o.lrDecay);
    for (let i = 0; i < theta.length; i++) {
      let g = c[i] * theta[i];
      if (o.weightDecay !== 0) g += o.weightDecay * theta[i];
      sum[i] += g * g;
      theta[i] -= (clr * g) / (Math.sqrt(sum[i]) + o.eps);
    }
  }
  return theta;
}

function run(options: AdagradOptions, steps: number): number[] {
  const p = new Parameter([1, -2, 0.5]);
  const opt = new Adagrad([p], options);
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    lossOf(p).backward();
    opt.step();
  }
  return Array.from(p.buffer);
}

const defaults = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 };

describe('Adagrad', () => {
  it('first step by hand: s = g², so every coordinate moves by η·g/(|g| + ε)', () => {
    expect(run({ lr: 0.1 }, 1)).toBeAllClose([1 - 0.1 * (0.5 / (0.5 + 1e-10)), -2 + 0.1 * (6 / (6 + 1e-10)), 0.5 + 0.1 * (0.5 / (0.5 + 1e-10))], { rtol: 1e-15, atol: 0 });
  });

  it.each([
    ['defaults', {}],
    ['lr decay', { lr: 0.1, lrDecay: 0.05 }],
    ['weight decay, initial accumulator and eps', { lr: 0.1, weightDecay: 0.1, initialAccumulatorValue: 0.5, eps: 1e-3 }],
  ] as [string, AdagradOptions][])('five steps match the written-out algorithm: %s', (_name, o) => {
    expect(run(o, 5)).toBeAllClose(reference([1, -2, 0.5], 5, { ...defaults, ...o }), { rtol: 1e-14, atol: 0 });
  });

  it("uses PyTorch's defaults, and makes each parameter's state when it joins (as PyTorch), from its group's initialAccumulatorValue", () => {
    const a = new Parameter([1, 2]), b = new Parameter([3]);
    const opt = new Adagrad([a], { initialAccumulatorValue: 0.25 });
    expect([opt.lr, opt.lrDecay, opt.weightDecay, opt.initialAccumulatorValue, opt.eps]).toEqual([1e-2, 0, 0, 0.25, 1e-10]);
    expect(opt.stateDict().state).toEqual({ 0: { step: 0, sum: { shape: [2], dtype: 'float64', data: [0.25, 0.25] } } });
    opt.addParamGroup({ params: [b], initialAccumulatorValue: 2 });
    expect(opt.stateDict().state[1]).toEqual({ step: 0, sum: { shape: [1], dtype: 'float64', data: [2] } });
    expect(() => new Adagrad([a], { lrDecay: -1 })).toThrow('Adagrad: lrDecay must be a finite number ≥ 0, got -1');
  });

  it('counts steps per parameter: a parameter without a gradient keeps its learning-rate decay where it was', () => {
    const a = new Parameter([1]), b = new Parameter([1]);
    const opt = new Adagrad([a, b], { lr: 0.1, lrDecay: 1 });
    a.sum().backward();
    opt.step(); // a: t = 1
    opt.step(); // a: t = 2 (its gradient is still there); b has none
    b.sum().backward();
    opt.step(); // a: t = 3, b: t = 1 → b moves by the full η
    expect(b.item()).toBeAllClose(1 - 0.1 * (1 / (1 + 1e-10)), { rtol: 1e-15, atol: 0 });
    expect(opt.stateDict().state[0].step).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { lrSequence, sgd } from '../test-utils/schedules.js';
import { StepLR } from './step-lr.js';

describe('StepLR', () => {
  it('η₀·γ^⌊e / stepSize⌋, from η₀ before the first step', () => {
    const lrs = lrSequence(new StepLR(sgd(), { stepSize: 3, gamma: 0.5 }), 10);
    expect(lrs).toBeAllClose(lrs.map((_, e) => 0.1 * 0.5 ** Math.floor(e / 3)), { rtol: 1e-15, atol: 0 });
    expect(lrs.slice(0, 4)).toEqual([0.1, 0.1, 0.1, 0.05]);
  });

  it('defaults gamma to 0.1; checks its settings at construction and at assignment', () => {
    const s = new StepLR(sgd(), { stepSize: 1 });
    expect(s.gamma).toBe(0.1);
    expect(() => new StepLR(sgd(), { stepSize: 0 })).toThrow('StepLR: stepSize must be an integer ≥ 1, got 0');
    expect(() => new StepLR(sgd(), { stepSize: 2, gamma: -1 })).toThrow('StepLR: gamma must be a finite number ≥ 0, got -1');
    expect(() => new StepLR(sgd(), { stepSize: 2, step_size: 3 } as never)).toThrow("StepLR: unknown option 'step_size'; the options are stepSize, gamma");
    expect(() => (s.stepSize = 1.5)).toThrow('StepLR: stepSize must be an integer ≥ 1, got 1.5');
    s.gamma = 0.5;
    s.optimizer.step();
    s.step();
    expect(s.getLastLr()).toEqual([0.05]);
  });

  it('refused options change nothing: the optimizer keeps its learning rate and gains no initialLr', () => {
    const opt = sgd();
    expect(() => new StepLR(opt, { stepSize: -1 })).toThrow();
    expect([opt.lr, opt.paramGroups[0].initialLr]).toEqual([0.1, undefined]);
  });
});

import { describe, expect, it } from 'vitest';
import { MultiStepLR } from './multi-step-lr.js';
import { lrSequence, sgd } from '../test-utils/schedules.js';

describe('MultiStepLR', () => {
  it('η₀·γ^(number of milestones ≤ e); a milestone listed twice decays twice; order does not matter', () => {
    const lrs = lrSequence(new MultiStepLR(sgd(), { milestones: [6, 2, 6], gamma: 0.5 }), 8);
    expect(lrs).toBeAllClose([0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.0125, 0.0125, 0.0125], { rtol: 1e-15, atol: 0 });
  });

  it('as PyTorch, a milestone 0 decays at the constructor', () => {
    expect(new MultiStepLR(sgd(), { milestones: [0] }).getLastLr()[0]).toBeAllClose(0.01, { rtol: 1e-15, atol: 0 });
  });

  it('checks the milestones, and keeps its own sorted copy', () => {
    expect(() => new MultiStepLR(sgd(), { milestones: [1, -2] })).toThrow('MultiStepLR: milestones[1] must be an integer ≥ 0, got -2');
    expect(() => new MultiStepLR(sgd(), { milestones: 3 as never })).toThrow('MultiStepLR: milestones must be an array of integers ≥ 0, got 3');
    const given = [5, 1];
    const s = new MultiStepLR(sgd(), { milestones: given });
    given.push(2);
    expect(s.milestones).toEqual([1, 5]);
    s.milestones = [2];
    expect(s.milestones).toEqual([2]);
  });
});

import { describe, expect, it } from 'vitest';
import { LinearLR } from './linear-lr.js';
import { lrSequence, sgd } from '../test-utils/schedules.js';

describe('LinearLR', () => {
  it('η_base·(s + (f − s)·min(e, n)/n): starts low before the first step, reaches f·η_base at n and stays', () => {
    const lrs = lrSequence(new LinearLR(sgd(), { startFactor: 0.1, endFactor: 0.9, totalIters: 8 }), 12);
    expect(lrs).toBeAllClose(lrs.map((_, e) => 0.1 * (0.1 + (0.8 * Math.min(e, 8)) / 8)), { rtol: 1e-14, atol: 0 });
  });

  it("PyTorch's defaults: from a third to the full rate over 5 epochs; a decay when endFactor < startFactor", () => {
    const lrs = lrSequence(new LinearLR(sgd()), 6);
    expect(lrs).toBeAllClose([1 / 3, 7 / 15, 9 / 15, 11 / 15, 13 / 15, 1, 1].map((f) => 0.1 * f), { rtol: 1e-14, atol: 0 });
    const down = lrSequence(new LinearLR(sgd(), { startFactor: 1, endFactor: 0, totalIters: 4 }), 5);
    expect(down).toBeAllClose([0.1, 0.075, 0.05, 0.025, 0, 0], { rtol: 1e-14, atol: 1e-17 });
  });

  it('refuses startFactor 0 (a division by zero in PyTorch 1.13) and factors above 1', () => {
    expect(() => new LinearLR(sgd(), { startFactor: 0 })).toThrow('LinearLR: startFactor must be a finite number > 0 and ≤ 1, got 0');
    expect(() => new LinearLR(sgd(), { endFactor: 1.5 })).toThrow('LinearLR: endFactor must be a finite number ≥ 0 and ≤ 1, got 1.5');
  });
});

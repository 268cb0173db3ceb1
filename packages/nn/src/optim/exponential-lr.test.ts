import { describe, expect, it } from 'vitest';
import { ExponentialLR } from './exponential-lr.js';
import { lrSequence, sgd } from '../test-utils/schedules.js';

describe('ExponentialLR', () => {
  it('η₀·γ^e (to rounding: each step multiplies the current rate, as PyTorch)', () => {
    const lrs = lrSequence(new ExponentialLR(sgd(), { gamma: 0.9 }), 30);
    expect(lrs).toBeAllClose(lrs.map((_, e) => 0.1 * 0.9 ** e), { rtol: 1e-14, atol: 0 });
  });

  it('requires gamma', () => {
    expect(() => new ExponentialLR(sgd(), {} as never)).toThrow('ExponentialLR: gamma must be a finite number ≥ 0, got undefined');
  });
});

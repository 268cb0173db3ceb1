import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradcheck } from '../autograd/gradcheck.js';
import { GC, t64, uniformValues } from '../test-utils/index.js';
import { ceil, floor, round } from './rounding.js';

describe('floor, ceil, round', () => {
  it('floor and ceil, with ±0, ±Infinity and NaN unchanged', () => {
    expect(floor(tensor([1.5, -1.5, 2, -0.5, Infinity, NaN])).toArray()).toEqual([1, -2, 2, -1, Infinity, NaN]);
    expect(ceil(tensor([1.5, -1.5, 2, -0.5, -Infinity])).toArray()).toEqual([2, -1, 2, -0, -Infinity]);
  });

  it('NOTE: round goes half to even (not Math.round’s half up), keeping the sign of zero', () => {
    const out = round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, 4503599627370495.5, 1e300])).toArray();
    expect(out).toEqual([0, 2, 2, -0, -2, -2, 0, 4503599627370496, 1e300]);
    expect(Object.is(round(tensor([-0.4])).item(), -0)).toBe(true);
  });

  it('round with decimals: x·10^d rounded, then divided (negative d: to tens, hundreds), as PyTorch', () => {
    // NOTE: 2.675·100 rounds to the tie 267.5, which goes to even: 2.68 (torch.round gives the same)
    expect(round(tensor([1.2345, 2.675, -0.125]), { decimals: 2 }).toArray()).toEqual([1.23, 2.68, -0.12]);
    expect(round(tensor([1250, 1350, -149]), { decimals: -2 }).toArray()).toEqual([1200, 1400, -100]);
    expect(() => round(tensor([1]), { decimals: 0.5 })).toThrow(/decimals must be an integer/);
  });

  it('matches a half-to-even reference on random values', () => {
    const vals = uniformValues(200, 7, -20, 20).map((v) => Math.round(v * 4) / 4); // many exact ties
    const even = (v: number) => {
      const f = Math.floor(v);
      const d = v - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    };
    expect(round(tensor(vals)).toArray()).toEqual(vals.map((v) => (even(v) === 0 && (v < 0 || Object.is(v, -0)) ? -0 : even(v))));
  });

  it('the gradient is 0 everywhere, even where the incoming gradient is NaN or infinite (as PyTorch)', () => {
    for (const op of [floor, ceil, round]) {
      const x = tensor([0.5, -1.2, 3], { requiresGrad: true });
      const y = op(x);
      expect(y.requiresGrad).toBe(true);
      y.backward(tensor([1, NaN, Infinity]));
      expect(x.grad!.toArray()).toEqual([0, 0, 0]);
    }
  });

  it('gradcheck away from the jumps', () => {
    const x = t64(uniformValues(6, 3, 0.1, 0.9), [2, 3]);
    for (const op of [floor, ceil, round]) expect(gradcheck((t) => op(t).add(t.square()), [x], GC).ok).toBe(true);
  });
});

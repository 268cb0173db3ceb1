import { describe, expect, it } from 'vitest';
import { tensor } from './tensor.js';
import { arange, zeros } from './create.js';
import { formatTensor } from './format.js';

describe('toString / formatTensor', () => {
  it('shows values, shape and dtype', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1, 2], [3, 4]], shape=[2,2], dtype=float64)');
    expect(tensor(3.5).toString()).toBe('tensor(3.5, shape=[], dtype=float64)');
    expect(tensor([1], { dtype: 'float32' }).toString()).toBe('tensor([1], shape=[1], dtype=float32)');
  });

  it('rounds values to 10 significant digits for reading', () => {
    expect(tensor([1 / 3, 0.1 + 0.2, -2 / 3]).toString()).toBe('tensor([0.3333333333, 0.3, -0.6666666667], shape=[3], dtype=float64)');
    // σ(0.3775) from the article, full precision 0.5932699921071872
    expect(tensor([0.5932699921071872]).toString()).toContain('[0.5932699921]');
  });

  it('shows NaN and infinities as JavaScript does', () => {
    expect(tensor([NaN, Infinity, -Infinity]).toString()).toBe('tensor([NaN, Infinity, -Infinity], shape=[3], dtype=float64)');
  });

  it('uses exponent notation for very small magnitudes and large non-integers; integers below 1e15 in full', () => {
    const s = tensor([1.5e-5, 1.25e20, 3e9]).toString();
    expect(s).toMatch(/^tensor\(\[1\.50*e-5, 1\.250*e\+20, 3000000000\]/);
    // 10 significant digits in both notations
    expect(tensor([123456789.123, 1 / 3e5]).toString()).toContain('[123456789.1, 3.333333333e-6]');
  });

  it('shows the name first, and the op that made the tensor', () => {
    const w = tensor([1, 2], { requiresGrad: true, name: 'w' });
    expect(w.toString()).toBe('tensor([1, 2], name=w, shape=[2], dtype=float64, requiresGrad=true)');
    const y = w.mul(2).named('y');
    expect(y.toString()).toBe('tensor([2, 4], name=y, shape=[2], dtype=float64, gradFn=mul)');
    expect(w.sum().toString()).toBe('tensor(3, shape=[], dtype=float64, gradFn=sum)');
  });

  it('long tensors show their first and last three elements, flattened', () => {
    expect(arange(2000).reshape([2, 1000]).toString()).toBe('tensor([0, 1, 2, ..., 1997, 1998, 1999] (flattened), shape=[2,1000], dtype=float64)');
    // exactly 1000 elements are still shown in full
    expect(formatTensor(arange(1000))).toContain('998, 999]');
  });

  it('empty tensors show their nesting', () => {
    expect(zeros([2, 0]).toString()).toBe('tensor([[], []], shape=[2,0], dtype=float64)');
    expect(zeros([0]).toString()).toBe('tensor([], shape=[0], dtype=float64)');
  });
});

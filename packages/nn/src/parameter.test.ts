import { describe, expect, it } from 'vitest';
import { tensor, Tensor } from '@chainrule/core';
import { isParameter, Parameter } from './parameter.js';

describe('Parameter', () => {
  it('is a leaf tensor that requires grad, holding a copy of the values', () => {
    const src = [[1, 2], [3, 4]];
    const p = new Parameter(src);
    expect(p).toBeInstanceOf(Tensor);
    expect(isParameter(p)).toBe(true);
    expect(isParameter(tensor(1))).toBe(false);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.shape).toEqual([2, 2]);
    expect(p.dtype).toBe('float64');
    expect(p.toArray()).toEqual(src);
  });

  it('never shares storage with the tensor it is made from, and drops its history', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const made = w.mul(3);
    const p = new Parameter(made);
    expect(p.isLeaf).toBe(true);
    expect(p.buffer).not.toBe(made.buffer);
    made.buffer[0] = 100; // writing the source directly must not reach the parameter
    expect(p.toArray()).toEqual([3, 6]);
  });

  it('takes requiresGrad, name and dtype options; a tensor keeps its dtype', () => {
    const frozen = new Parameter(0.35, { requiresGrad: false, name: 'b1' });
    expect(frozen.requiresGrad).toBe(false);
    expect(frozen.name).toBe('b1');
    expect(frozen.shape).toEqual([]);
    expect(new Parameter([1], { dtype: 'float32' }).dtype).toBe('float32');
    expect(new Parameter(tensor([1], { dtype: 'float32' })).dtype).toBe('float32');
  });

  it('can be frozen and unfrozen; a frozen parameter records no graph', () => {
    const p = new Parameter([1, 2]);
    p.requiresGrad = false;
    expect(p.mul(2).requiresGrad).toBe(false);
    p.requiresGrad = true;
    const y = p.mul(p).sum();
    y.backward();
    expect(p.grad!.toArray()).toEqual([2, 4]);
  });

  it('refuses a missing value', () => {
    expect(() => new Parameter(undefined as unknown as number)).toThrow(/Parameter: expected/);
  });
});

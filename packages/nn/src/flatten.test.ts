import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '@chainrule/core';
import { Flatten } from './flatten.js';
import { Identity } from './identity.js';

describe('Flatten', () => {
  it('joins startDim..endDim (defaults: all but the batch dimension)', () => {
    expect(new Flatten().forward(zeros([2, 3, 4, 5])).shape).toEqual([2, 60]);
    expect(new Flatten(0, 1).forward(zeros([2, 3, 4])).shape).toEqual([6, 4]);
    expect(new Flatten(-2, -1).forward(zeros([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new Flatten(1, 1).forward(zeros([2, 3, 4])).shape).toEqual([2, 3, 4]);
    expect(new Flatten(0).forward(tensor(7)).shape).toEqual([1]); // a scalar is one element
    const x = arange(24).reshape([2, 3, 4]);
    expect(new Flatten().forward(x).toArray()).toEqual([Array.from({ length: 12 }, (_, i) => i), Array.from({ length: 12 }, (_, i) => i + 12)]);
  });

  it('passes the gradient back in the input shape', () => {
    const x = tensor([[[1, 2], [3, 4]]], { requiresGrad: true });
    new Flatten().forward(x).mul(tensor([[1, 10, 100, 1000]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[1, 10], [100, 1000]]]);
  });

  it('refuses dimensions out of range or in the wrong order, naming the shape', () => {
    expect(() => new Flatten().forward(zeros([3]))).toThrow('Flatten: startDim 1 is out of range for an input of shape [3]: expected a dimension in [-1, 0]');
    expect(() => new Flatten(2, 1).forward(zeros([2, 3, 4]))).toThrow('Flatten: startDim 2 comes after endDim 1 for an input of shape [2,3,4]');
    expect(() => new Flatten(0.5)).toThrow('Flatten: startDim must be an integer, got 0.5');
  });

  it('shows its settings', () => {
    expect(String(new Flatten())).toBe('Flatten(startDim=1, endDim=-1)');
  });
});

describe('Identity', () => {
  it('returns its input itself, gradient included', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(new Identity().forward(x)).toBe(x);
    expect(new Identity().numParameters()).toBe(0);
    expect(String(new Identity())).toBe('Identity()');
  });
});

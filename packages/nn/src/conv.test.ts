import { describe, expect, it } from 'vitest';
import { ChainruleError, RandomGenerator, ShapeError, conv1d, conv2d, pad, randn, zeros } from '@chainrule/core';
import { Conv1d, Conv2d } from './conv.js';

describe('Conv2d', () => {
  it("initialises weight and bias as PyTorch does: U(±1/√fanIn), fanIn = in/groups · kH · kW, seeded", () => {
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 });
    expect(conv.weight.shape).toEqual([6, 2, 3, 2]);
    expect(conv.bias!.shape).toEqual([6]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    for (const v of [...conv.weight.buffer, ...conv.bias!.buffer]) expect(Math.abs(v)).toBeLessThan(bound);
    expect(Math.max(...conv.weight.buffer.map(Math.abs))).toBeGreaterThan(0.5 * bound);
    expect(new Conv2d(4, 6, [3, 2], { groups: 2, seed: 3 }).weight.toArray()).toEqual(conv.weight.toArray());
    expect(new Conv2d(4, 6, [3, 2], { groups: 2, seed: 4 }).weight.toArray()).not.toEqual(conv.weight.toArray());
    const g = new RandomGenerator(1);
    expect(new Conv2d(1, 1, 1, { generator: g }).weight.item()).not.toBe(new Conv2d(1, 1, 1, { generator: g }).weight.item());
  });

  it('computes conv2d with its weight, bias and options; parameters and state as PyTorch names them', () => {
    const conv = new Conv2d(2, 3, 3, { stride: 2, padding: 1, dilation: [1, 2], seed: 1 });
    const x = randn([2, 2, 7, 8], { seed: 2 });
    expect(conv.forward(x).toArray()).toEqual(conv2d(x, conv.weight, conv.bias, { stride: 2, padding: 1, dilation: [1, 2] }).toArray());
    expect(conv.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(Object.keys(conv.stateDict())).toEqual(['weight', 'bias']);
    expect(conv.toString()).toBe('Conv2d(in=2, out=3, kernel=[3,3], stride=2, padding=1, dilation=[1,2])');
    const nobias = new Conv2d(2, 3, 3, { bias: false });
    expect(nobias.bias).toBeNull();
    expect(nobias.forward(x).toArray()).toEqual(conv2d(x, nobias.weight, null).toArray());
  });

  it("pads 'reflect' and 'replicate' with core's pad, then convolves without padding (PyTorch's paddingMode)", () => {
    const x = randn([1, 2, 5, 6], { seed: 2 });
    const reflect = new Conv2d(2, 2, [3, 2], { padding: [1, 2], paddingMode: 'reflect', seed: 1 });
    expect(reflect.forward(x).toArray()).toEqual(conv2d(pad(x, [2, 2, 1, 1], { mode: 'reflect' }), reflect.weight, reflect.bias).toArray());
    const same = new Conv2d(2, 2, [3, 4], { padding: 'same', paddingMode: 'replicate', seed: 1 });
    expect(same.forward(x).shape).toEqual([1, 2, 5, 6]);
    expect(same.forward(x).toArray()).toEqual(conv2d(pad(x, [1, 2, 1, 1], { mode: 'replicate' }), same.weight, same.bias).toArray());
  });

  it('takes an exact weight and bias, and trains: gradients reach both', () => {
    const conv = new Conv2d(1, 1, 2, { weight: [[[[1, 0], [0, 1]]]], biasValue: [0.5] });
    const y = conv.forward(zeros([1, 1, 3, 3]).add(1));
    expect(y.toArray()).toEqual([[[[2.5, 2.5], [2.5, 2.5]]]]);
    y.sum().backward();
    expect(conv.weight.grad!.toArray()).toEqual([[[[4, 4], [4, 4]]]]);
    expect(conv.bias!.grad!.toArray()).toEqual([4]);
  });

  it('refuses settings PyTorch refuses, naming them', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(ChainruleError);
    expect(() => new Conv2d(2, 4, 3, { paddingMode: 'circular' as never })).toThrow(/'circular' is not supported/);
    expect(() => new Conv2d(2, 4, 3, { padding: 'same', stride: 2 })).toThrow(/'same' needs stride 1/);
    expect(() => new Conv2d(2, 4, [3, 3, 3])).toThrow(/kernelSize must be a positive integer or a list of 2/);
    expect(() => new Conv2d(2, 4, 3, { weight: zeros([4, 2, 3]) })).toThrow(ShapeError);
  });
});

describe('Conv1d', () => {
  it('computes conv1d; fanIn = in/groups · k', () => {
    const conv = new Conv1d(4, 6, 3, { padding: 'same', groups: 2, seed: 5 });
    expect(conv.weight.shape).toEqual([6, 2, 3]);
    for (const v of conv.weight.buffer) expect(Math.abs(v)).toBeLessThan(1 / Math.sqrt(6));
    const x = randn([2, 4, 10], { seed: 1 });
    expect(conv.forward(x).toArray()).toEqual(conv1d(x, conv.weight, conv.bias, { padding: 'same', groups: 2 }).toArray());
    const reflect = new Conv1d(4, 2, 3, { padding: 2, paddingMode: 'reflect' });
    expect(reflect.forward(x).toArray()).toEqual(conv1d(pad(x, [2, 2], { mode: 'reflect' }), reflect.weight, reflect.bias).toArray());
  });
});

import { describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, randn } from '@chainrule/core';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pooling.js';
import { Conv2d } from './conv.js';
import { Sequential } from './sequential.js';
import { ReLU } from './activations.js';

describe('pooling layers', () => {
  const x = randn([2, 3, 7, 6], { seed: 1 });

  it('compute core’s pooling functions with their options', () => {
    expect(new MaxPool2d(2).forward(x).toArray()).toEqual(maxPool2d(x, 2).toArray());
    expect(new MaxPool2d([3, 2], { stride: 1, padding: 1, dilation: [1, 2], ceilMode: true }).forward(x).toArray()).toEqual(
      maxPool2d(x, [3, 2], { stride: 1, padding: 1, dilation: [1, 2], ceilMode: true }).toArray(),
    );
    expect(new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).forward(x).toArray()).toEqual(avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }).toArray());
    expect(new AdaptiveAvgPool2d([2, null]).forward(x).toArray()).toEqual(adaptiveAvgPool2d(x, [2, null]).toArray());
  });

  it('hold no parameters and describe their settings', () => {
    expect(new MaxPool2d(2).parameters()).toEqual([]);
    expect(new MaxPool2d(2).toString()).toBe('MaxPool2d(kernel=2, stride=2)');
    expect(new AvgPool2d(3, { stride: 1, countIncludePad: false }).toString()).toBe('AvgPool2d(kernel=3, stride=1, countIncludePad=false)');
    expect(new AdaptiveAvgPool2d(1).toString()).toBe('AdaptiveAvgPool2d(outputSize=1)');
  });

  it('stack with a convolution in a Sequential, and pass gradients back to it', () => {
    const net = new Sequential(new Conv2d(3, 4, 3, { seed: 1 }), new ReLU(), new MaxPool2d(2), new AdaptiveAvgPool2d(1));
    const y = net.forward(x);
    expect(y.shape).toEqual([2, 4, 1, 1]);
    y.sum().backward();
    const conv = net.layers[0] as Conv2d;
    expect(conv.weight.grad!.shape).toEqual([4, 3, 3, 3]);
    expect(conv.bias!.grad!.buffer.some((v) => v !== 0)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { type Tensor } from '@chainrule/core';
import { ReLU, Sigmoid } from './activations.js';
import { Dense } from './linear.js';
import { Module } from './module.js';
import { Sequential } from './sequential.js';
import { summary } from './summary.js';

describe('summary', () => {
  it('one row per module (PyTorch\'s names: Sequential\'s children are 0, 1, ...) with its output shape and own parameter count, then the totals', () => {
    const net = new Sequential(new Dense(4, 8), new ReLU(), new Sequential(new Dense(8, 8), new Sigmoid()), new Dense(8, 3, { freezeBias: true }));
    expect(summary(net, [2, 4])).toBe(
      [
        'Layer (type (name))   Output Shape   Param #',
        '════════════════════════════════════════════',
        'Sequential            [2, 3]         --',
        '├─Dense (0)           [2, 8]         40',
        '├─ReLU (1)            [2, 8]         --',
        '├─Sequential (2)      [2, 8]         --',
        '│ ├─Dense (2.0)       [2, 8]         72',
        '│ └─Sigmoid (2.1)     [2, 8]         --',
        '└─Dense (3)           [2, 3]         27',
        '════════════════════════════════════════════',
        'Total params: 139',
        'Trainable params: 136',
        'Non-trainable params: 3',
      ].join('\n'),
    );
  });

  it('a module called twice shows the count; one never called shows --; several inputs; no hooks are left behind', () => {
    class Twice extends Module {
      shared = new Dense(3, 3, { seed: 1 });
      unused = new Dense(3, 1, { seed: 2 });
      forward(a: Tensor, b: Tensor): Tensor {
        return this.shared.forward(this.shared.forward(a)).add(b);
      }
    }
    const net = new Twice();
    const text = summary(net, [[5, 3], [5, 3]]);
    expect(text).toContain('├─Dense (shared)      [5, 3] ×2      12');
    expect(text).toContain('└─Dense (unused)      --             4');
    expect(text).toContain('Total params: 16');
    expect(Object.getOwnPropertyNames(net.shared)).toContain('forward'); // the wrapper stays, without hooks
    expect(summary(net, [[5, 3], [5, 3]])).toBe(text);
  });

  it('refuses what is not a module or a shape; an error in forward removes the hooks too', () => {
    expect(() => summary({} as never, [1])).toThrow('summary: expected a Module, got an object');
    expect(() => summary(new ReLU(), [1.5])).toThrow('summary: input shape 0 must be an array of non-negative integers, got [1.5] (an array)');
    const layer = new Dense(4, 2);
    const register = layer.registerForwardHook.bind(layer);
    let live = 0;
    layer.registerForwardHook = (hook) => {
      live++;
      const handle = register(hook);
      return { remove: () => (live--, handle.remove()) };
    };
    expect(() => summary(new Sequential(layer), [1, 3])).toThrow(); // 3 features into a Dense(4, 2)
    expect(live).toBe(0);
  });
});

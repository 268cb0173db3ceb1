import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { Sigmoid, Softmax } from './activations.js';
import { Dense } from './linear.js';
import { Module } from './module.js';
import { Sequential } from './sequential.js';

describe('Sequential', () => {
  it('names its modules by index, as PyTorch does, and applies them in order', () => {
    const a = new Dense(2, 3, { seed: 1 }), b = new Dense(3, 1, { seed: 2 });
    const net = new Sequential(a, new Sigmoid(), b);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2']);
    const x = tensor([[0.3, -0.2], [1, 2]]);
    expect(net.forward(x).toArray()).toEqual(b.forward(a.forward(x).sigmoid()).toArray());
  });

  it('gives the first module every input, and an empty Sequential is the identity', () => {
    class Add extends Module {
      forward(a: Tensor, b: Tensor): Tensor {
        return a.add(b);
      }
    }
    expect(new Sequential(new Add(), new Sigmoid()).forward(tensor([1]), tensor([-1])).toArray()).toEqual([0.5]);
    const x = tensor([1, 2]);
    expect(new Sequential().forward(x)).toBe(x);
    expect(() => new Sequential({} as Module)).toThrow(/argument 0 is not a Module/);
  });

  it('prints its tree', () => {
    const net = new Sequential(
      new Dense(2, 2, { bias: 'shared', biasValue: 0.35, freezeBias: true }),
      new Sigmoid(),
      new Sequential(new Dense(2, 3, { bias: false }), new Softmax()),
    );
    expect(String(net)).toBe(
      [
        'Sequential(',
        '  (0): Dense(in=2, out=2, bias=shared (frozen))',
        '  (1): Sigmoid()',
        '  (2): Sequential(',
        '    (0): Dense(in=2, out=3, bias=none)',
        '    (1): Softmax(axis=-1)',
        '  )',
        ')',
      ].join('\n'),
    );
    expect(String(new Dense(2, 3))).toBe('Dense(in=2, out=3, bias=[3])');
  });

  it('train and eval reach every layer', () => {
    const net = new Sequential(new Dense(1, 1), new Sequential(new Sigmoid()));
    net.eval();
    expect(net.modules().map((m) => m.training)).toEqual([false, false, false, false]);
  });
});

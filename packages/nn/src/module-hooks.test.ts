// Module.registerForwardHook: PyTorch's forward hooks, by wrapping the instance's forward.
import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { Sigmoid } from './activations.js';
import { Dense } from './linear.js';
import { Sequential } from './sequential.js';

describe('forward hooks', () => {
  it('run after forward, in order, whoever calls forward (Sequential calls its layers directly); a returned tensor replaces the output', () => {
    const first = new Dense(2, 2, { seed: 1 }), act = new Sigmoid();
    const net = new Sequential(first, act);
    const seen: string[] = [];
    const h1 = first.registerForwardHook((m, inputs, out) => {
      seen.push(`${m.constructor.name} ${inputs[0].shape} -> ${out.shape}`);
    });
    act.registerForwardHook((_m, _inputs, out) => out.mul(0));
    act.registerForwardHook((_m, _inputs, out) => {
      seen.push(`after the replacement: ${out.toArray()}`);
    });
    const y = net.forward(tensor([[1, 2]]));
    expect(y.toArray()).toEqual([[0, 0]]);
    expect(seen).toEqual(['Dense 1,2 -> 1,2', 'after the replacement: 0,0']);
    h1.remove();
    h1.remove(); // twice is harmless
    net.forward(tensor([[1, 2]]));
    expect(seen).toHaveLength(3);
  });

  it('are invisible to discovery, state dicts and toString', () => {
    const layer = new Dense(2, 3, { seed: 1 });
    const before = [Object.keys(layer), layer.stateDict(), String(layer)];
    layer.registerForwardHook(() => {});
    expect([Object.keys(layer), layer.stateDict(), String(layer)]).toEqual(before);
    expect(layer.forward(tensor([1, 1])).toArray()).toEqual(new Dense(2, 3, { seed: 1 }).forward(tensor([1, 1])).toArray());
  });

  it('refuse a hook that is not a function, and a hook that returns something other than a tensor', () => {
    const layer = new Sigmoid();
    expect(() => layer.registerForwardHook(5 as never)).toThrow('Sigmoid.registerForwardHook: expected a function (module, inputs, output) => Tensor | void, got 5');
    layer.registerForwardHook(() => 3 as never);
    expect(() => layer.forward(tensor([0]))).toThrow('Sigmoid: a forward hook returned 3; return a Tensor to replace the output, or nothing');
  });
});

import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { ReLU } from './activations.js';
import { BatchNorm1d } from './batch-norm.js';
import { Dense } from './linear.js';
import { Module } from './module.js';
import { ModuleDict } from './module-dict.js';
import { ModuleList } from './module-list.js';

class Deep extends Module {
  blocks = new ModuleList([new Dense(2, 2, { seed: 1 }), new Dense(2, 2, { seed: 2 })]);
  heads = new ModuleDict({ left: new Dense(2, 1, { seed: 3 }), norm: new BatchNorm1d(2) });
  forward(x: Tensor): Tensor {
    for (const b of this.blocks) x = b.forward(x).relu();
    return this.heads.get('left').forward(this.heads.get('norm').forward(x));
  }
}

describe('ModuleList', () => {
  it("names its modules' parameters and buffers by index, as PyTorch", () => {
    const net = new Deep();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias',
      'heads.left.weight', 'heads.left.bias', 'heads.norm.weight', 'heads.norm.bias',
    ]);
    expect(Object.keys(net.stateDict())).toEqual([
      'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias',
      'heads.left.weight', 'heads.left.bias',
      'heads.norm.weight', 'heads.norm.bias', 'heads.norm.runningMean', 'heads.norm.runningVar', 'heads.norm.numBatchesTracked',
    ]);
    expect(net.forward(tensor([[1, 2], [3, 4]])).shape).toEqual([2, 1]);
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true); // the mode reaches through both containers
  });

  it('get/set/append/extend/insert with negative indices; iterates in order', () => {
    const [a, b, c, d] = [new ReLU(), new ReLU(), new ReLU(), new ReLU()];
    const list = new ModuleList([a, b]);
    expect(list.length).toBe(2);
    expect(list.get(-1)).toBe(b);
    list.append(c).extend([d]);
    expect([...list]).toEqual([a, b, c, d]);
    list.insert(0, d);
    list.insert(-1, a);
    list.insert(99, b);
    expect([...list]).toEqual([d, a, b, c, a, d, b]);
    list.set(-1, c);
    expect(list.get(6)).toBe(c);
    expect(list.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3']); // each module once, first index
    expect(String(new ModuleList([new Dense(2, 3, { seed: 1 })]))).toBe('ModuleList(\n  (0): Dense(in=2, out=3, bias=[3])\n)');
  });

  it('refuses what is not a module, and bad indices, changing nothing', () => {
    const list = new ModuleList([new ReLU()]);
    expect(() => list.extend([new ReLU(), 3 as unknown as Module])).toThrow('ModuleList: item 1: expected a Module, got 3');
    expect(list.length).toBe(1);
    expect(() => list.get(1)).toThrow('ModuleList.get: index 1 is out of range for a list of 1 module');
    expect(() => list.append({} as Module)).toThrow('ModuleList.append: expected a Module, got an object');
    expect(() => new ModuleList(5 as unknown as Module[])).toThrow('ModuleList: expected an iterable of modules, got 5');
    expect(() => list.forward()).toThrow(/ModuleList: a container has no forward/);
  });
});

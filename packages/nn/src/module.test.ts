import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

class Leaf extends Module {
  weight: Parameter;
  bias: Parameter;
  constructor(w = 1, b = 0) {
    super();
    this.weight = new Parameter([w, w]);
    this.bias = new Parameter(b);
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.weight).add(this.bias);
  }
}

class Net extends Module {
  scale = 3; // not a parameter
  plain = tensor([1, 2], { requiresGrad: true }); // a plain tensor is not a parameter either
  hidden = new Leaf(1, 0);
  extra = new Parameter([5]);
  blocks = [new Leaf(2, 1), new Leaf(3, 2)];
  grid = [[new Parameter(7)], [new Parameter(8), 'ignored']];
  forward(x: Tensor): Tensor {
    return this.blocks.reduce((h, b) => b.forward(h), this.hidden.forward(x));
  }
}

describe('Module discovery', () => {
  it('finds parameters and submodules from the fields, in field order, with dotted names', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'extra',
      'grid.0.0',
      'grid.1.0',
      'hidden.weight',
      'hidden.bias',
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.1.weight',
      'blocks.1.bias',
    ]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['hidden', 'blocks.0', 'blocks.1']);
    expect(net.children()).toEqual([net.hidden, net.blocks[0], net.blocks[1]]);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'hidden', 'blocks.0', 'blocks.1']);
    expect(net.modules()[0]).toBe(net);
    expect(net.parameters()[3]).toBe(net.hidden.weight);
    expect(net.numParameters()).toBe(1 + 1 + 1 + 3 * (2 + 1));
  });

  it('reports a shared parameter and a shared module once, under the first name', () => {
    class Tied extends Module {
      a = new Leaf();
      b = new Leaf();
      again: Leaf;
      constructor() {
        super();
        this.b.weight = this.a.weight; // weight tying
        this.again = this.a; // the same module twice
      }
      forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const t = new Tied();
    expect(t.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'b.bias']);
    expect(t.namedModules().map(([n]) => n)).toEqual(['', 'a', 'b']);
    expect(t.namedChildren().map(([n]) => n)).toEqual(['a', 'b']);
  });

  it('survives a cycle (a child holding its parent)', () => {
    class Child extends Module {
      w = new Parameter(1);
      parent: Module | null = null;
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    class Parent extends Module {
      child = new Child();
      constructor() {
        super();
        this.child.parent = this;
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const p = new Parent();
    expect(p.namedParameters().map(([n]) => n)).toEqual(['child.w']);
    expect(p.modules()).toEqual([p, p.child]);
  });
});

describe('Module state', () => {
  it('zeroGrad drops every gradient by default, or fills zeros with setToNone: false', () => {
    const net = new Net();
    net.forward(tensor([1, 1])).sum().backward();
    expect(net.parameters().filter((p) => p.grad !== null).map((p) => p)).toEqual([
      net.hidden.weight,
      net.hidden.bias,
      net.blocks[0].weight,
      net.blocks[0].bias,
      net.blocks[1].weight,
      net.blocks[1].bias,
    ]);
    const keep = net.hidden.weight.grad!;
    net.zeroGrad({ setToNone: false });
    expect(net.hidden.weight.grad).toBe(keep);
    expect(keep.toArray()).toEqual([0, 0]);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('train and eval set the mode on every module and return the module', () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().map((m) => m.training)).toEqual([false, false, false, false]);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.train(false);
    expect(net.blocks[1].training).toBe(false);
  });
});

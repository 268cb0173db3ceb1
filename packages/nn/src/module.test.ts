import { describe, expect, it } from 'vitest';
import { noGrad, tensor, zeros, type Tensor } from '@chainrule/core';
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

/** A module with a parameter, a persistent and a non-persistent buffer, and a child with one of its own. */
class Counter extends Module {
  scale = new Parameter([2]);
  count = this.registerBuffer('count', zeros([]));
  cache: Tensor | null;
  child: Tracker;
  constructor() {
    super();
    this.cache = this.registerBuffer('cache', tensor([0, 0]), { persistent: false });
    this.child = new Tracker();
  }
  forward(x: Tensor): Tensor {
    noGrad(() => this.count.add_(1));
    return this.child.forward(x.mul(this.scale));
  }
}
class Tracker extends Module {
  last = this.registerBuffer('last', tensor([0]));
  forward(x: Tensor): Tensor {
    noGrad(() => this.last.copy_(x.sum().reshape([1])));
    return x;
  }
}

describe('Module buffers', () => {
  it('are found by namedBuffers with dotted names, kept out of parameters', () => {
    const c = new Counter();
    expect(c.namedBuffers().map(([n]) => n)).toEqual(['count', 'cache', 'child.last']);
    expect(c.buffers()[0]).toBe(c.count);
    expect(c.namedParameters().map(([n]) => n)).toEqual(['scale']);
    expect(c.numParameters()).toBe(1);
    c.forward(tensor([1, 2]));
    expect(c.count.item()).toBe(1);
    expect(c.child.last.toArray()).toEqual([6]);
  });

  it('persistent ones are in the state dict, after each module\'s own parameters, and load back', () => {
    const c = new Counter();
    c.forward(tensor([1, 2]));
    const state = c.stateDict();
    expect(Object.keys(state)).toEqual(['scale', 'count', 'child.last']); // cache is not persistent
    expect(state.count).toEqual({ shape: [], dtype: 'float64', data: [1] });
    const fresh = new Counter();
    const count = fresh.count;
    expect(fresh.loadStateDict(state)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(fresh.count).toBe(count); // loaded in place
    expect(fresh.count.item()).toBe(1);
    expect(fresh.child.last.toArray()).toEqual([6]);
    delete state['child.last'];
    expect(() => new Counter().loadStateDict(state)).toThrow("missing key(s) 'child.last'");
    state['child.last'] = { shape: [2], dtype: 'float64', data: [1, 2] };
    expect(() => new Counter().loadStateDict(state)).toThrow("'child.last': shape [2] in the state does not match the buffer's shape [1]");
  });

  it('a reassigned buffer field stays the buffer; a null one is skipped', () => {
    const c = new Counter();
    c.count = tensor(5);
    expect(c.stateDict().count.data).toEqual([5]);
    c.cache = null;
    expect(c.namedBuffers().map(([n]) => n)).toEqual(['count', 'child.last']);
    (c as unknown as { count: unknown }).count = 3;
    expect(() => c.namedBuffers()).toThrow("Counter: buffer 'count' holds 3; a buffer field must hold a plain Tensor or null");
  });

  it('refuses bad names and values, naming the module', () => {
    const c = new Counter();
    expect(() => c.registerBuffer('', zeros([1]))).toThrow('Counter.registerBuffer: a buffer name must be a non-empty string without dots, got "" (a string)');
    expect(() => c.registerBuffer('a.b', zeros([1]))).toThrow(/without dots, got "a.b"/);
    expect(() => c.registerBuffer('training', zeros([1]))).toThrow("Counter.registerBuffer: 'training' is already an attribute of Counter (true (a boolean)); choose another buffer name");
    expect(() => c.registerBuffer('child', zeros([1]))).toThrow(/'child' is already an attribute of Counter \(a Tracker\)/);
    expect(() => c.registerBuffer('forward', zeros([1]))).toThrow(/'forward' is already an attribute/);
    expect(() => c.registerBuffer('scale', zeros([1]))).toThrow("Counter.registerBuffer: 'scale' already holds a Parameter");
    expect(() => c.registerBuffer('w', new Parameter(1))).toThrow(/buffer 'w' is a Parameter/);
    expect(() => c.registerBuffer('w', [1, 2] as unknown as Tensor)).toThrow("Counter.registerBuffer: buffer 'w' must be a Tensor or null, got [1, 2] (an array)");
    expect(() => c.registerBuffer('w', zeros([1]), { persistent: 'no' as unknown as boolean })).toThrow(/persistent must be true or false/);
    expect(c.namedBuffers().map(([n]) => n)).toEqual(['count', 'cache', 'child.last']);
  });

  it('a buffer shared by two modules is reported once', () => {
    const a = new Tracker(), b = new Tracker();
    b.last = a.last;
    class Two extends Module {
      a = a;
      b = b;
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(new Two().namedBuffers().map(([n]) => n)).toEqual(['a.last']);
    expect(Object.keys(new Two().stateDict())).toEqual(['a.last']);
  });
});

describe('Module.apply and train', () => {
  it('apply visits children before their parent, each module once', () => {
    const net = new Net();
    net.blocks.push(net.hidden); // the same module twice
    const seen: string[] = [];
    expect(net.apply((m) => seen.push(m.constructor.name + (m === net.hidden ? '*' : '')))).toBe(net);
    expect(seen).toEqual(['Leaf*', 'Leaf', 'Leaf', 'Net']);
    expect(() => net.apply(null as unknown as () => void)).toThrow('Net.apply: expected a function (module) => void, got null');
  });

  it('train refuses a mode that is not a boolean', () => {
    expect(() => new Net().train('eval' as unknown as boolean)).toThrow('Net.train: mode must be true or false, got "eval" (a string)');
  });
});

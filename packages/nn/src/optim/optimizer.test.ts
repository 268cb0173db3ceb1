// What every optimizer shares: the checks before a step changes anything, hyperparameters checked
// wherever they are set, the parameter list, and zeroGrad's one meaning. Run for SGD and Adam alike.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, type Buffer, type Tensor } from '@chainrule/core';
import { Dense } from '../linear.js';
import { Parameter } from '../parameter.js';
import { Sequential } from '../sequential.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import { Optimizer, type ParamsInput } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

const makers: [string, (ps: ParamsInput) => Optimizer][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 })],
  ['Adam', (ps) => new Adam(ps, { lr: 0.1 })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.1 })],
  ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.1, momentum: 0.9, centered: true })],
  ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.01 })],
];

/** Each optimizer's option keys and constructor, for the tests that name them. */
const known: Record<string, [string, (ps: ParamsInput, o: object) => Optimizer]> = {
  SGD: ['lr, momentum, dampening, weightDecay, nesterov', (ps, o) => new SGD(ps, o as never)],
  Adam: ['lr, betas, eps, weightDecay', (ps, o) => new Adam(ps, o as never)],
  AdamW: ['lr, betas, eps, weightDecay', (ps, o) => new AdamW(ps, o as never)],
  RMSprop: ['lr, alpha, eps, weightDecay, momentum, centered', (ps, o) => new RMSprop(ps, o as never)],
  Adagrad: ['lr, lrDecay, weightDecay, initialAccumulatorValue, eps', (ps, o) => new Adagrad(ps, o as never)],
};

/** Values, versions and gradients of `ps`, to show that a refused step changed nothing. */
const snapshot = (ps: Tensor[]) => ps.map((p) => [Array.from(p.buffer), p.version]);

describe.each(makers)('%s validates everything before changing anything', (name, make) => {
  it('a step that throws on the second parameter has not updated the first (nor its state)', () => {
    const a = new Parameter([1, 2]), b = new Parameter([[1, 2], [3, 4]]);
    const opt = make([a, b]);
    a.grad = tensor([0.5, -0.5]);
    b.grad = tensor([1, 2, 3, 4]); // the right size, the wrong shape
    const before = snapshot([a, b]);
    expect(() => opt.step()).toThrow(
      `${name}: params[1]: .grad has shape [4] and dtype float64 but the parameter has shape [2,2] and dtype float64; a gradient must match its parameter. Nothing was updated`,
    );
    expect(snapshot([a, b])).toEqual(before);
    // the refused step left no state behind: fixed, it steps exactly as a fresh optimizer does
    b.grad = tensor([[1, 2], [3, 4]]);
    opt.step();
    const a2 = new Parameter([1, 2]), b2 = new Parameter([[1, 2], [3, 4]]);
    const fresh = make([a2, b2]);
    a2.grad = tensor([0.5, -0.5]);
    b2.grad = tensor([[1, 2], [3, 4]]);
    fresh.step();
    expect(snapshot([a, b])).toEqual(snapshot([a2, b2]));
  });

  it('refuses a gradient of the wrong dtype, naming both dtypes and shapes', () => {
    const p = new Parameter([1, 2]);
    const opt = make([p]);
    p.grad = tensor([1, 1], { dtype: 'float32' });
    expect(() => opt.step()).toThrow(`${name}: params[0]: .grad has shape [2] and dtype float32 but the parameter has shape [2] and dtype float64`);
    expect(snapshot([p])).toEqual([[[1, 2], 0]]);
  });

  it('refuses a gradient that is not a Tensor with a message, not a TypeError', () => {
    const p = new Parameter([1, 1]);
    const opt = make([p]);
    (p as { grad: unknown }).grad = [1, 1];
    expect(() => opt.step()).toThrow(`${name}: params[0]: .grad must be a Tensor of shape [2] (float64) or null, got [1, 1] (an array); nothing was updated`);
    (p as { grad: unknown }).grad = undefined;
    expect(() => opt.step()).toThrow(/\.grad must be a Tensor of shape \[2\] \(float64\) or null, got undefined/);
    expect(snapshot([p])).toEqual([[[1, 1], 0]]);
  });

  it('names the parameter: by its path with namedParameters(), else by its tensor name', () => {
    const net = new Sequential(new Dense(2, 2, { seed: 1 }), new Dense(2, 1, { seed: 2 }));
    const opt = make(net.namedParameters());
    net.parameters()[2].grad = tensor([[1, 1]], { dtype: 'float32' });
    expect(() => opt.step()).toThrow(`${name}: params[2] '1.weight': .grad has shape [1,2] and dtype float32`);
    const w = new Parameter([1], { name: 'w' });
    const opt2 = make([w]);
    w.grad = tensor(1);
    expect(() => opt2.step()).toThrow(`${name}: params[0] 'w': .grad has shape [] and dtype float64 but the parameter has shape [1]`);
  });

  it('property: any gradient of another shape or dtype is refused and nothing changes', () => {
    const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(shapeArb, shapeArb, fc.constantFrom('float64', 'float32') , (ps, gs, gdtype) => {
        const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);
        fc.pre(gs.join() !== ps.join() || gdtype !== 'float64');
        const good = new Parameter(1.5);
        const p = new Parameter(tensor(new Float64Array(sizeOf(ps)).fill(2), { shape: ps }));
        const opt = make([good, p]);
        good.grad = tensor(1);
        p.grad = tensor(new Float64Array(sizeOf(gs)).fill(1), { shape: gs, dtype: gdtype });
        const before = snapshot([good, p]);
        expect(() => opt.step()).toThrow(/\.grad has shape .* but the parameter has shape .*Nothing was updated/);
        expect(snapshot([good, p])).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('writes through Tensor.update: one version bump per updated parameter per step, under grad mode', () => {
    const a = new Parameter([1, 2]), frozen = new Parameter([3], { requiresGrad: false }), none = new Parameter([4]);
    const opt = make([a, frozen, none]);
    a.mul(a).sum().backward();
    opt.step();
    opt.step();
    expect([a.version, frozen.version, none.version]).toEqual([2, 0, 0]);
    // a graph that saved the old value refuses to backpropagate through the updated one
    const y = a.mul(a).sum();
    opt.step();
    expect(() => y.backward()).toThrow(/modified in place/);
  });

  it('updates with a gradient that has a graph of its own (backward with createGraph)', () => {
    const p = new Parameter([1, 2]);
    const opt = make([p]);
    p.mul(p).sum().backward({ createGraph: true });
    expect(p.grad!.gradFn).not.toBeNull();
    opt.step();
    expect(p.version).toBe(1);
    expect(p.buffer[0]).toBeLessThan(1);
  });

  it('refuses params that are a function (net.parameters without the call), or not iterable', () => {
    const net = new Dense(2, 2);
    expect(() => make(net.parameters as unknown as ParamsInput)).toThrow(
      `${name}: params is a function, not the parameters: pass net.parameters() (the method's result), not net.parameters`,
    );
    expect(() => make(5 as unknown as ParamsInput)).toThrow(`${name}: params must be an iterable of tensors such as net.parameters(), got 5`);
    expect(() => make(net.weight as unknown as ParamsInput)).toThrow(/params must be an iterable of tensors such as net.parameters\(\), got a Parameter/);
    expect(() => make(null as unknown as ParamsInput)).toThrow(/got null/);
    expect(() => make([net.weight, [1, 2]] as unknown as ParamsInput)).toThrow(`${name}: params[1] is not a Tensor, got [1, 2] (an array)`);
  });

  it('keeps its parameter list fixed', () => {
    const opt = make([new Parameter([1])]);
    expect(() => (opt.params as Tensor[]).push(new Parameter([2]))).toThrow(TypeError);
    expect(opt.params).toHaveLength(1);
  });

  it('refuses a learning rate that is not a finite number ≥ 0 at the assignment, keeping the old one', () => {
    const p = new Parameter([1]);
    const opt = make([p]) as Optimizer & { lr: number };
    opt.lr = 0.25;
    expect(() => (opt.lr = NaN)).toThrow(`${name}: lr must be a finite number ≥ 0, got NaN`);
    expect(() => ((opt as { lr: unknown }).lr = 'x')).toThrow(`${name}: lr must be a finite number ≥ 0, got "x" (a string)`);
    expect(() => (opt.lr = -1)).toThrow(`${name}: lr must be a finite number ≥ 0, got -1`);
    expect(() => (opt.lr = Infinity)).toThrow(/got Infinity/);
    expect(opt.lr).toBe(0.25);
    p.grad = tensor([1]);
    opt.step();
    expect(Number.isFinite(p.item())).toBe(true);
  });

  it('refuses unknown options (a misspelt option would otherwise be ignored)', () => {
    const ps = [new Parameter([1])];
    const opts = { lr: 0.1, weight_decay: 1e-4 };
    const [keys, make] = known[name];
    const ctor = (o: object) => make(ps, o);
    expect(() => ctor(opts)).toThrow(`${name}: unknown option 'weight_decay'; the options are ${keys}`);
    expect(() => ctor(0.1 as unknown as object)).toThrow(`${name}: options must be an object such as { lr: `);
  });
});

describe('a new optimizer only writes the update of one buffer', () => {
  class SignSGD extends Optimizer {
    constructor(params: ParamsInput, readonly lr: number) {
      super(params, 'SignSGD');
    }
    protected stepParameter(_index: number, x: Buffer, g: Buffer): void {
      for (let i = 0; i < x.length; i++) x[i] -= this.lr * Math.sign(g[i]);
    }
  }

  it('gets the checks, the skipping of frozen parameters and the version bump from the base', () => {
    const a = new Parameter([1, -1]), b = new Parameter([5], { requiresGrad: false });
    const opt = new SignSGD([a, b], 0.5);
    a.grad = tensor([3, -0.1]);
    opt.step();
    expect(a.toArray()).toEqual([0.5, -0.5]);
    expect([a.version, b.version]).toEqual([1, 0]);
    a.grad = tensor([1]);
    expect(() => opt.step()).toThrow("SignSGD: params[0]: .grad has shape [1] and dtype float64 but the parameter has shape [2]");
  });
});

describe('hyperparameters are checked wherever they are set', () => {
  // [optimizer, key, upper bound (exclusive) if any]
  const keys: [string, () => Optimizer, string, number | undefined][] = [
    ['SGD', () => new SGD([new Parameter([1])], { lr: 0.1 }), 'lr', undefined],
    ['SGD', () => new SGD([new Parameter([1])], { lr: 0.1 }), 'momentum', undefined],
    ['SGD', () => new SGD([new Parameter([1])], { lr: 0.1 }), 'dampening', undefined],
    ['SGD', () => new SGD([new Parameter([1])], { lr: 0.1 }), 'weightDecay', undefined],
    ['Adam', () => new Adam([new Parameter([1])]), 'lr', undefined],
    ['Adam', () => new Adam([new Parameter([1])]), 'eps', undefined],
    ['Adam', () => new Adam([new Parameter([1])]), 'weightDecay', undefined],
    ['AdamW', () => new AdamW([new Parameter([1])]), 'lr', undefined],
    ['AdamW', () => new AdamW([new Parameter([1])]), 'eps', undefined],
    ['AdamW', () => new AdamW([new Parameter([1])]), 'weightDecay', undefined],
    ...(['lr', 'alpha', 'eps', 'weightDecay', 'momentum'] as const).map((k) => ['RMSprop', () => new RMSprop([new Parameter([1])]), k, undefined] as [string, () => Optimizer, string, undefined]),
    ...(['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'] as const).map((k) => ['Adagrad', () => new Adagrad([new Parameter([1])]), k, undefined] as [string, () => Optimizer, string, undefined]),
  ];
  const anyValue = fc.oneof(fc.double(), fc.anything(), fc.constantFrom(NaN, Infinity, -Infinity, -0, -1e-300, '1', null, undefined, [1]));

  it('property: an assignment is accepted exactly when the value is a finite number in range; a refused one changes nothing', () => {
    for (const [name, make, key, below] of keys) {
      fc.assert(
        fc.property(anyValue, (value) => {
          const opt = make() as unknown as Record<string, unknown>;
          const before = opt[key];
          const valid = typeof value === 'number' && Number.isFinite(value) && value >= 0 && (below === undefined || value < below);
          if (valid) {
            opt[key] = value;
            expect(opt[key]).toBe(value);
          } else {
            expect(() => (opt[key] = value)).toThrow(new RegExp(`^${name}: ${key} must be a finite number ≥ 0, got `));
            expect(opt[key]).toBe(before);
          }
        }),
        { numRuns: 60 },
      );
    }
  });

  it('property: the constructor refuses what the setter refuses', () => {
    for (const [name, , key] of keys) {
      fc.assert(
        fc.property(fc.oneof(fc.double({ max: -Number.MIN_VALUE }), fc.constantFrom(NaN, Infinity, '0.1')), (value) => {
          const options = { lr: 0.1, [key]: value };
          expect(() => known[name][1]([new Parameter([1])], options)).toThrow(`${name}: ${key} must be a finite number ≥ 0, got `);
        }),
        { numRuns: 30 },
      );
    }
  });
});

// Parameter groups, as PyTorch's: each group's own hyperparameters, the options for the rest,
// checked wherever they are set, for every optimizer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor, type Tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import type { Optimizer, ParamGroupInput, ParamsOrGroups } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

type Make = (params: ParamsOrGroups<{ lr: number; weightDecay: number }>, options?: object) => Optimizer;
const optimizers: [string, Make, object][] = [
  ['SGD', (p, o) => new SGD(p as never, o as never), { lr: 0.1, momentum: 0.9 }],
  ['Adam', (p, o) => new Adam(p as never, o as never), { lr: 0.1 }],
  ['AdamW', (p, o) => new AdamW(p as never, o as never), { lr: 0.1 }],
  ['RMSprop', (p, o) => new RMSprop(p as never, o as never), { lr: 0.01, momentum: 0.5 }],
  ['Adagrad', (p, o) => new Adagrad(p as never, o as never), { lr: 0.1 }],
];

const c = [0.5, 3];
const lossOf = (ps: Tensor[]) => ps.map((p) => p.mul(p).mul(tensor(c)).sum()).reduce((a, b) => a.add(b));

function train(opts: Optimizer[], params: Tensor[], steps: number): number[][] {
  for (let t = 0; t < steps; t++) {
    for (const o of opts) o.zeroGrad();
    lossOf(params).backward();
    for (const o of opts) o.step();
  }
  return params.map((p) => Array.from(p.buffer));
}

describe.each(optimizers)('%s parameter groups', (name, make, options) => {
  it('a group with its own hyperparameters steps exactly as its own optimizer would', () => {
    const a = new Parameter([1, -2]), b = new Parameter([0.5, 1]);
    const grouped = make([{ params: [a] }, { params: [b], lr: 0.003, weightDecay: 0.2 }], options);
    const a2 = new Parameter([1, -2]), b2 = new Parameter([0.5, 1]);
    const separate = [make([a2], options), make([b2], { ...options, lr: 0.003, weightDecay: 0.2 })];
    expect(train([grouped], [a, b], 4)).toEqual(train(separate, [a2, b2], 4));
    expect(grouped.paramGroups.map((g) => [g.params.length, (g as unknown as { lr: number }).lr])).toEqual([[1, (options as { lr: number }).lr], [1, 0.003]]);
  });

  it('addParamGroup adds a group with the defaults for what it does not name', () => {
    const a = new Parameter([1]), b = new Parameter([2]);
    const opt = make([a], options);
    opt.addParamGroup({ params: [b], weightDecay: 0.5 } as ParamGroupInput);
    expect(opt.params).toEqual([a, b]);
    opt.addParamGroup({ params: new Parameter([5]) } as ParamGroupInput); // one tensor, as PyTorch allows
    expect(opt.paramGroups[2].params).toHaveLength(1);
    const g = opt.paramGroups[1] as unknown as Record<string, unknown>;
    expect(g.weightDecay).toBe(0.5);
    expect(g.lr).toBe((options as { lr: number }).lr);
    expect(() => opt.addParamGroup({ params: [a] } as ParamGroupInput)).toThrow(`${name}: paramGroups[3].params[0] is already in another parameter group; a parameter may be in one group only`);
    expect(() => opt.addParamGroup({ params: [new Parameter([3])], lr: -1 } as ParamGroupInput)).toThrow(`${name}: paramGroups[3].lr must be a finite number ≥ 0, got -1`);
    expect(opt.paramGroups).toHaveLength(3);
    expect(opt.params).toHaveLength(3);
  });

  it("a group's hyperparameters are checked at assignment; a refused value changes nothing", () => {
    const opt = make([{ params: [new Parameter([1])] }, { params: [new Parameter([2])], lr: 0.5 }], options);
    const g = opt.paramGroups[1] as unknown as Record<string, unknown>;
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.constantFrom(NaN, -Infinity, '0.1', null, undefined)), (value) => {
        const valid = typeof value === 'number' && Number.isFinite(value) && value >= 0;
        if (valid) {
          g.lr = value;
          expect(g.lr).toBe(value);
        } else {
          const before = g.lr;
          expect(() => (g.lr = value)).toThrow(`${name}: paramGroups[1].lr must be a finite number ≥ 0, got `);
          expect(g.lr).toBe(before);
        }
      }),
      { numRuns: 50 },
    );
    // a group cannot gain keys or lose its parameters
    expect(() => (g.weight_decay = 1)).toThrow(TypeError);
    expect(() => ((g.params as Tensor[]).length = 0)).toThrow(TypeError);
  });

  it('the shorthand opt.lr reads the value every group shares, refuses to guess when they differ, and sets them all', () => {
    const opt = make([{ params: [new Parameter([1])] }, { params: [new Parameter([2])], lr: 0.5 }], options) as Optimizer & { lr: number };
    expect(() => opt.lr).toThrow(`${name}.lr: the 2 parameter groups have different values (${(options as { lr: number }).lr}, 0.5); read or set opt.paramGroups[i].lr`);
    opt.lr = 0.25;
    expect(opt.paramGroups.map((g) => (g as unknown as { lr: number }).lr)).toEqual([0.25, 0.25]);
    expect(opt.lr).toBe(0.25);
  });

  it('refuses a group without params, with unknown keys, or a parameter in two groups', () => {
    const p = new Parameter([1]);
    expect(() => make([{ params: [p] }, { params: [p] }], options)).toThrow(`${name}: paramGroups[1].params[0] is already in another parameter group`);
    expect(() => make([{ params: [p], weight_decay: 1 } as never], options)).toThrow(`${name}: paramGroups[0] has an unknown key 'weight_decay'; a group's keys are params, `);
    expect(() => make([{ params: [] }], options)).toThrow(`${name}: paramGroups[0].params is empty`);
    expect(() => make([{ lr: 0.1 } as never], options)).toThrow(`${name}: paramGroups[0].params must be an iterable of tensors such as net.parameters(), got undefined`);
    expect(() => make([{ params: [p] }, p as never], options)).toThrow(`${name}: paramGroups[1] is not a group { params, ...options }, got a Parameter; give either parameters or groups`);
  });
});

describe('SGD groups', () => {
  it('lr may come from every group instead of the options, as in PyTorch', () => {
    const opt = new SGD([{ params: [new Parameter([1])], lr: 0.1 }, { params: [new Parameter([1])], lr: 0.2 }]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
    expect(() => new SGD([{ params: [new Parameter([1])], lr: 0.1 }, { params: [new Parameter([1])] }])).toThrow(
      'SGD: paramGroups[1] has no lr and the options give none: give { params, lr } or new SGD(groups, { lr: 0.1 })',
    );
  });

  it("checks Nesterov's rule in each group, at construction and at assignment", () => {
    const a = new Parameter([1]), b = new Parameter([1]);
    expect(() => new SGD([{ params: [a] }, { params: [b], nesterov: true }], { lr: 0.1 })).toThrow(
      'SGD: paramGroups[1]: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum 0, dampening 0)',
    );
    const opt = new SGD([{ params: [a] }, { params: [b], nesterov: true }], { lr: 0.1, momentum: 0.9 });
    expect(() => (opt.paramGroups[1].momentum = 0)).toThrow('SGD: paramGroups[1]: Nesterov momentum requires');
    // the shorthand checks every group before setting any
    expect(() => (opt.dampening = 0.5)).toThrow('SGD: paramGroups[1]: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum 0.9, dampening 0.5)');
    expect(opt.paramGroups.map((g) => g.dampening)).toEqual([0, 0]);
    expect(opt.defaults).toEqual({ lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false });
  });

  it('names parameters by their index across groups and their name', () => {
    const a = new Parameter([1]), b = new Parameter([1, 2]);
    const opt = new SGD([{ params: [a] }, { params: [['head.weight', b] as const] }], { lr: 0.1 });
    b.grad = tensor([1]);
    expect(() => opt.step()).toThrow("SGD: params[1] 'head.weight': .grad has shape [1] and dtype float64 but the parameter has shape [2]");
  });
});

describe('Adam groups', () => {
  it('betas per group, each a frozen checked pair', () => {
    const opt = new Adam([{ params: [new Parameter([1])] }, { params: [new Parameter([1])], betas: [0.5, 0.6] }]);
    expect(opt.paramGroups.map((g) => g.betas)).toEqual([[0.9, 0.999], [0.5, 0.6]]);
    expect(() => (opt.paramGroups[1].betas = [0.5, 1])).toThrow('Adam: paramGroups[1].betas[1] must be a finite number ≥ 0 and < 1, got 1');
    expect(() => opt.betas).toThrow('Adam.betas: the 2 parameter groups have different values ([0.9, 0.999], [0.5, 0.6])');
    expect(Object.isFrozen(opt.paramGroups[1].betas)).toBe(true);
  });
});

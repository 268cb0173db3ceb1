// Optimizer state dicts: a run stopped and resumed from its state dict ends bit-identical to one that
// never stopped, for every optimizer; a state that does not fit is refused before anything changes.
import { describe, expect, it } from 'vitest';
import { tensor, type DType } from '@chainrule/core';
import { Dense } from '../linear.js';
import { MSELoss } from '../losses.js';
import { Tanh } from '../activations.js';
import { Parameter } from '../parameter.js';
import { Sequential } from '../sequential.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import type { Optimizer, OptimizerStateDict } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

/** Weights in one group, biases in another with their own hyperparameters, as a real run would. */
const split = (net: Sequential) => {
  const named = net.namedParameters();
  return [named.filter(([n]) => n.endsWith('weight')).map(([, p]) => p), named.filter(([n]) => n.endsWith('bias')).map(([, p]) => p)];
};

const configs: [string, (net: Sequential) => Optimizer][] = [
  ['SGD', (net) => new SGD(net.parameters(), { lr: 0.05 })],
  ['SGD momentum, dampening, weight decay, groups', (net) => { const [w, b] = split(net); return new SGD([{ params: w }, { params: b, lr: 0.02, momentum: 0.5 }], { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 }); }],
  ['SGD Nesterov', (net) => new SGD(net.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true })],
  ['Adam', (net) => new Adam(net.parameters(), { lr: 0.01 })],
  ['Adam groups, weight decay', (net) => { const [w, b] = split(net); return new Adam([{ params: w, weightDecay: 0.01 }, { params: b, betas: [0.8, 0.99] }], { lr: 0.01 }); }],
  ['AdamW groups', (net) => { const [w, b] = split(net); return new AdamW([{ params: w }, { params: b, weightDecay: 0 }], { lr: 0.01 }); }],
  ['RMSprop', (net) => new RMSprop(net.parameters())],
  ['RMSprop centered, momentum, weight decay', (net) => new RMSprop(net.parameters(), { lr: 0.005, centered: true, momentum: 0.9, weightDecay: 1e-3 })],
  ['Adagrad lr decay, accumulator', (net) => new Adagrad(net.parameters(), { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 })],
];

const x = tensor([[0.5, -1, 2], [1.5, 0.2, -0.3], [-0.7, 0.9, 0.1], [0.3, 0.3, -1.2]]);
const y = tensor([[0.1, 0.9], [0.8, 0.2], [0.4, 0.4], [0.0, 1.0]]);
const lossFn = new MSELoss();
const makeNet = (seed: number, dtype: DType) => new Sequential(new Dense(3, 5, { seed, dtype }), new Tanh(), new Dense(5, 2, { seed: seed + 1, dtype }));

function trainSteps(net: Sequential, opt: Optimizer, steps: number): void {
  const xs = x.cast(net.parameters()[0].dtype), ys = y.cast(net.parameters()[0].dtype);
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    lossFn.forward(net.forward(xs), ys).backward();
    opt.step();
  }
}

describe.each(configs)('%s: stop, save, resume', (_name, make) => {
  it.each(['float64', 'float32'] as DType[])('ends bit-identical to the run that never stopped (%s)', (dtype) => {
    const total = 40, stopAt = 17;
    const straight = makeNet(1, dtype);
    const opt = make(straight);
    trainSteps(straight, opt, total);

    const first = makeNet(1, dtype);
    const firstOpt = make(first);
    trainSteps(first, firstOpt, stopAt);
    const checkpoint = JSON.stringify({ net: first.stateDict(), opt: firstOpt.stateDict() });
    // a new process: other initial weights, a fresh optimizer, everything from the checkpoint
    const resumed = makeNet(99, dtype);
    const resumedOpt = make(resumed);
    const saved = JSON.parse(checkpoint) as { net: ReturnType<Sequential['stateDict']>; opt: OptimizerStateDict };
    resumed.loadStateDict(saved.net);
    resumedOpt.loadStateDict(saved.opt);
    trainSteps(resumed, resumedOpt, total - stopAt);

    expect(resumed.stateDict()).toEqual(straight.stateDict());
    expect(resumedOpt.stateDict()).toEqual(opt.stateDict());
    // and the run really moved: the checkpoint is not the end
    expect(resumed.stateDict()).not.toEqual(saved.net);
  });

  it('stateDict is a copy: stepping on does not change a state taken earlier', () => {
    const net = makeNet(1, 'float64');
    const opt = make(net);
    trainSteps(net, opt, 2);
    const before = opt.stateDict();
    const copy = JSON.parse(JSON.stringify(before)) as OptimizerStateDict;
    trainSteps(net, opt, 2);
    expect(before).toEqual(copy);
  });
});

describe('loadStateDict refuses a state that does not fit, and then nothing has changed', () => {
  const setup = () => {
    const a = new Parameter([1, 2]), b = new Parameter([3]);
    const opt = new Adam([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = tensor([1, 1]);
    b.grad = tensor([1]);
    opt.step();
    return { opt, state: opt.stateDict() };
  };
  const mutate = (state: OptimizerStateDict, change: (s: Record<string, any>) => void): OptimizerStateDict => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const copy = JSON.parse(JSON.stringify(state));
    change(copy);
    return copy;
  };

  const cases: [string, (s: Record<string, any>) => void, string][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['another optimizer', (s) => (s.optimizer = 'SGD'), 'Adam.loadStateDict: the state is from "SGD" (a string), not Adam; nothing was loaded'],
    ['fewer groups', (s) => s.paramGroups.pop(), 'Adam.loadStateDict: the state has 1 parameter group(s), this optimizer 2; nothing was loaded'],
    ['a group of another size', (s) => s.paramGroups[1].params.push(7), 'Adam.loadStateDict: paramGroups[1] has 2 parameter(s) in the state but 1 in this optimizer; nothing was loaded'],
    ['a bad hyperparameter in the second group', (s) => (s.paramGroups[1].lr = -1), 'Adam.loadStateDict: paramGroups[1].lr must be a finite number ≥ 0, got -1; nothing was loaded'],
    ['bad betas', (s) => (s.paramGroups[0].betas = [0.9, 1]), 'Adam.loadStateDict: paramGroups[0].betas[1] must be a finite number ≥ 0 and < 1, got 1; nothing was loaded'],
    ['a missing hyperparameter', (s) => delete s.paramGroups[0].eps, 'Adam.loadStateDict: paramGroups[0] has no eps; nothing was loaded'],
    ['an unknown hyperparameter', (s) => (s.paramGroups[0].momentum = 0.9), "Adam.loadStateDict: paramGroups[0] has an unknown key 'momentum'; Adam's are params, lr, betas, eps, weightDecay, initialLr; nothing was loaded"],
    ['a buffer of the wrong shape', (s) => (s.state[1].expAvg.shape = [2]), 'Adam.loadStateDict: state[1] (params[1]).expAvg has shape [2] but the parameter has shape [1]; nothing was loaded'],
    ['a buffer of the wrong dtype', (s) => (s.state[0].expAvgSq.dtype = 'float32'), `Adam.loadStateDict: state[0] (params[0]).expAvgSq has dtype "float32" (a string) but the parameter has dtype 'float64'; nothing was loaded`],
    ['a NaN that JSON made null', (s) => (s.state[1].expAvg.data[0] = null), 'Adam.loadStateDict: state[1] (params[1]).expAvg.data[0] is null, not a number (JSON turns NaN and Infinity into null); nothing was loaded'],
    ['a step that is not a count', (s) => (s.state[1].step = 1.5), 'Adam.loadStateDict: state[1] (params[1]).step must be a count (an integer ≥ 0), got 1.5; nothing was loaded'],
    ['a state entry without its moments', (s) => delete s.state[1].expAvgSq, 'Adam.loadStateDict: state[1] (params[1]) has no expAvgSq; nothing was loaded'],
    ['state for a parameter no group holds', (s) => (s.state[5] = s.state[0]), 'Adam.loadStateDict: state has an entry for parameter "5", which no group holds; nothing was loaded'],
    ['an unknown state key', (s) => (s.state[0].momentumBuffer = s.state[0].expAvg), "Adam.loadStateDict: state[0] (params[0]) has an unknown key 'momentumBuffer'; Adam's are step, expAvg, expAvgSq; nothing was loaded"],
  ];

  it.each(cases)('%s', (_name, change, message) => {
    const { opt, state } = setup();
    const bad = mutate(state, (s) => {
      change(s);
      // valid changes elsewhere must not be applied either
      s.paramGroups[0].lr = 0.3;
      s.state[0].step = 9;
    });
    expect(() => opt.loadStateDict(bad)).toThrow(message);
    expect(opt.stateDict()).toEqual(state);
  });

  it('refuses what is not a state dict', () => {
    const { opt } = setup();
    expect(() => opt.loadStateDict(null as never)).toThrow('Adam.loadStateDict: expected an object { optimizer, state, paramGroups } from stateDict(), got null; nothing was loaded');
    expect(() => opt.loadStateDict({ ...opt.stateDict(), extra: 1 } as never)).toThrow("Adam.loadStateDict: unknown key 'extra'");
  });

  it("Nesterov's rule is checked on load too", () => {
    const p = new Parameter([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    const state = opt.stateDict();
    state.paramGroups[0].momentum = 0;
    expect(() => opt.loadStateDict(state)).toThrow('SGD.loadStateDict: paramGroups[0]: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum 0, dampening 0); nothing was loaded');
  });

  it('replaces the whole state, as PyTorch: a parameter without an entry starts afresh', () => {
    const a = new Parameter([1]), b = new Parameter([1]);
    const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
    const empty = opt.stateDict();
    a.grad = tensor([1]);
    b.grad = tensor([1]);
    opt.step();
    expect(Object.keys(opt.stateDict().state)).toEqual(['0', '1']);
    opt.loadStateDict(empty);
    expect(opt.stateDict()).toEqual(empty);
    // the momentum buffer is made again from the next gradient, as at the first step
    opt.step();
    expect(opt.stateDict().state[0]).toEqual({ momentumBuffer: { shape: [1], dtype: 'float64', data: [1] } });
  });

  it('maps saved parameter ids to parameters by position, as PyTorch', () => {
    const { opt, state } = setup();
    const renumbered = mutate(state, (s) => {
      s.paramGroups[0].params = [10];
      s.paramGroups[1].params = [4];
      s.state = { 10: s.state[0], 4: s.state[1] };
    });
    opt.loadStateDict(renumbered);
    expect(opt.stateDict()).toEqual(state);
  });

  it('keeps initialLr, the learning rate a scheduler started from', () => {
    const opt = new SGD([new Parameter([1])], { lr: 0.1 });
    opt.paramGroups[0].initialLr = 0.1;
    opt.lr = 0.05;
    const state = opt.stateDict();
    expect(state.paramGroups[0]).toEqual({ params: [0], lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, initialLr: 0.1 });
    const other = new SGD([new Parameter([1])], { lr: 1 });
    other.loadStateDict(state);
    expect([other.lr, other.paramGroups[0].initialLr]).toEqual([0.05, 0.1]);
    expect(() => (other.paramGroups[0].initialLr = NaN)).toThrow('SGD: paramGroups[0].initialLr must be a finite number ≥ 0, got NaN');
  });
});

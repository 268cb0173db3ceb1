// What every scheduler shares: the constructor's step to epoch 0, the order optimizer.step() then
// scheduler.step(), state dicts that resume exactly and refuse what does not fit, per-group rates,
// and steps that check before they change anything.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { Adam } from './adam.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
import { MultiStepLR } from './multi-step-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import type { Optimizer } from './optimizer.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SGD } from './sgd.js';
import { StepLR } from './step-lr.js';

interface Scheduler {
  step(metric?: number): void;
  getLastLr(): number[];
  stateDict(): SchedulerStateDict;
  loadStateDict(s: SchedulerStateDict): void;
}

/** Two groups with different learning rates, SGD with momentum (OneCycleLR cycles it). */
const makeOpt = () => new SGD([{ params: [new Parameter([1, 2])] }, { params: [new Parameter([3])], lr: 0.02 }], { lr: 0.1, momentum: 0.9 });

const schedulers: [string, (o: Optimizer) => Scheduler][] = [
  ['StepLR', (o) => new StepLR(o, { stepSize: 4, gamma: 0.5 })],
  ['MultiStepLR', (o) => new MultiStepLR(o, { milestones: [3, 7, 7], gamma: 0.3 })],
  ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.9 })],
  ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 6 })],
  ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.25, totalIters: 8 })],
  ['OneCycleLR', (o) => new OneCycleLR(o, { maxLr: [0.5, 0.2], totalSteps: 30, threePhase: true })],
  ['ReduceLROnPlateau', (o) => new ReduceLROnPlateau(o, { patience: 1, cooldown: 1, factor: 0.5 }) as unknown as Scheduler],
];

/** A metric that stalls now and then, for ReduceLROnPlateau (the others ignore it). */
const metric = (t: number) => 10 - Math.floor(t / 3);

function run(opt: Optimizer, s: Scheduler, from: number, to: number, lrs: number[][]): void {
  for (let t = from; t < to; t++) {
    opt.params.forEach((p) => (p.grad = tensor(new Float64Array(p.size).fill(0.5), { shape: p.shape })));
    opt.step();
    s.step(metric(t));
    lrs.push(s.getLastLr());
  }
}

afterEach(() => vi.restoreAllMocks());

describe.each(schedulers)('%s', (name, make) => {
  it('sets the learning rate of each group on its own', () => {
    const opt = makeOpt();
    const s = make(opt);
    const lrs: number[][] = [s.getLastLr()];
    run(opt, s, 0, 20, lrs);
    // the second group starts 5 times lower and (these schedules all scale) stays so, up to rounding,
    // except OneCycleLR, whose peaks are given per group
    if (name !== 'OneCycleLR') for (const [a, b] of lrs) expect(b).toBeAllClose(a / 5, { rtol: 1e-12, atol: 0 });
    expect(new Set(lrs.map(([a]) => a)).size).toBeGreaterThan(2); // it did schedule
    expect(lrs[lrs.length - 1]).toEqual(opt.paramGroups.map((g) => (g as unknown as { lr: number }).lr));
  });

  it('resumed from its state dict (with the optimizer\'s), gives the same learning rates bit for bit', () => {
    const opt = makeOpt();
    const s = make(opt);
    const straight: number[][] = [];
    run(opt, s, 0, 25, straight);

    const opt1 = makeOpt();
    const s1 = make(opt1);
    const resumedLrs: number[][] = [];
    run(opt1, s1, 0, 11, resumedLrs);
    const saved = JSON.parse(JSON.stringify({ opt: opt1.stateDict(), sched: s1.stateDict() }));
    // as at the start, then the states: the optimizer's, then the scheduler's
    const opt2 = makeOpt();
    const s2 = make(opt2);
    opt2.loadStateDict(saved.opt);
    s2.loadStateDict(saved.sched);
    run(opt2, s2, 11, 25, resumedLrs);
    expect(resumedLrs).toEqual(straight);
    expect(s2.stateDict()).toEqual(s.stateDict());
    expect(opt2.stateDict()).toEqual(opt.stateDict());
  });

  it('refuses a state from another scheduler, or one that does not fit, changing nothing', () => {
    const opt = makeOpt();
    const s = make(opt);
    run(opt, s, 0, 3, []);
    const state = s.stateDict();
    expect(() => s.loadStateDict({ ...state, scheduler: 'Other' })).toThrow(`${name}.loadStateDict: the state is from "Other" (a string), not ${name}; nothing was loaded`);
    // −1 is a scheduler waiting in a SequentialLR (its constructor's step undone), which ReduceLROnPlateau cannot be
    const minEpoch = name === 'ReduceLROnPlateau' ? 0 : -1;
    expect(() => s.loadStateDict({ ...state, lastEpoch: -2 })).toThrow(`${name}.loadStateDict: lastEpoch must be an integer ≥ ${minEpoch}, got -2; nothing was loaded`);
    expect(() => s.loadStateDict({ ...state, lastLr: [0.1] })).toThrow(`${name}.loadStateDict: lastLr must be an array of 2 number(s), one per parameter group, got [0.1] (an array); nothing was loaded`);
    expect(() => s.loadStateDict({ ...state, extra: 1 })).toThrow(`${name}.loadStateDict: unknown key 'extra'; nothing was loaded`);
    const { lastLr: _, ...missing } = state;
    expect(() => s.loadStateDict(missing as SchedulerStateDict)).toThrow(`${name}.loadStateDict: the state has no lastLr; nothing was loaded`);
    expect(s.stateDict()).toEqual(state);
  });

  it('refuses to step after a group was added to the optimizer, changing nothing', () => {
    const opt = makeOpt();
    const s = make(opt);
    const before = s.stateDict();
    opt.addParamGroup({ params: [new Parameter([1])], lr: 1 });
    expect(() => s.step(1)).toThrow(`${name}.step: the optimizer has 3 parameter groups but the scheduler was made for 2; make a new scheduler after addParamGroup`);
    expect(s.stateDict()).toEqual(before);
  });
});

describe('the order optimizer.step() then scheduler.step()', () => {
  it('warns once, as PyTorch, when the scheduler steps before the optimizer ever did', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = makeOpt();
    const s = new StepLR(opt, { stepSize: 2 });
    s.step();
    s.step();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^StepLR: step\(\) was called before optimizer\.step\(\)/);
  });

  it('does not warn in the right order', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = makeOpt();
    const s = new ExponentialLR(opt, { gamma: 0.5 });
    opt.step();
    s.step();
    expect(warn).not.toHaveBeenCalled();
    // the optimizer's step used the epoch-0 rate, the next one uses epoch 1's
    expect(s.getLastLr()).toEqual([0.05, 0.01]);
  });
});

describe('chained schedulers', () => {
  it('a second scheduler starts from the initialLr the first recorded, as PyTorch', () => {
    const opt = makeOpt();
    const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    expect(opt.paramGroups.map((g) => [g.lr, g.initialLr])).toEqual([[0.05, 0.1], [0.01, 0.02]]);
    const cosine = new CosineAnnealingLR(opt, { tMax: 10 });
    expect(cosine.baseLrs).toEqual([0.1, 0.02]);
    opt.step();
    warmup.step();
    cosine.step();
    // both scale the current rate: the warm-up's factor times the cosine's first ratio
    const ratio = (1 + Math.cos(Math.PI / 10)) / 2;
    expect(opt.paramGroups[0].lr).toBeAllClose(0.05 * 1.5 * ratio, { rtol: 1e-15, atol: 0 });
  });
});

describe('a step checks the learning rates before setting any', () => {
  it('an overflow to Infinity is refused, naming the group, and nothing changes', () => {
    const opt = new Adam([{ params: [new Parameter([1])], lr: 1e300 }, { params: [new Parameter([1])], lr: 1e-3 }]);
    const s = new ExponentialLR(opt, { gamma: 1e10 });
    opt.step();
    expect(() => s.step()).toThrow('ExponentialLR.step: the learning rate of paramGroups[0] at epoch 1 would be Infinity, not a finite number ≥ 0; nothing was changed');
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1e300, 1e-3]);
    expect(s.lastEpoch).toBe(0);
  });

  it('a group refusing an assignment (OneCycleLR setting a momentum Nesterov cannot take) undoes the others', () => {
    const opt = new SGD([{ params: [new Parameter([1])] }, { params: [new Parameter([1])], nesterov: true }], { lr: 0.1, momentum: 0.9 });
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, baseMomentum: 0, maxMomentum: 0 })).toThrow('SGD: paramGroups[1]: Nesterov momentum requires a momentum > 0');
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.initialLr])).toEqual([[0.1, 0.9, undefined], [0.1, 0.9, undefined]]);
  });

  it('refuses something that is not an optimizer', () => {
    expect(() => new StepLR({ paramGroups: [] } as never, { stepSize: 1 })).toThrow('StepLR: expected an optimizer such as new SGD(...), got an object');
    expect(LRScheduler.prototype.getLastLr).toBeTypeOf('function');
  });
});

describe('a scheduler of your own', () => {
  it('implements computeLr and calls initialize, as the TSDoc example', () => {
    class HalveEvery10 extends LRScheduler {
      constructor(opt: Optimizer) {
        super(opt, 'HalveEvery10');
        this.initialize();
      }
      protected computeLr(epoch: number): number[] {
        return this.baseLrs.map((lr) => lr * 0.5 ** Math.floor(epoch / 10));
      }
    }
    const opt = makeOpt();
    const s = new HalveEvery10(opt);
    for (let epoch = 0; epoch < 25; epoch++) {
      opt.step();
      s.step();
    }
    expect(s.getLastLr()).toEqual([0.025, 0.005]);
    expect(s.stateDict()).toEqual({ scheduler: 'HalveEvery10', lastEpoch: 25, stepCount: 26, baseLrs: [0.1, 0.02], lastLr: [0.025, 0.005] });
  });
});

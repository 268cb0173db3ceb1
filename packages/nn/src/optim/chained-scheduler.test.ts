// ChainedScheduler: the learning rates against closed forms written by hand (the factors multiply),
// no step at construction, state dicts that resume exactly, and refusals and failed steps that change nothing.
import { describe, expect, it } from 'vitest';
import { Parameter } from '../parameter.js';
import { lrSequence, sgd, stepSchedule, straightAndResumed } from '../test-utils/schedules.js';
import { ChainedScheduler } from './chained-scheduler.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import { lrOf, type SchedulerStateDict } from './lr-scheduler.js';
import { OneCycleLR } from './one-cycle-lr.js';
import type { Optimizer } from './optimizer.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SequentialLR } from './sequential-lr.js';
import { SGD } from './sgd.js';
import { StepLR } from './step-lr.js';

/** StepLR halving every 4 epochs chained with ExponentialLR 0.9. */
const stepAndExp = (opt: Optimizer, options = {}) => new ChainedScheduler([new StepLR(opt, { stepSize: 4, gamma: 0.5 }), new ExponentialLR(opt, { gamma: 0.9 })], options);

describe('ChainedScheduler: the learning rates', () => {
  it('StepLR + ExponentialLR: η_base · 0.5^⌊e/4⌋ · 0.9^e', () => {
    const lrs = lrSequence(stepAndExp(sgd(0.1)), 30);
    // one rounding per factor per step: 30 steps stay within a few ulps
    expect(lrs).toBeAllClose(lrs.map((_, e) => 0.1 * 0.5 ** Math.floor(e / 4) * 0.9 ** e), { rtol: 1e-14, atol: 0 });
  });

  it('LinearLR warm-up + CosineAnnealingLR (η_min = 0): the two factors multiply, η_base·(0.1 + 0.9·min(e, 6)/6)·½(1 + cos(πe/20))', () => {
    const opt = sgd(0.1);
    const s = new ChainedScheduler([new LinearLR(opt, { startFactor: 0.1, totalIters: 6 }), new CosineAnnealingLR(opt, { tMax: 20 })]);
    const lrs = lrSequence(s, 19);
    const expected = lrs.map((_, e) => 0.1 * (0.1 + (0.9 * Math.min(e, 6)) / 6) * 0.5 * (1 + Math.cos((Math.PI * e) / 20)));
    expect(lrs).toBeAllClose(expected, { rtol: 1e-14, atol: 0 });
  });

  it('takes no step at construction (the schedulers have), and getLastLr() is every group\'s rate', () => {
    const opt = new SGD([{ params: [new Parameter([1])] }, { params: [new Parameter([2])], lr: 0.02 }], { lr: 0.1 });
    const warmup = new LinearLR(opt, { startFactor: 0.5 });
    const s = new ChainedScheduler([warmup, new ExponentialLR(opt, { gamma: 0.9 })]);
    expect(opt.paramGroups.map(lrOf)).toEqual([0.05, 0.01]);
    expect(s.getLastLr()).toEqual([0.05, 0.01]);
    expect(warmup.lastEpoch).toBe(0);
    for (let t = 0; t < 8; t++) {
      opt.step();
      s.step();
      expect(s.getLastLr()).toEqual(opt.paramGroups.map(lrOf));
    }
    expect(warmup.lastEpoch).toBe(8);
  });

  it('takes the optimizer as an option, which every scheduler must belong to', () => {
    const opt = sgd(0.1);
    expect(stepAndExp(opt, { optimizer: opt }).optimizer).toBe(opt);
    expect(() => stepAndExp(opt, { optimizer: sgd() })).toThrow(
      'ChainedScheduler: schedulers[0] (StepLR) sets the learning rates of another optimizer than the one given; all must belong to one optimizer',
    );
  });
});

describe('ChainedScheduler: state dicts', () => {
  const twoGroups = () => new SGD([{ params: [new Parameter([1])] }, { params: [new Parameter([2])], lr: 0.02 }], { lr: 0.1, momentum: 0.9 });

  it('a run stopped and resumed from JSON continues bit for bit', () => {
    const { straight, resumed, states } = straightAndResumed(() => stepAndExp(twoGroups()), 9, 20);
    expect(resumed).toEqual(straight);
    expect(states[1]).toEqual(states[0]);
  });

  it("holds the last rates and the schedulers' states", () => {
    const s = stepAndExp(sgd(0.1));
    stepSchedule(s, 9);
    const state = s.stateDict();
    expect(Object.keys(state)).toEqual(['scheduler', 'lastLr', 'schedulers']);
    expect(state.lastLr).toEqual(s.getLastLr());
    expect((state.schedulers as SchedulerStateDict[]).map((c) => [c.scheduler, c.lastEpoch])).toEqual([['StepLR', 9], ['ExponentialLR', 9]]);
  });

  it('refuses a state that does not fit, naming the key or the scheduler, and loads nothing', () => {
    const s = stepAndExp(sgd(0.1));
    stepSchedule(s, 3);
    const other = stepAndExp(sgd(0.1));
    stepSchedule(other, 7);
    const before = s.stateDict();
    const state = other.stateDict();
    const children = state.schedulers as SchedulerStateDict[];
    expect(() => s.loadStateDict({ ...state, scheduler: 'SequentialLR' })).toThrow('ChainedScheduler.loadStateDict: the state is from "SequentialLR" (a string), not ChainedScheduler; nothing was loaded');
    expect(() => s.loadStateDict({ ...state, lastLr: [1, 2] })).toThrow('ChainedScheduler.loadStateDict: lastLr must be an array of 1 number(s), one per parameter group, got [1, 2] (an array); nothing was loaded');
    expect(() => s.loadStateDict({ ...state, schedulers: [children[0], { ...children[1], gamma: -1 }] })).toThrow(
      'ChainedScheduler.loadStateDict: schedulers[1]: gamma must be a finite number ≥ 0, got -1; nothing was loaded',
    );
    expect(s.stateDict()).toEqual(before);
  });
});

describe('ChainedScheduler: refusals', () => {
  it('refuses bad schedulers, naming them', () => {
    const opt = sgd(0.1);
    const decay = new ExponentialLR(opt, { gamma: 0.9 });
    expect(() => new ChainedScheduler([])).toThrow('ChainedScheduler: schedulers must be a non-empty array of schedulers such as new LinearLR(opt, ...), got [] (an array)');
    expect(() => new ChainedScheduler([decay, new ReduceLROnPlateau(opt)] as never)).toThrow(
      'ChainedScheduler: schedulers[1] is a ReduceLROnPlateau, which steps with a metric (step(metric)) that ChainedScheduler does not have; step it on its own',
    );
    expect(() => new ChainedScheduler([decay, new StepLR(sgd(), { stepSize: 2 })])).toThrow(
      'ChainedScheduler: schedulers[1] (StepLR) sets the learning rates of another optimizer than schedulers[0]; all must belong to one optimizer',
    );
    expect(() => new ChainedScheduler([decay, decay])).toThrow('ChainedScheduler: schedulers[1] is schedulers[0] again; give each scheduler once');
    const o2 = sgd();
    const sequence = new SequentialLR(o2, { schedulers: [new LinearLR(o2), new ExponentialLR(o2, { gamma: 0.9 })], milestones: [5] });
    expect(() => new ChainedScheduler([sequence] as never)).toThrow('ChainedScheduler: schedulers[0] must be a scheduler such as new StepLR(opt, ...) (SequentialLR and ChainedScheduler do not nest), got a SequentialLR');
    expect(() => new ChainedScheduler([decay], { optimizer: 1 } as never)).toThrow('ChainedScheduler: expected an optimizer such as new SGD(...), got 1');
    expect(() => new ChainedScheduler([decay], { lr: 1 } as never)).toThrow("ChainedScheduler: unknown option 'lr'; the options are optimizer");
  });

  it('a step that a scheduler refuses puts back the ones stepped before it: nothing changes', () => {
    const opt = new SGD([new Parameter([1])], { lr: 0.1, momentum: 0.9 });
    const decay = new ExponentialLR(opt, { gamma: 0.5 });
    const cycle = new OneCycleLR(opt, { maxLr: 1, totalSteps: 2 });
    const s = new ChainedScheduler([decay, cycle]);
    lrSequence(s, 2);
    const before = { state: s.stateDict(), lr: opt.lr, momentum: opt.momentum };
    opt.step();
    expect(() => s.step()).toThrow('OneCycleLR.step: the cycle has 2 steps and they have all been taken (this would be step 3); nothing was changed');
    expect({ state: s.stateDict(), lr: opt.lr, momentum: opt.momentum }).toEqual(before);
    expect(decay.lastEpoch).toBe(2);
  });
});

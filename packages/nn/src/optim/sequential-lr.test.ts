// SequentialLR: the learning rates against closed forms written by hand, PyTorch's constructor and
// milestone quirks, state dicts that resume exactly, and refusals that change nothing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Parameter } from '../parameter.js';
import { lrSequence, sgd, stepSchedule, straightAndResumed } from '../test-utils/schedules.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import { LRScheduler, lrOf, type SchedulerStateDict } from './lr-scheduler.js';
import { MultiStepLR } from './multi-step-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import type { Optimizer } from './optimizer.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SequentialLR } from './sequential-lr.js';
import { SGD } from './sgd.js';
import { StepLR } from './step-lr.js';

afterEach(() => vi.restoreAllMocks());

const cosine = (e: number, base: number, etaMin: number, T: number) => etaMin + 0.5 * (base - etaMin) * (1 + Math.cos((Math.PI * e) / T));

/** LinearLR from 1% over 5 epochs, then a cosine over 25 down to 1e-4, handed over at epoch 5. */
function warmupThenCosine(opt: Optimizer, milestone = 5): SequentialLR {
  const warmup = new LinearLR(opt, { startFactor: 0.01, totalIters: 5 });
  const decay = new CosineAnnealingLR(opt, { tMax: 25, etaMin: 1e-4 });
  return new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [milestone] });
}

describe('SequentialLR: the learning rates', () => {
  it('a warm-up then a cosine: η·(0.01 + 0.99·e/5) before epoch 5, then η_min + ½(η − η_min)(1 + cos(π(e − 5)/25))', () => {
    const lrs = lrSequence(warmupThenCosine(sgd(0.1)), 30);
    const expected = lrs.map((_, e) => (e < 5 ? 0.1 * (0.01 + (0.99 * e) / 5) : cosine(e - 5, 0.1, 1e-4, 25)));
    // the schedulers' recursions (each step from the last rate) keep to their closed forms within a few ulps
    expect(lrs).toBeAllClose(expected, { rtol: 1e-14, atol: 0 });
  });

  it('at a milestone the next scheduler restarts from its closed form at epoch 0, not from the current rate', () => {
    // a 10-epoch warm-up cut at epoch 4 (at 0.1·0.46): the cosine starts from the base 0.1
    const opt = sgd(0.1);
    const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
    const decay = new CosineAnnealingLR(opt, { tMax: 10 });
    const lrs = lrSequence(new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [4] }), 14);
    expect(lrs).toBeAllClose(lrs.map((_, e) => (e < 4 ? 0.1 * (0.1 + (0.9 * e) / 10) : cosine(e - 4, 0.1, 0, 10))), { rtol: 1e-14, atol: 1e-18 });
    // a constant factor 0.1 for 2 epochs, then ×0.9 per epoch: the milestone gives the base rate itself
    const opt2 = sgd(1);
    const constant = new LinearLR(opt2, { startFactor: 0.1, endFactor: 0.1, totalIters: 2 });
    const decay2 = new ExponentialLR(opt2, { gamma: 0.9 });
    const lrs2 = lrSequence(new SequentialLR(opt2, { schedulers: [constant, decay2], milestones: [2] }), 5);
    expect(lrs2).toBeAllClose([0.1, 0.1, 1, 0.9, 0.81, 0.729], { rtol: 1e-15, atol: 0 });
  });

  it("the restart of each kind of scheduler: StepLR's and ExponentialLR's base, MultiStepLR's counts a milestone 0, LinearLR's base·startFactor, the cosine's base", () => {
    const cases: [string, (o: Optimizer) => LRScheduler, number][] = [
      ['StepLR', (o) => new StepLR(o, { stepSize: 1, gamma: 0.3 }), 0.1],
      ['ExponentialLR', (o) => new ExponentialLR(o, { gamma: 0.3 }), 0.1],
      ['MultiStepLR', (o) => new MultiStepLR(o, { milestones: [0, 3, 0], gamma: 0.5 }), 0.025],
      ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.2 }), 0.02],
      ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, { tMax: 5, etaMin: 0.03 }), 0.1],
    ];
    for (const [name, make, restart] of cases) {
      const opt = sgd(0.1);
      const halve = new ExponentialLR(opt, { gamma: 0.5 });
      const next = make(opt);
      const lrs = lrSequence(new SequentialLR(opt, { schedulers: [halve, next], milestones: [2] }), 3);
      // at epoch 2 the restart, from the base 0.1 (a chainable step would go on from 0.05)
      expect(lrs.slice(0, 2), name).toEqual([0.1, 0.05]);
      // the cosine's η_min + (η_base − η_min) is η_base up to rounding; the others are exact products
      expect(lrs[2], name).toBeAllClose(restart, { rtol: 1e-15, atol: 0 });
      expect(next.lastEpoch, name).toBe(1);
    }
  });

  it("OneCycleLR restarts at its step 0 (rate and momentum); as PyTorch, its constructor's initialLr is where the reset goes", () => {
    const opt = new SGD([new Parameter([1])], { lr: 0.1, momentum: 0.9 });
    const halve = new ExponentialLR(opt, { gamma: 0.5 });
    const cycle = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    const s = new SequentialLR(opt, { schedulers: [halve, cycle], milestones: [2] });
    // OneCycleLR set initialLr to maxLr/25: the SequentialLR resets to it, then ExponentialLR's epoch 0 leaves it
    expect(opt.lr).toBeAllClose(0.04, { rtol: 1e-15, atol: 0 });
    expect(lrSequence(s, 2).slice(1)).toBeAllClose([0.02, 0.04], { rtol: 1e-15, atol: 0 });
    expect(opt.momentum).toBe(0.95);
  });
});

describe('SequentialLR: what the constructor does, as PyTorch', () => {
  it("resets the rates to initialLr, undoes every scheduler's constructor step, and retakes the first one's", () => {
    const opt = sgd(0.1);
    const halve = new ExponentialLR(opt, { gamma: 0.5 });
    const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    expect(opt.lr).toBe(0.05); // both constructors have stepped: LinearLR halved the rate
    const s = new SequentialLR(opt, { schedulers: [halve, warmup], milestones: [3] });
    expect(opt.lr).toBe(0.1);
    expect([halve.lastEpoch, warmup.lastEpoch, s.lastEpoch]).toEqual([0, -1, 0]);
    expect(s.getLastLr()).toEqual([0.1]);
    const lrs = lrSequence(s, 6);
    // halve for epochs 1, 2; at 3 the warm-up restarts at 0.5·0.1 and climbs to 0.1 over its 2 epochs
    expect(lrs).toBeAllClose([0.1, 0.05, 0.025, 0.05, 0.075, 0.1, 0.1], { rtol: 1e-15, atol: 0 });
    expect([halve.lastEpoch, warmup.lastEpoch, s.lastEpoch]).toEqual([2, 3, 6]);
  });

  it('getLastLr() is every group\'s rate after the last step (each group from its own base), as the running scheduler\'s', () => {
    const opt = new SGD([{ params: [new Parameter([1])] }, { params: [new Parameter([2])], lr: 0.02 }], { lr: 0.1 });
    const s = warmupThenCosine(opt);
    for (let t = 0; t < 10; t++) {
      opt.step();
      s.step();
      expect(s.getLastLr()).toEqual(opt.paramGroups.map(lrOf));
      expect(s.getLastLr()).toEqual(s.schedulers[t + 1 < 5 ? 0 : 1].getLastLr());
      const e = t + 1;
      const expected = [0.1, 0.02].map((base) => (e < 5 ? base * (0.01 + (0.99 * e) / 5) : cosine(e - 5, base, 1e-4, 25)));
      expect(s.getLastLr()).toBeAllClose(expected, { rtol: 1e-14, atol: 0 });
    }
  });

  it('the first scheduler warns once if the SequentialLR steps before the optimizer ever did', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = warmupThenCosine(sgd());
    s.step();
    s.step();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^LinearLR: step\(\) was called before optimizer\.step\(\)/);
  });
});

describe('SequentialLR: state dicts', () => {
  const twoGroups = () => new SGD([{ params: [new Parameter([1])] }, { params: [new Parameter([2])], lr: 0.02 }], { lr: 0.1, momentum: 0.9 });

  it.each([2, 5, 9])('a run stopped at step %i and resumed from JSON continues bit for bit', (stopAt) => {
    const { straight, resumed, states } = straightAndResumed(() => warmupThenCosine(twoGroups()), stopAt, 20);
    expect(resumed).toEqual(straight);
    expect(states[1]).toEqual(states[0]);
  });

  it("holds its epoch, milestones, last rates and the schedulers' states (a waiting one at epoch −1)", () => {
    const s = warmupThenCosine(sgd(0.1));
    stepSchedule(s, 2);
    const state = s.stateDict();
    expect(Object.keys(state)).toEqual(['scheduler', 'lastEpoch', 'milestones', 'lastLr', 'schedulers']);
    expect(state).toMatchObject({ scheduler: 'SequentialLR', lastEpoch: 2, milestones: [5], lastLr: s.getLastLr() });
    const [warmup, decay] = state.schedulers as SchedulerStateDict[];
    expect([warmup.scheduler, warmup.lastEpoch, decay.scheduler, decay.lastEpoch]).toEqual(['LinearLR', 2, 'CosineAnnealingLR', -1]);
  });

  it('refuses a state that does not fit, naming the key or the scheduler, and loads nothing', () => {
    const s = warmupThenCosine(sgd(0.1));
    stepSchedule(s, 3);
    const other = warmupThenCosine(sgd(0.1));
    stepSchedule(other, 7);
    const before = s.stateDict();
    const state = other.stateDict();
    const children = state.schedulers as SchedulerStateDict[];
    expect(() => s.loadStateDict({ ...state, scheduler: 'ChainedScheduler' })).toThrow('SequentialLR.loadStateDict: the state is from "ChainedScheduler" (a string), not SequentialLR; nothing was loaded');
    expect(() => s.loadStateDict({ ...state, milestones: [0] })).toThrow('SequentialLR.loadStateDict: milestones[0] must be an integer ≥ 1, got 0; nothing was loaded');
    expect(() => s.loadStateDict({ ...state, schedulers: children.slice(0, 1) })).toThrow('SequentialLR.loadStateDict: schedulers must be an array of 2 states, one per scheduler, got an array of length 1; nothing was loaded');
    // the first scheduler's state loads, the second's does not: the first is put back
    expect(() => s.loadStateDict({ ...state, schedulers: [children[0], { ...children[1], lastEpoch: 'x' }] })).toThrow(
      'SequentialLR.loadStateDict: schedulers[1]: lastEpoch must be an integer ≥ -1, got "x" (a string); nothing was loaded',
    );
    expect(() => s.loadStateDict({ ...state, schedulers: [children[1], children[0]] })).toThrow(
      'SequentialLR.loadStateDict: schedulers[0]: the state is from "CosineAnnealingLR" (a string), not LinearLR; nothing was loaded',
    );
    expect(s.stateDict()).toEqual(before);
  });
});

describe('SequentialLR: refusals', () => {
  it('refuses bad schedulers and milestones, naming them, before it changes anything', () => {
    const opt = sgd(0.1);
    const warmup = new LinearLR(opt, { startFactor: 0.5 });
    const decay = new ExponentialLR(opt, { gamma: 0.9 });
    const seq = (schedulers: unknown, milestones: unknown) => () => new SequentialLR(opt, { schedulers, milestones } as never);
    const before = [opt.lr, warmup.lastEpoch, decay.lastEpoch];
    expect(seq([], [])).toThrow('SequentialLR: schedulers must be a non-empty array of schedulers such as new LinearLR(opt, ...), got [] (an array)');
    expect(seq([warmup, decay], [])).toThrow('SequentialLR: 2 scheduler(s) need 1 milestone(s), the epochs at which the next one takes over, got 0');
    expect(seq([warmup, decay], [3, 5])).toThrow('SequentialLR: 2 scheduler(s) need 1 milestone(s), the epochs at which the next one takes over, got 2');
    expect(seq([warmup, decay, new StepLR(opt, { stepSize: 2 })], [5, 3])).toThrow(
      'SequentialLR: milestones must increase strictly, got 5 then 3 at milestones[1] (each is the epoch at which the next scheduler takes over)',
    );
    expect(seq([warmup, decay, new StepLR(opt, { stepSize: 2 })], [4, 4])).toThrow('SequentialLR: milestones must increase strictly, got 4 then 4 at milestones[1]');
    expect(seq([warmup, decay], [0])).toThrow('SequentialLR: milestones[0] must be an integer ≥ 1, got 0');
    expect(seq([warmup, decay], 5)).toThrow('SequentialLR: milestones must be an array of integers, got 5');
    expect(seq([warmup, new ReduceLROnPlateau(opt)], [5])).toThrow(
      'SequentialLR: schedulers[1] is a ReduceLROnPlateau, which steps with a metric (step(metric)) that SequentialLR does not have; step it on its own',
    );
    expect(seq([warmup, decay, warmup], [2, 4])).toThrow('SequentialLR: schedulers[2] is schedulers[0] again; give each scheduler once');
    expect(seq([warmup, new ExponentialLR(sgd(), { gamma: 0.9 })], [5])).toThrow(
      'SequentialLR: schedulers[1] (ExponentialLR) sets the learning rates of another optimizer than the one given; all must belong to one optimizer',
    );
    const nested = warmupThenCosine(sgd());
    expect(seq([nested, decay], [5])).toThrow('SequentialLR: schedulers[0] must be a scheduler such as new StepLR(opt, ...) (SequentialLR and ChainedScheduler do not nest), got a SequentialLR');
    expect(() => new SequentialLR(opt, { schedulers: [warmup], milestones: [], extra: 1 } as never)).toThrow("SequentialLR: unknown option 'extra'; the options are schedulers, milestones");
    expect(() => new SequentialLR({} as never, { schedulers: [warmup], milestones: [] })).toThrow('SequentialLR: expected an optimizer such as new SGD(...), got an object');
    expect([opt.lr, warmup.lastEpoch, decay.lastEpoch]).toEqual(before);
  });

  it('refuses schedulers made before a parameter group was added', () => {
    const opt = sgd(0.1);
    const warmup = new LinearLR(opt);
    opt.addParamGroup({ params: [new Parameter([1])], lr: 0.2 });
    const decay = new ExponentialLR(opt, { gamma: 0.9 });
    expect(() => new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] })).toThrow(
      'SequentialLR: schedulers[0] (LinearLR) was made for 1 parameter groups but the optimizer has 2; make the schedulers after addParamGroup',
    );
  });

  it("a restart that would set NaN (LinearLR's totalIters 0, a division by zero in PyTorch) is refused and changes nothing", () => {
    const opt = sgd(0.1);
    const s = new SequentialLR(opt, { schedulers: [new ExponentialLR(opt, { gamma: 0.5 }), new LinearLR(opt, { totalIters: 0 })], milestones: [1] });
    const before = s.stateDict();
    opt.step();
    expect(() => s.step()).toThrow('SequentialLR.step: schedulers[1]: the learning rate of paramGroups[0] at epoch 0 would be NaN, not a finite number ≥ 0; nothing was changed');
    expect(s.stateDict()).toEqual(before);
    expect(opt.lr).toBe(0.1);
  });

  it("if the first scheduler's new first step throws, the constructor puts back every rate and scheduler", () => {
    class HalveUntilBroken extends LRScheduler {
      broken = false;
      constructor(opt: Optimizer) {
        super(opt, 'HalveUntilBroken');
        this.initialize();
      }
      protected computeLr(): number[] {
        return this.optimizer.paramGroups.map((g) => (this.broken ? NaN : lrOf(g) * 0.5));
      }
    }
    const opt = sgd(0.1);
    const first = new HalveUntilBroken(opt);
    const second = new ExponentialLR(opt, { gamma: 0.9 });
    first.broken = true;
    expect(() => new SequentialLR(opt, { schedulers: [first, second], milestones: [3] })).toThrow(
      'SequentialLR: schedulers[0]: the learning rate of paramGroups[0] at epoch 0 would be NaN, not a finite number ≥ 0; nothing was changed',
    );
    expect([opt.lr, first.lastEpoch, second.lastEpoch]).toEqual([0.05, 0, 0]);
  });
});

import { describe, expect, it } from 'vitest';
import { Parameter } from '../parameter.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { OneCycleLR } from './one-cycle-lr.js';
import { SGD } from './sgd.js';

const sgd = () => new SGD([new Parameter([1])], { lr: 0.1, momentum: 0.9 });

function sequence(s: OneCycleLR, opt: SGD | Adam, steps: number): { lr: number[]; momentum: number[] } {
  const read = () => (opt instanceof SGD ? opt.momentum : opt.betas[0]);
  const out = { lr: [s.getLastLr()[0]], momentum: [read()] };
  for (let t = 0; t < steps; t++) {
    opt.step();
    s.step();
    out.lr.push(s.getLastLr()[0]);
    out.momentum.push(read());
  }
  return out;
}

const cos = (a: number, b: number, p: number) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * p));

describe('OneCycleLR', () => {
  it('two phases (cos): maxLr/25 → maxLr over pctStart·T − 1 steps, then down to η₀/1e4 at T − 1; momentum the other way', () => {
    const opt = sgd();
    const { lr, momentum } = sequence(new OneCycleLR(opt, { maxLr: 1, totalSteps: 20 }), opt, 19);
    const up = 0.3 * 20 - 1; // step 5
    const expected = lr.map((_, t) => (t <= up ? cos(0.04, 1, t / up) : cos(1, 0.04 / 1e4, (t - up) / (19 - up))));
    expect(lr).toBeAllClose(expected, { rtol: 1e-14, atol: 1e-18 });
    expect([lr[0], lr[5], lr[19]]).toBeAllClose([0.04, 1, 4e-6], { rtol: 1e-14, atol: 0 });
    expect([momentum[0], momentum[5], momentum[19]]).toBeAllClose([0.95, 0.85, 0.95], { rtol: 1e-14, atol: 0 });
    expect(opt.paramGroups[0].initialLr).toBe(0.04);
  });

  it('three phases, linear: up, back down to η₀ symmetrically, then to the minimum; momentum stays at max in phase 3', () => {
    const opt = sgd();
    const { lr, momentum } = sequence(new OneCycleLR(opt, { maxLr: 0.5, totalSteps: 30, pctStart: 0.25, annealStrategy: 'linear', threePhase: true, divFactor: 10, finalDivFactor: 100 }), opt, 29);
    const e1 = 0.25 * 30 - 1, e2 = 2 * 0.25 * 30 - 2; // 6.5 and 13
    const lin = (a: number, b: number, p: number) => (b - a) * p + a;
    const expected = lr.map((_, t) => (t <= e1 ? lin(0.05, 0.5, t / e1) : t <= e2 ? lin(0.5, 0.05, (t - e1) / (e2 - e1)) : lin(0.05, 5e-4, (t - e2) / (29 - e2))));
    expect(lr).toBeAllClose(expected, { rtol: 1e-14, atol: 1e-18 });
    expect(momentum.slice(14)).toEqual(new Array(16).fill(0.95));
  });

  it("cycles Adam's β₁ and keeps β₂; totalSteps from epochs × stepsPerEpoch; maxLr per group", () => {
    const opt = new Adam([{ params: [new Parameter([1])] }, { params: [new Parameter([1])], betas: [0.9, 0.5] }]);
    const s = new OneCycleLR(opt, { maxLr: [0.1, 0.3], epochs: 2, stepsPerEpoch: 5, baseMomentum: 0.8, maxMomentum: 0.9 });
    expect(s.totalSteps).toBe(10);
    expect(opt.paramGroups.map((g) => g.betas)).toEqual([[0.9, 0.999], [0.9, 0.5]]);
    opt.step();
    for (let t = 0; t < 2; t++) s.step(); // the peak, at step 0.3·10 − 1 = 2
    expect(opt.paramGroups.map((g) => g.betas[0])).toBeAllClose([0.8, 0.8], { rtol: 1e-15, atol: 0 });
    expect(opt.paramGroups[1].betas[1]).toBe(0.5);
    expect(s.getLastLr()).toBeAllClose([0.1, 0.3], { rtol: 1e-15, atol: 0 });
  });

  it("the last allowed step extrapolates past the cycle's end as PyTorch, but never below a learning rate of 0", () => {
    const opt = sgd();
    const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, annealStrategy: 'linear' });
    const { lr, momentum } = sequence(s, opt, 10);
    // step 9 ends the cycle at η₀/1e4; step 10 would be 4e-6 − (1 − 4e-6)/7 < 0 in PyTorch
    expect(lr[9]).toBeAllClose(4e-6, { rtol: 1e-11, atol: 0 }); // (end − start)·1 + start rounds
    expect(lr[10]).toBe(0);
    expect(momentum[10]).toBe(0.95);
    const cosine = sgd();
    const c = new OneCycleLR(cosine, { maxLr: 1, totalSteps: 10 });
    const last = sequence(c, cosine, 10).lr[10];
    const up = 0.3 * 10 - 1;
    expect(last).toBeAllClose(cos(1, 4e-6, (10 - up) / (9 - up)), { rtol: 1e-14, atol: 0 }); // just above the minimum, as PyTorch
  });

  it('throws, changing nothing, when stepped more than totalSteps times (as PyTorch)', () => {
    const opt = sgd();
    const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 4 });
    opt.step();
    for (let t = 0; t < 4; t++) s.step();
    const lr = opt.lr;
    expect(() => s.step()).toThrow('OneCycleLR.step: the cycle has 4 steps and they have all been taken (this would be step 5); nothing was changed');
    expect(opt.lr).toBe(lr);
  });

  it('refuses what PyTorch refuses, and an empty phase (a division by zero there)', () => {
    expect(() => new OneCycleLR(sgd(), { maxLr: 1 })).toThrow('OneCycleLR: give either totalSteps, or epochs and stepsPerEpoch (totalSteps = epochs · stepsPerEpoch)');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, epochs: 3 })).toThrow('OneCycleLR: stepsPerEpoch must be an integer ≥ 1, got undefined');
    expect(() => new OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 5 })).toThrow('OneCycleLR: maxLr has 2 values but the optimizer has 1 parameter group(s)');
    expect(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as never })).toThrow("OneCycleLR: annealStrategy must be 'cos' or 'linear', got \"exp\" (a string)");
    expect(() => new OneCycleLR(new Adagrad([new Parameter([1])]), { maxLr: 1, totalSteps: 5 })).toThrow('OneCycleLR: the optimizer has no momentum or betas to cycle; pass { cycleMomentum: false }');
    expect(() => new OneCycleLR(new Adam([new Parameter([1])]), { maxLr: 1, totalSteps: 5, maxMomentum: 1 })).toThrow("OneCycleLR: maxMomentum must be < 1 when it is the optimizer's β₁, got 1");
    const opt = sgd();
    expect(() => new OneCycleLR(opt, { maxLr: 1, totalSteps: 10, pctStart: 0.1 })).toThrow(
      'OneCycleLR: phase 1 of the cycle has no length (it starts and ends at step 0) with totalSteps 10 and pctStart 0.1; choose another pctStart',
    );
    expect([opt.lr, opt.momentum, opt.paramGroups[0].initialLr]).toEqual([0.1, 0.9, undefined]);
    // Adagrad without momentum cycling is fine
    expect(new OneCycleLR(new Adagrad([new Parameter([1])]), { maxLr: 1, totalSteps: 5, cycleMomentum: false }).getLastLr()).toBeAllClose([0.04], { rtol: 1e-15, atol: 0 });
  });
});

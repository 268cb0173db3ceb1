import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { SGD } from './sgd.js';

const opt2 = () => new SGD([{ params: [new Parameter([1])] }, { params: [new Parameter([1])], lr: 0.01 }], { lr: 1 });

describe('ReduceLROnPlateau', () => {
  it('cuts after more than `patience` bad epochs, then waits `cooldown` epochs, never below minLr (per group)', () => {
    const opt = opt2();
    const s = new ReduceLROnPlateau(opt, { patience: 2, cooldown: 1, factor: 0.5, minLr: [0.3, 0.004] });
    expect(s.getLastLr()).toEqual([1, 0.01]); // nothing changes at construction
    const lrs: number[][] = [];
    for (const m of [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]) {
      s.step(m);
      lrs.push(s.getLastLr());
    }
    // epochs 3, 4, 5 are bad: the third (> patience 2) cuts; epoch 6 is cooldown; 7, 8, 9 bad: cut, to minLr
    expect(lrs).toEqual([
      [1, 0.01], [1, 0.01], [1, 0.01], [1, 0.01], [0.5, 0.005], [0.5, 0.005], [0.5, 0.005], [0.5, 0.005], [0.3, 0.004], [0.3, 0.004], [0.3, 0.004],
    ]);
    expect(s.best).toBe(4);
  });

  it("counts only improvements beyond the threshold ('rel' and 'abs', 'min' and 'max')", () => {
    const s = new ReduceLROnPlateau(opt2(), { patience: 0, threshold: 0.1 });
    s.step(10);
    s.step(9.5); // not below 10·0.9 = 9: bad, and patience 0 cuts
    expect(s.getLastLr()[0]).toBeAllClose(0.1, { rtol: 1e-15, atol: 0 });
    const abs = new ReduceLROnPlateau(opt2(), { mode: 'max', thresholdMode: 'abs', threshold: 1, patience: 0 });
    abs.step(10);
    abs.step(11.5); // above 10 + 1: an improvement
    expect([abs.best, abs.getLastLr()[0]]).toEqual([11.5, 1]);
    abs.step(12); // not above 12.5
    expect(abs.getLastLr()[0]).toBeAllClose(0.1, { rtol: 1e-15, atol: 0 });
  });

  it('a NaN metric is never better; a metric may be a one-element tensor', () => {
    const s = new ReduceLROnPlateau(opt2(), { patience: 1 });
    s.step(tensor(3));
    s.step(NaN);
    expect([s.best, s.numBadEpochs]).toEqual([3, 1]);
    expect(() => s.step(tensor([1, 2]))).toThrow('ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got a tensor of 2 elements');
    expect(s.lastEpoch).toBe(2);
  });

  it('does not cut by less than eps', () => {
    const opt = new SGD([new Parameter([1])], { lr: 1e-9 });
    const s = new ReduceLROnPlateau(opt, { patience: 0 });
    s.step(1);
    s.step(1);
    expect(opt.lr).toBe(1e-9);
  });

  it('state dicts keep ±Infinity as strings (JSON has none) and resume exactly', () => {
    const s = new ReduceLROnPlateau(opt2(), { mode: 'max' });
    expect(s.stateDict().best).toBe('-Infinity');
    const copy = new ReduceLROnPlateau(opt2());
    copy.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect([copy.mode, copy.best]).toEqual(['max', -Infinity]);
    expect(() => copy.loadStateDict({ ...s.stateDict(), best: 'inf' })).toThrow(
      "ReduceLROnPlateau.loadStateDict: best must be a number or 'Infinity', '-Infinity', 'NaN', got \"inf\" (a string); nothing was loaded",
    );
    expect(() => copy.loadStateDict({ ...s.stateDict(), factor: 1 })).toThrow('ReduceLROnPlateau.loadStateDict: factor must be < 1 (a cut), got 1; nothing was loaded');
  });

  it('checks its settings at construction and at assignment', () => {
    expect(() => new ReduceLROnPlateau(opt2(), { mode: 'down' as never })).toThrow("ReduceLROnPlateau: mode must be 'min' or 'max', got \"down\" (a string)");
    expect(() => new ReduceLROnPlateau(opt2(), { minLr: [0.1] })).toThrow('ReduceLROnPlateau: minLr must be an array of 2 number(s), one per parameter group, got [0.1] (an array)');
    const s = new ReduceLROnPlateau(opt2());
    expect(() => (s.patience = -1)).toThrow('ReduceLROnPlateau: patience must be an integer ≥ 0, got -1');
    expect(() => (s.factor = 2)).toThrow('ReduceLROnPlateau: factor must be < 1 (a cut), got 2');
    expect([s.patience, s.factor]).toEqual([10, 0.1]);
  });
});

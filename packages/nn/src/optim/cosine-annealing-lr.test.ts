import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { lrSequence, sgd } from '../test-utils/schedules.js';

const closedForm = (e: number, base: number, etaMin: number, T: number) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2;

describe('CosineAnnealingLR', () => {
  it('follows the documented closed form to rounding, over three half periods (it climbs back after tMax)', () => {
    const lrs = lrSequence(new CosineAnnealingLR(sgd(), { tMax: 10, etaMin: 0.001 }), 30);
    expect(lrs).toBeAllClose(lrs.map((_, e) => closedForm(e, 0.1, 0.001, 10)), { rtol: 1e-13, atol: 1e-16 });
    expect(lrs[10]).toBeAllClose(0.001, { rtol: 1e-13, atol: 0 });
    expect(lrs[20]).toBeAllClose(0.1, { rtol: 1e-13, atol: 0 });
  });

  it('is the recursive form: a learning rate changed in between is followed from there', () => {
    const opt = sgd();
    const s = new CosineAnnealingLR(opt, { tMax: 4 });
    opt.step();
    s.step();
    opt.lr = 1; // someone else changes it
    s.step();
    expect(opt.lr).toBeAllClose((1 + Math.cos(Math.PI / 2)) / (1 + Math.cos(Math.PI / 4)), { rtol: 1e-15, atol: 0 });
  });

  it('checks tMax and etaMin', () => {
    expect(() => new CosineAnnealingLR(sgd(), { tMax: 0 })).toThrow('CosineAnnealingLR: tMax must be an integer ≥ 1, got 0');
    expect(() => new CosineAnnealingLR(sgd(), { tMax: 3, etaMin: NaN })).toThrow('CosineAnnealingLR: etaMin must be a finite number ≥ 0, got NaN');
  });
});

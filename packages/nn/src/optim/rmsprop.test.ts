import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';

const c = [0.5, 3, -1];
const lossOf = (p: Tensor) => p.mul(p).mul(tensor(c)).sum().mul(0.5); // g = c ⊙ θ

/** PyTorch's documented RMSprop algorithm, written out per element. */
function reference(theta0: number[], steps: number, o: Required<RMSpropOptions>): number[] {
  const theta = theta0.slice();
  const v = theta.map(() => 0), gAvg = theta.map(() => 0), b = theta.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < theta.length; i++) {
      let g = c[i] * theta[i];
      if (o.weightDecay !== 0) g += o.weightDecay * theta[i];
      v[i] = o.alpha * v[i] + (1 - o.alpha) * g * g;
      let vt = v[i];
      if (o.centered) {
        gAvg[i] = o.alpha * gAvg[i] + (1 - o.alpha) * g;
        vt = vt - gAvg[i] * gAvg[i];
      }
      if (o.momentum > 0) {
        b[i] = o.momentum * b[i] + g / (Math.sqrt(vt) + o.eps);
        theta[i] -= o.lr * b[i];
      } else {
        theta[i] -= (o.lr * g) / (Math.sqrt(vt) + o.eps);
      }
    }
  }
  return theta;
}

function run(options: RMSpropOptions, steps: number): number[] {
  const p = new Parameter([1, -2, 0.5]);
  const opt = new RMSprop([p], options);
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    lossOf(p).backward();
    opt.step();
  }
  return Array.from(p.buffer);
}

const defaults = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false };

describe('RMSprop', () => {
  it('first step by hand: s = (1 − α)g², so θ moves by η·g/(√(1 − α)|g| + ε)', () => {
    const g = 0.5, lr = 0.01, alpha = 0.99;
    expect(run({}, 1)[0]).toBeAllClose(1 - (lr * g) / (Math.sqrt((1 - alpha) * g * g) + 1e-8), { rtol: 1e-15, atol: 0 });
  });

  it.each([
    ['defaults', {}],
    ['alpha, eps and weight decay', { lr: 0.05, alpha: 0.9, eps: 1e-3, weightDecay: 0.1 }],
    ['momentum', { lr: 0.02, momentum: 0.9 }],
    ['centered', { lr: 0.02, centered: true }],
    ['centered with momentum and weight decay', { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.01, alpha: 0.95 }],
  ] as [string, RMSpropOptions][])('five steps match the written-out algorithm: %s', (_name, o) => {
    expect(run(o, 5)).toBeAllClose(reference([1, -2, 0.5], 5, { ...defaults, ...o }), { rtol: 1e-14, atol: 0 });
  });

  it("uses PyTorch's defaults lr 1e-2, alpha 0.99, eps 1e-8, and refuses bad options", () => {
    const opt = new RMSprop([new Parameter([1])]);
    expect([opt.lr, opt.alpha, opt.eps, opt.weightDecay, opt.momentum, opt.centered]).toEqual([1e-2, 0.99, 1e-8, 0, 0, false]);
    expect(() => new RMSprop([new Parameter([1])], { alpha: -0.5 })).toThrow('RMSprop: alpha must be a finite number ≥ 0, got -0.5');
    expect(() => new RMSprop([new Parameter([1])], { centered: 1 as unknown as boolean })).toThrow('RMSprop: centered must be true or false, got 1');
    expect(() => (opt.momentum = NaN)).toThrow('RMSprop: momentum must be a finite number ≥ 0, got NaN');
    expect(opt.momentum).toBe(0);
  });

  it('momentum and centering switched on later start their buffers at 0 (the numbers PyTorch would give had they been on from the start)', () => {
    const a = new Parameter([1, -2, 0.5]), b = new Parameter([1, -2, 0.5]);
    const late = new RMSprop([a], { lr: 0.01 });
    // b's optimizer has the buffers from step 1 but they are unused until switched on
    const early = new RMSprop([b], { lr: 0.01 });
    for (let t = 0; t < 4; t++) {
      if (t === 2) {
        late.momentum = 0.9;
        late.centered = true;
        early.momentum = 0.9;
        early.centered = true;
      }
      for (const [p, opt] of [[a, late], [b, early]] as const) {
        opt.zeroGrad();
        lossOf(p).backward();
        opt.step();
      }
    }
    expect(Array.from(a.buffer)).toEqual(Array.from(b.buffer));
    const keys = Object.keys(late.stateDict().state[0]).sort();
    expect(keys).toEqual(['gradAvg', 'momentumBuffer', 'squareAvg', 'step']);
  });
});

import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { Adam, AdamW, type AdamOptions } from './adam.js';

const c = [0.5, 3, -1];
const lossOf = (p: Tensor) => p.mul(p).mul(tensor(c)).sum().mul(0.5); // g = c ⊙ θ

/** Adam as in Kingma & Ba's Algorithm 1 (bias-corrected m̂ and v̂), plus coupled weight decay. */
function reference(theta0: number[], steps: number, lr: number, b1: number, b2: number, eps: number, wd: number): number[] {
  const theta = theta0.slice();
  const m = theta.map(() => 0), v = theta.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < theta.length; i++) {
      const g = c[i] * theta[i] + wd * theta[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mHat = m[i] / (1 - b1 ** t), vHat = v[i] / (1 - b2 ** t);
      theta[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
  return theta;
}

function run(options: AdamOptions, steps: number): number[] {
  const p = new Parameter([1, -2, 0.5]);
  const opt = new Adam([p], options);
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    lossOf(p).backward();
    opt.step();
  }
  return Array.from(p.buffer);
}

describe('Adam', () => {
  it('first step moves each coordinate by lr·g/(|g| + ε): the bias correction makes m̂ = g, v̂ = g²', () => {
    const g = [0.5 * 1, 3 * -2, -1 * 0.5];
    const lr = 0.01, eps = 1e-8;
    // NOTE: 1 − β₂ and √ round, so m̂/√v̂ equals ±1 only to a few ulps
    expect(run({ lr }, 1)).toBeAllClose([1, -2, 0.5].map((x, i) => x - (lr * g[i]) / (Math.abs(g[i]) + eps)), { rtol: 1e-15, atol: 0 });
  });

  it('three steps match the textbook algorithm with bias correction (default betas and eps)', () => {
    // PyTorch's form lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε) is the textbook one rearranged: equal up to rounding
    expect(run({ lr: 0.1 }, 3)).toBeAllClose(reference([1, -2, 0.5], 3, 0.1, 0.9, 0.999, 1e-8, 0), { rtol: 1e-14, atol: 0 });
  });

  it('with other betas, eps and weight decay', () => {
    const o = { lr: 0.05, betas: [0.8, 0.99] as const, eps: 1e-3, weightDecay: 0.1 };
    expect(run(o, 3)).toBeAllClose(reference([1, -2, 0.5], 3, 0.05, 0.8, 0.99, 1e-3, 0.1), { rtol: 1e-14, atol: 0 });
  });

  it('skips frozen and gradient-less parameters without advancing their step count', () => {
    const a = new Parameter([1]), frozen = new Parameter([2], { requiresGrad: false });
    const opt = new Adam([a, frozen], { lr: 0.1 });
    a.add(frozen).sum().backward();
    opt.step();
    expect(a.item()).toBeAllClose(1 - 0.1 / (1 + 1e-8), { rtol: 1e-15, atol: 0 });
    expect(frozen.item()).toBe(2);
    expect([opt.stepCount(0), opt.stepCount(1)]).toEqual([1, 0]);
    opt.zeroGrad();
    opt.step(); // no gradient now: nothing moves
    expect(opt.stepCount(0)).toBe(1);
  });

  it('uses the defaults lr 1e-3, betas [0.9, 0.999], eps 1e-8, and refuses bad options', () => {
    const opt = new Adam([new Parameter([1])]);
    expect([opt.lr, opt.betas, opt.eps, opt.weightDecay]).toEqual([1e-3, [0.9, 0.999], 1e-8, 0]);
    expect(() => new Adam([new Parameter([1])], { betas: [0.9, 1] })).toThrow(/betas\[1\] must be a finite number ≥ 0 and < 1, got 1/);
    expect(() => new Adam([new Parameter([1])], { eps: -1 })).toThrow(/eps must be/);
  });
});

describe('Adam refusals', () => {
  const ps = () => [new Parameter([1])];

  it('betas must be a pair in [0, 1), at construction and at assignment', () => {
    expect(() => new Adam(ps(), { betas: 0.9 as unknown as [number, number] })).toThrow('Adam: betas must be a pair [beta1, beta2] with each in [0, 1), got 0.9');
    expect(() => new Adam(ps(), { betas: [0.9] as unknown as [number, number] })).toThrow('Adam: betas must be a pair [beta1, beta2] with each in [0, 1), got [0.9] (an array)');
    expect(() => new Adam(ps(), { betas: [-0.1, 0.9] })).toThrow('Adam: betas[0] must be a finite number ≥ 0 and < 1, got -0.1');
    const opt = new Adam(ps());
    expect(() => (opt.betas = [0.5, 1])).toThrow('Adam: betas[1] must be a finite number ≥ 0 and < 1, got 1');
    expect(() => (opt.betas = [NaN, 0.5])).toThrow('Adam: betas[0] must be a finite number ≥ 0 and < 1, got NaN');
    expect(opt.betas).toEqual([0.9, 0.999]);
    // the pair cannot be changed behind the setter's back
    expect(() => ((opt.betas as unknown as number[])[0] = 2)).toThrow(TypeError);
    opt.betas = [0.8, 0.99];
    expect(opt.betas).toEqual([0.8, 0.99]);
  });

  it('a changed hyperparameter is used by the next step', () => {
    const a = new Parameter([1, -2, 0.5]), b = new Parameter([1, -2, 0.5]);
    const optA = new Adam([a], { lr: 0.1 }), optB = new Adam([b], { lr: 0.05, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.1 });
    optA.lr = 0.05;
    optA.betas = [0.8, 0.99];
    optA.eps = 1e-3;
    optA.weightDecay = 0.1;
    for (let t = 0; t < 3; t++) {
      for (const [p, opt] of [[a, optA], [b, optB]] as const) {
        opt.zeroGrad();
        lossOf(p).backward();
        opt.step();
      }
    }
    expect(Array.from(a.buffer)).toEqual(Array.from(b.buffer));
  });

  it('stepCount refuses an index that names no parameter', () => {
    expect(() => new Adam(ps()).stepCount(1)).toThrow('Adam.stepCount: index must be an integer in 0..0, got 1');
  });
});

describe('AdamW', () => {
  /** AdamW as Loshchilov & Hutter's Algorithm 2 with PyTorch's order: decay θ first, then Adam on the raw gradient. */
  function referenceW(theta0: number[], steps: number, lr: number, b1: number, b2: number, eps: number, wd: number): number[] {
    const theta = theta0.slice();
    const m = theta.map(() => 0), v = theta.map(() => 0);
    for (let t = 1; t <= steps; t++) {
      for (let i = 0; i < theta.length; i++) {
        const g = c[i] * theta[i];
        theta[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        theta[i] -= ((lr / (1 - b1 ** t)) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps);
      }
    }
    return theta;
  }

  const runW = (options: AdamOptions, steps: number): number[] => {
    const p = new Parameter([1, -2, 0.5]);
    const opt = new AdamW([p], options);
    for (let t = 0; t < steps; t++) {
      opt.zeroGrad();
      lossOf(p).backward();
      opt.step();
    }
    return Array.from(p.buffer);
  };

  it("has PyTorch's defaults, weight decay 1e-2 included", () => {
    const opt = new AdamW([new Parameter([1])]);
    expect([opt.lr, opt.betas, opt.eps, opt.weightDecay]).toEqual([1e-3, [0.9, 0.999], 1e-8, 1e-2]);
  });

  it('first step by hand: θ(1 − ηλ) − η·g/(|g| + ε)', () => {
    const lr = 0.1, wd = 0.5;
    // the gradient is taken before the decay: g = cθ at the old θ
    expect(runW({ lr, weightDecay: wd }, 1)[1]).toBeAllClose(-2 * (1 - lr * wd) + lr * (6 / (6 + 1e-8)), { rtol: 1e-15, atol: 0 });
  });

  it('five steps match the written-out algorithm, with the default and other hyperparameters', () => {
    expect(runW({ lr: 0.1 }, 5)).toBeAllClose(referenceW([1, -2, 0.5], 5, 0.1, 0.9, 0.999, 1e-8, 1e-2), { rtol: 1e-14, atol: 0 });
    expect(runW({ lr: 0.05, betas: [0.8, 0.99], eps: 1e-3, weightDecay: 0.3 }, 5)).toBeAllClose(referenceW([1, -2, 0.5], 5, 0.05, 0.8, 0.99, 1e-3, 0.3), { rtol: 1e-14, atol: 0 });
  });

  it('differs from Adam with the same weight decay (decoupled, not added to the gradient), and equals it without', () => {
    expect(runW({ lr: 0.1, weightDecay: 0.1 }, 3)).not.toEqual(run({ lr: 0.1, weightDecay: 0.1 }, 3));
    expect(runW({ lr: 0.1, weightDecay: 0 }, 3)).toEqual(run({ lr: 0.1 }, 3));
  });

  it('names itself in messages', () => {
    expect(() => new AdamW([new Parameter([1])], { betas: [1, 0.5] })).toThrow('AdamW: betas[0] must be a finite number ≥ 0 and < 1, got 1');
    expect(() => new AdamW([new Parameter([1])]).stepCount(3)).toThrow('AdamW.stepCount: index must be an integer in 0..0, got 3');
  });
});

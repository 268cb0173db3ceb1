import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@chainrule/core';
import { Parameter } from '../parameter.js';
import { SGD, type SGDOptions } from './sgd.js';

const c = [0.5, 3]; // loss = ½ Σ cᵢ θᵢ², so g = c ⊙ θ
const lossOf = (p: Tensor) => p.mul(p).mul(tensor(c)).sum().mul(0.5);

/** PyTorch's documented SGD algorithm, written out per element. */
function reference(theta0: number[], steps: number, o: Required<SGDOptions>): number[] {
  const theta = theta0.slice();
  const buf: number[] = [];
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < theta.length; i++) {
      let g = c[i] * theta[i];
      if (o.weightDecay !== 0) g = g + o.weightDecay * theta[i];
      if (o.momentum !== 0) {
        buf[i] = t === 1 ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * buf[i] : buf[i];
      }
      theta[i] = theta[i] - o.lr * g;
    }
  }
  return theta;
}

function run(options: SGDOptions, steps: number): number[] {
  const p = new Parameter([1, -2]);
  const opt = new SGD([p], options);
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    lossOf(p).backward();
    opt.step();
  }
  return Array.from(p.buffer);
}

const defaults = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false };

describe('SGD', () => {
  it('plain: θ ← θ − ηg, checked by hand for two steps', () => {
    // step 1: g = [0.5, −6] → θ = [1 − 0.05, −2 + 0.6] = [0.95, −1.4]
    // step 2: g = [0.475, −4.2] → θ = [0.95 − 0.0475, −1.4 + 0.42] = [0.9025, −0.98]
    expect(run({ lr: 0.1 }, 2)).toBeAllClose([0.9025, -0.98], { rtol: 4e-16, atol: 0 });
  });

  it('with momentum and dampening, three steps', () => {
    const o = { ...defaults, lr: 0.1, momentum: 0.9, dampening: 0.1 };
    // by hand for the first coordinate: b1 = g1 = 0.5 → θ = 0.95; g2 = 0.475, b2 = 0.45 + 0.4275 = 0.8775 → θ = 0.86225
    expect(run(o, 2)[0]).toBeAllClose(0.86225, { rtol: 4e-16, atol: 0 });
    expect(run(o, 3)).toBeAllClose(reference([1, -2], 3, o), { rtol: 1e-15, atol: 0 });
  });

  it('with Nesterov momentum, three steps', () => {
    const o = { ...defaults, lr: 0.1, momentum: 0.9, nesterov: true };
    // by hand, step 1: b = g = 0.5, update g + μb = 0.95 → θ = 1 − 0.095 = 0.905
    expect(run(o, 1)[0]).toBeAllClose(0.905, { rtol: 4e-16, atol: 0 });
    expect(run(o, 3)).toBeAllClose(reference([1, -2], 3, o), { rtol: 1e-15, atol: 0 });
  });

  it('with weight decay (and with momentum too), three steps', () => {
    // by hand, step 1: g = 0.5 + 0.1·1 = 0.6 → θ = 1 − 0.06 = 0.94
    expect(run({ lr: 0.1, weightDecay: 0.1 }, 1)[0]).toBeAllClose(0.94, { rtol: 4e-16, atol: 0 });
    const o = { ...defaults, lr: 0.05, weightDecay: 0.1, momentum: 0.5 };
    expect(run(o, 3)).toBeAllClose(reference([1, -2], 3, o), { rtol: 1e-15, atol: 0 });
  });

  it('leaves frozen parameters and parameters without a gradient alone', () => {
    const a = new Parameter([1, 2]), frozen = new Parameter([3, 4]), unused = new Parameter([5]);
    const opt = new SGD([a, frozen, unused], { lr: 0.1, momentum: 0.9 });
    frozen.requiresGrad = false;
    a.add(frozen).sum().backward();
    expect(frozen.grad).toBeNull();
    frozen.grad = tensor([100, 100]); // even a stale gradient does not move a frozen parameter
    const versions = [a.version, frozen.version, unused.version];
    opt.step();
    expect(a.toArray()).toEqual([0.9, 1.9]);
    expect(frozen.toArray()).toEqual([3, 4]);
    expect(unused.toArray()).toEqual([5]);
    expect([a.version, frozen.version, unused.version]).toEqual([versions[0] + 1, versions[1], versions[2]]);
  });

  it('lists each parameter once, and zeroGrad clears the gradients', () => {
    const p = new Parameter([1]);
    const opt = new SGD([p, p], { lr: 1 });
    expect(opt.params).toHaveLength(1);
    p.mul(2).sum().backward();
    opt.step();
    expect(p.item()).toBe(-1); // stepped once, not twice
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    p.mul(2).sum().backward();
    opt.zeroGrad({ setToNone: false });
    expect(p.grad!.toArray()).toEqual([0]);
  });

  it('the learning rate can change between steps', () => {
    const p = new Parameter([1]);
    const opt = new SGD([p], { lr: 1 });
    opt.lr = 0.25;
    p.sum().backward();
    opt.step();
    expect(p.item()).toBe(0.75);
  });

  it('refuses bad options and parameters', () => {
    const p = new Parameter([1]);
    expect(() => new SGD([p], {} as SGDOptions)).toThrow(/lr` is required/);
    expect(() => new SGD([p], { lr: -1 })).toThrow(/lr must be a finite number ≥ 0, got -1/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum > 0 and zero dampening/);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/Nesterov/);
    expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new SGD([p.mul(2)], { lr: 0.1 })).toThrow(/params\[0\] is not a leaf tensor \(it was computed by mul\)/);
  });

  it('float32 parameters keep float32 state', () => {
    const p = new Parameter([1, -2], { dtype: 'float32' });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.mul(p).sum().backward();
    opt.step();
    expect(p.dtype).toBe('float32');
    // the update is computed in float64 and rounded to float32 once, when stored
    expect(Array.from(p.buffer)).toEqual([Math.fround(1 - 0.1 * 2), Math.fround(-2 + 0.1 * 4)]);
  });
});

describe("SGD's rules, as PyTorch's, checked wherever they are set", () => {
  const ps = () => [new Parameter([1])];

  it('Nesterov needs momentum > 0 and dampening 0, also when either is changed later', () => {
    expect(() => new SGD(ps(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(
      'SGD: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum 0.9, dampening 0.1)',
    );
    const opt = new SGD(ps(), { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(() => (opt.momentum = 0)).toThrow('SGD: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum 0, dampening 0)');
    expect(() => (opt.dampening = 0.1)).toThrow('(got momentum 0.9, dampening 0.1)');
    expect([opt.momentum, opt.dampening, opt.nesterov]).toEqual([0.9, 0, true]);
    const plain = new SGD(ps(), { lr: 0.1 });
    expect(() => (plain.nesterov = true)).toThrow('(got momentum 0, dampening 0)');
    expect(plain.nesterov).toBe(false);
    expect(() => new SGD(ps(), { lr: 0.1, momentum: 0.9, nesterov: 'yes' as unknown as boolean })).toThrow('SGD: nesterov must be true or false, got "yes" (a string)');
  });

  it('asks for the learning rate when there are no options', () => {
    expect(() => new SGD(ps(), undefined as unknown as SGDOptions)).toThrow('SGD: the learning rate `lr` is required, e.g. new SGD(net.parameters(), { lr: 0.1 })');
  });

  it('a changed momentum, dampening or weight decay is used by the next step', () => {
    const o = { ...defaults, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.1 };
    const p = new Parameter([1, -2]);
    const opt = new SGD([p], { lr: 0.1 });
    opt.momentum = 0.9;
    opt.dampening = 0.1;
    opt.weightDecay = 0.1;
    for (let t = 0; t < 3; t++) {
      opt.zeroGrad();
      lossOf(p).backward();
      opt.step();
    }
    expect(Array.from(p.buffer)).toBeAllClose(reference([1, -2], 3, o), { rtol: 1e-15, atol: 0 });
  });
});

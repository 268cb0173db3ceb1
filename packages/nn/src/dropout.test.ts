import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, manualSeed, ones, rand, randn, RandomGenerator, tensor } from '@chainrule/core';
import { dropout, Dropout } from './dropout.js';

/** The documented mask: element i kept when uᵢ < 1 − p, u = rand(shape) of the same generator. */
const expected = (x: number[], p: number, seed: number) => {
  const u = rand([x.length], { seed }).buffer;
  return x.map((v, i) => v * (u[i] < 1 - p ? 1 / (1 - p) : 0)); // x · noise, so a dropped negative is −0 as in PyTorch
};

describe('dropout', () => {
  it('zeroes where u ≥ 1 − p and scales the rest by 1/(1 − p); the gradient is the same mask', () => {
    const values = Array.from(randn([40], { seed: 1 }).buffer);
    const x = tensor(values, { requiresGrad: true });
    const out = dropout(x, { p: 0.3, generator: new RandomGenerator(5) });
    expect(Array.from(out.buffer)).toEqual(expected(values, 0.3, 5));
    out.sum().backward();
    expect(Array.from(x.grad!.buffer)).toEqual(expected(new Array<number>(40).fill(1), 0.3, 5));
  });

  it('keeps about 1 − p of the elements and the expected value', () => {
    const out = Array.from(dropout(ones([20000]), { p: 0.25, generator: new RandomGenerator(2) }).buffer);
    const kept = out.filter((v) => v !== 0).length / out.length;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.015); // 3 standard errors ≈ 0.009
    expect(new Set(out)).toEqual(new Set([0, 1 / 0.75]));
  });

  it('training: false and p = 0 return the input itself and draw nothing; p = 1 gives zeros', () => {
    const x = tensor([1, NaN, 3], { requiresGrad: true });
    manualSeed(9);
    expect(dropout(x, { training: false })).toBe(x);
    expect(dropout(x, { p: 0 })).toBe(x);
    expect(rand([1]).item()).toBe(rand([1], { seed: 9 }).item()); // the global generator did not move
    const zero = dropout(x, { p: 1 });
    expect(zero.toArray()).toEqual([0, NaN, 0]); // 0·x, so NaN stays NaN as in PyTorch
    zero.sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
  });

  it('passes gradcheck and gradgradcheck for a fixed mask', () => {
    const f = (x: ReturnType<typeof tensor>) => dropout(x, { p: 0.4, generator: new RandomGenerator(3) }).square();
    expect(gradcheck(f, [randn([3, 4], { seed: 2 })]).ok).toBe(true);
    expect(gradgradcheck(f, [randn([3, 4], { seed: 2 })]).ok).toBe(true);
  });

  it('refuses a probability outside [0, 1] and unknown options', () => {
    expect(() => dropout(ones([2]), { p: 1.5 })).toThrow('dropout: dropout probability has to be between 0 and 1, got 1.5');
    expect(() => dropout(ones([2]), { p: NaN })).toThrow(/got NaN/);
    expect(() => dropout(ones([2]), { prob: 0.1 } as never)).toThrow("dropout: unknown option 'prob'; the options are p, training, generator");
    expect(() => dropout([1, 2] as never)).toThrow('dropout: expected a Tensor, got [1, 2] (an array)');
  });
});

describe('Dropout', () => {
  it('drops in training mode and is the identity after eval()', () => {
    const d = new Dropout(0.5, { seed: 4 });
    const x = randn([10], { seed: 3 });
    expect(Array.from(d.forward(x).buffer)).toEqual(expected(Array.from(x.buffer), 0.5, 4));
    expect(d.forward(x).toArray()).not.toEqual(d.forward(x).toArray()); // its generator advances
    expect(d.eval().forward(x)).toBe(x);
    expect(d.train().training).toBe(true);
  });

  it('without a seed draws from the global generator: manualSeed replays it, two layers differ', () => {
    const x = ones([16]);
    manualSeed(21);
    const a = new Dropout().forward(x);
    const b = new Dropout().forward(x);
    expect(a.toArray()).not.toEqual(b.toArray());
    manualSeed(21);
    expect(new Dropout().forward(x).toArray()).toEqual(a.toArray());
  });

  it('has no parameters, shows p, refuses a bad p', () => {
    expect(new Dropout(0.2).numParameters()).toBe(0);
    expect(String(new Dropout())).toBe('Dropout(p=0.5)');
    expect(() => new Dropout(-0.1)).toThrow('Dropout: dropout probability has to be between 0 and 1, got -0.1');
    expect(() => new Dropout(0.1, { seed: 1, generator: new RandomGenerator(1) })).toThrow('Dropout: give either seed or generator, not both');
  });
});

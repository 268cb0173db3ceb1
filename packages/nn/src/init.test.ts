import { describe, expect, it } from 'vitest';
import { manualSeed, rand, randn, RandomGenerator, tensor, zeros } from '@chainrule/core';
import {
  calculateGain,
  constant_,
  kaimingNormal_,
  kaimingUniform_,
  normal_,
  ones_,
  uniform_,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from './init.js';
import { Dense } from './linear.js';
import { Parameter } from './parameter.js';

const uniforms = (n: number, seed: number) => Array.from(rand([n], { seed }).buffer);
const normals = (n: number, seed: number) => Array.from(randn([n], { seed }).buffer);

describe('calculateGain', () => {
  it("gives PyTorch's gains", () => {
    for (const n of ['linear', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid'] as const) expect(calculateGain(n)).toBe(1);
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('relu')).toBe(Math.SQRT2);
    expect(calculateGain('selu')).toBe(0.75);
    expect(calculateGain('leakyRelu')).toBe(1.4141428569978354); // torch.nn.init.calculate_gain('leaky_relu') in PyTorch 1.13
    expect(calculateGain('leakyRelu', 0)).toBe(Math.SQRT2);
    expect(calculateGain('leakyRelu', 1)).toBe(1);
    expect(() => calculateGain('leaky_relu' as 'relu')).toThrow(/calculateGain: unknown nonlinearity "leaky_relu" \(a string\); expected one of linear/);
    expect(() => calculateGain('leakyRelu', NaN)).toThrow('calculateGain: the negative slope of leakyRelu must be a finite number, got NaN');
  });
});

describe('uniform_, normal_, constant_, zeros_, ones_', () => {
  it('uniform_ writes a + (b − a)·u in place, from the given generator', () => {
    const t = zeros([2, 3]);
    const buffer = t.buffer, version = t.version;
    expect(uniform_(t, -2, 3, { generator: new RandomGenerator(4) })).toBe(t);
    expect(t.buffer).toBe(buffer);
    expect(t.version).toBe(version + 1);
    expect(Array.from(t.buffer)).toEqual(uniforms(6, 4).map((u) => -2 + 5 * u));
    expect(Array.from(uniform_(zeros([4]), 0, 1, { generator: new RandomGenerator(4) }).buffer)).toEqual(uniforms(4, 4)); // defaults U(0, 1)
  });

  it('normal_ writes mean + std·z', () => {
    const t = normal_(zeros([5]), 1.5, 0.25, { generator: new RandomGenerator(9) });
    expect(Array.from(t.buffer)).toEqual(normals(5, 9).map((z) => 1.5 + 0.25 * z));
    const big = Array.from(normal_(zeros([20000]), 3, 2, { generator: new RandomGenerator(1) }).buffer);
    const mean = big.reduce((s, v) => s + v, 0) / big.length;
    const std = Math.sqrt(big.reduce((s, v) => s + (v - mean) ** 2, 0) / big.length);
    expect(Math.abs(mean - 3)).toBeLessThan(0.05); // 2/√20000 ≈ 0.014 is one standard error
    expect(Math.abs(std - 2)).toBeLessThan(0.05);
  });

  it('fill a Parameter that requires grad without noGrad (the write is not recorded)', () => {
    const w = new Parameter([[1, 2], [3, 4]]);
    constant_(w, 0.5);
    expect(w.toArray()).toEqual([[0.5, 0.5], [0.5, 0.5]]);
    expect(w.requiresGrad).toBe(true);
    expect(w.gradFn).toBe(null);
    expect(zeros_(w).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones_(w).toArray()).toEqual([[1, 1], [1, 1]]);
  });

  it('round once into a float32 tensor', () => {
    const t = uniform_(zeros([3], { dtype: 'float32' }), -1, 1, { generator: new RandomGenerator(2) });
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.buffer)).toEqual(uniforms(3, 2).map((u) => Math.fround(-1 + 2 * u)));
  });

  it('draw from the global generator that manualSeed sets, when given none', () => {
    manualSeed(7);
    const a = uniform_(zeros([4]));
    const b = uniform_(zeros([4]));
    expect(a.toArray()).not.toEqual(b.toArray()); // the global generator advances
    manualSeed(7);
    expect(uniform_(zeros([4])).toArray()).toEqual(a.toArray());
    expect(a.toArray()).toEqual(uniforms(4, 7));
  });

  it('refuse bad arguments, naming the function', () => {
    expect(() => uniform_(zeros([2]), 1, 0)).toThrow('uniform_: expects a ≤ b (the range [a, b)), got a = 1 > b = 0');
    expect(() => uniform_(zeros([2]), NaN)).toThrow('uniform_: a must be a finite number, got NaN');
    expect(() => normal_(zeros([2]), 0, -1)).toThrow('normal_: std must be ≥ 0, got -1');
    expect(() => normal_(zeros([2]), 0, 1, { generater: new RandomGenerator(1) } as never)).toThrow("normal_: unknown option 'generater'; the options are generator");
    expect(() => uniform_(zeros([2]), 0, 1, { generator: 3 } as never)).toThrow('uniform_: generator must be a RandomGenerator, got 3');
    expect(() => uniform_([1, 2] as never)).toThrow('uniform_: expected a Tensor to fill, got [1, 2] (an array)');
    expect(() => constant_(zeros([2]), '1' as never)).toThrow('constant_: value must be a number, got "1" (a string)');
  });
});

describe('xavier and kaiming', () => {
  it('xavierUniform_: U(−a, a), a = gain·√3·√(2/(fanIn + fanOut)), for a Dense and a conv weight', () => {
    const a = Math.sqrt(3) * 2 * Math.sqrt(2 / (5 + 3));
    const w = xavierUniform_(zeros([3, 5]), { gain: 2, generator: new RandomGenerator(1) });
    expect(Array.from(w.buffer)).toEqual(uniforms(15, 1).map((u) => -a + 2 * a * u));
    // [out 4, in 2, kernel 3×3]: fanIn = 2·9 = 18, fanOut = 4·9 = 36
    const c = Math.sqrt(3) * Math.sqrt(2 / 54);
    const conv = xavierUniform_(zeros([4, 2, 3, 3]), { generator: new RandomGenerator(2) });
    expect(Array.from(conv.buffer)).toEqual(uniforms(72, 2).map((u) => -c + 2 * c * u));
  });

  it('xavierNormal_: N(0, gain²·2/(fanIn + fanOut))', () => {
    const std = Math.sqrt(2 / (5 + 3));
    expect(Array.from(xavierNormal_(zeros([3, 5]), { generator: new RandomGenerator(3) }).buffer)).toEqual(normals(15, 3).map((z) => std * z));
  });

  it("kaimingUniform_: bound √3·gain/√fan with PyTorch's defaults (leakyRelu, a = 0, fanIn)", () => {
    const bound = Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(5));
    expect(Array.from(kaimingUniform_(zeros([3, 5]), { generator: new RandomGenerator(4) }).buffer)).toEqual(uniforms(15, 4).map((u) => -bound + 2 * bound * u));
    // nn.Linear's own init: a = √5 gives bound 1/√fanIn
    const linear = Array.from(kaimingUniform_(zeros([200, 50]), { a: Math.sqrt(5), generator: new RandomGenerator(5) }).buffer);
    expect(Math.max(...linear.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(50));
    expect(Math.max(...linear.map(Math.abs))).toBeGreaterThan(0.99 / Math.sqrt(50));
    const tanhOut = Math.sqrt(3) * ((5 / 3) / Math.sqrt(3 * 4));
    const t = kaimingUniform_(zeros([3, 2, 4]), { mode: 'fanOut', nonlinearity: 'tanh', generator: new RandomGenerator(6) });
    expect(Array.from(t.buffer)).toEqual(uniforms(24, 6).map((u) => -tanhOut + 2 * tanhOut * u));
  });

  it('kaimingNormal_: N(0, gain²/fan)', () => {
    const std = Math.SQRT2 / Math.sqrt(3);
    expect(Array.from(kaimingNormal_(zeros([5, 3]), { nonlinearity: 'relu', generator: new RandomGenerator(7) }).buffer)).toEqual(normals(15, 7).map((z) => std * z));
  });

  it('refuse tensors of fewer than 2 dimensions and bad options', () => {
    expect(() => xavierUniform_(zeros([3]))).toThrow('xavierUniform_: fan in and fan out can not be computed for a tensor of shape [3]: it needs at least 2 dimensions ([out, in, ...])');
    expect(() => kaimingNormal_(tensor(1))).toThrow(/kaimingNormal_: fan in and fan out can not be computed for a tensor of shape \[\]/);
    expect(() => kaimingUniform_(zeros([2, 2]), { mode: 'fan_in' as 'fanIn' })).toThrow(`kaimingUniform_: mode must be 'fanIn' or 'fanOut', got "fan_in" (a string)`);
    expect(() => kaimingUniform_(zeros([2, 2]), { nonlinearity: 'gelu' as 'relu' })).toThrow(/unknown nonlinearity "gelu"/);
    expect(() => xavierUniform_(zeros([2, 2]), { gains: 1 } as never)).toThrow("xavierUniform_: unknown option 'gains'; the options are gain, generator");
  });
});

describe('layers without a seed draw from the global generator', () => {
  it('two unseeded Dense layers differ; manualSeed replays them', () => {
    const a = new Dense(4, 4), b = new Dense(4, 4);
    expect(a.weight.toArray()).not.toEqual(b.weight.toArray());
    manualSeed(11);
    const c = new Dense(4, 4), d = new Dense(4, 4, { init: 'uniform' });
    manualSeed(11);
    expect(new Dense(4, 4).weight.toArray()).toEqual(c.weight.toArray());
    const d2 = new Dense(4, 4, { init: 'uniform' });
    expect(d2.weight.toArray()).toEqual(d.weight.toArray());
    expect(d2.bias!.toArray()).toEqual(d.bias!.toArray());
    // the same stream as a fresh generator seeded alike: the weights are bound·(2u − 1) of it
    const bound = Math.sqrt(6 / 8);
    expect(Array.from(c.weight.buffer)).toEqual(uniforms(16, 11).map((u) => bound * (2 * u - 1)));
  });

  it('a seed or a generator leaves the global generator alone', () => {
    manualSeed(3);
    new Dense(4, 4, { seed: 1 });
    new Dense(4, 4, { generator: new RandomGenerator(2) });
    expect(rand([2]).toArray()).toEqual(uniforms(2, 3));
  });
});

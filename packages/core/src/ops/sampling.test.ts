import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { full } from '../create.js';
import { RandomGenerator, manualSeed } from '../random.js';
import { expectError } from '../test-utils/index.js';
import { bernoulli, multinomial, randint, randperm } from './sampling.js';

/** How often each of 0..n-1 occurs in `values`. */
const counts = (values: ArrayLike<number>, n: number) => {
  const c = new Array<number>(n).fill(0);
  for (const v of Array.from(values)) c[v]++;
  return c;
};

describe('randperm', () => {
  it('is a permutation of 0..n-1, the same for the same seed', () => {
    for (const n of [0, 1, 2, 7, 100]) {
      const p = randperm(n, { seed: n });
      expect(p.shape).toEqual([n]);
      expect(Array.from(p.buffer).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect(randperm(20, { seed: 3 })).toBeAllClose(randperm(20, { seed: 3 }));
    expect(Array.from(randperm(20, { seed: 3 }).buffer)).not.toEqual(Array.from(randperm(20, { seed: 4 }).buffer));
    expect(randperm(3, { dtype: 'float32', seed: 0 }).dtype).toBe('float32');
  });

  it('draws from a generator (which advances) or the default one (manualSeed)', () => {
    const g = new RandomGenerator(5);
    const first = randperm(10, { generator: g });
    const second = randperm(10, { generator: g });
    expect(first).toBeAllClose(randperm(10, { seed: 5 }));
    expect(Array.from(second.buffer)).not.toEqual(Array.from(first.buffer));
    manualSeed(11);
    const a = randperm(10);
    manualSeed(11);
    expect(randperm(10)).toBeAllClose(a);
  });

  it('puts every element everywhere about equally often', () => {
    // 3! = 6 orders of [0, 1, 2]: 6000 draws from one generator give each about 1000 times
    const g = new RandomGenerator(1);
    const seen = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = Array.from(randperm(3, { generator: g }).buffer).join();
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(seen.size).toBe(6);
    for (const c of seen.values()) expect(Math.abs(c - 1000)).toBeLessThan(120); // about 4 standard deviations
  });

  it('refuses a bad n and both seed and generator', () => {
    expectError(() => randperm(-1), ShapeError, ['randperm', 'non-negative integer', '-1']);
    expectError(() => randperm(2, { seed: 1, generator: new RandomGenerator(1) }), ChainruleError, ['randperm', 'either seed or generator']);
  });
});

describe('multinomial', () => {
  it('draws categories in proportion to the weights, never a zero weight (with replacement)', () => {
    const s = multinomial(tensor([1, 0, 3]), 8000, { replacement: true, seed: 2 });
    expect(s.shape).toEqual([8000]);
    const c = counts(s.buffer, 3);
    expect(c[1]).toBe(0);
    expect(Math.abs(c[0] - 2000)).toBeLessThan(160);
    expect(tensor([[1, 0], [0, 1]]).multinomial(3, { replacement: true, seed: 0 })).toBeAllClose([[0, 0, 0], [1, 1, 1]]);
  });

  it('without replacement draws each category at most once, the positive weights first', () => {
    const s = multinomial(tensor([0, 1, 0, 2]), 4, { seed: 7 });
    expect(Array.from(s.buffer).sort()).toEqual([0, 1, 2, 3]);
    expect(Array.from(s.buffer.slice(0, 2)).sort()).toEqual([1, 3]);
    expect(Array.from(s.buffer.slice(2))).toEqual([0, 2]); // the zero weights last, in order
    // the first draw follows the weights: category 3 (weight 2 of 3) about two thirds of the time
    const g = new RandomGenerator(9);
    let threes = 0;
    for (let i = 0; i < 3000; i++) if (multinomial(tensor([0, 1, 0, 2]), 1, { generator: g }).item() === 3) threes++;
    expect(Math.abs(threes - 2000)).toBeLessThan(110);
  });

  it('is the same for the same seed', () => {
    const w = tensor([0.2, 0.5, 0.3]);
    expect(multinomial(w, 10, { replacement: true, seed: 4 })).toBeAllClose(w.multinomial(10, { replacement: true, seed: 4 }));
  });

  it("refuses what PyTorch refuses", () => {
    expectError(() => multinomial(tensor([1, 1]), 3), ShapeError, ['multinomial', '3 samples without replacement from 2 categories']);
    expectError(() => multinomial(tensor([-1, 1]), 1), ChainruleError, ['weight -1', 'finite and non-negative']);
    expectError(() => multinomial(tensor([NaN, 1]), 1), ChainruleError, ['weight NaN']);
    expectError(() => multinomial(tensor([Infinity, 1]), 1), ChainruleError, ['weight Infinity']);
    expectError(() => multinomial(tensor([0, 0]), 1), ChainruleError, ['row 0', 'sum to 0']);
    expectError(() => multinomial(tensor([1, 1]), 0), ShapeError, ['numSamples', 'positive integer']);
    expectError(() => multinomial(tensor(1), 1), ShapeError, ['shape []', '1-D']);
  });
});

describe('bernoulli', () => {
  it('gives 1 with probability p, exactly for p = 0 and 1, and the same numbers for the same seed', () => {
    expect(bernoulli(tensor([0, 1, 0, 1]), { seed: 1 })).toBeAllClose([0, 1, 0, 1]);
    const s = bernoulli(full([10000], 0.3), { seed: 3 });
    const ones = Array.from(s.buffer).filter((v) => v === 1).length;
    expect(Math.abs(ones - 3000)).toBeLessThan(200);
    expect(full([5], 0.5).bernoulli({ seed: 8 })).toBeAllClose(bernoulli(full([5], 0.5), { seed: 8 }));
    expect(bernoulli(tensor([0.5], { requiresGrad: true })).requiresGrad).toBe(false);
  });

  it('refuses probabilities outside [0, 1]', () => {
    expectError(() => bernoulli(tensor([0.5, 1.5])), ChainruleError, ['bernoulli', 'probability 1.5', 'flat position 1', '[0, 1]']);
    expectError(() => bernoulli(tensor([NaN])), ChainruleError, ['probability NaN']);
  });
});

describe('randint', () => {
  it('draws whole numbers in [low, high), every value, seeded', () => {
    const r = randint(-3, 4, [2000], { seed: 5 });
    const values = Array.from(r.buffer);
    expect(values.every((v) => Number.isInteger(v) && v >= -3 && v < 4)).toBe(true);
    expect(new Set(values).size).toBe(7); // 2,000 draws of 7 values: each appears (missing one has probability ~7·(6/7)^2000)
    expect(randint(0, 10, [3, 4], { seed: 1 }).shape).toEqual([3, 4]);
    expect(Array.from(randint(0, 10, [20], { seed: 2 }).buffer)).toEqual(Array.from(randint(0, 10, [20], { seed: 2 }).buffer));
    expect(Array.from(randint(0, 10, [20], { seed: 2 }).buffer)).not.toEqual(Array.from(randint(0, 10, [20], { seed: 3 }).buffer));
    expect(randint(0, 2, [2], { dtype: 'float32', seed: 0 }).dtype).toBe('float32');
  });
  it('reads one uniform draw per element, as randperm and multinomial do (streams stay aligned)', () => {
    const g = new RandomGenerator(9);
    const u = Array.from({ length: 5 }, () => g.uniform());
    expect(Array.from(randint(10, 20, [5], { seed: 9 }).buffer)).toEqual(u.map((x) => 10 + Math.floor(x * 10)));
  });
  it('refuses bad bounds, shapes and inexact float32, naming randint', () => {
    expect(() => randint(3, 3, [2])).toThrow(/^randint: expected low < high, got low 3 and high 3$/);
    expect(() => randint(0.5, 3, [2])).toThrow(/^randint: low must be an integer, got 0.5$/);
    expect(() => randint(0, 3, [2, -1])).toThrow(/^randint: invalid shape/);
    expect(() => randint(0, 2 ** 25, [1], { dtype: 'float32' })).toThrow(/^randint: positions up to/);
  });
});

import { describe, expect, it } from 'vitest';
import { RandomGenerator, defaultGenerator, manualSeed } from './random.js';
import { rand, randn } from './create.js';

// An independent reference of the generator, in BigInt arithmetic (no Math.imul, no int32 tricks):
// splitmix32 expands the seed into the four words of xoshiro128** (Blackman and Vigna, 2018).
const M32 = 0xffffffffn;
function splitmix32(seed: bigint): () => bigint {
  let x = seed & M32;
  return () => {
    x = (x + 0x9e3779b9n) & M32;
    let z = x;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M32;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M32;
    return z ^ (z >> 16n);
  };
}
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;
function xoshiro128ss(s: bigint[]): () => bigint {
  return () => {
    const result = (rotl((s[1] * 5n) & M32, 7n) * 9n) & M32;
    const t = (s[1] << 9n) & M32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return result;
  };
}
/** The reference stream for a seed in [0, 2³²): uniforms from 27 + 26 bits, normals by the polar method. */
function reference(seed: number) {
  const sm = splitmix32(BigInt(seed));
  const next = xoshiro128ss([sm(), sm(), sm(), sm()]);
  const uniform = () => Number(((next() >> 5n) << 26n) + (next() >> 6n)) / 2 ** 53;
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * uniform() - 1;
      const v = 2 * uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        spare = v * m;
        return u * m;
      }
    }
  };
  return { next, uniform, normal };
}

describe('the reference itself', () => {
  it('xoshiro128** from state {1, 2, 3, 4} gives the published first outputs', () => {
    const next = xoshiro128ss([1n, 2n, 3n, 4n]);
    // the first two by hand: rotl(2·5, 7)·9 = 1280·9 = 11520; then s1 = 0, so rotl(0, 7)·9 = 0
    expect(Array.from({ length: 6 }, () => Number(next()))).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });
});

describe('RandomGenerator', () => {
  it('pins exact values for seed 42 (computed once with the reference above)', () => {
    const g = new RandomGenerator(42);
    expect([g.uniform(), g.uniform(), g.uniform()]).toEqual([0.6606157208001621, 0.1117019639532224, 0.0791056456144914]);
    const h = new RandomGenerator(42);
    expect([h.normal(), h.normal(), h.normal()]).toEqual([0.31875784963858494, -0.7706160167419408, 0.15178267621950975]);
  });

  it('matches the independent reference bit for bit on several seeds', () => {
    for (const seed of [0, 1, 7, 42, 123456789, 2 ** 32 - 1]) {
      const g = new RandomGenerator(seed);
      const r = reference(seed);
      for (let i = 0; i < 50; i++) expect(g.nextUint32()).toBe(Number(r.next()));
      for (let i = 0; i < 50; i++) expect(g.uniform()).toBe(r.uniform());
      for (let i = 0; i < 51; i++) expect(g.normal()).toBe(r.normal());
    }
  });

  it('a negative seed is taken modulo 2³² (-1 is seed 2³² - 1)', () => {
    const a = new RandomGenerator(-1);
    const r = reference(2 ** 32 - 1);
    for (let i = 0; i < 10; i++) expect(a.uniform()).toBe(r.uniform());
  });

  it('same seed, same numbers; different seeds, different numbers; reseeding restarts (and drops a spare normal)', () => {
    const a = new RandomGenerator(5);
    const b = new RandomGenerator(5);
    const c = new RandomGenerator(6);
    const xs = Array.from({ length: 10 }, () => a.uniform());
    expect(Array.from({ length: 10 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => c.uniform())).not.toEqual(xs);
    a.normal(); // leaves a spare
    a.seed(5);
    const fresh = new RandomGenerator(5);
    expect(a.normal()).toBe(fresh.normal());
  });

  it('uniform lies in [0, 1) with mean ½ and variance 1/12 over 1e5 samples', () => {
    const g = new RandomGenerator(2024);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = g.uniform();
      sum += u;
      sq += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // standard errors: mean √(1/12/n) ≈ 9e-4, variance ≈ 2.7e-4; bounds at about 5 of them
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.0046);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0014);
  });

  it('normal has mean 0, variance 1 and about 68.3% within one standard deviation over 1e5 samples', () => {
    const g = new RandomGenerator(99);
    const n = 100_000;
    let sum = 0;
    let sq = 0;
    let within = 0;
    for (let i = 0; i < n; i++) {
      const z = g.normal();
      sum += z;
      sq += z * z;
      if (Math.abs(z) < 1) within++;
    }
    const mean = sum / n;
    // standard errors: mean 1/√n ≈ 3.2e-3, variance √(2/n) ≈ 4.5e-3, fraction ≈ 1.5e-3; bounds at about 5
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(sq / n - mean * mean - 1)).toBeLessThan(0.023);
    expect(Math.abs(within / n - 0.6826894921370859)).toBeLessThan(0.0075);
  });

  it('refuses a non-finite seed', () => {
    expect(() => new RandomGenerator(NaN)).toThrow(TypeError);
    expect(() => new RandomGenerator(Infinity)).toThrow(/seed must be a finite number, got Infinity/);
  });
});

describe('manualSeed and the default generator', () => {
  it('reseeds the default generator, which rand and randn use', () => {
    manualSeed(42);
    const a = rand([3]);
    const r = reference(42);
    expect(Array.from(a.buffer)).toEqual([r.uniform(), r.uniform(), r.uniform()]);
    manualSeed(42);
    expect(Array.from(rand([3]).buffer)).toEqual(Array.from(a.buffer));
    manualSeed(3);
    const z = randn([4]);
    const r3 = reference(3);
    expect(Array.from(z.buffer)).toEqual([r3.normal(), r3.normal(), r3.normal(), r3.normal()]);
    manualSeed(0);
    expect(defaultGenerator.uniform()).toBe(reference(0).uniform());
  });
});

/**
 * A seeded pseudo-random generator that gives the same numbers on every machine: xoshiro128**
 * on 32-bit integer arithmetic (`Math.imul`, shifts), which JavaScript defines exactly. Randomness
 * never comes from `Math.random`.
 * @module
 */
import { ChainruleError } from './errors.js';

/**
 * xoshiro128** generator. Uniform doubles use 53 random bits; normals use Marsaglia's polar
 * method, which needs only `Math.log` and `Math.sqrt`. (Not named `Generator`: importing that name
 * would hide TypeScript's global `Generator<T>`, the type of a `function*`, in the importing file.)
 *
 * @example
 * ```ts
 * const g = new RandomGenerator(42);
 * g.uniform(); // the same number on every machine for seed 42
 * ```
 */
export class RandomGenerator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  /**
   * @param seed any integer. NOTE: it is folded to 32 bits (low 32 bits XOR the bits above) before
   * splitmix32 expands it, so seeds that fold alike, e.g. 4 and 2³² + 5, give the same stream.
   */
  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Resets the state from `seed`, expanded through splitmix32 so that nearby seeds differ. */
  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new TypeError(`RandomGenerator.seed: seed must be a finite number, got ${seed}`);
    let x = (Math.trunc(seed) >>> 0) ^ Math.trunc(seed / 4294967296);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spareNormal = null;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (mean 0, standard deviation 1). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * m;
        return u * m;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when a factory is given neither `seed` nor `generator`. */
export const defaultGenerator = new RandomGenerator(0);

/**
 * Reseeds the default generator, like `torch.manual_seed`.
 *
 * @example
 * ```ts
 * manualSeed(7); const a = rand([2]); manualSeed(7); const b = rand([2]); // a and b are equal
 * ```
 */
export function manualSeed(seed: number): void {
  defaultGenerator.seed(seed);
}

/**
 * @internal The generator a random op draws from: a new one from `seed`, the one given, or the
 * default one (which {@link manualSeed} sets). Giving both is refused, naming `op`.
 */
export function generatorFor(options: { seed?: number | undefined; generator?: RandomGenerator | undefined }, op: string): RandomGenerator {
  if (options.seed !== undefined && options.generator !== undefined) {
    throw new ChainruleError(`${op}: give either seed or generator, not both`);
  }
  if (options.seed !== undefined) return new RandomGenerator(options.seed);
  return options.generator ?? defaultGenerator;
}

/**
 * Shared helpers for the op tests: fast-check arbitraries for shapes and broadcasting pairs,
 * tensors from reference arrays, error assertions, and the gradcheck tolerances.
 * @module
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { Tensor, tensor } from '../tensor.js';
import { broadcastShape, type Ref } from './reference.js';

export * from './reference.js';

/** fast-check settings: a fixed seed (reproducible runs) and few runs (a fast suite). */
export const FC = { seed: 0x5eed, numRuns: 25 } as const;
/** Fewer runs for properties that run gradcheck/gradgradcheck (each is many forward passes). */
export const FC_GRAD = { seed: 0x5eed, numRuns: 12 } as const;

/**
 * Tolerances for gradcheck in these tests, tighter than gradcheck's PyTorch defaults (1e-5, 1e-3).
 * With eps = 1e-6 the central difference is off by eps²·|f'''|/6 ≈ 1e-12·|f'''| (truncation)
 * plus about 1e-16·|f|/eps ≈ 1e-10·|f| (rounding); test functions have |f| and |f'''| below ~100.
 */
export const GC = { atol: 1e-7, rtol: 1e-6 } as const;

/** A shape of rank 0..maxRank with dimensions 1..maxDim. */
export function shapeArb(maxRank = 3, maxDim = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 0, maxLength: maxRank });
}

/** A shape derived from `out` by dropping leading dimensions and turning some into 1. */
function broadcastableTo(out: number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([drop, toOne]) => out.slice(drop).map((d, i) => (toOne[i + drop] ? 1 : d)));
}

/** Two shapes that broadcast together, with their broadcast shape (computed by the reference). */
export function broadcastPairArb(maxRank = 3, maxDim = 3): fc.Arbitrary<{ a: number[]; b: number[]; out: number[] }> {
  return shapeArb(maxRank, maxDim)
    .chain((out) => fc.tuple(broadcastableTo(out), broadcastableTo(out)))
    .map(([a, b]) => ({ a, b, out: broadcastShape(a, b)! }));
}

/** A seed for the tests' own value generator. */
export const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

/** A float64 tensor with the given flat values and shape. */
export function t64(data: readonly number[], shape: readonly number[], requiresGrad = false): Tensor {
  return tensor(Float64Array.from(data), { shape, requiresGrad });
}

/** A tensor from a reference array. */
export function fromRef(r: Ref, requiresGrad = false): Tensor {
  return t64(r.data, r.shape, requiresGrad);
}

/** A tensor's values and shape as a reference array. */
export function toRef(t: Tensor): Ref {
  return { shape: [...t.shape], data: Array.from(t.buffer) };
}

/** Asserts the shape of `t` and that its values are close to `expected`'s (shapes must match too). */
export function expectRef(t: Tensor, expected: Ref, tol: { atol?: number; rtol?: number } = {}): void {
  expect([...t.shape]).toEqual(expected.shape);
  expect(t).toBeAllClose(t64(expected.data, expected.shape), tol);
}

/**
 * Asserts that `fn` throws an instance of `cls` whose message is exactly `message` (a string), or
 * matches it from start to end (a RegExp; anchor it with ^ and $).
 */
export function expectThrows(fn: () => unknown, cls: abstract new (...args: never[]) => Error, message: string | RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

/** Asserts that `fn` throws an instance of `cls` whose message contains every one of `parts`. */
export function expectError(fn: () => unknown, cls: abstract new (...args: never[]) => Error, parts: readonly (string | RegExp)[]): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  const message = (caught as Error).message;
  for (const p of parts) {
    if (typeof p === 'string') expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
}

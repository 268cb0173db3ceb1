// Shared test matchers, registered for every package's tests (vitest.config.ts setupFiles).
import fc from 'fast-check';
import { expect } from 'vitest';

// Property tests draw from a fixed seed so a CI run is repeatable; FC_SEED=<n> explores other inputs
// (fast-check prints the seed and the shrunk counterexample of any failure).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261129) });

interface TensorLikeForTests {
  shape: readonly number[];
  buffer: ArrayLike<number>;
}

function flatten(x: unknown): { shape: number[]; values: number[] } | null {
  if (typeof x === 'number') return { shape: [], values: [x] };
  if (x && typeof x === 'object' && 'buffer' in x && 'shape' in x) {
    const t = x as TensorLikeForTests;
    return { shape: [...t.shape], values: Array.from(t.buffer) };
  }
  if (Array.isArray(x)) {
    const shape: number[] = [];
    let v: unknown = x;
    while (Array.isArray(v)) {
      shape.push(v.length);
      v = v[0];
    }
    return { shape, values: (x as unknown[]).flat(Infinity) as number[] };
  }
  return null;
}

expect.extend({
  /**
   * Elementwise |actual - expected| <= atol + rtol * |expected| (NumPy's allclose), with equal
   * shapes. Accepts tensors, nested arrays and numbers. NaN matches NaN, Infinity matches itself.
   */
  toBeAllClose(received: unknown, expected: unknown, options: { atol?: number; rtol?: number } = {}) {
    const atol = options.atol ?? 1e-12;
    const rtol = options.rtol ?? 1e-12;
    const a = flatten(received);
    const b = flatten(expected);
    if (!a || !b) return { pass: false, message: () => `toBeAllClose: cannot compare ${String(received)} with ${String(expected)}` };
    if (a.shape.join(',') !== b.shape.join(',') && !(a.values.length === 1 && b.values.length === 1 && b.shape.length === 0)) {
      return { pass: false, message: () => `shape [${a.shape}] differs from expected [${b.shape}]` };
    }
    for (let i = 0; i < b.values.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      const same = Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= atol + rtol * Math.abs(y);
      if (!same) {
        return {
          pass: false,
          message: () => `element ${i}: ${x} is not close to ${y} (|diff| ${Math.abs(x - y)} > ${atol} + ${rtol}·|expected|)`,
        };
      }
    }
    return { pass: true, message: () => `expected values not to be all close` };
  },
});

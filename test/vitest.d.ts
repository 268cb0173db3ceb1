import 'vitest';

interface AllCloseMatchers<R = unknown> {
  /** Elementwise |actual - expected| ≤ atol + rtol·|expected| (defaults 1e-12 each), equal shapes. */
  toBeAllClose(expected: unknown, options?: { atol?: number; rtol?: number }): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends AllCloseMatchers<T> {}
}

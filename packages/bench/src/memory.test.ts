import { describe, expect, it } from 'vitest';
import { bytesPerStep, traceW1Memory } from './memory.js';

describe('the memory check', () => {
  it('measures the climb as a least-squares slope from a step on', () => {
    // by hand: points (100, 9000), (200, 9100), (300, 9200) lie on a line of slope 1
    expect(bytesPerStep([0, 100, 200, 300], [5000, 9000, 9100, 9200], 100)).toBe(1);
    // a flat heap that wanders: (100, 10), (200, 30), (300, 10) has slope 0
    expect(bytesPerStep([100, 200, 300], [10, 30, 10], 0)).toBe(0);
    // a leak of 16 bytes per step stands out against noise of ±20 KB
    const steps = [100_000, 150_000, 200_000, 250_000, 300_000, 350_000, 400_000];
    const noise = [20, -20, 15, -15, 20, -20, 0].map((k) => k * 1024);
    expect(bytesPerStep(steps, steps.map((s, i) => 6e6 + 16 * s + noise[i]!), 100_000)).toBeGreaterThan(15);
    expect(() => bytesPerStep([0, 100], [1, 2], 100)).toThrow(/need two checkpoints at step 100 or later, got 1/);
  });
  it('traces the heap at each checkpoint (needs --expose-gc, so only its refusal here)', () => {
    const gc = (globalThis as { gc?: unknown }).gc;
    if (gc === undefined) expect(() => traceW1Memory(10, 5, 0)).toThrow(/needs node --expose-gc/);
    else expect(traceW1Memory(10, 5, 0).heapUsed).toHaveLength(3);
  });
});

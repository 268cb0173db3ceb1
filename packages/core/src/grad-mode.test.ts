import { describe, expect, it } from 'vitest';
import { ChainruleError } from './errors.js';
import { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
import { tensor } from './tensor.js';

describe('grad mode', () => {
  it('noGrad switches recording off for the call only; enableGrad switches it back on inside', () => {
    expect(isGradEnabled()).toBe(true);
    const w = tensor(1, { requiresGrad: true });
    const inner = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return enableGrad(() => w.mul(2));
    });
    expect(inner.requiresGrad).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('refuses an async function before running any of it', async () => {
    let ran = false;
    const f = async () => {
      ran = true;
      await Promise.resolve();
      return tensor(1);
    };
    expect(() => noGrad(f)).toThrow(ChainruleError);
    expect(() => noGrad(f)).toThrow(/noGrad: refusing an async function/);
    expect(ran).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });

  it('refuses a function that returns a promise, and the mode does not leak into code that runs later', async () => {
    const w = tensor(1, { requiresGrad: true });
    let later: boolean | undefined;
    const f = () => Promise.resolve().then(() => { later = isGradEnabled(); });
    expect(() => noGrad(f)).toThrow(/returned a Promise/);
    await Promise.resolve();
    await Promise.resolve();
    expect(later).toBe(true);
    expect(w.mul(2).requiresGrad).toBe(true);
  });

  it('restores the mode when the function throws', () => {
    expect(() => noGrad(() => { throw new Error('x'); })).toThrow('x');
    expect(isGradEnabled()).toBe(true);
  });
});

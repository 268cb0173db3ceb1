import { describe, expect, it } from 'vitest';
import { ChainruleError } from './errors.js';
import { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
import { tensor } from './tensor.js';
import { expectThrows } from './test-utils/index.js';

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

  it('refuses a generator function before running any of it: its body would run at next(), after the mode is restored', () => {
    const w = tensor(1, { requiresGrad: true });
    for (const [name, run, mode] of [['noGrad', noGrad, 'off'], ['enableGrad', enableGrad, 'on']] as const) {
      let ran = false;
      const gen = function* () {
        ran = true;
        yield w.mul(2);
      };
      expectThrows(
        () => run(gen as never),
        ChainruleError,
        `${name}: refusing a generator function; its body runs later, at each next(), after grad mode ${mode} has been undone. ` +
          `Call ${name}(() => ...) around the tensor code inside the generator instead.`,
      );
      expect(ran).toBe(false);
      expect(isGradEnabled()).toBe(true);
    }
    // an async generator is async: refused as such
    expect(() => noGrad(async function* () {} as never)).toThrow(/^noGrad: refusing an async function;/);
  });

  it('refuses a function that returns a generator, whose body would run later just the same', () => {
    const w = tensor(1, { requiresGrad: true });
    let ran = false;
    function* doubled() {
      ran = true;
      yield w.mul(2);
    }
    expectThrows(
      () => noGrad(() => doubled()),
      ChainruleError,
      'noGrad: the function returned a generator; its body runs later, at each next(), after grad mode off has been undone. ' +
        'Call noGrad(() => ...) around the tensor code inside the generator instead.',
    );
    expect(ran).toBe(false);
    expect(isGradEnabled()).toBe(true);
    // the way that works: consume the generator inside the call
    expect(noGrad(() => [...doubled()])[0].requiresGrad).toBe(false);
  });

  it('restores the mode when the function throws', () => {
    expect(() => noGrad(() => { throw new Error('x'); })).toThrow('x');
    expect(isGradEnabled()).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { ChainruleError } from './errors.js';
import { enableGrad, isGradEnabled, noGrad, traceOps } from './grad-mode.js';
import { argmax, randperm } from './ops/index.js';
import { Tensor, tensor } from './tensor.js';
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

describe('traceOps (for exporters)', () => {
  it('records ops without a gradient rule when an input requires grad, and only inside the trace', () => {
    const x = tensor([3, 1, 2], { requiresGrad: true });
    expect(argmax(x).gradFn).toBeNull();
    const { result, ops } = traceOps(() => x.mul(2).argmax().add(x.gt(1).sum()));
    expect(result.gradFn?.op.name).toBe('add');
    const names = new Set<string>();
    const walk = (t: Tensor) => {
      if (t.gradFn === null) return;
      names.add(t.gradFn.op.name);
      t.gradFn.inputs.forEach(walk);
    };
    walk(result);
    expect([...names].sort()).toEqual(['add', 'argmax', 'gt', 'mul', 'sum']);
    expect([...ops].sort()).toEqual(['add', 'argmax', 'gt', 'mul', 'sum']);
    expect(isGradEnabled()).toBe(true);
  });

  it('gives the inputs of a traced op without a rule no gradient, as outside a trace', () => {
    const x = tensor([3, 1, 2], { requiresGrad: true });
    const { result } = traceOps(() => x.mul(x.gt(1)).sum());
    result.backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 1]);
  });

  it('names samplers that take no tensor, runs with grad on even inside noGrad, refuses nesting', () => {
    expect([...traceOps(() => randperm(3, { seed: 1 })).ops]).toEqual(['randperm']);
    const x = tensor([1, 2], { requiresGrad: true });
    expect(noGrad(() => traceOps(() => x.mul(2)).result.requiresGrad)).toBe(true);
    expect(isGradEnabled()).toBe(true);
    expect(() => traceOps(() => traceOps(() => 1))).toThrow(/already tracing/);
    expect(traceOps(() => 1).ops.size).toBe(0); // the refused nesting left no trace on
  });
});

// compile(step) in core alone: plans replayed bit-identical to eager runs, the guards that trace
// again, and every reason a step runs eagerly instead (each with the behaviour it protects).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor, Tensor, type TensorLike } from '../tensor.js';
import { noGrad, isGradEnabled } from '../grad-mode.js';
import { defineOp, type OpContext } from '../op.js';
import { allocBuffer } from '../dtype.js';
import { rand, randn } from '../create.js';
import { RandomGenerator, manualSeed } from '../random.js';
import { detectAnomaly } from '../autograd/anomaly.js';
import { compile } from './compile.js';
import { conv2d } from '../ops/conv.js';
import { sideEffect, invalidateCompiled } from './trace-state.js';
import { codeGenerationRefused } from '../test-utils/codegen.js';

/** Bits of a buffer, so that 0 and -0 or two NaNs compare as the bits they are. */
const bits = (b: Float64Array | Float32Array) => Array.from(new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));

/** A little network and a hand-written SGD update inside sideEffect, as a user without nn writes it. */
function twoLayer(seed: number) {
  const g = new RandomGenerator(seed);
  const w1 = randn([3, 4], { generator: g }).requiresGrad_();
  const w2 = randn([4, 2], { generator: g }).requiresGrad_();
  const b1 = randn([4], { generator: g }).requiresGrad_();
  const params = [w1, b1, w2];
  const lr = { value: 0.1 };
  const step = (x: Tensor, y: Tensor) => {
    const out = x.matmul(w1).add(b1).tanh().matmul(w2);
    const loss = out.sub(y).square().mean();
    loss.backward();
    sideEffect('sgd', () =>
      noGrad(() => {
        for (const p of params) {
          const grad = p.grad!.buffer;
          p.update((b) => {
            for (let i = 0; i < b.length; i++) b[i] -= lr.value * grad[i];
          });
          p.grad = null;
        }
      }),
    );
    return loss;
  };
  return { params, step, lr };
}

describe('compile: replays are bit-identical to eager runs', () => {
  it('fast-check: any batches, either runner, the same losses and parameters as eager after every step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 6 }), fc.boolean(), (seed, batch, steps, codegen) => {
        const eager = twoLayer(seed);
        const twin = twoLayer(seed);
        const compiled = compile(twin.step, { codegen });
        const g = new RandomGenerator(seed + 1);
        for (let s = 0; s < steps; s++) {
          const x = randn([batch, 3], { generator: g });
          const y = randn([batch, 2], { generator: g });
          expect(bits(compiled(x, y).buffer)).toEqual(bits(eager.step(x, y).buffer));
          twin.params.forEach((p, i) => expect(bits(p.buffer)).toEqual(bits(eager.params[i].buffer)));
          expect(compiled.lastRun).toBe(s === 0 ? 'trace' : 'replay');
        }
        expect(compiled.runner).toBe(steps === 1 ? null : codegen && !codeGenerationRefused ? 'generated' : 'interpreted');
      }),
      { numRuns: 40 },
    );
  });

  it('in-place methods at top level (an update written as PyTorch users write it) are steps of the plan', () => {
    const make = () => {
      const w = randn([3, 2], { generator: new RandomGenerator(4) }).requiresGrad_();
      const counter = tensor(0);
      const step = (x: Tensor) => {
        w.grad = null;
        x.matmul(w).tanh().sum().backward();
        noGrad(() => {
          w.sub_(w.grad!.mul(0.1));
          w.mul_(0.99);
          counter.add_(1);
        });
        return w.sum();
      };
      return { w, counter, step };
    };
    const eager = make();
    const twin = make();
    const compiled = compile(twin.step);
    const g = new RandomGenerator(5);
    for (let i = 0; i < 4; i++) {
      const x = randn([2, 3], { generator: g });
      expect(bits(compiled(x).buffer)).toEqual(bits(eager.step(x).buffer));
      expect(bits(twin.w.buffer)).toEqual(bits(eager.w.buffer));
    }
    expect(compiled.lastRun).toBe('replay');
    expect(twin.counter.item()).toBe(4);
    // a gradient scaled in place, then used: the plan's .grad is renewed at every replay
    const scaled = compile((x: Tensor) => {
      twin.w.grad = null;
      x.matmul(twin.w).sum().backward();
      noGrad(() => twin.w.grad!.mul_(0.5));
      return twin.w.grad!.mul(1);
    });
    const xs = [randn([2, 3], { generator: g }), randn([2, 3], { generator: g })];
    for (const x of xs) expect(Array.from(scaled(x).buffer)).toEqual(Array.from(x.sum(0).reshape([3, 1]).expand([3, 2]).mul(0.5).buffer));
    expect(scaled.lastRun).toBe('replay');
    expect(compiled.describe()).toContain('sub_ on a [3,2] tensor (side effect)');
  });

  it('a convolution traced before any other ran: its scratch, kept between calls, is not one of the plan’s buffers', () => {
    // (the first convolution of a process makes the scratch: when that was the trace, the replay found it made and allocated otherwise)
    const w = randn([4, 2, 3, 3], { generator: new RandomGenerator(6) }).requiresGrad_();
    const step = compile((x: Tensor) => {
      const loss = conv2d(x, w).square().sum();
      loss.backward();
      return loss;
    });
    const g = new RandomGenerator(7);
    for (let i = 0; i < 3; i++) {
      const x = randn([2, 2, 6, 6], { generator: g });
      w.grad = null;
      const compiled = bits(step(x).buffer);
      const compiledGrad = bits(w.grad!.buffer);
      w.grad = null;
      const eager = conv2d(x, w).square().sum();
      eager.backward();
      expect(compiled).toEqual(bits(eager.buffer));
      expect(compiledGrad).toEqual(bits(w.grad!.buffer));
    }
    expect(step.lastRun).toBe('replay');
  });

  it('a side effect reads what changed since the trace (a learning rate set between calls)', () => {
    const eager = twoLayer(5);
    const twin = twoLayer(5);
    const compiled = compile(twin.step);
    const x = tensor([[1, 2, 3]]);
    const y = tensor([[0.5, -0.5]]);
    for (const lr of [0.1, 0.1, 0.01, 0.3]) {
      eager.lr.value = lr;
      twin.lr.value = lr;
      expect(bits(compiled(x, y).buffer)).toEqual(bits(eager.step(x, y).buffer));
    }
    twin.params.forEach((p, i) => expect(bits(p.buffer)).toEqual(bits(eager.params[i].buffer)));
  });

  it('random samplers at top level draw again at each replay, from the generator as eager does', () => {
    const run = (compiled: boolean) => {
      manualSeed(9);
      const f = (x: Tensor) => x.mul(rand([2, 3])).add(randn([3]));
      const step = compiled ? compile(f) : f;
      return [0, 1, 2].map(() => bits(step(tensor([[1, 2, 3], [4, 5, 6]])).buffer));
    };
    const eager = run(false);
    expect(run(true)).toEqual(eager);
    expect(eager[1]).not.toEqual(eager[0]);
  });

  it('returns fresh copies without history, a list as a list, nothing as undefined', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const pair = compile((x: Tensor) => [x.mul(w), x.add(1)]);
    const first = pair(tensor([3, 4]));
    const second = pair(tensor([5, 6]));
    expect(first.map((t) => t.toArray())).toEqual([[3, 8], [4, 5]]);
    expect(second.map((t) => t.toArray())).toEqual([[5, 12], [6, 7]]);
    expect(second[0].gradFn).toBeNull();
    expect(second[0].buffer).not.toBe(first[0].buffer);
    const nothing = compile((x: Tensor) => {
      x.mul(w).sum().backward();
    });
    w.grad = null;
    nothing(tensor([1, 1]));
    expect(nothing(tensor([2, 3]))).toBeUndefined();
    expect(nothing.lastRun).toBe('replay');
    expect(w.grad!.toArray()).toEqual([3, 4]); // [1, 1] from the trace plus [2, 3] from the replay, accumulated as eager would
  });

  it('an argument changed in place between calls is copied in again', () => {
    const f = compile((x: Tensor) => x.mul(2));
    const x = tensor([1, 2]);
    f(x);
    noGrad(() => x.add_(1));
    expect(f(x).toArray()).toEqual([4, 6]);
  });

  it('tensors the step closes over are read where they live: an in-place change is seen', () => {
    const w = tensor([1, 2]);
    const f = compile((x: Tensor) => x.mul(w));
    f(tensor([1, 1]));
    noGrad(() => w.mul_(10));
    expect(f(tensor([1, 1])).toArray()).toEqual([10, 20]);
  });

  it('describe() lists the plan: ops with their result shapes, side effects, gradients stored', () => {
    const m = twoLayer(1);
    const step = compile(m.step);
    step(tensor([[1, 2, 3]]), tensor([[1, 2]]));
    const lines = step.describe();
    expect(lines[0]).toBe('matmul → [1,4]');
    expect(lines).toContain('sgd (side effect)');
    expect(lines.filter((l) => l.startsWith('accumulate .grad'))).toHaveLength(3);
  });
});

describe('compile: guards trace again', () => {
  it('another argument shape or dtype traces a new plan, up to maxPlans; then runs eagerly, saying why', () => {
    const f = compile((x: Tensor) => x.square().sum(), { maxPlans: 2 });
    f(tensor([1, 2]));
    f(tensor([1, 2, 3]));
    expect(f.plans).toBe(2);
    expect(f(tensor([[1]])).item()).toBe(1);
    expect(f.lastRun).toBe('eager');
    expect(f.eagerReason).toMatch(/2 plans are kept already/);
    expect(f(tensor([3, 4])).item()).toBe(25);
    expect(f.lastRun).toBe('replay');
    expect(f(tensor([1, 2], { dtype: 'float32' })).item()).toBe(5);
    expect(f.lastRun).toBe('eager');
  });

  it('grad mode and requiresGrad changes trace again', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const f = compile((x: Tensor) => x.mul(w));
    f(tensor([1, 1]));
    expect(f(tensor([1, 1])).requiresGrad).toBe(false);
    noGrad(() => f(tensor([1, 1])));
    expect(f.lastRun).toBe('trace');
    w.requiresGrad = false;
    f(tensor([1, 1]));
    expect(f.lastRun).toBe('trace');
    invalidateCompiled();
    f(tensor([1, 1]));
    expect(f.lastRun).toBe('trace');
    expect(isGradEnabled()).toBe(true);
  });

  it('reset() forgets every plan', () => {
    const f = compile((x: Tensor) => x.add(1));
    f(tensor(1));
    f.reset();
    f(tensor(1));
    expect(f.lastRun).toBe('trace');
  });
});

describe('compile: what runs eagerly, with the reason', () => {
  const cases: [string, (w: Tensor) => (x: Tensor) => Tensor | void, RegExp][] = [
    ['reading a value', (w) => (x) => tensor(x.mul(w).sum().item()), /item\(\) read the values of a tensor of shape \[\]/],
    ['printing a tensor', (w) => (x) => { String(x.mul(w)); return x; }, /toString\(\) read the values/],
    ['a write through update()', (w) => (x) => noGrad(() => x.mul(w).update((b) => b.fill(1))), /update wrote a tensor of shape \[2\] through a function/],
    ['a gradient hook', (w) => (x) => { const y = x.mul(w); y.registerHook((g) => g.mul(2)); y.sum().backward(); return y; }, /a gradient hook ran during backward/],
    ['higher-order gradients', (w) => (x) => { x.mul(w).square().sum().backward({ createGraph: true }); return x; }, /createGraph/],
    ['setting .grad to a tensor', (w) => (x) => { w.grad = x.mul(2); return x; }, /\.grad of a \[2\] tensor was set to a tensor/],
    ['an in-place change of a tensor made from numbers in the step', (w) => (x) => { const acc = tensor([0, 0]); noGrad(() => acc.add_(x.mul(w))); return acc; }, /add_ changed a tensor of shape \[2\] that the step made from numbers/],
  ];
  for (const [what, make, reason] of cases) {
    it(`${what}: every call runs eagerly, as the step's own code would`, () => {
      const w = tensor([1, 2], { requiresGrad: true });
      const f = compile(make(w));
      f(tensor([3, 4]));
      expect(f.lastRun).toBe('eager');
      expect(f.eagerReason).toMatch(reason);
      f(tensor([3, 4]));
      expect(f.lastRun).toBe('eager');
    });
  }

  it('a step that returns a number runs eagerly and returns it', () => {
    const f = compile(((x: Tensor) => x.sum().buffer[0]) as unknown as (x: Tensor) => Tensor);
    expect(f(tensor([1, 2])) as unknown).toBe(3);
    expect(f.eagerReason).toMatch(/returned the number 3/);
  });

  it('anomaly detection, nesting, and an argument that requires grad run eagerly', () => {
    const f = compile((x: Tensor) => x.mul(2));
    detectAnomaly(() => f(tensor(1)));
    expect(f.eagerReason).toMatch(/anomaly detection/);
    const outer = compile((x: Tensor) => f(x).add(1));
    outer(tensor(1));
    expect(f.eagerReason).toMatch(/inside another trace/);
    expect(outer.lastRun).toBe('trace');
    f(tensor(1, { requiresGrad: true }));
    expect(f.eagerReason).toMatch(/argument 0 requires grad/);
  });

  it('a forward that makes a tensor outside the allocator, read by a later op: refused, naming the op', () => {
    const leaky = defineOp({
      name: 'leaky',
      inputs: ['x'],
      forward: (ctx: OpContext<{ side: Tensor[] }>, x) => {
        ctx.params.side.push(new Tensor(x.buffer.map((v) => v * 3), x.shape));
        return x.mul(1);
      },
    });
    const side: Tensor[] = [];
    const f = compile((x: Tensor) => {
      leaky(x, { side });
      return x.add(side[side.length - 1]);
    });
    f(tensor([1, 2]));
    expect(f.eagerReason).toMatch(/add's input 'b' \(shape \[2\]\) was made by the forward of leaky outside the allocator/);
  });

  it('a replay whose op allocates otherwise than traced throws a clear error, then runs eagerly', () => {
    // an op whose result size depends on the values: the positive elements
    const positives = defineOp({
      name: 'positives',
      inputs: ['x'],
      forward: (ctx, x) => {
        const kept = Array.from(x.buffer).filter((v) => v > 0);
        const out = allocBuffer(x.dtype, kept.length);
        out.set(kept);
        return { buffer: out, shape: [kept.length] };
      },
    });
    const f = compile((x: Tensor) => positives(x));
    f(tensor([1, -1, 2]));
    expect(() => f(tensor([1, 2, 3]))).toThrow(/positives asked for a float64 buffer of 3 elements as its allocation #1, but when traced it made one of 2/);
    expect(f(tensor([1, 2, 3])).toArray()).toEqual([1, 2, 3]);
    expect(f.lastRun).toBe('eager');
  });
});

describe('compile: bad input', () => {
  it('names what is wrong', () => {
    expect(() => compile(3 as unknown as () => void)).toThrow(/compile: expected the step as a function, got number/);
    expect(() => compile(() => undefined, { maxPlans: 0 })).toThrow(/maxPlans must be a whole number ≥ 1, got 0/);
    expect(() => compile(() => undefined, { cache: 1 } as never)).toThrow(/unknown option 'cache'/);
    const f = compile((x: Tensor) => x);
    expect(() => (f as unknown as (x: TensorLike) => Tensor)([1, 2])).toThrow(/argument 0 is object; a compiled step takes tensors/);
    expect(() => sideEffect(1 as unknown as string, () => 0)).toThrow(/sideEffect: expected a name and a function/);
  });
});

import { describe, expect, it } from 'vitest';
import { AutogradError } from '../errors.js';
import { noGrad } from '../grad-mode.js';
import { Tensor, tensor } from '../tensor.js';
import { defineOp } from '../op.js';
import { randn } from '../create.js';
import { backward, gradients } from './engine.js';

describe('backward', () => {
  it('sums the gradient over every use of a non-leaf tensor: b = a + a; c = b * b', () => {
    const a = tensor([1.5, -2], { requiresGrad: true });
    const b = a.add(a);
    const c = b.mul(b).sum();
    c.backward();
    // c = (2a)² = 4a², dc/da = 8a
    expect(a.grad).toBeAllClose([12, -16], { atol: 0, rtol: 0 });
  });

  it('accumulates into .grad across backward calls until zeroed, as PyTorch does', () => {
    const x = tensor(3, { requiresGrad: true });
    x.mul(x).backward();
    x.mul(x).backward();
    expect(x.grad!.item()).toBe(12); // 6 + 6
    const held = x.grad!;
    x.zeroGrad({ setToNone: false });
    expect(x.grad).toBe(held); // zeroed in place, buffer kept
    expect(held.item()).toBe(0);
    x.mul(4).backward();
    expect(x.grad!.item()).toBe(4);
    x.zeroGrad(); // the default, as PyTorch 2's zero_grad: drop it
    expect(x.grad).toBeNull();
    x.mul(4).backward();
    x.zeroGrad({ setToNone: true });
    expect(x.grad).toBeNull();
  });

  it('never lets one leaf accumulate into a gradient another leaf holds (add passes grad to both)', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    a.add(b).sum().backward();
    expect(a.grad).toBeAllClose([2, 2]);
    expect(b.grad).toBeAllClose([2, 2]);
    expect(a.grad).not.toBe(b.grad);
  });

  it('frees the graph by default: a second backward is a clear error', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.mul(x);
    y.backward();
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(/mul.*second time.*retainGraph/);
  });

  it('keeps the graph with retainGraph (options may come first)', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = x.mul(x);
    y.backward({ retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBe(8);
  });

  it('needs an explicit gradient for a non-scalar output, and uses it as the vector of vᵀJ', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(/shape \[3\].*one-element/);
    y.backward([1, 0.5, -1]);
    expect(x.grad).toBeAllClose([2, 2, -6], { atol: 0, rtol: 0 });
  });

  it('refuses a gradient of the wrong shape for the output', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward([1, 2, 3])).toThrow(/gradient has shape \[3\] but the output has shape \[2\]/);
  });

  it('refuses backward on a tensor with no graph', () => {
    expect(() => tensor(1).backward()).toThrow(/does not require grad/);
  });

  it('walks a chain of 1,000,000 ops without overflowing the stack', () => {
    const x = tensor(1, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 1_000_000; i++) y = y.add(1e-6);
    y.backward();
    expect(x.grad!.item()).toBe(1);
    expect(y.item()).toBeCloseTo(2, 9);
  });

  it('retainGrad keeps the gradient of a non-leaf; leaves always keep theirs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const skipped = x.mul(3);
    h.mul(h).sum().add(skipped.sum()).backward();
    expect(h.grad).toBeAllClose([6, 12]); // d(h²)/dh = 2h
    expect(skipped.grad).toBeNull();
    expect(x.grad).toBeAllClose([21, 39]); // 2h·3 + 3
  });

  it('calls gradient hooks, lets them replace the gradient, and removes them', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    const remove = x.registerHook((g) => {
      seen.push(Array.from(g.buffer));
      return g.mul(10);
    });
    x.mul(x).sum().backward();
    expect(seen).toEqual([[2, 4]]);
    expect(x.grad).toBeAllClose([20, 40]);
    remove();
    x.zeroGrad();
    x.mul(x).sum().backward();
    expect(x.grad).toBeAllClose([2, 4]);
  });

  it('refuses a hook result of the wrong shape', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.registerHook(() => tensor([1, 2, 3]));
    expect(() => x.sum().backward()).toThrow(/gradient hook.*shape \[3\].*shape \[2\]/);
  });
});

describe('gradient control', () => {
  it('noGrad records nothing and restores the mode, also after a throw', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(w.mul(2).requiresGrad).toBe(true);
  });

  it('detach cuts the graph and shares nothing', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const d = w.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = w.mul(d).sum(); // d is a constant here
    y.backward();
    expect(w.grad).toBeAllClose([2, 4]);
  });

  it('requiresGrad is settable on leaves only', () => {
    const x = tensor(1);
    x.requiresGrad = true;
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(() => { x.mul(2).requiresGrad = false; }).toThrow(/leaf.*mul.*detach/);
  });

  it('detects a saved tensor modified in place before backward (version counter)', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const a = tensor([3, 4]);
    const y = w.mul(a).sum();
    a.add_(1);
    expect(a.version).toBe(1);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => w.mul(a).sum().backward()).not.toThrow(); // a fresh graph saves the new version
    const z = w.sigmoid(); // saves its output
    const loss = z.sum();
    noGrad(() => z.mul_(2));
    expect(() => loss.backward()).toThrow(/backward of sigmoid: its output \(shape \[2\]\) was saved for backward at version 0 .*now version 1/);
  });

  it('refuses in-place changes of a tensor that requires grad while recording', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(/add_: in-place change of a tensor that requires grad/);
    expect(w.toArray()).toEqual([1, 2]);
    noGrad(() => w.sub_(1));
    expect(w.toArray()).toEqual([0, 1]);
  });
});

describe('gradients (torch.autograd.grad)', () => {
  it('returns gradients without touching .grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [g] = gradients(x.mul(x).sum(), [x]);
    expect(g).toBeAllClose([2, 4]);
    expect(x.grad).toBeNull();
  });

  it('gives null, or zeros on request, for an input the output does not depend on', () => {
    const x = tensor(1, { requiresGrad: true });
    const unused = tensor([1, 2], { requiresGrad: true });
    expect(gradients(x.mul(2), [x, unused])[1]).toBeNull();
    expect(gradients(x.mul(2), [x, unused], { allowUnused: 'zeros' })[1]).toBeAllClose([0, 0]);
  });

  it('d²/dx² of x³ at 2 is 12 (createGraph)', () => {
    const x = tensor(2, { requiresGrad: true });
    const [dx] = gradients(x.pow(3), [x], { createGraph: true });
    expect(dx!.item()).toBe(12);
    const [d2x] = gradients(dx!, [x]);
    expect(d2x!.item()).toBe(12);
  });

  it("tanh's first three derivatives at 2 (backward({ createGraph: true }))", () => {
    const x = tensor(2, { requiresGrad: true });
    x.tanh().backward({ createGraph: true });
    const d1 = x.grad!;
    x.grad = null;
    d1.backward({ createGraph: true });
    const d2 = x.grad!;
    x.grad = null;
    d2.backward();
    const d3 = x.grad!;
    // closed forms: t' = 1 - t², t'' = -2t(1 - t²), t''' = (6t² - 2)(1 - t²)
    const t = Math.tanh(2);
    expect(d1.item()).toBeAllClose(1 - t * t, { rtol: 1e-15, atol: 0 });
    expect(d2.item()).toBeAllClose(-2 * t * (1 - t * t), { rtol: 1e-15, atol: 0 });
    expect(d3.item()).toBeAllClose((6 * t * t - 2) * (1 - t * t), { rtol: 1e-14, atol: 0 });
    // the figures the issue states
    expect(d1.item()).toBeCloseTo(0.07065082485316443, 16);
    expect(d2.item()).toBeCloseTo(-0.13621868742711296, 16);
    expect(d3.item()).toBeCloseTo(0.2526540650980626, 15);
  });

  it('a Hessian-vector product of a small MLP loss agrees with finite differences of the gradient', () => {
    const x = randn([5, 3], { seed: 11 });
    const target = randn([5, 2], { seed: 12 });
    const w1 = randn([3, 4], { seed: 13 });
    const w2 = randn([4, 2], { seed: 14 });
    const v1 = randn([3, 4], { seed: 15 });
    const v2 = randn([4, 2], { seed: 16 });
    const loss = (a: Tensor, b: Tensor) => x.matmul(a).tanh().matmul(b).sigmoid().sub(target).square().mean();
    const grad = (a: Tensor, b: Tensor, createGraph: boolean) => {
      const A = createGraph ? a : a.detach().requiresGrad_();
      const B = createGraph ? b : b.detach().requiresGrad_();
      return gradients(loss(A, B), [A, B], { createGraph }) as Tensor[];
    };
    const a = w1.detach().requiresGrad_();
    const b = w2.detach().requiresGrad_();
    const [ga, gb] = grad(a, b, true);
    const gv = ga.mul(v1).sum().add(gb.mul(v2).sum());
    const [hva, hvb] = gradients(gv, [a, b]) as Tensor[];
    const eps = 1e-5;
    const [pa, pb] = grad(w1.add(v1.mul(eps)), w2.add(v2.mul(eps)), false);
    const [ma, mb] = grad(w1.sub(v1.mul(eps)), w2.sub(v2.mul(eps)), false);
    // central differences of the gradient: error O(eps²·|third derivative|) plus rounding
    // O(1e-16/eps); 1e-8 absolute covers both for values of order 1e-1.
    expect(hva).toBeAllClose(pa.sub(ma).div(2 * eps), { atol: 1e-8, rtol: 1e-6 });
    expect(hvb).toBeAllClose(pb.sub(mb).div(2 * eps), { atol: 1e-8, rtol: 1e-6 });
  });

  it('refuses an input that does not require grad', () => {
    const x = tensor(1);
    const w = tensor(1, { requiresGrad: true });
    expect(() => gradients(w.mul(x), [x])).toThrow(/input 0.*does not require grad/);
  });
});

describe('backward function form', () => {
  it('backward(t) is t.backward()', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    backward(x.square().sum());
    expect(x.grad).toBeAllClose([2, 4]);
  });

});

describe('a backward that fails part-way', () => {
  it('leaves every .grad and the graph unchanged, so a corrected call can run', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.mul(2).sum().backward();
    const before = Array.from(a.grad!.buffer);
    // b's branch has a hook that throws once: the walk reaches a (and could update it) before failing
    let fail = true;
    const hooked = b.mul(1);
    hooked.registerHook((g) => {
      if (fail) throw new Error('hook failed');
      return g;
    });
    // the walk visits the first input's branch last in depth-first post-order, so in reverse
    // topological order a's branch comes before hooked's: a is reached, then the hook throws
    const loss = hooked.sum().add(a.mul(3).sum());
    expect(() => loss.backward()).toThrow('hook failed');
    expect(Array.from(a.grad!.buffer)).toEqual(before);
    expect(b.grad).toBeNull();
    fail = false;
    loss.backward(); // the graph was not freed by the failed call
    expect(a.grad).toBeAllClose([5, 5]);
    expect(b.grad).toBeAllClose([1, 1]);
  });
});

describe('gradient ownership: a leaf may take its first gradient without a copy, never an aliased one', () => {
  it('a gradient a hook kept is not changed by later accumulation', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let kept: Tensor | null = null;
    x.registerHook((g) => {
      kept ??= g;
    });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad).toBeAllClose([6, 6]);
    expect(kept).toBeAllClose([3, 3]);
  });

  it('a retained non-leaf gradient and the leaf gradient it flows into are separate', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const h = a.clone().retainGrad(); // clone passes its gradient through unchanged
    h.mul(2).sum().backward({ retainGraph: true });
    expect(h.grad).not.toBe(a.grad);
    h.mul(2).sum().backward();
    expect(a.grad).toBeAllClose([4, 4]);
    expect(h.grad).toBeAllClose([4, 4]);
  });

  it('a backward that returns a tensor it did not make (a saved constant) never becomes a .grad', () => {
    const c = tensor([5, 7]);
    const timesConstant = defineOp({
      name: 'timesConstant',
      inputs: ['x', 'c'],
      forward: (ctx, x, k) => {
        ctx.save(k);
        return x.mul(k);
      },
      // only valid for a gradient of ones, which is all this test sends: returns the saved tensor itself
      backward: { x: (ctx) => ctx.saved[0] },
    });
    const x = tensor([1, 1], { requiresGrad: true });
    timesConstant(x, c).backward([1, 1]);
    expect(x.grad).not.toBe(c);
    timesConstant(x, c).backward([1, 1]);
    expect(x.grad).toBeAllClose([10, 14]);
    expect(c.toArray()).toEqual([5, 7]);
  });

  it('a user-supplied output gradient is never taken over', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seed = tensor([1, 1]);
    x.clone().backward(seed);
    x.clone().backward(seed);
    expect(seed.toArray()).toEqual([1, 1]);
    expect(x.grad).toBeAllClose([2, 2]);
  });

  it('takes over a gradient made during the walk and held by one leaf only (no copy)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let seen: Tensor | null = null;
    const probe = defineOp({
      name: 'probe',
      inputs: ['x'],
      forward: (_c, t) => t.mul(1),
      backward: {
        x: (_c, g) => {
          seen = g.mul(2);
          return seen;
        },
      },
    });
    probe(x).sum().backward();
    expect(x.grad).toBe(seen);
  });
});

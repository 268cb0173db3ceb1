/**
 * A `.grad` never shares storage with any other tensor the user can reach: another tensor's
 * `.grad`, the seed passed to backward, a hook's argument or result, a retained gradient, a result
 * of `gradients()`, with or without createGraph and retainGraph (the engine's GRADIENT OWNERSHIP
 * rule). First the cases found by hand, then a property over random graphs and call sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noGrad } from '../grad-mode.js';
import { defineOp } from '../op.js';
import { Tensor, tensor } from '../tensor.js';
import { FC } from '../test-utils/index.js';
import { gradients } from './engine.js';

/** True when two tensors' buffers are views of one piece of memory. */
function sharesStorage(a: Tensor, b: Tensor): boolean {
  return a.buffer.buffer === b.buffer.buffer;
}

function leaves(): [Tensor, Tensor] {
  return [tensor([1, 2], { requiresGrad: true }), tensor([3, 4], { requiresGrad: true })];
}

describe('no .grad shares storage with another reachable tensor: the cases found by hand', () => {
  it('after backward({ createGraph: true }), a backward into x alone leaves y.grad at [1, 1] (PyTorch)', () => {
    const [x, y] = leaves();
    x.add(y).sum().backward({ createGraph: true });
    x.mul(5).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
    expect(y.grad!.toArray()).toEqual([1, 1]);
  });

  it('the same with retainGraph, and with a second createGraph backward', () => {
    for (const second of [{ retainGraph: true }, { createGraph: true }, {}]) {
      const [x, y] = leaves();
      const s = x.add(y).sum();
      s.backward({ createGraph: true });
      s.backward(second);
      x.mul(5).sum().backward(second);
      expect(x.grad!.toArray()).toEqual([7, 7]);
      expect(y.grad!.toArray()).toEqual([2, 2]);
      expect(sharesStorage(x.grad!, y.grad!)).toBe(false);
    }
  });

  it('zeroing one leaf\'s .grad, or changing it in place, leaves the other leaf\'s', () => {
    for (const createGraph of [true, false]) {
      const [x, y] = leaves();
      x.add(y).sum().backward({ createGraph });
      x.zeroGrad({ setToNone: false });
      expect(x.grad!.toArray()).toEqual([0, 0]);
      expect(y.grad!.toArray()).toEqual([1, 1]);
      noGrad(() => y.grad!.mul_(3));
      expect(x.grad!.toArray()).toEqual([0, 0]);
      expect(y.grad!.toArray()).toEqual([3, 3]);
      x.zeroGrad();
      expect(x.grad).toBeNull();
      expect(y.grad!.toArray()).toEqual([3, 3]);
    }
  });

  it('the same when the gradients are part of a graph (x.mul(y) under createGraph)', () => {
    const [x, y] = leaves();
    x.mul(y).sum().backward({ createGraph: true });
    expect(x.grad!.gradFn).not.toBeNull(); // d/dx = y, recorded
    noGrad(() => x.grad!.zero_());
    expect(y.grad!.toArray()).toEqual([1, 2]);
    expect(x.toArray()).toEqual([1, 2]);
    expect(y.toArray()).toEqual([3, 4]);
  });

  it('the seed passed to backward is never changed by later accumulation', () => {
    for (const createGraph of [false, true]) {
      const [x, y] = leaves();
      const seed = tensor([1, 1]);
      x.add(y).backward(seed, { createGraph });
      x.add(y).backward(seed);
      x.mul(5).backward(seed);
      x.backward(seed); // a leaf as the root: the seed itself reaches x
      x.backward(seed);
      expect(seed.toArray()).toEqual([1, 1]);
      expect(x.grad!.toArray()).toEqual([9, 9]);
      expect(y.grad!.toArray()).toEqual([2, 2]);
      for (const g of [x.grad!, y.grad!]) expect(sharesStorage(g, seed)).toBe(false);
    }
  });

  it('a hook\'s argument is never a .grad, and later backward calls do not change it', () => {
    for (const createGraph of [false, true]) {
      const [x, y] = leaves();
      const seen: Tensor[] = [];
      const h = x.add(y);
      h.registerHook((g) => {
        seen.push(g);
      });
      x.registerHook((g) => {
        seen.push(g);
      });
      h.sum().backward({ createGraph });
      x.mul(5).sum().backward();
      expect(seen.map((g) => g.toArray())).toEqual([[1, 1], [1, 1], [5, 5]]);
      for (const g of seen) for (const held of [x.grad!, y.grad!]) expect(sharesStorage(g, held)).toBe(false);
      expect(x.grad!.toArray()).toEqual([6, 6]);
      expect(y.grad!.toArray()).toEqual([1, 1]);
    }
  });

  it('a tensor a hook returns (and keeps) never becomes a .grad', () => {
    const [x, y] = leaves();
    const kept = tensor([10, 10]);
    x.registerHook(() => kept);
    x.add(y).sum().backward({ createGraph: true });
    x.add(y).sum().backward();
    expect(kept.toArray()).toEqual([10, 10]);
    expect(x.grad!.toArray()).toEqual([20, 20]);
    expect(y.grad!.toArray()).toEqual([2, 2]);
  });

  it('a retained gradient is never the .grad of another tensor', () => {
    for (const createGraph of [false, true]) {
      const [x, y] = leaves();
      const h = x.add(y).retainGrad();
      h.sum().backward({ createGraph });
      const all = [h.grad!, x.grad!, y.grad!];
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(sharesStorage(all[i], all[j])).toBe(false);
      x.mul(5).sum().backward();
      expect(h.grad!.toArray()).toEqual([1, 1]);
      expect(y.grad!.toArray()).toEqual([1, 1]);
      expect(x.grad!.toArray()).toEqual([6, 6]);
    }
  });

  it('gradients() returns tensors of its own: not the seed, not each other, not a .grad', () => {
    for (const createGraph of [false, true]) {
      const [x, y] = leaves();
      const seed = tensor([1, 1]);
      const [gx, gy, gx2] = gradients(x.add(y), [x, y, x], { gradOutputs: [seed], createGraph }) as Tensor[];
      const all = [gx, gy, gx2, seed];
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(sharesStorage(all[i], all[j])).toBe(false);
      x.add(y).sum().backward();
      for (const g of [gx, gy, gx2]) {
        expect(sharesStorage(g, x.grad!)).toBe(false);
        expect(sharesStorage(g, y.grad!)).toBe(false);
      }
    }
  });
});

// ---------------------------------------------------------------- the property

/** Passes its gradient on as the same tensor, as add, clone and cast do (the case that aliases). */
const passThrough = defineOp({
  name: 'passThrough',
  inputs: ['x'],
  forward: (_ctx, x) => x.mul(1),
  backward: { x: (_ctx, grad) => grad },
});

/**
 * Σ x·c for a constant c the user holds. Its rule returns c itself when the incoming gradient is
 * exactly 1 (the right value then): a tensor the engine did not make must never become a `.grad`.
 */
const dotConstant = defineOp({
  name: 'dotConstant',
  inputs: ['x', 'c'],
  forward(ctx, x, c) {
    ctx.save(c);
    return x.mul(c).sum();
  },
  backward: { x: (ctx, grad) => (grad.size === 1 && grad.buffer[0] === 1 ? ctx.saved[0] : grad.mul(ctx.saved[0])) },
});

const OPS = ['add', 'sub', 'mul', 'square', 'clone', 'cast', 'expand', 'sum', 'passThrough', 'dotConstant'] as const;
const HOOKS = ['none', 'observe', 'returnSame', 'returnNew', 'returnKept'] as const;
type HookKind = (typeof HOOKS)[number];

interface NodeSpec {
  op: (typeof OPS)[number];
  a: number;
  b: number;
  retain: boolean;
  hook: HookKind;
}

type Step =
  | {
      kind: 'backward' | 'gradients';
      nodes: NodeSpec[];
      leafHooks: HookKind[];
      root: number;
      createGraph: boolean;
      retainGraph: boolean;
      explicitSeed: boolean;
      twice: boolean;
      inputs: number[];
      allowUnused: 'null' | 'zeros';
    }
  | { kind: 'zeroGrad'; leaf: number; setToNone: boolean }
  | { kind: 'mutate'; target: number; how: 'mul_' | 'zero_' | 'add_' | 'zeroGrad' };

const nodeArb: fc.Arbitrary<NodeSpec> = fc.record({
  op: fc.constantFrom(...OPS),
  a: fc.nat(50),
  b: fc.nat(50),
  retain: fc.boolean(),
  hook: fc.constantFrom(...HOOKS),
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('backward' as const, 'gradients' as const),
      nodes: fc.array(nodeArb, { minLength: 1, maxLength: 6 }),
      leafHooks: fc.array(fc.constantFrom(...HOOKS), { minLength: 3, maxLength: 3 }),
      root: fc.nat(50),
      createGraph: fc.boolean(),
      retainGraph: fc.boolean(),
      explicitSeed: fc.boolean(),
      twice: fc.boolean(),
      inputs: fc.array(fc.nat(50), { minLength: 1, maxLength: 4 }),
      allowUnused: fc.constantFrom('null' as const, 'zeros' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('zeroGrad' as const), leaf: fc.nat(2), setToNone: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('mutate' as const), target: fc.nat(100), how: fc.constantFrom('mul_' as const, 'zero_' as const, 'add_' as const, 'zeroGrad' as const) }) },
);

/** A tensor the user can reach, under a name for messages; `grad` roles are read at check time. */
interface Role {
  label: string;
  get(): Tensor | null;
  /** Values it must keep for good (seeds, hook arguments, tensors a hook or a rule returns). */
  frozen?: number[];
  /** A `.grad` (of `owner`) or a result of gradients(): the user may change it in place. */
  mutable?: { owner: Tensor | null };
}

/**
 * Runs the steps on three leaves. A `mutate` step changes one `.grad` or `gradients()` result in
 * place and checks that no other reachable tensor changed, and that no other role holds the same
 * tensor or the same memory; after every step, whatever the user handed over or was handed (seeds,
 * hook arguments, kept tensors, constants) must still hold its first values.
 */
function run(shapes: readonly (readonly number[])[], steps: readonly Step[]): void {
  const xs = shapes.map((s, i) => tensor(Float64Array.from({ length: s.length === 0 ? 1 : s[0] }, (_, k) => i + 1 + k / 4), { shape: s, requiresGrad: true }));
  const roles: Role[] = [];
  const values = (t: Tensor) => Array.from(t.buffer);
  const keep = (label: string, t: Tensor) => roles.push({ label, get: () => t, frozen: values(t) });
  xs.forEach((x, i) => {
    roles.push({ label: `leaf ${i}`, get: () => x });
    roles.push({ label: `leaf ${i}.grad`, get: () => x.grad, mutable: { owner: x } });
  });

  const hook = (kind: HookKind, t: Tensor, where: string): ((g: Tensor) => Tensor | void) | null => {
    if (kind === 'none') return null;
    let kept: Tensor | null = null;
    if (kind === 'returnKept') {
      kept = tensor(Float64Array.from({ length: t.size }, () => 7), { shape: t.shape });
      keep(`tensor returned by the hook of ${where}`, kept);
    }
    return (g) => {
      keep(`argument of the ${kind} hook of ${where}`, g);
      if (kind === 'returnSame') return g;
      if (kind === 'returnNew') return g.mul(2);
      if (kind === 'returnKept') return kept!;
    };
  };

  steps.forEach((step, s) => {
    if (step.kind === 'zeroGrad') {
      xs[step.leaf].zeroGrad({ setToNone: step.setToNone });
    } else if (step.kind === 'mutate') {
      mutateOneAndCheck(roles, step.target, step.how);
    } else {
      const pool: Tensor[] = [...xs];
      const removers = step.leafHooks.flatMap((kind, i) => {
        const h = hook(kind, xs[i], `leaf ${i} (step ${s})`);
        return h === null ? [] : [xs[i].registerHook(h)];
      });
      step.nodes.forEach((n, k) => {
        const a = pool[n.a % pool.length];
        const b = pool[n.b % pool.length];
        let t: Tensor;
        switch (n.op) {
          case 'add': t = a.add(b); break;
          case 'sub': t = a.sub(b); break;
          case 'mul': t = a.mul(b); break;
          case 'square': t = a.square(); break;
          case 'clone': t = a.clone(); break;
          case 'cast': t = a.cast('float64'); break;
          case 'expand': t = a.expand([2]); break;
          case 'sum': t = a.sum(); break;
          case 'passThrough': t = passThrough(a); break;
          case 'dotConstant': {
            const c = tensor(Float64Array.from({ length: a.size }, () => 0.5), { shape: a.shape });
            keep(`constant of dotConstant (step ${s}, node ${k})`, c);
            t = dotConstant(a, c);
            break;
          }
        }
        if (n.retain) t.retainGrad();
        const h = hook(n.hook, t, `node ${k} (step ${s})`);
        if (h !== null) t.registerHook(h);
        roles.push({ label: `node ${k} of step ${s}`, get: () => t });
        if (n.retain) roles.push({ label: `node ${k} of step ${s} .grad (retained)`, get: () => t.grad, mutable: { owner: t } });
        pool.push(t);
      });
      const root = pool[step.root % pool.length];
      const seed = step.explicitSeed || root.size !== 1 ? tensor(Float64Array.from({ length: root.size }, (_, i) => 0.5 + i), { shape: root.shape }) : undefined;
      if (seed) keep(`seed of step ${s}`, seed);
      const options = { createGraph: step.createGraph, ...(step.retainGraph ? { retainGraph: true } : {}) };
      const calls = step.twice && (step.retainGraph || step.createGraph) ? 2 : 1;
      for (let c = 0; c < calls; c++) {
        if (step.kind === 'backward') {
          root.backward(seed, options);
        } else {
          const inputs = step.inputs.map((i) => pool[i % pool.length]);
          const result = gradients(root, inputs, { ...options, gradOutputs: [seed], allowUnused: step.allowUnused });
          result.forEach((g, i) => {
            if (g !== null) roles.push({ label: `gradients() result ${i} (step ${s}, call ${c})`, get: () => g, mutable: { owner: null } });
          });
        }
      }
      for (const remove of removers) remove();
    }
    checkFrozen(roles);
  });
}

/** Every seed, hook argument and tensor handed to the engine by the user still holds its values. */
function checkFrozen(roles: readonly Role[]): void {
  for (const r of roles) if (r.frozen) expect(Array.from(r.get()!.buffer), `${r.label} changed`).toEqual(r.frozen);
}

function mutateOneAndCheck(roles: readonly Role[], pick: number, how: 'mul_' | 'zero_' | 'add_' | 'zeroGrad'): void {
  const targets = roles.filter((r) => r.mutable && r.get() !== null);
  if (targets.length === 0) return;
  const role = targets[pick % targets.length];
  const target = role.get()!;
  const others = roles.filter((r) => r !== role && r.get() !== null);
  for (const r of others) {
    expect(r.get(), `${role.label} is also ${r.label}`).not.toBe(target);
    expect(sharesStorage(r.get()!, target), `${role.label} shares memory with ${r.label}`).toBe(false);
  }
  const before = others.map((r) => Array.from(r.get()!.buffer));
  const old = Array.from(target.buffer);
  noGrad(() => {
    if (how === 'zeroGrad' && role.mutable!.owner !== null) role.mutable!.owner.zeroGrad({ setToNone: false });
    else if (how === 'mul_') target.mul_(2);
    else if (how === 'add_') target.add_(1);
    else target.zero_();
  });
  if (how === 'add_') expect(Array.from(target.buffer)).toEqual(old.map((v) => v + 1)); // the change happened
  others.forEach((r, i) => expect(Array.from(r.get()!.buffer), `changing ${role.label} in place (${how}) changed ${r.label}`).toEqual(before[i]));
}

describe('no .grad shares storage with another reachable tensor (property)', () => {
  it('after any sequence of backward/gradients calls, changing one .grad or returned gradient in place changes nothing else', () => {
    const shapeArb = fc.constantFrom([2], [1], []);
    fc.assert(
      fc.property(fc.array(shapeArb, { minLength: 3, maxLength: 3 }), fc.array(stepArb, { minLength: 1, maxLength: 8 }), (shapes, steps) => {
        // a mutate step after every other step as well, so each state is probed
        run(shapes, steps.flatMap((st, i): Step[] => (st.kind === 'mutate' ? [st] : [st, { kind: 'mutate', target: i * 7 + 3, how: 'add_' }])));
      }),
      { ...FC, numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RandomGenerator, gradcheck, gradgradcheck, randn, tensor, type Tensor } from '@chainrule/core';
import * as linearFile from './linear.js';
import { Dense, Linear, linear } from './linear.js';
import { initBound } from './init.js';
import { mseLoss } from './losses.js';

/** y[n][o] = Σ_k x[n][k] W[o][k] + b[o], written out independently of the op. */
function reference(x: number[][], w: number[][], b: number[] | number | null): number[][] {
  return x.map((row) => w.map((wo, o) => wo.reduce((acc, wk, k) => acc + row[k] * wk, 0) + (b === null ? 0 : typeof b === 'number' ? b : b[o])));
}

describe('linear', () => {
  it('computes x Wᵀ + b for one sample and for a batch', () => {
    const w = [[0.15, 0.2], [0.25, 0.3], [1, -1]];
    expect(linear(tensor([0.05, 0.1]), tensor(w), tensor([0.35, 0.35, 0])).toArray()).toEqual(reference([[0.05, 0.1]], w, [0.35, 0.35, 0])[0]);
    const x = [[1, 2], [3, 4]];
    expect(linear(tensor(x), tensor(w), tensor([1, 2, 3])).toArray()).toEqual(reference(x, w, [1, 2, 3]));
    expect(linear(tensor(x), tensor(w), 0.5).toArray()).toEqual(reference(x, w, 0.5));
    expect(linear(tensor(x), tensor(w)).toArray()).toEqual(reference(x, w, null));
    expect(linear(x, tensor(w), null).shape).toEqual([2, 3]);
  });

  it("gives the article's net_h1 = 0.3775 exactly as w1*i1 + w2*i2 + b1 in float64", () => {
    const y = linear(tensor([0.05, 0.1]), tensor([[0.15, 0.2], [0.25, 0.3]]), tensor(0.35));
    expect(y.toArray()).toEqual([0.15 * 0.05 + 0.2 * 0.1 + 0.35, 0.25 * 0.05 + 0.3 * 0.1 + 0.35]);
  });

  it('matches the reference on random shapes and values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer(), (n, i, o, seed) => {
        const x = randn([n, i], { seed });
        const w = randn([o, i], { seed: seed + 1 });
        const b = randn([o], { seed: seed + 2 });
        const got = linear(x, w, b);
        const want = reference(x.toArray() as number[][], w.toArray() as number[][], b.toArray() as number[]);
        // the same products summed in the same order: equal to the last bit
        expect(got.toArray()).toEqual(want);
      }),
      { numRuns: 50 },
    );
  });

  it('equals the reference to the last bit on products large enough for the GEMM path (float32 to its precision)', () => {
    // 64·48·40 = 122,880 multiply-adds, past GEMM_MIN_WORK (16,384)
    const x = randn([64, 48], { seed: 11 });
    const w = randn([40, 48], { seed: 12 });
    const b = randn([40], { seed: 13 });
    const want = reference(x.toArray() as number[][], w.toArray() as number[][], b.toArray() as number[]);
    expect(linear(x, w, b).toArray()).toEqual(want);
    expect(linear(x, w, 0.25).toArray()).toEqual(reference(x.toArray() as number[][], w.toArray() as number[][], 0.25));
    // float32: the GEMM path rounds the product to float32 before adding the bias (one rounding more
    // than the loop), so it is compared with the float64 result to float32's precision: terms of
    // size ~1 summed 48 times, each rounding ≤ 6e-8 relative
    const got32 = linear(x.cast('float32'), w.cast('float32'), b.cast('float32'));
    expect(got32.dtype).toBe('float32');
    expect(got32).toBeAllClose(linear(x, w, b), { rtol: 1e-5, atol: 1e-5 });
  });

  it('passes gradcheck for x, W and b: batch, single sample, shared scalar bias', () => {
    const x = randn([3, 4], { seed: 1 }), w = randn([2, 4], { seed: 2 }), b = randn([2], { seed: 3 });
    expect(gradcheck((x, w, b) => linear(x, w, b), [x, w, b]).ok).toBe(true);
    expect(gradcheck((x, w, b) => linear(x, w, b), [randn([4], { seed: 4 }), w, b]).ok).toBe(true);
    expect(gradcheck((x, w, b) => linear(x, w, b), [x, w, tensor(0.35)]).ok).toBe(true);
    expect(gradcheck((x, w) => linear(x, w), [x, w]).ok).toBe(true);
  });

  it('has correct second derivatives (its backward is made of tensor ops)', () => {
    const f = (x: ReturnType<typeof tensor>, w: ReturnType<typeof tensor>, b: ReturnType<typeof tensor>) => linear(x, w, b).sigmoid();
    expect(gradgradcheck(f, [randn([2, 3], { seed: 5 }), randn([2, 3], { seed: 6 }), randn([2], { seed: 7 })]).ok).toBe(true);
  });

  it('a shared bias gets the sum of the gradients of every unit and sample', () => {
    const b = tensor(0.35, { requiresGrad: true });
    linear(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 1], [1, 1]]), b).sum().backward();
    expect(b.grad!.item()).toBe(6); // 2 samples × 3 units, each d y / d b = 1
  });

  it('refuses shapes that do not fit, naming them', () => {
    const w = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => linear(tensor([1, 2]), w)).toThrow(/linear: input of shape \[2\] does not fit weight \[2,3\]/);
    expect(() => linear(tensor([[[1, 2, 3]]]), w)).toThrow(/input of shape \[1,1,3\]/);
    expect(() => linear(tensor([1, 2, 3]), tensor([1, 2, 3]))).toThrow(/weight must be 2-D/);
    expect(() => linear(tensor([1, 2, 3]), w, tensor([1, 2, 3]))).toThrow(/bias of shape \[3\] does not fit 2 output units/);
  });
});

// ------------------------------------------------------------------ the layer

const articleHidden = () => new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true });
const articleOutput = () => new Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], bias: 'shared', biasValue: 0.6, freezeBias: true });
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

describe('Dense', () => {
  it('has weight [out, in] and bias [out], named weight and bias', () => {
    const d = new Dense(3, 2);
    expect(d.weight.shape).toEqual([2, 3]);
    expect(d.bias!.shape).toEqual([2]);
    expect(d.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(d.inFeatures).toBe(3);
    expect(d.outFeatures).toBe(2);
    expect(new Linear(3, 1)).toBeInstanceOf(Dense);
  });

  it('computes y = x Wᵀ + b for [in], [N, in] and [..., in]', () => {
    const d = new Dense(2, 3, { weight: [[1, 2], [3, 4], [5, 6]], biasValue: [0.5, -0.5, 1] });
    expect(d.forward(tensor([1, 1])).toArray()).toEqual([3.5, 6.5, 12]);
    expect(d.forward(tensor([[1, 1], [1, 0]])).toArray()).toEqual([[3.5, 6.5, 12], [1.5, 2.5, 6]]);
    const y = d.forward(tensor([[[1, 1]], [[1, 0]]]));
    expect(y.shape).toEqual([2, 1, 3]);
    expect(y.toArray()).toEqual([[[3.5, 6.5, 12]], [[1.5, 2.5, 6]]]);
    expect(() => d.forward(tensor([[[1, 1, 1]]]))).toThrow(/Dense: input of shape \[1,1,3\] does not fit 2 input features/);
  });

  it('bias options: none, shared scalar, exact values, frozen', () => {
    expect(new Dense(2, 2, { bias: false }).bias).toBeNull();
    expect(new Dense(2, 2, { bias: false }).parameters()).toHaveLength(1);
    const shared = new Dense(2, 3, { bias: 'shared', biasValue: 0.35 });
    expect(shared.bias!.shape).toEqual([]);
    expect(shared.bias!.item()).toBe(0.35);
    expect(shared.bias!.requiresGrad).toBe(true);
    expect(new Dense(2, 3, { biasValue: 2 }).bias!.toArray()).toEqual([2, 2, 2]);
    expect(new Dense(2, 2, { biasValue: [1, 2] }).bias!.toArray()).toEqual([1, 2]);
    expect(new Dense(2, 2).bias!.toArray()).toEqual([0, 0]); // xavier starts the bias at 0
    expect(new Dense(2, 2, { freezeBias: true }).bias!.requiresGrad).toBe(false);
    expect(() => new Dense(2, 3, { biasValue: [1, 2] })).toThrow(/biasValue has 2 values but the layer has 3 units/);
    expect(() => new Dense(2, 3, { bias: false, biasValue: 1 })).toThrow(/bias is false/);
  });

  it('refuses a weight of the wrong shape and bad sizes', () => {
    expect(() => new Dense(2, 3, { weight: [[1, 2, 3], [4, 5, 6]] })).toThrow(/weight of shape \[2,3\] does not fit 2 inputs and 3 units: expected \[3,2\]/);
    expect(() => new Dense(0, 3)).toThrow(/inFeatures must be a positive integer/);
    expect(() => new Dense(2, 1.5)).toThrow(/outFeatures must be a positive integer/);
  });

  it('initialises reproducibly from a seed or a generator, within each scheme\'s bound', () => {
    expect(new Dense(4, 3, { seed: 7 }).weight.toArray()).toEqual(new Dense(4, 3, { seed: 7 }).weight.toArray());
    expect(new Dense(4, 3, { seed: 7 }).weight.toArray()).not.toEqual(new Dense(4, 3, { seed: 8 }).weight.toArray());
    // a shared generator advances: two layers drawn from it differ, and replaying the seed replays them
    const g = new RandomGenerator(3);
    const [a, b] = [new Dense(4, 3, { generator: g }), new Dense(4, 3, { generator: g })];
    expect(a.weight.toArray()).not.toEqual(b.weight.toArray());
    const g2 = new RandomGenerator(3);
    new Dense(4, 3, { generator: g2 });
    expect(new Dense(4, 3, { generator: g2 }).weight.toArray()).toEqual(b.weight.toArray());
    expect(() => new Dense(2, 2, { seed: 1, generator: g })).toThrow(/either seed or generator/);
    // the uniform draw is bound·(2u − 1) for the generator's uniforms u, weights first
    const u = new RandomGenerator(11);
    const want = Array.from({ length: 6 }, () => Math.sqrt(6 / 5) * (2 * u.uniform() - 1));
    expect(Array.from(new Dense(2, 3, { seed: 11 }).weight.buffer)).toEqual(want);
  });

  it('every scheme stays within its bound (√(6/(in+out)), √(6/in), 1/√in)', () => {
    expect(initBound('xavier', 2, 4)).toBe(1);
    expect(initBound('he', 6, 1)).toBe(1);
    expect(initBound('uniform', 4, 9)).toBe(0.5);
    expect(() => initBound('bogus' as 'he', 1, 1)).toThrow(/unknown scheme/);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.constantFrom('xavier', 'he', 'uniform' as const), fc.integer(), (i, o, init, seed) => {
        const d = new Dense(i, o, { init, seed });
        const w = initBound(init, i, o);
        for (const v of d.weight.buffer) expect(Math.abs(v)).toBeLessThanOrEqual(w);
        for (const v of d.bias!.buffer) expect(Math.abs(v)).toBeLessThanOrEqual(init === 'uniform' ? 1 / Math.sqrt(i) : 0);
      }),
      { numRuns: 60 },
    );
  });

  it('float32 parameters when asked', () => {
    const d = new Dense(2, 2, { dtype: 'float32', weight: [[1, 2], [3, 4]] });
    expect(d.weight.dtype).toBe('float32');
    expect(d.bias!.dtype).toBe('float32');
    expect(d.forward(tensor([1, 1], { dtype: 'float32' })).dtype).toBe('float32');
  });

  it('passes gradcheck through the module for its input, batch and single sample', () => {
    const d = new Dense(3, 2, { seed: 5, init: 'uniform' });
    expect(gradcheck((x) => d.forward(x), [randn([4, 3], { seed: 1 })]).ok).toBe(true);
    expect(gradcheck((x) => d.forward(x), [randn([3], { seed: 2 })]).ok).toBe(true);
    expect(gradcheck((x) => d.forward(x), [randn([2, 2, 3], { seed: 3 })]).ok).toBe(true);
  });

  it('gives its parameters the gradients of the closed form: dW = Gᵀx, db = ΣG', () => {
    const d = new Dense(2, 2, { weight: [[1, 2], [3, 4]], biasValue: [0, 0] });
    const x = [[1, -1], [2, 0.5]];
    d.forward(tensor(x)).mul(tensor([[1, 2], [3, 4]])).sum().backward(); // G = [[1, 2], [3, 4]]
    expect(d.weight.grad!.toArray()).toEqual([[1 * 1 + 3 * 2, 1 * -1 + 3 * 0.5], [2 * 1 + 4 * 2, 2 * -1 + 4 * 0.5]]);
    expect(d.bias!.grad!.toArray()).toEqual([4, 6]);
  });
});

describe("Dense with the article's weights and shared, frozen biases", () => {
  it('forward pass: out_h1, out_o1, out_o2 and E_total as printed', () => {
    const hidden = articleHidden(), output = articleOutput();
    const outH = hidden.forward(tensor([0.05, 0.1])).sigmoid();
    const outO = output.forward(outH).sigmoid();
    const E = mseLoss(outO, [0.01, 0.99], { reduction: 'halfSum' });
    const [o1, o2] = outO.toArray() as number[];
    expect(round((outH.toArray() as number[])[0], 9)).toBe(0.593269992);
    expect(round((outH.toArray() as number[])[1], 9)).toBe(0.596884378);
    expect(round(o1, 8)).toBe(0.75136507);
    expect(round(o2, 9)).toBe(0.772928465);
    expect(round(E.item(), 9)).toBe(0.298371109);
    // and to float64 rounding against the same arithmetic written out by hand
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const h1 = s(0.15 * 0.05 + 0.2 * 0.1 + 0.35), h2 = s(0.25 * 0.05 + 0.3 * 0.1 + 0.35);
    const e1 = s(0.4 * h1 + 0.45 * h2 + 0.6), e2 = s(0.5 * h1 + 0.55 * h2 + 0.6);
    expect([o1, o2]).toBeAllClose([e1, e2], { rtol: 2e-16, atol: 0 });
    expect(E.item()).toBeAllClose(0.5 * (0.01 - e1) ** 2 + 0.5 * (0.99 - e2) ** 2, { rtol: 4e-16, atol: 0 });
  });

  it('backward: dE/dw5 and dE/dw1 as printed; the frozen biases get no gradient', () => {
    const hidden = articleHidden(), output = articleOutput();
    const out: Tensor = output.forward(hidden.forward(tensor([0.05, 0.1])).sigmoid()).sigmoid();
    mseLoss(out, [0.01, 0.99], { reduction: 'halfSum' }).backward();
    const gw = output.weight.grad!.toArray() as number[][];
    const gh = hidden.weight.grad!.toArray() as number[][];
    expect(round(gw[0][0], 9)).toBe(0.082167041); // dE/dw5
    expect(round(gh[0][0], 9)).toBe(0.000438568); // dE/dw1
    expect(hidden.bias!.grad).toBeNull();
    expect(output.bias!.grad).toBeNull();
  });
});

describe('linear.ts', () => {
  it('holds what it is named after: the function linear and the layer Linear (= Dense)', () => {
    expect(Object.keys(linearFile).sort()).toEqual(['Dense', 'Linear', 'linear']);
    expect(linearFile.Linear).toBe(linearFile.Dense);
  });
});

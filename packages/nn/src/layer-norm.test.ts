import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, randn, tensor } from '@chainrule/core';
import { layerNorm, LayerNorm } from './layer-norm.js';

/** (x − mean)/√(var + eps) of each row, written out. */
function normRows(rows: number[][], eps: number): number[][] {
  return rows.map((r) => {
    const mean = r.reduce((s, v) => s + v, 0) / r.length;
    const variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / r.length;
    return r.map((v) => (v - mean) / Math.sqrt(variance + eps));
  });
}

describe('layerNorm', () => {
  it('normalises each row over the last dimension with the biased variance', () => {
    const rows = [[1, 2, 3], [10, -4, 0.5]];
    expect(layerNorm(tensor(rows), 3).toArray()).toBeAllClose(normRows(rows, 1e-5), { rtol: 1e-15, atol: 1e-16 });
    expect(layerNorm(tensor([[1, 2, 3]]), [3], { eps: 0 }).toArray()).toBeAllClose([[-Math.sqrt(1.5), 0, Math.sqrt(1.5)]], { rtol: 1e-15, atol: 1e-16 });
  });

  it('over several trailing dimensions, then γ and β elementwise', () => {
    const x = randn([2, 2, 3], { seed: 1 });
    const w = randn([2, 3], { seed: 2 }), b = randn([2, 3], { seed: 3 });
    const samples = (x.toArray() as number[][][]).map((s) => s.flat());
    const want = normRows(samples, 1e-5).map((r) => r.map((v, i) => v * w.buffer[i] + b.buffer[i]));
    const got = layerNorm(x, [2, 3], { weight: w, bias: b });
    expect((got.toArray() as number[][][]).map((s) => s.flat())).toBeAllClose(want, { rtol: 1e-14, atol: 1e-15 });
  });

  it("gradient: Σ dx over a row is 0 (shift invariance) and Σ dx·(x − mean) is 0 (scale invariance, eps = 0)", () => {
    const x = tensor(randn([3, 5], { seed: 4 }).toArray() as number[][], { requiresGrad: true });
    layerNorm(x, 5, { eps: 0 }).mul(randn([3, 5], { seed: 5 })).sum().backward();
    const g = x.grad!.toArray() as number[][];
    const xs = x.toArray() as number[][];
    g.forEach((row, r) => {
      const mean = xs[r].reduce((s, v) => s + v, 0) / 5;
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 13);
      expect(row.reduce((s, v, i) => s + v * (xs[r][i] - mean), 0)).toBeCloseTo(0, 13);
    });
  });

  it('passes gradcheck and gradgradcheck for x, γ and β', () => {
    const f = (x: ReturnType<typeof tensor>, w: ReturnType<typeof tensor>, b: ReturnType<typeof tensor>) => layerNorm(x, [4], { weight: w, bias: b });
    const inputs = [randn([2, 3, 4], { seed: 6 }), randn([4], { seed: 7 }), randn([4], { seed: 8 })];
    expect(gradcheck(f, inputs).ok).toBe(true);
    expect(gradgradcheck(f, inputs).ok).toBe(true);
  });

  it('refuses shapes that do not fit, naming them', () => {
    expect(() => layerNorm(randn([2, 3]), 4)).toThrow('layerNorm: input of shape [2,3] does not end with the normalized shape [4]: expected [*, 4]');
    expect(() => layerNorm(randn([3]), [2, 3])).toThrow(/input of shape \[3\] does not end with the normalized shape \[2,3\]/);
    expect(() => layerNorm(randn([2, 3]), 3, { weight: randn([2]) })).toThrow('layerNorm: weight of shape [2] does not match the normalized shape [3]');
    expect(() => layerNorm(randn([2, 3]), [])).toThrow('layerNorm: normalizedShape must be a positive integer or a non-empty array of them, got [] (an array)');
    expect(() => layerNorm(randn([2, 3]), 3, { eps: -1 })).toThrow('layerNorm: eps must be a finite number ≥ 0, got -1');
  });
});

describe('LayerNorm', () => {
  it("starts with γ = 1, β = 0 of the normalized shape (PyTorch's init) and learns them", () => {
    const norm = new LayerNorm([2, 3]);
    expect(norm.weight!.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(norm.bias!.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(norm.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    const x = randn([4, 2, 3], { seed: 1 });
    expect(norm.forward(x).toArray()).toEqual(layerNorm(x, [2, 3]).toArray());
    norm.forward(x).sum().backward();
    expect(norm.weight!.grad!.shape).toEqual([2, 3]);
    expect(String(norm)).toBe('LayerNorm([2,3], eps=0.00001, elementwiseAffine=true)');
  });

  it('without elementwiseAffine has no parameters; eps is used', () => {
    const norm = new LayerNorm(3, { elementwiseAffine: false, eps: 1 });
    expect(norm.weight).toBe(null);
    expect(norm.numParameters()).toBe(0);
    expect(norm.forward(tensor([[1, 2, 3]])).toArray()).toBeAllClose(normRows([[1, 2, 3]], 1), { rtol: 1e-15, atol: 1e-16 });
  });

  it('is the same in training and evaluation, and names itself in errors', () => {
    const norm = new LayerNorm(3);
    const x = randn([2, 3], { seed: 2 });
    expect(norm.eval().forward(x).toArray()).toEqual(norm.train().forward(x).toArray());
    expect(() => norm.forward(randn([3, 2]))).toThrow('LayerNorm: input of shape [3,2] does not end with the normalized shape [3]: expected [*, 3]');
    expect(() => new LayerNorm(0)).toThrow('LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got 0');
    expect(() => new LayerNorm(3, { epsilon: 1 } as never)).toThrow("LayerNorm: unknown option 'epsilon'; the options are eps, elementwiseAffine, dtype");
  });

  it('float32 parameters when asked', () => {
    const norm = new LayerNorm(2, { dtype: 'float32' });
    expect(norm.weight!.dtype).toBe('float32');
    expect(norm.forward(tensor([[1, 3]], { dtype: 'float32' })).dtype).toBe('float32');
  });
});

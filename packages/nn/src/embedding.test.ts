import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, manualSeed, randn, tensor, type Tensor } from '@chainrule/core';
import { embedding, Embedding } from './embedding.js';

const table = [[0, 0], [1, 2], [3, 4], [5, 6]];

describe('embedding', () => {
  it('picks the rows named by the indices, of shape [...indices, dim]', () => {
    const w = tensor(table);
    expect(embedding([[2, 1], [0, 3]], w).toArray()).toEqual([[[3, 4], [1, 2]], [[0, 0], [5, 6]]]);
    expect(embedding(3, w).toArray()).toEqual([5, 6]); // a scalar index gives one row
    expect(embedding(tensor([1, 1]), w).toArray()).toEqual([[1, 2], [1, 2]]);
  });

  it('sums the gradient of a row picked twice; the padding row gets none', () => {
    const w = tensor(table, { requiresGrad: true });
    embedding([1, 2, 1], w).mul(tensor([[1, 10], [100, 1000], [2, 20]])).sum().backward();
    expect(w.grad!.toArray()).toEqual([[0, 0], [3, 30], [100, 1000], [0, 0]]);
    const v = tensor(table, { requiresGrad: true });
    const out = embedding([1, 2, 1], v, { paddingIdx: 1 });
    expect(out.toArray()).toEqual([[1, 2], [3, 4], [1, 2]]); // the padding row is read as it is
    out.mul(tensor([[1, 10], [100, 1000], [2, 20]])).sum().backward();
    expect(v.grad!.toArray()).toEqual([[0, 0], [0, 0], [100, 1000], [0, 0]]);
    const u = tensor(table, { requiresGrad: true });
    embedding([3, 0], u, { paddingIdx: -1 }).sum().backward(); // -1 is the last row
    expect(u.grad!.toArray()).toEqual([[1, 1], [0, 0], [0, 0], [0, 0]]);
  });

  it('passes gradcheck and gradgradcheck for the weight', () => {
    // (the padding row's zero gradient is a rule, not the derivative: it is checked above, not here)
    const f = (w: Tensor) => embedding([[0, 2], [2, 3]], w, { paddingIdx: 1 }).square();
    expect(gradcheck(f, [randn([4, 3], { seed: 1 })]).ok).toBe(true);
    expect(gradgradcheck(f, [randn([4, 3], { seed: 1 })]).ok).toBe(true);
  });

  it('refuses indices that are not row numbers, naming the position', () => {
    const w = tensor(table);
    expect(() => embedding([0, 4], w)).toThrow('embedding: index 4 at flat position 1 of the input of shape [2] is not an integer in [0, 4) (numEmbeddings = 4)');
    expect(() => embedding([[0.5]], w)).toThrow(/index 0.5 at flat position 0/);
    expect(() => embedding([-1], w)).toThrow(/index -1 at flat position 0/);
    expect(() => embedding([0], w, { paddingIdx: 4 })).toThrow('embedding: paddingIdx must be an integer in [-4, 3] (within numEmbeddings = 4), got 4');
    expect(() => embedding([0], tensor([1, 2]))).toThrow('embedding: weight must be a 2-D tensor [numEmbeddings, embeddingDim], got shape [2]');
  });
});

describe('Embedding', () => {
  it("starts from N(0, 1) samples (PyTorch's init), the padding row zeroed", () => {
    const e = new Embedding(4, 3, { paddingIdx: 2, seed: 5 });
    const z = Array.from(randn([12], { seed: 5 }).buffer);
    z.fill(0, 6, 9);
    expect(Array.from(e.weight.buffer)).toEqual(z);
    expect(e.forward([[2, 0]]).shape).toEqual([1, 2, 3]);
    expect(String(e)).toBe('Embedding(4, 3, paddingIdx=2)');
    expect(String(new Embedding(4, 3, { seed: 1 }))).toBe('Embedding(4, 3)');
  });

  it('draws from the global generator without a seed', () => {
    expect(new Embedding(3, 2).weight.toArray()).not.toEqual(new Embedding(3, 2).weight.toArray());
    manualSeed(4);
    const a = new Embedding(3, 2);
    manualSeed(4);
    expect(new Embedding(3, 2).weight.toArray()).toEqual(a.weight.toArray());
  });

  it('the padding row stays put under training: no gradient ever reaches it', () => {
    const e = new Embedding(3, 2, { paddingIdx: 0, seed: 1 });
    e.forward([0, 1, 0]).sum().backward();
    expect(e.weight.grad!.toArray()).toEqual([[0, 0], [1, 1], [0, 0]]);
  });

  it('fromPretrained copies the table, frozen by default', () => {
    const src = tensor(table);
    const e = Embedding.fromPretrained(src);
    expect(e.weight.requiresGrad).toBe(false);
    expect(e.forward([2]).toArray()).toEqual([[3, 4]]);
    expect(e.weight.buffer).not.toBe(src.buffer);
    expect(Embedding.fromPretrained(src, { freeze: false, paddingIdx: 0 }).weight.requiresGrad).toBe(true);
    expect(() => Embedding.fromPretrained(tensor([1]))).toThrow('Embedding.fromPretrained: embeddings must be a 2-D tensor [numEmbeddings, embeddingDim], got shape [1]');
  });

  it('refuses bad sizes, options and indices, naming the layer', () => {
    expect(() => new Embedding(0, 2)).toThrow('Embedding: numEmbeddings must be a positive integer, got 0');
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow('Embedding: paddingIdx must be an integer in [-3, 2] (within numEmbeddings = 3), got 3');
    expect(() => new Embedding(3, 2, { weight: [[1, 2]] })).toThrow('Embedding: weight of shape [1,2] does not fit 3 embeddings of size 2: expected [3,2]');
    expect(() => new Embedding(3, 2, { padding_idx: 0 } as never)).toThrow("Embedding: unknown option 'padding_idx'");
    expect(() => new Embedding(3, 2, { seed: 1 }).forward([3])).toThrow('Embedding: index 3 at flat position 0 of the input of shape [1] is not an integer in [0, 3) (numEmbeddings = 3)');
  });
});

import { describe, expect, it } from 'vitest';
import { manualSeed, RandomGenerator, tensor } from '@chainrule/core';
import { randomSplit, Subset, TensorDataset, type Dataset } from './dataset.js';

const x = tensor([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
const y = tensor([10, 11, 12, 13, 14]);

describe('TensorDataset', () => {
  it('item i is row i of every tensor, copied', () => {
    const data = new TensorDataset(x, y);
    expect(data.length).toBe(5);
    const [xi, yi] = data.get(2);
    expect([xi.toArray(), xi.shape, yi.toArray(), yi.shape]).toEqual([[4, 5], [2], 12, []]);
    expect(xi.buffer.buffer).not.toBe(x.buffer.buffer);
    expect(data.getBatch([4, 0]).map((t) => t.toArray())).toEqual([[[8, 9], [0, 1]], [14, 10]]);
  });

  it('keeps float32 and refuses tensors that do not share their first dimension', () => {
    expect(new TensorDataset(tensor([1, 2], { dtype: 'float32' })).get(0)[0].dtype).toBe('float32');
    expect(() => new TensorDataset(x, tensor([1, 2]))).toThrow('TensorDataset: tensor 1 has shape [2] but tensor 0 has 5 rows ([5,2]); every tensor needs the same first dimension');
    expect(() => new TensorDataset()).toThrow('TensorDataset: give at least one tensor');
    expect(() => new TensorDataset(tensor(1))).toThrow('TensorDataset: tensor 0 is a scalar');
    expect(() => new TensorDataset(x).get(5)).toThrow('TensorDataset.get: index must be an integer in 0..4, got 5');
  });
});

describe('randomSplit', () => {
  it('splits by counts or fractions into disjoint subsets covering everything, the same for the same seed', () => {
    const data = new TensorDataset(x, y);
    const [a, b] = randomSplit(data, [3, 2], { seed: 1 });
    expect([a.length, b.length]).toEqual([3, 2]);
    expect([...a.indices, ...b.indices].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(randomSplit(data, [3, 2], { seed: 1 }).map((s) => s.indices)).toEqual([a.indices, b.indices]);
    expect(randomSplit(data, [3, 2], { seed: 2 }).map((s) => s.indices)).not.toEqual([a.indices, b.indices]);
    expect(a.get(0)[1].item()).toBe(10 + a.indices[0]);
  });

  it("hands out the remainder of fractions as PyTorch: one each from the first subset on", () => {
    const ten: Dataset<number> = { length: 10, get: (i) => i };
    expect(randomSplit(ten, [0.33, 0.33, 0.34], { seed: 0 }).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(randomSplit(ten, [0.5, 0.5], { seed: 0 }).map((s) => s.length)).toEqual([5, 5]);
    expect(randomSplit(ten, [1], { seed: 0 })[0].length).toBe(10);
  });

  it('draws from a given generator (advancing it), or from the global one that manualSeed sets', () => {
    const ten: Dataset<number> = { length: 10, get: (i) => i };
    const g = new RandomGenerator(7);
    const first = randomSplit(ten, [5, 5], { generator: g })[0].indices;
    expect(randomSplit(ten, [5, 5], { generator: g })[0].indices).not.toEqual(first);
    expect(randomSplit(ten, [5, 5], { generator: new RandomGenerator(7) })[0].indices).toEqual(first);
    manualSeed(3);
    const global = randomSplit(ten, [5, 5])[0].indices;
    manualSeed(3);
    expect(randomSplit(ten, [5, 5])[0].indices).toEqual(global);
  });

  it('refuses lengths that do not add up, and seed with generator', () => {
    const data = new TensorDataset(x);
    expect(() => randomSplit(data, [3, 3])).toThrow('randomSplit: the lengths add up to 6 but the dataset has 5 items');
    expect(() => randomSplit(data, [0.5, 0.4])).toThrow('randomSplit: lengths[0] is 0.5: give counts (integers) that add up to 5, or fractions that add up to 1');
    expect(() => randomSplit(data, [-1, 6])).toThrow('randomSplit: lengths[0] must be a count or a fraction ≥ 0, got -1');
    expect(() => randomSplit(data, [5], { seed: 1, generator: new RandomGenerator(1) })).toThrow('randomSplit: give either seed or generator, not both');
    expect(() => randomSplit({} as never, [1])).toThrow('randomSplit: expected a dataset { length, get(i) } such as a TensorDataset, got an object');
  });
});

describe('Subset', () => {
  it('indexes into its dataset and refuses indices outside it', () => {
    const s = new Subset(new TensorDataset(y), [4, 1]);
    expect([s.length, s.get(0)[0].item(), s.get(1)[0].item()]).toEqual([2, 14, 11]);
    expect(() => new Subset(new TensorDataset(y), [5])).toThrow('Subset: index must be an integer in 0..4, got 5');
  });
});

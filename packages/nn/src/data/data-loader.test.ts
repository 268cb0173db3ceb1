import { describe, expect, it } from 'vitest';
import { manualSeed, RandomGenerator, tensor } from '@chainrule/core';
import { collate, DataLoader } from './data-loader.js';
import { Subset, TensorDataset, type Dataset } from './dataset.js';

const x = tensor(Array.from({ length: 10 }, (_, i) => [i, -i]));
const y = tensor(Array.from({ length: 10 }, (_, i) => i));
const data = new TensorDataset(x, y);

const epoch = <T>(loader: Iterable<T>): T[] => [...loader];
const firstColumn = (batches: ReturnType<typeof epoch<import('@chainrule/core').Tensor[]>>) => batches.map(([xb]) => (xb.toArray() as number[][]).map((r) => r[0]));

describe('DataLoader', () => {
  it('batches in order without shuffle: stacked rows, a smaller last batch, dropLast drops it', () => {
    const loader = new DataLoader(data, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = epoch(loader);
    expect(batches.map(([xb, yb]) => [xb.shape, yb.toArray()])).toEqual([
      [[4, 2], [0, 1, 2, 3]],
      [[4, 2], [4, 5, 6, 7]],
      [[2, 2], [8, 9]],
    ]);
    const dropped = new DataLoader(data, { batchSize: 4, dropLast: true });
    expect([dropped.length, epoch(dropped).length]).toEqual([2, 2]);
    expect(new DataLoader(data).length).toBe(10); // batchSize 1, as PyTorch
  });

  it('shuffles every epoch anew, each epoch a permutation; the same epochs again for the same seed', () => {
    const loader = new DataLoader(data, { batchSize: 3, shuffle: true, seed: 5 });
    const e1 = firstColumn(epoch(loader)).flat(), e2 = firstColumn(epoch(loader)).flat();
    expect([...e1].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e2);
    expect(e1).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = new DataLoader(data, { batchSize: 3, shuffle: true, seed: 5 });
    expect([firstColumn(epoch(again)).flat(), firstColumn(epoch(again)).flat()]).toEqual([e1, e2]);
    // rows stay together: x[i] = [i, −i] and y[i] = i in the same places
    for (const [xb, yb] of epoch(loader)) expect((xb.toArray() as number[][]).map((r) => r[0])).toEqual(yb.toArray());
  });

  it('shuffles with a given generator, or the global one that manualSeed sets', () => {
    const g1 = new RandomGenerator(9), g2 = new RandomGenerator(9);
    expect(firstColumn(epoch(new DataLoader(data, { batchSize: 10, shuffle: true, generator: g1 })))).toEqual(firstColumn(epoch(new DataLoader(data, { batchSize: 10, shuffle: true, generator: g2 }))));
    manualSeed(11);
    const a = firstColumn(epoch(new DataLoader(data, { batchSize: 10, shuffle: true })));
    manualSeed(11);
    expect(firstColumn(epoch(new DataLoader(data, { batchSize: 10, shuffle: true })))).toEqual(a);
  });

  it('collates the items of any dataset: tensors stacked, numbers into a tensor, tuples and objects by position', () => {
    const pairs: Dataset<{ x: [number, number]; label: number }> = { length: 3, get: (i) => ({ x: [i, 2 * i], label: i % 2 }) };
    const [batch] = epoch(new DataLoader(pairs, { batchSize: 3 }));
    expect([batch.x[0].toArray(), batch.x[1].toArray(), batch.label.toArray()]).toEqual([[0, 1, 2], [0, 2, 4], [0, 1, 0]]);
    // a Subset of a TensorDataset still batches through getBatch
    const sub = new Subset(data, [7, 2]);
    expect(epoch(new DataLoader(sub, { batchSize: 2 }))[0][1].toArray()).toEqual([7, 2]);
    expect(() => collate([tensor([1]), 2])).toThrow('collate: item of item 1 is 2 but item 0 has a Tensor there');
    expect(() => collate(['a'])).toThrow('collate: cannot make a batch of "a" (a string) (item)');
  });

  it('refuses bad options', () => {
    expect(() => new DataLoader(data, { batchSize: 0 })).toThrow('DataLoader: batchSize must be an integer ≥ 1, got 0');
    expect(() => new DataLoader(data, { batch_size: 2 } as never)).toThrow("DataLoader: unknown option 'batch_size'; the options are batchSize, shuffle, dropLast, seed, generator");
    expect(() => new DataLoader(data, { shuffle: 1 } as never)).toThrow('DataLoader: shuffle must be true or false, got 1');
    expect(() => new DataLoader(data, { seed: 1, generator: new RandomGenerator(1) })).toThrow('DataLoader: give either seed or generator, not both');
    expect(() => new DataLoader([1, 2] as never)).toThrow('DataLoader: expected a dataset { length, get(i) } such as a TensorDataset, got [1, 2] (an array)');
  });
});

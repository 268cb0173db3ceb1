/**
 * Datasets, as PyTorch's `torch.utils.data`: the `Dataset` interface, `TensorDataset`, `Subset` and `randomSplit`.
 * @module
 */
import { ChainruleError, isTensor, RandomGenerator, rand, Tensor, fmtShape } from '@chainrule/core';
import { describeValue } from '../describe-value.js';

/**
 * A dataset: `length` items, item i by `get(i)` (PyTorch's `__len__` and `__getitem__`). A dataset
 * may also give `getBatch(indices)`, the collated batch of those items in one go, which
 * {@link DataLoader} then uses instead of collating item by item.
 * @example
 * ```ts
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 * ```
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
  getBatch?(indices: readonly number[]): unknown;
}

/**
 * A dataset of tensors that share their first dimension: item i is the i-th row of each, as
 * PyTorch's `TensorDataset` (`[x[i], y[i]]`). Rows are copies, without gradient history.
 * @example
 * ```ts
 * const data = new TensorDataset(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([0, 1, 1, 0]));
 * data.length;   // 4
 * data.get(1);   // [tensor([0, 1]), tensor(1)]
 * ```
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, each with `length` rows. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ChainruleError('TensorDataset: give at least one tensor, e.g. new TensorDataset(x, y)');
    tensors.forEach((t, i) => {
      if (!isTensor(t)) throw new ChainruleError(`TensorDataset: argument ${i} is not a Tensor, got ${describeValue(t)}`);
      if (t.ndim === 0) throw new ChainruleError(`TensorDataset: tensor ${i} is a scalar; each tensor needs a first dimension to index`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new ChainruleError(`TensorDataset: tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${tensors[0].shape[0]} rows (${fmtShape(tensors[0].shape)}); every tensor needs the same first dimension`);
      }
    });
    this.tensors = Object.freeze(tensors.slice());
  }

  /** The number of rows (the tensors' first dimension). */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Row `index` of each tensor. @example `const [x, y] = data.get(0);` */
  get(index: number): Tensor[] {
    checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => rows(t, [index], t.shape.slice(1)));
  }

  /** Rows `indices` of each tensor, stacked: the batch {@link DataLoader} yields, without a tensor per row. @example `data.getBatch([3, 0])` */
  getBatch(indices: readonly number[]): Tensor[] {
    for (const i of indices) checkIndex(i, this.length, 'TensorDataset.getBatch');
    return this.tensors.map((t) => rows(t, indices, [indices.length, ...t.shape.slice(1)]));
  }
}

/**
 * The items of `dataset` at `indices`, as PyTorch's `Subset` (what {@link randomSplit} returns).
 * @example
 * ```ts
 * const firstTen = new Subset(data, Array.from({ length: 10 }, (_, i) => i));
 * ```
 */
export class Subset<T> implements Dataset<T> {
  /** The dataset the indices point into. */
  readonly dataset: Dataset<T>;
  /** The indices into `dataset`, frozen. */
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: readonly number[]) {
    checkDataset(dataset, 'Subset');
    if (!Array.isArray(indices)) throw new ChainruleError(`Subset: indices must be an array of integers, got ${describeValue(indices)}`);
    for (const i of indices) checkIndex(i, dataset.length, 'Subset');
    this.dataset = dataset;
    this.indices = Object.freeze(indices.slice());
  }

  /** The number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /** Item `index` of the subset: `dataset.get(indices[index])`. @example `subset.get(0)` */
  get(index: number): T {
    checkIndex(index, this.indices.length, 'Subset.get');
    return this.dataset.get(this.indices[index]);
  }

  /** The batch of items `indices`, through the underlying dataset's `getBatch` when it has one. */
  getBatch(indices: readonly number[]): unknown {
    for (const i of indices) checkIndex(i, this.indices.length, 'Subset.getBatch');
    const inner = this.dataset;
    if (typeof inner.getBatch !== 'function') throw new ChainruleError('Subset.getBatch: the dataset has no getBatch; DataLoader collates its items instead');
    return inner.getBatch(indices.map((i) => this.indices[i]));
  }
}

/** Options of {@link randomSplit}: the random source. @example `{ seed: 42 }` */
export interface RandomSplitOptions {
  /** Shuffle with a new generator seeded with this (same seed, same split, on every machine). */
  seed?: number;
  /** Shuffle with this generator (advancing it). Neither: the global generator that `manualSeed` sets. */
  generator?: RandomGenerator;
}

/**
 * Splits `dataset` at random into subsets of the given lengths, as PyTorch's `random_split`:
 * `lengths` are counts that add up to `dataset.length`, or fractions that add up to 1 (each
 * subset gets ⌊n·fraction⌋, and the remainder is handed out one by one from the first subset on,
 * as PyTorch does). The indices are a random permutation (Fisher–Yates on core's RandomGenerator,
 * so not PyTorch's numbers) cut into consecutive pieces.
 * @example
 * ```ts
 * const [train, test] = randomSplit(data, [0.8, 0.2], { seed: 42 });
 * ```
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const where = 'randomSplit';
  checkDataset(dataset, where);
  if (!Array.isArray(lengths) || lengths.length === 0) throw new ChainruleError(`${where}: lengths must be a non-empty array of counts or fractions, got ${describeValue(lengths)}`);
  const n = dataset.length;
  lengths.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isFinite(l) || l < 0) throw new ChainruleError(`${where}: lengths[${i}] must be a count or a fraction ≥ 0, got ${describeValue(l)}`);
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  let counts: number[];
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    // PyTorch: floor each share, then one more to subsets 0, 1, … until all n are placed
    counts = lengths.map((f) => Math.floor(n * f));
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]++;
  } else {
    lengths.forEach((l, i) => {
      if (!Number.isInteger(l)) throw new ChainruleError(`${where}: lengths[${i}] is ${l}: give counts (integers) that add up to ${n}, or fractions that add up to 1`);
    });
    if (total !== n) throw new ChainruleError(`${where}: the lengths add up to ${total} but the dataset has ${n} items`);
    counts = lengths.slice();
  }
  const order = permutation(n, options, where);
  const out: Subset<T>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, order.slice(start, start + c)));
    start += c;
  }
  return out;
}

/**
 * A random permutation of 0 … n−1 (Fisher–Yates, j = ⌊u·(i + 1)⌋ with u uniform from core's
 * generators), drawn from `options.generator`, a new generator seeded `options.seed`, or the global one.
 * @example `permutation(5, { seed: 1 }, 'DataLoader') // e.g. [3, 0, 4, 1, 2]`
 */
export function permutation(n: number, options: RandomSplitOptions, where: string): number[] {
  const { seed, generator } = options;
  if (seed !== undefined && generator !== undefined) throw new ChainruleError(`${where}: give either seed or generator, not both`);
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) throw new ChainruleError(`${where}: seed must be a finite number, got ${describeValue(seed)}`);
  if (generator !== undefined && !(generator instanceof RandomGenerator)) throw new ChainruleError(`${where}: generator must be a RandomGenerator, got ${describeValue(generator)}`);
  const order = Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  const u = rand([n - 1], seed !== undefined ? { seed } : generator !== undefined ? { generator } : {}).buffer;
  for (let i = n - 1, k = 0; i > 0; i--, k++) {
    const j = Math.floor(u[k] * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Throws unless `dataset` has a length (an integer ≥ 0) and a get method. */
export function checkDataset(dataset: unknown, where: string): void {
  const d = dataset as Partial<Dataset<unknown>> | null;
  if (d === null || typeof d !== 'object' || typeof d.get !== 'function' || typeof d.length !== 'number' || !Number.isInteger(d.length) || d.length < 0) {
    throw new ChainruleError(`${where}: expected a dataset { length, get(i) } such as a TensorDataset, got ${describeValue(dataset)}`);
  }
}

function checkIndex(index: unknown, length: number, where: string): void {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= length) {
    throw new ChainruleError(`${where}: index must be an integer in 0..${length - 1}, got ${describeValue(index)}`);
  }
}

/** Rows `indices` of `t` copied into a new tensor of `shape` (a row is everything after the first dimension). */
function rows(t: Tensor, indices: readonly number[], shape: readonly number[]): Tensor {
  const size = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  const src = t.buffer;
  const out = src instanceof Float32Array ? new Float32Array(indices.length * size) : new Float64Array(indices.length * size);
  indices.forEach((r, k) => out.set(src.subarray(r * size, (r + 1) * size), k * size));
  return new Tensor(out, shape);
}

/**
 * DataLoader: batches of a dataset, optionally shuffled with a seeded generator, as PyTorch's.
 * @module
 */
import { ChainruleError, isTensor, RandomGenerator, stack, tensor, type Tensor } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { checkDataset, permutation, type Dataset } from './dataset.js';

/** Options of {@link DataLoader}. @example `{ batchSize: 32, shuffle: true, seed: 0 }` */
export interface DataLoaderOptions {
  /** Items per batch (an integer ≥ 1; default 1). */
  batchSize?: number;
  /** Draw a new order of the items at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Shuffle with a generator made once from this seed: every epoch a new order, the same orders on every run and machine. */
  seed?: number;
  /** Shuffle with this generator (advancing it). With neither: the global generator that `manualSeed` sets. */
  generator?: RandomGenerator;
}

/**
 * A batch as {@link collate} makes it from items of type T: tensors stacked along a new first axis,
 * numbers into a 1-D tensor, arrays and objects position by position.
 * @example `Collated<[Tensor, number]>` is `[Tensor, Tensor]`
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : never;

const OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'seed', 'generator'];

/**
 * Iterates over a dataset in batches, as PyTorch's `DataLoader`: `for (const [x, y] of loader)`
 * gives each batch, items collated by {@link collate} (a {@link TensorDataset}'s rows are copied
 * straight into the batch tensors). Each `for` loop is one epoch: with `shuffle`, its order is a
 * new random permutation, drawn when the loop starts (Fisher–Yates on core's RandomGenerator,
 * never Math.random: reproducible with `seed` or `generator`, but not PyTorch's numbers); without,
 * the items in order. `length` is the number of batches per epoch.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 16, shuffle: true, seed: 0 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const [xb, yb] of loader) {
 *     opt.zeroGrad();
 *     lossFn.forward(net.forward(xb), yb).backward();
 *     opt.step();
 *   }
 * }
 * ```
 */
export class DataLoader<T> implements Iterable<Collated<T>> {
  /** The dataset the batches come from. */
  readonly dataset: Dataset<T>;
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is left out. */
  readonly dropLast: boolean;
  readonly #generator: RandomGenerator | undefined;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions = {}) {
    checkDataset(dataset, 'DataLoader');
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ChainruleError(`DataLoader: options must be an object such as { batchSize: 32 }, got ${describeValue(options)}`);
    for (const key of Object.keys(options)) {
      if (!OPTIONS.includes(key)) throw new ChainruleError(`DataLoader: unknown option '${key}'; the options are ${OPTIONS.join(', ')}`);
    }
    const batchSize = options.batchSize ?? 1;
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) throw new ChainruleError(`DataLoader: batchSize must be an integer ≥ 1, got ${describeValue(batchSize)}`);
    for (const key of ['shuffle', 'dropLast'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new ChainruleError(`DataLoader: ${key} must be true or false, got ${describeValue(options[key])}`);
    }
    const { seed, generator } = options;
    if (seed !== undefined && generator !== undefined) throw new ChainruleError('DataLoader: give either seed or generator, not both');
    if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) throw new ChainruleError(`DataLoader: seed must be a finite number, got ${describeValue(seed)}`);
    if (generator !== undefined && !(generator instanceof RandomGenerator)) throw new ChainruleError(`DataLoader: generator must be a RandomGenerator, got ${describeValue(generator)}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.#generator = seed !== undefined ? new RandomGenerator(seed) : generator;
  }

  /** The number of batches in an epoch: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with dropLast. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches (with shuffle, a new order each time). @example `for (const [x, y] of loader) { ... }` */
  *[Symbol.iterator](): Iterator<Collated<T>> {
    const n = this.dataset.length;
    const order = this.shuffle ? permutation(n, this.#generator === undefined ? {} : { generator: this.#generator }, 'DataLoader') : Array.from({ length: n }, (_, i) => i);
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      const indices = order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
      yield (typeof this.dataset.getBatch === 'function' ? this.dataset.getBatch(indices) : collate(indices.map((i) => this.dataset.get(i)))) as Collated<T>;
    }
  }
}

/**
 * Makes one batch from a list of items of the same structure, as PyTorch's `default_collate`:
 * tensors (all of one shape) are stacked along a new first axis, numbers become a 1-D float64
 * tensor, arrays (tuples) and plain objects are collated position by position or key by key.
 * @example
 * ```ts
 * collate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]); // [tensor([[1, 2], [3, 4]]), tensor([0, 1])]
 * ```
 */
export function collate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new ChainruleError('collate: no items to make a batch of');
  return collateAt(items, 'item') as Collated<T>;
}

function collateAt(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  if (isTensor(first)) {
    items.forEach((t, i) => {
      if (!isTensor(t)) throw new ChainruleError(`collate: ${where} of item ${i} is ${describeValue(t)} but item 0 has a Tensor there`);
    });
    return stack(items as Tensor[]);
  }
  if (typeof first === 'number') {
    items.forEach((v, i) => {
      if (typeof v !== 'number') throw new ChainruleError(`collate: ${where} of item ${i} is ${describeValue(v)} but item 0 has a number there`);
    });
    return tensor(items as number[]);
  }
  if (Array.isArray(first)) {
    items.forEach((v, i) => {
      if (!Array.isArray(v) || v.length !== first.length) throw new ChainruleError(`collate: ${where} of item ${i} is ${describeValue(v)} but item 0 has an array of ${first.length} there`);
    });
    return first.map((_, k) => collateAt(items.map((v) => (v as unknown[])[k]), `${where}[${k}]`));
  }
  if (first !== null && typeof first === 'object') {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = collateAt(items.map((v) => (v as Record<string, unknown>)[key]), `${where}.${key}`);
    return out;
  }
  throw new ChainruleError(`collate: cannot make a batch of ${describeValue(first)} (${where}); items must hold tensors, numbers, arrays or objects of them`);
}

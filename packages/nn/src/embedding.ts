/**
 * Embedding: a lookup table of learned vectors, one row per index.
 * @module
 */
import { allocBuffer, asTensor, ChainruleError, defineOp, fmtShape, isTensor, ShapeError, tensor, zeros, type DType, type OpContext, type RandomGenerator, type Tensor, type TensorLike } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { generatorFrom, normal_ } from './init.js';
import { Module } from './module.js';
import { checkOptions } from './options.js';
import { Parameter } from './parameter.js';

/**
 * The rows of `weight` [num, dim] picked by `input`, a tensor or nested array of integer indices of
 * any shape (PyTorch's `F.embedding`): out[…i] = weight[input[…i]], of shape [...input.shape, dim].
 *
 * d weight[r] = Σ of the gradient rows of every position holding r (a row picked twice gets both),
 * taken by core's gather, whose adjoint is scatterAdd. The row `paddingIdx` (negative counts from
 * the end) gets no gradient at all: its positions read a detached copy of it.
 *
 * Indices follow core's rule for index tensors: whole numbers (in any float dtype) in [0, num).
 * @example
 * ```ts
 * const w = tensor([[0, 0], [1, 2], [3, 4]]);
 * embedding([[2, 1], [0, 2]], w).shape; // [2, 2, 2]
 * embedding([1], w).toArray();           // [[1, 2]]
 * ```
 */
export function embedding(input: TensorLike, weight: Tensor, options: { paddingIdx?: number | null } = {}): Tensor {
  checkOptions(options, ['paddingIdx'], 'embedding');
  if (!isTensor(weight) || weight.ndim !== 2) {
    throw new ShapeError(`embedding: weight must be a 2-D tensor [numEmbeddings, embeddingDim], got ${isTensor(weight) ? `shape ${fmtShape(weight.shape)}` : describeValue(weight)}`);
  }
  return lookup(input, weight, normalizePaddingIdx(options.paddingIdx ?? null, weight.shape[0], 'embedding'), 'embedding');
}

function normalizePaddingIdx(paddingIdx: number | null, num: number, where: string): number | null {
  if (paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new ChainruleError(`${where}: paddingIdx must be an integer in [${-num}, ${num - 1}] (within numEmbeddings = ${num}), got ${describeValue(paddingIdx)}`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

function lookup(input: TensorLike, weight: Tensor, paddingIdx: number | null, where: string): Tensor {
  const [num, dim] = weight.shape;
  const idx = asTensor(input, { dtype: weight.dtype });
  const n = idx.size;
  let rows = weight.gather(0, embeddingRows(idx, { num, dim, dtype: weight.dtype, where }));
  if (paddingIdx !== null) {
    let keep = idx.ne(paddingIdx).reshape([n, 1]);
    if (keep.dtype !== weight.dtype) keep = keep.cast(weight.dtype); // indices of another dtype than the table's
    rows = rows.where(keep, rows.detach());
  }
  return rows.reshape([...idx.shape, dim]);
}

/**
 * The index that gather along axis 0 takes for an embedding lookup: [n, dim], row i holding the
 * i-th index (row-major) dim times, in `dtype`. Checks every index is a row of the table. An op,
 * not a loop in {@link lookup}, so that a compiled step reads, and checks, each new batch's indices.
 */
const embeddingRows = defineOp({
  name: 'embeddingRows',
  inputs: ['indices'],
  forward(ctx: OpContext<{ num: number; dim: number; dtype: DType; where: string }>, indices) {
    const { num, dim, dtype, where } = ctx.params;
    const values = indices.buffer;
    const n = values.length;
    const rows = allocBuffer(dtype, n * dim);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < 0 || v >= num) {
        throw new ChainruleError(`${where}: index ${v} at flat position ${i} of the input of shape ${fmtShape(indices.shape)} is not an integer in [0, ${num}) (numEmbeddings = ${num})`);
      }
      rows.fill(v, i * dim, (i + 1) * dim);
    }
    return { buffer: rows, shape: [n, dim] };
  },
});

/** Options of {@link Embedding}. @example `{ paddingIdx: 0, generator: new RandomGenerator(1) }` */
export interface EmbeddingOptions {
  /** A row that stays as it is (zeros at first) and gets no gradient: the index of padding tokens. Negative counts from the end. */
  paddingIdx?: number | null;
  /** Seed of a fresh generator for the initial N(0, 1) weights. */
  seed?: number;
  /** Generator to draw the initial weights from; without seed or generator, core's global one. */
  generator?: RandomGenerator;
  /** Exact initial table [numEmbeddings, embeddingDim] (copied, padding row included as given); no random draw. */
  weight?: TensorLike;
  /** Element type of the weight (default float64, or the given weight's). */
  dtype?: DType;
}

/**
 * A table of `numEmbeddings` learned vectors of size `embeddingDim` (PyTorch's `nn.Embedding`):
 * forward(indices) = weight[indices], of shape [...indices.shape, embeddingDim]; see
 * {@link embedding}. The weight starts as N(0, 1) samples, with the `paddingIdx` row zeroed.
 *
 * @example
 * ```ts
 * const emb = new Embedding(100, 16, { paddingIdx: 0 });
 * emb.forward([[5, 7, 0], [3, 0, 0]]).shape; // [2, 3, 16]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row (normalised to be ≥ 0), or null. */
  readonly paddingIdx: number | null;
  /** The table, [numEmbeddings, embeddingDim]. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions(options, ['paddingIdx', 'seed', 'generator', 'weight', 'dtype'], 'Embedding');
    for (const [what, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ChainruleError(`Embedding: ${what} must be a positive integer, got ${describeValue(v)}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normalizePaddingIdx(options.paddingIdx ?? null, numEmbeddings, 'Embedding');
    if (options.weight !== undefined) {
      const w = tensor(options.weight, { dtype: options.dtype ?? (isTensor(options.weight) ? options.weight.dtype : undefined) });
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new ShapeError(`Embedding: weight of shape ${fmtShape(w.shape)} does not fit ${numEmbeddings} embeddings of size ${embeddingDim}: expected [${numEmbeddings},${embeddingDim}]`);
      }
      this.weight = new Parameter(w);
      return;
    }
    const w = normal_(zeros([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float64' }), 0, 1, { generator: generatorFrom(options, 'Embedding') });
    const pad = this.paddingIdx;
    if (pad !== null) w.update((b) => b.fill(0, pad * embeddingDim, (pad + 1) * embeddingDim));
    this.weight = new Parameter(w);
  }

  /**
   * An Embedding whose table is a copy of `embeddings` [num, dim] (PyTorch's `from_pretrained`),
   * frozen (`requiresGrad = false`) unless `freeze: false`. The padding row is kept as given.
   * @example
   * ```ts
   * const emb = Embedding.fromPretrained(tensor([[1, 2], [3, 4]]));
   * emb.forward([1]).toArray(); // [[3, 4]]
   * ```
   */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    checkOptions(options, ['freeze', 'paddingIdx'], 'Embedding.fromPretrained');
    if (!isTensor(embeddings) || embeddings.ndim !== 2) {
      throw new ShapeError(`Embedding.fromPretrained: embeddings must be a 2-D tensor [numEmbeddings, embeddingDim], got ${isTensor(embeddings) ? `shape ${fmtShape(embeddings.shape)}` : describeValue(embeddings)}`);
    }
    const freeze = options.freeze ?? true;
    if (typeof freeze !== 'boolean') throw new ChainruleError(`Embedding.fromPretrained: freeze must be true or false, got ${describeValue(freeze)}`);
    const [num, dim] = embeddings.shape;
    const e = new Embedding(num, dim, { paddingIdx: options.paddingIdx, weight: embeddings });
    e.weight.requiresGrad = !freeze;
    return e;
  }

  /** `100, 16, paddingIdx=0`. */
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }

  forward(indices: TensorLike): Tensor {
    return lookup(indices, this.weight, this.paddingIdx, 'Embedding');
  }
}

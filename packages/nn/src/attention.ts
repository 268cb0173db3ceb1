/**
 * Multi-head attention: the function {@link multiheadAttention} (PyTorch's
 * `F.multi_head_attention_forward`) and the layer {@link MultiheadAttention} (`nn.MultiheadAttention`),
 * composed from core's ops (matmul, softmax, maskedFill, reshape, permute), so gradients of every
 * order come from theirs.
 *
 * The math is PyTorch 1.13's, step for step: in-projection (one packed product for self-attention),
 * heads split off the embedding axis, q / √headDim, scores q·kᵀ, masked positions set to -∞,
 * softmax over the keys, the weighted sum of values, heads joined, out-projection; the attention
 * weights averaged over heads as `sum / numHeads`.
 * @module
 */
import {
  ChainruleError,
  fmtShape,
  isTensor,
  ones,
  ShapeError,
  shapesEqual,
  tensor,
  type DType,
  type NestedArray,
  type RandomGenerator,
  type Tensor,
  type TensorLike,
} from '@chainrule/core';
import { generatorFrom, initBound, uniformTensor } from './init.js';
import { Dense } from './linear.js';
import { checkP, dropout } from './dropout.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * A mask: a tensor or nested array of numbers (non-zero = masked), or nested booleans (true = masked).
 * @example
 * ```ts
 * const m: AttentionMask = [[false, true], [false, false]];
 * ```
 */
export type AttentionMask = TensorLike | NestedBooleans;
/** Booleans nested like a tensor's rows. @example `[[true, false]]` */
export type NestedBooleans = boolean | readonly NestedBooleans[];

/**
 * The options of one attention call.
 *
 * Masks: chainrule has no bool dtype, so a mask is a tensor (or nested array) that is non-zero where
 * attention is NOT allowed, as PyTorch's bool masks are True there (nested booleans work too). A
 * float mask of 0 and -∞ (what `nn.Transformer.generate_square_subsequent_mask` returns) therefore
 * works unchanged; a float mask meant to be ADDED to the scores (PyTorch's float `attn_mask` with
 * finite values) goes in `attnBias`.
 * @example
 * ```ts
 * mha.forward(x, x, x, { isCausal: true, keyPaddingMask: [[0, 0, 1]] });
 * ```
 */
export interface AttentionOptions {
  /** [L, S] or [N·numHeads, L, S]: non-zero (or true) where query position l may not attend to key position s. */
  attnMask?: AttentionMask | null;
  /** Added to the scores before the softmax (PyTorch's float `attn_mask`): [L, S] or [N·numHeads, L, S]. */
  attnBias?: TensorLike | null;
  /** [N, S] (or [S] for an unbatched input): non-zero (or true) for keys to ignore (padding). */
  keyPaddingMask?: AttentionMask | null;
  /** Mask every key after the query's own position (a causal mask, triu(ones(L, S), 1)), with any attnMask. */
  isCausal?: boolean;
  /** Return the attention weights (default true; `forward` of the layer never returns them). */
  needWeights?: boolean;
  /** Average the returned weights over the heads (default true): [N, L, S]; else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

/**
 * The parameters of {@link multiheadAttention}: the head count, the in-projection (packed
 * `inProjWeight` [3E, E], or `qProjWeight` [E, E], `kProjWeight` [E, kdim], `vProjWeight` [E, vdim]),
 * its bias [3E], the out-projection [E, E] and bias [E], and the layout of the inputs.
 * @example
 * ```ts
 * const p: AttentionParameters = { numHeads: 4, inProjWeight, inProjBias, outProjWeight, outProjBias };
 * ```
 */
export interface AttentionParameters {
  numHeads: number;
  inProjWeight?: Tensor | null;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  inProjBias?: Tensor | null;
  outProjWeight: Tensor;
  outProjBias?: Tensor | null;
  /** Inputs are [N, L, E] (true) or [L, N, E] (false, the default, as in PyTorch). */
  batchFirst?: boolean;
  /** Dropout probability on the attention weights (PyTorch's `dropout_p`, default 0); applied only in training. */
  dropout?: number;
  /** Whether dropout applies (PyTorch's `training`, default true; the layer passes its own mode). */
  training?: boolean;
  /** Where dropout masks come from (default: core's global generator). */
  generator?: RandomGenerator;
}

/** The result of an attention call: the output, and the attention weights when asked for. */
export interface AttentionResult {
  /** [L, N, E] ([N, L, E] when batchFirst; [L, E] unbatched). */
  output: Tensor;
  /** [N, L, S] averaged over heads, or [N, numHeads, L, S]; without N when unbatched; null when not asked for. */
  weights: Tensor | null;
}

/** x [rows, in] · wᵀ + b: PyTorch's linear, on the blocked GEMM (the product reads w transposed in place). */
function project(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const y = x.matmul(w, { transposeB: true });
  return b === null ? y : y.add(b);
}

/** [rows, heads·hd] (rows in the input's order) as [N, heads, len, hd]. */
function splitHeads(y: Tensor, len: number, n: number, heads: number, batchFirst: boolean): Tensor {
  const hd = y.shape[1] / heads;
  return batchFirst ? y.reshape([n, len, heads, hd]).permute([0, 2, 1, 3]) : y.reshape([len, n, heads, hd]).permute([1, 2, 0, 3]);
}

/** A mask or bias as a tensor of the query's dtype (booleans as 1 and 0). */
function asTensorOf(v: AttentionMask, like: Tensor): Tensor {
  if (isTensor(v)) return v;
  const numbers = (u: unknown): NestedArray => (typeof u === 'boolean' ? (u ? 1 : 0) : Array.isArray(u) ? u.map(numbers) : (u as NestedArray));
  return tensor(numbers(v), { dtype: like.dtype });
}

/**
 * Multi-head attention (PyTorch's `F.multi_head_attention_forward` with `training=False`, no
 * bias_k/bias_v and no added zero attention): query [L, N, E], key [S, N, kdim], value [S, N, vdim]
 * (batch first with `batchFirst`, or unbatched [L, E]); returns the output and, unless
 * `needWeights: false`, the attention weights.
 *
 *   q, k, v = query·Wqᵀ + bq, key·Wkᵀ + bk, value·Wvᵀ + bv, split into numHeads heads of size hd = E / numHeads
 *   A = dropout(softmax(q/√hd · kᵀ + mask)) (masked positions -∞; dropout only with params.dropout in training),  output = concat_heads(A · v)·Woᵀ + bo
 *
 * Self-attention (query, key and value the same tensor) projects with one product by the packed
 * [3E, E] weight, as PyTorch does. A query row whose keys are all masked gives NaN, as in PyTorch.
 * @example
 * ```ts
 * const x = randn([5, 2, 8]); // [L, N, E]
 * const { output, weights } = multiheadAttention(x, x, x, { numHeads: 2, inProjWeight: randn([24, 8]), outProjWeight: randn([8, 8]) });
 * output.shape;   // [5, 2, 8]
 * weights!.shape; // [2, 5, 5]
 * ```
 */
export function multiheadAttention(query: Tensor, key: Tensor, value: Tensor, params: AttentionParameters, options: AttentionOptions = {}): AttentionResult {
  const name = 'multiheadAttention';
  const heads = params.numHeads;
  const batchFirst = params.batchFirst ?? false;
  const batched = query.ndim === 3;
  if (query.ndim !== 2 && query.ndim !== 3) throw new ShapeError(`${name}: query must be [L, N, E], [N, L, E] (batchFirst) or unbatched [L, E], got shape ${fmtShape(query.shape)}`);
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new ShapeError(`${name}: query, key and value must all be batched (3-D) or all unbatched (2-D), got shapes ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`);
  }
  const seqAxis = batched && batchFirst ? 1 : 0;
  const L = query.shape[seqAxis];
  const S = key.shape[seqAxis];
  const N = batched ? query.shape[1 - seqAxis] : 1;
  const E = params.outProjWeight.shape[0];
  if (!Number.isInteger(heads) || heads < 1 || E % heads !== 0) throw new ChainruleError(`${name}: numHeads must be a positive integer dividing the embedding size ${E}, got ${heads}`);
  if (query.shape[query.ndim - 1] !== E) throw new ShapeError(`${name}: query of shape ${fmtShape(query.shape)} does not have the embedding size ${E} of the out-projection`);
  const keyBatch = batched ? key.shape[1 - seqAxis] : 1;
  if (keyBatch !== N || (batched && value.shape[1 - seqAxis] !== N) || value.shape[seqAxis] !== S) {
    throw new ShapeError(`${name}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the query's batch size ${N} and one length S`);
  }
  const hd = E / heads;
  const rows = (x: Tensor) => x.reshape([-1, x.shape[x.ndim - 1]]);
  const bias = params.inProjBias ?? null;
  const biasPart = (i: number) => (bias === null ? null : bias.slice(0, i * E, (i + 1) * E));

  // in-projection: heads of q [N, H, L, hd], k and v [N, H, S, hd]
  let q: Tensor;
  let k: Tensor;
  let v: Tensor;
  const packed = params.inProjWeight ?? null;
  if (packed !== null && query === key && key === value) {
    // self-attention: one product by the packed weight, then q, k, v split off its output
    const y = project(rows(query), packed, bias); // [rows, 3E], rows in the input's order
    const parts = (batchFirst && batched ? y.reshape([N, L, 3, heads, hd]).permute([2, 0, 3, 1, 4]) : y.reshape([L, N, 3, heads, hd]).permute([2, 1, 3, 0, 4])).chunk(3, 0);
    [q, k, v] = parts.map((t) => t.reshape([N, heads, L, hd])) as [Tensor, Tensor, Tensor];
  } else {
    const [wq, wk, wv] =
      packed !== null
        ? packed.chunk(3, 0)
        : [params.qProjWeight, params.kProjWeight, params.vProjWeight].map((w, i) => {
            if (w == null) throw new ChainruleError(`${name}: give inProjWeight, or all of qProjWeight, kProjWeight and vProjWeight (${['q', 'k', 'v'][i]}ProjWeight is missing)`);
            return w;
          });
    const bf = batchFirst && batched;
    q = splitHeads(project(rows(query), wq, biasPart(0)), L, N, heads, bf);
    k = splitHeads(project(rows(key), wk, biasPart(1)), S, N, heads, bf);
    v = splitHeads(project(rows(value), wv, biasPart(2)), S, N, heads, bf);
  }

  // scores [N, H, L, S] = q/√hd · kᵀ, then the masks
  let scores = q.div(Math.sqrt(hd)).matmul(k, { transposeB: true });
  const perHead = (m: Tensor, what: string): Tensor => {
    if (m.ndim === 2 && m.shape[0] === L && m.shape[1] === S) return m;
    if (m.ndim === 3 && shapesEqual(m.shape, [N * heads, L, S])) return m.reshape([N, heads, L, S]);
    throw new ShapeError(`${name}: ${what} must be [${L}, ${S}] ([L, S]) or [${N * heads}, ${L}, ${S}] ([N·numHeads, L, S]), got ${fmtShape(m.shape)}`);
  };
  if (options.attnBias != null) scores = scores.add(perHead(asTensorOf(options.attnBias, query), 'attnBias'));
  if (options.attnMask != null) scores = scores.maskedFill(perHead(asTensorOf(options.attnMask, query), 'attnMask'), -Infinity);
  if (options.isCausal) scores = scores.maskedFill(ones([L, S], { dtype: query.dtype }).triu(1), -Infinity);
  if (options.keyPaddingMask != null) {
    const m = asTensorOf(options.keyPaddingMask, query);
    if (!shapesEqual(m.shape, batched ? [N, S] : [S])) throw new ShapeError(`${name}: keyPaddingMask must be ${batched ? `[${N}, ${S}] ([N, S])` : `[${S}] ([S])`}, got ${fmtShape(m.shape)}`);
    scores = scores.maskedFill(m.reshape([N, 1, 1, S]), -Infinity);
  }
  // dropout on the weights, after the softmax, as PyTorch does; the returned weights are the dropped ones
  const attn = dropout(scores.softmax(-1), { p: params.dropout ?? 0, training: params.training ?? true, generator: params.generator });

  // heads joined back: [N, H, L, hd] → rows in the input's order → out-projection
  const joined = batchFirst && batched ? attn.matmul(v).permute([0, 2, 1, 3]) : attn.matmul(v).permute([2, 0, 1, 3]);
  const out = project(joined.reshape([-1, E]), params.outProjWeight, params.outProjBias ?? null).reshape(query.shape.slice());

  if (options.needWeights === false) return { output: out, weights: null };
  let weights = options.averageAttnWeights === false ? attn : attn.sum(1).div(heads);
  if (!batched) weights = weights.squeeze(0);
  return { output: out, weights };
}

/**
 * Options of {@link MultiheadAttention}: PyTorch's `bias` (default true), `batchFirst` (default
 * false), `kdim` and `vdim` (the key's and value's sizes, default embedDim), and chainrule's
 * initialisation options, and `dropout` on the attention weights while training (default 0; the
 * masks come from `generator`/`seed` after the initial weights, else from the global generator).
 * `add_bias_kv` / `add_zero_attn` are not supported.
 * @example
 * ```ts
 * new MultiheadAttention(64, 4, { batchFirst: true, seed: 1 });
 * ```
 */
export interface MultiheadAttentionOptions {
  bias?: boolean;
  batchFirst?: boolean;
  kdim?: number;
  vdim?: number;
  /** Dropout probability on the attention weights while training (default 0). */
  dropout?: number;
  seed?: number;
  generator?: RandomGenerator;
  dtype?: DType;
}

/**
 * Multi-head attention (PyTorch's `nn.MultiheadAttention`), computed by {@link multiheadAttention}.
 * Parameters as PyTorch's: `inProjWeight` [3E, E] (or `qProjWeight`, `kProjWeight`, `vProjWeight`
 * when kdim or vdim differ from E), `inProjBias` [3E], and `outProj`, a Dense(E, E); initialised as
 * PyTorch does: Glorot-uniform in-projection, zero biases, the out-projection's weight uniform in ±1/√E.
 *
 * `forward(query, key, value, options)` returns the attention output; `forwardWithWeights` returns
 * `{ output, weights }`, PyTorch's `(attn_output, attn_output_weights)`.
 * @example
 * ```ts
 * const mha = new MultiheadAttention(64, 4, { batchFirst: true });
 * const x = randn([8, 32, 64]);
 * mha.forward(x, x, x, { isCausal: true }).shape; // [8, 32, 64]
 * mha.forwardWithWeights(x, x, x).weights!.shape; // [8, 32, 32]
 * ```
 */
export class MultiheadAttention extends Module {
  /** E, the model's embedding size. */
  readonly embedDim: number;
  readonly numHeads: number;
  /** E / numHeads. */
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  /** `[3E, E]`: the rows of Wq, Wk and Wv stacked; null when kdim or vdim differ from E. */
  inProjWeight: Parameter | null;
  /** [E, E], [E, kdim], [E, vdim]: separate projections, when kdim or vdim differ from E. */
  qProjWeight: Parameter | null;
  kProjWeight: Parameter | null;
  vProjWeight: Parameter | null;
  /** `[3E]`: the biases of the q, k and v projections, or null. */
  inProjBias: Parameter | null;
  /** The out-projection, Dense(E, E). */
  outProj: Dense;
  /** Dropout probability on the attention weights while training. */
  readonly dropout: number;
  /** Where the initial weights, then the dropout masks, come from; undefined for the global generator. */
  readonly generator: RandomGenerator | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const name = 'MultiheadAttention';
    if (!Number.isInteger(embedDim) || embedDim < 1) throw new ChainruleError(`${name}: embedDim must be a positive integer, got ${embedDim}`);
    if (!Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads !== 0) {
      throw new ChainruleError(`${name}: numHeads must be a positive integer dividing embedDim (${embedDim}), got ${numHeads}`);
    }
    this.dropout = checkP(options.dropout ?? 0, name);
    const E = embedDim;
    this.embedDim = E;
    this.numHeads = numHeads;
    this.headDim = E / numHeads;
    this.kdim = options.kdim ?? E;
    this.vdim = options.vdim ?? E;
    this.batchFirst = options.batchFirst ?? false;
    const dtype = options.dtype ?? 'float64';
    const generator = generatorFrom(options, name);
    this.generator = generator;
    const glorot = (rows: number, cols: number) => new Parameter(uniformTensor([rows, cols], initBound('xavier', cols, rows), generator, dtype));
    if (this.kdim === E && this.vdim === E) {
      this.inProjWeight = glorot(3 * E, E);
      this.qProjWeight = this.kProjWeight = this.vProjWeight = null;
    } else {
      this.inProjWeight = null;
      this.qProjWeight = glorot(E, E);
      this.kProjWeight = glorot(E, this.kdim);
      this.vProjWeight = glorot(E, this.vdim);
    }
    const bias = options.bias ?? true;
    this.inProjBias = bias ? new Parameter(tensor(new Array<number>(3 * E).fill(0), { dtype })) : null;
    this.outProj = new Dense(E, E, { init: 'uniform', generator, bias, ...(bias ? { biasValue: 0 } : {}), dtype });
  }

  /** `embedDim=64, numHeads=4` and the settings that differ from the defaults. */
  override extraRepr(): string {
    const parts = [`embedDim=${this.embedDim}`, `numHeads=${this.numHeads}`];
    if (this.kdim !== this.embedDim) parts.push(`kdim=${this.kdim}`);
    if (this.vdim !== this.embedDim) parts.push(`vdim=${this.vdim}`);
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.inProjBias === null) parts.push('bias=false');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    return parts.join(', ');
  }

  /** The attention output and weights (PyTorch's `(attn_output, attn_output_weights)`). */
  forwardWithWeights(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): AttentionResult {
    return multiheadAttention(
      query,
      key,
      value,
      {
        numHeads: this.numHeads,
        inProjWeight: this.inProjWeight,
        qProjWeight: this.qProjWeight,
        kProjWeight: this.kProjWeight,
        vProjWeight: this.vProjWeight,
        inProjBias: this.inProjBias,
        outProjWeight: this.outProj.weight,
        outProjBias: this.outProj.bias,
        batchFirst: this.batchFirst,
        dropout: this.dropout,
        training: this.training,
        generator: this.generator,
      },
      options,
    );
  }

  /** The attention output: [L, N, E], [N, L, E] with batchFirst, or [L, E] unbatched. */
  forward(query: Tensor, key: Tensor, value: Tensor, options?: AttentionOptions): Tensor;
  /** Module's signature (tensors only): `forward(query, key, value)`. */
  forward(...inputs: Tensor[]): Tensor;
  // NOTE: the overloads above let the options follow Module's `forward(...inputs: Tensor[])`
  forward(query: Tensor, key: Tensor, value: Tensor, options?: AttentionOptions | Tensor): Tensor {
    if (!isTensor(query) || !isTensor(key) || !isTensor(value)) {
      throw new ChainruleError('MultiheadAttention: forward takes query, key and value tensors (the same tensor three times for self-attention), then an options object');
    }
    if (isTensor(options)) throw new ChainruleError('MultiheadAttention: forward takes query, key, value and an options object, got a fourth tensor');
    return this.forwardWithWeights(query, key, value, { ...options, needWeights: false }).output;
  }
}

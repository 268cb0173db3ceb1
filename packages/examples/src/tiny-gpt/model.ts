/**
 * The tiny GPT: a decoder-only, character-level transformer in the shape of GPT-2, built from
 * nn's layers (Embedding, LayerNorm, causal MultiheadAttention, Dense, GELU).
 * @module
 */
import { arange, fmtShape, RandomGenerator, ShapeError, type Tensor } from '@chainrule/core';
import { Dense, Embedding, GELU, LayerNorm, Module, ModuleList, MultiheadAttention, normal_, Sequential, zeros_ } from '@chainrule/nn';

/**
 * The sizes of a {@link TinyGpt}.
 * @example
 * ```ts
 * const config: TinyGptConfig = { vocabSize: 415, contextLength: 64, dModel: 48, numHeads: 4, numLayers: 2, seed: 1 };
 * ```
 */
export interface TinyGptConfig {
  /** Number of distinct characters (rows of the token table, columns of the logits). */
  vocabSize: number;
  /** The longest window the model reads (rows of the position table). */
  contextLength: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Attention heads per block (must divide dModel). */
  numHeads: number;
  /** Number of transformer blocks. */
  numLayers: number;
  /** Hidden width of each MLP as a multiple of dModel (default 4, as GPT-2). */
  mlpRatio?: number;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

/**
 * One pre-norm transformer block (GPT-2's): x + attn(ln1(x)), then x + mlp(ln2(x)), the attention
 * causal so that position t reads positions ≤ t only.
 * @example
 * ```ts
 * const block = new Block(32, 4, 4, new RandomGenerator(0));
 * block.forward(randn([2, 16, 32])).shape; // [2, 16, 32]
 * ```
 */
export class Block extends Module {
  ln1: LayerNorm;
  attn: MultiheadAttention;
  ln2: LayerNorm;
  mlp: Sequential;

  constructor(dModel: number, numHeads: number, mlpRatio: number, generator: RandomGenerator) {
    super();
    this.ln1 = new LayerNorm(dModel);
    this.attn = new MultiheadAttention(dModel, numHeads, { batchFirst: true, generator });
    this.ln2 = new LayerNorm(dModel);
    this.mlp = new Sequential(new Dense(dModel, mlpRatio * dModel, { generator }), new GELU(), new Dense(mlpRatio * dModel, dModel, { generator }));
  }

  /** x [N, T, dModel] → [N, T, dModel]. */
  forward(x: Tensor): Tensor {
    const h = this.ln1.forward(x);
    x = x.add(this.attn.forward(h, h, h, { isCausal: true }));
    return x.add(this.mlp.forward(this.ln2.forward(x)));
  }
}

/**
 * A character-level GPT: token plus learned position embeddings, `numLayers` {@link Block}s, a final
 * LayerNorm and a Dense head to the vocabulary. `forward(indices [N, T])` gives logits [N, T, vocabSize],
 * the logits at position t depending on indices[.., 0..t] only.
 * @example
 * ```ts
 * const model = new TinyGpt({ vocabSize: 10, contextLength: 8, dModel: 16, numHeads: 2, numLayers: 1 });
 * model.forward(tensor([[1, 2, 3]])).shape; // [1, 3, 10]
 * ```
 */
export class TinyGpt extends Module {
  readonly config: Readonly<Required<TinyGptConfig>>;
  tokenEmbedding: Embedding;
  positionEmbedding: Embedding;
  blocks: ModuleList<Block>;
  lnFinal: LayerNorm;
  head: Dense;

  constructor(config: TinyGptConfig) {
    super();
    const { vocabSize, contextLength, dModel, numHeads, numLayers, mlpRatio = 4, seed = 0 } = config;
    this.config = Object.freeze({ vocabSize, contextLength, dModel, numHeads, numLayers, mlpRatio, seed });
    const generator = new RandomGenerator(seed);
    this.tokenEmbedding = new Embedding(vocabSize, dModel, { generator });
    this.positionEmbedding = new Embedding(contextLength, dModel, { generator });
    this.blocks = new ModuleList(Array.from({ length: numLayers }, () => new Block(dModel, numHeads, mlpRatio, generator)));
    this.lnFinal = new LayerNorm(dModel);
    this.head = new Dense(dModel, vocabSize, { generator });
    // GPT-2's initialisation: every Dense and Embedding weight N(0, 0.02²), biases 0 (the attention's
    // packed in-projection is no Dense and keeps its Glorot draw, as under PyTorch's model.apply).
    // The small head makes the first logits nearly equal, so the loss starts at ln(vocabSize).
    this.apply((m) => {
      if (m instanceof Dense) {
        normal_(m.weight, 0, 0.02, { generator });
        if (m.bias !== null) zeros_(m.bias);
      } else if (m instanceof Embedding) {
        normal_(m.weight, 0, 0.02, { generator });
      }
    });
  }

  /** `indices` [N, T] (T ≤ contextLength, whole numbers below vocabSize) → logits [N, T, vocabSize]. */
  forward(indices: Tensor): Tensor {
    const T = indices.shape[indices.ndim - 1];
    if (indices.ndim !== 2 || T > this.config.contextLength) {
      throw new ShapeError(`TinyGpt.forward: expected indices of shape [N, T] with T ≤ contextLength ${this.config.contextLength}, got shape ${fmtShape(indices.shape)}`);
    }
    let x = this.tokenEmbedding.forward(indices).add(this.positionEmbedding.forward(arange(T)));
    for (const block of this.blocks) x = block.forward(x);
    return this.head.forward(this.lnFinal.forward(x));
  }
}

/**
 * Builds a {@link TinyGpt} of the given sizes, initialised from `config.seed`.
 * @example
 * ```ts
 * const model = buildModel({ vocabSize: vocab.size, contextLength: 64, dModel: 48, numHeads: 4, numLayers: 2, seed: 1 });
 * ```
 */
export function buildModel(config: TinyGptConfig): TinyGpt {
  return new TinyGpt(config);
}

/**
 * The text side of the tiny GPT: the article, its characters as a vocabulary, the unigram entropy
 * to beat, and seeded batches of random windows.
 * @module
 */
import { readFileSync } from 'node:fs';
import { ChainruleError, randint, tensor, type RandomGenerator, type Tensor } from '@chainrule/core';

/**
 * The seed article ("反向传播—BP"), read from `packages/examples/data/article.txt`: a byte-for-byte
 * copy of the project's `shared/seed/000_83cd4ea2d437def5.txt` (see data/README.md). The path is
 * resolved from this module, so it works from `src/` (tests) and from `dist/` (the CLI) alike.
 * @example
 * ```ts
 * loadArticle().startsWith('---\ntitle: "反向传播—BP"'); // true
 * ```
 */
export function loadArticle(): string {
  return readFileSync(new URL('../../data/article.txt', import.meta.url), 'utf8');
}

/**
 * The characters of a text (Unicode code points, sorted) as token indices 0 … size − 1.
 * @example
 * ```ts
 * const vocab = new CharVocabulary('hello');
 * vocab.size;                       // 4 (e, h, l, o)
 * vocab.decode(vocab.encode('hole')); // 'hole'
 * ```
 */
export class CharVocabulary {
  /** The characters, index i holding token i. */
  readonly chars: readonly string[];
  readonly #index: ReadonlyMap<string, number>;

  constructor(text: string) {
    this.chars = Object.freeze([...new Set(text)].sort());
    this.#index = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** The number of distinct characters. */
  get size(): number {
    return this.chars.length;
  }

  /** Whether `char` is in the vocabulary. */
  has(char: string): boolean {
    return this.#index.has(char);
  }

  /** The token index of every character of `text`; throws on a character outside the vocabulary. */
  encode(text: string): number[] {
    return [...text].map((c, position) => {
      const i = this.#index.get(c);
      if (i === undefined) throw new ChainruleError(`CharVocabulary.encode: character ${JSON.stringify(c)} at position ${position} is not in the vocabulary of ${this.size} characters`);
      return i;
    });
  }

  /** The characters of token indices, joined. */
  decode(indices: Iterable<number>): string {
    return Array.from(indices, (i) => {
      const c = this.chars[i];
      if (c === undefined) throw new ChainruleError(`CharVocabulary.decode: token ${i} is not an index in [0, ${this.size})`);
      return c;
    }).join('');
  }
}

/**
 * The entropy of the text's character frequencies, in nats per character: −Σ p(c) ln p(c). The
 * cross-entropy of the best model that ignores context, so the loss a language model has to beat.
 * @example
 * ```ts
 * unigramEntropy('abab'); // ln 2 ≈ 0.6931
 * ```
 */
export function unigramEntropy(text: string): number {
  const counts = new Map<string, number>();
  let n = 0;
  for (const c of text) {
    counts.set(c, (counts.get(c) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const count of counts.values()) h -= (count / n) * Math.log(count / n);
  return h;
}

/** A batch of windows: inputs [B, T] and the next characters, targets [B, T]. */
export interface Batch {
  inputs: Tensor;
  targets: Tensor;
}

/**
 * `batchSize` windows of `contextLength` tokens starting at random positions drawn from `generator`
 * (PyTorch's `torch.randint(len(data) − T, (B,))`); each target window is its input shifted by one.
 * @example
 * ```ts
 * const { inputs, targets } = randomBatch(vocab.encode(text), 16, 64, new RandomGenerator(1));
 * inputs.shape; // [16, 64]
 * ```
 */
export function randomBatch(tokens: readonly number[], batchSize: number, contextLength: number, generator: RandomGenerator): Batch {
  const starts = tokens.length - contextLength;
  if (starts < 1) throw new ChainruleError(`randomBatch: ${tokens.length} tokens do not hold a window of ${contextLength} plus one target`);
  const inputs: number[][] = [];
  const targets: number[][] = [];
  const firsts = randint(0, starts, [batchSize], { generator }).buffer;
  for (let b = 0; b < batchSize; b++) {
    const s = firsts[b]!;
    inputs.push(tokens.slice(s, s + contextLength));
    targets.push(tokens.slice(s + 1, s + contextLength + 1));
  }
  return { inputs: tensor(inputs), targets: tensor(targets) };
}

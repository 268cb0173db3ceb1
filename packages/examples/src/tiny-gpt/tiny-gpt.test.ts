// The tiny GPT on a tiny configuration: the loss starts at ln(vocabulary) and falls, the attention
// is causal to the last bit, sampling is reproducible and stays in the vocabulary, the warm-up and
// cosine schedule give the learning rates of their closed forms, and the text tools do what they say.
import { describe, expect, it } from 'vitest';
import { RandomGenerator, tensor } from '@chainrule/core';
import { buildModel } from './model.js';
import { CharVocabulary, loadArticle, randomBatch, unigramEntropy } from './text.js';
import { compiledTrainStep, generate, makeOptimizer, trainStep, trainTinyGpt } from './train.js';

const TINY = { contextLength: 16, dModel: 16, numHeads: 2, numLayers: 1, batchSize: 8, steps: 40, lr: 1e-2, warmupSteps: 4, seed: 3, logEvery: 1 } as const;

describe('tiny-gpt on the article, tiny configuration (40 steps)', () => {
  const r = trainTinyGpt(TINY);
  const lnVocab = Math.log(r.vocab.size);

  it('starts at ln(vocabulary size): the N(0, 0.02²) head gives nearly equal logits', () => {
    expect(r.vocab.size).toBe(415);
    // logits ≈ N(0, σ²) with σ ≈ 0.02·√16 = 0.08 per position give E[loss] ≈ ln V + σ²/2 ≈ ln V + 0.003,
    // give or take the draw of the frequent characters' head rows; measured 6.0326 against ln 415 = 6.0283
    expect(Math.abs(r.initialLoss - lnVocab)).toBeLessThan(0.02);
  });

  it('learns: the loss falls by a factor of 1.5 from ln(vocabulary), below the unigram entropy', () => {
    // measured: 6.033 → 3.815 (unigram entropy 4.020): the model uses context after 40 steps
    expect(r.finalLoss).toBeLessThan(r.initialLoss / 1.5);
    expect(r.finalLoss).toBeLessThan(r.unigramEntropy);
    // the training loss of the last steps, too (not only the evaluation windows)
    const lastFive = r.log.slice(-5).reduce((s, e) => s + e.loss, 0) / 5;
    expect(lastFive).toBeLessThan(r.log[0].loss / 1.5);
  });

  it('follows the warm-up then the cosine: lr/100 → lr over 4 steps, then η_min + ½(lr − η_min)(1 + cos(π e / 36))', () => {
    const lrs = r.log.map((e) => e.lr);
    const etaMin = TINY.lr / 10;
    expect(lrs[0]).toBeAllClose(TINY.lr * 0.01, { rtol: 1e-12 });
    for (let s = 0; s <= TINY.warmupSteps; s++) expect(lrs[s]).toBeAllClose(TINY.lr * (0.01 + (0.99 * s) / TINY.warmupSteps), { rtol: 1e-12 });
    const tMax = TINY.steps - TINY.warmupSteps;
    for (let e = 0; e < tMax; e++) expect(lrs[TINY.warmupSteps + e]).toBeAllClose(etaMin + 0.5 * (TINY.lr - etaMin) * (1 + Math.cos((Math.PI * e) / tMax)), { rtol: 1e-12 });
  });

  it('is causal: changing a later character leaves every earlier logit unchanged, bit for bit', () => {
    const T = TINY.contextLength;
    const g = new RandomGenerator(5);
    const ids = Array.from({ length: 2 }, () => Array.from({ length: T }, () => Math.floor(g.uniform() * r.vocab.size)));
    const before = r.model.forward(tensor(ids)).toArray() as number[][][];
    for (const j of [1, 7, T - 1]) {
      const changed = ids.map((row) => row.slice());
      changed[0][j] = (changed[0][j] + 1) % r.vocab.size;
      const after = r.model.forward(tensor(changed)).toArray() as number[][][];
      expect(after[0].slice(0, j)).toEqual(before[0].slice(0, j));
      // the change does reach position j and beyond (the comparison above can fail), and not the other row
      for (let t = j; t < T; t++) expect(after[0][t]).not.toEqual(before[0][t]);
      expect(after[1]).toEqual(before[1]);
    }
  });

  it('samples reproducibly under a seed, only characters of the vocabulary', () => {
    const prompt = '反向传播';
    const a = generate(r.model, r.vocab, prompt, { length: 60, temperature: 0.8, seed: 7 });
    const b = generate(r.model, r.vocab, prompt, { length: 60, temperature: 0.8, seed: 7 });
    const c = generate(r.model, r.vocab, prompt, { length: 60, temperature: 0.8, seed: 8 });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect([...a]).toHaveLength(60);
    expect([...a].every((ch) => r.vocab.has(ch))).toBe(true);
    // a prompt longer than the context: only its last contextLength characters are read
    expect([...generate(r.model, r.vocab, loadArticle().slice(0, 40), { length: 5, seed: 1 })]).toHaveLength(5);
    expect(() => generate(r.model, r.vocab, prompt, { length: 5, temperature: 0 })).toThrow(/temperature must be > 0, got 0/);
    expect(() => generate(r.model, r.vocab, '', { length: 5 })).toThrow(/at least one character/);
  });

  it('trains the same under the same seed', () => {
    const short = { ...TINY, steps: 3, evalBatches: 1 };
    const run = () => {
      const { log, finalLoss } = trainTinyGpt(short);
      return { steps: log.map(({ step, loss, lr }) => ({ step, loss, lr })), finalLoss };
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(trainTinyGpt({ ...short, seed: 4 }).log[0].loss).not.toBe(first.steps[0].loss);
  });
});

describe('tiny-gpt text tools', () => {
  it('CharVocabulary: sorted characters, encode/decode round trip, clear errors', () => {
    const v = new CharVocabulary('反向传播 hello');
    expect(v.chars).toEqual([' ', 'e', 'h', 'l', 'o', '传', '反', '向', '播']);
    expect(v.decode(v.encode('hello 反向'))).toBe('hello 反向');
    expect(v.encode('he')).toEqual([2, 1]);
    expect(() => v.encode('hex')).toThrow(/character "x" at position 2 is not in the vocabulary of 9 characters/);
    expect(() => v.decode([9])).toThrow(/token 9 is not an index in \[0, 9\)/);
  });

  it('unigramEntropy: −Σ p ln p of the character frequencies', () => {
    expect(unigramEntropy('abab')).toBeAllClose(Math.log(2), { rtol: 1e-15 });
    expect(unigramEntropy('aaab')).toBeAllClose(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), { rtol: 1e-15 });
    expect(unigramEntropy('aaaa')).toBe(0);
  });

  it('compiledTrainStep: the same losses and weights as trainStep, bit for bit, on new batches each step', () => {
    const config = { vocabSize: 30, contextLength: 8, dModel: 8, numHeads: 2, numLayers: 1, seed: 2 };
    const tokens = Array.from({ length: 200 }, (_, i) => (i * 7 + (i >> 3)) % 30);
    const eager = buildModel(config);
    const twin = buildModel(config);
    const eagerOpt = makeOptimizer(eager, { lr: 1e-2, weightDecay: 0.1 });
    const step = compiledTrainStep(twin, makeOptimizer(twin, { lr: 1e-2, weightDecay: 0.1 }), 0.5);
    const g1 = new RandomGenerator(4);
    const g2 = new RandomGenerator(4);
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const loss = step(randomBatch(tokens, 3, 8, g1));
      expect(loss).toBe(trainStep(eager, eagerOpt, randomBatch(tokens, 3, 8, g2), 0.5).loss);
      losses.push(loss);
    }
    expect(new Set(losses).size).toBe(4);
    twin.parameters().forEach((p, i) => expect(Array.from(p.buffer)).toEqual(Array.from(eager.parameters()[i].buffer)));
  });

  it('randomBatch: seeded windows, targets shifted by one', () => {
    const tokens = Array.from({ length: 50 }, (_, i) => i);
    const a = randomBatch(tokens, 4, 8, new RandomGenerator(1));
    const b = randomBatch(tokens, 4, 8, new RandomGenerator(1));
    expect(a.inputs.shape).toEqual([4, 8]);
    expect(a.inputs.toArray()).toEqual(b.inputs.toArray());
    const inputs = a.inputs.toArray() as number[][];
    const targets = a.targets.toArray() as number[][];
    inputs.forEach((row, k) => {
      // tokens are their positions here, so each window is consecutive and its targets are the next ones
      expect(row).toEqual(Array.from({ length: 8 }, (_, i) => row[0] + i));
      expect(targets[k]).toEqual(row.map((t) => t + 1));
      expect(row[0] + 8).toBeLessThan(50);
    });
    expect(() => randomBatch(tokens.slice(0, 8), 1, 8, new RandomGenerator(1))).toThrow(/8 tokens do not hold a window of 8 plus one target/);
  });

  it('the model refuses a window longer than its context, naming the shapes', () => {
    const model = buildModel({ vocabSize: 5, contextLength: 4, dModel: 8, numHeads: 2, numLayers: 1 });
    expect(model.forward(tensor([[0, 1, 2, 3]])).shape).toEqual([1, 4, 5]);
    expect(() => model.forward(tensor([[0, 1, 2, 3, 4]]))).toThrow(/T ≤ contextLength 4, got shape \[1,5\]/);
  });
});

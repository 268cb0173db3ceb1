/**
 * Training and sampling the tiny GPT: one step (forward, cross-entropy, backward, clipping, AdamW),
 * the training loop with a linear warm-up then a cosine decay of the learning rate, the loss on
 * fixed windows, and text sampled with a temperature.
 * @module
 */
import { ChainruleError, multinomial, noGrad, RandomGenerator, tensor, type Tensor } from '@chainrule/core';
import { AdamW, clipGradNorm_, compileTrainStep, CosineAnnealingLR, CrossEntropyLoss, LinearLR, SequentialLR, type Optimizer } from '@chainrule/nn';
import { buildModel, type TinyGpt, type TinyGptConfig } from './model.js';
import { CharVocabulary, loadArticle, randomBatch, unigramEntropy, type Batch } from './text.js';

const lossFn = new CrossEntropyLoss();

/** The mean cross-entropy (nats per character) of every position's logits [B, T, V] against its next character [B, T]. */
function positionLoss(logits: Tensor, targets: Tensor, vocabSize: number): Tensor {
  return lossFn.forward(logits.reshape([-1, vocabSize]), targets.reshape([-1]));
}

/** The mean cross-entropy (nats per character) of the model's next-character predictions on a batch. */
function batchLoss(model: TinyGpt, { inputs, targets }: Batch) {
  return positionLoss(model.forward(inputs), targets, model.config.vocabSize);
}

/**
 * AdamW as GPT-2-style training sets it up: weight decay on the matrices (Dense, attention and embedding
 * weights), none on biases and LayerNorm's gains, which are vectors.
 * @example
 * ```ts
 * const optimizer = makeOptimizer(model, { lr: 3e-3, weightDecay: 0.1 });
 * ```
 */
export function makeOptimizer(model: TinyGpt, options: { lr: number; weightDecay: number }): AdamW {
  const params = model.parameters();
  return new AdamW(
    [
      { params: params.filter((p) => p.ndim >= 2), weightDecay: options.weightDecay },
      { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
    ],
    { lr: options.lr, betas: [0.9, 0.99] },
  );
}

/**
 * One training step on a batch: zero the gradients, the mean cross-entropy of every position's
 * next character, backward, clip the gradients' total norm to `maxGradNorm`, step the optimizer.
 * Returns the loss before the step (nats per character) and the gradient norm before clipping.
 * @example
 * ```ts
 * const { loss } = trainStep(model, optimizer, randomBatch(tokens, 16, 64, generator));
 * ```
 */
export function trainStep(model: TinyGpt, optimizer: Optimizer, batch: Batch, maxGradNorm = 1): { loss: number; gradNorm: number } {
  optimizer.zeroGrad();
  const loss = batchLoss(model, batch);
  loss.backward();
  const gradNorm = clipGradNorm_(model.parameters(), maxGradNorm);
  optimizer.step();
  return { loss: loss.item(), gradNorm };
}

/**
 * {@link trainStep} compiled (`compileTrainStep` from nn, with the same clipping): traced at the
 * first batch, replayed after, the same updates bit for bit. Returns the batch's loss; the gradient
 * norm is not returned (clipping runs as a side effect at each replay, and its number is the
 * trace's).
 * @example
 * ```ts
 * const step = compiledTrainStep(model, optimizer);
 * const loss = step(randomBatch(tokens, 16, 64, generator));
 * ```
 */
export function compiledTrainStep(model: TinyGpt, optimizer: Optimizer, maxGradNorm = 1): (batch: Batch) => number {
  const perPosition = { forward: (logits: Tensor, targets: Tensor) => positionLoss(logits, targets, model.config.vocabSize) };
  const step = compileTrainStep(model, perPosition, optimizer, { clipGradNorm: maxGradNorm });
  return ({ inputs, targets }) => step(inputs, targets).item();
}

/**
 * The mean loss over `batches` batches of windows drawn from `seed` (the same windows on every
 * call with the same seed), without recording a graph.
 * @example
 * ```ts
 * evaluate(model, tokens, { batches: 8, batchSize: 32, seed: 7 }); // nats per character
 * ```
 */
export function evaluate(model: TinyGpt, tokens: readonly number[], options: { batches: number; batchSize: number; seed: number }): number {
  const generator = new RandomGenerator(options.seed);
  return noGrad(() => {
    let total = 0;
    for (let b = 0; b < options.batches; b++) total += batchLoss(model, randomBatch(tokens, options.batchSize, model.config.contextLength, generator)).item();
    return total / options.batches;
  });
}

/**
 * Continues `prompt` by `length` characters, one at a time: the model reads the last contextLength
 * characters, the next one is drawn from softmax(logits / temperature) of the last position with
 * `multinomial`, from a generator seeded with `seed` (so the same seed gives the same text).
 * @example
 * ```ts
 * generate(model, vocab, '反向传播', { length: 100, temperature: 0.8, seed: 1 });
 * ```
 */
export function generate(model: TinyGpt, vocab: CharVocabulary, prompt: string, options: { length: number; temperature?: number; seed?: number }): string {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new ChainruleError(`generate: temperature must be > 0, got ${temperature}`);
  const generator = new RandomGenerator(options.seed ?? 0);
  const ids = vocab.encode(prompt);
  if (ids.length === 0) throw new ChainruleError('generate: the prompt must hold at least one character');
  const T = model.config.contextLength;
  noGrad(() => {
    for (let i = 0; i < options.length; i++) {
      const window = ids.slice(-T);
      const logits = model.forward(tensor([window])); // [1, t, V]
      const last = logits.slice(1, window.length - 1).reshape([vocab.size]);
      ids.push(multinomial(last.div(temperature).softmax(-1), 1, { generator }).item());
    }
  });
  return vocab.decode(ids.slice(-options.length));
}

/**
 * Options of {@link trainTinyGpt}: the model's sizes (without the vocabulary, taken from the text)
 * and the training's.
 * @example
 * ```ts
 * const options: TrainTinyGptOptions = { contextLength: 32, dModel: 32, numHeads: 2, numLayers: 2, steps: 300 };
 * ```
 */
export interface TrainTinyGptOptions extends Omit<TinyGptConfig, 'vocabSize'> {
  /** The text to learn (default: the article). */
  text?: string;
  /** The last fraction of the text, held out to measure the loss on unseen text (default 0.1). */
  heldOut?: number;
  /** Windows per batch (default 16). */
  batchSize?: number;
  /** Training steps (default 1000). */
  steps?: number;
  /** Peak learning rate, reached at the end of the warm-up (default 3e-3). */
  lr?: number;
  /** Steps of the linear warm-up from lr/100 to lr (an integer ≥ 1; default 5% of the steps); then a cosine down to lr/10. */
  warmupSteps?: number;
  /** AdamW's decoupled weight decay on the matrices (default 0.1). */
  weightDecay?: number;
  /** Gradients are clipped to this total norm (default 1). */
  maxGradNorm?: number;
  /** Batches of 32 fixed windows the losses before and after training are measured on (default 8). */
  evalBatches?: number;
  /** Called every `logEvery` steps with the mean training loss of those steps (default every 100). */
  onLog?: (entry: LogEntry) => void;
  logEvery?: number;
}

/** What {@link trainTinyGpt} reports every `logEvery` steps. @example `{ step: 100, loss: 3.1, lr: 0.003, seconds: 12.5 }` */
export interface LogEntry {
  step: number;
  /** Mean training loss over the steps since the last entry. */
  loss: number;
  /** The learning rate of the last of those steps. */
  lr: number;
  seconds: number;
}

/** What {@link trainTinyGpt} returns. @example `const { model, vocab, finalLoss, unigramEntropy } = trainTinyGpt(options)` */
export interface TinyGptRun {
  model: TinyGpt;
  vocab: CharVocabulary;
  log: LogEntry[];
  /** Loss (nats per character) on fixed windows of the training part, before and after training. */
  initialLoss: number;
  finalLoss: number;
  /** Loss after training on fixed windows of the held-out end of the text (NaN if it holds no window). */
  heldOutLoss: number;
  /** Of the whole text, nats per character: the loss of the best context-free model. */
  unigramEntropy: number;
  /** Wall time of the training loop. */
  seconds: number;
  /** CPU time of the training loop (all of the process's threads): less sensitive than wall time to other programs on the machine. */
  cpuSeconds: number;
  secondsPerStep: number;
}

/**
 * Trains a {@link TinyGpt} on the text (the article by default): seeded random windows of the
 * first part of the text, AdamW, a LinearLR warm-up then CosineAnnealingLR (a SequentialLR),
 * clipping. Returns the model, the vocabulary, the losses before and after on
 * fixed windows of the training part and of the held-out end, the unigram entropy of the whole
 * text, the log, and the wall and CPU time of the training loop.
 * @example
 * ```ts
 * const r = trainTinyGpt({ contextLength: 64, dModel: 48, numHeads: 4, numLayers: 2, steps: 1000, seed: 1 });
 * console.log(r.finalLoss, '<', r.unigramEntropy);
 * ```
 */
export function trainTinyGpt(options: TrainTinyGptOptions): TinyGptRun {
  const { text = loadArticle(), heldOut = 0.1, batchSize = 16, steps = 1000, lr = 3e-3, weightDecay = 0.1, maxGradNorm = 1, evalBatches = 8, logEvery = 100, onLog } = options;
  const warmupSteps = options.warmupSteps ?? Math.max(1, Math.round(steps * 0.05));
  const vocab = new CharVocabulary(text);
  const tokens = vocab.encode(text);
  const split = Math.round(tokens.length * (1 - heldOut));
  const trainTokens = tokens.slice(0, split);
  const heldOutTokens = tokens.slice(split);
  const model = buildModel({ ...options, vocabSize: vocab.size });
  const optimizer = makeOptimizer(model, { lr, weightDecay });
  // the cosine takes over at step warmupSteps, where the warm-up reaches lr: it restarts there at its
  // epoch 0, η_min + (lr − η_min), which is lr up to the last bit
  const warmup = new LinearLR(optimizer, { startFactor: 0.01, totalIters: warmupSteps });
  const cosine = new CosineAnnealingLR(optimizer, { tMax: Math.max(1, steps - warmupSteps), etaMin: lr / 10 });
  const scheduler = new SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [warmupSteps] });
  const generator = new RandomGenerator((options.seed ?? 0) + 1);
  // the same windows before and after (a fixed seed), so the two losses compare
  const measure = (t: readonly number[]) => (t.length > model.config.contextLength ? evaluate(model, t, { batches: evalBatches, batchSize: 32, seed: 12345 }) : NaN);

  const initialLoss = measure(trainTokens);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const log: LogEntry[] = [];
  const trainOn = compiledTrainStep(model, optimizer, maxGradNorm); // trainStep, traced at the first batch and replayed
  let sum = 0;
  for (let step = 1; step <= steps; step++) {
    const usedLr = optimizer.paramGroups[0].lr;
    sum += trainOn(randomBatch(trainTokens, batchSize, model.config.contextLength, generator));
    scheduler.step();
    if (step % logEvery === 0 || step === steps) {
      const entry = { step, loss: sum / (step - (log.at(-1)?.step ?? 0)), lr: usedLr, seconds: (performance.now() - start) / 1000 };
      log.push(entry);
      onLog?.(entry);
      sum = 0;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    model,
    vocab,
    log,
    initialLoss,
    finalLoss: measure(trainTokens),
    heldOutLoss: measure(heldOutTokens),
    unigramEntropy: unigramEntropy(text),
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    secondsPerStep: seconds / steps,
  };
}

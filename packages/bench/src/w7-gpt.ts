/**
 * W7: one training step of the tiny-gpt example's character transformer with the configuration of
 * its README run (`ARTICLE_RUN` in packages/examples/src/tiny-gpt/main.ts: 2 blocks, dModel 32,
 * 4 heads, context 32, batch 16; the article's 415 distinct characters), on windows of the article.
 *
 * chainrule runs the example's own `buildModel`, `makeOptimizer` and `trainStep` (cross-entropy of
 * every position, backward, clipping to total norm 1, AdamW with betas 0.9, 0.99 and weight decay
 * 0.1 on the matrices only). TF.js and jax-js run the same network written by hand with their ops
 * (token and position embedding gather, pre-norm blocks with LayerNorm, causal 4-head attention with
 * a packed q/k/v projection, an exact-GELU MLP of width 4·dModel, final LayerNorm, a dense head to the
 * vocabulary; 53,471 parameters, as the example's), the same loss, clipping and AdamW, on the same
 * batches. They start from their own seeded weights (N(0, 0.02²) matrices, zero biases): the work per
 * step is the same, the numbers are not. No plain-JS floor: a transformer's forward and backward by
 * hand (attention, LayerNorm, GELU, the embeddings' scatter) would be a second autodiff written for
 * one network; a floor that long would measure its own shortcuts more than a bound.
 * @module
 */
import { RandomGenerator } from '@chainrule/core';
import { ARTICLE_RUN } from '@chainrule/examples/tiny-gpt/main';
import { buildModel } from '@chainrule/examples/tiny-gpt/model';
import { CharVocabulary, loadArticle, randomBatch, type Batch } from '@chainrule/examples/tiny-gpt/text';
import { compiledTrainStep, makeOptimizer, trainStep } from '@chainrule/examples/tiny-gpt/train';
import type { Scalar, Tensor as TfTensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { Peer } from './harness.js';
import { compile, jaxArray, JaxAdamW, jaxScalar, jaxVariant, loadJax, type Jax, type JaxArray, type JaxStepOutput, type JaxVariant } from './jax.js';
import type { WorkloadResult } from './report.js';
import { measureSteps, stepNotes, stepTargets, stepWorkload, type StepTrainer, type StepWorkload } from './steps.js';
import { TfAdamW, tfStepTrainer, type Tf } from './tf.js';
import type { BenchOptions } from './w1-article.js';

/** The step's sizes and training settings. */
export interface W7Config {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  numHeads: number;
  numLayers: number;
  batchSize: number;
  lr: number;
  /** trainTinyGpt's defaults: weight decay 0.1 on the matrices, gradients clipped to total norm 1. */
  weightDecay: number;
  maxGradNorm: number;
  seed: number;
}

/** Batches and sizes shared by every peer. */
export interface W7Data {
  config: W7Config;
  /** The example's batches (chainrule's tensors) and their token ids for the other peers, [B·T] each. */
  batches: Batch[];
  inputs: Int32Array[];
  targets: Int32Array[];
}

/**
 * The example's README configuration on the article's text: `batches` seeded windows drawn with the
 * example's `randomBatch`. `sizes` shrinks the model for tests.
 * @example
 * ```ts
 * const d = w7Data(); d.config.vocabSize; // 415
 * ```
 */
export function w7Data(batches = 4, sizes: Partial<W7Config> = {}): W7Data {
  const text = loadArticle();
  const vocab = new CharVocabulary(text);
  const tokens = vocab.encode(text);
  const { contextLength, dModel, numHeads, numLayers, batchSize, lr, seed } = ARTICLE_RUN;
  const config: W7Config = { vocabSize: vocab.size, contextLength, dModel, numHeads, numLayers, batchSize, lr, weightDecay: 0.1, maxGradNorm: 1, seed, ...sizes };
  const generator = new RandomGenerator(config.seed + 1);
  const list = Array.from({ length: batches }, () => randomBatch(tokens, config.batchSize, config.contextLength, generator));
  return {
    config,
    batches: list,
    inputs: list.map((b) => Int32Array.from(b.inputs.buffer)),
    targets: list.map((b) => Int32Array.from(b.targets.buffer)),
  };
}

/**
 * chainrule: the example's `buildModel`, `makeOptimizer` and `trainStep`.
 * @example
 * ```ts
 * const trainer = w7Chainrule(w7Data()); trainer.step(0); // ≈ ln 415 at the start
 * ```
 */
export function w7Chainrule(d: W7Data): StepTrainer {
  const c = d.config;
  const model = buildModel(c);
  const optimizer = makeOptimizer(model, { lr: c.lr, weightDecay: c.weightDecay });
  return { step: (k) => trainStep(model, optimizer, d.batches[k % d.batches.length], c.maxGradNorm).loss };
}

/**
 * chainrule compiled: {@link w7Chainrule} with the example's `compiledTrainStep` (the same step and
 * clipping, traced at the first batch and replayed after).
 * @example
 * ```ts
 * const trainer = w7ChainruleCompiled(w7Data()); trainer.step(0); // the same loss as w7Chainrule's
 * ```
 */
export function w7ChainruleCompiled(d: W7Data): StepTrainer {
  const c = d.config;
  const model = buildModel(c);
  const step = compiledTrainStep(model, makeOptimizer(model, { lr: c.lr, weightDecay: c.weightDecay }), c.maxGradNorm);
  return { step: (k) => step(d.batches[k % d.batches.length]) };
}

/** A parameter of the hand-written transformer: its shape, initial values, and whether it is decayed (matrices). */
interface GptParam {
  shape: number[];
  data: Float64Array;
  decay: boolean;
}

/**
 * The hand-written transformer's parameters, in the order the forward passes take them: token and
 * position tables, per block [ln1 γ, ln1 β, W_qkv [d, 3d], b_qkv, W_o [d, d], b_o, ln2 γ, ln2 β,
 * W_1 [d, 4d], b_1, W_2 [4d, d], b_2], final LayerNorm γ, β, head W [d, V], b.
 */
function gptParams(c: W7Config): GptParam[] {
  const g = new RandomGenerator(c.seed + 2);
  const d = c.dModel;
  const normal = (shape: number[]): GptParam => {
    const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = 0.02 * g.normal();
    return { shape, data, decay: true };
  };
  const fill = (n: number, v: number): GptParam => ({ shape: [n], data: new Float64Array(n).fill(v), decay: false });
  const params = [normal([c.vocabSize, d]), normal([c.contextLength, d])];
  for (let l = 0; l < c.numLayers; l++) {
    params.push(fill(d, 1), fill(d, 0), normal([d, 3 * d]), fill(3 * d, 0), normal([d, d]), fill(d, 0));
    params.push(fill(d, 1), fill(d, 0), normal([d, 4 * d]), fill(4 * d, 0), normal([4 * d, d]), fill(d, 0));
  }
  params.push(fill(d, 1), fill(d, 0), normal([d, c.vocabSize]), fill(c.vocabSize, 0));
  return params;
}

/**
 * The number of parameters of the hand-written transformer (the example's TinyGpt has the same).
 * @example
 * ```ts
 * gptParamCount(w7Data().config); // 53,471
 * ```
 */
export function gptParamCount(c: W7Config): number {
  return gptParams(c).reduce((n, p) => n + p.data.length, 0);
}

/** The causal mask added to the scores: 0 where position t may read position s ≤ t, −10⁹ above the diagonal. */
function causalBias(t: number): Float64Array {
  const out = new Float64Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) out[i * t + j] = -1e9;
  return out;
}

/** One-hot rows [B·T, V] of the targets. */
function oneHotRows(ids: Int32Array, classes: number): Float64Array {
  const out = new Float64Array(ids.length * classes);
  ids.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
}

/**
 * TF.js (float32) on the current backend: the transformer with TF.js's ops; gradients, clipping
 * by total norm and AdamW (decay on the matrices, betas 0.9, 0.99) from {@link TfAdamW}.
 * @example
 * ```ts
 * await useBackend(tf, 'cpu'); w7Tf(tf, w7Data()).step(0);
 * ```
 */
export function w7Tf(tf: Tf, d: W7Data): StepTrainer {
  const c = d.config;
  const { batchSize: B, contextLength: T, dModel: D, numHeads: H, vocabSize: V } = c;
  const dh = D / H;
  const specs = gptParams(c);
  const vars = specs.map((p) => tf.variable(tf.tensor(Float32Array.from(p.data), p.shape)) as Variable);
  const inputs = d.inputs.map((ids) => tf.tensor2d(ids, [B, T], 'int32'));
  const targets = d.targets.map((ids) => tf.tensor2d(Float32Array.from(oneHotRows(ids, V)), [B * T, V]));
  const mask = tf.tensor2d(Float32Array.from(causalBias(T)), [T, T]);
  const adam = new TfAdamW(tf, vars, { lr: c.lr, betas: [0.9, 0.99], eps: 1e-8, weightDecay: c.weightDecay }, specs.map((p) => p.decay));
  const layerNorm = (x: TfTensor, gamma: TfTensor, beta: TfTensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
  };
  const dense = (x: TfTensor, w: TfTensor, b: TfTensor) => tf.add(tf.matMul(x as Tensor2D, w as Tensor2D), b);
  const heads = (x: TfTensor) => tf.transpose(tf.reshape(x, [B, T, H, dh]), [0, 2, 1, 3]);
  const loss = (ids: TfTensor, onehot: TfTensor) => {
    let p = 0;
    const next = () => vars[p++];
    const [tok, pos] = [next(), next()];
    let x = tf.reshape(tf.add(tf.gather(tok, ids), pos), [B * T, D]);
    for (let l = 0; l < c.numLayers; l++) {
      const [g1, b1, wqkv, bqkv, wo, bo, g2, b2, w1, bw1, w2, bw2] = Array.from({ length: 12 }, next);
      const [q, k, v] = tf.split(dense(layerNorm(x, g1, b1), wqkv, bqkv), 3, -1).map(heads);
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), mask);
      const attended = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [B * T, D]);
      x = tf.add(x, dense(attended, wo, bo));
      const u = dense(layerNorm(x, g2, b2), w1, bw1);
      const gelu = tf.mul(tf.mul(u, 0.5), tf.add(1, tf.erf(tf.mul(u, Math.SQRT1_2))));
      x = tf.add(x, dense(gelu, w2, bw2));
    }
    const [gf, bf, wh, bh] = [next(), next(), next(), next()];
    const logits = dense(layerNorm(x, gf, bf), wh, bh);
    return tf.mul(tf.sum(tf.mul(onehot, tf.logSoftmax(logits))), -1 / (B * T)) as Scalar;
  };
  return { step: (k) => adam.step(() => loss(inputs[k % inputs.length], targets[k % targets.length]), c.maxGradNorm) };
}

/**
 * jax-js (the variant's dtype; jitted or eager): the transformer with jax-js's ops (`np.take` for the
 * embeddings, `nn.softmax`, `nn.gelu` exact, `np.matmul` over batch axes), `valueAndGrad`, clipping
 * and {@link JaxAdamW}, all in one step function.
 * @example
 * ```ts
 * const trainer = w7JaxTrainer(await loadJax(), JAX_VARIANTS[0], w7Data()); await trainer.step(0);
 * ```
 */
export function w7JaxTrainer(jax: Jax, variant: JaxVariant, d: W7Data): StepTrainer {
  const { numpy: np, nn } = jax;
  const c = d.config;
  const { batchSize: B, contextLength: T, dModel: D, numHeads: H, vocabSize: V } = c;
  const dh = D / H;
  const specs = gptParams(c);
  const scalar = (v: number) => jaxScalar(jax, variant.dtype, v);
  const params = specs.map((p) => jaxArray(jax, variant.dtype, p.data, p.shape));
  const adam = new JaxAdamW(jax, variant.dtype, params, { lr: c.lr, betas: [0.9, 0.99], eps: 1e-8, weightDecay: c.weightDecay }, specs.map((p) => p.decay));
  const inputs = d.inputs.map((ids) => jax.numpy.array(ids, { dtype: jax.numpy.int32, shape: [B, T] }));
  const targets = d.targets.map((ids) => jaxArray(jax, variant.dtype, oneHotRows(ids, V), [B, T, V]));
  // constants the step needs as arrays (numbers in jitted code are rounded to float32)
  const constants = [jaxArray(jax, variant.dtype, causalBias(T), [T, T]), scalar(1 / Math.sqrt(dh)), scalar(1e-5), scalar(-1 / (B * T)), scalar(c.maxGradNorm), scalar(1e-6), scalar(1)];
  const layerNorm = (x: JaxArray, gamma: JaxArray, beta: JaxArray, eps: JaxArray) => {
    const centred = x.ref.sub(np.mean(x, -1, { keepdims: true }));
    const variance = np.mean(np.square(centred.ref), -1, { keepdims: true });
    return centred.div(np.sqrt(variance.add(eps))).mul(gamma).add(beta);
  };
  const heads = (x: JaxArray) => np.transpose(x.reshape([B, T, H, dh]), [0, 2, 1, 3]);
  const loss = (p: JaxArray[], ids: JaxArray, onehot: JaxArray, k: JaxArray[]) => {
    const [mask, scale, eps, minusInvCount] = k;
    let at = 0;
    const next = () => p[at++];
    const [tok, pos] = [next(), next()];
    let x = np.take(tok, ids, 0).add(pos);
    for (let l = 0; l < c.numLayers; l++) {
      const [g1, b1, wqkv, bqkv, wo, bo, g2, b2, w1, bw1, w2, bw2] = Array.from({ length: 12 }, next);
      const qkv = np.matmul(layerNorm(x.ref, g1, b1, eps.ref), wqkv).add(bqkv);
      const [q, kk, v] = [0, 1, 2].map((s) => heads(qkv.ref.slice([], [], [s * D, (s + 1) * D])));
      qkv.dispose();
      const scores = np.matmul(q, np.transpose(kk, [0, 1, 3, 2])).mul(scale.ref).add(mask.ref);
      const attended = np.transpose(np.matmul(nn.softmax(scores, -1), v), [0, 2, 1, 3]).reshape([B, T, D]);
      x = x.add(np.matmul(attended, wo).add(bo));
      const u = np.matmul(layerNorm(x.ref, g2, b2, eps.ref), w1).add(bw1);
      x = x.add(np.matmul(nn.gelu(u, { approximate: false }), w2).add(bw2));
    }
    const [gf, bf, wh, bh] = [next(), next(), next(), next()];
    const logits = np.matmul(layerNorm(x, gf, bf, eps), wh).add(bh);
    mask.dispose();
    scale.dispose();
    return onehot.mul(nn.logSoftmax(logits, -1)).sum().mul(minusInvCount);
  };
  const step = compile(jax, variant, (p: JaxArray[], m: JaxArray[], v: JaxArray[], adamConstants: JaxArray[], ids: JaxArray, onehot: JaxArray, k: JaxArray[]): JaxStepOutput => {
    const [maxNorm, tiny, one] = k.slice(4);
    const [value, grads] = jax.valueAndGrad(loss)(jax.tree.ref(p), ids, onehot, k.slice(0, 4));
    // clipping as clipGradNorm_: c = min(maxNorm / (‖g‖ + 1e-6), 1)
    const total = np.sqrt(grads.map((g) => np.square(g.ref).sum()).reduce((a, b) => a.add(b)));
    const factor = np.minimum(maxNorm.div(total.add(tiny)), one);
    const clipped = grads.map((g) => g.mul(factor.ref));
    factor.dispose();
    const [nextP, nextM, nextV] = JaxAdamW.update(jax, p, clipped, m, v, adamConstants, adam.decays);
    return [nextP, nextM, nextV, value];
  });
  return { step: (k) => adam.run(step, inputs[k % inputs.length].ref, targets[k % targets.length].ref, constants.map((x) => x.ref)) };
}

/** The peers W7 compares (no plain-JS floor: see the module comment). */
export const W7_PEERS: readonly Peer[] = ['chainrule', 'tfjs-cpu', 'tfjs-wasm', 'jax-f32', 'jax-f64', 'jax-eager-f32', 'jax-eager-f64', 'chainrule-compiled'];

let shared: W7Data | null = null;

/**
 * A W7 trainer for `peer` on the benchmark's batches (made once per process).
 * @example
 * ```ts
 * const trainer = await w7Trainer('jax-f32'); await trainer.step(0);
 * ```
 */
export async function w7Trainer(peer: Peer): Promise<StepTrainer> {
  const d = (shared ??= w7Data());
  if (peer === 'chainrule') return w7Chainrule(d);
  if (peer === 'chainrule-compiled') return w7ChainruleCompiled(d);
  if (peer === 'tfjs-cpu' || peer === 'tfjs-wasm') return tfStepTrainer(peer, (tf) => w7Tf(tf, d));
  if (peer === 'js') throw new Error('W7 has no plain-JS floor (see w7-gpt.ts)');
  return w7JaxTrainer(await loadJax(), jaxVariant(peer), d);
}

/** W7 as a step workload (steps.ts). */
export const W7: StepWorkload = stepWorkload('w7', 'W7 tiny GPT step, batch 16×32', W7_PEERS, w7Trainer);

/**
 * Runs W7: a fresh process per peer for the first steps, then interleaved warm rounds.
 * @example
 * ```ts
 * const { rows } = await runW7({ quick: true });
 * ```
 */
export async function runW7(opts: BenchOptions): Promise<WorkloadResult> {
  const r = await measureSteps(W7, opts);
  const c = (shared ??= w7Data()).config;
  const notes = [
    `W7 is the tiny-gpt example’s transformer in its README configuration (${c.numLayers} blocks, dModel ${c.dModel}, ${c.numHeads} heads, context ${c.contextLength}, batch ${c.batchSize}, vocabulary ${c.vocabSize}, ${gptParamCount(c).toLocaleString('en-US')} parameters): ` +
      `chainrule runs the example’s own buildModel, makeOptimizer and trainStep (AdamW lr ${c.lr}, betas 0.9, 0.99, weight decay ${c.weightDecay} on the matrices; clipping to total norm ${c.maxGradNorm}; the example’s warm-up and cosine schedule only change the lr and are left out); ` +
      'TF.js and jax-js run the same network, loss, clipping and AdamW written by hand with their own ops, from their own seeded weights: the same work per step, not the same numbers. ' +
      'No plain-JS floor: a transformer’s forward and backward by hand would be a second autodiff for one network.',
    ...stepNotes(W7, r, opts),
  ];
  return { rows: r.rows, targets: stepTargets('W7', r), notes };
}

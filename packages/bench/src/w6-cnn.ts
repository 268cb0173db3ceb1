/**
 * W6: one training step of the mnist example's CNN (packages/examples/src/mnist/model.ts: conv
 * 1→8 3×3, max-pool 2, ReLU, conv 8→16 3×3, max-pool 2, ReLU, flatten, dropout, dense 400→128,
 * ReLU, dropout, dense 128→10; cross-entropy; AdamW), batch 64 of the `mnist` package's digits.
 *
 * chainrule runs the example's own `buildModel` and `trainStep`; TF.js, jax-js and the hand-written
 * floor (w6-cnn-js.ts) run the same network from the same initial weights (read from the example's
 * model) on the same batches, with the same AdamW. Each peer draws its own dropout masks.
 * @module
 */
import { RandomGenerator, Tensor } from '@chainrule/core';
import { buildModel, compiledTrainStep, trainStep } from '@chainrule/examples/mnist/model';
import { loadMnist } from '@chainrule/examples/mnist/data';
import { AdamW } from '@chainrule/nn';
import type { Scalar, Tensor as TfTensor, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import type { Peer } from './harness.js';
import { compile, jaxArray, jaxDType, JaxAdamW, jaxScalar, jaxVariant, loadJax, type Jax, type JaxArray, type JaxStepOutput, type JaxVariant } from './jax.js';
import type { WorkloadResult } from './report.js';
import { measureSteps, stepNotes, stepTargets, stepWorkload, type StepTrainer, type StepWorkload } from './steps.js';
import { TfAdamW, tfStepTrainer, type Tf } from './tf.js';
import type { BenchOptions } from './w1-article.js';
import { w6Js } from './w6-cnn-js.js';

/** The step's settings: the example's model defaults and AdamW with its weight decay at a fixed learning rate. */
export interface W6Options {
  /** Digits per step (64, as the example trains; tests use fewer). */
  batch: number;
  /** Dropout probability (the example's default 0.1; tests use 0 to compare peers number for number). */
  dropout: number;
  lr: number;
  weightDecay: number;
  /** Seed of the weights (the example's buildModel seed) and of the batches. */
  seed: number;
  /** Distinct batches, cycled through by the steps. */
  batches: number;
}

/** The benchmark's settings: the example's one-cycle schedule starts near 1e-3; its weight decay is 1e-4. */
export const W6_OPTIONS: W6Options = { batch: 64, dropout: 0.1, lr: 1e-3, weightDecay: 1e-4, seed: 0, batches: 4 };

/** A parameter's values (row-major, float64) and shape, in chainrule's layouts. */
export interface W6Param {
  data: Float64Array;
  shape: number[];
}

/** Batches and initial weights shared by every peer. */
export interface W6Data {
  options: W6Options;
  /** Images, [batch, 1, 28, 28] row-major, pixels in [0, 1]. */
  xs: Float64Array[];
  /** Class indices, one per image. */
  labels: Int32Array[];
  /**
   * The example model's initial parameters, in its order: conv1 weight [8, 1, 3, 3] and bias [8],
   * conv2 weight [16, 8, 3, 3] and bias [16], dense1 weight [128, 400] and bias [128], dense2
   * weight [10, 128] and bias [10] (dense weights [out, in], as chainrule's Dense keeps them).
   */
  initial: W6Param[];
}

const SHAPES = [[8, 1, 3, 3], [8], [16, 8, 3, 3], [16], [128, 400], [128], [10, 128], [10]];

/**
 * Seeded batches of the mnist package's digits (drawn over all 10,000, which the package orders by
 * class) and the example model's initial weights for `options.seed`.
 * @example
 * ```ts
 * const d = w6Data(W6_OPTIONS); // d.xs[0].length === 64 * 784
 * ```
 */
export function w6Data(options: W6Options = W6_OPTIONS): W6Data {
  const { images, labels } = loadMnist();
  const count = labels.shape[0];
  const pixels = 28 * 28;
  const g = new RandomGenerator(options.seed + 1);
  const xs: Float64Array[] = [];
  const ys: Int32Array[] = [];
  for (let b = 0; b < options.batches; b++) {
    const x = new Float64Array(options.batch * pixels);
    const y = new Int32Array(options.batch);
    for (let i = 0; i < options.batch; i++) {
      const k = Math.floor(g.uniform() * count);
      x.set(images.buffer.subarray(k * pixels, (k + 1) * pixels), i * pixels);
      y[i] = labels.buffer[k];
    }
    xs.push(x);
    ys.push(y);
  }
  const initial = buildModel({ seed: options.seed, dropout: options.dropout })
    .parameters()
    .map((p) => ({ data: Float64Array.from(p.buffer), shape: [...p.shape] }));
  const shapes = JSON.stringify(initial.map((p) => p.shape));
  if (shapes !== JSON.stringify(SHAPES)) throw new Error(`w6Data: the example's model has parameters of shapes ${shapes}; this benchmark's peers are written for ${JSON.stringify(SHAPES)}`);
  return { options, xs, labels: ys, initial };
}

/**
 * chainrule: the example's `buildModel` (same seed, so the same initial weights as {@link W6Data.initial})
 * and `trainStep`, with `AdamW` from @chainrule/nn.
 * @example
 * ```ts
 * const trainer = w6Chainrule(w6Data()); trainer.step(0); // the loss of batch 0
 * ```
 */
export function w6Chainrule(d: W6Data): StepTrainer {
  const o = d.options;
  const model = buildModel({ seed: o.seed, dropout: o.dropout });
  const optimizer = new AdamW(model.parameters(), { lr: o.lr, weightDecay: o.weightDecay });
  const xs = d.xs.map((x) => new Tensor(x, [o.batch, 1, 28, 28]));
  const ys = d.labels.map((y) => new Tensor(Float64Array.from(y), [o.batch]));
  return { step: (k) => trainStep(model, optimizer, xs[k % xs.length], ys[k % ys.length]).loss };
}

/**
 * chainrule compiled: {@link w6Chainrule} with the example's `compiledTrainStep` (the same step,
 * traced at the first batch and replayed after).
 * @example
 * ```ts
 * const trainer = w6ChainruleCompiled(w6Data()); trainer.step(0); // the same loss as w6Chainrule's
 * ```
 */
export function w6ChainruleCompiled(d: W6Data): StepTrainer {
  const o = d.options;
  const model = buildModel({ seed: o.seed, dropout: o.dropout });
  const step = compiledTrainStep(model, new AdamW(model.parameters(), { lr: o.lr, weightDecay: o.weightDecay }));
  const xs = d.xs.map((x) => new Tensor(x, [o.batch, 1, 28, 28]));
  const ys = d.labels.map((y) => new Tensor(Float64Array.from(y), [o.batch]));
  return { step: (k) => step(xs[k % xs.length], ys[k % ys.length]).loss };
}

/** One-hot rows [64, 10] of class indices. */
function oneHot(labels: Int32Array): Float64Array {
  const out = new Float64Array(labels.length * 10);
  labels.forEach((c, i) => (out[i * 10 + c] = 1));
  return out;
}

/**
 * A dense weight [out, in] as [in, out], the layout x · W wants.
 * @example
 * ```ts
 * transposed({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] }); // [1, 4, 2, 5, 3, 6]
 * ```
 */
export function transposed(p: W6Param): Float64Array {
  const [rows, cols] = p.shape;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = p.data[r * cols + c];
  return out;
}

/**
 * TF.js (float32) on the current backend, channels last as TF.js convolves: filters [3, 3, in, out],
 * the first dense layer's rows permuted from chainrule's (c, h, w) flattening to TF.js's (h, w, c).
 * Gradients and AdamW from {@link TfAdamW}.
 * @example
 * ```ts
 * await useBackend(tf, 'cpu'); w6Tf(tf, w6Data()).step(0);
 * ```
 */
export function w6Tf(tf: Tf, d: W6Data): StepTrainer {
  const o = d.options;
  const [c1w, c1b, c2w, c2b, d1w, d1b, d2w, d2b] = d.initial;
  const filter = (p: W6Param) => {
    const [out, inC, kh, kw] = p.shape;
    const f = new Float32Array(p.data.length);
    for (let oc = 0; oc < out; oc++) for (let ic = 0; ic < inC; ic++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) f[((i * kw + j) * inC + ic) * out + oc] = p.data[((oc * inC + ic) * kh + i) * kw + j];
    return tf.variable(tf.tensor4d(f, [kh, kw, inC, out])) as unknown as Tensor4D;
  };
  // dense1 rows: chainrule flattens [16, 5, 5] as c·25 + h·5 + w, TF.js flattens [5, 5, 16] as (h·5 + w)·16 + c
  const d1 = new Float32Array(d1w.data.length);
  for (let j = 0; j < 128; j++) for (let c = 0; c < 16; c++) for (let hw = 0; hw < 25; hw++) d1[(hw * 16 + c) * 128 + j] = d1w.data[j * 400 + c * 25 + hw];
  const vector = (p: W6Param) => tf.variable(tf.tensor1d(Float32Array.from(p.data)));
  const [k1, b1, k2, b2] = [filter(c1w), vector(c1b), filter(c2w), vector(c2b)];
  const [w1, bw1, w2, bw2] = [tf.variable(tf.tensor2d(d1, [400, 128])), vector(d1b), tf.variable(tf.tensor2d(Float32Array.from(transposed(d2w)), [128, 10])), vector(d2b)];
  const params = [k1, b1, k2, b2, w1, bw1, w2, bw2] as unknown as Variable[];
  // one input channel: NCHW [64, 1, 28, 28] and NHWC [64, 28, 28, 1] hold the same numbers
  const B = o.batch;
  const xs = d.xs.map((x) => tf.tensor4d(Float32Array.from(x), [B, 28, 28, 1]));
  const ys = d.labels.map((y) => tf.tensor2d(Float32Array.from(oneHot(y)), [B, 10]));
  const adam = new TfAdamW(tf, params, { lr: o.lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: o.weightDecay }, params.map(() => true));
  const dropout = (x: TfTensor): TfTensor => (o.dropout > 0 ? tf.dropout(x, o.dropout) : x);
  const loss = (x: Tensor4D, y: Tensor2D) => {
    let h = tf.relu(tf.maxPool(tf.add(tf.conv2d(x, k1, 1, 'valid'), b1), 2, 2, 'valid'));
    h = tf.relu(tf.maxPool(tf.add(tf.conv2d(h, k2, 1, 'valid'), b2), 2, 2, 'valid'));
    let f: TfTensor = dropout(tf.reshape(h, [B, 400]));
    f = dropout(tf.relu(tf.add(tf.matMul(f as Tensor2D, w1), bw1)));
    const logits = tf.add(tf.matMul(f as Tensor2D, w2), bw2);
    return tf.mul(tf.sum(tf.mul(y, tf.logSoftmax(logits))), -1 / B) as Scalar;
  };
  return { step: (k) => adam.step(() => loss(xs[k % xs.length], ys[k % ys.length])) };
}

/**
 * jax-js (the variant's dtype; jitted or eager), NCHW as chainrule: `lax.convGeneralDilated`,
 * max-pool as `lax.reduceWindow` with `np.max`, dropout masks from `random.bernoulli` with a key
 * per step, `valueAndGrad`, then {@link JaxAdamW}, all in one step function.
 * @example
 * ```ts
 * const trainer = w6JaxTrainer(await loadJax(), JAX_VARIANTS[0], w6Data()); await trainer.step(0);
 * ```
 */
export function w6JaxTrainer(jax: Jax, variant: JaxVariant, d: W6Data): StepTrainer {
  const { numpy: np, lax, nn } = jax;
  const o = d.options;
  const array = (data: Float64Array, shape: number[]) => jaxArray(jax, variant.dtype, data, shape);
  const [c1w, c1b, c2w, c2b, d1w, d1b, d2w, d2b] = d.initial;
  const params = [
    array(c1w.data, c1w.shape),
    array(c1b.data, [8, 1, 1]),
    array(c2w.data, c2w.shape),
    array(c2b.data, [16, 1, 1]),
    array(transposed(d1w), [400, 128]),
    array(d1b.data, [128]),
    array(transposed(d2w), [128, 10]),
    array(d2b.data, [10]),
  ];
  const adam = new JaxAdamW(jax, variant.dtype, params, { lr: o.lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: o.weightDecay }, params.map(() => true));
  const B = o.batch;
  const xs = d.xs.map((x) => array(x, [B, 1, 28, 28]));
  const ys = d.labels.map((y) => array(oneHot(y), [B, 10]));
  const minusInvBatch = jaxScalar(jax, variant.dtype, -1 / B);
  const keepScale = jaxScalar(jax, variant.dtype, 1 / (1 - o.dropout));
  const pool = (x: JaxArray) => lax.reduceWindow(x, (w: JaxArray) => np.max(w), [2, 2], [2, 2]);
  const conv = (x: JaxArray, w: JaxArray, b: JaxArray) => lax.convGeneralDilated(x, w, [1, 1], 'VALID').add(b);
  const loss = (p: JaxArray[], x: JaxArray, y: JaxArray, masks: JaxArray[], scale: JaxArray) => {
    const [k1, b1, k2, b2, w1, bw1, w2, bw2] = p;
    const h = nn.relu(pool(conv(nn.relu(pool(conv(x, k1, b1))), k2, b2)));
    let f = h.reshape([B, 400]);
    if (masks.length > 0) f = f.mul(masks[0]);
    f = nn.relu(np.dot(f, w1).add(bw1));
    if (masks.length > 0) f = f.mul(masks[1]);
    return y.mul(nn.logSoftmax(np.dot(f, w2).add(bw2))).sum().mul(scale);
  };
  const dtype = jaxDType(jax, variant.dtype);
  const step = compile(jax, variant, (p: JaxArray[], m: JaxArray[], v: JaxArray[], constants: JaxArray[], x: JaxArray, y: JaxArray, key: JaxArray, scale: JaxArray, keep: JaxArray): JaxStepOutput => {
    let masks: JaxArray[] = [];
    if (o.dropout > 0) {
      const [key1, key2] = jax.random.split(key, 2);
      masks = [
        jax.random.bernoulli(key1, 1 - o.dropout, [B, 400]).astype(dtype).mul(keep.ref),
        jax.random.bernoulli(key2, 1 - o.dropout, [B, 128]).astype(dtype).mul(keep),
      ];
    } else {
      key.dispose();
      keep.dispose();
    }
    const [value, grads] = jax.valueAndGrad(loss)(jax.tree.ref(p), x, y, masks, scale);
    const [nextP, nextM, nextV] = JaxAdamW.update(jax, p, grads, m, v, constants, adam.decays);
    return [nextP, nextM, nextV, value];
  });
  return { step: (k) => adam.run(step, xs[k % xs.length].ref, ys[k % ys.length].ref, jax.random.key(k + 1), minusInvBatch.ref, keepScale.ref) };
}

/** The peers W6 compares. */
export const W6_PEERS: readonly Peer[] = ['chainrule', 'tfjs-cpu', 'tfjs-wasm', 'jax-f32', 'jax-f64', 'jax-eager-f32', 'jax-eager-f64', 'js', 'chainrule-compiled'];

let shared: W6Data | null = null;

/**
 * A W6 trainer for `peer` on the benchmark's data (loaded once per process).
 * @example
 * ```ts
 * const trainer = await w6Trainer('tfjs-wasm'); await trainer.step(0);
 * ```
 */
export async function w6Trainer(peer: Peer): Promise<StepTrainer> {
  const d = (shared ??= w6Data(W6_OPTIONS));
  if (peer === 'chainrule') return w6Chainrule(d);
  if (peer === 'chainrule-compiled') return w6ChainruleCompiled(d);
  if (peer === 'js') return w6Js(d);
  if (peer === 'tfjs-cpu' || peer === 'tfjs-wasm') return tfStepTrainer(peer, (tf) => w6Tf(tf, d));
  return w6JaxTrainer(await loadJax(), jaxVariant(peer), d);
}

/** W6 as a step workload (steps.ts). */
export const W6: StepWorkload = stepWorkload('w6', 'W6 MNIST CNN step, batch 64', W6_PEERS, w6Trainer);

/**
 * Runs W6: a fresh process per peer for the first steps, then interleaved warm rounds.
 * @example
 * ```ts
 * const { rows } = await runW6({ quick: true });
 * ```
 */
export async function runW6(opts: BenchOptions): Promise<WorkloadResult> {
  const r = await measureSteps(W6, opts);
  const notes = [
    'W6 is the mnist example’s CNN (53,866 parameters): chainrule runs the example’s own buildModel and trainStep; TF.js, jax-js and the plain-JS loops run the same network from the same initial weights on the same seeded batches of the mnist package’s digits, ' +
      `cross-entropy and AdamW (lr ${W6_OPTIONS.lr}, weight decay ${W6_OPTIONS.weightDecay}, fixed: the example’s one-cycle schedule only changes that number), dropout ${W6_OPTIONS.dropout} with each peer’s own masks. ` +
      'TF.js convolves channels-last (its layout), jax-js and the JS loops channels-first as chainrule; jax-js uses its own convolution (lax.convGeneralDilated) and max-pool (lax.reduceWindow).',
    ...stepNotes(W6, r, opts),
  ];
  return { rows: r.rows, targets: stepTargets('W6', r), notes };
}

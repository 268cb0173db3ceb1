/**
 * W2: an MLP 784-128-10 with a sigmoid hidden layer and softmax cross-entropy (one-hot targets),
 * batch 64, plain SGD, on synthetic seeded data. Measures ms per step and GFLOP/s, counting
 * 3 × 2 × B × (784·128 + 128·10) floating-point operations per step (forward plus two backward
 * products per layer), and checks that every peer reaches the same loss.
 *
 * loss = −(1/B) Σᵢ Σ_c Yᵢc · logSoftmax(σ(X W1 + b1) W2 + b2)ᵢc
 * @module
 */
import { compile as compileStep, RandomGenerator, logSoftmax, noGrad, setNumThreads, Tensor } from '@chainrule/core';
import type { Scalar } from '@tensorflow/tfjs';
import { interleave, median, now, runChild, type Contender, type RunOptions } from './harness.js';
import { compile, jaxArray, jaxScalar, JAX_VARIANTS, loadJax, type Jax, type JaxArray, type JaxVariant } from './jax.js';
import { advantage, atLeast, type Row, type WorkloadResult } from './report.js';
import { loadTf, useBackend, type Tf } from './tf.js';
import type { BenchOptions } from './w1-article.js';

/** Sizes of one W2 problem (the benchmark uses 784-128-10, batch 64; tests use tiny ones). */
export interface MlpSize {
  inputs: number;
  hidden: number;
  classes: number;
  batch: number;
  /** Distinct batches, cycled through by the steps. */
  batches: number;
}
/** The benchmark's sizes. */
export const W2_SIZE: MlpSize = { inputs: 784, hidden: 128, classes: 10, batch: 64, batches: 4 };
const LR = 0.1;

/** Seeded data and initial weights, as plain Float64Arrays shared by every peer. */
export interface MlpData {
  size: MlpSize;
  xs: Float64Array[];
  ys: Float64Array[];
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
}

/**
 * Synthetic data: inputs ~ N(0, 1), labels uniform over the classes (one-hot), weights ~ N(0, 1/fan-in), biases 0.
 * @example
 * ```ts
 * const d = mlpData({ inputs: 4, hidden: 3, classes: 2, batch: 5, batches: 1 }, 1);
 * ```
 */
export function mlpData(size: MlpSize, seed = 2024): MlpData {
  const g = new RandomGenerator(seed);
  const normal = (n: number, scale: number) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = g.normal() * scale;
    return a;
  };
  const xs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (let b = 0; b < size.batches; b++) {
    xs.push(normal(size.batch * size.inputs, 1));
    const y = new Float64Array(size.batch * size.classes);
    for (let i = 0; i < size.batch; i++) y[i * size.classes + Math.floor(g.uniform() * size.classes)] = 1;
    ys.push(y);
  }
  return {
    size,
    xs,
    ys,
    w1: normal(size.inputs * size.hidden, 1 / Math.sqrt(size.inputs)),
    b1: new Float64Array(size.hidden),
    w2: normal(size.hidden * size.classes, 1 / Math.sqrt(size.hidden)),
    b2: new Float64Array(size.classes),
  };
}

/** Time of a training run and the loss on batch 0 at the final weights. */
export interface TrainRun {
  ms: number;
  loss: number;
}

/**
 * W2 in chainrule: matmul, broadcast bias, sigmoid, logSoftmax, and SGD updates in place.
 * @example
 * ```ts
 * w2Chainrule(mlpData(W2_SIZE), 10).loss;
 * ```
 */
export function w2Chainrule(d: MlpData, steps: number, options: RunOptions = {}): TrainRun {
  const { inputs, hidden, classes, batch } = d.size;
  const xs = d.xs.map((x) => new Tensor(x, [batch, inputs]));
  const ys = d.ys.map((y) => new Tensor(y, [batch, classes]));
  const w1 = new Tensor(d.w1.slice(), [inputs, hidden]).requiresGrad_();
  const b1 = new Tensor(d.b1.slice(), [hidden]).requiresGrad_();
  const w2 = new Tensor(d.w2.slice(), [hidden, classes]).requiresGrad_();
  const b2 = new Tensor(d.b2.slice(), [classes]).requiresGrad_();
  const params = [w1, b1, w2, b2];
  const loss = (x: Tensor, y: Tensor) => {
    const h = x.matmul(w1).add(b1).sigmoid();
    const logits = h.matmul(w2).add(b2);
    return y.mul(logSoftmax(logits)).sum().mul(-1 / batch);
  };
  const eagerStep = (x: Tensor, y: Tensor) => {
    loss(x, y).backward();
    noGrad(() => {
      for (const p of params) p.sub_(p.grad!.mul(LR));
    });
    for (const p of params) p.zeroGrad();
  };
  // compiled: the same function, traced at its first call and replayed after (every batch has the same shape: one plan)
  const step = options.compiled ? compileStep(eagerStep) : eagerStep;
  const t0 = now();
  for (let s = 0; s < steps; s++) {
    const k = s % xs.length;
    step(xs[k], ys[k]);
  }
  const ms = now() - t0;
  return { ms, loss: noGrad(() => loss(xs[0], ys[0])).item() };
}

/**
 * W2 as hand-written loops over Float64Array (straightforward i-k-j products, no blocking).
 * @example
 * ```ts
 * w2Js(mlpData(W2_SIZE), 10).loss; // equals w2Chainrule(...) to the last bit here
 * ```
 */
export function w2Js(d: MlpData, steps: number): TrainRun {
  const { inputs: I, hidden: H, classes: C, batch: B } = d.size;
  const w1 = d.w1.slice();
  const b1 = d.b1.slice();
  const w2 = d.w2.slice();
  const b2 = d.b2.slice();
  const h = new Float64Array(B * H);
  const logits = new Float64Array(B * C);
  const dlogits = new Float64Array(B * C);
  const dh = new Float64Array(B * H);
  const gw1 = new Float64Array(I * H);
  const gw2 = new Float64Array(H * C);
  const forward = (x: Float64Array, y: Float64Array): number => {
    h.fill(0);
    for (let i = 0; i < B; i++) {
      for (let p = 0; p < I; p++) {
        const v = x[i * I + p];
        for (let j = 0; j < H; j++) h[i * H + j] += v * w1[p * H + j];
      }
      for (let j = 0; j < H; j++) {
        const z = h[i * H + j] + b1[j];
        h[i * H + j] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      }
    }
    logits.fill(0);
    let loss = 0;
    for (let i = 0; i < B; i++) {
      for (let p = 0; p < H; p++) {
        const v = h[i * H + p];
        for (let c = 0; c < C; c++) logits[i * C + c] += v * w2[p * C + c];
      }
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, (logits[i * C + c] += b2[c]));
      let se = 0;
      for (let c = 0; c < C; c++) se += Math.exp(logits[i * C + c] - m);
      const lse = Math.log(se);
      // dloss/dlogits = (softmax − y) / B; logSoftmax = (z − m) − log Σ e^(z − m)
      for (let c = 0; c < C; c++) {
        const ls = logits[i * C + c] - m - lse;
        loss += y[i * C + c] * ls;
        dlogits[i * C + c] = (Math.exp(ls) - y[i * C + c]) / B;
      }
    }
    return -loss / B;
  };
  const t0 = now();
  for (let s = 0; s < steps; s++) {
    const k = s % d.xs.length;
    const x = d.xs[k];
    forward(x, d.ys[k]);
    gw2.fill(0);
    gw1.fill(0);
    dh.fill(0);
    for (let i = 0; i < B; i++) {
      for (let p = 0; p < H; p++) {
        const v = h[i * H + p];
        let acc = 0;
        for (let c = 0; c < C; c++) {
          gw2[p * C + c] += v * dlogits[i * C + c];
          acc += dlogits[i * C + c] * w2[p * C + c];
        }
        dh[i * H + p] = acc * v * (1 - v);
      }
    }
    for (let i = 0; i < B; i++) {
      for (let p = 0; p < I; p++) {
        const v = x[i * I + p];
        for (let j = 0; j < H; j++) gw1[p * H + j] += v * dh[i * H + j];
      }
    }
    for (let c = 0; c < C; c++) {
      let g = 0;
      for (let i = 0; i < B; i++) g += dlogits[i * C + c];
      b2[c] -= LR * g;
    }
    for (let j = 0; j < H; j++) {
      let g = 0;
      for (let i = 0; i < B; i++) g += dh[i * H + j];
      b1[j] -= LR * g;
    }
    for (let q = 0; q < gw2.length; q++) w2[q] -= LR * gw2[q];
    for (let q = 0; q < gw1.length; q++) w1[q] -= LR * gw1[q];
  }
  const ms = now() - t0;
  return { ms, loss: forward(d.xs[0], d.ys[0]) };
}

/**
 * W2 in TensorFlow.js (float32) on the current backend, with `tf.train.sgd` and `minimize`.
 * @example
 * ```ts
 * await useBackend(tf, 'wasm'); w2Tf(tf, mlpData(W2_SIZE), 10).ms;
 * ```
 */
export function w2Tf(tf: Tf, d: MlpData, steps: number): TrainRun {
  const { inputs, hidden, classes, batch } = d.size;
  const xs = d.xs.map((x) => tf.tensor2d(Float32Array.from(x), [batch, inputs]));
  const ys = d.ys.map((y) => tf.tensor2d(Float32Array.from(y), [batch, classes]));
  const w1 = tf.variable(tf.tensor2d(Float32Array.from(d.w1), [inputs, hidden]));
  const b1 = tf.variable(tf.tensor1d(Float32Array.from(d.b1)));
  const w2 = tf.variable(tf.tensor2d(Float32Array.from(d.w2), [hidden, classes]));
  const b2 = tf.variable(tf.tensor1d(Float32Array.from(d.b2)));
  const opt = tf.train.sgd(LR);
  const loss = (k: number) => () =>
    tf.mul(tf.sum(tf.mul(ys[k], tf.logSoftmax(tf.add(tf.matMul(tf.sigmoid(tf.add(tf.matMul(xs[k], w1), b1)), w2), b2)))), -1 / batch) as Scalar;
  const t0 = now();
  for (let s = 0; s < steps; s++) opt.minimize(loss(s % xs.length), false);
  const ms = now() - t0;
  const final = tf.tidy(loss(0));
  const value = final.dataSync()[0];
  tf.dispose([final, ...xs, ...ys, w1, b1, w2, b2]);
  opt.dispose();
  return { ms, loss: value };
}

/**
 * W2 in jax-js (the variant's dtype; jitted or eager): `grad` of the same loss, then SGD, as one
 * step function. Returns a trainer that starts from `d`'s weights on every call and reuses the
 * compiled step (the first call compiles it).
 * @example
 * ```ts
 * const train = w2JaxTrainer(await loadJax(), JAX_VARIANTS[0], mlpData(W2_SIZE));
 * (await train(10)).loss;
 * ```
 */
export function w2JaxTrainer(jax: Jax, variant: JaxVariant, d: MlpData): (steps: number) => Promise<TrainRun> {
  const np = jax.numpy;
  const { inputs, hidden, classes, batch } = d.size;
  const array = (data: Float64Array, shape: number[]) => jaxArray(jax, variant.dtype, data, shape);
  const xs = d.xs.map((x) => array(x, [batch, inputs]));
  const ys = d.ys.map((y) => array(y, [batch, classes]));
  const lr = jaxScalar(jax, variant.dtype, LR);
  const minusInvBatch = jaxScalar(jax, variant.dtype, -1 / batch);
  const loss = (w: JaxArray[], x: JaxArray, y: JaxArray, scale: JaxArray) => {
    const [w1, b1, w2, b2] = w;
    const logits = np.dot(jax.nn.sigmoid(np.dot(x, w1).add(b1)), w2).add(b2);
    return y.mul(jax.nn.logSoftmax(logits)).sum().mul(scale);
  };
  const step = compile(jax, variant, (w: JaxArray[], x: JaxArray, y: JaxArray, scale: JaxArray, rate: JaxArray) => {
    const g = jax.grad(loss)(jax.tree.ref(w), x, y, scale);
    const next = w.map((p, i) => p.sub(g[i].mul(rate.ref)));
    rate.dispose();
    return next;
  });
  return async (steps) => {
    let w = [array(d.w1, [inputs, hidden]), array(d.b1, [hidden]), array(d.w2, [hidden, classes]), array(d.b2, [classes])];
    const t0 = now();
    for (let s = 0; s < steps; s++) {
      const k = s % xs.length;
      w = step(w, xs[k].ref, ys[k].ref, minusInvBatch.ref, lr.ref);
      await jax.blockUntilReady(w);
    }
    const ms = now() - t0;
    return { ms, loss: (await loss(w, xs[0].ref, ys[0].ref, minusInvBatch.ref).data())[0] };
  };
}

/**
 * Counted floating-point operations of one step: 3 products per layer, 2 flops per multiply-add.
 * @example
 * ```ts
 * w2Flops(W2_SIZE); // 3 × 2 × 64 × (784·128 + 128·10) = 39,026,688
 * ```
 */
export function w2Flops(s: MlpSize): number {
  return 3 * 2 * s.batch * (s.inputs * s.hidden + s.hidden * s.classes);
}

/**
 * Runs W2 for every peer, interleaved, and judges its targets.
 * @example
 * ```ts
 * const { rows } = await runW2({ quick: true });
 * ```
 */
export async function runW2(opts: BenchOptions): Promise<WorkloadResult> {
  const tf = await loadTf();
  const jax = await loadJax();
  const d = mlpData(W2_SIZE);
  const steps = opts.quick ? 8 : 24;
  const rounds = opts.quick ? 2 : 5;
  const contenders: Contender<TrainRun>[] = [
    { peer: 'chainrule', warmup: () => w2Chainrule(d, 4), run: () => w2Chainrule(d, steps) },
    { peer: 'tfjs-cpu', prepare: () => useBackend(tf, 'cpu'), warmup: () => w2Tf(tf, d, 4), run: () => w2Tf(tf, d, steps) },
    { peer: 'tfjs-wasm', prepare: () => useBackend(tf, 'wasm'), warmup: () => w2Tf(tf, d, 4), run: () => w2Tf(tf, d, steps) },
    ...JAX_VARIANTS.map((v): Contender<TrainRun> => {
      const train = w2JaxTrainer(jax, v, d);
      return { peer: v.peer, warmup: () => train(4), run: () => train(steps) };
    }),
    { peer: 'js', warmup: () => w2Js(d, 4), run: () => w2Js(d, steps) },
    { peer: 'chainrule-compiled', warmup: () => w2Chainrule(d, 4, { compiled: true }), run: () => w2Chainrule(d, steps, { compiled: true }) },
  ];
  const runs = await interleave(rounds, contenders);
  // two threads in a process of their own: the worker pool stays up across its runs there, while
  // here switching back to one thread for the other contenders would close it every round
  runs.set('chainrule-compiled-2t', runChild<{ runs: TrainRun[] }>(['w2', 'compiled-2t', String(steps), String(rounds)]).runs);
  const msPerStep: Record<string, number> = {};
  const gflops: Record<string, number> = {};
  const loss: Record<string, number> = {};
  for (const [peer, rs] of runs) {
    msPerStep[peer] = median(rs.map((r) => r.ms)) / steps;
    gflops[peer] = w2Flops(W2_SIZE) / (msPerStep[peer] * 1e6);
    loss[peer] = rs[rs.length - 1].loss;
  }
  const compiled = { one: msPerStep['chainrule-compiled'], two: msPerStep['chainrule-compiled-2t'] };
  const compiledLoss = { one: loss['chainrule-compiled'], two: loss['chainrule-compiled-2t'] };
  for (const p of ['chainrule-compiled', 'chainrule-compiled-2t'] as const) {
    delete msPerStep[p];
    delete gflops[p];
    delete loss[p];
  }
  const timeRow: Row = { workload: `W2 MLP 784-128-10, batch 64, ${steps} steps`, metric: 'ms / step', better: 'lower', values: msPerStep };
  const compiledRow: Row = { workload: 'W2 compiled, one thread', metric: 'ms / step', better: 'lower', values: { ...msPerStep, chainrule: compiled.one } };
  const compiled2Row: Row = { workload: 'W2 compiled, two threads (setNumThreads(2))', metric: 'ms / step', better: 'lower', values: { ...msPerStep, chainrule: compiled.two } };
  const flopRow: Row = { workload: 'W2', metric: 'GFLOP/s', better: 'higher', values: gflops };
  const lossRow: Row = {
    workload: 'W2',
    metric: `loss after ${steps} steps`,
    better: 'none',
    values: loss,
    text: Object.fromEntries(Object.entries(loss).map(([p, v]) => [p, v.toPrecision(10)])),
  };
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  const f64Agree = rel(loss.chainrule, loss.js);
  const f32Agree = Math.max(rel(loss['tfjs-cpu'], loss.js), rel(loss['tfjs-wasm'], loss.js));
  const jaxAgree = Math.max(...JAX_VARIANTS.map((v) => rel(loss[v.peer], loss.js)));
  const targets = [
    atLeast('W2 compiled on two threads faster than jax-js jitted float32', advantage(compiled2Row, 'jax-f32'), 1, 'faster'),
    atLeast('W2 compiled on two threads ≥ 3x faster than TF.js wasm', advantage(compiled2Row, 'tfjs-wasm'), 3, 'faster'),
    {
      name: 'W2 compiled (one and two threads) reaches the eager run’s loss bit for bit',
      met: compiledLoss.one === loss.chainrule && compiledLoss.two === loss.chainrule,
      detail: `eager ${loss.chainrule}, compiled ${compiledLoss.one}, on two threads ${compiledLoss.two}`,
    },
    atLeast('W2 ≥ 2x faster than TF.js cpu', advantage(timeRow, 'tfjs-cpu'), 2, 'faster'),
    atLeast('W2 faster than TF.js wasm', advantage(timeRow, 'tfjs-wasm'), 1, 'faster'),
    {
      name: 'W2 all peers reach the same loss',
      met: f64Agree < 1e-10 && f32Agree < 1e-4,
      detail: `chainrule vs JS loop (float64) relative difference ${f64Agree.toExponential(2)}; TF.js (float32) vs JS loop up to ${f32Agree.toExponential(2)}`,
    },
  ];
  const notes = [`W2 jax-js losses (float32 and float64, jitted and eager) differ from the float64 JS loop's by up to ${jaxAgree.toExponential(2)} relative (jax-js's exp and log are accurate to about float32's precision in float64 too).`];
  return { rows: [timeRow, compiledRow, compiled2Row, flopRow, lossRow], targets, notes };
}

/**
 * W2's two-thread runs, for a child process (`child.js w2 compiled-2t <steps> <rounds>`): one
 * warm-up run (which starts the worker pool), then `rounds` timed runs, threads set back after.
 * @example
 * ```ts
 * w2ThreadedRuns(mlpData(W2_SIZE), 24, 5).length; // 5
 * ```
 */
export function w2ThreadedRuns(d: MlpData, steps: number, rounds: number): TrainRun[] {
  const previous = setNumThreads(2);
  try {
    w2Chainrule(d, 4, { compiled: true });
    return Array.from({ length: rounds }, () => w2Chainrule(d, steps, { compiled: true }));
  } finally {
    setNumThreads(previous);
  }
}

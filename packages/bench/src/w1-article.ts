/**
 * W1: the article's 2-2-2 sigmoid network (inputs 0.05, 0.10; targets 0.01, 0.99; w1..w8 =
 * 0.15 … 0.55; shared frozen biases b1 = 0.35, b2 = 0.60), E = Σ ½ (t − out)², trained by SGD with
 * lr 0.5 for 10,000 steps. Measures µs per step and the final loss.
 *
 * Weights are laid out so that h = x · W1 and out = σ(h · W2 + b2): W1[i][j] joins input i to hidden j,
 * so W1 = [[w1, w3], [w2, w4]] and W2 = [[w5, w7], [w6, w8]].
 * @module
 */
import { compile as compileStep, noGrad, tensor } from '@chainrule/core';
import { interleave, median, now, runChild, type Contender, type Peer, type RunOptions } from './harness.js';
import { compile, jaxArray, jaxScalar, JAX_VARIANTS, loadJax, type Jax, type JaxArray, type JaxVariant } from './jax.js';
import { advantage, atLeast, type Row, type WorkloadResult } from './report.js';
import { loadTf, useBackend, type Tf } from './tf.js';

/** The loss after 10,000 steps in float64 (the answer every float64 peer must reproduce). */
export const W1_EXPECTED_LOSS = 3.510187782978859e-5;
/** Steps of the article's training run. */
export const W1_STEPS = 10_000;
const LR = 0.5;
const X = [0.05, 0.1];
const T = [0.01, 0.99];
const W1 = [[0.15, 0.25], [0.2, 0.3]];
const W2 = [[0.4, 0.5], [0.45, 0.55]];
const B1 = 0.35;
const B2 = 0.6;

/** Time and final loss of one training run. */
export interface TrainRun {
  ms: number;
  loss: number;
}

/**
 * The network written with chainrule's core ops (matmul, broadcast bias add, sigmoid), trained for
 * `steps` SGD steps; returns the wall time and the loss at the final weights.
 * @example
 * ```ts
 * w1Chainrule(10_000).loss; // 3.510187782978859e-5
 * ```
 */
export function w1Chainrule(steps: number, options: RunOptions = {}): TrainRun {
  const net = w1ChainruleNet(options);
  const t0 = now();
  net.train(steps);
  const ms = now() - t0;
  return { ms, loss: net.loss() };
}

/** The W1 network in chainrule, trainable in chunks (for the memory-over-time check). */
export interface W1Net {
  /** Runs `steps` SGD steps. */
  train(steps: number): void;
  /** The loss at the current weights. */
  loss(): number;
}

/**
 * A fresh W1 network in chainrule; with `compiled`, each step is a replay of the same step
 * function passed through `compile`.
 * @example
 * ```ts
 * const net = w1ChainruleNet(); net.train(10_000); net.loss(); // 3.510187782978859e-5
 * ```
 */
export function w1ChainruleNet(options: RunOptions = {}): W1Net {
  const x = tensor([X]);
  const target = tensor([T]);
  const w1 = tensor(W1, { requiresGrad: true });
  const w2 = tensor(W2, { requiresGrad: true });
  const b1 = tensor([B1]);
  const b2 = tensor([B2]);
  const loss = () => target.sub(x.matmul(w1).add(b1).sigmoid().matmul(w2).add(b2).sigmoid()).square().mul(0.5).sum();
  const step = () => {
    loss().backward();
    noGrad(() => {
      w1.sub_(w1.grad!.mul(LR));
      w2.sub_(w2.grad!.mul(LR));
    });
    w1.zeroGrad();
    w2.zeroGrad();
  };
  // compiled: the same function, traced at its first call and replayed after
  const run = options.compiled ? compileStep(step) : step;
  return {
    train(steps: number) {
      for (let s = 0; s < steps; s++) run();
    },
    loss: () => noGrad(loss).item(),
  };
}

/**
 * The same network and training as a hand-written loop over a Float64Array of the eight weights
 * (the floor: no tensors, no graph).
 * @example
 * ```ts
 * w1Js(10_000).loss; // 3.510187782978859e-5
 * ```
 */
export function w1Js(steps: number): TrainRun {
  // w = [W1[0][0], W1[0][1], W1[1][0], W1[1][1], W2[0][0], W2[0][1], W2[1][0], W2[1][1]]
  const w = new Float64Array([W1[0][0], W1[0][1], W1[1][0], W1[1][1], W2[0][0], W2[0][1], W2[1][0], W2[1][1]]);
  const [x0, x1] = X;
  const [t0v, t1v] = T;
  const sig = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
  const forward = () => {
    const h0 = sig(0 + x0 * w[0] + x1 * w[2] + B1);
    const h1 = sig(0 + x0 * w[1] + x1 * w[3] + B1);
    const o0 = sig(0 + h0 * w[4] + h1 * w[6] + B2);
    const o1 = sig(0 + h0 * w[5] + h1 * w[7] + B2);
    return [h0, h1, o0, o1];
  };
  const start = now();
  for (let s = 0; s < steps; s++) {
    const [h0, h1, o0, o1] = forward();
    // dE/dnet_o = (out − t) · out (1 − out)
    const d0 = -(t0v - o0) * (o0 * (1 - o0));
    const d1 = -(t1v - o1) * (o1 * (1 - o1));
    // dE/dnet_h = (Σ_o d_o w_ho) · h (1 − h)
    const e0 = (0 + d0 * w[4] + d1 * w[5]) * (h0 * (1 - h0));
    const e1 = (0 + d0 * w[6] + d1 * w[7]) * (h1 * (1 - h1));
    w[4] -= h0 * d0 * LR;
    w[5] -= h0 * d1 * LR;
    w[6] -= h1 * d0 * LR;
    w[7] -= h1 * d1 * LR;
    w[0] -= x0 * e0 * LR;
    w[1] -= x0 * e1 * LR;
    w[2] -= x1 * e0 * LR;
    w[3] -= x1 * e1 * LR;
  }
  const ms = now() - start;
  const [, , o0, o1] = forward();
  return { ms, loss: 0 + 0.5 * (T[0] - o0) ** 2 + 0.5 * (T[1] - o1) ** 2 };
}

/**
 * The same network in TensorFlow.js (float32) on the current backend, trained with `tf.train.sgd`
 * through `optimizer.minimize`, the library's own training path.
 * @example
 * ```ts
 * await useBackend(tf, 'cpu'); w1Tf(tf, 10_000).loss; // ≈ 3.5102e-5 in float32
 * ```
 */
export function w1Tf(tf: Tf, steps: number): TrainRun {
  const w1 = tf.variable(tf.tensor2d(W1));
  const w2 = tf.variable(tf.tensor2d(W2));
  const x = tf.tensor2d([X]);
  const target = tf.tensor2d([T]);
  const b1 = tf.tensor1d([B1]);
  const b2 = tf.tensor1d([B2]);
  const half = tf.scalar(0.5);
  const opt = tf.train.sgd(LR);
  const loss = () => tf.sum(tf.mul(half, tf.square(tf.sub(target, tf.sigmoid(tf.add(tf.matMul(tf.sigmoid(tf.add(tf.matMul(x, w1), b1)), w2), b2))))));
  const t0 = now();
  for (let s = 0; s < steps; s++) opt.minimize(loss as () => import('@tensorflow/tfjs').Scalar, false);
  const ms = now() - t0;
  const final = tf.tidy(loss);
  const value = final.dataSync()[0];
  tf.dispose([final, w1, w2, x, target, b1, b2, half]);
  opt.dispose();
  return { ms, loss: value };
}

/**
 * The same network in jax-js (the variant's dtype; jitted or eager): `grad` of the loss, then
 * w ← w − lr·g, as one step function. Returns a trainer that starts from the article's weights on
 * every call, so that the compiled step is reused (the first call compiles it).
 * @example
 * ```ts
 * const train = w1JaxTrainer(await loadJax(), JAX_VARIANTS[0]);
 * (await train(10_000)).loss; // ≈ 3.5102e-5 in float32
 * ```
 */
export function w1JaxTrainer(jax: Jax, variant: JaxVariant): (steps: number) => Promise<TrainRun> {
  const np = jax.numpy;
  const array = (rows: number[][]) => jaxArray(jax, variant.dtype, rows.flat(), [rows.length, rows[0].length]);
  const scalar = (v: number) => jaxScalar(jax, variant.dtype, v);
  const constants = [array([X]), array([T]), scalar(B1), scalar(B2), scalar(0.5)];
  const lr = scalar(LR);
  const loss = (w1: JaxArray, w2: JaxArray, x: JaxArray, t: JaxArray, b1: JaxArray, b2: JaxArray, half: JaxArray) => {
    const out = jax.nn.sigmoid(np.dot(jax.nn.sigmoid(np.dot(x, w1).add(b1)), w2).add(b2));
    return np.square(t.sub(out)).mul(half).sum();
  };
  const step = compile(jax, variant, (w1: JaxArray, w2: JaxArray, x: JaxArray, t: JaxArray, b1: JaxArray, b2: JaxArray, half: JaxArray, rate: JaxArray) => {
    const [g1, g2] = jax.grad(loss, { argnums: [0, 1] })(w1.ref, w2.ref, x, t, b1, b2, half);
    return [w1.sub(g1.mul(rate.ref)), w2.sub(g2.mul(rate))];
  });
  return async (steps) => {
    let w = [array(W1), array(W2)];
    const t0 = now();
    for (let s = 0; s < steps; s++) {
      const [x, t, b1, b2, half] = constants.map((c) => c.ref);
      w = step(w[0], w[1], x, t, b1, b2, half, lr.ref);
      await jax.blockUntilReady(w);
    }
    const ms = now() - t0;
    const [x, t, b1, b2, half] = constants.map((c) => c.ref);
    return { ms, loss: (await loss(w[0], w[1], x, t, b1, b2, half).data())[0] };
  };
}

/** Steps of jax-js's timed W1 runs: jitted, a step costs about 10x chainrule's, eager about 400x (in the README's runs), so 10,000 eager steps would take about a minute a run. */
const JAX_W1_STEPS = { jit: 2_000, eager: 100 };

/** Options shared by all workloads. */
export interface BenchOptions {
  quick: boolean;
}

/**
 * Runs W1 for every peer, interleaved, and judges its targets.
 * @example
 * ```ts
 * const { rows, targets } = await runW1({ quick: true });
 * ```
 */
export async function runW1(opts: BenchOptions): Promise<WorkloadResult> {
  const tf = await loadTf();
  const jax = await loadJax();
  const rounds = opts.quick ? 1 : 5;
  // Every peer's warm-up is one full timed run, so JIT compilation (and TF.js backend set-up, jax-js's
  // tracing and kernel compilation) is out of the medians for all alike; those first runs are reported
  // on a row of their own. jax-js's timed runs are shorter (JAX_W1_STEPS); its jitted warm-up runs
  // all 10,000 steps, which gives its final loss; eager, 10,000 steps would take minutes, so it has none.
  const cold: Record<string, number> = {};
  const loss: Record<string, number> = {};
  const usPerStep = (r: TrainRun, steps: number) => (r.ms * 1000) / steps;
  const full = (peer: Peer, run: () => TrainRun): Contender<number> => ({
    peer,
    warmup: () => {
      cold[peer] = usPerStep(run(), W1_STEPS);
    },
    run: () => {
      const r = run();
      loss[peer] = r.loss;
      return usPerStep(r, W1_STEPS);
    },
  });
  const contenders: Contender<number>[] = [
    full('chainrule', () => w1Chainrule(W1_STEPS)),
    { ...full('tfjs-cpu', () => w1Tf(tf, W1_STEPS)), prepare: () => useBackend(tf, 'cpu') },
    { ...full('tfjs-wasm', () => w1Tf(tf, W1_STEPS)), prepare: () => useBackend(tf, 'wasm') },
    ...JAX_VARIANTS.map((v): Contender<number> => {
      const train = w1JaxTrainer(jax, v);
      const steps = v.jit ? JAX_W1_STEPS.jit : JAX_W1_STEPS.eager;
      return {
        peer: v.peer,
        warmup: async () => {
          const r = await train(v.jit ? W1_STEPS : steps);
          cold[v.peer] = usPerStep(r, v.jit ? W1_STEPS : steps);
          if (v.jit) loss[v.peer] = r.loss;
        },
        run: async () => usPerStep(await train(steps), steps),
      };
    }),
    full('js', () => w1Js(W1_STEPS)),
    full('chainrule-compiled', () => w1Chainrule(W1_STEPS, { compiled: true })),
  ];
  const runs = await interleave(rounds, contenders);
  const perStep: Record<string, number> = {};
  for (const [peer, rs] of runs) perStep[peer] = median(rs);
  // chainrule's first 10,000 steps are timed in fresh processes (the median of three), eager and
  // compiled: in this process they would start on kernels that the other runs have warmed up
  const fresh = (mode: 'eager' | 'compiled') => median([0, 1, 2].map(() => runChild<{ usPerStep: number }>(['w1', mode, String(W1_STEPS)]).usPerStep));
  cold.chainrule = fresh('eager');
  const coldCompiled = fresh('compiled');
  delete cold['chainrule-compiled'];
  const compiledPerStep = perStep['chainrule-compiled'];
  delete perStep['chainrule-compiled'];
  const coldRow: Row = { workload: 'W1 first run of the process: 10k steps (jax-js eager 100), JIT warm-up included', metric: 'µs / step', better: 'lower', values: cold };
  const compiledRow: Row = { workload: 'W1 compiled (compile(step): traced at the first step, then replayed), runs of 10k steps', metric: 'µs / step', better: 'lower', values: { ...perStep, chainrule: compiledPerStep } };
  const compiledColdRow: Row = { workload: 'W1 compiled, first run of the process: 10k steps, trace and JIT warm-up included', metric: 'µs / step', better: 'lower', values: { ...cold, chainrule: coldCompiled } };
  const rel = (v: number) => Math.abs(v - W1_EXPECTED_LOSS) / W1_EXPECTED_LOSS;
  const timeRow: Row = { workload: `W1 article 2-2-2, runs of 10k SGD steps (jax-js ${JAX_W1_STEPS.jit / 1000}k jitted, ${JAX_W1_STEPS.eager} eager)`, metric: 'µs / step', better: 'lower', values: perStep };
  const lossRow: Row = {
    workload: 'W1',
    metric: 'final loss',
    better: 'none',
    values: loss,
    text: Object.fromEntries(Object.entries(loss).map(([p, v]) => [p, v.toPrecision(16)])),
  };
  const warmOverCold = (coldUs: number, warmUs: number) => warmUs / coldUs; // ≥ 1/1.5 when the first run is within 1.5x of warm
  const targets = [
    atLeast('W1 ≥ 20x faster per step than TF.js cpu', advantage(timeRow, 'tfjs-cpu'), 20, 'faster'),
    atLeast('W1 first 10k steps of a fresh process, eager: ≥ 20x faster than TF.js cpu’s first run', advantage(coldRow, 'tfjs-cpu'), 20, 'faster'),
    atLeast('W1 first 10k steps of a fresh process, compiled: ≥ 20x faster than TF.js cpu’s first run', advantage(compiledColdRow, 'tfjs-cpu'), 20, 'faster'),
    atLeast('W1 first 10k steps within 1.5x of warm, eager (warm / first ≥ 0.67)', warmOverCold(cold.chainrule, perStep.chainrule), 1 / 1.5, 'warm speed'),
    atLeast('W1 first 10k steps within 1.5x of warm, compiled (warm / first ≥ 0.67)', warmOverCold(coldCompiled, compiledPerStep), 1 / 1.5, 'warm speed'),
    atLeast('W1 compiled, first run included, within 2x of the hand loop’s first run (loop / compiled ≥ 0.5)', advantage(compiledColdRow, 'js'), 0.5, 'the hand loop’s speed'),
    atLeast('W1 within 10x of the hand loop (hand-loop time / chainrule time ≥ 0.1)', advantage(timeRow, 'js'), 0.1, 'the hand loop’s speed'),
    {
      name: 'W1 compiled reaches the eager run’s loss bit for bit',
      met: loss['chainrule-compiled'] === loss.chainrule,
      detail: `compiled ${loss['chainrule-compiled']}, eager ${loss.chainrule}`,
    },
    {
      name: 'W1 chainrule and the JS loop reach 3.510187782978859e-05 to ~1e-15 relative',
      met: rel(loss.chainrule) <= 2e-15 && rel(loss.js) <= 2e-15,
      detail: `relative error chainrule ${rel(loss.chainrule).toExponential(2)}, JS loop ${rel(loss.js).toExponential(2)}`,
    },
  ];
  const notes = [
    `W1 losses: chainrule ${loss.chainrule}, JS loop ${loss.js}, TF.js cpu ${loss['tfjs-cpu']} and wasm ${loss['tfjs-wasm']} (float32), ` +
      `jax-js jitted float32 ${loss['jax-f32']} and float64 ${loss['jax-f64']}; float64 answer ${W1_EXPECTED_LOSS}.`,
    `W1 jax-js: timed runs of ${JAX_W1_STEPS.jit} steps jitted and ${JAX_W1_STEPS.eager} eager (10,000 would take minutes eager); ` +
      `the first-run row is its first 10,000 steps jitted and its first ${JAX_W1_STEPS.eager} eager; each step awaits blockUntilReady.`,
  ];
  return { rows: [timeRow, coldRow, compiledRow, compiledColdRow, lossRow], targets, notes };
}

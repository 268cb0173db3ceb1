/**
 * W3: one matmul forward plus backward, C = A B then dA = dC Bᵀ and dB = Aᵀ dC, for square n×n
 * matrices (n = 128, 256, 512). Counts 3 × 2n³ floating-point operations; reports GFLOP/s.
 * The naive peer is the textbook loops over Float64Array: i-k-j for C and dB, a row-times-row dot
 * product for dA (each written so its inner loop runs along contiguous rows).
 * @module
 */
import { RandomGenerator, Tensor } from '@chainrule/core';
import { interleave, median, now, type Contender } from './harness.js';
import { compile, jaxArray, JAX_VARIANTS, loadJax, type Jax, type JaxArray, type JaxVariant } from './jax.js';
import { advantage, atLeast, type Row, type Target, type WorkloadResult } from './report.js';
import { loadTf, useBackend, type Tf } from './tf.js';
import type { BenchOptions } from './w1-article.js';

/** Operands of one W3 size: A, B and the incoming gradient dC, row-major n×n. */
export interface MatmulData {
  n: number;
  a: Float64Array;
  b: Float64Array;
  dc: Float64Array;
}

/**
 * Seeded standard-normal operands.
 * @example
 * ```ts
 * const d = matmulData(4); // d.a, d.b, d.dc hold 16 numbers each
 * ```
 */
export function matmulData(n: number, seed = 3): MatmulData {
  const g = new RandomGenerator(seed);
  const make = () => {
    const x = new Float64Array(n * n);
    for (let i = 0; i < x.length; i++) x[i] = g.normal();
    return x;
  };
  return { n, a: make(), b: make(), dc: make() };
}

/** A timed forward + backward and its results. */
export interface MatmulRun {
  ms: number;
  c: ArrayLike<number>;
  da: ArrayLike<number>;
  db: ArrayLike<number>;
}

/**
 * chainrule: `a.matmul(b)` then `backward(dC)`.
 * @example
 * ```ts
 * w3Chainrule(matmulData(64)).da; // equals dC Bᵀ
 * ```
 */
export function w3Chainrule(d: MatmulData): MatmulRun {
  const a = new Tensor(d.a, [d.n, d.n]).requiresGrad_();
  const b = new Tensor(d.b, [d.n, d.n]).requiresGrad_();
  const dc = new Tensor(d.dc, [d.n, d.n]);
  const t0 = now();
  const c = a.matmul(b);
  c.backward(dc);
  const ms = now() - t0;
  return { ms, c: c.buffer, da: a.grad!.buffer, db: b.grad!.buffer };
}

/**
 * The naive loops (see the module comment).
 * @example
 * ```ts
 * w3Naive(matmulData(64)).ms;
 * ```
 */
export function w3Naive(d: MatmulData): MatmulRun {
  const { n, a, b, dc } = d;
  const t0 = now();
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const v = a[i * n + p];
      for (let j = 0; j < n; j++) c[i * n + j] += v * b[p * n + j];
    }
  }
  const da = new Float64Array(n * n); // dA[i][p] = Σⱼ dC[i][j] B[p][j]
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += dc[i * n + j] * b[p * n + j];
      da[i * n + p] = s;
    }
  }
  const db = new Float64Array(n * n); // dB[p][j] = Σᵢ A[i][p] dC[i][j]
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const v = a[i * n + p];
      for (let j = 0; j < n; j++) db[p * n + j] += v * dc[i * n + j];
    }
  }
  return { ms: now() - t0, c, da, db };
}

/**
 * TensorFlow.js (float32): `tf.grads` of `tf.matMul` with dC as the upstream gradient.
 * @example
 * ```ts
 * await useBackend(tf, 'cpu'); w3Tf(tf, matmulData(256)).ms;
 * ```
 */
export function w3Tf(tf: Tf, d: MatmulData): MatmulRun {
  const a = tf.tensor2d(Float32Array.from(d.a), [d.n, d.n]);
  const b = tf.tensor2d(Float32Array.from(d.b), [d.n, d.n]);
  const dc = tf.tensor2d(Float32Array.from(d.dc), [d.n, d.n]);
  const t0 = now();
  const { value, grads } = tf.valueAndGrads((x, y) => tf.matMul(x, y))([a, b], dc);
  const c = value.dataSync();
  const da = grads[0].dataSync();
  const db = grads[1].dataSync();
  const ms = now() - t0;
  tf.dispose([a, b, dc, value, ...grads]);
  return { ms, c, da, db };
}

/**
 * jax-js (the variant's dtype; jitted or eager): `vjp` of `matmul` with dC as the cotangent, as
 * one function. Returns a runner that reuses the compiled function (the first call compiles it).
 * @example
 * ```ts
 * const run = w3JaxRunner(await loadJax(), JAX_VARIANTS[0]);
 * (await run(matmulData(256))).ms;
 * ```
 */
export function w3JaxRunner(jax: Jax, variant: JaxVariant): (d: MatmulData) => Promise<MatmulRun> {
  const fwdBwd = compile(jax, variant, (a: JaxArray, b: JaxArray, dc: JaxArray) => {
    const [c, pullback] = jax.vjp(jax.numpy.matmul, [a, b]);
    const [da, db] = pullback(dc);
    pullback.dispose();
    return [c, da, db];
  });
  return async (d) => {
    const [a, b, dc] = [d.a, d.b, d.dc].map((x) => jaxArray(jax, variant.dtype, x, [d.n, d.n]));
    await jax.blockUntilReady([a, b, dc]);
    const t0 = now();
    const [c, da, db] = await Promise.all(fwdBwd(a, b, dc).map((x) => x.data()));
    return { ms: now() - t0, c, da, db };
  };
}

/** Largest |x − y| / max(|y|, 1) over the three results. */
function maxRelDiff(x: MatmulRun, y: MatmulRun): number {
  let m = 0;
  for (const k of ['c', 'da', 'db'] as const) {
    const u = x[k];
    const v = y[k];
    for (let i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]) / Math.max(Math.abs(v[i]), 1));
  }
  return m;
}

/**
 * Runs W3 at each size for every peer, interleaved, and judges its target at 512.
 * @example
 * ```ts
 * const { rows } = await runW3({ quick: true });
 * ```
 */
export async function runW3(opts: BenchOptions): Promise<WorkloadResult> {
  const tf = await loadTf();
  const jax = await loadJax();
  const jaxRunners = JAX_VARIANTS.map((v) => ({ v, run: w3JaxRunner(jax, v) }));
  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  for (const n of [128, 256, 512]) {
    const d = matmulData(n);
    const rounds = opts.quick ? (n === 512 ? 1 : 3) : n === 512 ? 5 : 9;
    const small = matmulData(64);
    const contenders: Contender<MatmulRun>[] = [
      { peer: 'chainrule', warmup: () => w3Chainrule(small), run: () => w3Chainrule(d) },
      { peer: 'tfjs-cpu', prepare: () => useBackend(tf, 'cpu'), warmup: () => w3Tf(tf, small), run: () => w3Tf(tf, d) },
      { peer: 'tfjs-wasm', prepare: () => useBackend(tf, 'wasm'), warmup: () => w3Tf(tf, small), run: () => w3Tf(tf, d) },
      // jit compiles per shape, so jax-js's warm-up runs the measured size
      ...jaxRunners.map(({ v, run }): Contender<MatmulRun> => ({ peer: v.peer, warmup: () => run(v.jit ? d : small), run: () => run(d) })),
      { peer: 'js', warmup: () => w3Naive(small), run: () => w3Naive(d) },
    ];
    const runs = await interleave(rounds, contenders);
    const gflops: Record<string, number> = {};
    for (const [peer, rs] of runs) gflops[peer] = (3 * 2 * n ** 3) / (median(rs.map((r) => r.ms)) * 1e6);
    const row: Row = { workload: `W3 matmul fwd+bwd ${n}×${n}`, metric: 'GFLOP/s', better: 'higher', values: gflops };
    rows.push(row);
    const cr = runs.get('chainrule')!.at(-1)!;
    const naive = runs.get('js')!.at(-1)!;
    const exact = maxRelDiff(cr, naive) === 0;
    notes.push(
      `W3 ${n}: chainrule's C, dA, dB ${exact ? 'are bit-identical to' : `differ from (max rel ${maxRelDiff(cr, naive).toExponential(2)})`} the naive loops'; ` +
        `TF.js float32 max relative difference: cpu ${maxRelDiff(runs.get('tfjs-cpu')!.at(-1)!, naive).toExponential(2)}, wasm ${maxRelDiff(runs.get('tfjs-wasm')!.at(-1)!, naive).toExponential(2)}; ` +
        `jax-js: ${JAX_VARIANTS.map((v) => `${v.peer} ${maxRelDiff(runs.get(v.peer)!.at(-1)!, naive).toExponential(2)}`).join(', ')}.`,
    );
    if (n === 512) targets.push(atLeast('W3 ≥ 3x the GFLOP/s of the naive i-k-j loop at 512', advantage(row, 'js'), 3, 'the naive GFLOP/s'));
  }
  return { rows, targets, notes };
}

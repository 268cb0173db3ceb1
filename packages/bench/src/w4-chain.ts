/**
 * W4: a chain of n elementwise ops on a 2×2 tensor (alternately y + 0.001 and y · 0.999), then
 * backward of Σ y. The two constants are made once as scalar tensors for chainrule and TF.js alike
 * (passing plain numbers would add a scalar-tensor conversion per op). Every peer runs in its own child process (node --expose-gc) so that its time and
 * memory are measured on a fresh heap. d(Σ y)/dx = 0.999^(n/2) for every element.
 *
 * Memory: RSS and heap + external (typed-array storage, wasm memory) are sampled every 1,000 ops
 * during the forward chain and after backward; the peak RSS also comes from the kernel's maxRSS
 * (`process.resourceUsage()`), which sees the peak inside backward too. Reported as the increase
 * over the value just before the chain (after a warm-up run and a full gc).
 * @module
 */
import { tensor, type Tensor } from '@chainrule/core';
import { median, now, runChild } from './harness.js';
import { compile, jaxArray, jaxScalar, JAX_VARIANTS, type Jax, type JaxArray, type JaxVariant } from './jax.js';
import { advantage, atLeast, type Row, type Target, type WorkloadResult } from './report.js';
import type { Tf } from './tf.js';
import type { BenchOptions } from './w1-article.js';

const X0 = [[0.1, 0.2], [0.3, 0.4]];
const ADD = 0.001;
const MUL = 0.999;

/** Called every 1,000 ops with the op index, to sample memory. */
export type Sampler = () => void;

/**
 * chainrule: the chain and its backward; returns d(Σ y)/dx₀₀.
 * @example
 * ```ts
 * chainChainrule(10, () => {}); // 0.999 ** 5
 * ```
 */
export function chainChainrule(n: number, sample: Sampler): number {
  const x = tensor(X0, { requiresGrad: true });
  const add = tensor(ADD);
  const mul = tensor(MUL);
  let y: Tensor = x;
  for (let i = 0; i < n; i++) {
    y = i & 1 ? y.mul(mul) : y.add(add);
    if (i % 1000 === 999) sample();
  }
  const loss = y.sum();
  sample();
  loss.backward();
  sample();
  return x.grad!.buffer[0];
}

/**
 * TensorFlow.js: the chain inside `tf.grad`, with the constants made once outside.
 * @example
 * ```ts
 * chainTf(tf, 1000, () => {}); // ≈ 0.999 ** 500 in float32
 * ```
 */
export function chainTf(tf: Tf, n: number, sample: Sampler): number {
  const x = tf.tensor2d(X0);
  const add = tf.scalar(ADD);
  const mul = tf.scalar(MUL);
  const g = tf.grad((x0: import('@tensorflow/tfjs').Tensor) => {
    let y = x0;
    for (let i = 0; i < n; i++) {
      y = i & 1 ? tf.mul(y, mul) : tf.add(y, add);
      if (i % 1000 === 999) sample();
    }
    sample();
    return tf.sum(y);
  })(x);
  sample();
  const v = g.dataSync()[0];
  tf.dispose([x, add, mul, g]);
  return v;
}

/**
 * jax-js: `grad` of the chain (jitted: `jit(grad(chain))`, so the time includes tracing and
 * compiling the chain), with the constants as 0-d arrays made once outside.
 * @example
 * ```ts
 * chainJax(jax, JAX_VARIANTS[1], 1000, () => {}); // ≈ 0.999 ** 500
 * ```
 */
export function chainJax(jax: Jax, variant: JaxVariant, n: number, sample: Sampler): number {
  const chain = (x: JaxArray, add: JaxArray, mul: JaxArray) => {
    let y = x;
    for (let i = 0; i < n; i++) {
      y = i & 1 ? y.mul(mul.ref) : y.add(add.ref);
      if (i % 1000 === 999) sample();
    }
    add.dispose();
    mul.dispose();
    sample();
    return y.sum();
  };
  const gradient = compile(jax, variant, jax.grad(chain));
  const g = gradient(jaxArray(jax, variant.dtype, X0.flat(), [2, 2]), jaxScalar(jax, variant.dtype, ADD), jaxScalar(jax, variant.dtype, MUL));
  sample();
  return g.dataSync()[0];
}

/**
 * The floor: the chain and its backward as two loops over a Float64Array (nothing stored).
 * @example
 * ```ts
 * chainJs(1000, () => {}); // 0.999 ** 500
 * ```
 */
export function chainJs(n: number, sample: Sampler): number {
  const y = Float64Array.from(X0.flat());
  for (let i = 0; i < n; i++) {
    if (i & 1) for (let k = 0; k < 4; k++) y[k] *= MUL;
    else for (let k = 0; k < 4; k++) y[k] += ADD;
    if (i % 1000 === 999) sample();
  }
  const grad = new Float64Array(4).fill(1);
  for (let i = n - 1; i >= 0; i--) if (i & 1) for (let k = 0; k < 4; k++) grad[k] *= MUL;
  sample();
  return grad[0];
}

/** What a W4 child reports. */
export interface ChainMeasurement {
  ms: number;
  grad: number;
  /** Peak RSS minus RSS before the chain, bytes. */
  peakRss: number;
  /** True when the peak RSS came from maxRSS (seen inside backward), false when from a sample. */
  peakFromMaxRss: boolean;
  /** Peak sampled heapUsed + external minus its value before the chain, bytes. */
  peakHeap: number;
  /** The error the chain ended with, when it did not finish (jax-js overflows its stack on long chains). */
  error?: string;
}

/** The libraries a W4 child loaded for its peer. */
export interface ChainLibraries {
  tf: Tf | null;
  jax: Jax | null;
}

/**
 * Runs one chain in this process and measures it (called in a child process with --expose-gc).
 * @example
 * ```ts
 * console.log(JSON.stringify(await measureChain('chainrule', 100_000, null))); // under node --expose-gc
 * ```
 */
export async function measureChain(peer: string, n: number, libs: ChainLibraries): Promise<ChainMeasurement> {
  const jaxPeer = JAX_VARIANTS.find((v) => v.peer === peer);
  const run = (count: number, sample: Sampler): number => {
    if (peer === 'chainrule') return chainChainrule(count, sample);
    if (peer === 'js') return chainJs(count, sample);
    if (jaxPeer !== undefined) return chainJax(libs.jax!, jaxPeer, count, sample);
    return chainTf(libs.tf!, count, sample);
  };
  // warm-up: JIT, backend kernels (jax-js's is short: it overflows its stack past about 2,000 ops)
  run(jaxPeer === undefined ? 2000 : 100, () => {});
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('measureChain needs node --expose-gc');
  gc();
  gc();
  const m0 = process.memoryUsage();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  let peakRssSample = m0.rss;
  let peakHeapSample = m0.heapUsed + m0.external;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRssSample) peakRssSample = m.rss;
    if (m.heapUsed + m.external > peakHeapSample) peakHeapSample = m.heapUsed + m.external;
  };
  const t0 = now();
  let grad = Number.NaN;
  let error: string | undefined;
  try {
    grad = run(n, sample);
  } catch (e) {
    // only jax-js's failure is a result (reported as one); any other peer's is a bug
    if (jaxPeer === undefined) throw e;
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  const ms = now() - t0;
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  const fromMax = maxRssAfter > maxRssBefore && maxRssAfter > peakRssSample;
  return {
    ms,
    grad,
    peakRss: (fromMax ? maxRssAfter : peakRssSample) - m0.rss,
    peakFromMaxRss: fromMax,
    peakHeap: peakHeapSample - m0.heapUsed - m0.external,
    ...(error === undefined ? {} : { error }),
  };
}

/** Chain lengths tried for jax-js, shortest first, until one fails. */
export const JAX_CHAIN_LADDER: readonly number[] = [1000, 2000, 5000, 10_000, 100_000];

/** How far jax-js's chain got: the longest that ran and the first that failed. */
export interface LadderResult {
  ran?: { n: number; ms: number; grad: number };
  failed?: { n: number; ms: number; error: string };
}

/**
 * Runs a jax-js variant's chain in a child per length of {@link JAX_CHAIN_LADDER}, shortest first,
 * and stops at the first that fails (a longer chain is a deeper one, and depth is what overflows).
 * @example
 * ```ts
 * jaxChainLadder('jax-f32'); // { ran: { n: 2000, ... }, failed: { n: 5000, error: 'RangeError: Maximum call stack size exceeded', ... } }
 * ```
 */
export function jaxChainLadder(peer: string): LadderResult {
  const out: LadderResult = {};
  for (const n of JAX_CHAIN_LADDER) {
    let m: ChainMeasurement;
    try {
      m = runChild<ChainMeasurement>(['w4', peer, String(n)]);
    } catch (e) {
      // a child that dies (out of memory, say) rather than throwing is a failure of that length too
      out.failed = { n, ms: Number.NaN, error: (e instanceof Error ? e.message : String(e)).split('\n')[0] };
      return out;
    }
    if (m.error !== undefined) {
      out.failed = { n, ms: m.ms, error: m.error };
      return out;
    }
    out.ran = { n, ms: m.ms, grad: m.grad };
  }
  return out;
}

/** `5000` → `5k`. */
const kOps = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

const MB = 1024 * 1024;

/**
 * Runs W4 (each peer in child processes, interleaved) plus chainrule at 1,000,000 ops.
 * @example
 * ```ts
 * const { rows } = await runW4({ quick: true });
 * ```
 */
export async function runW4(opts: BenchOptions): Promise<WorkloadResult> {
  const n = 100_000;
  const rounds = opts.quick ? 1 : 3;
  const peers = ['chainrule', 'tfjs-cpu', 'tfjs-wasm', 'js'] as const;
  const runs = new Map<string, ChainMeasurement[]>(peers.map((p) => [p, []]));
  for (let r = 0; r < rounds; r++) for (const p of peers) runs.get(p)!.push(runChild<ChainMeasurement>(['w4', p, String(n)]));
  const ms: Record<string, number> = {};
  const rss: Record<string, number> = {};
  const heap: Record<string, number> = {};
  const grads: string[] = [];
  for (const [p, rs] of runs) {
    ms[p] = median(rs.map((x) => x.ms));
    rss[p] = median(rs.map((x) => x.peakRss)) / MB;
    heap[p] = median(rs.map((x) => x.peakHeap)) / MB;
    grads.push(`${p} ${rs[0].grad.toPrecision(8)}${rs.some((x) => x.peakFromMaxRss) ? '' : ' (RSS peak from samples)'}`);
  }
  const timeRow: Row = { workload: 'W4 chain of 100k elementwise ops + backward', metric: 'ms', better: 'lower', values: ms };
  const rssRow: Row = { workload: 'W4', metric: 'peak RSS increase, MB', better: 'lower', values: rss };
  const heapRow: Row = { workload: 'W4', metric: 'peak sampled heap+external increase, MB', better: 'lower', values: heap };
  const ladders = JAX_VARIANTS.map((v) => ({ v, ladder: jaxChainLadder(v.peer) }));
  timeRow.text = {};
  for (const { v, ladder } of ladders) {
    if (ladder.failed === undefined) timeRow.values[v.peer] = ladder.ran!.ms;
    else timeRow.text[v.peer] = `failed at ${kOps(ladder.failed.n)} ops${ladder.ran ? ` (${kOps(ladder.ran.n)} ran: ${ladder.ran.ms.toFixed(0)} ms)` : ''}`;
  }
  const million = runChild<ChainMeasurement>(['w4', 'chainrule', '1000000']);
  const millionRow: Row = {
    workload: 'W4 chain of 1M ops (chainrule only)',
    metric: 'ms / peak RSS increase MB',
    better: 'none',
    values: { chainrule: million.ms },
    text: { chainrule: `${million.ms.toFixed(0)} ms / ${(million.peakRss / MB).toFixed(0)} MB` },
  };
  const expected = MUL ** (n / 2);
  const targets: Target[] = [
    atLeast('W4 ≥ 10x faster than TF.js cpu', advantage(timeRow, 'tfjs-cpu'), 10, 'faster'),
    atLeast('W4 peak memory < 1/3 of TF.js cpu’s (TF.js peak RSS / chainrule peak RSS > 3)', advantage(rssRow, 'tfjs-cpu'), 3, 'less'),
    {
      name: 'W4 1,000,000 ops finish for chainrule',
      met: Math.abs(million.grad - MUL ** 500_000) <= 1e-12 * MUL ** 500_000,
      detail: `${million.ms.toFixed(0)} ms, peak RSS +${(million.peakRss / MB).toFixed(0)} MB, gradient ${million.grad.toPrecision(6)} (expected 0.999^500000 = ${(MUL ** 500_000).toPrecision(6)})`,
    },
  ];
  const notes = [
    `W4 gradients d(Σy)/dx₀₀ (expected 0.999^50000 = ${expected.toPrecision(8)}): ${grads.join(', ')}.`,
    `W4 jax-js: one child per chain length (${JAX_CHAIN_LADDER.map(kOps).join(', ')} ops), shortest first, until one fails; a longer chain is only deeper. ` +
      ladders
        .map(({ v, ladder }) => `${v.peer}: ${ladder.ran ? `${kOps(ladder.ran.n)} ops ran in ${ladder.ran.ms.toFixed(0)} ms (gradient ${ladder.ran.grad.toPrecision(8)}, expected ${(MUL ** Math.floor(ladder.ran.n / 2)).toPrecision(8)})` : 'no length ran'}${ladder.failed ? `, ${kOps(ladder.failed.n)} failed after ${ladder.failed.ms.toFixed(0)} ms with ${ladder.failed.error}` : ''}`)
        .join('; ') +
      '. Jitted, the time includes tracing and compiling the chain.',
  ];
  return { rows: [timeRow, rssRow, heapRow, millionRow], targets, notes };
}

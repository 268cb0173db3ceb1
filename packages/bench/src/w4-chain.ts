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
}

/**
 * Runs one chain in this process and measures it (called in a child process with --expose-gc).
 * @example
 * ```ts
 * console.log(JSON.stringify(await measureChain('chainrule', 100_000, null))); // under node --expose-gc
 * ```
 */
export async function measureChain(peer: string, n: number, tf: Tf | null): Promise<ChainMeasurement> {
  const run = (count: number, sample: Sampler): number => {
    if (peer === 'chainrule') return chainChainrule(count, sample);
    if (peer === 'js') return chainJs(count, sample);
    return chainTf(tf!, count, sample);
  };
  run(2000, () => {}); // warm-up: JIT, backend kernels
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
  const grad = run(n, sample);
  const ms = now() - t0;
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  const fromMax = maxRssAfter > maxRssBefore && maxRssAfter > peakRssSample;
  return {
    ms,
    grad,
    peakRss: (fromMax ? maxRssAfter : peakRssSample) - m0.rss,
    peakFromMaxRss: fromMax,
    peakHeap: peakHeapSample - m0.heapUsed - m0.external,
  };
}

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
  const notes = [`W4 gradients d(Σy)/dx₀₀ (expected 0.999^50000 = ${expected.toPrecision(8)}): ${grads.join(', ')}.`];
  return { rows: [timeRow, rssRow, heapRow, millionRow], targets, notes };
}

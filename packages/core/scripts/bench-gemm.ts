/**
 * Micro-benchmark behind kernels/matmul.ts: the GEMM on the products the MNIST CNN example makes
 * (conv 1→8 3×3 and conv 8→16 3×3 on a batch of 64: forward, input gradient, weight gradient,
 * through conv.ts's im2col layout), square products, and whole conv2d forward + backward
 * steps through the public ops.
 * Run: `pnpm exec tsx packages/core/scripts/bench-gemm.ts [--quick] [--only TEXT]` (cases whose name contains TEXT).
 *
 * Each case is timed in rounds of about ROUND_MS; prints GFLOP/s (2·m·n·k per product) from the
 * process CPU time per call (user + system: other processes on this shared machine inflate the wall
 * time, much less the CPU time) and from the wall time (median and best round). Every product's result
 * is checked bit for bit against a naive triple loop before timing.
 * @module
 */
import { loadavg } from 'node:os';
import { gemm } from '../src/kernels/matmul.js';
import { conv2d, randn, RandomGenerator } from '../src/index.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 11;
const ROUND_MS = quick ? 20 : 60;
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;

/** One product C (m×n) = op(A) (m×k) · op(B) (k×n), with the strides conv.ts or matmul reads it with, repeated `times` per call. */
interface Case {
  name: string;
  m: number;
  n: number;
  k: number;
  /** A stored transposed (k×m, read with strides 1, m). */
  transA?: boolean;
  /** B stored transposed (n×k, read with strides 1, k). */
  transB?: boolean;
  /** Products per call (the per-sample input gradient is 64 of them). */
  times?: number;
}

const N = 64;
const cases: Case[] = [
  // conv1: 1→8, 3×3, 28×28 → 26×26; conv.ts forward: W [8 × 9] · cols [9 × N·676]
  { name: 'conv1 forward W·cols [8,9]x[9,43264]', m: 8, n: N * 676, k: 9 },
  // weight gradient: G [8 × N·676] · colsᵀ [N·676 × 9]
  { name: 'conv1 weight grad G·colsT [8,43264]x[43264,9]', m: 8, n: 9, k: N * 676, transB: true },
  // input gradient: Wᵀ [9 × 8] · G [8 × N·676] (conv.ts made it per sample, 64 products of [9,8]x[8,676], before 2026-12-02)
  { name: 'conv1 input grad WT·G [9,8]x[8,43264]', m: 9, n: N * 676, k: 8, transA: true },
  { name: 'conv1 input grad per sample WT·G 64x [9,8]x[8,676]', m: 9, n: 676, k: 8, transA: true, times: N },
  // conv2: 8→16, 3×3, 13×13 → 11×11: W [16 × 72] · cols [72 × N·121]
  { name: 'conv2 forward W·cols [16,72]x[72,7744]', m: 16, n: N * 121, k: 72 },
  { name: 'conv2 weight grad G·colsT [16,7744]x[7744,72]', m: 16, n: 72, k: N * 121, transB: true },
  { name: 'conv2 input grad WT·G [72,16]x[16,7744]', m: 72, n: N * 121, k: 16, transA: true },
  { name: 'conv2 input grad per sample WT·G 64x [72,16]x[16,121]', m: 72, n: 121, k: 16, transA: true, times: N },
  // the same products in the brief's orientation (rows = positions): [N·676, 9] · [9, 8]
  { name: 'cols·W [43264,9]x[9,8]', m: N * 676, n: 8, k: 9 },
  { name: 'cols·W [7744,72]x[72,16]', m: N * 121, n: 16, k: 72 },
  { name: 'square 128', m: 128, n: 128, k: 128 },
  { name: 'square 512', m: 512, n: 512, k: 512 },
];

function random(size: number, g: RandomGenerator): Float64Array {
  const x = new Float64Array(size);
  for (let i = 0; i < size; i++) x[i] = g.normal();
  return x;
}

interface Prepared {
  run: () => void;
  check: () => void;
  flops: number;
}

function prepare(c: Case): Prepared {
  const g = new RandomGenerator(1);
  const { m, n, k } = c;
  const times = c.times ?? 1;
  const a = random(m * k, g);
  const b = random(k * n, g);
  const out = new Float64Array(m * n * times);
  // op(A)[i][p] = a[i·aRs + p·aCs]; stored transposed, the same numbers are read through swapped strides
  const [aRs, aCs] = c.transA ? [1, m] : [k, 1];
  const [bRs, bCs] = c.transB ? [1, k] : [n, 1];
  const run = () => {
    for (let t = 0; t < times; t++) gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, out, t * m * n, n);
  };
  const check = () => {
    run();
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * aRs + p * aCs] * b[p * bRs + j * bCs];
        for (let t = 0; t < times; t++) {
          if (!Object.is(out[t * m * n + i * n + j], s)) throw new Error(`${c.name}: element (${i}, ${j}) is ${out[i * n + j]}, the naive loop gives ${s}`);
        }
      }
    }
  };
  return { run, check, flops: 2 * m * n * k * times };
}

/** A conv2d layer of the CNN, forward and backward (input gradient only where the input needs one). */
function convStep(name: string, inShape: number[], wShape: number[], inputGrad: boolean): { name: string } & Prepared {
  const x = randn(inShape, { seed: 2, requiresGrad: inputGrad });
  const w = randn(wShape, { seed: 3, requiresGrad: true });
  const b = randn([wShape[0]], { seed: 4, requiresGrad: true });
  const [n, , h, wd] = inShape;
  const [o, ci, kh, kw] = wShape;
  const products = (inputGrad ? 3 : 2) * 2 * n * o * ci * kh * kw * (h - kh + 1) * (wd - kw + 1);
  const run = () => {
    w.grad = null;
    b.grad = null;
    x.grad = null;
    conv2d(x, w, b).sum().backward();
  };
  return { name, run, check: run, flops: products };
}

let sink = 0;
const median = (xs: number[]) => xs.slice().sort((p, q) => p - q)[xs.length >> 1];

/** Calls per round so that one round takes about ROUND_MS. */
function calibrate(run: () => void): number {
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) run();
    const ms = performance.now() - t0;
    if (ms > ROUND_MS / 4) return Math.max(1, Math.round((calls * ROUND_MS) / ms));
    calls *= 2;
  }
}

console.log(`GEMM micro-benchmark, node ${process.version}, ${ROUNDS} rounds of ~${ROUND_MS} ms per case, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| case | GFLOP/s by CPU time, median | GFLOP/s by wall time, median (best round) | CPU ms per call, median |');
console.log('| --- | ---: | ---: | ---: |');
const all: ({ name: string } & Prepared)[] = [
  ...cases.map((c) => ({ name: c.name, ...prepare(c) })),
  convStep('conv2d 1→8 3×3 [64,1,28,28] fwd+bwd (no input grad)', [N, 1, 28, 28], [8, 1, 3, 3], false),
  convStep('conv2d 8→16 3×3 [64,8,13,13] fwd+bwd', [N, 8, 13, 13], [16, 8, 3, 3], true),
];
for (const c of all) {
  if (only !== undefined && !c.name.includes(only)) continue;
  c.check();
  const calls = calibrate(c.run);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) c.run();
    wall.push((performance.now() - t0) / calls);
    const u = process.cpuUsage(u0);
    cpu.push((u.user + u.system) / 1000 / calls);
    sink += calls;
  }
  const gflops = (ms: number) => (c.flops / (ms * 1e6)).toFixed(2);
  console.log(`| ${c.name} | ${gflops(median(cpu))} | ${gflops(median(wall))} (${gflops(Math.min(...wall))}) | ${median(cpu).toFixed(3)} |`);
}
if (sink < 0) console.log(sink);

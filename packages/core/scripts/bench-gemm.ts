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
import { conv2d, randn } from '../src/index.js';
import { CNN_PRODUCTS, operands, type Product } from './gemm-products.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 11;
const ROUND_MS = quick ? 20 : 60;
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;

/** A product, repeated `times` per call (the per-sample input gradient is 64 of them). */
interface Case extends Product {
  times?: number;
}

const N = 64;
const cases: Case[] = [
  ...CNN_PRODUCTS,
  // the input gradients as conv.ts made them before 2026-12-02: one product per sample
  { name: 'conv1 input grad per sample WT·G 64x [9,8]x[8,676]', m: 9, n: 676, k: 8, transA: true, times: N },
  { name: 'conv2 input grad per sample WT·G 64x [72,16]x[16,121]', m: 72, n: 121, k: 16, transA: true, times: N },
  // the same products in the brief's orientation (rows = positions): [N·676, 9] · [9, 8]
  { name: 'cols·W [43264,9]x[9,8]', m: N * 676, n: 8, k: 9 },
  { name: 'cols·W [7744,72]x[72,16]', m: N * 121, n: 16, k: 72 },
  { name: 'square 128', m: 128, n: 128, k: 128 },
  { name: 'square 512', m: 512, n: 512, k: 512 },
];

interface Prepared {
  run: () => void;
  check: () => void;
  flops: number;
}

function prepare(c: Case): Prepared {
  const { m, n, k } = c;
  const times = c.times ?? 1;
  const { a, b, aRs, aCs, bRs, bCs } = operands(c);
  const out = new Float64Array(m * n * times);
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

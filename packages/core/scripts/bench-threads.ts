/**
 * Micro-benchmark behind kernels/matmul-threads.ts: the same products on one thread and on several
 * (setNumThreads), each count in its own child process, the processes alternating, so that a busy
 * phase of this shared machine hits both alike. W3 (matmul 512×512 forward and backward, float64,
 * through the public ops), square products around the size where splitting starts to pay, and the
 * MNIST CNN's convolutions (forward and backward).
 * Run: `pnpm exec tsx packages/core/scripts/bench-threads.ts [--quick] [--threads 2] [--only TEXT]`.
 * With `--products`, instead: single products of many shapes in one process, split (gemm with
 * thresholds at 0) and not (gemmOneThread) alternating call by call, which is what the split
 * thresholds of matmul-threads.ts were chosen from: the wall-time speed-up, and the extra CPU time
 * the split costs (staging copies, per-chunk set-up, wake-ups), which other processes on the machine
 * disturb much less than the wall time.
 *
 * Each child waits until its workers are ready, warms up, then times REPS calls of every case and
 * prints the median wall time and the process CPU time (all threads) per call. The parent prints,
 * per case, the median over rounds of each count's median, and the speed-up (one thread's time /
 * several threads' time). Every child also checks its results bit for bit against the first
 * one-thread child's (a digest of every result's bits).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { conv2d, matmul, randn, setNumThreads } from '../src/index.js';
import { gemm, gemmOneThread } from '../src/kernels/matmul.js';
import { parallelStats, setParallelThresholds, threadsReady } from '../src/kernels/matmul-threads.js';
import { CNN_PRODUCTS, operands, type Product } from './gemm-products.js';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes('--quick');
const ROUNDS = quick ? 2 : 6;
const REPS = quick ? 3 : 9;
const THREADS = Number(option('--threads') ?? 2);
const only = option('--only');

interface Case {
  name: string;
  run: () => ArrayLike<number>[];
}

function w3(n: number): Case {
  const a = randn([n, n], { seed: 1 });
  const b = randn([n, n], { seed: 2 });
  const dc = randn([n, n], { seed: 3 });
  return {
    name: `W3 matmul ${n} fwd+bwd`,
    run: () => {
      const x = a.detach().requiresGrad_();
      const y = b.detach().requiresGrad_();
      const c = matmul(x, y);
      c.backward(dc);
      return [c.buffer, x.grad!.buffer, y.grad!.buffer];
    },
  };
}

function square(n: number): Case {
  const a = randn([n, n], { seed: 4 });
  const b = randn([n, n], { seed: 5 });
  return { name: `matmul ${n}×${n}×${n}`, run: () => [matmul(a, b).buffer] };
}

function conv(name: string, xShape: number[], wShape: number[]): Case {
  const x = randn(xShape, { seed: 6 });
  const w = randn(wShape, { seed: 7 });
  const bias = randn([wShape[0]], { seed: 8 });
  const g = randn([xShape[0], wShape[0], xShape[2] - wShape[2] + 1, xShape[3] - wShape[3] + 1], { seed: 9 });
  return {
    name,
    run: () => {
      const xs = x.detach().requiresGrad_();
      const ws = w.detach().requiresGrad_();
      const out = conv2d(xs, ws, bias);
      out.backward(g);
      return [out.buffer, xs.grad!.buffer, ws.grad!.buffer];
    },
  };
}

const cases = (): Case[] =>
  [
    w3(512),
    w3(256),
    square(96),
    square(128),
    square(160),
    square(192),
    square(256),
    square(384),
    conv('conv2d 8→16 3×3 [64,8,13,13] fwd+bwd', [64, 8, 13, 13], [16, 8, 3, 3]),
    conv('conv2d 1→8 3×3 [64,1,28,28] fwd+bwd', [64, 1, 28, 28], [8, 1, 3, 3]),
  ].filter((c) => only === undefined || c.name.includes(only));

/** FNV-1a over the bits of every result: equal digests, equal bits. */
function digest(results: ArrayLike<number>[]): string {
  let h = 0x811c9dc5;
  const f = new Float64Array(1);
  const bytes = new Uint8Array(f.buffer);
  for (const r of results) {
    for (let i = 0; i < r.length; i++) {
      f[0] = r[i];
      for (let j = 0; j < 8; j++) h = Math.imul(h ^ bytes[j], 0x01000193);
    }
  }
  return (h >>> 0).toString(16);
}

const median = (xs: number[]) => xs.slice().sort((p, q) => p - q)[xs.length >> 1];

interface ChildResult {
  name: string;
  wallMs: number;
  cpuMs: number;
  digest: string;
}

/** Turns `threads` on and waits until the workers are ready. */
async function startThreads(threads: number): Promise<void> {
  setNumThreads(threads);
  square(512).run(); // starts the workers
  const t0 = Date.now();
  while (threadsReady() < threads - 1) {
    if (Date.now() - t0 > 10_000) throw new Error(`bench-threads: ${threads - 1} worker(s) not ready after 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function child(threads: number): Promise<void> {
  if (threads > 1) await startThreads(threads);
  const out: ChildResult[] = [];
  for (const c of cases()) {
    const d = digest(c.run()); // warm-up and the bits to compare
    c.run();
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      c.run();
      wall.push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      cpu.push((u.user + u.system) / 1000);
    }
    out.push({ name: c.name, wallMs: median(wall), cpuMs: median(cpu), digest: d });
  }
  const stats = parallelStats();
  console.log(JSON.stringify({ threads, results: out, workerChunks: stats.workerChunks, chunks: stats.chunks }));
}

function parent(): void {
  const script = fileURLToPath(import.meta.url);
  console.log(`threads micro-benchmark, node ${process.version}, ${ROUNDS} rounds × (1 thread, ${THREADS} threads) child processes, ${REPS} timed calls per case; load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const runs = new Map<number, ChildResult[][]>([[1, []], [THREADS, []]]);
  let reference: Map<string, string> | null = null;
  let workerChunks = 0;
  let chunks = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const threads of r % 2 === 0 ? [1, THREADS] : [THREADS, 1]) {
      const p = spawnSync(process.execPath, [...process.execArgv, script, '--child', String(threads), ...args], { encoding: 'utf8' });
      const line = p.stdout.split('\n').find((l) => l.startsWith('{'));
      if (p.status !== 0 || line === undefined) throw new Error(`child (${threads} threads) failed: ${p.stderr}`);
      const res = JSON.parse(line) as { results: ChildResult[]; workerChunks: number; chunks: number };
      if (threads > 1) {
        workerChunks += res.workerChunks;
        chunks += res.chunks;
      }
      reference ??= new Map(res.results.map((x) => [x.name, x.digest]));
      for (const x of res.results) if (reference.get(x.name) !== x.digest) throw new Error(`${x.name}: ${threads} threads gave other bits than 1 thread`);
      runs.get(threads)!.push(res.results);
    }
  }
  console.log(`results bit-identical across thread counts; the workers computed ${workerChunks} of ${chunks} chunks of the split products`);
  console.log(`| case | 1 thread: ms (CPU ms) | ${THREADS} threads: ms (CPU ms) | speed-up |`);
  console.log('| --- | ---: | ---: | ---: |');
  for (const [i, c] of runs.get(1)![0]!.entries()) {
    const one = runs.get(1)!.map((rs) => rs[i]!);
    const many = runs.get(THREADS)!.map((rs) => rs[i]!);
    const w1 = median(one.map((x) => x.wallMs));
    const wn = median(many.map((x) => x.wallMs));
    const cell = (xs: ChildResult[], w: number) => `${w.toFixed(2)} (${median(xs.map((x) => x.cpuMs)).toFixed(2)})`;
    console.log(`| ${c.name} | ${cell(one, w1)} | ${cell(many, wn)} | ${(w1 / wn).toFixed(2)}x |`);
  }
  console.log(`load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

async function products(): Promise<void> {
  await startThreads(THREADS);
  setParallelThresholds({ minWork: 0, minIntensity: 0, chunkMinWork: 0, chunkMinWidth: 16 });
  const list: Product[] = [
    ...[64, 96, 128, 160, 192, 256, 384, 512].map((n) => ({ name: `square ${n}`, m: n, n, k: n })),
    ...CNN_PRODUCTS,
    { name: 'MLP layer [64,784]x[784,256]', m: 64, n: 256, k: 784 },
  ].filter((p) => only === undefined || p.name.includes(only));
  console.log(`split products, ${THREADS} threads, in one process; node ${process.version}; load average before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| product | multiply-adds | copied elements | 1 thread: ms | split: ms | speed-up (wall) | split CPU / 1-thread CPU |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of list) {
    const { m, n, k } = p;
    const { a, b, aRs, aCs, bRs, bCs } = operands(p);
    const one = new Float64Array(m * n);
    const split = new Float64Array(m * n);
    const runs: [(c: Float64Array) => void, Float64Array][] = [
      [(c) => gemmOneThread(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0, n), one],
      [(c) => gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0, n), split],
    ];
    const calls = Math.max(1, Math.round(2e8 / (m * n * k))); // ~30 ms of work per sample
    const wall: number[][] = [[], []];
    const cpu: number[][] = [[], []];
    for (let r = 0; r < 4 * ROUNDS + 2; r++) {
      for (const [i, [f, c]] of runs.entries()) {
        const u0 = process.cpuUsage();
        const t0 = performance.now();
        for (let j = 0; j < calls; j++) f(c);
        const t = (performance.now() - t0) / calls;
        const u = process.cpuUsage(u0);
        if (r < 2) continue; // warm-up
        wall[i]!.push(t);
        cpu[i]!.push((u.user + u.system) / 1000 / calls);
      }
    }
    if (!one.every((v, j) => Object.is(v, split[j]))) throw new Error(`${p.name}: the split product differs from one thread's`);
    const copied = (m - 1) * aRs + (k - 1) * aCs + 1 + (k - 1) * bRs + (n - 1) * bCs + 1 + m * n;
    const [w1, ws] = wall.map(median) as [number, number];
    const [c1, cs] = cpu.map(median) as [number, number];
    console.log(`| ${p.name} | ${m * n * k} | ${copied} | ${w1.toFixed(3)} | ${ws.toFixed(3)} | ${(w1 / ws).toFixed(2)}x | ${(cs / c1).toFixed(2)} |`);
  }
  console.log(`load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}; the workers computed ${parallelStats().workerChunks} of ${parallelStats().chunks} chunks`);
}

if (args.includes('--child')) await child(Number(option('--child')));
else if (args.includes('--products')) await products();
else parent();
export {};

/**
 * Micro-benchmark behind kernels/nd.ts: its own strided copy loops against ndarray-ops' `assign`
 * (which the kernels used above 256 elements before, and which compiles code from strings), and
 * against the previous plain per-element loop (used below 256 elements before).
 * Run: `pnpm exec tsx packages/core/scripts/bench-strided-copy.ts [--quick] [--only TEXT]` (cases whose name contains TEXT).
 *
 * Each case copies a strided view into a new contiguous buffer (a permute, a broadcast, a slice
 * with steps), or writes a contiguous buffer into a strided region (a slice's adjoint). ndarray-ops
 * is timed the way the old kernel called it: two ndarray views made per call, then `assign`. Every
 * implementation's output is checked equal to ours before timing. Rounds interleave the
 * implementations (in rotating order); prints the median and the best round's microseconds per call
 * and both ratios ours / ndarray-ops (below 1: ours is faster). Other processes on the machine show
 * up in the medians far more than in the best rounds.
 * @module
 */
import { loadavg } from 'node:os';
import ndarray from 'ndarray';
// NOTE: the default import: under plain node only it carries all of ndarray-ops' functions.
import ops from 'ndarray-ops';
import { assignStrided, copyStrided } from '../src/kernels/nd.js';
import { sizeOf, stridesOf } from '../src/shape.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 15;
const ROUND_MS = quick ? 10 : 25;

/** A copy case: read the view (shape, strides, offset) of a contiguous source of `srcSize` elements. */
interface Case {
  name: string;
  srcSize: number;
  shape: number[];
  strides: number[];
  offset: number;
  /** true: write a contiguous buffer into the view instead of reading it. */
  scatter?: boolean;
}

function permuteCase(name: string, shape: number[], axes: number[]): Case {
  const strides = stridesOf(shape);
  return { name, srcSize: sizeOf(shape), shape: axes.map((a) => shape[a]), strides: axes.map((a) => strides[a]), offset: 0 };
}
function broadcastCase(name: string, shape: number[], target: number[]): Case {
  const strides = stridesOf(shape);
  const lead = target.length - shape.length;
  return {
    name,
    srcSize: sizeOf(shape),
    shape: target,
    strides: target.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead])),
    offset: 0,
  };
}

const cases: Case[] = [
  permuteCase('transpose 512x512', [512, 512], [1, 0]),
  permuteCase('transpose 64x64', [64, 64], [1, 0]),
  permuteCase('transpose 2x2', [2, 2], [1, 0]),
  permuteCase('permute 3-D 64x64x64 (2,0,1)', [64, 64, 64], [2, 0, 1]),
  permuteCase('permute 3-D 64x64x64 (1,0,2)', [64, 64, 64], [1, 0, 2]),
  permuteCase('permute 4-D 8x32x32x32 NCHW->NHWC', [8, 32, 32, 32], [0, 2, 3, 1]),
  permuteCase('permute 4-D 8x32x32x32 NHWC->NCHW', [8, 32, 32, 32], [0, 3, 1, 2]),
  permuteCase('permute 4-D 2x3x4x5 (3,1,0,2)', [2, 3, 4, 5], [3, 1, 0, 2]),
  broadcastCase('broadcast [512,1] -> [512,512]', [512, 1], [512, 512]),
  broadcastCase('broadcast [1,512] -> [512,512]', [1, 512], [512, 512]),
  broadcastCase('broadcast [512] -> [4,64,512]', [512], [4, 64, 512]),
  broadcastCase('broadcast [8,1,32] -> [8,64,32]', [8, 1, 32], [8, 64, 32]),
  broadcastCase('broadcast [2] -> [2,2]', [2], [2, 2]),
  { name: 'slice every 2nd column of 512x1024', srcSize: 512 * 1024, shape: [512, 512], strides: [1024, 2], offset: 1 },
  { name: 'slice every 2nd row of 512x1024', srcSize: 512 * 1024, shape: [256, 1024], strides: [2048, 1], offset: 1024 },
  { name: 'slice rows 100..400 of 512x512', srcSize: 512 * 512, shape: [300, 512], strides: [512, 1], offset: 100 * 512 },
  { name: 'slice every 3rd of 100000', srcSize: 100_000, shape: [33_333], strides: [3], offset: 1 },
  { name: 'embed rows into 512x1024 (slice adjoint)', srcSize: 512 * 1024, shape: [256, 1024], strides: [2048, 1], offset: 1024, scatter: true },
  { name: 'embed columns into 512x1024 (step 2)', srcSize: 512 * 1024, shape: [512, 512], strides: [1024, 2], offset: 1, scatter: true },
];

/** The previous small-tensor path of kernels/nd.ts: one index step per element. */
function previousLoop(src: Float64Array, shape: number[], strides: number[], offset: number): Float64Array {
  const size = sizeOf(shape);
  const out = new Float64Array(size);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let o = offset;
  for (let i = 0; i < size; i++) {
    out[i] = src[o];
    for (let d = nd - 1; d >= 0; d--) {
      o += strides[d];
      if (++idx[d] < shape[d]) break;
      o -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

interface Impl {
  label: string;
  run: () => Float64Array;
}

function implsFor(c: Case): Impl[] {
  const src = Float64Array.from({ length: c.srcSize }, (_, i) => Math.sin(i) * 100);
  const size = sizeOf(c.shape);
  if (c.scatter) {
    const part = Float64Array.from({ length: size }, (_, i) => i + 0.5);
    return [
      {
        label: 'ours',
        run: () => {
          const dst = new Float64Array(c.srcSize);
          assignStrided(dst, c.shape, c.strides, c.offset, part);
          return dst;
        },
      },
      {
        label: 'ndarray-ops',
        run: () => {
          const dst = new Float64Array(c.srcSize);
          ops.assign(ndarray(dst, c.shape, c.strides, c.offset), ndarray(part, c.shape));
          return dst;
        },
      },
    ];
  }
  return [
    { label: 'ours', run: () => copyStrided(src, c.shape, c.strides, c.offset, 'float64') as Float64Array },
    {
      label: 'ndarray-ops',
      run: () => {
        const out = new Float64Array(size);
        ops.assign(ndarray(out, c.shape), ndarray(src, c.shape, c.strides, c.offset));
        return out;
      },
    },
    { label: 'previous loop', run: () => previousLoop(src, c.shape, c.strides, c.offset) },
  ];
}

/** Calls per round so that one round takes about ROUND_MS. */
function calibrate(run: () => unknown): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) run();
    const ms = performance.now() - t0;
    if (ms > ROUND_MS / 4) return Math.max(1, Math.round((n * ROUND_MS) / ms));
    n *= 4;
  }
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
let sink = 0;

console.log(`strided copy micro-benchmark, node ${process.version}, ${ROUNDS} rounds of ~${ROUND_MS} ms per implementation, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('µs per call: median (best round)');
console.log('| case | elements | ours | ndarray-ops | ours / ndarray-ops: median (best) | previous loop |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
for (const c of cases) {
  if (only !== undefined && !c.name.includes(only)) continue;
  const impls = implsFor(c);
  const expected = impls[0].run();
  for (const impl of impls.slice(1)) {
    const got = impl.run();
    if (got.length !== expected.length || got.some((v, i) => !Object.is(v, expected[i]))) throw new Error(`${c.name}: ${impl.label} differs from ours`);
  }
  const calls = impls.map((impl) => calibrate(impl.run));
  const samples = impls.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (let j = 0; j < impls.length; j++) {
      const k = (r + j) % impls.length;
      const t0 = performance.now();
      for (let i = 0; i < calls[k]; i++) sink += impls[k].run().length;
      samples[k].push(((performance.now() - t0) * 1000) / calls[k]);
    }
  }
  const med = samples.map(median);
  const best = samples.map((xs) => Math.min(...xs));
  const fmt = (v: number) => (v < 10 ? v.toFixed(3) : v.toFixed(1));
  const cell = (k: number) => (samples[k] === undefined ? '' : `${fmt(med[k])} (${fmt(best[k])})`);
  console.log(`| ${c.name} | ${sizeOf(c.shape)} | ${cell(0)} | ${cell(1)} | ${(med[0] / med[1]).toFixed(2)} (${(best[0] / best[1]).toFixed(2)}) | ${cell(2)} |`);
}
if (sink < 0) console.log(sink);

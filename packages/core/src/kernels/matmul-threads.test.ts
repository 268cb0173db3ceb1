import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainruleError } from '../errors.js';
import { RandomGenerator } from '../random.js';
import { Tensor } from '../tensor.js';
import { matmul } from '../ops/matmul.js';
import { conv2d } from '../ops/conv.js';
import { gradients } from '../autograd/engine.js';
import { FC, broadcastPairArb, expectThrows } from '../test-utils/index.js';
import { gemm, gemmOneThread } from './matmul.js';
import {
  DONE, detectEnvironment, getNumThreads, parallelStats, setNumThreads, setParallelThresholds, threadSupport, threadsReady, waitForChunks, type ThreadEnvironment,
} from './matmul-threads.js';

const browserWorker: ThreadEnvironment = { kind: 'worker', sharedMemory: true, crossOriginIsolated: true, canStartWorkers: true };

describe('threadSupport: where products may use threads', () => {
  it('refuses a browser page\'s main thread, whatever else it has, and says to use a Web Worker', () => {
    const r = threadSupport({ kind: 'window', sharedMemory: true, crossOriginIsolated: true, canStartWorkers: true });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/main thread may not wait .*Atomics\.wait.*synchronous.*Web Worker/);
  });
  it('refuses a worker of a page that is not cross-origin isolated, naming the two headers', () => {
    for (const crossOriginIsolated of [false, undefined]) {
      const r = threadSupport({ ...browserWorker, crossOriginIsolated });
      expect(!r.ok && r.reason).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    }
  });
  it('accepts a Web Worker of an isolated page that can start workers, and Node with getBuiltinModule', () => {
    expect(threadSupport(browserWorker)).toEqual({ ok: true });
    expect(threadSupport({ kind: 'node', sharedMemory: true, crossOriginIsolated: undefined, canStartWorkers: true })).toEqual({ ok: true });
  });
  it('refuses without shared memory, without a way to start workers, and outside Node and browsers', () => {
    expect(threadSupport({ ...browserWorker, sharedMemory: false })).toEqual({ ok: false, reason: 'SharedArrayBuffer and Atomics are not available here' });
    expect(threadSupport({ ...browserWorker, canStartWorkers: false })).toEqual({ ok: false, reason: 'this worker cannot start workers of its own (no Worker constructor)' });
    expect(threadSupport({ kind: 'node', sharedMemory: true, crossOriginIsolated: undefined, canStartWorkers: false })).toEqual({
      ok: false,
      reason: 'this Node.js has no process.getBuiltinModule (Node.js 20.16 or later is needed)',
    });
    expect(threadSupport({ kind: 'other', sharedMemory: true, crossOriginIsolated: undefined, canStartWorkers: true }).ok).toBe(false);
  });
  it('sees Node here', () => {
    expect(detectEnvironment()).toEqual({ kind: 'node', sharedMemory: true, crossOriginIsolated: undefined, canStartWorkers: true });
  });
});

describe('setNumThreads', () => {
  it('is 1 by default and returns the previous count', () => {
    expect(getNumThreads()).toBe(1);
    expect(setNumThreads(1)).toBe(1);
  });
  it('refuses anything but an integer from 1 to 64, naming the value', () => {
    for (const bad of [0, -1, 1.5, 65, Number.NaN, Infinity]) {
      expectThrows(() => setNumThreads(bad), RangeError, `setNumThreads: expected an integer from 1 to 64, got ${String(bad)}`);
    }
    expectThrows(() => setNumThreads('2' as unknown as number), RangeError, 'setNumThreads: expected an integer from 1 to 64, got 2');
    expect(getNumThreads()).toBe(1);
  });
  it('throws the environment\'s reason where threads cannot run (here: a faked browser page)', () => {
    const g = globalThis as { window?: unknown; document?: unknown; process?: unknown };
    const proc = g.process;
    g.window = {};
    g.document = {};
    g.process = undefined; // seen as a browser page
    try {
      expect(() => setNumThreads(2)).toThrow(ChainruleError);
      expect(() => setNumThreads(2)).toThrow(/^setNumThreads\(2\): a browser page's main thread may not wait .*; chainrule stays on one thread$/);
      expect(setNumThreads(1)).toBe(1); // one thread is always allowed
    } finally {
      g.process = proc;
      delete g.window;
      delete g.document;
    }
    expect(getNumThreads()).toBe(1);
  });
});

function random(size: number, g: RandomGenerator): Float64Array {
  const x = new Float64Array(size);
  for (let i = 0; i < size; i++) x[i] = g.normal();
  return x;
}

/** Waits until `count` workers are ready (they start, or take new buffers, while the caller works on). */
async function workersReady(count: number): Promise<void> {
  const t0 = Date.now();
  while (threadsReady() < count && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
  expect(threadsReady()).toBe(count);
}

/** Split every product, however small, into chunks as narrow as 4 (the default thresholds split only large ones). */
const SPLIT_ALL = { minWork: 0, minIntensity: 0, chunkMinWork: 0, chunkMinWidth: 1 };
const SPLIT_NONE = { minWork: Infinity, minIntensity: 0, chunkMinWork: 0, chunkMinWidth: 1 };

describe('products on three threads (the caller and two workers)', () => {
  let defaults: ReturnType<typeof setParallelThresholds>;
  beforeAll(async () => {
    setNumThreads(3);
    gemm(128, 128, 128, new Float64Array(128 * 128), 0, 128, 1, new Float64Array(128 * 128), 0, 128, 1, new Float64Array(128 * 128), 0, 128); // starts the workers
    await workersReady(2);
    defaults = setParallelThresholds(SPLIT_ALL);
    // grows the staging buffer beyond what the properties below need, so that they find the workers ready
    gemm(128, 128, 128, new Float64Array(128 * 128), 0, 128, 1, new Float64Array(128 * 128), 0, 128, 1, new Float64Array(128 * 128), 0, 128);
    await workersReady(2);
  });
  afterAll(() => {
    setParallelThresholds(defaults);
    setNumThreads(1);
  });

  it('gemm: bit-identical to one thread for any shape and transpose layout (fast-check)', () => {
    const before = parallelStats();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (m, k, n, ta, tb, seed) => {
        const g = new RandomGenerator(seed);
        const a = random(m * k, g);
        const b = random(k * n, g);
        const [aRs, aCs] = ta ? [1, m] : [k, 1];
        const [bRs, bCs] = tb ? [1, k] : [n, 1];
        const many = new Float64Array(m * n).fill(Number.NaN);
        const one = new Float64Array(m * n).fill(Number.NaN);
        gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, many, 0, n);
        gemmOneThread(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, one, 0, n);
        expect(many).toEqual(one);
      }),
      { ...FC, numRuns: 60 },
    );
    expect(parallelStats().products).toBeGreaterThan(before.products);
  });

  it('matmul: bit-identical to one thread with broadcast batches, transposes, float64 and float32 (fast-check)', () => {
    fc.assert(
      fc.property(
        broadcastPairArb(2, 3), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }),
        fc.boolean(), fc.boolean(), fc.constantFrom('float64', 'float32'), fc.integer({ min: 1, max: 1e6 }),
        (batch, m, k, n, ta, tb, dtype, seed) => {
          const g = new RandomGenerator(seed);
          const make = (lead: number[], rows: number, cols: number) => {
            const shape = [...lead, rows, cols];
            const data = random(shape.reduce((p, d) => p * d, 1), g);
            return new Tensor(dtype === 'float32' ? Float32Array.from(data) : data, shape);
          };
          const a = ta ? make(batch.a, k, m) : make(batch.a, m, k);
          const b = tb ? make(batch.b, n, k) : make(batch.b, k, n);
          const many = matmul(a, b, { transposeA: ta, transposeB: tb });
          setParallelThresholds(SPLIT_NONE);
          try {
            const one = matmul(a, b, { transposeA: ta, transposeB: tb });
            expect(many.dtype).toBe(dtype);
            expect(many.shape).toEqual(one.shape);
            expect(many.buffer).toEqual(one.buffer);
          } finally {
            setParallelThresholds(SPLIT_ALL);
          }
        },
      ),
      { ...FC, numRuns: 40 },
    );
  });

  it('conv2d forward and both gradients: bit-identical to one thread; the column matrix is used in place, not copied', async () => {
    const g = new RandomGenerator(5);
    // [n, c, h, w], [o, c/groups, kh, kw], options
    const cases: [number[], number[], { stride?: number[]; padding?: number; groups?: number }][] = [
      [[6, 3, 12, 11], [8, 3, 3, 3], {}],
      [[4, 4, 9, 10], [6, 2, 2, 3], { stride: [2, 1], padding: 1, groups: 2 }],
    ];
    for (const [xs, ws, options] of cases) {
      const x = new Tensor(random(xs.reduce((p, d) => p * d), g), xs).requiresGrad_();
      const w = new Tensor(random(ws.reduce((p, d) => p * d), g), ws).requiresGrad_();
      const run = () => {
        const out = conv2d(x, w, null, options);
        const seed = new Tensor(random(out.size, new RandomGenerator(9)), out.shape);
        return [out, ...gradients(out, [x, w], { gradOutputs: [seed] })].map((t) => t!.buffer);
      };
      // the first runs grow the shared scratch and the staging buffer, which the workers take before they join products again
      for (let warm = 0; warm < 2; warm++) {
        run();
        await workersReady(2);
      }
      const before = parallelStats();
      const many = run();
      const after = parallelStats();
      const [n, c, h, wd] = xs as [number, number, number, number];
      const colsSize = c * ws[2]! * ws[3]! * n * h * wd; // an upper bound of the column matrix's size
      expect(after.products - before.products).toBeGreaterThanOrEqual(3);
      // forward, input and weight gradient: only the weight (A or, transposed, in the input
      // gradient) and the weight gradient (C) are copied; the columns and the gradient are not
      expect(after.staged - before.staged).toBeLessThan(colsSize);
      setParallelThresholds(SPLIT_NONE);
      try {
        const one = run();
        for (let i = 0; i < 3; i++) expect(many[i]).toEqual(one[i]);
      } finally {
        setParallelThresholds(SPLIT_ALL);
      }
    }
  });

  it('the workers compute chunks, and with the default thresholds large products are still bit-identical to setNumThreads(1)', () => {
    setParallelThresholds(defaults);
    try {
      const g = new RandomGenerator(3);
      const a = new Tensor(random(300 * 260, g), [300, 260]);
      const b = new Tensor(random(260 * 200, g), [200, 260]);
      const before = parallelStats().workerChunks;
      const results: Float64Array[] = [];
      // a worker the system does not schedule in time takes no chunk of a product: repeat until one did
      for (let i = 0; i < 100 && parallelStats().workerChunks === before; i++) results.push(matmul(a, b, { transposeB: true }).buffer as Float64Array);
      expect(parallelStats().workerChunks).toBeGreaterThan(before);
      setNumThreads(1);
      const one = matmul(a, b, { transposeB: true }).buffer;
      for (const r of results) expect(r).toEqual(one);
    } finally {
      setNumThreads(3);
      setParallelThresholds(SPLIT_ALL);
    }
  });
});

describe('the worker pool and the process', () => {
  it('the caller waits for the chunks workers took, and gives up when none finishes for the stall time', () => {
    const ctl = new Int32Array(new SharedArrayBuffer(64));
    Atomics.store(ctl, DONE, 4);
    expect(waitForChunks(ctl, 4, 10_000)).toBe(true); // all done: no wait
    const t0 = Date.now();
    expect(waitForChunks(ctl, 5, 60)).toBe(false); // a chunk nobody finishes
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a process that used threads exits by itself, promptly; its worker ran chunks, with code generation refused', () => {
    const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
    const child = fileURLToPath(new URL('../test-utils/threads-child.ts', import.meta.url));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', loader, child], { encoding: 'utf8', timeout: 60_000 });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.signal, `the child hung or was killed: ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { codeGeneration: string; ready: number; workerChunks: number; same: boolean };
    expect(out).toMatchObject({ codeGeneration: 'refused', ready: 1, same: true });
    expect(out.workerChunks).toBeGreaterThan(0);
    // tsx start-up, the worker's start-up and a few products: seconds, not the 60 s the timeout allows
    expect(seconds).toBeLessThan(30);
  });
});

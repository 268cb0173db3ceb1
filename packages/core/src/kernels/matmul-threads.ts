/**
 * Matrix products on several threads: worker threads in Node, Web Workers in a browser's worker,
 * over SharedArrayBuffer, for products large enough to pay for it (see {@link setNumThreads}).
 *
 * A product's output is cut into chunks of whole rows or whole columns; the calling thread and the
 * workers take chunks one at a time from a shared counter until none is left, and each chunk is an
 * ordinary product of a slice of A or B, so every output element is computed by exactly one thread,
 * with the full sum over k in the usual order: results are bit-identical to one thread, whatever the
 * number of threads or who took which chunk. Taking chunks rather than being handed a fixed share
 * matters on a shared machine: a worker the system does not schedule simply takes fewer chunks, and
 * the caller never waits for a worker that has not begun (it waits only for chunks already taken).
 *
 * Tensors live in ordinary (not shared) memory, so the operands are copied into one shared staging
 * buffer before the workers start (the caller works on the originals), and the chunks the workers
 * computed are copied back; a product is split only if it does enough work per element copied.
 * Kernels that keep scratch buffers between calls (the convolutions' column matrix) get them in
 * shared memory ({@link sharedScratch}), and products read and write those in place. A worker's own
 * startup is never waited for: until it reports ready (and whenever it has yet to take a new shared
 * buffer), products run without it.
 *
 * Ops are synchronous, so the caller waits for the workers with `Atomics.wait`, which browsers
 * forbid on a page's main thread: there, and where the page is not cross-origin isolated (no
 * SharedArrayBuffer), threads are refused with the reason ({@link threadSupport}).
 *
 * NOTE: the worker entry is a real file next to this one (matmul-worker.js in dist), started from
 * its URL: nothing is compiled from strings, so this works under a strict Content-Security-Policy and
 * `node --disallow-code-generation-from-strings` (workers inherit the flag).
 * @module
 */
import { ChainruleError } from '../errors.js';
import type { Buffer } from '../dtype.js';

/** A single-threaded product with gemm's signature (see matmul.ts). */
export type SerialGemm = (
  m: number, n: number, k: number,
  a: Buffer, aOff: number, aRs: number, aCs: number,
  b: Buffer, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, ldc: number,
) => void;

/** The most threads {@link setNumThreads} accepts. */
export const MAX_THREADS = 64;
/** At most this many chunks per product. */
const MAX_CHUNKS = 256;

// ------------------------------------------------------------------ the shared control block
// Int32 slots
export const GEN = 0; // job generation: workers wait on it
export const DONE = 1; // chunks finished in the current job
export const STATE_BASE = 8; // one per worker: 0 starting, 1 ready (installed the latest buffers)
export const CLAIM_BYTE = 512; // BigInt64: (generation << 32) | next chunk
export const DESC_BYTE = 1024; // Float64 job descriptor, to the end
export const CONTROL_BYTES = 2048;
// descriptor fields (Float64 indices)
export const D_VERSION = 0;
export const D_KIND = 1;
export const D_GEMM = 2; // m, n, k, aBuf, aOff, aRs, aCs, bBuf, bOff, bRs, bCs, cBuf, cOff, ldc, axis, width, chunks (xBuf: index in the installed buffers)
export const KIND_GEMM = 1;
export const KIND_WAKE = 2;

/** One product and how its output is cut: chunk i is rows (axis 0) or columns (axis 1) [i·width, (i+1)·width). */
export interface ChunkedGemm {
  m: number; n: number; k: number;
  a: Buffer; aOff: number; aRs: number; aCs: number;
  b: Buffer; bOff: number; bRs: number; bCs: number;
  c: Float64Array; cOff: number; ldc: number;
  axis: 0 | 1;
  width: number;
  chunks: number;
}

/**
 * Runs chunk `i` of `g` with the single-threaded product: the same sums, in the same order, as
 * the whole product computes for those elements.
 * @example
 * ```ts
 * runChunk({ ...product, axis: 1, width: 128, chunks: 4 }, 2, gemmOneThread); // columns 256..383
 * ```
 */
export function runChunk(g: ChunkedGemm, i: number, gemm: SerialGemm): void {
  const lo = i * g.width;
  if (g.axis === 0) {
    const rows = Math.min(g.m, lo + g.width) - lo;
    gemm(rows, g.n, g.k, g.a, g.aOff + lo * g.aRs, g.aRs, g.aCs, g.b, g.bOff, g.bRs, g.bCs, g.c, g.cOff + lo * g.ldc, g.ldc);
  } else {
    const cols = Math.min(g.n, lo + g.width) - lo;
    gemm(g.m, cols, g.k, g.a, g.aOff, g.aRs, g.aCs, g.b, g.bOff + lo * g.bCs, g.bRs, g.bCs, g.c, g.cOff + lo, g.ldc);
  }
}

/**
 * The claim of the next chunk of job `gen`: its index, or -1 when the job has no chunk left or is
 * over (a worker that woke late must not take a chunk of a later job with this job's descriptor).
 * @example
 * ```ts
 * for (let i = claimChunk(claim, gen, chunks); i >= 0; i = claimChunk(claim, gen, chunks)) runChunk(g, i, gemm);
 * ```
 */
export function claimChunk(claim: BigInt64Array, gen: number, chunks: number): number {
  const tag = BigInt(gen) << 32n;
  for (;;) {
    const v = Atomics.load(claim, 0);
    if ((v & ~0xffffffffn) !== tag) return -1;
    const next = Number(v & 0xffffffffn);
    if (next >= chunks) return -1;
    if (Atomics.compareExchange(claim, 0, v, v + 1n) === v) return next;
  }
}

// ------------------------------------------------------------------ where threads can run

/** What {@link threadSupport} looks at. */
export interface ThreadEnvironment {
  /** 'node': Node.js (main thread or a worker); 'window': a browser page's main thread; 'worker': a Web Worker; 'other': anything else. */
  kind: 'node' | 'window' | 'worker' | 'other';
  sharedMemory: boolean;
  /** The page's `crossOriginIsolated` (browsers), undefined elsewhere. */
  crossOriginIsolated: boolean | undefined;
  /** Node: `process.getBuiltinModule` exists (Node ≥ 20.16); browsers: a `Worker` constructor exists where this code runs. */
  canStartWorkers: boolean;
}

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * The environment this code runs in, as {@link threadSupport} needs it.
 * @example
 * ```ts
 * detectEnvironment().kind; // 'node' under Node.js
 * ```
 */
export function detectEnvironment(): ThreadEnvironment {
  const g = globalThis as { process?: NodeProcess; window?: unknown; document?: unknown; WorkerGlobalScope?: unknown; Worker?: unknown; crossOriginIsolated?: boolean };
  const sharedMemory = typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
  if (typeof g.process?.versions?.node === 'string') {
    return { kind: 'node', sharedMemory, crossOriginIsolated: undefined, canStartWorkers: typeof g.process.getBuiltinModule === 'function' };
  }
  const kind = g.window !== undefined && g.document !== undefined ? 'window' : g.WorkerGlobalScope !== undefined ? 'worker' : 'other';
  return { kind, sharedMemory, crossOriginIsolated: g.crossOriginIsolated, canStartWorkers: typeof g.Worker === 'function' };
}

/**
 * Whether products can run on several threads here, and if not, why (the message
 * {@link setNumThreads} throws). Browsers: only in a Web Worker (a page's main thread may not block,
 * and ops are synchronous) of a cross-origin isolated page (else there is no SharedArrayBuffer).
 * @example
 * ```ts
 * threadSupport({ kind: 'window', sharedMemory: true, crossOriginIsolated: true, canStartWorkers: true });
 * // { ok: false, reason: "a browser page's main thread may not wait ..." }
 * ```
 */
export function threadSupport(env: ThreadEnvironment): { ok: true } | { ok: false; reason: string } {
  if (env.kind === 'window') {
    return {
      ok: false,
      reason:
        "a browser page's main thread may not wait for other threads (Atomics.wait is not allowed there) and chainrule's ops are " +
        'synchronous; run chainrule in a Web Worker of a cross-origin isolated page to use threads',
    };
  }
  if (env.kind === 'worker' && env.crossOriginIsolated !== true) {
    return {
      ok: false,
      reason:
        'the page is not cross-origin isolated (crossOriginIsolated is false), so there is no SharedArrayBuffer to share with other ' +
        'threads; serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp',
    };
  }
  if (env.kind === 'other') return { ok: false, reason: 'this environment is neither Node.js nor a browser, and has no worker threads chainrule knows how to start' };
  if (!env.sharedMemory) return { ok: false, reason: 'SharedArrayBuffer and Atomics are not available here' };
  if (!env.canStartWorkers) {
    return {
      ok: false,
      reason: env.kind === 'node' ? 'this Node.js has no process.getBuiltinModule (Node.js 20.16 or later is needed)' : 'this worker cannot start workers of its own (no Worker constructor)',
    };
  }
  return { ok: true };
}

// ------------------------------------------------------------------ the setting

/** Threads are opt-in: see the NOTE of {@link setNumThreads}. */
let numThreads = 1;

/**
 * Sets how many threads large matrix products and convolutions may use (the calling thread
 * included; 1 = no workers); returns the previous setting. Workers are started on the first
 * product large enough to use them and stopped by `setNumThreads(1)`; in Node they never keep a
 * process alive. Results are bit-identical whatever the count. Memory: each worker is a JavaScript
 * engine of its own (a few MB), and the shared staging buffer grows to the largest split product's
 * operands and result (6 MB for 512×512 float64), kept until the count changes.
 *
 * Throws a RangeError unless `n` is an integer from 1 to 64, and a ChainruleError saying why when
 * `n` > 1 and threads cannot run here: on a browser page's main thread (ops are synchronous, and a
 * page may not block), in a page that is not cross-origin isolated, or in a Node.js without
 * `process.getBuiltinModule` (before 20.16).
 *
 * NOTE: threads are opt-in (1 by default) because they did not measure faster where this was
 * written: a 2-core machine shared with other processes, where a second thread mostly competes with
 * them. `pnpm exec tsx packages/core/scripts/bench-threads.ts` (2026-12-02, six runs at load
 * average 1.4 to 5): W3, matmul 512×512 forward and backward, 82 ms on one thread and 91 ms on two
 * in a typical run (0.90x; 0.72x to 1.42x over the runs), the process mostly getting one CPU's
 * worth of time either way; the split itself costs 9 to 17% more CPU time (82 → 89 ms, 80 → 94
 * ms), so two free cores should give at most about 1.7x (an estimate, not a measurement). A product is split from 2²¹ multiply-adds (m·n·k, 128³) and 16
 * multiply-adds per element it must copy into or out of shared memory: a split's fixed cost,
 * measured as CPU time (`--products`), is about 40 µs (64³: 0.035 → 0.076 ms), so a 128³ product
 * (0.27 ms on one thread) could take about 0.18 ms on two.
 * @example
 * ```ts
 * const previous = setNumThreads(2); // the caller and one worker
 * setNumThreads(previous);
 * ```
 */
export function setNumThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  }
  if (n > 1) {
    const support = threadSupport(detectEnvironment());
    if (!support.ok) throw new ChainruleError(`setNumThreads(${n}): ${support.reason}; chainrule stays on one thread`);
  }
  const previous = numThreads;
  numThreads = n;
  if (pool !== null && pool.workers.length !== n - 1) {
    pool.close();
    pool = null;
  }
  return previous;
}

/**
 * How many threads large matrix products may use (see {@link setNumThreads}); 1 by default.
 * @example
 * ```ts
 * getNumThreads(); // 1
 * ```
 */
export function getNumThreads(): number {
  return numThreads;
}

// ------------------------------------------------------------------ the pool

/** Products below this many multiply-adds (m·n·k) run on one thread (see the NOTE of setNumThreads). */
export const PARALLEL_MIN_WORK = 1 << 21;
/** A chunk does at least this much work (multiply-adds) and spans at least CHUNK_MIN_WIDTH rows or columns. */
const CHUNK_MIN_WORK = 1 << 19;
const CHUNK_MIN_WIDTH = 16;
/**
 * At least this many multiply-adds per element copied into or out of shared memory: copying costs
 * about 0.55 ns per element (2 MB into a SharedArrayBuffer in 0.14 ms), four multiply-adds' time
 * at 15 GFLOP/s, so the copies stay within a quarter of the work.
 */
const MIN_INTENSITY = 16;
interface Thresholds {
  minWork: number;
  minIntensity: number;
  chunkMinWork: number;
  chunkMinWidth: number;
}
let thresholds: Thresholds = { minWork: PARALLEL_MIN_WORK, minIntensity: MIN_INTENSITY, chunkMinWork: CHUNK_MIN_WORK, chunkMinWidth: CHUNK_MIN_WIDTH };

/**
 * @internal Sets the sizes from which products are split and how finely (tests split tiny
 * products to reach every edge); returns the previous ones.
 * @example
 * ```ts
 * const previous = setParallelThresholds({ minWork: 0, minIntensity: 0, chunkMinWork: 0, chunkMinWidth: 1 });
 * setParallelThresholds(previous);
 * ```
 */
export function setParallelThresholds(next: Thresholds): Thresholds {
  const previous = thresholds;
  thresholds = { ...next };
  return previous;
}
/** Chunks per thread: a few, so that a thread the system holds back does less of the work. */
const CHUNKS_PER_THREAD = 2;

/** What the pool needs of a worker, in Node and in browsers. */
interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** The message that gives a worker its buffers (the first one also its index and the control block). */
export interface InstallMessage {
  control: SharedArrayBuffer;
  index: number;
  version: number;
  /** [0]: the staging buffer; then the registered scratch buffers ({@link sharedScratch}). */
  buffers: SharedArrayBuffer[];
}

/** Scratch buffers in shared memory (see {@link sharedScratch}), newest last, at most MAX_REGISTERED. */
const registered: SharedArrayBuffer[] = [];
const MAX_REGISTERED = 4;

class Pool {
  readonly workers: WorkerHandle[] = [];
  readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  readonly ctl = new Int32Array(this.control, 0, CLAIM_BYTE / 4);
  readonly claim = new BigInt64Array(this.control, CLAIM_BYTE, 1);
  readonly desc = new Float64Array(this.control, DESC_BYTE);
  staging = new Float64Array(new SharedArrayBuffer(8));
  /** What the workers were last sent: the staging buffer, then the registered ones. */
  buffers: SharedArrayBuffer[] = [this.staging.buffer as SharedArrayBuffer, ...registered];
  version = 0;
  gen = 0;
  /** Set when a worker failed to start or a job stalled: products then run on one thread. */
  broken: string | null = null;

  constructor(count: number) {
    for (let w = 0; w < count; w++) {
      const worker = startWorker((e) => this.fail(`a matmul worker failed: ${e}`));
      if (worker === null) {
        this.fail('no matmul worker could be started');
        break;
      }
      this.workers.push(worker);
      worker.postMessage({ control: this.control, index: w, version: this.version, buffers: this.buffers } satisfies InstallMessage);
    }
  }

  fail(reason: string): void {
    if (this.broken !== null) return;
    this.broken = reason;
    console.warn(`chainrule: ${reason}; matrix products run on one thread from now on`);
  }

  readyWorkers(): number {
    let ready = 0;
    for (let w = 0; w < this.workers.length; w++) if (Atomics.load(this.ctl, STATE_BASE + w) === 1) ready++;
    return ready;
  }

  /** A staging buffer of at least `size` doubles. */
  ensureStaging(size: number): void {
    if (this.staging.length >= size) return;
    this.staging = new Float64Array(new SharedArrayBuffer(8 * Math.max(size, 2 * this.staging.length)));
    this.reinstall();
  }

  /** Sends the current buffers to the workers, who skip jobs until they have them. */
  reinstall(): void {
    this.buffers = [this.staging.buffer as SharedArrayBuffer, ...registered];
    this.version++;
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.ctl, STATE_BASE + w, 0);
      this.workers[w]!.postMessage({ control: this.control, index: w, version: this.version, buffers: this.buffers } satisfies InstallMessage);
    }
    // wake them now, so that they take the buffers while the caller prepares the job
    this.desc[D_VERSION] = this.version;
    this.desc[D_KIND] = KIND_WAKE;
    this.publish();
  }

  /** Starts job `gen + 1` (the descriptor is written): resets the counters and wakes every worker. */
  publish(): number {
    const gen = (this.gen = (this.gen + 1) >>> 0);
    Atomics.store(this.ctl, DONE, 0);
    Atomics.store(this.claim, 0, BigInt(gen) << 32n);
    Atomics.store(this.ctl, GEN, gen | 0);
    Atomics.notify(this.ctl, GEN);
    return gen;
  }

  close(): void {
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

let pool: Pool | null = null;

/**
 * A scratch buffer of `size` doubles in shared memory, which split products read and write in
 * place (no staging copy), when products may use threads; null otherwise. For kernels that keep
 * their scratch between calls (the convolutions' column matrix): the few newest are shared with the
 * workers (`replaces`: the buffer this one takes the place of, no longer shared), older ones are
 * copied like any operand.
 * @example
 * ```ts
 * const cols = sharedScratch(n, previousCols) ?? new Float64Array(n);
 * ```
 */
export function sharedScratch(size: number, replaces: Buffer | null = null): Float64Array | null {
  if (getNumThreads() === 1 || pool?.broken) return null;
  const buffer = new SharedArrayBuffer(8 * size);
  const old = replaces === null ? -1 : registered.indexOf(replaces.buffer as SharedArrayBuffer);
  if (old >= 0) registered.splice(old, 1); // nothing holds on to a buffer its kernel let go
  registered.push(buffer);
  if (registered.length > MAX_REGISTERED) registered.shift();
  pool?.reinstall();
  return new Float64Array(buffer);
}

/**
 * Whether `x` is one of the scratch buffers split products use in place (see {@link sharedScratch}).
 * @example
 * ```ts
 * isSharedScratch(new Float64Array(4)); // false
 * ```
 */
export function isSharedScratch(x: Buffer): boolean {
  return registered.includes(x.buffer as SharedArrayBuffer);
}

/** Counts since the process started: split products, their chunks, the chunks workers computed, the elements copied into shared memory. */
const stats = { products: 0, chunks: 0, workerChunks: 0, staged: 0 };

/**
 * @internal How many split products ran, in how many chunks, how many of those the workers
 * computed (tests check that the workers really took part), and how many operand elements were
 * copied into shared memory (operands in shared scratch are not).
 * @example
 * ```ts
 * parallelStats().workerChunks; // 0 until a worker computed a chunk
 * ```
 */
export function parallelStats(): { products: number; chunks: number; workerChunks: number; staged: number } {
  return { ...stats };
}

/**
 * @internal How many workers have started and taken the latest buffers (0 before the first large
 * product starts them).
 * @example
 * ```ts
 * while (threadsReady() < getNumThreads() - 1) await new Promise((r) => setTimeout(r, 10));
 * ```
 */
export function threadsReady(): number {
  return pool === null || pool.broken !== null ? 0 : pool.readyWorkers();
}

/**
 * Computes C = op(A)·op(B) with the caller and the pool's workers, if threads are on, the product is
 * large enough and at least one worker is ready; returns false (nothing done) otherwise.
 * @example
 * ```ts
 * if (!gemmParallel(512, 512, 512, a, 0, 512, 1, b, 0, 512, 1, c, 0, 512, gemmOneThread)) gemmOneThread(...);
 * ```
 */
export function gemmParallel(
  m: number, n: number, k: number,
  a: Buffer, aOff: number, aRs: number, aCs: number,
  b: Buffer, bOff: number, bRs: number, bCs: number,
  c: Float64Array, cOff: number, ldc: number,
  gemm: SerialGemm,
): boolean {
  const threads = getNumThreads();
  const work = m * n * k;
  if (threads === 1 || work === 0 || work < thresholds.minWork) return false;
  pool ??= new Pool(threads - 1);
  if (pool.broken !== null) return false;
  const ready = pool.readyWorkers();
  if (ready === 0) return false;
  // cut the longer side of C, in widths that are multiples of 4 (whole register tiles)
  const axis = n >= m ? 1 : 0;
  const length = axis === 1 ? n : m;
  const chunks = Math.min(MAX_CHUNKS, CHUNKS_PER_THREAD * (ready + 1), Math.floor(length / thresholds.chunkMinWidth), Math.floor(work / Math.max(1, thresholds.chunkMinWork)));
  if (chunks < 2) return false;
  // Operands in registered shared scratch are read (C: written) in place; the others are copied into
  // the staging buffer: A's and B's spans (every element a thread may read) and C, dense.
  const p = pool;
  const aSpan = (m - 1) * aRs + (k - 1) * aCs + 1;
  const bSpan = (k - 1) * bRs + (n - 1) * bCs + 1;
  const aIn = p.buffers.indexOf(a.buffer as SharedArrayBuffer);
  const bIn = p.buffers.indexOf(b.buffer as SharedArrayBuffer);
  const cIn = p.buffers.indexOf(c.buffer as SharedArrayBuffer);
  const aShared = aIn > 0 && a instanceof Float64Array;
  const bShared = bIn > 0 && b instanceof Float64Array;
  const cShared = cIn > 0;
  const copied = (aShared ? 0 : aSpan) + (bShared ? 0 : bSpan) + (cShared ? 0 : m * n);
  if (copied * thresholds.minIntensity > work) return false;
  p.ensureStaging(copied);
  const s = p.staging;
  let staged = 0;
  const place = (x: Buffer, shared: boolean, id: number, off: number, span: number): [number, number] => {
    if (shared) return [id, x.byteOffset / 8 + off];
    s.set(x.subarray(off, off + span), staged);
    staged += span;
    return [0, staged - span];
  };
  const [aBuf, aAt] = place(a, aShared, aIn, aOff, aSpan);
  const [bBuf, bAt] = place(b, bShared, bIn, bOff, bSpan);
  const [cBuf, cAt, ldw] = cShared ? [cIn, c.byteOffset / 8 + cOff, ldc] : [0, staged, n];
  const width = Math.ceil(length / chunks / 4) * 4;
  const count = Math.ceil(length / width);
  const d = p.desc;
  d[D_VERSION] = p.version;
  d[D_KIND] = KIND_GEMM;
  const fields = [m, n, k, aBuf, aAt, aRs, aCs, bBuf, bAt, bRs, bCs, cBuf, cAt, ldw, axis, width, count];
  for (let f = 0; f < fields.length; f++) d[D_GEMM + f] = fields[f]!;
  const gen = p.publish();
  const mine: ChunkedGemm = { m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, axis, width, chunks: count };
  const byCaller = new Uint8Array(count);
  for (let i = claimChunk(p.claim, gen, count); i >= 0; i = claimChunk(p.claim, gen, count)) {
    runChunk(mine, i, gemm);
    byCaller[i] = 1;
    Atomics.add(p.ctl, DONE, 1);
  }
  if (!waitForChunks(p.ctl, count, STALL_MS)) {
    p.fail(`no matmul worker finished a chunk of a ${m}×${k} by ${k}×${n} product in ${STALL_MS / 1000} s`);
    p.close();
    // a late worker may still write into the shared buffers: no kernel gets them again
    registered.length = 0;
    for (let i = 0; i < count; i++) {
      if (byCaller[i] === 1) continue;
      runChunk(mine, i, gemm);
      byCaller[i] = 1;
    }
  }
  stats.products++;
  stats.chunks += count;
  stats.staged += staged;
  for (let i = 0; i < count; i++) {
    if (byCaller[i] === 1) continue;
    stats.workerChunks++;
    if (!cShared) copyChunkBack(s, cAt, n, c, cOff, ldc, mine, i);
  }
  return true;
}

/** Chunk `i` of C, computed by a worker into the staging buffer (dense, at `at`, row stride n), into C. */
function copyChunkBack(s: Float64Array, at: number, n: number, c: Float64Array, cOff: number, ldc: number, g: ChunkedGemm, i: number): void {
  const lo = i * g.width;
  if (g.axis === 0) {
    const hi = Math.min(g.m, lo + g.width);
    for (let r = lo; r < hi; r++) c.set(s.subarray(at + r * n, at + r * n + n), cOff + r * ldc);
  } else {
    const hi = Math.min(n, lo + g.width);
    for (let r = 0; r < g.m; r++) c.set(s.subarray(at + r * n + lo, at + r * n + hi), cOff + r * ldc + lo);
  }
}

/** When no chunk was finished for this long, the workers are given up on: the caller computes their chunks and the pool stops. */
const STALL_MS = 30_000;

/**
 * Waits until `count` chunks of the current job are done (the DONE counter of `ctl`); false if none
 * was finished for `stallMs` (a worker that died or hangs must not hang the caller).
 * @example
 * ```ts
 * if (!waitForChunks(ctl, 8, 30_000)) recomputeTheWorkersChunks();
 * ```
 */
export function waitForChunks(ctl: Int32Array, count: number, stallMs: number): boolean {
  let last = -1;
  let since = 0;
  for (;;) {
    const done = Atomics.load(ctl, DONE);
    if (done >= count) return true;
    if (done !== last) [last, since] = [done, Date.now()];
    else if (Date.now() - since > stallMs) return false;
    Atomics.wait(ctl, DONE, done, Math.min(100, stallMs));
  }
}

// ------------------------------------------------------------------ starting a worker

interface NodeWorker extends WorkerHandle {
  unref(): void;
  on(event: 'error', listener: (e: Error) => void): void;
}
interface BrowserWorker extends WorkerHandle {
  addEventListener(event: 'error', listener: (e: { message?: string }) => void): void;
}
/** The browser's Worker (the project's lib settings declare no DOM types). */
declare const Worker: new (url: URL, options: { type: 'module' }) => BrowserWorker;

/**
 * Starts one worker running matmul-worker.js, or null if none can be.
 *
 * In a browser, the call is written as bundlers look for it (`new Worker(new URL('./x.js',
 * import.meta.url), …)`): Vite then bundles the worker with the page; with other bundlers,
 * matmul-worker.js (built with what it imports) must be served next to the bundle.
 *
 * In Node, run from the TypeScript sources (the workspace's tests and tsx scripts), the worker needs
 * a TypeScript loader, which Node 20 does not pass on to worker threads:
 * test-utils/typescript-worker.mjs brings tsx's and imports matmul-worker.ts. Published code runs
 * dist/kernels/matmul-worker.js. (These URLs are made from a variable, not written as the pattern
 * above, so that bundlers leave the Node branch alone.)
 */
function startWorker(onError: (reason: string) => void): WorkerHandle | null {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (proc?.getBuiltinModule !== undefined && typeof proc.versions?.node === 'string') {
    const { Worker: NodeWorker } = proc.getBuiltinModule('node:worker_threads') as { Worker: new (url: URL, options: { workerData?: unknown }) => NodeWorker };
    const here = import.meta.url;
    const worker = here.endsWith('.ts')
      ? new NodeWorker(new URL('../test-utils/typescript-worker.mjs', here), { workerData: { entry: new URL('./matmul-worker.ts', here).href } })
      : new NodeWorker(new URL('./matmul-worker.js', here), {});
    worker.on('error', (e) => onError(e.message));
    worker.unref(); // a process with idle workers still exits
    return worker;
  }
  if (typeof Worker !== 'function') return null;
  const worker = new Worker(new URL('./matmul-worker.js', import.meta.url), { type: 'module' });
  worker.addEventListener('error', (e) => onError(e.message ?? 'the worker script failed to load'));
  return worker;
}

// The Web Worker of scripts/browser-threads-page.js (see there), bundled by esbuild from the built
// @chainrule/core; parallelStats and threadsReady come from the same built module that core's index
// uses (dist/kernels/matmul-threads.js), to see that core's own worker really computed chunks.
import { ChainruleError, getNumThreads, matmul, randn, setNumThreads } from '@chainrule/core';
import { parallelStats, threadsReady } from '@chainrule/core/dist/kernels/matmul-threads.js';

const mode = new URLSearchParams(self.location.search).get('mode');
const checks = [];
const info = {};
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });

/** Bitwise equality of two Float64Arrays. */
function bitsEqual(x, y) {
  if (x.length !== y.length) return false;
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length * 2);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function run() {
  check(`crossOriginIsolated is ${mode === 'threads'} in the worker`, self.crossOriginIsolated === (mode === 'threads'), `crossOriginIsolated = ${self.crossOriginIsolated}`);
  if (mode === 'threads-unisolated') {
    try {
      setNumThreads(2);
      check('setNumThreads(2) throws without cross-origin isolation', false, 'no error');
    } catch (e) {
      check('setNumThreads(2) throws a ChainruleError naming the missing cross-origin isolation and the two headers',
        e instanceof ChainruleError && /not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/.test(e.message), String(e?.message));
    }
    check('the worker stays on one thread', getNumThreads() === 1, `getNumThreads() = ${getNumThreads()}`);
    return;
  }
  setNumThreads(2);
  const a = randn([256, 256], { seed: 1 });
  const b = randn([256, 256], { seed: 2 });
  const products = () => [matmul(a, b), matmul(a, b, { transposeB: true }), matmul(a, b, { transposeA: true })].map((t) => t.buffer);
  products(); // starts core's worker; runs on this thread meanwhile
  const t0 = performance.now();
  while (threadsReady() < 1 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 10));
  info.workerStartMs = Math.round(performance.now() - t0);
  check("core's matmul worker started and took its buffers", threadsReady() === 1, `${info.workerStartMs} ms`);
  const split = [];
  for (let i = 0; i < 50 && parallelStats().workerChunks === 0; i++) {
    split.push(products());
    await new Promise((r) => setTimeout(r, 0)); // lets the worker take a newly grown staging buffer
  }
  const stats = parallelStats();
  info.stats = stats;
  check("core's worker computed chunks of the products", stats.workerChunks > 0, JSON.stringify(stats));
  setNumThreads(1);
  const one = products();
  check('A·B, A·Bᵀ and Aᵀ·B (256×256) on two threads are bit-identical to one thread', split.length > 0 && split.every((r) => r.every((x, i) => bitsEqual(x, one[i]))), `${split.length} rounds`);
}

run().catch((e) => check('the worker ran without throwing', false, e && e.stack ? e.stack : String(e))).finally(() => self.postMessage({ checks, info }));

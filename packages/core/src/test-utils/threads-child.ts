/**
 * A child process for kernels/matmul-threads.test.ts: turns threads on, runs 256×256 products
 * until a worker has computed a chunk of one (so the workers really ran), prints one JSON line and
 * returns without any exit call: the process must then end by itself, the idle workers included.
 * @module
 */
import { matmul, randn, setNumThreads } from '../index.js';
import { parallelStats, threadsReady } from '../kernels/matmul-threads.js';

let codeGeneration = 'allowed';
try {
  new Function('');
} catch {
  codeGeneration = 'refused';
}
setNumThreads(2);
const a = randn([256, 256], { seed: 1 });
const b = randn([256, 256], { seed: 2 });
const serial = matmul(a, b).buffer; // the first large product starts the worker and runs on one thread
const t0 = Date.now();
while (threadsReady() < 1 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
let same = true;
for (let i = 0; i < 200 && parallelStats().workerChunks === 0; i++) {
  const out = matmul(a, b).buffer;
  same &&= out.every((v, j) => Object.is(v, serial[j]));
}
console.log(JSON.stringify({ codeGeneration, ready: threadsReady(), ...parallelStats(), same }));

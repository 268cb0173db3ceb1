// Bytes allocated per W1 training step, eager and compiled: the heap's growth over 40 steps in
// windows where no garbage collection ran (a PerformanceObserver sees every gc), median of 20.
//   pnpm run build && node --expose-gc scripts/alloc-per-step.mjs
import { PerformanceObserver } from 'node:perf_hooks';
import { w1ChainruleNet } from '../packages/bench/dist/w1-article.js';

if (typeof globalThis.gc !== 'function') throw new Error('alloc-per-step.mjs: run with node --expose-gc');
let collections = 0;
new PerformanceObserver((list) => (collections += list.getEntries().length)).observe({ entryTypes: ['gc'] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0)); // gc entries arrive as tasks
const STEPS = 40;

for (const compiled of [false, true]) {
  const net = w1ChainruleNet({ compiled });
  net.train(20_000); // warm: V8 has compiled the path, the plan is traced
  const perStep = [];
  while (perStep.length < 20) {
    globalThis.gc();
    await settle();
    const before = collections;
    const heap = process.memoryUsage().heapUsed;
    net.train(STEPS);
    const grown = process.memoryUsage().heapUsed - heap;
    await settle();
    if (collections === before) perStep.push(grown / STEPS);
  }
  perStep.sort((a, b) => a - b);
  console.log(`W1 ${compiled ? 'compiled' : 'eager'}: ${Math.round(perStep[10]).toLocaleString('en-US')} bytes allocated per step (median of 20 windows of ${STEPS} steps without a gc)`);
}

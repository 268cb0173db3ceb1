/**
 * Entry point of the benchmark's child processes (started with node --expose-gc by `runChild`):
 * `child.js w4 <peer> <ops>`, `child.js steps <w6|w7> <peer> <steps>`, `child.js w1 <eager|compiled> <steps>`,
 * `child.js w2 compiled-2t <steps> <rounds>` or `child.js memory <steps> <every>`.
 * Prints one JSON line.
 * @module
 */
import { measureChain, type ChainLibraries } from './w4-chain.js';
import { traceW1Memory } from './memory.js';
import { w1Chainrule } from './w1-article.js';
import { mlpData, w2ThreadedRuns, W2_SIZE } from './w2-mlp.js';
import { loadJax } from './jax.js';
import { loadTf, useBackend } from './tf.js';
import type { Peer } from './harness.js';
import { coldSteps, type StepWorkload } from './steps.js';

// loaded on demand: W6's module loads the mnist digits (21 MB of JSON), which no other child needs
const STEP_WORKLOADS: Record<string, () => Promise<StepWorkload>> = {
  w6: async () => (await import('./w6-cnn.js')).W6,
  w7: async () => (await import('./w7-gpt.js')).W7,
};

async function main(): Promise<void> {
  const [job, a, b] = process.argv.slice(2);
  if (job === 'w4') {
    const libs: ChainLibraries = { tf: null, jax: null };
    if (a === 'tfjs-cpu' || a === 'tfjs-wasm') {
      libs.tf = await loadTf();
      await useBackend(libs.tf, a === 'tfjs-cpu' ? 'cpu' : 'wasm');
    } else if (a.startsWith('jax-')) {
      libs.jax = await loadJax();
    }
    console.log(JSON.stringify(await measureChain(a, Number(b), libs)));
  } else if (job === 'steps') {
    const load = STEP_WORKLOADS[a];
    if (load === undefined) throw new Error(`child: unknown step workload '${a}' (expected ${Object.keys(STEP_WORKLOADS).join(', ')})`);
    const [, , peer, count] = process.argv.slice(2);
    console.log(JSON.stringify(await coldSteps(await load(), peer as Peer, Number(count))));
  } else if (job === 'w1') {
    // the first steps of a fresh process: what a user meets first (module loading is not timed)
    const steps = Number(b);
    const run = w1Chainrule(steps, { compiled: a === 'compiled' });
    console.log(JSON.stringify({ usPerStep: (run.ms * 1000) / steps, loss: run.loss }));
  } else if (job === 'w2') {
    if (a !== 'compiled-2t') throw new Error(`child: unknown w2 variant '${a}' (expected compiled-2t)`);
    const [, , , rounds] = process.argv.slice(2);
    console.log(JSON.stringify({ runs: w2ThreadedRuns(mlpData(W2_SIZE), Number(b), Number(rounds)) }));
  } else if (job === 'memory') {
    console.log(JSON.stringify(traceW1Memory(Number(a), Number(b))));
  } else {
    throw new Error(`child: unknown job '${job}'`);
  }
}

await main();

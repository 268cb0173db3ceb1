/**
 * Entry point of the benchmark's child processes (started with node --expose-gc by `runChild`):
 * `child.js w4 <peer> <ops>` or `child.js memory <steps> <every>`. Prints one JSON line.
 * @module
 */
import { measureChain, type ChainLibraries } from './w4-chain.js';
import { traceW1Memory } from './memory.js';
import { loadJax } from './jax.js';
import { loadTf, useBackend } from './tf.js';

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
  } else if (job === 'memory') {
    console.log(JSON.stringify(traceW1Memory(Number(a), Number(b))));
  } else {
    throw new Error(`child: unknown job '${job}'`);
  }
}

await main();

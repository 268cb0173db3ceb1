/**
 * `pnpm run bench [--quick] [--write-readme] [--only=W1,W3]`: runs every workload for chainrule and,
 * interleaved in the same run, TensorFlow.js (cpu and wasm backends), jax-js (Wasm; jitted and
 * eager, float32 and float64) and a hand-written JS loop; prints the tables of medians and ratios and
 * each target as MET or MISSED; with `--write-readme` writes them into the root README.md between
 * the bench markers.
 * @module
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { EAGER_PEERS, markdownTable, measuresAny, targetList, type Row, type Target, type WorkloadResult } from './report.js';
import { writeReadme } from './readme.js';
import { runW1, type BenchOptions } from './w1-article.js';
import { runW2 } from './w2-mlp.js';
import { runW3 } from './w3-matmul.js';
import { runW4 } from './w4-chain.js';
import { runW5 } from './w5-overhead.js';
import { runW6 } from './w6-cnn.js';
import { runW7 } from './w7-gpt.js';
import { runMemory } from './memory.js';
import { now } from './harness.js';

const WORKLOADS: [string, (o: BenchOptions) => Promise<WorkloadResult> | WorkloadResult][] = [
  ['W1', runW1],
  ['W2', runW2],
  ['W3', runW3],
  ['W4', runW4],
  ['W5', runW5],
  ['W6', runW6],
  ['W7', runW7],
  ['MEM', runMemory],
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opts: BenchOptions = { quick: args.includes('--quick') };
  const onlyArg = args.find((a) => a.startsWith('--only='));
  const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : null;
  const unknown = only?.filter((name) => !WORKLOADS.some(([w]) => w === name)) ?? [];
  if (unknown.length > 0) throw new Error(`bench: --only names ${unknown.join(', ')}; the workloads are ${WORKLOADS.map(([w]) => w).join(', ')}`);
  // the README's section is the whole table: a partial run would drop every row it did not measure
  if (only && args.includes('--write-readme')) throw new Error('bench: --write-readme needs the full run; drop --only (or copy the rows by hand, with the command)');
  const rows: Row[] = [];
  const targets: Target[] = [];
  const notes: string[] = [];
  const t0 = now();
  const loadBefore = loadavg()[0];
  for (const [name, run] of WORKLOADS) {
    if (only && !only.includes(name)) continue;
    const t = now();
    process.stderr.write(`bench: ${name} ...`);
    const r = await run(opts);
    process.stderr.write(` ${((now() - t) / 1000).toFixed(1)} s\n`);
    rows.push(...r.rows);
    targets.push(...r.targets);
    notes.push(...r.notes);
  }
  const cpu = cpus();
  const command = `pnpm run bench${opts.quick ? ' --quick' : ''}${onlyArg ? ` ${onlyArg}` : ''}`;
  const body = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\` on Node ${process.version}, ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores ` +
      `(${((now() - t0) / 1000).toFixed(0)} s in all; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after: ` +
      `other processes share the cores, and interleaving the peers spreads that over all of them). Medians over interleaved runs; TF.js is float32, chainrule and the JS loops float64, jax-js both (its Wasm backend, single-threaded under Node as TF.js's wasm backend is). ` +
      `"cr vs X" is how many times better chainrule is (X's time / chainrule's time, or chainrule's GFLOP/s / X's; below 1: chainrule is worse). ` +
      `jax-js's columns here are its jitted runs (\`jit\`, the fast path its docs give); its eager runs are in the second table.`,
    '',
    markdownTable(rows),
    '',
    'jax-js eager (no `jit`), same runs:',
    '',
    markdownTable(
      rows.filter((r) => measuresAny(r, EAGER_PEERS)),
      EAGER_PEERS,
    ),
    '',
    'Targets:',
    '',
    targetList(targets),
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
  console.log(body);
  if (args.includes('--write-readme')) {
    const path = resolve(process.cwd(), 'README.md');
    writeReadme(path, body);
    console.log(`\nwrote the table into ${path}`);
  }
}

await main();

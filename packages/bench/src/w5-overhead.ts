/**
 * W5: per-op overhead, a 2×2 + 2×2 add, without and with grad recording. µs per op is the
 * median over rounds of (loop time / ops).
 * @module
 */
import { tensor, type Tensor } from '@chainrule/core';
import { interleave, median, now, type Contender } from './harness.js';
import { compile, jaxArray, JAX_VARIANTS, loadJax, type Jax, type JaxArray, type JaxVariant } from './jax.js';
import { below, type Row, type WorkloadResult } from './report.js';
import { loadTf, useBackend, type Tf } from './tf.js';
import type { BenchOptions } from './w1-article.js';

let sink: unknown = null;

/**
 * chainrule: `a.add(b)` `ops` times; `a` requires grad when `recording`, so each add records a node.
 * Returns ms for the loop.
 * @example
 * ```ts
 * addChainrule(1000, false); // ms for 1,000 adds
 * ```
 */
export function addChainrule(ops: number, recording: boolean): number {
  const a = tensor([[1, 2], [3, 4]], { requiresGrad: recording });
  const b = tensor([[5, 6], [7, 8]]);
  let out: Tensor = a;
  const t0 = now();
  for (let i = 0; i < ops; i++) out = a.add(b);
  const ms = now() - t0;
  sink = out;
  return ms;
}

/**
 * TensorFlow.js: `tf.add(a, b)` then dispose, `ops` times.
 * @example
 * ```ts
 * (addTf(tf, 100_000) * 1000) / 100_000; // µs per op
 * ```
 */
export function addTf(tf: Tf, ops: number): number {
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const b = tf.tensor2d([[5, 6], [7, 8]]);
  const t0 = now();
  for (let i = 0; i < ops; i++) tf.add(a, b).dispose();
  const ms = now() - t0;
  tf.dispose([a, b]);
  return ms;
}

/**
 * jax-js: `a.add(b)` (eager) or a jitted `(a, b) => a.add(b)`, `ops` times (the arrays passed as
 * `.ref`, jax-js's ownership rule). jax-js's operations are lazy (its `blockUntilReady` docs), so
 * each result is awaited with `blockUntilReady`, then disposed: every add is carried out, as
 * chainrule's and TF.js's are. Returns a runner giving ms for the loop.
 * @example
 * ```ts
 * const add = addJaxRunner(await loadJax(), JAX_VARIANTS[2]);
 * ((await add(10_000)) * 1000) / 10_000; // µs per op
 * ```
 */
export function addJaxRunner(jax: Jax, variant: JaxVariant): (ops: number) => Promise<number> {
  const add = compile(jax, variant, (x: JaxArray, y: JaxArray) => x.add(y));
  return async (ops) => {
    const a = jaxArray(jax, variant.dtype, [1, 2, 3, 4], [2, 2]);
    const b = jaxArray(jax, variant.dtype, [5, 6, 7, 8], [2, 2]);
    const t0 = now();
    for (let i = 0; i < ops; i++) {
      const out = add(a.ref, b.ref);
      await out.blockUntilReady();
      out.dispose();
    }
    const ms = now() - t0;
    a.dispose();
    b.dispose();
    return ms;
  };
}

/**
 * The floor: a new Float64Array(4) and a 4-element loop.
 * @example
 * ```ts
 * (addJs(1_000_000) * 1000) / 1_000_000; // µs per op
 * ```
 */
export function addJs(ops: number): number {
  const a = new Float64Array([1, 2, 3, 4]);
  const b = new Float64Array([5, 6, 7, 8]);
  let out = a;
  const t0 = now();
  for (let i = 0; i < ops; i++) {
    out = new Float64Array(4);
    for (let k = 0; k < 4; k++) out[k] = a[k] + b[k];
  }
  const ms = now() - t0;
  sink = out;
  return ms;
}

/**
 * Keeps the optimiser from dropping the loops (never called in a hot path).
 * @example
 * ```ts
 * addJs(10); lastResult(); // the last Float64Array made
 * ```
 */
export function lastResult(): unknown {
  return sink;
}

/**
 * Runs W5 and judges its two targets.
 * @example
 * ```ts
 * const { targets } = await runW5({ quick: true });
 * ```
 */
export async function runW5(opts: BenchOptions): Promise<WorkloadResult> {
  const tf = await loadTf();
  const jax = await loadJax();
  const ops = opts.quick ? 200_000 : 1_000_000;
  const tfOps = opts.quick ? 20_000 : 100_000;
  // an eager jax-js add costs about 100 µs here: 5,000 of them are half a second a round
  const jaxOps = opts.quick ? 2_000 : 5_000;
  const rounds = opts.quick ? 3 : 7;
  const contenders: Contender<number>[] = [
    { peer: 'chainrule', warmup: () => addChainrule(ops / 10, false), run: () => (addChainrule(ops, false) * 1000) / ops },
    { peer: 'tfjs-cpu', prepare: () => useBackend(tf, 'cpu'), warmup: () => addTf(tf, tfOps / 10), run: () => (addTf(tf, tfOps) * 1000) / tfOps },
    { peer: 'tfjs-wasm', prepare: () => useBackend(tf, 'wasm'), warmup: () => addTf(tf, tfOps / 10), run: () => (addTf(tf, tfOps) * 1000) / tfOps },
    ...JAX_VARIANTS.map((v): Contender<number> => {
      const add = addJaxRunner(jax, v);
      return { peer: v.peer, warmup: () => add(jaxOps / 10), run: async () => ((await add(jaxOps)) * 1000) / jaxOps };
    }),
    { peer: 'js', warmup: () => addJs(ops / 10), run: () => (addJs(ops) * 1000) / ops },
  ];
  const plain = await interleave(rounds, contenders);
  const recorded = await interleave(rounds, [{ peer: 'chainrule', warmup: () => addChainrule(ops / 10, true), run: () => (addChainrule(ops, true) * 1000) / ops }]);
  const noGradRow: Row = { workload: 'W5 2×2 add, forward only', metric: 'µs / op', better: 'lower', values: {} };
  for (const [p, rs] of plain) noGradRow.values[p] = median(rs);
  const gradRow: Row = { workload: 'W5 2×2 add, recording for grad', metric: 'µs / op', better: 'lower', values: { chainrule: median(recorded.get('chainrule')!) } };
  return {
    rows: [noGradRow, gradRow],
    targets: [
      below('W5 2×2 add without grad < 0.2 µs (issue 11: it stays under 0.2 µs)', noGradRow.values.chainrule, 0.2, 'µs'),
      below('W5 2×2 add with grad recording < 1 µs', gradRow.values.chainrule, 1, 'µs'),
    ],
    notes: [],
  };
}

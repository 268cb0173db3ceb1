/**
 * Timing and process helpers shared by the workloads: medians, interleaved rounds over peers, and
 * child processes for measurements that need a fresh heap (`--expose-gc`).
 * @module
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The implementations the workloads compare: chainrule, TF.js on its two CPU backends, jax-js's
 * Wasm backend four ways (jitted or eager, float32 or float64) and a hand-written JS loop.
 */
export type Peer = 'chainrule' | 'tfjs-cpu' | 'tfjs-wasm' | JaxPeer | 'js' | CompiledPeer;
/**
 * chainrule's compiled steps (`compile`), on two threads for W2: measured beside the others, and
 * shown on rows of their own in chainrule's column, so that every ratio reads against them.
 */
export type CompiledPeer = 'chainrule-compiled' | 'chainrule-compiled-2t';

/** How a workload runs in chainrule: eagerly (the default) or as a compiled step (`compile`: traced at the first step, then replayed). @example `{ compiled: true }` */
export interface RunOptions {
  compiled?: boolean;
}
/** jax-js's four variants: `jax-f32` and `jax-f64` jitted (the fast path its docs give), the `eager` ones op by op. */
export type JaxPeer = 'jax-f32' | 'jax-f64' | 'jax-eager-f32' | 'jax-eager-f64';
/** Every peer, in table order. */
export const PEERS: readonly Peer[] = ['chainrule', 'tfjs-cpu', 'tfjs-wasm', 'jax-f32', 'jax-f64', 'jax-eager-f32', 'jax-eager-f64', 'js'];

/**
 * The median of `xs` (mean of the two middle values for an even count).
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Milliseconds since an arbitrary origin, sub-millisecond resolution.
 * @example
 * ```ts
 * const t0 = now(); work(); const ms = now() - t0;
 * ```
 */
export function now(): number {
  return performance.now();
}

/**
 * One peer's part in a workload: `prepare` switches TF.js backends; `warmup` runs once, uncounted,
 * before the first round (JIT, backend initialisation); `run` does one timed repetition. jax-js's
 * runs are asynchronous (each step awaits its results, see jax.ts), so both may return a promise.
 */
export interface Contender<M> {
  peer: Peer;
  prepare?: () => Promise<void>;
  warmup?: () => unknown;
  run: () => M | Promise<M>;
}

/**
 * Runs every contender `rounds` times, round-robin (chainrule, TF.js cpu, TF.js wasm, JS, then again),
 * so that a slow phase of the machine hits every peer alike. Returns each peer's measurements.
 * @example
 * ```ts
 * const r = await interleave(3, [{ peer: 'js', run: () => now() }]); // r.get('js') has 3 entries
 * ```
 */
export async function interleave<M>(rounds: number, contenders: readonly Contender<M>[]): Promise<Map<Peer, M[]>> {
  const out = new Map<Peer, M[]>();
  for (const c of contenders) {
    out.set(c.peer, []);
    if (c.warmup) {
      if (c.prepare) await c.prepare();
      await c.warmup();
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      if (c.prepare) await c.prepare();
      out.get(c.peer)!.push(await c.run());
    }
  }
  return out;
}

/** Path of the compiled child-process entry (dist/child.js next to this file). */
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/**
 * Runs `child.js <args>` in a fresh node with `--expose-gc` and returns the JSON object it prints
 * on its last line. Used where heap and RSS must not be disturbed by earlier work.
 * @example
 * ```ts
 * const m = runChild<ChainMeasurement>(['w4', 'chainrule', '100000']);
 * ```
 */
export function runChild<T>(args: readonly string[], maxOldSpaceMb = 8192): T {
  const r = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${maxOldSpaceMb}`, CHILD, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = r.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (r.status !== 0 || line === undefined) {
    throw new Error(`child ${args.join(' ')} failed (exit ${r.status}, signal ${r.signal}):\n${r.stderr.slice(-2000)}`);
  }
  return JSON.parse(line) as T;
}

/**
 * Formats a number with `digits` significant digits, without exponent for ordinary magnitudes.
 * @example
 * ```ts
 * fmt(0.000123456); // '1.23e-4'
 * ```
 */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(digits - 1);
}

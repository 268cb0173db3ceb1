/**
 * Results: table rows with one value per peer and the ratio of chainrule to each, and targets
 * judged MET or MISSED with the margin.
 * @module
 */
import { fmt, PEERS, type Peer } from './harness.js';

/** One measured quantity of one workload, for every peer that ran it. */
export interface Row {
  workload: string;
  metric: string;
  /** 'lower' for times and memory, 'higher' for throughput; 'none' for values that are not compared (losses). */
  better: 'lower' | 'higher' | 'none';
  values: Partial<Record<Peer, number>>;
  /** Overrides the printed value of a peer (e.g. a loss printed with all digits). */
  text?: Partial<Record<Peer, string>>;
}

/** A target from the brief, judged on measured numbers of the same run. */
export interface Target {
  name: string;
  met: boolean;
  /** What was measured against what was needed, e.g. "26.3x faster, needed 20x". */
  detail: string;
}

/** What a workload hands back. */
export interface WorkloadResult {
  rows: Row[];
  targets: Target[];
  notes: string[];
}

/**
 * How many times better chainrule is than `peer` on `row`: peer time / chainrule time for 'lower',
 * chainrule / peer for 'higher' (above 1: chainrule is better).
 * @example
 * ```ts
 * advantage({ workload: 'W', metric: 'ms', better: 'lower', values: { chainrule: 1, js: 2 } }, 'js'); // 2
 * ```
 */
export function advantage(row: Row, peer: Peer): number | undefined {
  const c = row.values.chainrule;
  const p = row.values[peer];
  if (c === undefined || p === undefined || row.better === 'none') return undefined;
  return row.better === 'lower' ? p / c : c / p;
}

/**
 * A target "chainrule at least `needed` times better than the peer" (`needed` = 1: better at all).
 * @example
 * ```ts
 * atLeast('W1 vs TF.js cpu', 26, 20); // { met: true, detail: '26x better, needed ≥ 20x' }
 * ```
 */
export function atLeast(name: string, ratio: number | undefined, needed: number, unit = 'better'): Target {
  if (ratio === undefined || !Number.isFinite(ratio)) return { name, met: false, detail: 'not measured' };
  const met = ratio >= needed;
  return {
    name,
    met,
    detail: met ? `${fmt(ratio)}x ${unit}, needed ≥ ${needed}x` : `${fmt(ratio)}x ${unit}, needed ≥ ${needed}x: short by a factor ${fmt(needed / ratio)}`,
  };
}

/**
 * A target "measured value below `limit`".
 * @example
 * ```ts
 * below('W5 add', 0.3, 0.5, 'µs'); // met
 * ```
 */
export function below(name: string, value: number | undefined, limit: number, unit: string): Target {
  if (value === undefined || !Number.isFinite(value)) return { name, met: false, detail: 'not measured' };
  const met = value < limit;
  return { name, met, detail: met ? `${fmt(value)} ${unit} < ${limit} ${unit}` : `${fmt(value)} ${unit}, needed < ${limit} ${unit}: over by a factor ${fmt(value / limit)}` };
}

const PEER_TITLES: Record<Peer, string> = {
  chainrule: 'chainrule',
  'tfjs-cpu': 'TF.js cpu',
  'tfjs-wasm': 'TF.js wasm',
  'jax-f32': 'jax-js f32 jit',
  'jax-f64': 'jax-js f64 jit',
  'jax-eager-f32': 'jax-js f32 eager',
  'jax-eager-f64': 'jax-js f64 eager',
  js: 'plain JS',
  'chainrule-compiled': 'chainrule compiled',
  'chainrule-compiled-2t': 'chainrule compiled, 2 threads',
};

/** The main table's columns: jax-js jitted, the way its docs make it fast. */
export const MAIN_PEERS: readonly Peer[] = PEERS.filter((p) => p !== 'jax-eager-f32' && p !== 'jax-eager-f64');
/** The second table's columns: jax-js eager beside chainrule. */
export const EAGER_PEERS: readonly Peer[] = ['chainrule', 'jax-eager-f32', 'jax-eager-f64'];

/**
 * Whether `row` holds a value or a text for any of `peers` other than chainrule.
 * @example
 * ```ts
 * rows.filter((r) => measuresAny(r, EAGER_PEERS)); // the rows of the eager table
 * ```
 */
export function measuresAny(row: Row, peers: readonly Peer[]): boolean {
  return peers.some((p) => p !== 'chainrule' && (row.values[p] !== undefined || row.text?.[p] !== undefined));
}

/**
 * The results as a Markdown table: values per peer (`peers`, chainrule first), then chainrule's
 * advantage over each of the others.
 * @example
 * ```ts
 * console.log(markdownTable(result.rows));
 * ```
 */
export function markdownTable(rows: readonly Row[], peers: readonly Peer[] = MAIN_PEERS): string {
  const others = peers.filter((p) => p !== 'chainrule');
  const head = ['workload', 'metric', ...peers.map((p) => PEER_TITLES[p]), ...others.map((p) => `cr vs ${PEER_TITLES[p]}`)];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) {
    const vals = peers.map((p) => r.text?.[p] ?? (r.values[p] === undefined ? '—' : fmt(r.values[p]!)));
    const ratios = others.map((p) => {
      const a = advantage(r, p);
      return a === undefined ? '—' : `${fmt(a)}x`;
    });
    lines.push(`| ${[r.workload, r.metric, ...vals, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * The targets as a Markdown list of MET / MISSED lines.
 * @example
 * ```ts
 * targetList([{ name: 'W5 add < 0.5 µs', met: true, detail: '0.17 µs' }]); // '- **MET** W5 add < 0.5 µs: 0.17 µs'
 * ```
 */
export function targetList(targets: readonly Target[]): string {
  return targets.map((t) => `- **${t.met ? 'MET' : 'MISSED'}** ${t.name}: ${t.detail}`).join('\n');
}

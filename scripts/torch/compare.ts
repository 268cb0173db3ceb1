/**
 * Comparing chainrule's results with PyTorch's. Every number must satisfy
 *   |chainrule − torch| ≤ RTOL·|torch| + ATOL,
 * NaN must meet NaN, and ±Infinity must meet the same infinity.
 */
import { OP_BY_NAME } from './ops.js';
import { decode, type Case, type Encoded, type Outcome } from './program.js';

/** 1e-12 relative: float64 results of the same formula agree far closer; summation order and fused ops do not move them this far. */
export const RTOL = 1e-12;
/**
 * The absolute floor, for results near 0: a sum of terms of size ~1 that cancels to almost 0 keeps
 * an absolute rounding error of a few ulps of its terms (~1e-15 each), which is no relative bound.
 */
export const ATOL = 1e-13;

export interface Mismatch {
  readonly caseName: string;
  readonly known?: string;
  readonly key: string;
  readonly detail: string;
}

export class Tally {
  graphs = 0;
  trainingRuns = 0;
  modulePrograms = 0;
  schedules = 0;
  clips = 0;
  values = 0;
  gradients = 0;
  /** The largest |chainrule − torch| / max(|torch|, ATOL/RTOL) over finite pairs: the relative difference, with the floor. */
  maxRelative = 0;
  maxRelativeWhere = '';
  /** How many numbers were compared with a looser tolerance (a reason stated in the case or the op table), and their largest relative difference. */
  loosened = 0;
  maxRelativeLoosened = 0;
  readonly mismatches: Mismatch[] = [];
}

const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
/** Differing elements listed per result; the count of all of them is printed too. */
const MAX_SHOWN = 12;

/** Elementwise agreement of one pair of numbers, and its relative difference (0 for equal or both-NaN). */
function agree(ours: number, ref: number, tol: { rtol: number; atol: number }): { ok: boolean; relative: number } {
  if (Number.isNaN(ref) || Number.isNaN(ours)) return { ok: Number.isNaN(ref) && Number.isNaN(ours), relative: 0 };
  if (!Number.isFinite(ref) || !Number.isFinite(ours)) return { ok: ours === ref, relative: 0 };
  const diff = Math.abs(ours - ref);
  return { ok: diff <= tol.rtol * Math.abs(ref) + tol.atol, relative: diff / Math.max(Math.abs(ref), ATOL / RTOL) };
}

/** The ops a case's program uses. */
function opsOf(c: Case): Set<string> {
  return new Set(c.program.type === 'graph' ? c.program.steps.flatMap((s) => (s.kind === 'op' ? [s.op] : [])) : []);
}

/** The tolerance for `key` of case `c`: the default, or a looser one that the case or one of its ops states a reason for. */
function toleranceFor(c: Case, key: string, ops: Set<string>): { rtol: number; atol: number; loosened: boolean } {
  const stated = [c.tolerance];
  if (key.startsWith('grad:second:')) for (const name of ops) stated.push(OP_BY_NAME.get(name)?.secondOrderTolerance);
  let rtol = RTOL;
  let atol = ATOL;
  for (const t of stated) {
    if (t === undefined) continue;
    rtol = Math.max(rtol, t.rtol);
    atol = Math.max(atol, t.atol ?? ATOL);
  }
  return { rtol, atol, loosened: rtol !== RTOL || atol !== ATOL };
}

/** Compares one case's outcomes, adding to `tally`. */
export function compareCase(c: Case, ours: Outcome, ref: Outcome, tally: Tally): void {
  if (c.program.type === 'graph') tally.graphs++;
  else if (c.program.type === 'module') tally.modulePrograms++;
  else if (c.program.type === 'train') tally.trainingRuns++;
  else if (c.program.type === 'schedule') tally.schedules++;
  else tally.clips++;
  const fail = (key: string, detail: string) => tally.mismatches.push({ caseName: c.name, known: c.known, key, detail });
  if (ours.error !== undefined || ref.error !== undefined) {
    if (ours.error !== undefined) fail('error', `chainrule threw ${ours.error}`);
    if (ref.error !== undefined) fail('error', `torch threw ${ref.error}`);
    return;
  }
  const keys = [...new Set([...Object.keys(ref.results), ...Object.keys(ours.results)])].sort();
  const ops = opsOf(c);
  for (const key of keys) {
    const isGradient = key.startsWith('grad:');
    const tol = toleranceFor(c, key, ops);
    if (!(key in ours.results)) {
      fail(key, 'missing from chainrule results');
      continue;
    }
    if (!(key in ref.results)) {
      fail(key, 'missing from torch results');
      continue;
    }
    const a = ours.results[key];
    const b = ref.results[key];
    if (a === null || b === null) {
      // a .grad that is None in one engine must be None in the other
      if (a !== b) fail(key, a === null ? `chainrule has none, torch has ${preview(b!)}` : `chainrule has ${preview(a)}, torch has none`);
      else if (isGradient) tally.gradients++;
      else tally.values++;
      continue;
    }
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      fail(key, `shape [${a.shape}] but torch has [${b.shape}]`);
      continue;
    }
    const x = decode(a);
    const y = decode(b);
    const where = c.showInputs ? inputLabels(c, y.length) : () => '';
    const bad: string[] = [];
    let badCount = 0;
    for (let i = 0; i < y.length; i++) {
      const { ok, relative } = agree(x[i], y[i], tol);
      if (!ok) {
        badCount++;
        if (bad.length < MAX_SHOWN) bad.push(`[${i}]${where(i)} chainrule ${show(x[i])}, torch ${show(y[i])}`);
      } else if (tol.loosened) {
        tally.loosened++;
        if (relative > tally.maxRelativeLoosened) tally.maxRelativeLoosened = relative;
      } else if (relative > tally.maxRelative) {
        tally.maxRelative = relative;
        tally.maxRelativeWhere = `${c.name} ${key}[${i}]`;
      }
    }
    if (isGradient) tally.gradients += y.length;
    else tally.values += y.length;
    if (badCount > 0) fail(key, `${badCount} of ${y.length} differ: ${bad.join('; ')}${badCount > bad.length ? '; …' : ''}`);
  }
}

/** ` at x0=1, x1=NaN`: the values of the program's leaves of `size` elements at index i. */
function inputLabels(c: Case, size: number): (i: number) => string {
  const leaves = c.program.type === 'graph' ? c.program.steps.flatMap((s) => (s.kind === 'leaf' && s.value.data.length === size ? [s] : [])) : [];
  return (i) => (leaves.length === 0 ? '' : ` at ${leaves.map((l) => `${l.id}=${show(decode(l.value)[i])}`).join(', ')}`);
}

function preview(e: Encoded): string {
  const d = e.data.slice(0, 4).join(', ');
  return `[${d}${e.data.length > 4 ? ', …' : ''}] (shape [${e.shape}])`;
}

/**
 * Autodiff against hand-written backprop and finite differences, for a sigmoid MLP of any sizes:
 * `pnpm --filter @chainrule/examples run mlp-check -- 4 8 8 3` (input, hidden..., output sizes).
 * Reports, per parameter, the largest absolute and relative difference between chainrule's gradient
 * and each reference, graded with the usual bands: relative error < 1e-7 good, > 1e-2 wrong.
 * @module
 */
import { RandomGenerator, noGrad, tensor, type Tensor } from '@chainrule/core';
import { Dense, MSELoss, Sequential, Sigmoid, type Module } from '@chainrule/nn';

/** One parameter's comparison. */
export interface ParamReport {
  /** e.g. `'0.weight'`. */
  readonly name: string;
  readonly size: number;
  readonly vsManual: { maxAbs: number; maxRel: number; grade: Grade };
  readonly vsFinite: { maxAbs: number; maxRel: number; grade: Grade };
}
/** Grade of a relative error. */
export type Grade = 'good' | 'check' | 'wrong';

/** The usual bands: below 1e-7 good, above 1e-2 wrong, between worth a look. */
export function grade(rel: number): Grade {
  return rel < 1e-7 ? 'good' : rel > 1e-2 ? 'wrong' : 'check';
}

/** Largest |a − b| and |a − b| / max(|a|, |b|) over the elements (0/0 counts as 0). */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbs: number; maxRel: number } {
  let maxAbs = 0, maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    const scale = Math.max(Math.abs(a[i]), Math.abs(b[i]));
    maxAbs = Math.max(maxAbs, d);
    if (scale > 0) maxRel = Math.max(maxRel, d / scale);
  }
  return { maxAbs, maxRel };
}

/**
 * Backprop by hand for y = σ(… σ(x W₀ᵀ + b₀) …), E = Σ ½(y − t)², over a batch: plain loops over
 * Float64Arrays, δ = (y − t)·y(1 − y) at the top, δ ← (δ W)·a(1 − a) going down.
 */
export function manualGradients(weights: readonly Float64Array[], biases: readonly Float64Array[], sizes: readonly number[], x: Float64Array, t: Float64Array, n: number) {
  const L = weights.length;
  const acts: Float64Array[] = [x];
  for (let l = 0; l < L; l++) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    const a = acts[l], out = new Float64Array(n * fout);
    for (let s = 0; s < n; s++) for (let j = 0; j < fout; j++) {
      let z = biases[l][j];
      for (let i = 0; i < fin; i++) z += a[s * fin + i] * weights[l][j * fin + i];
      out[s * fout + j] = 1 / (1 + Math.exp(-z));
    }
    acts.push(out);
  }
  const gW = weights.map((w) => new Float64Array(w.length));
  const gB = biases.map((b) => new Float64Array(b.length));
  const y = acts[L];
  let delta = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) delta[k] = (y[k] - t[k]) * y[k] * (1 - y[k]);
  for (let l = L - 1; l >= 0; l--) {
    const [fin, fout] = [sizes[l], sizes[l + 1]];
    const a = acts[l];
    for (let s = 0; s < n; s++) for (let j = 0; j < fout; j++) {
      const d = delta[s * fout + j];
      gB[l][j] += d;
      for (let i = 0; i < fin; i++) gW[l][j * fin + i] += d * a[s * fin + i];
    }
    if (l === 0) break;
    const next = new Float64Array(n * fin);
    for (let s = 0; s < n; s++) for (let i = 0; i < fin; i++) {
      let sum = 0;
      for (let j = 0; j < fout; j++) sum += delta[s * fout + j] * weights[l][j * fin + i];
      const ai = a[s * fin + i];
      next[s * fin + i] = sum * ai * (1 - ai);
    }
    delta = next;
  }
  return { gW, gB };
}

/** Builds the MLP, computes the three gradients and compares them per parameter. */
export function checkMlp(sizes: readonly number[], options: { batch?: number; seed?: number; eps?: number } = {}): ParamReport[] {
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`mlp-check: sizes must be two or more positive integers, got ${sizes.join(' ')}`);
  const { batch = 3, seed = 7, eps = 1e-6 } = options;
  const layers: Module[] = [];
  const dense: Dense[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const d = new Dense(sizes[l], sizes[l + 1], { init: 'uniform', seed: seed + l });
    dense.push(d);
    layers.push(d, new Sigmoid());
  }
  const net = new Sequential(...layers);
  const g = new RandomGenerator(seed);
  const x = tensor(Float64Array.from({ length: batch * sizes[0] }, () => g.normal()), { shape: [batch, sizes[0]] });
  const t = tensor(Float64Array.from({ length: batch * sizes[sizes.length - 1] }, () => g.uniform()), { shape: [batch, sizes[sizes.length - 1]] });
  const loss = new MSELoss({ reduction: 'halfSum' });
  const E = (): Tensor => loss.forward(net.forward(x), t);
  net.zeroGrad();
  E().backward();
  const manual = manualGradients(dense.map((d) => d.weight.buffer as Float64Array), dense.map((d) => d.bias!.buffer as Float64Array), sizes, x.buffer as Float64Array, t.buffer as Float64Array, batch);
  return net.namedParameters().map(([name, p]) => {
    const l = dense.findIndex((d) => d.weight === p || d.bias === p);
    const isW = dense[l].weight === p;
    const fd = noGrad(() => Float64Array.from({ length: p.size }, (_, i) => {
      const v = p.buffer[i];
      p.buffer[i] = v + eps;
      const up = E().item();
      p.buffer[i] = v - eps;
      const down = E().item();
      p.buffer[i] = v;
      return (up - down) / (2 * eps);
    }));
    const auto = p.grad!.buffer;
    const m = compare(auto, isW ? manual.gW[l] : manual.gB[l]);
    const f = compare(auto, fd);
    return { name, size: p.size, vsManual: { ...m, grade: grade(m.maxRel) }, vsFinite: { ...f, grade: grade(f.maxRel) } };
  });
}

/** CLI: sizes from the arguments (default 2 5 1). */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  const args = argv.filter((a) => a !== '--');
  const sizes = args.length > 0 ? args.map(Number) : [2, 5, 1];
  const reports = checkMlp(sizes);
  console.log(`sigmoid MLP ${sizes.join('-')}, E = Σ ½(y − t)² over a batch of 3: chainrule's gradients vs hand-written backprop and central differences (eps 1e-6)\n`);
  const head = ['parameter', 'size', 'vs manual: max abs', 'max rel', 'grade', 'vs finite diff: max abs', 'max rel', 'grade'];
  const rows = reports.map((r) => [r.name, String(r.size), r.vsManual.maxAbs.toExponential(2), r.vsManual.maxRel.toExponential(2), r.vsManual.grade, r.vsFinite.maxAbs.toExponential(2), r.vsFinite.maxRel.toExponential(2), r.vsFinite.grade]);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  for (const r of [head, ...rows]) console.log(r.map((s, c) => (c === 0 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  '));
  console.log('\nbands: relative error < 1e-7 good, > 1e-2 wrong (finite differences carry ~1e-9 of their own error, so "check" there is expected for tiny gradients)');
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

/**
 * Pickers over fresh leaves only, for ops that random graphs would otherwise lead to points where
 * the two engines can only agree by chance.
 *
 * - var, std and the norms (`freshReduce`) are singular where random graphs often lead them: a norm
 *   at a zero vector (relu's zeros, a loss of 0), the std of a constant slice (a broadcast scalar).
 *   There the first derivative is 0 by convention, and the second, or even the first, follows
 *   rounding noise: PyTorch's std of 36 equal values is 1e-16, not 0, and its gradient O(1) noise,
 *   where chainrule's corrected two-pass variance is exactly 0. Nearly equal inputs are
 *   ill-conditioned the same way. Each slice also holds at least `minCount` elements: PyTorch
 *   1.13's var/std backward fails at n = correction and divides by the negative n − correction
 *   below it (chainrule's documented behaviour there is tested in
 *   packages/core/src/ops/moments.test.ts); a std of one element is 0, singular again; a std of
 *   two is |a − b|/2 (correction 0) and a norm of one element |x|, whose second derivative 0 both
 *   engines get only as a difference of terms that cancel to rounding.
 * - mish (`freshUnary`): PyTorch 1.13's second derivative of mish is NaN from x ≈ 710 (eˣ
 *   overflows in its formula), where chainrule's is the true 0, and random graphs make such values
 *   (a norm of many elements).
 *
 * Fresh leaves (random normal values) keep the random graphs about composition: these ops' results
 * still feed later ops. The special values (cases.ts) still take them to zeros, ties and
 * infinities, and semantics/norm and std where they are 0 checks the convention.
 */
import { sizeOf, type Domain, type Picker, type ReduceParams } from './graph.js';

export interface CorrectedReduceParams extends ReduceParams {
  readonly correction: number;
}

/** A reduction over a fresh leaf whose slices hold at least `minCount` elements (all axes when the chosen ones hold fewer). */
export function freshReduce(minCount: number, correction = 1): Picker<CorrectedReduceParams> {
  return {
    special: 'reduce',
    pick(g) {
      const r = g.rng;
      const x = g.leaf(g.randomShape({ minRank: 1, maxRank: 4, test: (s) => sizeOf(s) >= minCount }));
      const n = x.shape.length;
      const keepdims = r.chance(0.5);
      let chosen = r.chance(0.25) ? [] : r.shuffle(x.shape.map((_, i) => i)).slice(0, r.int(1, n)).sort((p, q) => p - q);
      if (chosen.reduce((k, a) => k * x.shape[a], 1) < minCount) chosen = [];
      const all = chosen.length === 0;
      const reduced = all ? x.shape.map((_, i) => i) : chosen;
      const spelled = chosen.map((a) => (r.chance(0.3) ? a - n : a));
      const axes = all ? null : spelled.length === 1 && r.chance(0.5) ? spelled[0] : spelled;
      const shape = keepdims ? x.shape.map((d, i) => (reduced.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.includes(i));
      return { args: [x], params: { axes, keepdims, correction }, shape };
    },
  };
}

/** An elementwise op's one input, always a fresh leaf (see above). */
export function freshUnary(domain: Domain = 'any'): Picker<null> {
  return {
    special: 'unary',
    pick(g) {
      const x = g.leaf(g.randomShape(), domain);
      return { args: [x], params: null, shape: x.shape };
    },
  };
}

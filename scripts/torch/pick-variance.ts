/**
 * The picker of var and std: a reduction like graph.ts's `reduce`, whose slices always hold more
 * elements than the correction (n > correction), because PyTorch 1.13's var/std backward fails at
 * n = correction and divides by the negative n − correction below it (chainrule's documented
 * behaviour there is tested in packages/core/src/ops/moments.test.ts, not against PyTorch).
 */
import { sizeOf, type Picker, type ReduceParams } from './graph.js';

export interface VarianceParams extends ReduceParams {
  readonly correction: number;
}

/** A reduction over an input with more than `correction` elements; all axes when the chosen ones hold too few. */
export function varianceReduce(correction: number): Picker<VarianceParams> {
  return {
    special: 'reduce',
    pick(g) {
      const r = g.rng;
      const x = g.input('any', { minRank: 1, maxRank: 4, test: (s) => sizeOf(s) > correction });
      const n = x.shape.length;
      const keepdims = r.chance(0.5);
      let chosen = r.chance(0.25) ? [] : r.shuffle(x.shape.map((_, i) => i)).slice(0, r.int(1, n)).sort((p, q) => p - q);
      if (chosen.reduce((k, a) => k * x.shape[a], 1) <= correction) chosen = [];
      const all = chosen.length === 0;
      const reduced = all ? x.shape.map((_, i) => i) : chosen;
      const spelled = chosen.map((a) => (r.chance(0.3) ? a - n : a));
      const axes = all ? null : spelled.length === 1 && r.chance(0.5) ? spelled[0] : spelled;
      const shape = keepdims ? x.shape.map((d, i) => (reduced.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.includes(i));
      return { args: [x], params: { axes, keepdims, correction }, shape };
    },
  };
}

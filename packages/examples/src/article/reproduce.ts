/**
 * The article reproduced: every printed figure beside chainrule's autodiff value, the hand-written
 * backprop's value and, for derivatives, central finite differences; the chain-rule derivations
 * from `explain`; training for 10,000 steps; and the analysis of each slip.
 * @module
 */
import { explain, type Explanation, type Tensor } from '@chainrule/core';
import { SGD } from '@chainrule/nn';
import { backpropByHand, trainByHand } from './by-hand.js';
import { PRINTED, matchesPrinted, type PrintedFigure } from './figures.js';
import { buildArticleNet, finiteDifference, forwardArticle, partial, type ArticleForward, type Variable } from './network.js';
import { analyseSlips, pythonCodeLastLine, type Slip } from './slips.js';

/** One row of the demo's table. */
export interface Row extends PrintedFigure {
  /** chainrule's value: a forward value, an autodiff derivative, or a weight after SGD steps. */
  readonly chainrule: number;
  /** The hand-written backprop's value (plain numbers, by-hand.ts). */
  readonly byHand: number;
  /** Central finite difference, for derivatives; null otherwise. */
  readonly finiteDiff: number | null;
  /** Whether chainrule's value, at the article's printed precision, is the printed text. */
  readonly match: boolean;
  /** The chain-rule derivation from `explain`, where the article derives the figure. */
  readonly derivation: string | null;
}

/** Everything the demo prints. */
export interface Reproduction {
  readonly rows: readonly Row[];
  /** The derivations, in the article's order, as `explain` prints them. */
  readonly derivations: readonly { key: string; text: string; total: number; autodiff: number }[];
  /** E_total after each recorded SGD step, chainrule and by hand. */
  readonly training: readonly { step: number; chainrule: number; byHand: number }[];
  /** chainrule's outputs after 10,000 steps. */
  readonly finalOutputs: readonly [number, number];
  /** The slips, each explained. */
  readonly slips: readonly Slip[];
  /** The last line the listed Python code prints, run as written (target [0.01, 0.09]). */
  readonly pythonLastLine: string;
}

/** Steps after which E_total is recorded in `training`. */
export const TRAINING_STEPS = [1, 10, 100, 1000, 5000, 10000] as const;

/** Runs everything: forward, explain, one SGD step, 10,000 steps, slips. */
export function reproduceArticle(): Reproduction {
  const m = buildArticleNet();
  const f = forwardArticle(m);
  const W1 = m.hidden.weight, W2 = m.output.weight;
  const hand = backpropByHand();

  // Derivations (before any backward, so the graph is intact).
  const ex = (key: string, out: Tensor, target: Tensor, index: number) => ({ key, e: explain(out, target, index) });
  const explained: { key: string; e: Explanation }[] = [
    ex('dE_total/dout_o1', f.E_total, f.outO, 0),
    ex('dE_total/dw5', f.E_total, W2, 0),
    ex('dE_o1/dnet_o1', f.E_o1, f.netO, 0),
    ex('dE_o1/dout_h1', f.E_o1, f.outH, 0),
    ex('dE_o2/dout_h1', f.E_o2, f.outH, 0),
    ex('dE_total/dout_h1', f.E_total, f.outH, 0),
    ex('dE_total/dw1', f.E_total, W1, 0),
  ];
  const byKey = new Map(explained.map(({ key, e }) => [key, e]));

  type Spec = { value: number; fd?: { read: (g: ArticleForward) => Tensor; at: number; v: Variable } };
  const val = (t: Tensor, i: number) => t.buffer[i];
  const specs = new Map<string, Spec>([
    ['net_h1', { value: val(f.netH, 0) }],
    ['out_h1', { value: val(f.outH, 0) }],
    ['out_h2', { value: val(f.outH, 1) }],
    ['net_o1', { value: val(f.netO, 0) }],
    ['out_o1', { value: val(f.outO, 0) }],
    ['out_o2', { value: val(f.outO, 1) }],
    ['output[0]', { value: val(f.outO, 0) }],
    ['output[1]', { value: val(f.outO, 1) }],
    ['E_o1', { value: f.E_o1.item() }],
    ['E_o2', { value: f.E_o2.item() }],
    ['E_total', { value: f.E_total.item() }],
    ['dE_total/dout_o1', { value: byKey.get('dE_total/dout_o1')!.autodiff, fd: { read: (g) => g.E_total, at: 0, v: { site: 'outO', index: 0 } } }],
    ['dout_o1/dnet_o1', { value: partial(f.outO, 0, f.netO, 0), fd: { read: (g) => g.outO, at: 0, v: { site: 'netO', index: 0 } } }],
    ['dnet_o1/dw5', { value: partial(f.netO, 0, W2, 0), fd: { read: (g) => g.netO, at: 0, v: { layer: 'output', index: 0 } } }],
    ['dE_total/dw5', { value: byKey.get('dE_total/dw5')!.autodiff, fd: { read: (g) => g.E_total, at: 0, v: { layer: 'output', index: 0 } } }],
    ['dE_o1/dnet_o1', { value: byKey.get('dE_o1/dnet_o1')!.autodiff, fd: { read: (g) => g.E_o1, at: 0, v: { site: 'netO', index: 0 } } }],
    ['dnet_o1/dout_h1', { value: partial(f.netO, 0, f.outH, 0), fd: { read: (g) => g.netO, at: 0, v: { site: 'outH', index: 0 } } }],
    ['dE_o1/dout_h1', { value: byKey.get('dE_o1/dout_h1')!.autodiff, fd: { read: (g) => g.E_o1, at: 0, v: { site: 'outH', index: 0 } } }],
    ['dE_o2/dout_h1', { value: byKey.get('dE_o2/dout_h1')!.autodiff, fd: { read: (g) => g.E_o2, at: 0, v: { site: 'outH', index: 0 } } }],
    ['dE_total/dout_h1', { value: byKey.get('dE_total/dout_h1')!.autodiff, fd: { read: (g) => g.E_total, at: 0, v: { site: 'outH', index: 0 } } }],
    ['dout_h1/dnet_h1', { value: partial(f.outH, 0, f.netH, 0), fd: { read: (g) => g.outH, at: 0, v: { site: 'netH', index: 0 } } }],
    ['dnet_h1/dw1', { value: partial(f.netH, 0, W1, 0), fd: { read: (g) => g.netH, at: 0, v: { layer: 'hidden', index: 0 } } }],
    ['dE_total/dw1', { value: byKey.get('dE_total/dw1')!.autodiff, fd: { read: (g) => g.E_total, at: 0, v: { layer: 'hidden', index: 0 } } }],
  ]);
  const fds = new Map<string, number>();
  for (const [key, s] of specs) if (s.fd) fds.set(key, finiteDifference(m, s.fd.read, s.fd.at, s.fd.v));

  // One SGD step: w+ (biases frozen, so only w1..w8 move).
  const opt = new SGD(m.net.parameters(), { lr: 0.5 });
  const training: { step: number; chainrule: number; byHand: number }[] = [];
  const handTrace = trainByHand(10000, {}, [...TRAINING_STEPS]);
  const step = (g: ArticleForward) => {
    opt.zeroGrad();
    g.E_total.backward();
    opt.step();
  };
  step(f);
  for (let k = 0; k < 4; k++) {
    specs.set(`w${k + 1}+`, { value: W1.buffer[k] });
    specs.set(`w${k + 5}+`, { value: W2.buffer[k] });
  }
  let after = forwardArticle(m);
  training.push({ step: 1, chainrule: after.E_total.item(), byHand: handTrace.at.get(1)!.E_total });
  specs.set('E_after_1', { value: after.E_total.item() });
  for (let k = 2; k <= 10000; k++) {
    step(after);
    after = forwardArticle(m);
    if ((TRAINING_STEPS as readonly number[]).includes(k)) training.push({ step: k, chainrule: after.E_total.item(), byHand: handTrace.at.get(k)!.E_total });
  }
  specs.set('E_after_10000', { value: after.E_total.item() });
  specs.set('out_o1_after_10000', { value: after.outO.buffer[0] });
  specs.set('out_o2_after_10000', { value: after.outO.buffer[1] });
  const final = handTrace.at.get(10000)!;
  const handTraining: Record<string, number> = {
    E_after_1: handTrace.at.get(1)!.E_total,
    E_after_10000: final.E_total,
    out_o1_after_10000: final.out_o1,
    out_o2_after_10000: final.out_o2,
  };

  const rows: Row[] = PRINTED.map((fig) => {
    const s = specs.get(fig.key);
    if (s === undefined) throw new Error(`reproduce: no value computed for ${fig.key}`);
    const e = byKey.get(fig.key);
    return {
      ...fig,
      chainrule: s.value,
      byHand: hand[fig.key] ?? handTraining[fig.key],
      finiteDiff: fds.get(fig.key) ?? null,
      match: matchesPrinted(s.value, fig.printed),
      derivation: e === undefined ? null : e.toString(),
    };
  });
  return {
    rows,
    derivations: explained.map(({ key, e }) => ({ key, text: e.toString() + grouped(e), total: e.total, autodiff: e.autodiff })),
    training,
    finalOutputs: [after.outO.buffer[0], after.outO.buffer[1]],
    slips: analyseSlips(),
    pythonLastLine: pythonCodeLastLine(),
  };
}

/**
 * The article's grouping of several paths: the factors all paths end with, times the sum of what
 * comes before them (dE_total/dw1 = dE_total/dout_h1 × dout_h1/dnet_h1 × dnet_h1/dw1). Empty for one path.
 */
export function grouped(e: Explanation): string {
  if (e.paths.length < 2 || e.capped) return '';
  const first = e.paths[0].factors;
  let n = 0; // length of the common suffix
  while (n < first.length - 1 && e.paths.every((p) => {
    const f = p.factors[p.factors.length - 1 - n], g = first[first.length - 1 - n];
    return f.of === g.of && f.wrt === g.wrt;
  })) n++;
  if (n === 0) return '';
  const suffix = first.slice(first.length - n);
  const head = suffix[0].of;
  const prefixSum = e.paths.reduce((s, p) => s + p.factors.slice(0, p.factors.length - n).reduce((q, f) => q * f.value, 1), 0);
  const f9 = (v: number) => Number(v.toFixed(9)).toString();
  const names = [`d${e.output}/d${head}`, ...suffix.map((f) => `d${f.of}/d${f.wrt}`)].join(' × ');
  const values = [prefixSum, ...suffix.map((f) => f.value)].map(f9).join(' × ');
  return `\n  grouped as the article does: d${e.output}/d${e.target} = ${names} = ${values} = ${f9(e.total)}`;
}

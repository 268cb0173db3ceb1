/**
 * The article's slips: for every printed figure that does not follow from the rules the article
 * states, the hypotheses tested numerically, the computation that reproduces the figure to every
 * printed digit, and why it differs from correct gradient descent. Nothing here is tuned: each
 * hypothesis is a rule written down in advance and either reproduces the printed digits or not.
 * @module
 */
import { ARTICLE, backpropByHand, forwardByHand, trainByHand, type TrainingRule } from './by-hand.js';
import { matchesPrinted } from './figures.js';

/** One tested explanation of a printed figure. */
export interface Hypothesis {
  /** What was computed. */
  readonly rule: string;
  /** Its value. */
  readonly value: number;
  /** Whether it gives the article's printed digits. */
  readonly reproduces: boolean;
}

/** The analysis of one figure that does not follow from the article's stated rules. */
export interface Slip {
  /** Key of the figure (see figures.ts). */
  readonly key: string;
  /** What the article prints. */
  readonly printed: string;
  /** The correct value (float64, by the article's stated rules). */
  readonly correct: number;
  /** Every hypothesis tested, reproducing or not. */
  readonly hypotheses: readonly Hypothesis[];
  /** The cause, in one sentence. */
  readonly cause: string;
  /** The computation that reproduces the printed figure, written out. */
  readonly computation: string;
  /** Why it differs from correct gradient descent (or why it does not matter to it). */
  readonly why: string;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Exact decimal product of two decimal strings, rounded half away from zero to `decimals` (as a hand calculation rounds). */
export function multiplyDecimal(a: string, b: string, decimals: number): string {
  const parse = (s: string): [bigint, number] => {
    const neg = s.startsWith('-');
    const [int, frac = ''] = s.replace('-', '').split('.');
    const v = BigInt(int + frac);
    return [neg ? -v : v, frac.length];
  };
  const [x, dx] = parse(a);
  const [y, dy] = parse(b);
  let p = x * y; // scaled by 10^(dx + dy)
  const scale = dx + dy;
  if (scale > decimals) {
    const div = 10n ** BigInt(scale - decimals);
    const neg = p < 0n;
    const abs = neg ? -p : p;
    let q = abs / div;
    if ((abs % div) * 2n >= div) q += 1n; // half away from zero
    p = neg ? -q : q;
  } else p *= 10n ** BigInt(decimals - scale);
  const neg = p < 0n;
  const digits = (neg ? -p : p).toString().padStart(decimals + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
}

/** The forward pass with every operation rounded to float32 (Math.fround). */
function forwardFloat32(): { out_o1: number } {
  const f = Math.fround;
  const s = (x: number) => f(1 / f(1 + f(Math.exp(f(-x)))));
  const [w1, w2, w3, w4, w5, w6] = ARTICLE.w.map(f);
  const h1 = s(f(f(f(w1 * f(ARTICLE.i1)) + f(w2 * f(ARTICLE.i2))) + f(ARTICLE.b1)));
  const h2 = s(f(f(f(w3 * f(ARTICLE.i1)) + f(w4 * f(ARTICLE.i2))) + f(ARTICLE.b1)));
  return { out_o1: s(f(f(f(w5 * h1) + f(w6 * h2)) + f(ARTICLE.b2))) };
}

const fmt = (v: number) => v.toFixed(12);

/** The "output" [0.75136079, ...] printed right after the forward pass. */
function outputSlip(): Slip {
  const printed = '0.75136079';
  const hand = forwardByHand(ARTICLE.w);
  const one = trainByHand(1).at.get(1)!;
  const oneUpdated = trainByHand(1, { outputWeightsInHiddenError: 'updated' }).at.get(1)!;
  const w = ARTICLE.w;
  const out = (ws: readonly number[]) => forwardByHand(ws).out_o1;
  const back = backpropByHand();
  const wOutOnly = [...w.slice(0, 4), back['w5+'], back['w6+'], back['w7+'], back['w8+']];
  const wHidOnly = [back['w1+'], back['w2+'], back['w3+'], back['w4+'], ...w.slice(4)];
  const rounded4 = sigmoid(0.4 * 0.5933 + 0.45 * 0.5969 + 0.6);
  const candidates: [string, number][] = [
    ['out_o1 = sigmoid(net_o1), float64 (the value printed two lines earlier)', hand.out_o1],
    ['the same forward pass in float32', forwardFloat32().out_o1],
    ['net_o1 from out_h1, out_h2 rounded to 4 decimals', rounded4],
    ['out_o1 after one gradient-descent step', one.out_o1],
    ['out_o1 after one step with updated w5..w8 in the hidden error', oneUpdated.out_o1],
    ['out_o1 with only w5..w8 updated', out(wOutOnly)],
    ['out_o1 with only w1..w4 updated', out(wHidOnly)],
  ];
  return {
    key: 'output[0]',
    printed,
    correct: hand.out_o1,
    hypotheses: candidates.map(([rule, value]) => ({ rule, value, reproduces: matchesPrinted(value, printed) })),
    cause: 'a transcription slip: no computation tested gives it; it is out_o1 = 0.75136507 (printed two lines earlier, and used for E_o1) with its last three digits garbled (…507 → …079)',
    computation: `out_o1 = 1/(1 + e^-1.105905967) = ${hand.out_o1.toFixed(11)} → 0.75136507, not 0.75136079`,
    why: 'it is a typo in the text only: every later figure (E_o1, dE_total/dout_o1, ...) uses 0.75136507, so no calculation is affected',
  };
}

/** dE_o2/dout_h1 = -0.019049119, one unit off in the last digit. */
function roundingSlip(): Slip {
  const printed = '-0.019049119';
  const b = backpropByHand();
  const deltaO2 = b['dE_total/dw7'] / b['out_h1']; // δ_o2 = dE_o2/dnet_o2
  const deltaO2Text = deltaO2.toFixed(9);
  const deltaO1Text = b['dE_o1/dnet_o1'].toFixed(9);
  const viaRounded = multiplyDecimal(deltaO2Text, '0.5', 9);
  const viaRoundedO1 = multiplyDecimal(deltaO1Text, '0.40', 9);
  const fromTotal = Number(multiplyDecimal('0.036350306', '1', 9)) - 0.055399425;
  return {
    key: 'dE_o2/dout_h1',
    printed,
    correct: b['dE_o2/dout_h1'],
    hypotheses: [
      { rule: 'δ_o2 · w7 in float64', value: b['dE_o2/dout_h1'], reproduces: matchesPrinted(b['dE_o2/dout_h1'], printed) },
      { rule: `δ_o2 rounded to 9 decimals (${deltaO2Text}) × 0.5, rounded half away from zero (the article's own procedure for o1)`, value: Number(viaRounded), reproduces: viaRounded === printed },
      { rule: 'printed dE_total/dout_h1 − printed dE_o1/dout_h1 (0.036350306 − 0.055399425)', value: fromTotal, reproduces: matchesPrinted(fromTotal, printed) },
    ],
    cause: 'double rounding: the article rounds δ to 9 decimals before multiplying by the weight, as it shows for o1; for o2 the product lands exactly on a half and rounds away',
    computation:
      `δ_o2 = dE_o2/dnet_o2 = ${deltaO2.toFixed(13)} → ${deltaO2Text}; ${deltaO2Text} × 0.5 = ${multiplyDecimal(deltaO2Text, '0.5', 10)} → ${viaRounded}` +
      ` (the same steps for o1: ${deltaO1Text} × 0.40 = ${multiplyDecimal(deltaO1Text, '0.40', 10)} → ${viaRoundedO1}, as printed)`,
    why: `the exact value is ${b['dE_o2/dout_h1'].toFixed(13)}, which rounds to -0.019049118; the article's sum 0.036350306 and everything after it use the exact value, so the slip stays in this one printed digit`,
  };
}

/** The training figures: E after 1 and 10,000 steps, and the outputs after 10,000. */
function trainingSlips(): Slip[] {
  const steps = 10000;
  const rules: [string, TrainingRule, number][] = [
    ['correct gradient descent (the article\'s rules)', {}, steps],
    ['w5..w8 updated first, the updated values used to backpropagate to the hidden layer', { outputWeightsInHiddenError: 'updated' }, steps],
    ['biases b1, b2 trained too', { trainBiases: true }, steps],
    ['biases trained and updated w5..w8 used', { trainBiases: true, outputWeightsInHiddenError: 'updated' }, steps],
    ['the listed Python code\'s target [0.01, 0.09]', { target: [0.01, 0.09] }, steps],
    ['correct rules, one step fewer (9,999)', {}, steps - 1],
    ['correct rules, one step more (10,001)', {}, steps + 1],
  ];
  const traces = rules.map(([name, rule, n]) => ({ name, trace: trainByHand(n, rule, [1, n]), n }));
  const correct = traces[0];
  const fig = (key: string, printed: string, read: (t: { E_total: number; out_o1: number; out_o2: number }) => number, first: boolean): Slip => {
    const hypotheses = traces
      .filter((t) => !first || t.n === steps) // the step-count variants only concern the 10,000-step figures
      .map((t) => {
        const v = read(t.trace.at.get(first ? 1 : t.n)!);
        return { rule: t.name, value: v, reproduces: matchesPrinted(v, printed) };
      });
    const updated = read(traces[1].trace.at.get(first ? 1 : steps)!);
    return {
      key,
      printed,
      correct: read(correct.trace.at.get(first ? 1 : steps)!),
      hypotheses,
      cause:
        'the figure comes from an implementation that updates the output weights w5..w8 first and then backpropagates the output error to the hidden layer through the UPDATED w5..w8 ' +
        '(neither the walkthrough, whose w1+ = 0.149780716 uses the old weights, nor the listed Python code, which uses the old weights and the target [0.01, 0.09])',
      computation: `${first ? 'after 1 step' : `after ${steps.toLocaleString('en-US')} steps`}, δ_h1 = (δ_o1·w5⁺ + δ_o2·w7⁺)·out_h1(1 − out_h1), δ_h2 likewise with w6⁺, w8⁺: ${fmt(updated)} → ${printed}`,
      why: 'gradient descent needs the gradient at the current point: all of dE/dw1..dw8 must be taken with the weights of the forward pass; mixing in w5⁺..w8⁺ makes the hidden step a slightly different (not a gradient) step',
    };
  };
  return [
    fig('E_after_1', '0.291027924', (t) => t.E_total, true),
    fig('E_after_10000', '0.000035085', (t) => t.E_total, false),
    fig('out_o1_after_10000', '0.015912196', (t) => t.out_o1, false),
    fig('out_o2_after_10000', '0.984065734', (t) => t.out_o2, false),
  ];
}

/** Every slip found in the article, keyed by figure. */
export function analyseSlips(): Slip[] {
  return [outputSlip(), roundingSlip(), ...trainingSlips()];
}

/** What the listed Python code prints on its last line (i = 9999: E after 10,000 steps toward [0.01, 0.09]), to 9 decimals. */
export function pythonCodeLastLine(): string {
  const e = Number(trainByHand(10000, { target: [0.01, 0.09] }).at.get(10000)!.E_total.toFixed(9));
  // Python's repr switches to exponent notation below 1e-4, with a two-digit exponent
  const repr = Math.abs(e) < 1e-4 && e !== 0 ? e.toExponential().replace(/e([+-])(\d)$/, 'e$10$2') : String(e);
  return `9999 ${repr}`;
}

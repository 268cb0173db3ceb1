/**
 * The article's derivatives written out by hand, in plain numbers, for any inputs, targets, weights
 * and biases: the page's independent second opinion beside chainrule's `explain` and autodiff. No
 * tensors and no autodiff here; each formula is the one the article derives, and its text shows the
 * numbers that go into it.
 * @module
 */
import { fmt } from './format.js';

/**
 * The article's network: inputs, targets, w1..w8 and the two shared biases.
 * @example
 * `{ i1: 0.05, i2: 0.1, target1: 0.01, target2: 0.99, w: [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], b1: 0.35, b2: 0.6 }`
 */
export interface NetworkValues {
  readonly i1: number;
  readonly i2: number;
  readonly target1: number;
  readonly target2: number;
  /** w1..w8: w1, w2 into h1; w3, w4 into h2; w5, w6 into o1; w7, w8 into o2. */
  readonly w: readonly number[];
  readonly b1: number;
  readonly b2: number;
}

/**
 * Every quantity a click can ask about: a weight, a bias, or an intermediate value.
 * @example
 * `net.derive('out_h1')`
 */
export type Quantity =
  | 'w1' | 'w2' | 'w3' | 'w4' | 'w5' | 'w6' | 'w7' | 'w8' | 'b1' | 'b2'
  | 'net_h1' | 'net_h2' | 'out_h1' | 'out_h2' | 'net_o1' | 'net_o2' | 'out_o1' | 'out_o2';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * The forward pass by hand.
 * @example
 * `forwardByHand(ARTICLE_SETTINGS).E_total; // 0.298371109...`
 */
export function forwardByHand(v: NetworkValues) {
  const [w1, w2, w3, w4, w5, w6, w7, w8] = v.w;
  const net_h1 = w1 * v.i1 + w2 * v.i2 + v.b1;
  const net_h2 = w3 * v.i1 + w4 * v.i2 + v.b1;
  const out_h1 = sigmoid(net_h1);
  const out_h2 = sigmoid(net_h2);
  const net_o1 = w5 * out_h1 + w6 * out_h2 + v.b2;
  const net_o2 = w7 * out_h1 + w8 * out_h2 + v.b2;
  const out_o1 = sigmoid(net_o1);
  const out_o2 = sigmoid(net_o2);
  const E_o1 = 0.5 * (v.target1 - out_o1) ** 2;
  const E_o2 = 0.5 * (v.target2 - out_o2) ** 2;
  return { net_h1, net_h2, out_h1, out_h2, net_o1, net_o2, out_o1, out_o2, E_o1, E_o2, E_total: E_o1 + E_o2 };
}

/**
 * A hand-derived dE_total/d(quantity): its value and the formula with its numbers.
 * @example
 * `{ value: 0.0821670405..., formula: 'δ_o1 · out_h1 = 0.138498562 × 0.593269992 = 0.082167041' }`
 */
export interface HandDerivative {
  readonly value: number;
  readonly formula: string;
}

/**
 * dE_total/d(q) for every quantity, each as the article derives it.
 * @example
 * `derivativesByHand(ARTICLE_SETTINGS).w5.value; // 0.082167041...`
 */
export function derivativesByHand(v: NetworkValues): Record<Quantity, HandDerivative> {
  const f = forwardByHand(v);
  const [, , , , w5, w6, w7, w8] = v.w;
  // output layer: δ_o = dE_total/dnet_o = −(target − out) · out(1 − out)
  const dOut_o1 = -(v.target1 - f.out_o1);
  const dOut_o2 = -(v.target2 - f.out_o2);
  const s_o1 = f.out_o1 * (1 - f.out_o1);
  const s_o2 = f.out_o2 * (1 - f.out_o2);
  const d_o1 = dOut_o1 * s_o1;
  const d_o2 = dOut_o2 * s_o2;
  // hidden layer: out_h1 feeds both outputs, through w5 (o1) and w7 (o2); out_h2 through w6 and w8
  const dOut_h1 = d_o1 * w5 + d_o2 * w7;
  const dOut_h2 = d_o1 * w6 + d_o2 * w8;
  const s_h1 = f.out_h1 * (1 - f.out_h1);
  const s_h2 = f.out_h2 * (1 - f.out_h2);
  const d_h1 = dOut_h1 * s_h1;
  const d_h2 = dOut_h2 * s_h2;
  const n = fmt;
  const δo1 = `δ_o1 = −(target_o1 − out_o1)·out_o1(1 − out_o1) = ${n(dOut_o1)} × ${n(s_o1)} = ${n(d_o1)}`;
  const δo2 = `δ_o2 = −(target_o2 − out_o2)·out_o2(1 − out_o2) = ${n(dOut_o2)} × ${n(s_o2)} = ${n(d_o2)}`;
  const δh1 = `δ_h1 = (δ_o1·w5 + δ_o2·w7)·out_h1(1 − out_h1) = (${n(d_o1)} × ${n(w5)} + ${n(d_o2)} × ${n(w7)}) × ${n(s_h1)} = ${n(d_h1)}`;
  const δh2 = `δ_h2 = (δ_o1·w6 + δ_o2·w8)·out_h2(1 − out_h2) = (${n(d_o1)} × ${n(w6)} + ${n(d_o2)} × ${n(w8)}) × ${n(s_h2)} = ${n(d_h2)}`;
  const weight = (δ: string, δv: number, x: string, xv: number, value: number, lines: string[]): HandDerivative => ({
    value,
    formula: [...lines, `${δ} · ${x} = ${n(δv)} × ${n(xv)} = ${n(value)}`].join('\n'),
  });
  return {
    out_o1: { value: dOut_o1, formula: `−(target_o1 − out_o1) = −(${n(v.target1)} − ${n(f.out_o1)}) = ${n(dOut_o1)}` },
    out_o2: { value: dOut_o2, formula: `−(target_o2 − out_o2) = −(${n(v.target2)} − ${n(f.out_o2)}) = ${n(dOut_o2)}` },
    net_o1: { value: d_o1, formula: δo1 },
    net_o2: { value: d_o2, formula: δo2 },
    out_h1: { value: dOut_h1, formula: `${δo1}\n${δo2}\nδ_o1·w5 + δ_o2·w7 = ${n(d_o1)} × ${n(w5)} + ${n(d_o2)} × ${n(w7)} = ${n(dOut_h1)}` },
    out_h2: { value: dOut_h2, formula: `${δo1}\n${δo2}\nδ_o1·w6 + δ_o2·w8 = ${n(d_o1)} × ${n(w6)} + ${n(d_o2)} × ${n(w8)} = ${n(dOut_h2)}` },
    net_h1: { value: d_h1, formula: `${δo1}\n${δo2}\n${δh1}` },
    net_h2: { value: d_h2, formula: `${δo1}\n${δo2}\n${δh2}` },
    w1: weight('δ_h1', d_h1, 'i1', v.i1, d_h1 * v.i1, [δo1, δo2, δh1]),
    w2: weight('δ_h1', d_h1, 'i2', v.i2, d_h1 * v.i2, [δo1, δo2, δh1]),
    w3: weight('δ_h2', d_h2, 'i1', v.i1, d_h2 * v.i1, [δo1, δo2, δh2]),
    w4: weight('δ_h2', d_h2, 'i2', v.i2, d_h2 * v.i2, [δo1, δo2, δh2]),
    w5: weight('δ_o1', d_o1, 'out_h1', f.out_h1, d_o1 * f.out_h1, [δo1]),
    w6: weight('δ_o1', d_o1, 'out_h2', f.out_h2, d_o1 * f.out_h2, [δo1]),
    w7: weight('δ_o2', d_o2, 'out_h1', f.out_h1, d_o2 * f.out_h1, [δo2]),
    w8: weight('δ_o2', d_o2, 'out_h2', f.out_h2, d_o2 * f.out_h2, [δo2]),
    // one bias per layer, shared by its units: it collects the δ of every unit it feeds
    b1: { value: d_h1 + d_h2, formula: `${δo1}\n${δo2}\n${δh1}\n${δh2}\nδ_h1 + δ_h2 = ${n(d_h1)} + ${n(d_h2)} = ${n(d_h1 + d_h2)}` },
    b2: { value: d_o1 + d_o2, formula: `${δo1}\n${δo2}\nδ_o1 + δ_o2 = ${n(d_o1)} + ${n(d_o2)} = ${n(d_o1 + d_o2)}` },
  };
}

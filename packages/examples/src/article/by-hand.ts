/**
 * The article's backpropagation written by hand in plain JavaScript numbers, one named variable per
 * quantity, each derivative coded the way the article derives it (no tensors, no autodiff). This is
 * the demo's independent second opinion on chainrule, and, with a `rule` switch, the tool used to
 * test hypotheses about the article's slips.
 * @module
 */

/** The article's network: inputs, targets, weights w1..w8, the two shared biases, η. */
export const ARTICLE = {
  i1: 0.05, i2: 0.1,
  target: [0.01, 0.99] as readonly [number, number],
  w: [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55] as readonly number[],
  b1: 0.35, b2: 0.6,
  lr: 0.5,
} as const;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Every forward value of the network for weights `w` (w1..w8) and biases. */
export function forwardByHand(w: readonly number[], b1: number = ARTICLE.b1, b2: number = ARTICLE.b2, target: readonly number[] = ARTICLE.target) {
  const { i1, i2 } = ARTICLE;
  const [w1, w2, w3, w4, w5, w6, w7, w8] = w;
  const net_h1 = w1 * i1 + w2 * i2 + b1 * 1;
  const net_h2 = w3 * i1 + w4 * i2 + b1 * 1;
  const out_h1 = sigmoid(net_h1);
  const out_h2 = sigmoid(net_h2);
  const net_o1 = w5 * out_h1 + w6 * out_h2 + b2 * 1;
  const net_o2 = w7 * out_h1 + w8 * out_h2 + b2 * 1;
  const out_o1 = sigmoid(net_o1);
  const out_o2 = sigmoid(net_o2);
  const E_o1 = 0.5 * (target[0] - out_o1) ** 2;
  const E_o2 = 0.5 * (target[1] - out_o2) ** 2;
  return { net_h1, net_h2, out_h1, out_h2, net_o1, net_o2, out_o1, out_o2, E_o1, E_o2, E_total: E_o1 + E_o2 };
}

/**
 * One forward and backward pass by the chain rule, in the article's terms, and the updated weights.
 * Keys match the demo's rows: `'dE_total/dw5'`, `'w5+'`, ...
 */
export function backpropByHand(w: readonly number[] = ARTICLE.w): Record<string, number> {
  const { i1, i2, target, lr } = ARTICLE;
  const f = forwardByHand(w);
  const [, , , , w5, w6, w7, w8] = w;
  // output layer: dE_total/dout_o = -(target - out); dout/dnet = out(1 - out); dnet_o/dw = out_h
  const dE_dout_o1 = -(target[0] - f.out_o1);
  const dE_dout_o2 = -(target[1] - f.out_o2);
  const dout_o1_dnet_o1 = f.out_o1 * (1 - f.out_o1);
  const dout_o2_dnet_o2 = f.out_o2 * (1 - f.out_o2);
  const delta_o1 = dE_dout_o1 * dout_o1_dnet_o1; // dE_o1/dnet_o1
  const delta_o2 = dE_dout_o2 * dout_o2_dnet_o2; // dE_o2/dnet_o2
  const dE_dw = [0, 0, 0, 0, delta_o1 * f.out_h1, delta_o1 * f.out_h2, delta_o2 * f.out_h1, delta_o2 * f.out_h2];
  // hidden layer: out_h1 receives error from both outputs, through w5 and w7 (w6 and w8 for h2)
  const dE_o1_dout_h1 = delta_o1 * w5;
  const dE_o2_dout_h1 = delta_o2 * w7;
  const dE_dout_h1 = dE_o1_dout_h1 + dE_o2_dout_h1;
  const dE_dout_h2 = delta_o1 * w6 + delta_o2 * w8;
  const dout_h1_dnet_h1 = f.out_h1 * (1 - f.out_h1);
  const dout_h2_dnet_h2 = f.out_h2 * (1 - f.out_h2);
  const delta_h1 = dE_dout_h1 * dout_h1_dnet_h1;
  const delta_h2 = dE_dout_h2 * dout_h2_dnet_h2;
  dE_dw[0] = delta_h1 * i1;
  dE_dw[1] = delta_h1 * i2;
  dE_dw[2] = delta_h2 * i1;
  dE_dw[3] = delta_h2 * i2;
  const r: Record<string, number> = {
    net_h1: f.net_h1, out_h1: f.out_h1, out_h2: f.out_h2, net_o1: f.net_o1, out_o1: f.out_o1, out_o2: f.out_o2,
    'output[0]': f.out_o1, 'output[1]': f.out_o2, E_o1: f.E_o1, E_o2: f.E_o2, E_total: f.E_total,
    'dE_total/dout_o1': dE_dout_o1, 'dout_o1/dnet_o1': dout_o1_dnet_o1, 'dnet_o1/dw5': f.out_h1,
    'dE_o1/dnet_o1': delta_o1, 'dnet_o1/dout_h1': w5, 'dE_o1/dout_h1': dE_o1_dout_h1, 'dE_o2/dout_h1': dE_o2_dout_h1,
    'dE_total/dout_h1': dE_dout_h1, 'dout_h1/dnet_h1': dout_h1_dnet_h1, 'dnet_h1/dw1': i1,
  };
  dE_dw.forEach((g, k) => {
    r[`dE_total/dw${k + 1}`] = g;
    r[`w${k + 1}+`] = w[k] - lr * g;
  });
  return r;
}

/** How one training step is computed: the article's stated rules, or a variant under test. */
export interface TrainingRule {
  /** Targets (default the article's [0.01, 0.99]; the listed Python code uses [0.01, 0.09]). */
  target?: readonly [number, number];
  /**
   * `'old'` (correct gradient descent): the hidden layer's error is backpropagated through w5..w8
   * as they were in the forward pass. `'updated'`: w5..w8 are updated first and the updated values
   * are used to backpropagate (a common implementation slip).
   */
  outputWeightsInHiddenError?: 'old' | 'updated';
  /** Also train b1 and b2 (shared: each gets the sum of its units' δ). The article never does. */
  trainBiases?: boolean;
}

/** What {@link trainByHand} records: E_total and the outputs after each requested step. */
export interface HandTrace {
  /** step → values after that many updates (step 0 = before training). */
  readonly at: ReadonlyMap<number, { E_total: number; out_o1: number; out_o2: number; w: readonly number[] }>;
}

/** Trains the article's network by hand for `steps` steps under `rule`, recording the given steps. */
export function trainByHand(steps: number, rule: TrainingRule = {}, record: readonly number[] = [steps]): HandTrace {
  const { i1, i2, lr } = ARTICLE;
  const target = rule.target ?? ARTICLE.target;
  const useUpdated = (rule.outputWeightsInHiddenError ?? 'old') === 'updated';
  const w = ARTICLE.w.slice();
  let b1: number = ARTICLE.b1, b2: number = ARTICLE.b2;
  const at = new Map<number, { E_total: number; out_o1: number; out_o2: number; w: readonly number[] }>();
  const note = (k: number) => {
    if (!record.includes(k)) return;
    const f = forwardByHand(w, b1, b2, target);
    at.set(k, { E_total: f.E_total, out_o1: f.out_o1, out_o2: f.out_o2, w: w.slice() });
  };
  note(0);
  for (let k = 1; k <= steps; k++) {
    const f = forwardByHand(w, b1, b2, target);
    const delta_o1 = -(target[0] - f.out_o1) * f.out_o1 * (1 - f.out_o1);
    const delta_o2 = -(target[1] - f.out_o2) * f.out_o2 * (1 - f.out_o2);
    const oldW = w.slice();
    w[4] -= lr * delta_o1 * f.out_h1;
    w[5] -= lr * delta_o1 * f.out_h2;
    w[6] -= lr * delta_o2 * f.out_h1;
    w[7] -= lr * delta_o2 * f.out_h2;
    const v = useUpdated ? w : oldW;
    const delta_h1 = (delta_o1 * v[4] + delta_o2 * v[6]) * f.out_h1 * (1 - f.out_h1);
    const delta_h2 = (delta_o1 * v[5] + delta_o2 * v[7]) * f.out_h2 * (1 - f.out_h2);
    w[0] -= lr * delta_h1 * i1;
    w[1] -= lr * delta_h1 * i2;
    w[2] -= lr * delta_h2 * i1;
    w[3] -= lr * delta_h2 * i2;
    if (rule.trainBiases) {
      b1 -= lr * (delta_h1 + delta_h2);
      b2 -= lr * (delta_o1 + delta_o2);
    }
    note(k);
  }
  return { at };
}

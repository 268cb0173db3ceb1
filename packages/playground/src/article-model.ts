/**
 * The article's 2-2-2 network, as the playground trains it: @chainrule/nn layers (one shared bias
 * per layer), every intermediate named as the article names it so that `explain` prints the
 * article's derivations, and two ways to take a step:
 *
 * - `'gradient-descent'`: all of dE/dw1..dw8 at the weights of the forward pass, then every
 *   weight moves (what the article's rules say, and what its walkthrough does for w1+);
 * - `'article'`: w5..w8 move first and the hidden layer's error is backpropagated through the
 *   already-updated w5..w8. That is how the article's "E_total after the first iteration"
 *   (0.291027924) and its 10,000-step figures come about; it is not a gradient step.
 *
 * Everything runs in the page with chainrule; nothing here touches the DOM.
 * @module
 */
import { explain, gradients, nameElements, noGrad, tensor, type Explanation, type Tensor } from '@chainrule/core';
import { Dense, MSELoss, SGD, type Parameter } from '@chainrule/nn';
import { derivativesByHand, type HandDerivative, type NetworkValues, type Quantity } from './by-hand.js';

/**
 * What the page lets the reader edit.
 * @example
 * `{ ...ARTICLE_SETTINGS, lr: 0.1, trainBiases: true }`
 */
export interface ArticleSettings extends NetworkValues {
  /** The learning rate η. */
  readonly lr: number;
  /** Also update b1 and b2 (the article never does). */
  readonly trainBiases: boolean;
}

/**
 * The article's values.
 * @example
 * `new ArticleNetwork('article', ARTICLE_SETTINGS)`
 */
export const ARTICLE_SETTINGS: ArticleSettings = {
  i1: 0.05, i2: 0.1, target1: 0.01, target2: 0.99,
  w: [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55],
  b1: 0.35, b2: 0.6, lr: 0.5, trainBiases: false,
};

/**
 * How one iteration updates the weights (see the module comment).
 * @example
 * `new ArticleNetwork('gradient-descent')`
 */
export type UpdateOrder = 'gradient-descent' | 'article';

/**
 * The named tensors of one forward pass.
 * @example
 * `new ArticleNetwork('article').forward().E_total.item(); // 0.298371109...`
 */
export interface ArticleForward {
  readonly netH: Tensor;
  readonly outH: Tensor;
  readonly netO: Tensor;
  readonly outO: Tensor;
  readonly E_total: Tensor;
  readonly E_o1: Tensor;
  readonly E_o2: Tensor;
}

type Site = 'netH' | 'outH' | 'netO' | 'outO';
type Nudge = { site: Site; index: number; by: number };
const SITE: Record<string, { site: Site; index: number }> = {
  net_h1: { site: 'netH', index: 0 }, net_h2: { site: 'netH', index: 1 },
  out_h1: { site: 'outH', index: 0 }, out_h2: { site: 'outH', index: 1 },
  net_o1: { site: 'netO', index: 0 }, net_o2: { site: 'netO', index: 1 },
  out_o1: { site: 'outO', index: 0 }, out_o2: { site: 'outO', index: 1 },
};

/**
 * What a click on a weight or an intermediate value shows.
 * @example
 * `new ArticleNetwork('gradient-descent').derive('w5').explanation.toString()`
 */
export interface Derivation {
  readonly quantity: Quantity;
  /** `explain`'s chain-rule paths, factors and total, and its autodiff value. */
  readonly explanation: Explanation;
  /** The hand-derived value and its formula (by-hand.ts: plain numbers, no autodiff). */
  readonly byHand: HandDerivative;
  /** Central difference (E(q + ε) − E(q − ε)) / 2ε, ε = 1e-6. */
  readonly finiteDifference: number;
}

const EPS = 1e-6;

/**
 * The article's network and its training state.
 * @example
 * ```ts
 * const net = new ArticleNetwork('article');
 * net.step();
 * net.losses[1]; // 0.291027924..., the article's E_total after the first iteration
 * ```
 */
export class ArticleNetwork {
  readonly hidden: Dense;
  readonly output: Dense;
  readonly order: UpdateOrder;
  /** The settings of the last reset: inputs, targets, learning rate (weights: see {@link weights}). */
  settings: ArticleSettings;
  /** Iterations taken since the last reset. */
  iteration = 0;
  /** E_total after each iteration; [0] is before the first. */
  losses: number[] = [];
  private readonly loss = new MSELoss({ reduction: 'halfSum' });
  // the optimizers of the hidden and the output layer, made at each reset (lr and trainBiases are fixed until then)
  private optHidden!: SGD;
  private optOutput!: SGD;

  constructor(order: UpdateOrder, settings: ArticleSettings = ARTICLE_SETTINGS) {
    this.order = order;
    this.settings = settings;
    const [w1, w2, w3, w4, w5, w6, w7, w8] = settings.w;
    // Dense's weight is [out, in]: row h1 holds (w1, w2), the weights into h1
    this.hidden = new Dense(2, 2, { weight: [[w1, w2], [w3, w4]], bias: 'shared', biasValue: settings.b1 });
    this.output = new Dense(2, 2, { weight: [[w5, w6], [w7, w8]], bias: 'shared', biasValue: settings.b2 });
    nameElements(this.hidden.weight, ['w1', 'w2', 'w3', 'w4']);
    nameElements(this.output.weight, ['w5', 'w6', 'w7', 'w8']);
    this.hidden.bias!.named('b1');
    this.output.bias!.named('b2');
    this.reset(settings);
  }

  /** Sets every value from `settings` and starts counting again. */
  reset(settings: ArticleSettings): void {
    this.settings = settings;
    const w = settings.w;
    noGrad(() => {
      this.hidden.weight.update((b) => b.set(w.slice(0, 4)));
      this.output.weight.update((b) => b.set(w.slice(4, 8)));
      this.hidden.bias!.update((b) => b.set([settings.b1]));
      this.output.bias!.update((b) => b.set([settings.b2]));
    });
    this.optHidden = new SGD(this.params(this.hidden), { lr: settings.lr });
    this.optOutput = new SGD(this.params(this.output), { lr: settings.lr });
    this.iteration = 0;
    this.losses = [this.error()];
  }

  /** w1..w8 now. */
  weights(): number[] {
    return [...this.hidden.weight.buffer, ...this.output.weight.buffer];
  }

  /** [b1, b2] now. */
  biases(): [number, number] {
    return [this.hidden.bias!.buffer[0], this.output.bias!.buffer[0]];
  }

  /** The current values as plain numbers (for the hand derivation and a copy). */
  values(): ArticleSettings {
    const [b1, b2] = this.biases();
    return { ...this.settings, w: this.weights(), b1, b2 };
  }

  /**
   * One forward pass with every intermediate named, and each output's own error E_o1, E_o2.
   * `nudge` adds `by` to one element of an intermediate as soon as it is computed (for finite
   * differences through it).
   */
  forward(nudge?: Nudge): ArticleForward {
    const f = this.pass(nudge);
    const E_o1 = this.loss.forward(f.outO.slice(0, 0, 1), [this.settings.target1]).named('E_o1');
    const E_o2 = this.loss.forward(f.outO.slice(0, 1, 2), [this.settings.target2]).named('E_o2');
    return { ...f, E_o1, E_o2 };
  }

  /** The forward pass up to E_total (what a training step needs). */
  private pass(nudge?: Nudge): Omit<ArticleForward, 'E_o1' | 'E_o2'> {
    const s = this.settings;
    const at = (site: Site, t: Tensor): Tensor => {
      if (nudge === undefined || nudge.site !== site) return t;
      const d = new Float64Array(t.size);
      d[nudge.index] = nudge.by;
      return t.add(tensor(d, { shape: t.shape }));
    };
    const x = nameElements(tensor([s.i1, s.i2]), ['i1', 'i2']);
    const target = nameElements(tensor([s.target1, s.target2]), ['target_o1', 'target_o2']);
    const netH = nameElements(at('netH', this.hidden.forward(x)), ['net_h1', 'net_h2']);
    const outH = nameElements(at('outH', netH.sigmoid()), ['out_h1', 'out_h2']);
    const netO = nameElements(at('netO', this.output.forward(outH)), ['net_o1', 'net_o2']);
    const outO = nameElements(at('outO', netO.sigmoid()), ['out_o1', 'out_o2']);
    const E_total = this.loss.forward(outO, target).named('E_total');
    return { netH, outH, netO, outO, E_total };
  }

  /** E_total at the current weights. */
  error(): number {
    return noGrad(() => this.pass().E_total.item());
  }

  private params(layer: Dense): Parameter[] {
    return this.settings.trainBiases ? [layer.weight, layer.bias!] : [layer.weight];
  }

  /** One iteration in this network's update order; then E_total at the new weights is recorded. */
  step(): void {
    const f = this.pass();
    if (this.order === 'gradient-descent') {
      const params = [...this.params(this.hidden), ...this.params(this.output)];
      const grads = gradients(f.E_total, params);
      params.forEach((p, k) => (p.grad = grads[k]));
      this.optHidden.step();
      this.optOutput.step();
    } else {
      // The article's order: w5..w8 first ...
      const outParams = this.params(this.output);
      const [deltaO, ...gOut] = gradients(f.E_total, [f.netO, ...outParams], { retainGraph: true });
      outParams.forEach((p, k) => (p.grad = gOut[k]));
      this.optOutput.step();
      // ... then δ_o = dE/dnet_o (from the forward pass) sent back to the hidden layer through the
      // UPDATED w5..w8: net_o recomputed from the same out_h with the new weights
      const hidParams = this.params(this.hidden);
      const netO2 = this.output.forward(f.outH);
      const gHid = gradients(netO2, hidParams, { gradOutputs: [deltaO!] });
      hidParams.forEach((p, k) => (p.grad = gHid[k]));
      this.optHidden.step();
    }
    for (const p of [this.hidden.weight, this.hidden.bias!, this.output.weight, this.output.bias!]) p.grad = null;
    this.iteration++;
    this.losses.push(this.error());
  }

  /** A copy at the current values, in the same order, counting from 0. */
  clone(): ArticleNetwork {
    return new ArticleNetwork(this.order, this.values());
  }

  /** The weights and biases after the next iteration, without taking it. */
  nextValues(): ArticleSettings {
    const c = this.clone();
    c.step();
    return c.values();
  }

  /**
   * Every figure the article prints, at the current values, keyed by the article's label: the
   * forward values, the errors, the chain-rule factors it multiplies (each an autodiff partial
   * derivative read from the recorded graph), and dE_total/dw for every weight and bias.
   */
  figures(): Record<string, number> {
    const f = this.forward();
    const W1 = this.hidden.weight, W2 = this.output.weight;
    const b1 = this.hidden.bias!, b2 = this.output.bias!;
    const d = (y: Tensor, xs: Tensor[]) => gradients(y, xs, { retainGraph: true, allowUnused: 'zeros' }).map((g) => g!.buffer);
    const partial = (y: Tensor, a: number, x: Tensor, b: number) => {
      const seed = new Float64Array(y.size);
      seed[a] = 1;
      return gradients(y, [x], { gradOutputs: [tensor(seed, { shape: y.shape })], retainGraph: true, allowUnused: 'zeros' })[0]!.buffer[b];
    };
    const [gOutO, gNetO, gOutH, gNetH, gW1, gW2, gB1, gB2] = d(f.E_total, [f.outO, f.netO, f.outH, f.netH, W1, W2, b1, b2]);
    const [e1NetO, e1OutH] = d(f.E_o1, [f.netO, f.outH]);
    const [e2NetO, e2OutH] = d(f.E_o2, [f.netO, f.outH]);
    const v = (t: Tensor, i: number) => t.buffer[i];
    const r: Record<string, number> = {
      net_h1: v(f.netH, 0), net_h2: v(f.netH, 1), out_h1: v(f.outH, 0), out_h2: v(f.outH, 1),
      net_o1: v(f.netO, 0), net_o2: v(f.netO, 1), out_o1: v(f.outO, 0), out_o2: v(f.outO, 1),
      E_o1: f.E_o1.item(), E_o2: f.E_o2.item(), E_total: f.E_total.item(),
      'dE_total/dout_o1': gOutO[0], 'dE_total/dout_o2': gOutO[1],
      'dout_o1/dnet_o1': partial(f.outO, 0, f.netO, 0),
      'dnet_o1/dw5': partial(f.netO, 0, W2, 0),
      'dE_o1/dnet_o1': e1NetO[0], 'dE_o2/dnet_o2': e2NetO[1],
      'dnet_o1/dout_h1': partial(f.netO, 0, f.outH, 0),
      'dE_o1/dout_h1': e1OutH[0], 'dE_o2/dout_h1': e2OutH[0],
      'dE_total/dout_h1': gOutH[0], 'dE_total/dout_h2': gOutH[1],
      'dout_h1/dnet_h1': partial(f.outH, 0, f.netH, 0),
      'dnet_h1/dw1': partial(f.netH, 0, W1, 0),
      'dE_total/dnet_o1': gNetO[0], 'dE_total/dnet_o2': gNetO[1], 'dE_total/dnet_h1': gNetH[0], 'dE_total/dnet_h2': gNetH[1],
      'dE_total/db1': gB1[0], 'dE_total/db2': gB2[0],
    };
    for (let k = 0; k < 4; k++) {
      r[`dE_total/dw${k + 1}`] = gW1[k];
      r[`dE_total/dw${k + 5}`] = gW2[k];
    }
    return r;
  }

  /** The chain rule for dE_total/d(q) at the current values, beside the hand-derived and the numeric value. */
  derive(q: Quantity): Derivation {
    const f = this.forward();
    const site = SITE[q];
    let target: Tensor;
    let index: number;
    if (site !== undefined) {
      target = f[site.site];
      index = site.index;
    } else if (q === 'b1' || q === 'b2') {
      target = (q === 'b1' ? this.hidden : this.output).bias!;
      index = 0;
    } else {
      const k = Number(q.slice(1)) - 1;
      target = (k < 4 ? this.hidden : this.output).weight;
      index = k % 4;
    }
    const explanation = explain(f.E_total, target, index);
    return { quantity: q, explanation, byHand: derivativesByHand(this.values())[q], finiteDifference: this.finiteDifference(q) };
  }

  private finiteDifference(q: Quantity): number {
    return noGrad(() => {
      const site = SITE[q];
      const evalAt = (by: number): number => {
        if (site !== undefined) return this.pass({ ...site, by }).E_total.item();
        const p = q === 'b1' ? this.hidden.bias! : q === 'b2' ? this.output.bias! : Number(q.slice(1)) <= 4 ? this.hidden.weight : this.output.weight;
        const i = q.startsWith('b') ? 0 : (Number(q.slice(1)) - 1) % 4;
        const saved = p.buffer[i];
        p.update((b) => (b[i] = saved + by));
        try {
          return this.pass().E_total.item();
        } finally {
          p.update((b) => (b[i] = saved));
        }
      };
      return (evalAt(EPS) - evalAt(-EPS)) / (2 * EPS);
    });
  }
}

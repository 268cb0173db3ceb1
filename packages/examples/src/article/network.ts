/**
 * The article's 2-2-2 network built from @chainrule/nn: two Dense layers with the article's
 * weights and one shared, frozen bias each, sigmoid activations, and E_total = Σ ½ (target − out)²
 * (MSELoss 'halfSum'). The forward pass names every intermediate the article names, so `explain`
 * prints the article's derivations.
 * @module
 */
import { gradients, nameElements, noGrad, tensor, type Tensor } from '@chainrule/core';
import { Dense, MSELoss, Sequential, Sigmoid } from '@chainrule/nn';
import { ARTICLE } from './by-hand.js';

/** The network and its loss. */
export interface ArticleNet {
  readonly net: Sequential;
  readonly hidden: Dense;
  readonly output: Dense;
  readonly loss: MSELoss;
}

/** Builds the network with the article's weights, wiring and frozen shared biases. */
export function buildArticleNet(): ArticleNet {
  const [w1, w2, w3, w4, w5, w6, w7, w8] = ARTICLE.w;
  // Dense's weight is [out, in]: row h1 holds (w1, w2), the weights into h1.
  const hidden = new Dense(2, 2, { weight: [[w1, w2], [w3, w4]], bias: 'shared', biasValue: ARTICLE.b1, freezeBias: true });
  const output = new Dense(2, 2, { weight: [[w5, w6], [w7, w8]], bias: 'shared', biasValue: ARTICLE.b2, freezeBias: true });
  nameElements(hidden.weight, ['w1', 'w2', 'w3', 'w4']);
  nameElements(output.weight, ['w5', 'w6', 'w7', 'w8']);
  hidden.bias!.named('b1');
  output.bias!.named('b2');
  return { net: new Sequential(hidden, new Sigmoid(), output, new Sigmoid()), hidden, output, loss: new MSELoss({ reduction: 'halfSum' }) };
}

/** The article's named intermediates, each a vertex `explain` can show. */
export type Site = 'netH' | 'outH' | 'netO' | 'outO';

/** One forward pass, every intermediate named; E_o1 and E_o2 are each output's own ½(target − out)². */
export interface ArticleForward {
  readonly netH: Tensor;
  readonly outH: Tensor;
  readonly netO: Tensor;
  readonly outO: Tensor;
  readonly E_total: Tensor;
  readonly E_o1: Tensor;
  readonly E_o2: Tensor;
}

/**
 * Runs the network layer by layer, naming what the article names. `nudge` adds `by` to one element
 * of an intermediate right after it is computed (for finite differences through an intermediate).
 */
export function forwardArticle(m: ArticleNet, nudge?: { site: Site; index: number; by: number }): ArticleForward {
  const [hiddenLayer, act1, outputLayer, act2] = m.net.layers;
  const at = (site: Site, t: Tensor): Tensor => {
    if (nudge === undefined || nudge.site !== site) return t;
    const d = new Float64Array(t.size);
    d[nudge.index] = nudge.by;
    return t.add(tensor(d, { shape: t.shape }));
  };
  const x = nameElements(tensor([ARTICLE.i1, ARTICLE.i2]), ['i1', 'i2']);
  const netH = nameElements(at('netH', hiddenLayer.forward(x)), ['net_h1', 'net_h2']);
  const outH = nameElements(at('outH', act1.forward(netH)), ['out_h1', 'out_h2']);
  const netO = nameElements(at('netO', outputLayer.forward(outH)), ['net_o1', 'net_o2']);
  const outO = nameElements(at('outO', act2.forward(netO)), ['out_o1', 'out_o2']);
  const E_total = m.loss.forward(outO, nameElements(tensor([...ARTICLE.target]), ['target_o1', 'target_o2'])).named('E_total');
  const E_o1 = m.loss.forward(outO.slice(0, 0, 1), tensor([ARTICLE.target[0]])).named('E_o1');
  const E_o2 = m.loss.forward(outO.slice(0, 1, 2), tensor([ARTICLE.target[1]])).named('E_o2');
  return { netH, outH, netO, outO, E_total, E_o1, E_o2 };
}

/** ∂y[a]/∂x[b] by chainrule's autodiff engine (`gradients` with a one-hot output gradient). */
export function partial(y: Tensor, a: number, x: Tensor, b: number): number {
  const seed = new Float64Array(y.size);
  seed[a] = 1;
  const [g] = gradients(y, [x], { gradOutputs: [tensor(seed, { shape: y.shape })], retainGraph: true, allowUnused: 'zeros' });
  return g!.buffer[b];
}

/** What a finite difference varies: a weight element (of `hidden` or `output`) or an intermediate. */
export type Variable = { layer: 'hidden' | 'output'; index: number } | { site: Site; index: number };

/** Central difference (f(v + ε) − f(v − ε)) / 2ε of a forward quantity with respect to `v`. */
export function finiteDifference(m: ArticleNet, read: (f: ArticleForward) => Tensor, readIndex: number, v: Variable, eps = 1e-6): number {
  return noGrad(() => {
    const evalAt = (by: number): number => {
      if ('site' in v) return read(forwardArticle(m, { site: v.site, index: v.index, by })).buffer[readIndex];
      const p = (v.layer === 'hidden' ? m.hidden : m.output).weight;
      const saved = p.buffer[v.index];
      p.buffer[v.index] = saved + by;
      try {
        return read(forwardArticle(m)).buffer[readIndex];
      } finally {
        p.buffer[v.index] = saved;
      }
    };
    return (evalAt(eps) - evalAt(-eps)) / (2 * eps);
  });
}

// The playground's model of the article's network, against the figures the article prints
// (../shared/seed/README.md), at the article's printed precision.
import { describe, expect, it } from 'vitest';
import { ARTICLE_SETTINGS, ArticleNetwork } from './article-model.js';
import { derivativesByHand } from './by-hand.js';
import { fmt } from './format.js';

/** `value` at the printed figure's number of decimals, as text. */
const atPrinted = (value: number, printed: string) => value.toFixed(printed.split('.')[1]?.length ?? 0);

const FORWARD: [string, string][] = [
  ['net_h1', '0.3775'], ['out_h1', '0.593269992'], ['out_h2', '0.596884378'], ['net_o1', '1.105905967'],
  ['out_o1', '0.75136507'], ['out_o2', '0.772928465'], ['E_o1', '0.274811083'], ['E_o2', '0.023560026'], ['E_total', '0.298371109'],
];
const BACKWARD: [string, string][] = [
  ['dE_total/dout_o1', '0.74136507'], ['dout_o1/dnet_o1', '0.186815602'], ['dnet_o1/dw5', '0.593269992'], ['dE_total/dw5', '0.082167041'],
  ['dE_o1/dnet_o1', '0.138498562'], ['dnet_o1/dout_h1', '0.40'], ['dE_o1/dout_h1', '0.055399425'], ['dE_total/dout_h1', '0.036350306'],
  ['dout_h1/dnet_h1', '0.241300709'], ['dnet_h1/dw1', '0.05'], ['dE_total/dw1', '0.000438568'],
];

describe('the article\'s network in the playground', () => {
  it('every forward and backward figure the article prints, at its printed precision', () => {
    const f = new ArticleNetwork('gradient-descent').figures();
    for (const [key, printed] of [...FORWARD, ...BACKWARD]) expect(atPrinted(f[key], printed), key).toBe(printed);
    // the article's one rounding slip: it prints -0.019049119; the exact value rounds to -0.019049118
    expect(atPrinted(f['dE_o2/dout_h1'], '-0.019049119')).toBe('-0.019049118');
  });

  it('one gradient-descent step: the article\'s w5+..w8+ and w1+..w4+', () => {
    const net = new ArticleNetwork('gradient-descent');
    const next = net.nextValues().w;
    net.step();
    expect(net.weights()).toEqual(next);
    const printed = ['0.149780716', '0.19956143', '0.24975114', '0.29950229', '0.35891648', '0.408666186', '0.511301270', '0.561370121'];
    net.weights().forEach((w, k) => expect(atPrinted(w, printed[k]), `w${k + 1}+`).toBe(printed[k]));
    expect(net.iteration).toBe(1);
    expect(atPrinted(net.losses[1], '0.291027774')).toBe('0.291027774'); // correct gradient descent
  });

  it('the article\'s update order gives its E_total after one iteration, 0.291027924', () => {
    const net = new ArticleNetwork('article');
    net.step();
    expect(fmt(net.losses[1])).toBe('0.291027924');
    // w5..w8 are the same as gradient descent's; the hidden weights differ
    expect(atPrinted(net.weights()[4], '0.35891648')).toBe('0.35891648');
  });

  it('after 10,000 iterations in the article\'s order: its 0.000035085', () => {
    const net = new ArticleNetwork('article');
    for (let k = 0; k < 10000; k++) net.step();
    expect(atPrinted(net.losses[10000], '0.000035085')).toBe('0.000035085');
  });

  it('a derivation: explain\'s factors, the hand-derived value and the finite difference agree', () => {
    const net = new ArticleNetwork('gradient-descent');
    const d = net.derive('w5');
    expect(d.explanation.toString()).toContain('0.74136507 × 0.186815602 × 0.593269992 = 0.082167041');
    expect(d.byHand.value).toBeAllClose(d.explanation.autodiff, { rtol: 1e-14, atol: 0 });
    expect(d.finiteDifference).toBeAllClose(d.explanation.autodiff, { rtol: 1e-7, atol: 0 });
    for (const q of ['w1', 'w8', 'b1', 'b2', 'net_h2', 'out_h1', 'out_o2'] as const) {
      const e = net.derive(q);
      expect(e.byHand.value, q).toBeAllClose(e.explanation.total, { rtol: 1e-12, atol: 1e-15 });
      expect(e.finiteDifference, q).toBeAllClose(e.explanation.autodiff, { rtol: 1e-6, atol: 1e-10 });
    }
    // the shared bias b1 feeds net_h1 and net_h2, each reaching E_total through o1 and o2: 4 paths
    expect(net.derive('b1').explanation.pathCount).toBe(4);
  });

  it('derivations and figures leave the network as it was', () => {
    const net = new ArticleNetwork('article');
    net.figures();
    net.derive('w3');
    net.nextValues();
    expect(net.weights()).toEqual(ARTICLE_SETTINGS.w);
    expect(net.iteration).toBe(0);
  });

  it('edited values: the hand derivation follows them, and biases train when asked', () => {
    const settings = { ...ARTICLE_SETTINGS, i1: 0.3, target2: 0.5, b1: -0.2, trainBiases: true };
    const net = new ArticleNetwork('gradient-descent', settings);
    const hand = derivativesByHand(settings);
    expect(net.figures()['dE_total/dw2']).toBeAllClose(hand.w2.value, { rtol: 1e-12, atol: 0 });
    net.step();
    expect(net.biases()[0]).not.toBe(-0.2);
    expect(net.biases()[0]).toBeAllClose(-0.2 - 0.5 * hand.b1.value, { rtol: 1e-12, atol: 0 });
  });
});

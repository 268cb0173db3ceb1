// The demo's every figure, pinned: to the article's printed digits where the article follows its own
// rules, and to full float64 against independent values where it does not. Expected values are the
// article's text (../shared/seed) typed again here, and closed-form float64 computations below.
import { describe, expect, it } from 'vitest';
import { reproduceArticle } from './reproduce.js';
import { multiplyDecimal } from './slips.js';
import { renderText } from '../demo.js';

/** The article's figures as printed (typed from the seed text, not imported from figures.ts). */
const ARTICLE_TEXT: Record<string, string> = {
  net_h1: '0.3775', out_h1: '0.593269992', out_h2: '0.596884378', net_o1: '1.105905967', out_o1: '0.75136507',
  out_o2: '0.772928465', 'output[0]': '0.75136079', 'output[1]': '0.772928465', E_o1: '0.274811083', E_o2: '0.023560026',
  E_total: '0.298371109', 'dE_total/dout_o1': '0.74136507', 'dout_o1/dnet_o1': '0.186815602', 'dnet_o1/dw5': '0.593269992',
  'dE_total/dw5': '0.082167041', 'w5+': '0.35891648', 'w6+': '0.408666186', 'w7+': '0.511301270', 'w8+': '0.561370121',
  'dE_o1/dnet_o1': '0.138498562', 'dnet_o1/dout_h1': '0.40', 'dE_o1/dout_h1': '0.055399425', 'dE_o2/dout_h1': '-0.019049119',
  'dE_total/dout_h1': '0.036350306', 'dout_h1/dnet_h1': '0.241300709', 'dnet_h1/dw1': '0.05', 'dE_total/dw1': '0.000438568',
  'w1+': '0.149780716', 'w2+': '0.19956143', 'w3+': '0.24975114', 'w4+': '0.29950229', E_after_1: '0.291027924',
  E_after_10000: '0.000035085', out_o1_after_10000: '0.015912196', out_o2_after_10000: '0.984065734',
};
const SLIPS = ['output[0]', 'dE_o2/dout_h1', 'E_after_1', 'E_after_10000', 'out_o1_after_10000', 'out_o2_after_10000'];
const decimals = (s: string) => s.length - s.indexOf('.') - 1;

/** Independent float64 values for the figures that are slips, from a closed-form scalar loop. */
function correctTraining(steps: number) {
  const s = (x: number) => 1 / (1 + Math.exp(-x));
  let [a, b, c, d, e, f, g, h] = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55];
  const run = () => {
    const h1 = s(0.05 * a + 0.1 * b + 0.35), h2 = s(0.05 * c + 0.1 * d + 0.35);
    const o1 = s(e * h1 + f * h2 + 0.6), o2 = s(g * h1 + h * h2 + 0.6);
    return { h1, h2, o1, o2, E: ((0.01 - o1) ** 2 + (0.99 - o2) ** 2) / 2 };
  };
  for (let k = 0; k < steps; k++) {
    const { h1, h2, o1, o2 } = run();
    const p = (o1 - 0.01) * o1 * (1 - o1), q = (o2 - 0.99) * o2 * (1 - o2);
    const r = (p * e + q * g) * h1 * (1 - h1), t = (p * f + q * h) * h2 * (1 - h2);
    [a, b, c, d] = [a - 0.025 * r, b - 0.05 * r, c - 0.025 * t, d - 0.05 * t];
    [e, f, g, h] = [e - 0.5 * p * h1, f - 0.5 * p * h2, g - 0.5 * q * h1, h - 0.5 * q * h2];
  }
  return run();
}

describe('the article reproduced (pnpm demo)', () => {
  const r = reproduceArticle();
  const row = (key: string) => r.rows.find((x) => x.key === key)!;

  it('has one row per printed figure, in the article\'s order', () => {
    expect(r.rows.map((x) => x.key)).toEqual(Object.keys(ARTICLE_TEXT));
    r.rows.forEach((x) => expect(x.printed).toBe(ARTICLE_TEXT[x.key]));
  });

  it('matches every figure that follows from the article\'s rules, to its printed digits', () => {
    for (const [key, text] of Object.entries(ARTICLE_TEXT)) {
      if (SLIPS.includes(key)) continue;
      expect(row(key).chainrule.toFixed(decimals(text)), key).toBe(text);
      expect(row(key).byHand.toFixed(decimals(text)), key).toBe(text);
      expect(row(key).match, key).toBe(true);
    }
  });

  it('chainrule, the hand-written backprop and finite differences agree', () => {
    for (const x of r.rows) {
      expect(x.chainrule, x.key).toBeAllClose(x.byHand, { rtol: 1e-13, atol: 1e-16 });
      if (x.finiteDiff !== null) expect(x.finiteDiff, x.key).toBeAllClose(x.chainrule, { rtol: 1e-7, atol: 1e-10 });
    }
    const derivatives = r.rows.filter((x) => x.finiteDiff !== null).map((x) => x.key);
    expect(derivatives).toHaveLength(12);
  });

  it('flags exactly the six slips, with the correct float64 values', () => {
    expect(r.rows.filter((x) => !x.match).map((x) => x.key)).toEqual(SLIPS);
    const after1 = correctTraining(1), after10k = correctTraining(10000);
    expect(row('E_after_1').chainrule).toBeAllClose(after1.E, { rtol: 1e-14 });
    expect(row('E_after_10000').chainrule).toBeAllClose(3.510187782978859e-5, { rtol: 1e-11 });
    expect(row('E_after_10000').chainrule).toBeAllClose(after10k.E, { rtol: 1e-11 });
    expect(row('out_o1_after_10000').chainrule).toBeAllClose(after10k.o1, { rtol: 1e-12 });
    expect(row('out_o2_after_10000').chainrule).toBeAllClose(after10k.o2, { rtol: 1e-12 });
    expect(row('output[0]').chainrule).toBe(row('out_o1').chainrule);
    const s = (x: number) => 1 / (1 + Math.exp(-x));
    const o2 = s(0.5 * s(0.3775) + 0.55 * s(0.3925) + 0.6);
    expect(row('dE_o2/dout_h1').chainrule).toBeAllClose((o2 - 0.99) * o2 * (1 - o2) * 0.5, { rtol: 1e-14 });
    expect(r.training.map((t) => t.step)).toEqual([1, 10, 100, 1000, 5000, 10000]);
  });

  it('reproduces each slip to every printed digit, and only with the rule named as its cause', () => {
    expect(r.slips.map((s) => s.key)).toEqual(SLIPS);
    const reproducing = (key: string) => r.slips.find((s) => s.key === key)!.hypotheses.filter((h) => h.reproduces).map((h) => h.rule);
    expect(reproducing('output[0]')).toEqual([]); // a typo: no computation gives it
    expect(reproducing('dE_o2/dout_h1')).toHaveLength(2);
    for (const key of SLIPS.slice(2)) expect(reproducing(key), key).toEqual([expect.stringMatching(/^w5\.\.w8 updated first/)]);
    const updated = r.slips.find((s) => s.key === 'E_after_10000')!.hypotheses.find((h) => h.reproduces)!;
    expect(updated.value.toFixed(9)).toBe('0.000035085');
  });

  it('decimal arithmetic of the rounding slip, by hand', () => {
    expect(multiplyDecimal('-0.038098237', '0.5', 10)).toBe('-0.0190491185');
    expect(multiplyDecimal('-0.038098237', '0.5', 9)).toBe('-0.019049119');
    expect(multiplyDecimal('0.138498562', '0.40', 9)).toBe('0.055399425');
    expect(multiplyDecimal('0.25', '0.5', 1)).toBe('0.1'); // 0.125 → 0.1
    expect(multiplyDecimal('0.25', '0.3', 1)).toBe('0.1'); // 0.075 → 0.1 (half away from zero)
  });

  it('the derivations come from explain and read like the article', () => {
    const w5 = r.derivations.find((d) => d.key === 'dE_total/dw5')!;
    expect(w5.text).toContain('dE_total/dw5 = dE_total/dout_o1 × dout_o1/dnet_o1 × dnet_o1/dw5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041');
    const w1 = r.derivations.find((d) => d.key === 'dE_total/dw1')!;
    expect(w1.text).toContain('grouped as the article does: dE_total/dw1 = dE_total/dout_h1 × dout_h1/dnet_h1 × dnet_h1/dw1 = 0.036350306 × 0.241300709 × 0.05 = 0.000438568');
    for (const d of r.derivations) expect(d.total, d.key).toBeAllClose(d.autodiff, { rtol: 1e-14 });
    expect(r.pythonLastLine).toBe('9999 1.8102e-05');
    const text = renderText(r);
    expect(text).not.toMatch(/\x1b\[/); // no colour when not a terminal
    expect(text).toContain('Slips: 6 printed figures');
  });
});

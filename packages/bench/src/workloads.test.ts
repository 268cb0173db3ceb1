import { describe, expect, it } from 'vitest';
import { W1_EXPECTED_LOSS, W1_STEPS, w1Chainrule, w1JaxTrainer, w1Js, w1Tf } from './w1-article.js';
import { mlpData, w2Chainrule, w2JaxTrainer, w2Js, w2ThreadedRuns, w2Tf, w2Flops, W2_SIZE } from './w2-mlp.js';
import { matmulData, w3Chainrule, w3JaxRunner, w3Naive } from './w3-matmul.js';
import { chainChainrule, chainJax, chainJs, chainTf } from './w4-chain.js';
import { addChainrule, addJaxRunner, addJs } from './w5-overhead.js';
import { spliceBenchSection, START, END } from './readme.js';
import { advantage, atLeast, below, EAGER_PEERS, markdownTable, measuresAny, type Row } from './report.js';
import { median } from './harness.js';
import { JAX_VARIANTS, jaxVariant, loadJax } from './jax.js';
import { loadTf, useBackend } from './tf.js';

const noSample = () => {};

describe('W1: the article network', () => {
  it('chainrule and the hand loop reach the float64 answer after 10,000 steps', () => {
    expect(w1Chainrule(W1_STEPS).loss).toBe(W1_EXPECTED_LOSS);
    expect(w1Js(W1_STEPS).loss).toBe(W1_EXPECTED_LOSS);
  });
  it('compiled, chainrule reaches the same float64 answer bit for bit', () => {
    expect(w1Chainrule(W1_STEPS, { compiled: true }).loss).toBe(W1_EXPECTED_LOSS);
  });
  it('TF.js (float32) agrees after a few steps', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'cpu');
    expect(w1Tf(tf, 20).loss).toBeCloseTo(w1Js(20).loss, 6);
  });
  it('jax-js, jitted and eager, float32 and float64, agrees after a few steps', async () => {
    const jax = await loadJax();
    for (const v of JAX_VARIANTS) expect((await w1JaxTrainer(jax, v)(20)).loss).toBeCloseTo(w1Js(20).loss, 6);
  });
});

describe('W2: the MLP on tiny sizes', () => {
  const size = { inputs: 7, hidden: 5, classes: 3, batch: 4, batches: 2 };
  const d = mlpData(size, 1);
  it('chainrule and the hand loop give the same loss', () => {
    const a = w2Chainrule(d, 5).loss;
    expect(a).toBeGreaterThan(0);
    expect(Math.abs(a - w2Js(d, 5).loss) / a).toBeLessThan(1e-13);
  });
  it('compiled, and compiled on two threads, the same loss as eager bit for bit', () => {
    expect(w2Chainrule(d, 5, { compiled: true }).loss).toBe(w2Chainrule(d, 5).loss);
    expect(w2ThreadedRuns(d, 5, 1)[0].loss).toBe(w2Chainrule(d, 5).loss);
  });
  it('TF.js (float32) reaches the same loss', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'cpu');
    expect(w2Tf(tf, d, 5).loss).toBeCloseTo(w2Js(d, 5).loss, 5);
  });
  it('jax-js reaches the same loss', async () => {
    const jax = await loadJax();
    for (const v of JAX_VARIANTS) expect((await w2JaxTrainer(jax, v, d)(5)).loss).toBeCloseTo(w2Js(d, 5).loss, 5);
  });
  it('counts 3 products per layer', () => {
    expect(w2Flops(W2_SIZE)).toBe(3 * 2 * 64 * (784 * 128 + 128 * 10));
  });
});

describe('W3: matmul forward and backward', () => {
  for (const n of [5, 37, 70]) {
    it(`chainrule equals the naive loops bit for bit at ${n}×${n}`, () => {
      const d = matmulData(n, n);
      const c = w3Chainrule(d);
      const r = w3Naive(d);
      expect(Array.from(c.c)).toEqual(Array.from(r.c));
      expect(Array.from(c.da)).toEqual(Array.from(r.da));
      expect(Array.from(c.db)).toEqual(Array.from(r.db));
    });
  }
});

describe('W3 in jax-js', () => {
  it('gives the naive loops’ C, dA and dB (float64 to rounding, float32 to its precision)', async () => {
    const jax = await loadJax();
    const d = matmulData(37, 37);
    const r = w3Naive(d);
    for (const [peer, tolerance] of [['jax-f64', 1e-12], ['jax-eager-f32', 1e-5]] as const) {
      const j = await w3JaxRunner(jax, jaxVariant(peer))(d);
      for (const k of ['c', 'da', 'db'] as const) {
        const worst = Math.max(...Array.from(r[k], (x, i) => Math.abs(j[k][i] - x) / Math.max(Math.abs(x), 1)));
        expect(worst).toBeLessThan(tolerance);
      }
    }
  });
});

describe('W4: a chain of elementwise ops', () => {
  it('every peer gives d(Σy)/dx = 0.999^(n/2)', async () => {
    expect(chainChainrule(1000, noSample)).toBeCloseTo(0.999 ** 500, 14);
    expect(chainJs(1000, noSample)).toBeCloseTo(0.999 ** 500, 14);
    const tf = await loadTf();
    await useBackend(tf, 'cpu');
    expect(chainTf(tf, 1000, noSample)).toBeCloseTo(0.999 ** 500, 5);
    const jax = await loadJax();
    expect(chainJax(jax, jaxVariant('jax-f64'), 1000, noSample)).toBeCloseTo(0.999 ** 500, 12);
    expect(chainJax(jax, jaxVariant('jax-f32'), 1000, noSample)).toBeCloseTo(0.999 ** 500, 5);
  });
});

describe('W5 and the harness', () => {
  it('the add loops run', () => {
    expect(addChainrule(10, false)).toBeGreaterThanOrEqual(0);
    expect(addChainrule(10, true)).toBeGreaterThanOrEqual(0);
    expect(addJs(10)).toBeGreaterThanOrEqual(0);
  });
  it('the jax-js add loops run', async () => {
    const jax = await loadJax();
    for (const v of JAX_VARIANTS) expect(await addJaxRunner(jax, v)(10)).toBeGreaterThanOrEqual(0);
  });
  it('medians, ratios and targets', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(advantage({ workload: 'w', metric: 'ms', better: 'lower', values: { chainrule: 2, js: 6 } }, 'js')).toBe(3);
    expect(advantage({ workload: 'w', metric: 'GFLOP/s', better: 'higher', values: { chainrule: 2, js: 6 } }, 'js')).toBeCloseTo(1 / 3);
    expect(atLeast('t', 25, 20).met).toBe(true);
    expect(atLeast('t', 5, 20).detail).toMatch(/short by a factor 4/);
    expect(below('t', 0.6, 0.5, 'µs').met).toBe(false);
  });
  it('tables: the main one with jax-js jitted, the eager one only with the rows that measured it', () => {
    const rows: Row[] = [
      { workload: 'a', metric: 'ms', better: 'lower', values: { chainrule: 1, 'jax-f32': 2, 'jax-eager-f32': 4 }, text: { 'tfjs-wasm': 'failed: no kernel' } },
      { workload: 'b', metric: 'ms', better: 'lower', values: { chainrule: 1, js: 0.5 } },
    ];
    const main = markdownTable(rows).split('\n');
    expect(main[0]).toBe('| workload | metric | chainrule | TF.js cpu | TF.js wasm | jax-js f32 jit | jax-js f64 jit | plain JS | cr vs TF.js cpu | cr vs TF.js wasm | cr vs jax-js f32 jit | cr vs jax-js f64 jit | cr vs plain JS |');
    expect(main[2]).toBe('| a | ms | 1 | — | failed: no kernel | 2 | — | — | — | — | 2x | — | — |');
    const eager = rows.filter((r) => measuresAny(r, EAGER_PEERS));
    expect(eager.map((r) => r.workload)).toEqual(['a']);
    expect(markdownTable(eager, EAGER_PEERS).split('\n')[2]).toBe('| a | ms | 1 | 4 | — | 4x | — |');
  });
});

describe('README section', () => {
  it('adds heading and markers at the end when missing, leaving the rest as it was', () => {
    const out = spliceBenchSection('# title\n\ntext\n', 'TABLE');
    expect(out).toBe(`# title\n\ntext\n\n## Benchmarks\n\n${START}\nTABLE\n${END}\n`);
  });
  it('replaces only what is between the markers', () => {
    const before = `# t\n\n## Benchmarks\n\n${START}\nold\n${END}\n\n## After\nkeep\n`;
    expect(spliceBenchSection(before, 'new')).toBe(`# t\n\n## Benchmarks\n\n${START}\nnew\n${END}\n\n## After\nkeep\n`);
  });
});

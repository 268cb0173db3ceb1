// explain: every chain-rule path, named and valued, summing to the autodiff gradient. Expected
// values are the article's printed figures (../shared/seed) and closed forms written out by hand.
import { describe, expect, it } from 'vitest';
import { concat, explain, nameElements, randn, tensor, type Tensor } from '../index.js';

const round9 = (v: number) => Math.round(v * 1e9) / 1e9;
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** The article's 2-2-2 network with matrices and named elements. */
function articleGraph() {
  const Wh = nameElements(tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true }), ['w1', 'w2', 'w3', 'w4']);
  const Wo = nameElements(tensor([[0.4, 0.45], [0.5, 0.55]], { requiresGrad: true }), ['w5', 'w6', 'w7', 'w8']);
  const x = tensor([[0.05, 0.1]]);
  const netH = nameElements(x.matmul(Wh.transpose()).add(0.35), ['net_h1', 'net_h2']);
  const outH = nameElements(netH.sigmoid(), ['out_h1', 'out_h2']);
  const netO = nameElements(outH.matmul(Wo.transpose()).add(0.6), ['net_o1', 'net_o2']);
  const outO = nameElements(netO.sigmoid(), ['out_o1', 'out_o2']);
  const E = tensor([[0.01, 0.99]]).sub(outO).square().mul(0.5).sum().named('E_total');
  return { Wh, Wo, outH, netO, outO, E };
}

describe('explain on the article', () => {
  it('dE_total/dw5: one path of three factors, the article\'s figures', () => {
    const { Wo, E } = articleGraph();
    const e = explain(E, Wo, 0);
    expect(e.output).toBe('E_total');
    expect(e.target).toBe('w5');
    expect(e.pathCount).toBe(1);
    expect(e.capped).toBe(false);
    const [p] = e.paths;
    expect(p.factors.map((f) => `d${f.of}/d${f.wrt}`)).toEqual(['dE_total/dout_o1', 'dout_o1/dnet_o1', 'dnet_o1/dw5']);
    expect(p.factors.map((f) => round9(f.value))).toEqual([0.74136507, 0.186815602, 0.593269992]);
    expect(round9(p.product)).toBe(0.082167041);
    expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-14, atol: 0 });
    expect(e.toString()).toBe(
      'dE_total/dw5 = dE_total/dout_o1 × dout_o1/dnet_o1 × dnet_o1/dw5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041 (autodiff: 0.082167041)',
    );
  });

  it('dE_total/dw1: two paths, through out_o1 and out_o2', () => {
    const { Wh, E } = articleGraph();
    const e = explain(E, Wh, 0);
    expect(e.pathCount).toBe(2);
    expect(e.paths.map((p) => p.factors.map((f) => f.wrt))).toEqual([
      ['out_o1', 'net_o1', 'out_h1', 'net_h1', 'w1'],
      ['out_o2', 'net_o2', 'out_h1', 'net_h1', 'w1'],
    ]);
    // the o1 path is dE_o1/dout_h1 (0.055399425) × dout_h1/dnet_h1 × dnet_h1/dw1
    expect(round9(e.paths[0].product / (0.241300709 * 0.05))).toBe(0.055399425);
    expect(e.paths[0].factors[2].value).toBe(0.4); // dnet_o1/dout_h1 = w5
    expect(e.paths[1].factors[2].value).toBe(0.5); // dnet_o2/dout_h1 = w7
    expect(e.paths[0].factors[4].value).toBe(0.05); // dnet_h1/dw1 = i1
    expect(round9(e.total)).toBe(0.000438568);
    expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-14, atol: 0 });
    expect(e.paths[0].product + e.paths[1].product).toBeAllClose(e.total, { rtol: 1e-15, atol: 0 });
  });

  it('to an intermediate: dE_total/dout_h1 = 0.036350306, and steps "all" shows every op', () => {
    const { outH, E, Wo } = articleGraph();
    const e = explain(E, outH, 0);
    expect(e.pathCount).toBe(2);
    expect(round9(e.total)).toBe(0.036350306);
    expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-14, atol: 0 });
    const all = explain(E, Wo, 0, { steps: 'all' });
    // E = sum(mul(square(sub(t, out)), 0.5)), net_o1 = add(matmul(out_h, transpose(Wo)), 0.6)
    const h1 = sig(0.15 * 0.05 + 0.2 * 0.1 + 0.35), h2 = sig(0.25 * 0.05 + 0.3 * 0.1 + 0.35);
    const o1 = sig(0.4 * h1 + 0.45 * h2 + 0.6);
    const f = all.paths[0].factors;
    // (transpose is a permute in core, hence the label)
    expect(f.map((x) => x.wrt.replace(/#\d+/, '#'))).toEqual(['mul#[0,0]', 'square#[0,0]', 'sub#[0,0]', 'out_o1', 'net_o1', 'matmul#[0,0]', 'permute#[0,0]', 'w5']);
    expect(f.map((x) => x.value)).toBeAllClose([1, 0.5, 2 * (0.01 - o1), -1, o1 * (1 - o1), 1, h1, 1], { rtol: 1e-14 });
    expect(all.total).toBeAllClose(all.autodiff, { rtol: 1e-14, atol: 0 });
  });
});

describe('explain on other graphs', () => {
  it('a tensor used twice: two paths, and x·x is one factor 2x between named vertices', () => {
    const w = tensor(0.7, { requiresGrad: true, name: 'w' });
    const a = w.mul(3).named('a');
    const b = a.square().named('b');
    const c = a.mul(a).mul(2).named('c'); // a used twice by one op
    const y = b.add(c).named('y');
    const e = explain(y, w);
    expect(e.paths.map((p) => p.factors.map((f) => `d${f.of}/d${f.wrt}`).join(' '))).toEqual(['dy/db db/da da/dw', 'dy/dc dc/da da/dw']);
    const av = 2.1;
    expect(e.paths[0].product).toBeAllClose(1 * 2 * av * 3);
    expect(e.paths[1].product).toBeAllClose(1 * 4 * av * 3);
    expect(e.total).toBeAllClose(18 * av, { rtol: 1e-15 }); // y = 3a², dy/dw = 6a·3
    expect(e.total).toBe(e.autodiff);
    // with every step shown, a·a is still one vertex pair: its factor sums both uses, 2a
    const all = explain(y, w, 0, { steps: 'all' });
    expect(all.pathCount).toBe(2);
    expect(all.paths[1].factors.map((f) => f.value)).toBeAllClose([1, 2, 2 * av, 3], { rtol: 1e-15 });
  });

  it('broadcasting: a bias of shape [2] added to [3, 2] reaches the loss through 3 rows', () => {
    const bias = tensor([0.1, -0.2], { requiresGrad: true, name: 'b' });
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    const z = x.add(bias).named('z');
    const y = z.tanh().sum().named('y');
    const e = explain(y, bias, 1);
    expect(e.target).toBe('b[1]');
    expect(e.pathCount).toBe(3);
    expect(e.paths.map((p) => p.factors[0].wrt)).toEqual(['z[0,1]', 'z[1,1]', 'z[2,1]']);
    const expected = [2, 4, 6].map((v) => 1 - Math.tanh(v - 0.2) ** 2);
    e.paths.forEach((p, k) => expect(p.product).toBeAllClose(expected[k], { rtol: 1e-15 }));
    expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-14 });
  });

  it('matmul: d sum(sigmoid(A B)) / d A[1,2] runs through every column of row 1', () => {
    const A = randn([3, 4], { seed: 1 }).requiresGrad_().named('A');
    const B = randn([4, 5], { seed: 2 }).named('B');
    const P = A.matmul(B).named('P');
    const y = P.sigmoid().sum().named('y');
    const e = explain(y, A, 6);
    expect(e.target).toBe('A[1,2]');
    expect(e.pathCount).toBe(5);
    e.paths.forEach((p, j) => {
      const pj = P.buffer[5 + j];
      expect(p.factors.map((f) => f.wrt)).toEqual([`P[1,${j}]`, 'A[1,2]']);
      expect(p.factors[0].value).toBeAllClose(sig(pj) * (1 - sig(pj)), { rtol: 1e-14 });
      expect(p.factors[1].value).toBe(B.buffer[2 * 5 + j]); // dP[1,j]/dA[1,2] = B[2,j]
    });
    expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-13 });
  });

  it('total equals autodiff on a graph with softmax, max, concat, reshape, transpose and slices', () => {
    const W = randn([3, 3], { seed: 5 }).requiresGrad_().named('W');
    const v = randn([3], { seed: 6 }).requiresGrad_();
    const h = W.matmul(v).named('h');
    const s = concat([h, h.exp()], { axis: 0 }).reshape([2, 3]).transpose().softmax(-1).named('s');
    const y = s.slice(1, 0, 1).max().add(s.log().mean()).mul(h.slice(0, 1, 2).sum()).named('y');
    for (let i = 0; i < 9; i++) {
      const e = explain(y, W, i);
      expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-12, atol: 1e-15 });
    }
    const ev = explain(y, v, 2, { steps: 'all' });
    expect(ev.target).toMatch(/^leaf#\d+\[2\]$/); // an unnamed leaf: leaf#k[2]
    expect(ev.total).toBeAllClose(ev.autodiff, { rtol: 1e-12, atol: 1e-15 });
  });

  it('caps the listing but sums every path, and says so', () => {
    // 12 layers, each t = a + b with a = t/2 and b = tanh(t)/2 named: 2^12 = 4096 paths
    // (bounded values: a saturated tanh has a derivative of exactly 0, which is no edge)
    const w = tensor(0.3, { requiresGrad: true, name: 'w' });
    let t: Tensor = w;
    for (let k = 0; k < 12; k++) t = t.mul(0.5).named(`a${k}`).add(t.tanh().mul(0.5).named(`b${k}`)).named(`t${k}`);
    const e = explain(t, w, 0, { maxPaths: 50 });
    expect(e.paths.length).toBe(50);
    expect(e.pathCount).toBe(4096);
    expect(e.capped).toBe(true);
    expect(e.total).toBeAllClose(e.autodiff, { rtol: 1e-12 });
    expect(e.toString()).toContain('4046 more paths not listed');
  });

  it('leaves the graph intact: backward afterwards gives the same gradients, .grad untouched before', () => {
    const { Wh, Wo, E } = articleGraph();
    explain(E, Wh, 3);
    explain(E, Wo, 1, { steps: 'all' });
    expect(Wh.grad).toBeNull();
    E.backward();
    const s1 = sig(0.15 * 0.05 + 0.2 * 0.1 + 0.35), s2 = sig(0.25 * 0.05 + 0.3 * 0.1 + 0.35);
    const o1 = sig(0.4 * s1 + 0.45 * s2 + 0.6), o2 = sig(0.5 * s1 + 0.55 * s2 + 0.6);
    const d1 = (o1 - 0.01) * o1 * (1 - o1), d2 = (o2 - 0.99) * o2 * (1 - o2);
    expect(Wo.grad!).toBeAllClose([[d1 * s1, d1 * s2], [d2 * s1, d2 * s2]], { rtol: 1e-14 });
    // after a backward without retainGraph the graph is gone, and explain says how to keep it
    expect(() => explain(E, Wh, 0)).toThrow(/retainGraph/);
  });

  it('refuses a non-scalar output, an index out of range, a target without grad, mismatched names', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => explain(w.mul(2), w, 0)).toThrow(/one element/);
    expect(() => explain(w.sum(), w, 2)).toThrow(/outside the target/);
    expect(() => explain(w.sum(), tensor([1, 2]), 0)).toThrow(/does not require grad/);
    expect(() => nameElements(w, ['a'])).toThrow(/1 name\(s\) for a tensor of shape \[2\]/);
    const z = explain(w.sum().mul(0), w, 0);
    expect(z.total).toBe(0);
    expect(z.pathCount).toBe(0);
    expect(z.toString()).toContain('no path');
  });
});

// The article's 2-2-2 network (../shared/seed), written twice with core ops only: scalar by scalar
// and with matrices. Expected values are the article's printed figures; each is checked to the
// digits the article prints (9 decimals), and the full-precision values are pinned against an
// independent float64 computation written out by hand below.
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from './index.js';

const i1 = 0.05, i2 = 0.1, t1 = 0.01, t2 = 0.99, b1 = 0.35, b2 = 0.6;
const W = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55];

/** The article's printed figures. */
const printed = {
  out_h1: 0.593269992, out_o1: 0.75136507, out_o2: 0.772928465, E_total: 0.298371109,
  dw5: 0.082167041, dw1: 0.000438568,
};

/** Rounds to `d` decimals, as the article prints. */
const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** The same forward and backward in plain float64 arithmetic, by the chain rule as the article writes it. */
function handBackprop() {
  const s = (x: number) => 1 / (1 + Math.exp(-x));
  const [w1, w2, w3, w4, w5, w6, w7, w8] = W;
  const h1 = s(w1 * i1 + w2 * i2 + b1), h2 = s(w3 * i1 + w4 * i2 + b1);
  const o1 = s(w5 * h1 + w6 * h2 + b2), o2 = s(w7 * h1 + w8 * h2 + b2);
  const E = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2;
  const d1 = (o1 - t1) * o1 * (1 - o1), d2 = (o2 - t2) * o2 * (1 - o2);
  const dh1 = (d1 * w5 + d2 * w7) * h1 * (1 - h1), dh2 = (d1 * w6 + d2 * w8) * h2 * (1 - h2);
  return { h1, o1, o2, E, grads: [dh1 * i1, dh1 * i2, dh2 * i1, dh2 * i2, d1 * h1, d1 * h2, d2 * h1, d2 * h2] };
}

describe("the article's network with core ops", () => {
  const hand = handBackprop();

  it('scalar by scalar: w1..w8 as separate tensors', () => {
    const w = W.map((v, k) => tensor(v, { requiresGrad: true, name: `w${k + 1}` }));
    const neuron = (a: Tensor, x1: Tensor | number, b: Tensor, x2: Tensor | number, bias: number) => a.mul(x1).add(b.mul(x2)).add(bias).sigmoid();
    const h1 = neuron(w[0], i1, w[1], i2, b1);
    const h2 = neuron(w[2], i1, w[3], i2, b1);
    const o1 = neuron(w[4], h1, w[5], h2, b2);
    const o2 = neuron(w[6], h1, w[7], h2, b2);
    const E = tensor(t1).sub(o1).square().mul(0.5).add(tensor(t2).sub(o2).square().mul(0.5));
    E.backward();

    expect(round(h1.item(), 9)).toBe(printed.out_h1);
    expect(round(o1.item(), 8)).toBe(printed.out_o1);
    expect(round(o2.item(), 9)).toBe(printed.out_o2);
    expect(round(E.item(), 9)).toBe(printed.E_total);
    expect(round(w[4].grad!.item(), 9)).toBe(printed.dw5);
    expect(round(w[0].grad!.item(), 9)).toBe(printed.dw1);
    // all eight gradients, to 9 decimals and to float64 rounding against the hand computation
    w.forEach((wk, k) => {
      expect(round(wk.grad!.item(), 9)).toBe(round(hand.grads[k], 9));
      expect(wk.grad!.item()).toBeCloseTo(hand.grads[k], 15);
    });
    expect(E.item()).toBeAllClose(hand.E, { rtol: 1e-15, atol: 0 });
  });

  it('with matrices: matmul plus a broadcast bias', () => {
    const Wh = tensor([[W[0], W[1]], [W[2], W[3]]], { requiresGrad: true }); // rows: h1, h2
    const Wo = tensor([[W[4], W[5]], [W[6], W[7]]], { requiresGrad: true }); // rows: o1, o2
    const x = tensor([[i1, i2]]); // a batch of one, shape [1, 2]
    const h = x.matmul(Wh.transpose()).add(tensor([b1])).sigmoid(); // bias shape [1] broadcasts over [1, 2]
    const o = h.matmul(Wo.transpose()).add(tensor([b2])).sigmoid();
    const E = tensor([[t1, t2]]).sub(o).square().mul(0.5).sum();
    E.backward();

    expect(round(h.slice(1, 0, 1).item(), 9)).toBe(printed.out_h1);
    expect(round(o.slice(1, 0, 1).item(), 8)).toBe(printed.out_o1);
    expect(round(o.slice(1, 1, 2).item(), 9)).toBe(printed.out_o2);
    expect(round(E.item(), 9)).toBe(printed.E_total);
    const grads = [...(Wh.grad!.buffer as Float64Array), ...(Wo.grad!.buffer as Float64Array)];
    expect(round(grads[4], 9)).toBe(printed.dw5);
    expect(round(grads[0], 9)).toBe(printed.dw1);
    grads.forEach((g, k) => expect(g).toBeAllClose(hand.grads[k], { rtol: 1e-13, atol: 1e-18 }));
  });
});

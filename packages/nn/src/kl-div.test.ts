import { describe, expect, it } from 'vitest';
import { gradcheck, gradgradcheck, randn, rand, tensor } from '@chainrule/core';
import { klDiv, KLDivLoss } from './kl-div.js';

describe('klDiv', () => {
  const q = [[0.25, 0.75], [0.5, 0.5]];
  const p = [[0.5, 0.5], [0, 1]];
  const logQ = tensor(q).log();
  const terms = p.map((row, i) => row.map((t, j) => (t === 0 ? 0 : t * (Math.log(t) - Math.log(q[i][j])))));

  it('t·(log t − x) elementwise (0 where t = 0), with every reduction', () => {
    expect(klDiv(logQ, p, { reduction: 'none' }).toArray()).toBeAllClose(terms, { rtol: 1e-15, atol: 1e-17 });
    const sum = terms.flat().reduce((s, v) => s + v, 0);
    expect(klDiv(logQ, p, { reduction: 'sum' }).item()).toBeAllClose(sum, { rtol: 1e-15, atol: 0 });
    expect(klDiv(logQ, p, { reduction: 'batchmean' }).item()).toBeAllClose(sum / 2, { rtol: 1e-15, atol: 0 });
    expect(new KLDivLoss().forward(logQ, tensor(p)).item()).toBeAllClose(sum / 4, { rtol: 1e-15, atol: 0 }); // 'mean': over all 4 elements
    expect(klDiv(tensor([[0.25, 0.75]]).log(), [[0.5, 0.5]], { reduction: 'batchmean' }).item()).toBeAllClose(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), { rtol: 1e-15, atol: 0 });
  });

  it('logTarget: e^t·(t − x), equal to the probability form', () => {
    const logP = [[Math.log(0.5), Math.log(0.5)], [Math.log(0.2), Math.log(0.8)]];
    const probs = logP.map((r) => r.map(Math.exp));
    expect(klDiv(logQ, logP, { logTarget: true, reduction: 'none' }).toArray()).toBeAllClose(klDiv(logQ, probs, { reduction: 'none' }).toArray() as number[][], { rtol: 1e-14, atol: 1e-16 });
  });

  it('gradient −t for the input; log t + 1 for the target', () => {
    const x = tensor(q, { requiresGrad: true });
    const t = tensor([[0.5, 0.5], [0.2, 0.8]], { requiresGrad: true });
    klDiv(x, t, { reduction: 'sum' }).backward();
    expect(x.grad!.toArray()).toEqual([[-0.5, -0.5], [-0.2, -0.8]]);
    expect(t.grad!.toArray()).toBeAllClose([[0.5, 0.5], [0.2, 0.8]].map((r, i) => r.map((v, j) => Math.log(v) + 1 - q[i][j])), { rtol: 1e-15, atol: 1e-16 });
  });

  it('passes gradcheck and gradgradcheck, probabilities and log targets', () => {
    const f = (x: ReturnType<typeof tensor>, t: ReturnType<typeof tensor>) => klDiv(x, t, { reduction: 'batchmean' });
    expect(gradcheck(f, [randn([3, 2], { seed: 1 }), rand([3, 2], { seed: 2 }).add(0.1)]).ok).toBe(true);
    expect(gradgradcheck(f, [randn([3, 2], { seed: 1 }), rand([3, 2], { seed: 2 }).add(0.1)]).ok).toBe(true);
    const g = (x: ReturnType<typeof tensor>, t: ReturnType<typeof tensor>) => klDiv(x, t, { logTarget: true });
    expect(gradgradcheck(g, [randn([3, 2], { seed: 3 }), randn([3, 2], { seed: 4 })]).ok).toBe(true);
  });

  it('refuses bad options and shapes, naming the loss', () => {
    expect(() => klDiv(logQ, [[1]])).toThrow('klDiv: input of shape [2,2] and target of shape [1,1] differ');
    expect(() => klDiv(logQ, p, { reduction: 'batchMean' as 'sum' })).toThrow(`klDiv: unknown reduction "batchMean" (a string); expected 'none', 'mean', 'sum', 'batchmean'`);
    expect(() => new KLDivLoss({ logTarget: 1 as never })).toThrow('KLDivLoss: logTarget must be true or false, got 1');
    expect(String(new KLDivLoss({ reduction: 'batchmean' }))).toBe('KLDivLoss(reduction=batchmean, logTarget=false)');
  });
});

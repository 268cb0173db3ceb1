import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError, gradcheck, gradgradcheck, ones, randn, tensor, type Tensor } from '@chainrule/core';
import { MultiheadAttention, multiheadAttention, type AttentionParameters } from './attention.js';
import { initBound } from './init.js';

type M = number[][];
const matT = (a: M): M => a[0].map((_, j) => a.map((row) => row[j]));
const mat = (a: M, b: M): M => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const addRow = (a: M, b: number[]): M => a.map((row) => row.map((v, j) => v + b[j]));

/**
 * Attention written out per sample and head on plain arrays: project, scale, mask (−∞), softmax
 * (max subtracted), weight the values, join the heads, project out. Inputs seq-first [L, N, E].
 */
function reference(q: number[][][], k: number[][][], v: number[][][], w: { wq: M; wk: M; wv: M; bq: number[]; bk: number[]; bv: number[]; wo: M; bo: number[] }, heads: number, masked: (n: number, l: number, s: number) => boolean) {
  const L = q.length, S = k.length, N = q[0].length, E = w.wo.length, hd = E / heads;
  const out: number[][][] = Array.from({ length: L }, () => Array.from({ length: N }, () => new Array<number>(E).fill(0)));
  const avg: number[][][] = Array.from({ length: N }, () => Array.from({ length: L }, () => new Array<number>(S).fill(0)));
  for (let n = 0; n < N; n++) {
    const Q = addRow(mat(q.map((r) => r[n]), matT(w.wq)), w.bq);
    const K = addRow(mat(k.map((r) => r[n]), matT(w.wk)), w.bk);
    const V = addRow(mat(v.map((r) => r[n]), matT(w.wv)), w.bv);
    const joined: M = Array.from({ length: L }, () => new Array<number>(E).fill(0));
    for (let h = 0; h < heads; h++) {
      for (let l = 0; l < L; l++) {
        const scores = Array.from({ length: S }, (_, s) => {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += Q[l][h * hd + d] * K[s][h * hd + d];
          return masked(n, l, s) ? -Infinity : dot / Math.sqrt(hd);
        });
        const m = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - m));
        const z = e.reduce((a, b) => a + b, 0);
        const p = e.map((x) => x / z);
        p.forEach((x, s) => (avg[n][l][s] += x / heads));
        for (let d = 0; d < hd; d++) joined[l][h * hd + d] = p.reduce((acc, x, s) => acc + x * V[s][h * hd + d], 0);
      }
    }
    addRow(mat(joined, matT(w.wo)), w.bo).forEach((row, l) => (out[l][n] = row));
  }
  return { out, avg };
}

/** Random parameters for embedding size E, and both their tensor and array forms. */
function params(E: number, seed: number) {
  const inW = randn([3 * E, E], { seed }).mul(0.5);
  const inB = randn([3 * E], { seed: seed + 1 });
  const outW = randn([E, E], { seed: seed + 2 }).mul(0.5);
  const outB = randn([E], { seed: seed + 3 });
  const rows = inW.toArray() as M;
  const b = inB.toArray() as number[];
  return {
    tensors: { inProjWeight: inW, inProjBias: inB, outProjWeight: outW, outProjBias: outB },
    arrays: { wq: rows.slice(0, E), wk: rows.slice(E, 2 * E), wv: rows.slice(2 * E), bq: b.slice(0, E), bk: b.slice(E, 2 * E), bv: b.slice(2 * E), wo: outW.toArray() as M, bo: outB.toArray() as number[] },
  };
}

describe('multiheadAttention', () => {
  const E = 6, H = 2, L = 4, S = 3, N = 2;
  const p = params(E, 1);
  const q = randn([L, N, E], { seed: 10 });
  const k = randn([S, N, E], { seed: 11 });
  const v = randn([S, N, E], { seed: 12 });

  it('matches attention written out per sample and head, with the weights averaged over heads', () => {
    const { output, weights } = multiheadAttention(q, k, v, { numHeads: H, ...p.tensors });
    const ref = reference(q.toArray() as number[][][], k.toArray() as number[][][], v.toArray() as number[][][], p.arrays, H, () => false);
    expect(output).toBeAllClose(ref.out);
    expect(weights).toBeAllClose(ref.avg);
  });

  it('masks: attnMask (non-zero = not allowed), keyPaddingMask and isCausal, combined', () => {
    const attnMask = [[0, 1, 0], [0, 0, 0], [0, 0, 1], [0, 1, 1]];
    const kpm = [[0, 0, 1], [0, 0, 0]];
    const masked = (n: number, l: number, s: number) => attnMask[l][s] !== 0 || kpm[n][s] !== 0 || s > l;
    const { output, weights } = multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask, keyPaddingMask: kpm, isCausal: true });
    const ref = reference(q.toArray() as number[][][], k.toArray() as number[][][], v.toArray() as number[][][], p.arrays, H, masked);
    expect(output).toBeAllClose(ref.out);
    expect(weights).toBeAllClose(ref.avg);
    // nested booleans, and a 0/−∞ float mask, mean the same as the 0/1 mask; an additive bias of −∞ too
    expect(multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask: attnMask.map((r) => r.map((m) => m === 1)) }).output.toArray()).toEqual(
      multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask }).output.toArray(),
    );
    const floatMask = tensor(attnMask.map((r) => r.map((m) => (m ? -Infinity : 0))));
    expect(multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask: floatMask }).output.toArray()).toEqual(
      multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask }).output.toArray(),
    );
    expect(multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnBias: floatMask }).output.toArray()).toEqual(
      multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask }).output.toArray(),
    );
    // a per-head mask [N·H, L, S] equal to the 2-D one broadcast
    const perHead = ones([N * H, 1, 1]).mul(tensor(attnMask));
    expect(multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask: perHead }).output.toArray()).toEqual(
      multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask }).output.toArray(),
    );
  });

  it('self-attention projects with one packed product, bit-identical to three separate ones', () => {
    const x = randn([L, N, E], { seed: 13 });
    const packed = multiheadAttention(x, x, x, { numHeads: H, ...p.tensors });
    const separate = multiheadAttention(x, x.clone(), x.clone(), { numHeads: H, ...p.tensors });
    expect(packed.output.toArray()).toEqual(separate.output.toArray());
    expect(packed.weights!.toArray()).toEqual(separate.weights!.toArray());
  });

  it('batchFirst, unbatched inputs and per-head weights give the same numbers in their own layouts', () => {
    const base = multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { averageAttnWeights: false });
    expect(base.weights!.shape).toEqual([N, H, L, S]);
    const bf = multiheadAttention(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), { numHeads: H, ...p.tensors, batchFirst: true }, { averageAttnWeights: false });
    expect(bf.output.transpose(0, 1).toArray()).toEqual(base.output.toArray());
    expect(bf.weights!.toArray()).toEqual(base.weights!.toArray());
    const one = multiheadAttention(q.slice(1, 1, 2).squeeze(1), k.slice(1, 1, 2).squeeze(1), v.slice(1, 1, 2).squeeze(1), { numHeads: H, ...p.tensors });
    expect(one.output.toArray()).toEqual(base.output.slice(1, 1, 2).squeeze(1).toArray());
    expect(one.weights!.shape).toEqual([L, S]);
    expect(multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { needWeights: false }).weights).toBeNull();
  });

  it('passes gradcheck and gradgradcheck in the inputs and every weight', () => {
    const small = params(4, 3).tensors;
    const f = (q: Tensor, k: Tensor, w: Tensor, b: Tensor, ow: Tensor) =>
      multiheadAttention(q, k, k, { numHeads: 2, inProjWeight: w, inProjBias: b, outProjWeight: ow, outProjBias: small.outProjBias }, { keyPaddingMask: [[0, 1], [0, 0]] }).output;
    const inputs = [randn([3, 2, 4], { seed: 1 }), randn([2, 2, 4], { seed: 2 }), small.inProjWeight, small.inProjBias, small.outProjWeight];
    expect(gradcheck(f, inputs).ok).toBe(true);
    expect(gradgradcheck(f, inputs).ok).toBe(true);
  });

  it('refuses shapes that do not fit, naming them', () => {
    expect(() => multiheadAttention(q, k, v, { numHeads: 4, ...p.tensors })).toThrow(/numHeads must be a positive integer dividing the embedding size 6/);
    expect(() => multiheadAttention(q, k.slice(1, 0, 1), v, { numHeads: H, ...p.tensors })).toThrow(ShapeError);
    expect(() => multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { attnMask: [[0, 1]] })).toThrow(/attnMask must be \[4, 3\]/);
    expect(() => multiheadAttention(q, k, v, { numHeads: H, ...p.tensors }, { keyPaddingMask: [0, 0, 1] })).toThrow(/keyPaddingMask must be \[2, 3\]/);
    const noProj: AttentionParameters = { numHeads: H, outProjWeight: p.tensors.outProjWeight };
    expect(() => multiheadAttention(q, k, v, noProj)).toThrow(/qProjWeight is missing/);
  });
});

describe('MultiheadAttention', () => {
  it("has PyTorch's parameters, names and initialisation", () => {
    const mha = new MultiheadAttention(8, 2, { seed: 1 });
    expect(mha.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ['inProjWeight', [24, 8]],
      ['inProjBias', [24]],
      ['outProj.weight', [8, 8]],
      ['outProj.bias', [8]],
    ]);
    for (const v of mha.inProjWeight!.buffer) expect(Math.abs(v)).toBeLessThan(initBound('xavier', 8, 24));
    for (const v of mha.outProj.weight.buffer) expect(Math.abs(v)).toBeLessThan(1 / Math.sqrt(8));
    expect([...mha.inProjBias!.buffer, ...mha.outProj.bias!.buffer].every((v) => v === 0)).toBe(true);
    const kv = new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false });
    expect(kv.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([
      ['qProjWeight', [8, 8]],
      ['kProjWeight', [8, 3]],
      ['vProjWeight', [8, 5]],
      ['outProj.weight', [8, 8]],
    ]);
    expect(kv.toString()).toBe('MultiheadAttention(embedDim=8, numHeads=2, kdim=3, vdim=5, bias=false\n  (outProj): Dense(in=8, out=8, bias=none)\n)');
  });

  it('forward returns the output of forwardWithWeights; a causal mask makes earlier outputs ignore later inputs', () => {
    const mha = new MultiheadAttention(8, 4, { batchFirst: true, seed: 2 });
    const x = randn([2, 5, 8], { seed: 3 });
    const out = mha.forward(x, x, x, { isCausal: true });
    expect(out.toArray()).toEqual(mha.forwardWithWeights(x, x, x, { isCausal: true }).output.toArray());
    const changed = x.add(tensor([0, 0, 0, 0, 1]).reshape([1, 5, 1]));
    expect(mha.forward(changed, changed, changed, { isCausal: true }).slice(1, 0, 4).toArray()).toEqual(out.slice(1, 0, 4).toArray());
    const kv = new MultiheadAttention(8, 2, { kdim: 3, vdim: 5, batchFirst: true });
    expect(kv.forward(x, randn([2, 4, 3]), randn([2, 4, 5])).shape).toEqual([2, 5, 8]);
  });

  it('drops attention weights while training, as PyTorch: after the softmax, kept ones scaled by 1/(1 − p), none in eval', () => {
    const x = randn([2, 5, 8], { seed: 3 });
    const plain = new MultiheadAttention(8, 2, { batchFirst: true, seed: 4 });
    const dropping = new MultiheadAttention(8, 2, { batchFirst: true, seed: 4, dropout: 0.5 });
    expect(dropping.extraRepr()).toContain('dropout=0.5');
    const options = { averageAttnWeights: false } as const;
    const full = plain.forwardWithWeights(x, x, x, options).weights!.toArray() as number[][][][];
    const dropped = dropping.forwardWithWeights(x, x, x, options).weights!.toArray() as number[][][][];
    // every weight is either dropped (0) or the undropped weight × 2, and both happen
    let zeros = 0;
    let kept = 0;
    full.flat(3).forEach((w, i) => {
      const d = dropped.flat(3)[i]!;
      if (d === 0) zeros++;
      else {
        expect(d).toBe(w * 2);
        kept++;
      }
    });
    expect(zeros).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(0);
    // in evaluation the layer is the plain one, bit for bit
    dropping.eval();
    expect(dropping.forward(x, x, x).toArray()).toEqual(plain.forward(x, x, x).toArray());
    expect(() => new MultiheadAttention(8, 2, { dropout: 1.5 })).toThrow(/MultiheadAttention: dropout probability has to be between 0 and 1, got 1.5/);
  });

  it('refuses a bad head count and a fourth tensor', () => {
    expect(() => new MultiheadAttention(8, 3)).toThrow(ChainruleError);
    const mha = new MultiheadAttention(4, 2);
    const x = randn([3, 4]);
    expect(() => (mha.forward as (...t: Tensor[]) => Tensor)(x, x, x, x)).toThrow(/options object/);
    expect(() => mha.forward(x)).toThrow(/takes query, key and value tensors/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { type Tensor, tensor } from '../tensor.js';
import { zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import {
  FC,
  FC_GRAD,
  GC,
  broadcastPairArb,
  expectError,
  expectRef,
  fromRef,
  ravel,
  refMatmul2d,
  refPermute,
  refSumTo,
  seedArb,
  size,
  t64,
  uniformValues,
  unravel,
  type Ref,
} from '../test-utils/index.js';
import { matmul } from './matmul.js';

/** Batched reference: a (...A, m, k) @ b (...B, k, n), batch dims broadcast, by triple loops. */
function refBatched(a: Ref, b: Ref): Ref {
  const m = a.shape[a.shape.length - 2];
  const k = a.shape[a.shape.length - 1];
  const n = b.shape[b.shape.length - 1];
  const ab = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const batch = Array.from({ length: nb }, (_, i) => Math.max(ab[ab.length - nb + i] ?? 1, bb[bb.length - nb + i] ?? 1));
  const data: number[] = [];
  for (let t = 0; t < size(batch); t++) {
    const idx = unravel(t, batch);
    const own = (s: number[]) => ravel(s.map((d, i) => (d === 1 ? 0 : idx[nb - s.length + i])), s);
    const ao = own(ab) * m * k;
    const bo = own(bb) * k * n;
    data.push(...refMatmul2d(a.data.slice(ao, ao + m * k), b.data.slice(bo, bo + k * n), m, k, n));
  }
  return { shape: [...batch, m, n], data };
}

/** matmul as a function of exactly its two tensors (for gradcheck). */
const mm = (a: Tensor, b: Tensor) => matmul(a, b);

/** Swaps the last two axes of a reference array. */
function refT(x: Ref): Ref {
  const r = x.shape.length;
  const axes = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return refPermute(x, axes);
}

describe('matmul: forward on known values', () => {
  it('2-D × 2-D', () => {
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]))).toBeAllClose([[19, 22], [43, 50]]);
    expect(matmul(tensor([[1, 2, 3]]), tensor([[1], [2], [3]]))).toBeAllClose([[14]]);
  });

  it('1-D operands: matrix-vector, vector-matrix, dot product', () => {
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1]))).toBeAllClose([3, 7]);
    expect(matmul(tensor([1, 1]), tensor([[1, 2], [3, 4]]))).toBeAllClose([4, 6]);
    const dot = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
    expect(dot).toBeAllClose(32);
    expect(dot.shape).toEqual([]);
  });

  it('batched, with broadcast batch dimensions and a 1-D operand against a batch', () => {
    const a = tensor([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]); // [2,2,2]
    const b = tensor([[1, 2], [3, 4]]);
    expect(matmul(a, b)).toBeAllClose([[[1, 2], [3, 4]], [[2, 4], [6, 8]]]);
    expect(matmul(tensor([1, 1]), a)).toBeAllClose([[1, 1], [2, 2]]);
    expect(matmul(a, tensor([1, 2]))).toBeAllClose([[1, 2], [2, 4]]);
  });

  it('k = 0 gives zeros', () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3]))).toBeAllClose([[0, 0, 0], [0, 0, 0]]);
  });
});

describe('matmul: gradients against closed forms', () => {
  it('dA = G Bᵀ, dB = Aᵀ G', () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([[5, 6], [7, 8]], { requiresGrad: true });
    matmul(a, b).backward(tensor([[1, 0], [0, 1]]));
    expect(a.grad).toBeAllClose([[5, 7], [6, 8]]);
    expect(b.grad).toBeAllClose([[1, 3], [2, 4]]);
  });

  it('dot product: d(a·b)/da = b; matrix-vector: dx = Aᵀ g', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([4, 5, 6], { requiresGrad: true });
    matmul(a, b).backward();
    expect(a.grad).toBeAllClose([4, 5, 6]);
    expect(b.grad).toBeAllClose([1, 2, 3]);
    const A = tensor([[1, 2], [3, 4]]);
    const x = tensor([1, 1], { requiresGrad: true });
    matmul(A, x).backward(tensor([1, 10]));
    expect(x.grad).toBeAllClose([31, 42]);
  });

  it('a matrix shared across a batch gets the gradient summed over the batch', () => {
    const a = tensor([[[1, 2]], [[3, 4]], [[5, 6]]], { requiresGrad: true }); // [3,1,2]
    const w = tensor([[1], [1]], { requiresGrad: true }); // [2,1]
    matmul(a, w).sum().backward();
    expect(w.grad).toBeAllClose([[9], [12]]);
    expect(a.grad).toBeAllClose([[[1, 1]], [[1, 1]], [[1, 1]]]);
  });

  it('second order: d²(xᵀ A x)/dx² = A + Aᵀ', () => {
    const A = tensor([[1, 2], [3, 4]]);
    const x = tensor([0.5, -1], { requiresGrad: true });
    const [g] = gradients(matmul(x, matmul(A, x)), [x], { createGraph: true });
    // (A + Aᵀ) x = [[2, 5], [5, 8]] [0.5, -1]
    expect(g).toBeAllClose([-4, -5.5]);
    const rows = [0, 1].map((i) => gradients(g!, [x], { gradOutputs: [tensor(i === 0 ? [1, 0] : [0, 1])], retainGraph: true })[0]);
    expect(rows[0]).toBeAllClose([2, 5]);
    expect(rows[1]).toBeAllClose([5, 8]);
  });
});

describe('matmul: random shapes', () => {
  it('batched with broadcasting: forward and both gradients match the reference', () => {
    fc.assert(
      fc.property(
        broadcastPairArb(2, 2),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        seedArb,
        ({ a: ba, b: bb }, m, k, n, seed) => {
          const A: Ref = { shape: [...ba, m, k], data: uniformValues(size(ba) * m * k, seed) };
          const B: Ref = { shape: [...bb, k, n], data: uniformValues(size(bb) * k * n, seed + 1) };
          const Y = refBatched(A, B);
          const ta = fromRef(A, true);
          const tb = fromRef(B, true);
          const y = matmul(ta, tb);
          expectRef(y, Y);
          const G: Ref = { shape: Y.shape, data: uniformValues(size(Y.shape), seed + 2) };
          y.backward(fromRef(G));
          expectRef(ta.grad!, refSumTo(refBatched(G, refT(B)), A.shape));
          expectRef(tb.grad!, refSumTo(refBatched(refT(A), G), B.shape));
        },
      ),
      FC,
    );
  });

  it('gradcheck and gradgradcheck, including 1-D operands', () => {
    fc.assert(
      fc.property(broadcastPairArb(1, 2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), seedArb, ({ a: ba, b: bb }, m, k, seed) => {
        const a = t64(uniformValues(size(ba) * m * k, seed), [...ba, m, k]);
        const b = t64(uniformValues(size(bb) * k * 2, seed + 1), [...bb, k, 2]);
        expect(gradcheck(mm, [a, b], GC).ok).toBe(true);
        // products of two inputs: the mixed second derivatives are non-zero
        expect(gradgradcheck(mm, [a, b], { ...GC, seed }).ok).toBe(true);
        const v = t64(uniformValues(k, seed + 2), [k]);
        expect(gradcheck(mm, [a, v], GC).ok).toBe(true);
        expect(gradgradcheck(mm, [v, b], { ...GC, seed }).ok).toBe(true);
      }),
      FC_GRAD,
    );
  });
});

describe('matmul: the 2-D × 2-D path', () => {
  it('is bit-identical to the general path (the same product as a batch of one), forward and gradients, every flag pair', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.boolean(), seedArb, (m, k, n, tA, tB, seed) => {
        const sa = tA ? [k, m] : [m, k];
        const sb = tB ? [n, k] : [k, n];
        const da = uniformValues(m * k, seed);
        const db = uniformValues(k * n, seed + 1);
        const dg = uniformValues(m * n, seed + 2);
        const opts = { transposeA: tA, transposeB: tB };
        const [a2, b2] = [t64(da, sa, true), t64(db, sb, true)];
        const [a3, b3] = [t64(da, [1, ...sa], true), t64(db, [1, ...sb], true)];
        const y2 = matmul(a2, b2, opts);
        const y3 = matmul(a3, b3, opts);
        expect(y2.shape).toEqual([m, n]);
        expect(y2.buffer).toEqual(y3.buffer);
        y2.backward(t64(dg, [m, n]));
        y3.backward(t64(dg, [1, m, n]));
        expect(a2.grad!.buffer).toEqual(a3.grad!.buffer);
        expect(b2.grad!.buffer).toEqual(b3.grad!.buffer);
      }),
      FC,
    );
  });

  it('keeps dtype and refuses misaligned operands like the general path', () => {
    const y = matmul(tensor([[1, 2]], { dtype: 'float32' }), tensor([[3], [4]], { dtype: 'float32' }));
    expect(y.dtype).toBe('float32');
    expect(y).toBeAllClose([[11]]);
    expectError(() => matmul(zeros([2, 3]), zeros([4, 2]), { transposeB: true }), ShapeError, ['matmul:', '[2,3]', '[4,2]', '(3)', 'last (transposed) dimension (2)']);
  });
});

describe('matmul with transposeA / transposeB', () => {
  it('equals the product with the operand transposed, on known values; ignored for 1-D operands', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[1, 0], [1, 1]]);
    expect(matmul(a, b, { transposeB: true })).toBeAllClose([[1, 3], [3, 7]]);
    expect(matmul(a, b, { transposeA: true })).toBeAllClose([[4, 3], [6, 4]]);
    expect(matmul(a, b, { transposeA: true, transposeB: true })).toBeAllClose([[1, 4], [2, 6]]);
    expect(matmul(tensor([1, 1]), a, { transposeA: true })).toBeAllClose([4, 6]);
  });

  it('random batched shapes, all four flag combinations: forward and gradients match the reference', () => {
    fc.assert(
      fc.property(broadcastPairArb(2, 2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), seedArb, ({ a: ba, b: bb }, m, k, n, tA, tB, seed) => {
        // stored operands: A is (k, m) when read transposed, B is (n, k)
        const A: Ref = { shape: [...ba, ...(tA ? [k, m] : [m, k])], data: uniformValues(size(ba) * m * k, seed) };
        const B: Ref = { shape: [...bb, ...(tB ? [n, k] : [k, n])], data: uniformValues(size(bb) * k * n, seed + 1) };
        const opA = tA ? refT(A) : A;
        const opB = tB ? refT(B) : B;
        const Y = refBatched(opA, opB);
        const ta = fromRef(A, true);
        const tb = fromRef(B, true);
        const y = matmul(ta, tb, { transposeA: tA, transposeB: tB });
        expectRef(y, Y);
        const G: Ref = { shape: Y.shape, data: uniformValues(size(Y.shape), seed + 2) };
        y.backward(fromRef(G));
        // gradients of op(A) and op(B) by the plain rule, transposed back where the operand was read transposed
        const dOpA = refBatched(G, refT(opB));
        const dOpB = refBatched(refT(opA), G);
        expectRef(ta.grad!, refSumTo(tA ? refT(dOpA) : dOpA, A.shape));
        expectRef(tb.grad!, refSumTo(tB ? refT(dOpB) : dOpB, B.shape));
      }),
      FC,
    );
  });

  it('gradcheck and gradgradcheck with transposed operands', () => {
    const a = t64(uniformValues(12, 21), [2, 3, 2]);
    const b = t64(uniformValues(6, 22), [2, 3]);
    for (const [tA, tB] of [[true, false], [false, true], [true, true]] as const) {
      const f = (p: Tensor, q: Tensor) => matmul(p, q, { transposeA: tA, transposeB: tB });
      const bb = tB ? b : t64(Array.from(b.buffer), [3, 2]);
      const aa = tA ? a : t64(Array.from(a.buffer), [2, 2, 3]);
      expect(gradcheck(f, [aa, bb], GC).ok).toBe(true);
      expect(gradgradcheck(f, [aa, bb], GC).ok).toBe(true);
    }
  });

  it('a misaligned transposed operand is refused, naming both shapes', () => {
    expectError(() => matmul(zeros([2, 3]), zeros([2, 3]), { transposeB: false }), ShapeError, ['matmul:', '[2,3]', '(3)', '(2)']);
    expectError(() => matmul(zeros([2, 3]), zeros([2, 4]), { transposeA: true, transposeB: true }), ShapeError, ['matmul:', '[2,3]', '[2,4]', 'transposed']);
  });
});

describe('matmul errors', () => {
  it('inner dimensions that do not match name matmul, both shapes and both dimensions', () => {
    expectError(() => matmul(tensor([[1, 2]]), tensor([[1, 2]])), ShapeError, ['matmul:', '[1,2]', 'do not align', '(2)', '(1)']);
    expectError(() => matmul(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, ['matmul:', '[2]', '[3]', 'only']);
    expectError(() => matmul(zeros([2, 3]), zeros([2, 4, 5])), ShapeError, ['matmul:', '[2,3]', '[2,4,5]']);
  });

  it('scalar operands are refused, naming the shapes', () => {
    expectError(() => matmul(tensor(2), tensor([1, 2])), ShapeError, ['matmul:', 'at least one dimension', '[]', '[2]']);
  });

  it('batch dimensions that do not broadcast are a ShapeError naming both full shapes and the rule', () => {
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 5]))).toThrow(
      'matmul: shapes [2,2,3] and [3,3,5] cannot be broadcast together: their batch dimensions (all but the last two), ' +
        '[2] and [3], must broadcast (sizes equal or one of them 1, aligned from the right), but axis 0 of the first is 2 ' +
        'and axis 0 of the second is 3',
    );
    // the clash is found from the right, past broadcastable dimensions, and counted in each operand's own axes
    expectError(() => matmul(zeros([4, 2, 1, 2, 3]), zeros([5, 1, 3, 5])), ShapeError, [
      'matmul:', '[4,2,1,2,3]', '[5,1,3,5]', 'batch dimensions (all but the last two)', 'must broadcast', 'axis 1 of the first is 2', 'axis 0 of the second is 5',
    ]);
  });

  it('mixed dtypes are a DTypeError naming matmul', () => {
    expectError(() => matmul(tensor([[1]]), tensor([[1]], { dtype: 'float32' })), DTypeError, ['matmul:', 'float32', 'float64']);
  });
});

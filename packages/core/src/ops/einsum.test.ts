import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange, ones, zeros } from '../create.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, expectError, expectRef, ravel, refMatmul2d, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { einsum } from './einsum.js';

/**
 * The definition, by brute force: for every assignment of values to all labels, add the product of
 * the operands' elements (each read at its labels' values, 0 on a size-1 axis) to the output element
 * at the output labels' values.
 */
function refEinsum(terms: string[], out: string, xs: Ref[]): Ref {
  const labels = [...new Set(terms.join(''))];
  const sizeOf = (l: string) => Math.max(...terms.flatMap((t, k) => [...t].flatMap((c, i) => (c === l ? [xs[k].shape[i]] : []))));
  const sizes = labels.map(sizeOf);
  const shape = [...out].map(sizeOf);
  const data = new Array<number>(size(shape)).fill(0);
  for (let f = 0; f < size(sizes); f++) {
    const v = unravel(f, sizes);
    const at = (l: string) => v[labels.indexOf(l)];
    let p = 1;
    terms.forEach((t, k) => (p *= xs[k].data[ravel([...t].map((c, i) => (xs[k].shape[i] === 1 ? 0 : at(c))), xs[k].shape)]));
    data[ravel([...out].map(at), shape)] += p;
  }
  return { shape, data };
}

/** A random two-operand equation over up to 5 labels: shared, own, repeated (diagonals) and broadcast (size-1) axes. */
const equationArb = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
    a: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    b: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    keep: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    order: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
    implicit: fc.boolean(),
    ones: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ sizes, a, b, keep, order, implicit, ones, seed }) => {
    const letters = 'pqrst';
    const ta = a.map((i) => letters[i]).join('');
    const tb = b.map((i) => letters[i]).join('');
    const used = [...new Set(ta + tb)];
    const counts = (l: string) => [...(ta + tb)].filter((c) => c === l).length;
    const out = implicit ? used.filter((l) => counts(l) === 1).sort().join('') : used.filter((_, i) => keep[i]).sort((p, q) => order[letters.indexOf(p)] - order[letters.indexOf(q)]).join('');
    // a non-repeated axis may be 1 where the label is larger elsewhere: it broadcasts
    const shapeOf = (t: string, off: number) => [...t].map((c, i) => (ones[off + i] && [...t].filter((x) => x === c).length === 1 ? 1 : sizes[letters.indexOf(c)]));
    return { equation: `${ta},${tb}${implicit ? '' : `->${out}`}`, terms: [ta, tb], out, shapes: [shapeOf(ta, 0), shapeOf(tb, 3)], seed };
  });

describe('einsum', () => {
  const a = t64([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = t64([1, -1, 2, 0, 3, 1], [3, 2]);

  it('matches the named products', () => {
    expectRef(einsum('ij,jk->ik', a, b), { shape: [2, 2], data: refMatmul2d(a.buffer, b.buffer, 2, 3, 2) });
    expect(einsum('ij,jk', a, b)).toBeAllClose(a.matmul(b));
    expect(einsum('ij->ji', a)).toBeAllClose(a.transpose());
    expect(einsum('ba', a).shape).toEqual([3, 2]); // implicit output: alphabetical
    expect(einsum('ij->', a)).toBeAllClose(21);
    expect(einsum('ii', tensor([[1, 2], [3, 4]]))).toBeAllClose(5);
    expect(einsum('ii->i', tensor([[1, 2], [3, 4]]))).toBeAllClose([1, 4]);
    expect(einsum('i,j', tensor([1, 2]), tensor([3, 4, 5]))).toBeAllClose([[3, 4, 5], [6, 8, 10]]);
    expect(einsum('i,i,i', tensor([1, 2]), tensor([3, 4]), tensor([5, 6]))).toBeAllClose(63);
    expect(einsum('bA,Ab', a, b)).toBeAllClose(1 * 1 + 2 * 2 + 3 * 3 + 4 * -1 + 5 * 0 + 6 * 1);
    expect(einsum('Ab,ba', a, b).shape).toEqual([2, 2]); // upper case first
    expect(einsum('', tensor(3))).toBeAllClose(3);
    expect(einsum(' i j , j k -> i k ', a, b)).toBeAllClose(a.matmul(b));
  });

  it("broadcasts '...' and size-1 labels, and sums '...' left out of an explicit output", () => {
    expect(einsum('...ij,...jk', ones([1, 2, 3]), ones([4, 3, 2])).shape).toEqual([4, 2, 2]);
    expect(einsum('...i,...i->...', ones([2, 3]), ones([3]))).toBeAllClose([3, 3]);
    expect(einsum('...ij->ij', ones([2, 3, 4])).shape).toEqual([3, 4]);
    expect(einsum('...ij->ij', ones([2, 3, 4]))).toBeAllClose(ones([3, 4]).mul(2));
    expect(einsum('i,i->', tensor([1]), tensor([1, 2]))).toBeAllClose(3);
    expect(einsum('ij,jk', ones([2, 1]), ones([3, 2]))).toBeAllClose([[3, 3], [3, 3]]);
    expect(einsum('bij,bjk->bik', arange(12).reshape([2, 2, 3]), arange(12).reshape([2, 3, 2]))).toBeAllClose(arange(12).reshape([2, 2, 3]).matmul(arange(12).reshape([2, 3, 2])));
    expect(einsum('ij,jk', zeros([2, 0]), zeros([0, 3]))).toBeAllClose(zeros([2, 3]));
  });

  it('matches the brute-force definition on random two-operand equations', () => {
    fc.assert(
      fc.property(equationArb, ({ equation, terms, out, shapes, seed }) => {
        const xs = shapes.map((s, k): Ref => ({ shape: s, data: uniformValues(size(s), seed + k) }));
        expectRef(einsum(equation, ...xs.map((x) => t64(x.data, x.shape))), refEinsum(terms, out, xs), { atol: 1e-12 });
      }),
      { ...FC, numRuns: 200 },
    );
  });

  it('is differentiable to every order (its ops are)', () => {
    fc.assert(
      fc.property(equationArb, ({ equation, shapes, seed }) => {
        const xs = shapes.map((s, k) => t64(uniformValues(size(s), seed + k), s));
        const f = (x: (typeof xs)[0], y: (typeof xs)[0]) => einsum(equation, x, y).square();
        expect(gradcheck(f, xs, GC).ok).toBe(true);
        expect(gradgradcheck(f, xs, GC).ok).toBe(true);
      }),
      FC_GRAD,
    );
    const diag = (x: ReturnType<typeof tensor>) => einsum('iji->j', x).square();
    expect(gradgradcheck(diag, [t64(uniformValues(12, 3), [2, 3, 2])], GC).ok).toBe(true);
  });

  it('refuses malformed equations, naming the term and the shapes', () => {
    expectError(() => einsum('ij,jk', a), ShapeError, ['2 input term(s)', '1 operand(s)']);
    expectError(() => einsum('ij->j', ones([2, 3, 4])), ShapeError, ['"ij"', '2 subscript(s)', '[2,3,4]', "no '...'"]);
    expectError(() => einsum('ij,jk->kk', a, b), ShapeError, ['output subscript k appears more than once']);
    expectError(() => einsum('ij,jk->iz', a, b), ShapeError, ['output subscript z', 'no input term']);
    expectError(() => einsum('ij,jk', a, ones([2, 2])), ShapeError, ['subscript j has size 2 for operand 1', '[2,2]', 'size 3']);
    expectError(() => einsum('iij->j', ones([2, 3, 4])), ShapeError, ['subscript i is repeated for operand 0', '[2,3,4]', '2 vs 3']);
    expectError(() => einsum('i1', ones([2, 3])), ShapeError, ['invalid subscript "1"']);
    expectError(() => einsum('ij'), ShapeError, ['at least one operand']);
  });
});

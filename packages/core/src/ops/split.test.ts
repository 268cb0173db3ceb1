import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange, zeros } from '../create.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, expectRef, ravel, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { chunk, split } from './split.js';
import { concat } from './layout.js';

/** PyTorch's piece sizes: split by size s (the last piece smaller), chunk by ⌈n / chunks⌉. */
function refSizes(n: number, s: number): number[] {
  if (n === 0) return [0];
  const out: number[] = [];
  for (let left = n; left > 0; left -= s) out.push(Math.min(s, left));
  return out;
}

/** Positions [from, from + count) along `axis`. */
function refPiece(x: Ref, axis: number, from: number, count: number): Ref {
  const shape = x.shape.slice();
  shape[axis] = count;
  const data = Array.from({ length: size(shape) }, (_, f) => {
    const idx = unravel(f, shape);
    idx[axis] += from;
    return x.data[ravel(idx, x.shape)];
  });
  return { shape, data };
}

const caseArb = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.integer({ min: 0, max: shape.length - 1 }), k: fc.integer({ min: 1, max: 7 }), seed: fc.integer({ min: 1, max: 1000 }) }));

describe('split, chunk', () => {
  it("cut as PyTorch's split and chunk do", () => {
    expect(split(arange(5), 2).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(split(arange(5), [1, 4]).map((p) => p.toArray())).toEqual([[0], [1, 2, 3, 4]]);
    expect(split(arange(5), [5, 0]).map((p) => p.shape)).toEqual([[5], [0]]);
    expect(split(zeros([0]), 2).map((p) => p.shape)).toEqual([[0]]);
    expect(split(zeros([0]), 0).map((p) => p.shape)).toEqual([[0]]);
    expect(chunk(arange(6), 4).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]); // fewer pieces than asked
    expect(chunk(arange(5), 3).map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(chunk(zeros([0]), 3).map((p) => p.shape)).toEqual([[0], [0], [0]]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).split(2, 1).map((p) => p.toArray())).toEqual([[[1, 2], [4, 5]], [[3], [6]]]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).chunk(2, -1).map((p) => p.shape)).toEqual([[2, 2], [2, 1]]);
  });

  it('give pieces of the reference sizes that put back together are the input', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, axis, k, seed }) => {
        const x: Ref = { shape, data: uniformValues(size(shape), seed) };
        const t = t64(x.data, shape);
        const n = shape[axis];
        for (const [pieces, sizes] of [
          [split(t, k, axis), refSizes(n, k)],
          [chunk(t, k, axis), refSizes(n, Math.ceil(n / k))],
        ] as const) {
          expect(pieces.map((p) => p.shape[axis])).toEqual(sizes);
          let from = 0;
          pieces.forEach((p, i) => {
            expectRef(p, refPiece(x, axis, from, sizes[i]));
            from += sizes[i];
          });
          expectRef(concat(pieces, { axis }), x);
        }
      }),
      FC,
    );
  });

  it('are differentiable piece by piece', () => {
    const f = (t: ReturnType<typeof tensor>) => {
      const [a, b, c] = split(t, [1, 2, 1], 1);
      return concat([c.mul(3), a, b.square()], { axis: 1 });
    };
    expect(gradcheck(f, [t64(uniformValues(8, 1), [2, 4])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(uniformValues(8, 2), [2, 4])], GC).ok).toBe(true);
    const g = (t: ReturnType<typeof tensor>) => chunk(t, 2)[1].square();
    expect(gradcheck(g, [t64(uniformValues(6, 3), [3, 2])], GC).ok).toBe(true);
  });

  it('refuse sizes that do not fit, naming them', () => {
    expectError(() => split(arange(5), [2, 2]), ShapeError, ['split', '[2,2]', 'adding up to 5', 'axis 0', '[5]']);
    expectError(() => split(arange(5), 0), ShapeError, ['split', 'positive integer', 'got 0']);
    expectError(() => split(arange(5), -1), ShapeError, ['got -1']);
    expectError(() => split(tensor(1), 1), ShapeError, ['split', 'scalar']);
    expectError(() => chunk(arange(5), 0), ShapeError, ['chunk', 'positive integer', 'got 0']);
    expectError(() => chunk(arange(5), 2, 1), ShapeError, ['chunk', 'axis 1']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, expectRef, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { tril, triu } from './triangular.js';

function refTriangle(x: Ref, k: number, lower: boolean): Ref {
  const n = x.shape.length;
  return { shape: x.shape, data: x.data.map((v, f) => {
    const idx = unravel(f, x.shape);
    const diff = idx[n - 1] - idx[n - 2];
    return (lower ? diff <= k : diff >= k) ? v : 0;
  }) };
}

describe('tril, triu', () => {
  it('keep a triangle of the last two axes', () => {
    expect(tril(tensor([[1, 2], [3, 4]]))).toBeAllClose([[1, 0], [3, 4]]);
    expect(tril(tensor([[1, 2], [3, 4]]), -1)).toBeAllClose([[0, 0], [3, 0]]);
    expect(triu(tensor([[1, 2], [3, 4]]))).toBeAllClose([[1, 2], [0, 4]]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).triu(1)).toBeAllClose([[0, 2, 3], [0, 0, 6]]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).tril(5)).toBeAllClose([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([[1, 2, 3], [4, 5, 6]]).tril(-5)).toBeAllClose([[0, 0, 0], [0, 0, 0]]);
    expect(tril(tensor([[NaN, NaN], [NaN, NaN]]))).toBeAllClose([[NaN, 0], [NaN, NaN]]); // selected, not multiplied
    expect(tril(zeros([2, 0, 3])).shape).toEqual([2, 0, 3]);
  });

  it('match the reference on batches of matrices', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 4 }), fc.integer({ min: -4, max: 4 }), fc.integer({ min: 1, max: 1000 }), (shape, k, seed) => {
        const x: Ref = { shape, data: uniformValues(size(shape), seed) };
        expectRef(tril(t64(x.data, shape), k), refTriangle(x, k, true));
        expectRef(triu(t64(x.data, shape), k), refTriangle(x, k, false));
      }),
      FC,
    );
  });

  it('pass the gradient through the triangle only', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const [dx] = gradients(triu(x), [x], { gradOutputs: [tensor([[NaN, 2], [NaN, 4]])] });
    expect(dx).toBeAllClose([[NaN, 2], [0, 4]]);
    for (const op of [tril, triu]) {
      const f = (t: typeof x) => op(t, 1).square();
      expect(gradcheck(f, [t64(uniformValues(12, 1), [2, 2, 3])], GC).ok).toBe(true);
      expect(gradgradcheck(f, [t64(uniformValues(12, 2), [2, 2, 3])], GC).ok).toBe(true);
    }
  });

  it('refuse vectors and fractional diagonals', () => {
    expectError(() => tril(tensor([1, 2])), ShapeError, ['tril', '[2]', 'rank 2 or more']);
    expectError(() => triu(tensor([[1]]), 0.5), ChainruleError, ['triu', 'integer', '0.5']);
  });
});

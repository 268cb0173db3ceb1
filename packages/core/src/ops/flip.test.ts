import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange } from '../create.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, expectRef, ravel, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { flip } from './flip.js';

function refFlip(x: Ref, axes: number[]): Ref {
  const data = Array.from({ length: x.data.length }, (_, f) => {
    const idx = unravel(f, x.shape).map((v, d) => (axes.includes(d) ? x.shape[d] - 1 - v : v));
    return x.data[ravel(idx, x.shape)];
  });
  return { shape: x.shape, data };
}

describe('flip', () => {
  it('reverses the given axes', () => {
    expect(flip(tensor([[1, 2], [3, 4]]), 1)).toBeAllClose([[2, 1], [4, 3]]);
    expect(flip(tensor([[1, 2], [3, 4]]), [0, 1])).toBeAllClose([[4, 3], [2, 1]]);
    expect(flip(tensor([[1, 2], [3, 4]]), [-2])).toBeAllClose([[3, 4], [1, 2]]);
    expect(tensor([[1, 2], [3, 4]]).flip(0, 1)).toBeAllClose([[4, 3], [2, 1]]);
    expect(tensor([1, 2]).flip([0])).toBeAllClose([2, 1]);
    expect(flip(tensor(3), [0])).toBeAllClose(3);
    expect(flip(tensor([1, 2]), [])).toBeAllClose([1, 2]);
  });

  it('matches the reference on random shapes and axes, small and large (the ndarray path)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) => fc.tuple(fc.constant(shape), fc.subarray(shape.map((_, i) => i)))),
        fc.integer({ min: 1, max: 1000 }),
        ([shape, axes], seed) => {
          const x: Ref = { shape, data: uniformValues(size(shape), seed) };
          expectRef(flip(t64(x.data, shape), axes), refFlip(x, axes));
        },
      ),
      FC,
    );
    const big = arange(600).reshape([20, 30]);
    expectRef(flip(big, [0, 1]), refFlip({ shape: [20, 30], data: Array.from(big.buffer) }, [0, 1]));
  });

  it('is its own adjoint', () => {
    const f = (t: ReturnType<typeof tensor>) => flip(t, [0, 2]).square();
    expect(gradcheck(f, [t64(uniformValues(12, 1), [2, 3, 2])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(uniformValues(12, 2), [2, 3, 2])], GC).ok).toBe(true);
  });

  it('refuses repeated and out-of-range axes', () => {
    expectError(() => flip(tensor([1, 2]), [0, 0]), ShapeError, ['flip', 'axis 0 appears more than once']);
    expectError(() => flip(tensor([1, 2]), [1]), ShapeError, ['flip', 'axis 1', 'rank 1', '[-1, 0]']);
  });
});

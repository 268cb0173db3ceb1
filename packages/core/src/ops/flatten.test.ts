import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange, zeros } from '../create.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { GC, expectError, t64, uniformValues } from '../test-utils/index.js';
import { flatten, unflatten } from './flatten.js';

describe('flatten, unflatten', () => {
  it('merge a run of axes, or split one, keeping the row-major order', () => {
    expect(flatten(zeros([2, 3, 4])).shape).toEqual([24]);
    expect(flatten(zeros([2, 3, 4]), 1).shape).toEqual([2, 12]);
    expect(flatten(zeros([2, 3, 4]), 0, 1).shape).toEqual([6, 4]);
    expect(flatten(zeros([2, 3, 4]), -2, -2).shape).toEqual([2, 3, 4]);
    expect(flatten(tensor(5))).toBeAllClose([5]);
    expect(tensor([[1, 2], [3, 4]]).flatten()).toBeAllClose([1, 2, 3, 4]);
    expect(zeros([2, 3, 4]).flatten(1, 2).shape).toEqual([2, 12]);
    expect(unflatten(zeros([2, 12]), 1, [3, -1]).shape).toEqual([2, 3, 4]);
    expect(unflatten(zeros([2, 3, 4]), 1, [-1, 1]).shape).toEqual([2, 3, 1, 4]);
    expect(arange(6).unflatten(0, [2, 3])).toBeAllClose([[0, 1, 2], [3, 4, 5]]);
    expect(unflatten(zeros([0]), 0, [0, 5]).shape).toEqual([0, 5]);
  });

  it('are differentiable (reshapes)', () => {
    const f = (t: ReturnType<typeof tensor>) => unflatten(flatten(t, 1), 1, [2, 3]).square();
    expect(gradcheck(f, [t64(uniformValues(12, 1), [2, 3, 2])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(uniformValues(12, 2), [2, 3, 2])], GC).ok).toBe(true);
  });

  it('refuse axes in the wrong order and sizes that do not multiply up', () => {
    expectError(() => flatten(zeros([2, 3]), 1, 0), ShapeError, ['flatten', 'startDim 1 comes after endDim 0', '[2,3]']);
    expectError(() => flatten(zeros([2, 3]), 2), ShapeError, ['flatten', 'axis 2']);
    expectError(() => unflatten(zeros([2, 3]), 1, [2, 2]), ShapeError, ['unflatten', 'sizes [2,2]', 'axis 1 of size 3', '[2,3]', 'multiply to 3']);
    expectError(() => unflatten(zeros([2, 3]), 1, [-1, -1]), ShapeError, ['only one may be -1']);
    expectError(() => unflatten(zeros([2, 3]), 1, []), ShapeError, ['non-empty']);
  });
});

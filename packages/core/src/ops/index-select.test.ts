import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, expectRef, ravel, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { indexSelect } from './index-select.js';

/** out[..., k, ...] = x[..., index[k], ...] along `axis`. */
function refIndexSelect(x: Ref, axis: number, index: number[]): Ref {
  const shape = x.shape.slice();
  shape[axis] = index.length;
  const data = Array.from({ length: size(shape) }, (_, f) => {
    const idx = unravel(f, shape);
    idx[axis] = index[idx[axis]];
    return x.data[ravel(idx, x.shape)];
  });
  return { shape, data };
}

const caseArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 })))
  .chain(([shape, axis]) => fc.record({ shape: fc.constant(shape), axis: fc.constant(axis), index: fc.array(fc.integer({ min: 0, max: shape[axis] - 1 }), { maxLength: 5 }), seed: fc.integer({ min: 1, max: 1000 }) }));

describe('indexSelect', () => {
  it('picks whole slices along an axis, repeats allowed', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(indexSelect(x, 1, [2, 0, 2])).toBeAllClose([[3, 1, 3], [6, 4, 6]]);
    expect(indexSelect(x, -2, [1])).toBeAllClose([[4, 5, 6]]);
    expect(indexSelect(x, 0, tensor(1))).toBeAllClose([[4, 5, 6]]); // a 0-D index keeps the axis
    expect(indexSelect(x, 1, []).shape).toEqual([2, 0]);
    expect(indexSelect(tensor(5), 0, [0])).toBeAllClose(5);
    expect(x.indexSelect(0, [1, 1])).toBeAllClose([[4, 5, 6], [4, 5, 6]]);
  });

  it('matches the reference on random shapes, axes and positions', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, axis, index, seed }) => {
        const x: Ref = { shape, data: uniformValues(size(shape), seed) };
        expectRef(indexSelect(t64(x.data, shape), axis, index), refIndexSelect(x, axis, index));
      }),
      FC,
    );
  });

  it('adds the gradients of repeated positions', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = indexSelect(x, 1, [2, 0, 2]);
    const [dx] = gradients(y, [x], { gradOutputs: [tensor([[1, 10, 100], [2, 20, 200]])] });
    expect(dx).toBeAllClose([[10, 0, 101], [20, 0, 202]]);
    expect(gradcheck((t) => indexSelect(t, 1, [2, 0, 2]).square(), [t64(uniformValues(6, 1), [2, 3])], GC).ok).toBe(true);
    expect(gradgradcheck((t) => indexSelect(t, 0, [1, 1, 0]).square(), [t64(uniformValues(6, 2), [2, 3])], GC).ok).toBe(true);
  });

  it('refuses positions out of range, negative or fractional, and indexes that are not lists', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expectError(() => indexSelect(x, 1, [3]), ShapeError, ['indexSelect', 'index value 3', '[0, 3)', 'axis 1', '[2,3]']);
    expectError(() => indexSelect(x, 1, [-1]), ShapeError, ['index value -1']);
    expectError(() => indexSelect(x, 0, [0.5]), ShapeError, ['index value 0.5']);
    expectError(() => indexSelect(x, 0, [[0]]), ShapeError, ['shape [1,1]', '1-D']);
    expectError(() => indexSelect(x, 2, [0]), ShapeError, ['indexSelect', 'axis 2']);
    expectError(() => indexSelect(x, 0, tensor([0], { dtype: 'float32' })), DTypeError, ['indexSelect', 'float32', 'float64', "cast('float64')"]);
  });
});

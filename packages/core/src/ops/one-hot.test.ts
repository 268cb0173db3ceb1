import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { FC, expectError, expectRef, t64 } from '../test-utils/index.js';
import { oneHot } from './one-hot.js';

describe('oneHot', () => {
  it("encodes as PyTorch's F.one_hot, in the index's dtype", () => {
    expect(oneHot([2, 0], 3)).toBeAllClose([[0, 0, 1], [1, 0, 0]]);
    expect(oneHot([1, 0, 2])).toBeAllClose([[0, 1, 0], [1, 0, 0], [0, 0, 1]]); // classes inferred: max + 1
    expect(oneHot(tensor(1), 3)).toBeAllClose([0, 1, 0]);
    expect(oneHot(tensor([[0], [1]]), 2).shape).toEqual([2, 1, 2]);
    expect(oneHot(tensor([]), 3).shape).toEqual([0, 3]);
    expect(oneHot(tensor([1], { dtype: 'float32' }), 2).dtype).toBe('float32');
    expect(oneHot(tensor([1], { requiresGrad: true }), 2).requiresGrad).toBe(false);
  });

  it('puts exactly one 1 per row, at the index', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }), fc.integer({ min: 6, max: 8 }), (index, classes) => {
        const data = index.flatMap((i) => Array.from({ length: classes }, (_, c) => (c === i ? 1 : 0)));
        expectRef(oneHot(t64(index, [index.length]), classes), { shape: [index.length, classes], data });
      }),
      FC,
    );
  });

  it('refuses values out of range and an empty index without numClasses', () => {
    expectError(() => oneHot([1, 0, 2], 2), ShapeError, ['oneHot', 'index value 2', '[0, 2)', 'for 2 classes']);
    expectError(() => oneHot([-1], 2), ShapeError, ['index value -1']);
    expectError(() => oneHot([0.5], 2), ShapeError, ['index value 0.5']);
    expectError(() => oneHot(tensor([])), ShapeError, ['cannot infer the number of classes', 'give numClasses']);
    expectError(() => oneHot([1], -2), ChainruleError, ['numClasses', '-2']);
  });
});

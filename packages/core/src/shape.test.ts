import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { broadcastShapes, checkShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf, stridesOf } from './shape.js';
import { FC, broadcastPairArb, broadcastShape, expectError, ravel, shapeArb, unravel } from './test-utils/index.js';

describe('sizeOf and stridesOf', () => {
  it('on known shapes', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([2, 0, 4])).toBe(0);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([])).toEqual([]);
    expect(stridesOf([5])).toEqual([1]);
  });

  it('row-major strides address every element once, in order', () => {
    fc.assert(
      fc.property(shapeArb(4, 4), (shape) => {
        const strides = stridesOf(shape);
        for (let i = 0; i < sizeOf(shape); i++) {
          const idx = unravel(i, shape);
          expect(idx.reduce((o, v, d) => o + v * strides[d], 0)).toBe(ravel(idx, shape));
          expect(ravel(idx, shape)).toBe(i);
        }
      }),
      FC,
    );
  });
});

describe('shapesEqual', () => {
  it('compares dimension by dimension', () => {
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([2], [2, 1])).toBe(false);
    expect(shapesEqual([], [])).toBe(true);
  });
});

describe('broadcastShapes', () => {
  it('NumPy rules on known cases', () => {
    expect(broadcastShapes([2, 1], [1, 3], 'op')).toEqual([2, 3]);
    expect(broadcastShapes([4, 2, 3], [3], 'op')).toEqual([4, 2, 3]);
    expect(broadcastShapes([], [2, 2], 'op')).toEqual([2, 2]);
    expect(broadcastShapes([1, 0], [3, 1], 'op')).toEqual([3, 0]);
  });

  it('agrees with the reference on random broadcastable pairs, symmetrically', () => {
    fc.assert(
      fc.property(broadcastPairArb(4, 3), ({ a, b }) => {
        expect(broadcastShapes(a, b, 'op')).toEqual(broadcastShape(a, b));
        expect(broadcastShapes(b, a, 'op')).toEqual(broadcastShape(a, b));
      }),
      FC,
    );
  });

  it('refuses incompatible shapes, naming the op, both shapes and the dimension', () => {
    expectError(() => broadcastShapes([2, 3], [4, 3], 'add'), ShapeError, ['add:', '[2,3]', '[4,3]', 'dimension 0', '2 vs 4']);
    expectError(() => broadcastShapes([3], [2, 4], 'mul'), ShapeError, ['mul:', '[3]', '[2,4]', 'dimension 1', '3 vs 4']);
  });

  it('random incompatible pairs are refused exactly when the reference says so', () => {
    fc.assert(
      fc.property(shapeArb(3, 3), shapeArb(3, 3), (a, b) => {
        const expected = broadcastShape(a, b);
        if (expected === null) expect(() => broadcastShapes(a, b, 'op')).toThrow(ShapeError);
        else expect(broadcastShapes(a, b, 'op')).toEqual(expected);
      }),
      FC,
    );
  });
});

describe('normalizeAxis and normalizeAxes', () => {
  it('maps negative axes from the end', () => {
    expect(normalizeAxis(-1, 3, 'op')).toBe(2);
    expect(normalizeAxis(-3, 3, 'op')).toBe(0);
    expect(normalizeAxis(1, 3, 'op')).toBe(1);
  });

  it('refuses axes out of range and non-integers, naming op, axis, rank and the valid range', () => {
    expectError(() => normalizeAxis(3, 3, 'sum'), ShapeError, ['sum:', 'axis 3', 'rank 3', '[-3, 2]']);
    expectError(() => normalizeAxis(-4, 3, 'sum'), ShapeError, ['sum:', 'axis -4']);
    expectError(() => normalizeAxis(0, 0, 'max'), ShapeError, ['max:', 'rank 0', 'scalar']);
    expectError(() => normalizeAxis(0.5, 2, 'op'), ShapeError, ['op:', 'axis 0.5']);
  });

  it('normalizeAxes: all axes when undefined, sorted, duplicates refused', () => {
    expect(normalizeAxes(undefined, 3, 'op')).toEqual([0, 1, 2]);
    expect(normalizeAxes(-1, 3, 'op')).toEqual([2]);
    expect(normalizeAxes([2, -3], 3, 'op')).toEqual([0, 2]);
    expect(normalizeAxes([], 3, 'op')).toEqual([]);
    expectError(() => normalizeAxes([1, -2], 3, 'mean'), ShapeError, ['mean:', 'axis 1 is given twice', '[1,-2]']);
  });
});

describe('checkShape', () => {
  it('accepts non-negative integer arrays and refuses anything else, naming the op', () => {
    expect(checkShape([2, 0, 3], 'op')).toEqual([2, 0, 3]);
    expect(checkShape([], 'op')).toEqual([]);
    expectError(() => checkShape([2, -1], 'zeros'), ShapeError, ['zeros:', '[2,-1]']);
    expectError(() => checkShape([1.5], 'zeros'), ShapeError, ['zeros:', '[1.5]']);
    expectError(() => checkShape('2' as unknown, 'zeros'), ShapeError, ['zeros:', '"2"']);
  });
});

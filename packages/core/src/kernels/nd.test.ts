import ndarray from 'ndarray';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { FC, refPermute, refZip, seedArb, size, uniformValues, type Ref } from '../test-utils/index.js';
import { assignStrided, broadcastCopy, broadcastStrides, copyStrided, fromNdarray, toNdarray } from './nd.js';
import { stridesOf } from '../shape.js';

// Shapes on both sides of the 256-element threshold where the copy switches from a plain loop to ndarray-ops.
const shapeEitherSideArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  fc.array(fc.integer({ min: 5, max: 9 }), { minLength: 3, maxLength: 4 }),
);

describe('copyStrided', () => {
  it('copies a permuted view (both paths) like the reference permute', () => {
    fc.assert(
      fc.property(shapeEitherSideArb, seedArb, (shape, seed) => {
        const X: Ref = { shape, data: uniformValues(size(shape), seed) };
        const axes = shape.map((_, i) => shape.length - 1 - i); // full reversal
        const strides = stridesOf(shape);
        const out = copyStrided(Float64Array.from(X.data), axes.map((a) => shape[a]), axes.map((a) => strides[a]), 0, 'float64');
        expect(Array.from(out)).toEqual(refPermute(X, axes).data);
      }),
      FC,
    );
  });

  it('honours an offset and a step (a slice), small and large', () => {
    for (const n of [10, 1000]) {
      const src = Float64Array.from({ length: n }, (_, i) => i);
      const count = Math.floor((n - 3) / 3);
      const out = copyStrided(src, [count], [3], 3, 'float64');
      expect(Array.from(out)).toEqual(Array.from({ length: count }, (_, i) => 3 + 3 * i));
    }
  });

  it('produces the requested dtype and handles empty shapes', () => {
    const out = copyStrided(Float64Array.from([0.1, 0.2]), [2], [1], 0, 'float32');
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(copyStrided(new Float64Array(0), [0, 3], [3, 1], 0, 'float64').length).toBe(0);
  });
});

describe('assignStrided', () => {
  it('writes a contiguous block into every other column, small and large', () => {
    for (const rows of [2, 200]) {
      const dst = new Float64Array(rows * 4);
      const src = Float64Array.from({ length: rows * 2 }, (_, i) => i + 1);
      assignStrided(dst, [rows, 2], [4, 2], 1, src);
      const expected = Array.from({ length: rows * 4 }, (_, i) => (i % 2 === 1 ? src[Math.floor(i / 4) * 2 + (i % 4 === 1 ? 0 : 1)] : 0));
      expect(Array.from(dst)).toEqual(expected);
    }
  });
});

describe('broadcastStrides and broadcastCopy', () => {
  it('stride 0 on added and size-1 axes', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([], [2])).toEqual([0]);
  });

  it('copies like the reference broadcast, small and large', () => {
    fc.assert(
      fc.property(fc.constantFrom<[number[], number[]]>([[3, 1], [2, 3, 4]], [[1, 7], [40, 7]], [[], [300]], [[5, 1, 6], [9, 5, 8, 6]]), seedArb, ([shape, target], seed) => {
        const X: Ref = { shape, data: uniformValues(size(shape), seed) };
        const expected = refZip(X, { shape: target, data: new Array<number>(size(target)).fill(0) }, (v) => v);
        expect(Array.from(broadcastCopy(Float64Array.from(X.data), shape, target, 'float64'))).toEqual(expected.data);
      }),
      FC,
    );
  });
});

describe('fromNdarray and toNdarray', () => {
  it('fromNdarray copies any strided view (transposed, stepped, offset, reversed), float32 stays float32', () => {
    const base = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(fromNdarray(base.transpose(1, 0)).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(fromNdarray(base.hi(2, 3).lo(0, 1).step(1, 2)).toArray()).toEqual([[2], [5]]);
    expect(fromNdarray(base.step(-1, -1)).toArray()).toEqual([[6, 5, 4], [3, 2, 1]]);
    const f32 = fromNdarray(ndarray(new Float32Array([0.5, 1.5]), [2]));
    expect(f32.dtype).toBe('float32');
    const plain = fromNdarray(ndarray([1, 2, 3], [3]));
    expect(plain.dtype).toBe('float64');
    expect(plain.toArray()).toEqual([1, 2, 3]);
  });

  it('toNdarray shares the tensor buffer in row-major order', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    const v = toNdarray(t);
    expect(v.data).toBe(t.buffer);
    expect(v.get(1, 2)).toBe(6);
    expect(v.shape).toEqual([2, 3]);
  });
});

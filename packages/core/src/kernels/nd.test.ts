import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FC, refPermute, refZip, seedArb, size, uniformValues, type Ref } from '../test-utils/index.js';
import { assignStrided, broadcastCopy, broadcastStrides, copyStrided, ndarrayToBuffer, nextStridedOffset } from './nd.js';
import { stridesOf } from '../shape.js';

// Small shapes (short rows, plain loops) and shapes of 4096+ elements (tiled reads for transposing
// permutes, TypedArray set/fill for long rows), ranks 1 to 4.
const shapeEitherSideArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  fc.array(fc.integer({ min: 5, max: 9 }), { minLength: 3, maxLength: 4 }),
  fc.array(fc.integer({ min: 33, max: 90 }), { minLength: 2, maxLength: 2 }),
  fc.tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 33, max: 40 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 33, max: 40 })),
);

/** Every permutation of 0..n-1 as an arbitrary. */
const permutationArb = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

describe('nextStridedOffset', () => {
  it('visits every offset of a view in row-major order and wraps back to the start', () => {
    const shape = [2, 3, 2];
    const strides = [1, 4, 2]; // some permuted reading
    const index = [0, 0, 0];
    const seen: number[] = [];
    let o = 5;
    for (let i = 0; i < 12; i++) {
      seen.push(o);
      o = nextStridedOffset(index, shape, strides, o);
    }
    const expected: number[] = [];
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) expected.push(5 + a * 1 + b * 4 + c * 2);
    expect(seen).toEqual(expected);
    expect(o).toBe(5);
    expect(index).toEqual([0, 0, 0]);
  });

  it('steps only the first `rank` axes when asked (row-at-a-time walks)', () => {
    const index = [0];
    const rows: number[] = [];
    let o = 0;
    for (let r = 0; r < 3; r++) {
      rows.push(o);
      o = nextStridedOffset(index, [3, 4], [4, 1], o, 1);
    }
    expect(rows).toEqual([0, 4, 8]);
  });
});

describe('copyStrided', () => {
  it('copies any permutation of a view (every path) like the reference permute', () => {
    fc.assert(
      fc.property(
        shapeEitherSideArb.chain((shape) => fc.tuple(fc.constant(shape), permutationArb(shape.length))),
        seedArb,
        ([shape, axes], seed) => {
          const X: Ref = { shape, data: uniformValues(size(shape), seed) };
          const strides = stridesOf(shape);
          const out = copyStrided(Float64Array.from(X.data), axes.map((a) => shape[a]), axes.map((a) => strides[a]), 0, 'float64');
          expect(Array.from(out)).toEqual(refPermute(X, axes).data);
        },
      ),
      FC,
    );
  });

  it('tiles a large transpose whose sides are not multiples of the tile', () => {
    const [rows, cols] = [70, 101];
    const X: Ref = { shape: [rows, cols], data: uniformValues(rows * cols, 3) };
    const out = copyStrided(Float64Array.from(X.data), [cols, rows], [1, cols], 0, 'float64');
    expect(Array.from(out)).toEqual(refPermute(X, [1, 0]).data);
  });

  it('honours an offset and a step (a slice), short and long rows', () => {
    for (const n of [10, 1000]) {
      const src = Float64Array.from({ length: n }, (_, i) => i);
      const count = Math.floor((n - 3) / 3);
      const out = copyStrided(src, [count], [3], 3, 'float64');
      expect(Array.from(out)).toEqual(Array.from({ length: count }, (_, i) => 3 + 3 * i));
    }
    // rows 1..3 of a 5×40 array: contiguous rows, merged into one long row
    const src = Float64Array.from({ length: 200 }, (_, i) => i);
    expect(Array.from(copyStrided(src, [3, 1, 40], [40, 40, 1], 40, 'float64'))).toEqual(Array.from({ length: 120 }, (_, i) => 40 + i));
  });

  it('reads negative strides (a reversed view), short and long', () => {
    for (const n of [5, 5000]) {
      const src = Float64Array.from({ length: n }, (_, i) => i);
      expect(Array.from(copyStrided(src, [n], [-1], n - 1, 'float64'))).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
    }
    // a 100×80 array transposed and both axes reversed: the tiled path with negative strides
    const X: Ref = { shape: [100, 80], data: uniformValues(8000, 9) };
    const out = copyStrided(Float64Array.from(X.data), [80, 100], [-1, -80], 7999, 'float64');
    const expected = refPermute(X, [1, 0]).data.reverse();
    expect(Array.from(out)).toEqual(expected);
  });

  it('produces the requested dtype (rounding float64 to float32) and handles empty and 0-d shapes', () => {
    for (const n of [2, 100]) {
      const src = Float64Array.from({ length: n }, (_, i) => 0.1 * (i + 1));
      const out = copyStrided(src, [n], [1], 0, 'float32');
      expect(out).toBeInstanceOf(Float32Array);
      expect(Array.from(out)).toEqual(Array.from(src, (v) => Math.fround(v)));
    }
    expect(copyStrided(new Float64Array(0), [0, 3], [3, 1], 0, 'float64').length).toBe(0);
    expect(Array.from(copyStrided(Float64Array.of(1, 2, 3), [], [], 2, 'float64'))).toEqual([3]);
  });
});

describe('assignStrided', () => {
  it('writes a contiguous block into every other column, short and long', () => {
    for (const rows of [2, 200]) {
      const dst = new Float64Array(rows * 4);
      const src = Float64Array.from({ length: rows * 2 }, (_, i) => i + 1);
      assignStrided(dst, [rows, 2], [4, 2], 1, src);
      const expected = Array.from({ length: rows * 4 }, (_, i) => (i % 2 === 1 ? src[Math.floor(i / 4) * 2 + (i % 4 === 1 ? 0 : 1)] : 0));
      expect(Array.from(dst)).toEqual(expected);
    }
  });

  it('writes long contiguous rows (a concatenation along the last axis) and leaves the rest', () => {
    const dst = new Float64Array(3 * 100).fill(-1);
    const src = Float64Array.from({ length: 3 * 60 }, (_, i) => i);
    assignStrided(dst, [3, 60], [100, 1], 40, src);
    for (let r = 0; r < 3; r++) {
      expect(Array.from(dst.subarray(r * 100, r * 100 + 40))).toEqual(new Array(40).fill(-1));
      expect(Array.from(dst.subarray(r * 100 + 40, r * 100 + 100))).toEqual(Array.from({ length: 60 }, (_, i) => r * 60 + i));
    }
  });

  it('is the inverse of copyStrided on the same view', () => {
    const shape = [6, 7, 8];
    const view = { shape: [3, 7, 4], strides: [112, 8, 2], offset: 57 };
    const whole = Float64Array.from({ length: size(shape) }, (_, i) => i);
    const part = copyStrided(whole, view.shape, view.strides, view.offset, 'float64');
    const back = new Float64Array(size(shape)).fill(NaN);
    assignStrided(back, view.shape, view.strides, view.offset, part);
    for (let i = 0; i < back.length; i++) if (!Number.isNaN(back[i])) expect(back[i]).toBe(i);
    expect(back.filter((v) => !Number.isNaN(v)).length).toBe(part.length);
  });
});

describe('broadcastStrides and broadcastCopy', () => {
  it('stride 0 on added and size-1 axes', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([], [2])).toEqual([0]);
  });

  it('copies like the reference broadcast, short and long rows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<[number[], number[]]>([[3, 1], [2, 3, 4]], [[1, 7], [40, 7]], [[], [300]], [[5, 1, 6], [9, 5, 8, 6]], [[40, 1], [40, 50]], [[50], [3, 50]]),
        seedArb,
        ([shape, target], seed) => {
          const X: Ref = { shape, data: uniformValues(size(shape), seed) };
          const expected = refZip(X, { shape: target, data: new Array<number>(size(target)).fill(0) }, (v) => v);
          expect(Array.from(broadcastCopy(Float64Array.from(X.data), shape, target, 'float64'))).toEqual(expected.data);
        },
      ),
      FC,
    );
  });
});

describe('ndarrayToBuffer', () => {
  // Objects of ndarray's layout ({ data, shape, stride, offset }), made without the ndarray package:
  // the conversion reads only these fields, and must work where ndarray itself cannot be loaded.
  const like = (data: unknown, shape: number[], stride: number[], offset: number) => ({ data, shape, stride, offset });

  it('copies any strided layout into a contiguous row-major buffer', () => {
    const data = Float64Array.of(1, 2, 3, 4, 5, 6); // 2×3
    expect(ndarrayToBuffer(like(data, [3, 2], [1, 3], 0))).toEqual({ buffer: Float64Array.of(1, 4, 2, 5, 3, 6), shape: [3, 2] });
    expect(ndarrayToBuffer(like(data, [2, 1], [3, 2], 1))).toEqual({ buffer: Float64Array.of(2, 5), shape: [2, 1] });
    expect(ndarrayToBuffer(like(data, [2, 3], [-3, -1], 5))).toEqual({ buffer: Float64Array.of(6, 5, 4, 3, 2, 1), shape: [2, 3] });
    expect(ndarrayToBuffer(like(data, [], [], 4))).toEqual({ buffer: Float64Array.of(5), shape: [] });
  });

  it('keeps float32 storage as float32 and reads other storage as float64', () => {
    expect(ndarrayToBuffer(like(Float32Array.of(0.5, 1.5), [2], [1], 0))?.buffer).toEqual(Float32Array.of(0.5, 1.5));
    expect(ndarrayToBuffer(like([1, 2, 3], [3], [1], 0))?.buffer).toEqual(Float64Array.of(1, 2, 3));
    expect(ndarrayToBuffer(like(Int16Array.of(-1, 7, 9), [2], [2], 0))?.buffer).toEqual(Float64Array.of(-1, 9));
    // ndarray's "generic" storage: an object with get/set
    const generic = { get: (i: number) => 10 * i, set: () => undefined };
    expect(ndarrayToBuffer(like(generic, [2, 2], [1, 2], 1))?.buffer).toEqual(Float64Array.of(10, 30, 20, 40));
  });

  it('returns null for anything that is not an ndarray', () => {
    for (const x of [null, 3, 'a', [1, 2], { shape: [2] }, like(42, [1], [1], 0), like({}, [1], [1], 0)]) expect(ndarrayToBuffer(x)).toBeNull();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FC, refReduce, seedArb, size, t64, uniformValues, type Ref } from '../test-utils/index.js';
import { dropAxes, reduce } from './reduce.js';

const caseArb = fc
  .oneof(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 }), fc.array(fc.integer({ min: 6, max: 12 }), { minLength: 2, maxLength: 3 }))
  .chain((shape) => fc.tuple(fc.constant(shape), fc.subarray(shape.map((_, i) => i)), seedArb));

describe('reduce kernel', () => {
  it('sum, max and min over any sorted axes match the reference (kept shape with size-1 axes)', () => {
    fc.assert(
      fc.property(caseArb, ([shape, axes, seed]) => {
        const X: Ref = { shape, data: uniformValues(size(shape), seed) };
        const x = t64(X.data, shape);
        const sumRef = refReduce(X, axes, true, (s, v) => s + v, 0);
        const s = reduce(x, axes, 'sum');
        expect([...s.shape]).toEqual(sumRef.shape);
        // the kernel adds in memory order, the reference too, except over the last axes: allow rounding
        expect(s).toBeAllClose(t64(sumRef.data, sumRef.shape), { atol: 1e-13, rtol: 1e-13 });
        expect(Array.from(reduce(x, axes, 'max').buffer)).toEqual(refReduce(X, axes, true, Math.max, -Infinity).data);
        expect(Array.from(reduce(x, axes, 'min').buffer)).toEqual(refReduce(X, axes, true, Math.min, Infinity).data);
      }),
      FC,
    );
  });

  it('every layout (trailing axes, leading axes, any other) combines each element in memory order: the bits of one plain walk', () => {
    // the walk every reduction is defined by: each input element, in memory order, into its output element
    const walk = (data: number[], shape: number[], axes: number[], kind: 'sum' | 'max' | 'min') => {
      const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const out = new Array<number>(size(kept)).fill(kind === 'sum' ? 0 : kind === 'max' ? -Infinity : Infinity);
      data.forEach((v, flat) => {
        let o = 0;
        let rest = flat;
        for (let d = shape.length - 1, stride = 1; d >= 0; d--) {
          const i = rest % shape[d];
          rest = Math.floor(rest / shape[d]);
          o += (axes.includes(d) ? 0 : i) * stride;
          stride *= kept[d];
        }
        if (kind === 'sum') out[o] += v;
        else if (kind === 'max' ? v > out[o] || v !== v : v < out[o] || v !== v) out[o] = v;
      });
      return out;
    };
    fc.assert(
      fc.property(caseArb, ([shape, axes, seed]) => {
        const data = uniformValues(size(shape), seed).map((v, i) => (i % 7 === 3 ? v * 1e8 : v)); // magnitudes that make order matter
        const x = t64(data, shape);
        for (const kind of ['sum', 'max', 'min'] as const) expect(Array.from(reduce(x, axes, kind).buffer)).toEqual(walk(data, shape, axes, kind));
      }),
      FC,
    );
  });

  it('NaN propagates through max and min wherever it sits, whole-array and per-axis', () => {
    const x = t64([1, NaN, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(reduce(x, [0, 1], 'max').buffer)).toEqual([NaN]);
    expect(Array.from(reduce(x, [1], 'max').buffer)).toEqual([NaN, 6]);
    expect(Array.from(reduce(x, [0], 'min').buffer)).toEqual([1, NaN, 3]);
    const last = t64([1, 2, NaN], [3]);
    expect(Array.from(reduce(last, [0], 'min').buffer)).toEqual([NaN]);
  });

  it('empty inputs: sum is 0, max/min the identities', () => {
    const e = t64([], [0, 3]);
    expect(Array.from(reduce(e, [0], 'sum').buffer)).toEqual([0, 0, 0]);
    expect(Array.from(reduce(e, [0], 'max').buffer)).toEqual([-Infinity, -Infinity, -Infinity]);
  });

  it('dropAxes removes the reduced axes', () => {
    expect(dropAxes([2, 3, 4], [0, 2])).toEqual([3]);
    expect(dropAxes([2, 3], [])).toEqual([2, 3]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FC, ravel, refPermute, seedArb, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { concatKernel, embedKernel, expandKernel, permuteKernel, sliceKernel } from './layout.js';

// Shapes of up to ~1000 elements: small and large copies alike.
const bigShapeArb = fc.array(fc.integer({ min: 2, max: 10 }), { minLength: 2, maxLength: 3 });

describe('layout kernels on small and large tensors', () => {
  it('permuteKernel matches the reference', () => {
    fc.assert(
      fc.property(bigShapeArb, seedArb, (shape, seed) => {
        const X: Ref = { shape, data: uniformValues(size(shape), seed) };
        const axes = shape.map((_, i) => (i + 1) % shape.length);
        const y = permuteKernel(t64(X.data, shape), axes);
        const expected = refPermute(X, axes);
        expect([...y.shape]).toEqual(expected.shape);
        expect(Array.from(y.buffer)).toEqual(expected.data);
      }),
      FC,
    );
  });

  it('sliceKernel then embedKernel puts every picked element back in place, zeros elsewhere', () => {
    fc.assert(
      fc.property(bigShapeArb, fc.nat(), fc.integer({ min: 1, max: 3 }), seedArb, (shape, axisPick, step, seed) => {
        const axis = axisPick % shape.length;
        const data = uniformValues(size(shape), seed);
        const start = 1;
        const count = Math.ceil((shape[axis] - start) / step);
        const spec = { axis, start, count, step };
        const part = sliceKernel(t64(data, shape), spec);
        const back = embedKernel(part, shape, spec);
        const expected = data.map((v, i) => {
          const k = unravel(i, shape)[axis] - start;
          return k >= 0 && k % step === 0 ? v : 0;
        });
        expect(Array.from(back.buffer)).toEqual(expected);
        expect(part.buffer.length).toBe((size(shape) / shape[axis]) * count);
      }),
      FC,
    );
  });

  it('concatKernel places each piece at its offset along the axis', () => {
    const a = t64(uniformValues(300, 1), [3, 100]);
    const b = t64(uniformValues(200, 2), [2, 100]);
    const y = concatKernel([a, b], 0, [5, 100]);
    expect(Array.from(y.buffer)).toEqual([...a.buffer, ...b.buffer]);
    const c = concatKernel([a, t64(uniformValues(30, 3), [3, 10])], 1, [3, 110]);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 110; j++) {
        expect(c.buffer[ravel([i, j], [3, 110])]).toBe(j < 100 ? a.buffer[i * 100 + j] : uniformValues(30, 3)[i * 10 + j - 100]);
      }
    }
  });

  it('expandKernel repeats along broadcast axes', () => {
    const x = t64([1, 2, 3], [3, 1]);
    const y = expandKernel(x, [2, 3, 200]);
    expect(y.buffer.length).toBe(1200);
    expect(Array.from(y.buffer).every((v, i) => v === [1, 2, 3][Math.floor(i / 200) % 3])).toBe(true);
  });
});

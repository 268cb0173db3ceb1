import { describe, expect, it } from 'vitest';
import { normKernel, prodKernel, varKernel } from './fold.js';

const data = (values: number[], shape: number[]) => ({ buffer: Float64Array.from(values), shape });

describe('fold kernels', () => {
  const x = data([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);

  it('fold the reduced axes of each slice, kept as size 1', () => {
    const p = prodKernel(x, [0, 2]);
    expect(p.shape).toEqual([1, 2, 1]);
    expect(Array.from(p.buffer)).toEqual([1 * 2 * 5 * 6, 3 * 4 * 7 * 8]);
    expect(Array.from(varKernel(x, [1], 0).buffer)).toEqual([1, 1, 1, 1]);
    expect(Array.from(normKernel(x, [0, 1, 2], 1).buffer)).toEqual([36]);
  });

  it('products multiply left to right in row-major order; 1 for no elements', () => {
    // (1e308 · 10) · 0 = Infinity · 0 = NaN, where 1e308 · (10 · 0) would be 0
    expect(prodKernel(data([1e308, 10, 0], [3]), [0]).buffer[0]).toBeNaN();
    expect(Array.from(prodKernel(data([], [2, 0]), [1]).buffer)).toEqual([1, 1]);
  });

  it('variance: Σd² − (Σd)²/n over n − correction, floored at 0', () => {
    expect(varKernel(data([1e16, 1e16 + 2], [2]), [0], 0).buffer[0]).toBe(1);
    expect(varKernel(data([1, 2], [2]), [0], 3).buffer[0]).toBe(Infinity);
    expect(varKernel(data([], [0]), [0], 0).buffer[0]).toBeNaN();
  });

  it('norms: scaled by a power of two; 0, Infinity and NaN handled before scaling', () => {
    // (3·2⁶⁰⁰)² overflows, but scaled by a power of two the 3-4-5 triangle stays exact
    expect(normKernel(data([3 * 2 ** 600, 4 * 2 ** 600], [2]), [0], 2).buffer[0]).toBe(5 * 2 ** 600);
    expect(normKernel(data([0, -0], [2]), [0], 2).buffer[0]).toBe(0);
    expect(normKernel(data([Infinity, 1], [2]), [0], 3).buffer[0]).toBe(Infinity);
    expect(normKernel(data([Infinity, NaN], [2]), [0], 2).buffer[0]).toBeNaN();
    expect(normKernel(data([NaN, Infinity], [2]), [0], Infinity).buffer[0]).toBeNaN();
    expect(normKernel(data([-7, 2], [2]), [0], Infinity).buffer[0]).toBe(7);
  });
});

import { describe, expect, it } from 'vitest';
import { linearScanKernel, scanKernel, shiftKernel } from './scan.js';

const data = (values: number[], shape: number[]) => ({ buffer: Float64Array.from(values), shape });

describe('scan kernels', () => {
  it('running sums and products along the middle axis, both directions', () => {
    const x = data([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(Array.from(scanKernel(x, 1, false, 'sum').buffer)).toEqual([1, 2, 4, 6, 5, 6, 12, 14]);
    expect(Array.from(scanKernel(x, 1, true, 'sum').buffer)).toEqual([4, 6, 3, 4, 12, 14, 7, 8]);
    expect(Array.from(scanKernel(x, 2, false, 'prod').buffer)).toEqual([1, 2, 3, 12, 5, 30, 7, 56]);
  });

  it('the linear recurrence y_i = b_i + a_i·y_(i∓1)', () => {
    const a = data([9, 2, 3], [3]);
    const b = data([1, 1, 1], [3]);
    expect(Array.from(linearScanKernel(a, b, 0, false).buffer)).toEqual([1, 3, 10]); // a_0 unused
    expect(Array.from(linearScanKernel(a, b, 0, true).buffer)).toEqual([1 + 9 * 3, 3, 1]); // a_2 unused
  });

  it('shift by ±1 with a fill', () => {
    const x = data([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(shiftKernel(x, 1, 1, 7).buffer)).toEqual([7, 1, 2, 7, 4, 5]);
    expect(Array.from(shiftKernel(x, 0, -1, 0).buffer)).toEqual([4, 5, 6, 0, 0, 0]);
  });

  it('empty axes and rank 0', () => {
    expect(scanKernel(data([], [2, 0]), 1, false, 'sum').buffer.length).toBe(0);
    expect(linearScanKernel(data([], [0]), data([], [0]), 0, false).buffer.length).toBe(0);
    expect(Array.from(scanKernel(data([5], []), 0, true, 'prod').buffer)).toEqual([5]);
  });
});

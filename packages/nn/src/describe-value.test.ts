import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it('shows each kind of value recognisably', () => {
    const cases: [unknown, string][] = [
      [NaN, 'NaN'],
      [-1, '-1'],
      ['x', '"x" (a string)'],
      ['y'.repeat(50), `"${'y'.repeat(40)}…" (a string)`],
      [true, 'true (a boolean)'],
      [3n, '3n (a bigint)'],
      [undefined, 'undefined'],
      [null, 'null'],
      [() => 1, 'a function'],
      [Symbol('s'), 'a symbol'],
      [[0.9], '[0.9] (an array)'],
      [[1, 2, 3, 4, 5], 'an array of length 5'],
      [['a'], 'an array of length 1'],
      [{ a: 1 }, 'an object'],
      [Object.create(null), 'an object'],
      [tensor([1]), 'a Tensor'],
      [new Float32Array(2), 'a Float32Array'],
    ];
    for (const [value, shown] of cases) expect(describeValue(value)).toBe(shown);
  });
});

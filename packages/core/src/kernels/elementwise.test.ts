import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { FC, broadcastPairArb, expectError, refZip, seedArb, size, t64, uniformValues, type Ref } from '../test-utils/index.js';
import { map, zip, zip3 } from './elementwise.js';

describe('elementwise kernels', () => {
  it('map keeps shape and dtype', () => {
    const y = map(t64([1, 2, 3, 4], [2, 2]), (v) => v * 10);
    expect([...y.shape]).toEqual([2, 2]);
    expect(Array.from(y.buffer)).toEqual([10, 20, 30, 40]);
  });

  it('zip: every path (same shape, one-element sides of lower or higher rank, general broadcast) matches the reference', () => {
    const pairs: [number[], number[]][] = [
      [[2, 3], [2, 3]],
      [[2, 3], []],
      [[], [2, 3]],
      [[2, 3], [1]],
      [[1], [2, 3]],
      [[3], [1, 1]], // a one-element side of higher rank: the result has rank 2
      [[1, 1, 1], [4]],
      [[2, 1], [1, 3]],
      [[20, 1, 15], [1, 30, 1]], // a large broadcast copy
    ];
    for (const [a, b] of pairs) {
      const A: Ref = { shape: a, data: uniformValues(size(a), 1) };
      const B: Ref = { shape: b, data: uniformValues(size(b), 2) };
      const y = zip(t64(A.data, a), t64(B.data, b), (x, z) => x - 2 * z, 'op');
      const expected = refZip(A, B, (x, z) => x - 2 * z);
      expect([...y.shape]).toEqual(expected.shape);
      expect(Array.from(y.buffer)).toEqual(expected.data);
    }
  });

  it('zip on random broadcasting pairs matches the reference', () => {
    fc.assert(
      fc.property(broadcastPairArb(4, 4), seedArb, ({ a, b }, seed) => {
        const A: Ref = { shape: a, data: uniformValues(size(a), seed) };
        const B: Ref = { shape: b, data: uniformValues(size(b), seed + 1) };
        const y = zip(t64(A.data, a), t64(B.data, b), (x, z) => x * z + x, 'op');
        const expected = refZip(A, B, (x, z) => x * z + x);
        expect([...y.shape]).toEqual(expected.shape);
        expect(Array.from(y.buffer)).toEqual(expected.data);
      }),
      FC,
    );
  });

  it('the written-out arithmetic (+ − × ÷) on every layout, tiled and repeated operands on either side included, gives the reference bits', () => {
    const pairs: [number[], number[]][] = [
      [[4, 3], [4, 3]],
      [[4, 3], []],
      [[], [4, 3]],
      [[4, 3], [3]], // a bias: the block tiles the result
      [[3], [4, 3]],
      [[4, 3], [4, 1]], // a row statistic: each element repeated
      [[4, 1], [4, 3]],
      [[2, 3, 4], [3, 4]],
      [[2, 3, 4], [2, 3, 1]],
      [[2, 3, 4], [2, 1, 1]],
      [[1, 1], [2, 3]],
      [[2, 1], [1, 3]], // both broadcast: copied first
      [[2, 3, 4], [1, 3, 1]], // neither pattern: copied
    ];
    const ops = { add: (x: number, z: number) => x + z, sub: (x: number, z: number) => x - z, mul: (x: number, z: number) => x * z, div: (x: number, z: number) => x / z };
    for (const [a, b] of pairs) {
      const A: Ref = { shape: a, data: uniformValues(size(a), 3) };
      const B: Ref = { shape: b, data: uniformValues(size(b), 4) };
      for (const [kind, f] of Object.entries(ops) as [keyof typeof ops, (x: number, z: number) => number][]) {
        const y = zip(t64(A.data, a), t64(B.data, b), kind, kind);
        const expected = refZip(A, B, f);
        expect([...y.shape], `${kind} ${JSON.stringify(a)} ${JSON.stringify(b)}`).toEqual(expected.shape);
        expect(Array.from(y.buffer), `${kind} ${JSON.stringify(a)} ${JSON.stringify(b)}`).toEqual(expected.data);
      }
    }
    fc.assert(
      fc.property(broadcastPairArb(4, 4), seedArb, fc.constantFrom('add', 'sub', 'mul', 'div'), ({ a, b }, seed, kind) => {
        const A: Ref = { shape: a, data: uniformValues(size(a), seed) };
        const B: Ref = { shape: b, data: uniformValues(size(b), seed + 1) };
        expect(Array.from(zip(t64(A.data, a), t64(B.data, b), kind, kind).buffer)).toEqual(refZip(A, B, ops[kind]).data);
      }),
      FC,
    );
  });

  it('zip3 broadcasts three shapes', () => {
    const y = zip3(t64([1, 0], [2, 1]), t64([1, 2, 3], [3]), t64([9], []), (c, x, z) => (c ? x : z), 'where');
    expect([...y.shape]).toEqual([2, 3]);
    expect(Array.from(y.buffer)).toEqual([1, 2, 3, 9, 9, 9]);
  });

  it('incompatible shapes name the op', () => {
    expectError(() => zip(t64([1, 2], [2]), t64([1, 2, 3], [3]), (x) => x, 'myop'), ShapeError, ['myop:', '[2]', '[3]']);
    expectError(() => zip3(t64([1], [1]), t64([1, 2], [2]), t64([1, 2, 3], [3]), (x) => x, 'where'), ShapeError, ['where:', '[2]', '[3]']);
  });
});

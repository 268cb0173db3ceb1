import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, expectError, expectRef, ravel, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { index, type IndexItem } from './basic-index.js';

/**
 * The reference: each item becomes the list of input positions it keeps along its axis (a pick is a
 * list of one that drops the axis), by Python's slicing rules written out as a loop; the output
 * enumerates every combination.
 */
function refIndex(x: Ref, spec: readonly IndexItem[]): Ref {
  const consumed = spec.filter((it) => it !== null && it !== '...').length;
  const items: IndexItem[] = [];
  for (const it of spec) {
    if (it === '...') for (let k = 0; k < x.shape.length - consumed; k++) items.push(':');
    else items.push(it);
  }
  while (items.filter((it) => it !== null).length < x.shape.length) items.push(':');
  type Axis = { kind: 'new' } | { kind: 'pick'; at: number } | { kind: 'keep'; positions: number[] };
  let d = 0;
  const axes: Axis[] = items.map((it) => {
    if (it === null) return { kind: 'new' };
    const n = x.shape[d++];
    if (typeof it === 'number') return { kind: 'pick', at: it < 0 ? it + n : it };
    const [start, end, step] = it === ':' ? [] : Array.isArray(it) ? it : [(it as { start?: number }).start, (it as { end?: number }).end, (it as { step?: number }).step];
    const fix = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const positions: number[] = [];
    for (let i = fix(start ?? 0); i < (end === undefined || end === null ? n : fix(end)); i += step ?? 1) positions.push(i);
    return { kind: 'keep', positions };
  });
  const shape = axes.flatMap((a) => (a.kind === 'new' ? [1] : a.kind === 'keep' ? [a.positions.length] : []));
  const data = Array.from({ length: size(shape) }, (_, f) => {
    const out = unravel(f, shape);
    let o = 0;
    const src: number[] = [];
    for (const a of axes) {
      if (a.kind === 'new') o++;
      else if (a.kind === 'pick') src.push(a.at);
      else src.push(a.positions[out[o++]]);
    }
    return x.data[ravel(src, x.shape)];
  });
  return { shape, data };
}

/** Shapes of rank 1 to 3 (rank 0 has its own known-value cases). */
const shapes = (maxDim: number) => fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: 3 });

/** A random valid index for `shape`: each axis picked, ranged or kept, some new axes, sometimes an ellipsis. */
const specArb = (shape: number[]): fc.Arbitrary<IndexItem[]> =>
  fc
    .tuple(
      fc.tuple(...shape.map((n) => fc.oneof(
        fc.integer({ min: -n, max: n - 1 }).map((i): IndexItem => i),
        fc.tuple(fc.option(fc.integer({ min: -n - 2, max: n + 2 })), fc.option(fc.integer({ min: -n - 2, max: n + 2 })), fc.option(fc.integer({ min: 1, max: 3 })))
          .map(([s, e, st]): IndexItem => [s, e, st]),
        fc.record({ start: fc.integer({ min: -n, max: n }), step: fc.integer({ min: 1, max: 2 }) }).map((r): IndexItem => r),
        fc.constant<IndexItem>(':'),
      ))),
      fc.array(fc.boolean(), { minLength: shape.length + 1, maxLength: shape.length + 1 }),
      fc.integer({ min: -1, max: shape.length }),
      fc.integer({ min: 0, max: shape.length }),
    )
    .map(([items, newAxes, ellipsisAt, kept]) => {
      // drop the last `shape.length - kept` items (trailing axes are kept whole), or replace a run by '...'
      let spec: IndexItem[] = items.slice(0, kept);
      if (ellipsisAt >= 0 && ellipsisAt <= kept) spec = [...items.slice(0, ellipsisAt), '...', ...items.slice(kept)];
      const out: IndexItem[] = [];
      spec.forEach((it, k) => {
        if (newAxes[k]) out.push(null);
        out.push(it);
      });
      if (newAxes[shape.length]) out.push(null);
      return out;
    });

describe('index: the mini-language', () => {
  const x = arange(12).reshape([3, 4]);

  it('picks, ranges, whole axes, new axes and the ellipsis, as PyTorch indexes', () => {
    expect(index(x, [1])).toBeAllClose([4, 5, 6, 7]); // x[1]
    expect(index(x, [-1, -1])).toBeAllClose(11); // x[-1, -1]
    expect(index(x, [':', -1])).toBeAllClose([3, 7, 11]); // x[:, -1]
    expect(index(x, [[1], [null, null, 2]])).toBeAllClose([[4, 6], [8, 10]]); // x[1:, ::2]
    expect(index(x, [{ start: 1, end: -1 }, { step: 3 }])).toBeAllClose([[4, 7]]); // x[1:-1, ::3]
    expect(index(x, [null, '...', 0]).shape).toEqual([1, 3]); // x[None, ..., 0]
    expect(index(x, ['...', null, [1, 3], null]).shape).toEqual([3, 1, 2, 1]);
    expect(index(x, [[], {}]).shape).toEqual([3, 4]);
    expect(index(x, [[5, 10]]).shape).toEqual([0, 4]); // clamped, empty
    expect(index(x, [[-100, 100]]).shape).toEqual([3, 4]);
    expect(index(tensor(7), [null, null]).shape).toEqual([1, 1]);
    expect(index(tensor(7), ['...'])).toBeAllClose(7);
    expect(x.index([2, [1, 3]])).toBeAllClose([9, 10]);
  });

  it('matches a position-by-position reference on random indexes', () => {
    fc.assert(
      fc.property(shapes(4).chain((shape) => fc.tuple(fc.constant(shape), specArb(shape))), fc.integer({ min: 1, max: 1000 }), ([shape, spec], seed) => {
        const ref: Ref = { shape, data: uniformValues(size(shape), seed) };
        expectRef(index(t64(ref.data, shape), spec), refIndex(ref, spec));
      }),
      { ...FC, numRuns: 100 },
    );
  });

  it('reads through the ndarray path on large tensors (more than 256 elements) the same way', () => {
    const big = arange(30 * 20).reshape([30, 20]);
    const ref: Ref = { shape: [30, 20], data: Array.from(big.buffer) };
    for (const spec of [[[1, -1, 2], [3, null, 3]], [null, ':', [0, 20, 2]], ['...', 5]] as IndexItem[][]) expectRef(index(big, spec), refIndex(ref, spec));
  });

  it('refuses what PyTorch refuses, naming the item and the shape', () => {
    expectError(() => index(x, [3]), ShapeError, ['index', 'item 0 (3)', '[3,4]', 'axis 0 (size 3)', '[-3, 2]']);
    expectError(() => index(x, [0, 0, 0]), ShapeError, ['indexes 3 axes', '[3,4]']);
    expectError(() => index(x, [[null, null, -1]]), ShapeError, ['step -1', 'positive', 'flip']);
    expectError(() => index(x, [[null, null, 0]]), ShapeError, ['step 0']);
    expectError(() => index(x, ['...', '...']), ShapeError, ["second '...'"]);
    expectError(() => index(x, [0.5]), ShapeError, ['item 0 (0.5)']);
    expectError(() => index(x, ['a' as IndexItem]), ShapeError, ['not an index item', "'...'"]);
    expectError(() => index(x, [[1, 2, 3, 4] as unknown as IndexItem]), ShapeError, ['not an index item']);
    expectError(() => index(x, [{ from: 1 } as unknown as IndexItem]), ShapeError, ['not an index item']);
    expectError(() => index(x, [[1.5, 2]]), ShapeError, ['not an integer or null']);
    expectError(() => index(x, 0 as unknown as IndexItem[]), ShapeError, ['expected an array of index items']);
  });
});

describe('index: gradient', () => {
  it('writes the gradient back where the index read, zeros elsewhere', () => {
    const x = t64(uniformValues(12, 3), [3, 4], true);
    const spec: IndexItem[] = [null, [1], [null, null, 2]];
    const y = index(x, spec);
    const g = t64(uniformValues(y.size, 4), y.shape);
    const [dx] = gradients(y, [x], { gradOutputs: [g] });
    // reference: the index of an arange tells where each output element came from
    const positions = refIndex({ shape: [3, 4], data: Array.from({ length: 12 }, (_, i) => i) }, spec).data;
    const expected = new Array<number>(12).fill(0);
    positions.forEach((p, k) => (expected[p] += g.buffer[k]));
    expectRef(dx!, { shape: [3, 4], data: expected });
  });

  it('passes gradcheck and gradgradcheck on random indexes', () => {
    fc.assert(
      fc.property(shapes(3).chain((shape) => fc.tuple(fc.constant(shape), specArb(shape))), fc.integer({ min: 1, max: 1000 }), ([shape, spec], seed) => {
        const x = t64(uniformValues(size(shape), seed), shape);
        const f = (t: typeof x) => index(t, spec).square();
        expect(gradcheck(f, [x], GC).ok).toBe(true);
        expect(gradgradcheck(f, [x], GC).ok).toBe(true);
      }),
      FC_GRAD,
    );
  });
});

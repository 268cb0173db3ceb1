import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, distinctValues, expectError, expectRef, ravel, size, t64, unravel, type Ref } from '../test-utils/index.js';
import { argsort, sort, topk } from './sort.js';

/** The stable sorting permutation of each line along `axis`, by insertion sort with NaN above every number. */
function refArgsort(x: Ref, axis: number, descending: boolean): Ref {
  const greater = (a: number, b: number) => (Number.isNaN(a) ? !Number.isNaN(b) : !Number.isNaN(b) && a > b);
  const data = new Array<number>(x.data.length);
  const n = x.shape[axis];
  const lineShape = x.shape.map((d, i) => (i === axis ? 1 : d));
  for (let f = 0; f < size(lineShape); f++) {
    const start = unravel(f, lineShape);
    const at = (k: number) => ravel(start.map((v, i) => (i === axis ? k : v)), x.shape);
    const order: number[] = [];
    for (let k = 0; k < n; k++) {
      // insert after every element that must come before or ties with it (stability)
      let p = order.length;
      while (p > 0 && (descending ? greater(x.data[at(k)], x.data[at(order[p - 1])]) : greater(x.data[at(order[p - 1])], x.data[at(k)]))) p--;
      order.splice(p, 0, k);
    }
    order.forEach((k, j) => (data[at(j)] = k));
  }
  return { shape: x.shape, data };
}

const caseArb = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      descending: fc.boolean(),
      data: fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: -2, max: 2 }) }, { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) }), {
        minLength: size(shape),
        maxLength: size(shape),
      }),
    }),
  );

describe('argsort, sort', () => {
  it('sort ascending or descending, NaN above every number, ties in input order', () => {
    expect(argsort(tensor([3, 1, 2]))).toBeAllClose([1, 2, 0]);
    expect(argsort(tensor([3, NaN, 2]), { descending: true })).toBeAllClose([1, 0, 2]);
    const s = sort(tensor([1, NaN, 3, NaN, 0]));
    expect(s.values).toBeAllClose([0, 1, 3, NaN, NaN]);
    expect(s.indices).toBeAllClose([4, 0, 2, 1, 3]);
    expect(sort(tensor([1, NaN, 3, NaN, 0]), { descending: true }).indices).toBeAllClose([1, 3, 2, 0, 4]);
    expect(sort(tensor([0, -0, 0])).indices).toBeAllClose([0, 1, 2]);
    expect(tensor([[3, 1], [0, 2]]).sort({ axis: 0 }).values).toBeAllClose([[0, 1], [3, 2]]);
    expect(tensor([[3, 1], [0, 2]]).argsort({ stable: true })).toBeAllClose([[1, 0], [0, 1]]);
    expect(sort(tensor(3)).values).toBeAllClose(3);
    expect(sort(tensor(3)).indices).toBeAllClose(0);
  });

  it('match a stable insertion sort on random inputs with ties, NaN and infinities', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, axis, descending, data }) => {
        const a = axis < 0 ? axis + shape.length : axis;
        const ref = refArgsort({ shape, data }, a, descending);
        const { values, indices } = sort(t64(data, shape), { axis, descending });
        expectRef(indices, ref);
        expectRef(values, { shape, data: ref.data.map((k, f) => data[ravel(unravel(f, shape).map((v, i) => (i === a ? k : v)), shape)]) });
      }),
      FC,
    );
  });

  it('values are differentiable through the permutation; indices never require grad', () => {
    const x = tensor([3, 1, 2], { requiresGrad: true });
    const { values, indices } = sort(x, { descending: true });
    expect(indices.requiresGrad).toBe(false);
    const [dx] = gradients(values, [x], { gradOutputs: [tensor([10, 20, 30])] });
    expect(dx).toBeAllClose([10, 30, 20]);
    const f = (t: typeof x) => sort(t, { axis: 0 }).values.square();
    expect(gradcheck(f, [t64(distinctValues(6, 2), [3, 2])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(distinctValues(6, 3), [3, 2])], GC).ok).toBe(true);
  });

  it('works on more than 256 elements and on float32', () => {
    const x = arange(300).neg();
    expect(argsort(x).buffer[0]).toBe(299);
    expect(argsort(tensor([2, 1], { dtype: 'float32' })).dtype).toBe('float32');
  });
});

describe('topk', () => {
  it('gives the k largest (or smallest), sorted, NaN counted largest', () => {
    const r = topk(tensor([1, 4, 2, 8]), 2);
    expect(r.values).toBeAllClose([8, 4]);
    expect(r.indices).toBeAllClose([3, 1]);
    expect(topk(tensor([1, NaN, 3, NaN, 0]), 2).indices).toBeAllClose([1, 3]);
    expect(topk(tensor([1, NaN, 3, NaN, 0]), 2, { largest: false }).indices).toBeAllClose([4, 0]);
    expect(topk(tensor([3, 1, 2]), 2, { sorted: false }).values).toBeAllClose([3, 2]);
    expect(tensor([[1, 9], [5, 2]]).topk(1, { axis: 0 }).indices).toBeAllClose([[1, 0]]);
    expect(topk(tensor([1, 2]), 0).values.shape).toEqual([0]);
    expect(topk(tensor(7), 1).values).toBeAllClose(7);
  });

  it('is the first k of the sort, on random inputs', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), ({ shape, axis, descending, data }, kSeed) => {
        const a = axis < 0 ? axis + shape.length : axis;
        const k = kSeed % (shape[a] + 1);
        const x = t64(data, shape);
        const r = topk(x, k, { axis, largest: descending });
        const s = sort(x, { axis, descending });
        expectRef(r.indices, { shape: r.indices.shape.slice(), data: Array.from(s.indices.slice(a, 0, k).buffer) });
        expect(r.values.shape).toEqual(r.indices.shape);
      }),
      FC,
    );
  });

  it('sends each gradient back to its position', () => {
    const f = (t: ReturnType<typeof tensor>) => topk(t, 2, { axis: 1 }).values.square();
    expect(gradcheck(f, [t64(distinctValues(8, 5), [2, 4])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(distinctValues(8, 6), [2, 4])], GC).ok).toBe(true);
  });

  it('refuses k out of range', () => {
    expectError(() => topk(tensor([1, 2, 3]), 4), ShapeError, ['topk', 'k = 4', 'size 3', '[0, 3]']);
    expectError(() => topk(tensor([[1, 2, 3]]), 2, { axis: 0 }), ShapeError, ['topk', 'k = 2', 'axis 0 of size 1']);
    expectError(() => topk(tensor([1, 2]), 1.5), ShapeError, ['k = 1.5']);
  });
});

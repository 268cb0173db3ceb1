import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import {
  FC,
  FC_GRAD,
  GC,
  distinctValues,
  expectError,
  expectRef,
  expectThrows,
  fromRef,
  refReduce,
  refZip,
  seedArb,
  shapeArb,
  size,
  t64,
  uniformValues,
  unravel,
  ravel,
  type Ref,
} from '../test-utils/index.js';
import { max, mean, min, sum } from './reduce.js';

/** A shape with a random subset of its axes (some written negative) and a keepdims flag. */
const reductionArb = shapeArb(4, 3).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    picks: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    negative: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    all: fc.boolean(),
    keepdims: fc.boolean(),
  }),
);
function axesOf(r: { shape: number[]; picks: boolean[]; negative: boolean[]; all: boolean }): number[] | undefined {
  if (r.all) return undefined;
  return r.shape.flatMap((_, i) => (r.picks[i] ? [r.negative[i] ? i - r.shape.length : i] : []));
}
const positiveAxes = (axes: number[] | undefined, rank: number) => (axes ?? Array.from({ length: rank }, (_, i) => i)).map((a) => (a < 0 ? a + rank : a));

/** v (in the reduced shape) spread back over x's shape: each element reads its reduced position. */
function spread(V: Ref, shape: number[], axes: number[]): number[] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return Array.from({ length: size(shape) }, (_, i) => V.data[ravel(unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v)), kept)]);
}

describe('sum, mean, max, min: forward on known values', () => {
  const x = tensor([[1, 5, 3], [4, 2, 6]]);

  it('over everything gives a scalar', () => {
    expect(sum(x)).toBeAllClose(21);
    expect(sum(x).shape).toEqual([]);
    expect(mean(x)).toBeAllClose(3.5);
    expect(max(x)).toBeAllClose(6);
    expect(min(x)).toBeAllClose(1);
  });

  it('over one axis, a negative axis, a list, with keepdims', () => {
    expect(sum(x, { axes: 0 })).toBeAllClose([5, 7, 9]);
    expect(sum(x, { axes: -1 })).toBeAllClose([9, 12]);
    expect(mean(x, { axes: 1, keepdims: true })).toBeAllClose([[3], [4]]);
    expect(max(x, { axes: 0 })).toBeAllClose([4, 5, 6]);
    expect(min(x, { axes: [1], keepdims: true })).toBeAllClose([[1], [2]]);
    expect(sum(x, { axes: [0, 1], keepdims: true })).toBeAllClose([[21]]);
    expect(sum(x, { axes: [] })).toBeAllClose([[1, 5, 3], [4, 2, 6]]);
  });

  it('of a scalar is the scalar; sum of no elements is 0, mean of none NaN', () => {
    expect(sum(tensor(4))).toBeAllClose(4);
    expect(max(tensor(4))).toBeAllClose(4);
    expect(sum(zeros([0, 3]), { axes: 0 })).toBeAllClose([0, 0, 0]);
    expect(mean(zeros([0]))).toBeAllClose(NaN);
  });

  it('max and min propagate NaN', () => {
    expect(max(tensor([1, NaN, 3]))).toBeAllClose(NaN);
    expect(min(tensor([[1, NaN], [3, 4]]), { axes: 1 })).toBeAllClose([NaN, 3]);
  });
});

describe('gradients against closed forms', () => {
  it('d Σx = 1 everywhere; d mean = 1/n over the reduced axes', () => {
    const x = tensor([[1, 5, 3], [4, 2, 6]], { requiresGrad: true });
    sum(x, { axes: 1 }).backward(tensor([2, 3]));
    expect(x.grad).toBeAllClose([[2, 2, 2], [3, 3, 3]]);
    const [gm] = gradients(mean(x, { axes: 0 }), [x], { gradOutputs: [tensor([1, 2, 3])] });
    expect(gm).toBeAllClose([[0.5, 1, 1.5], [0.5, 1, 1.5]]);
    const [gall] = gradients(mean(x), [x]);
    expect(gall).toBeAllClose([[1 / 6, 1 / 6, 1 / 6], [1 / 6, 1 / 6, 1 / 6]]);
  });

  it('d max goes to the largest element, d min to the smallest', () => {
    const x = tensor([[1, 5, 3], [4, 2, 6]], { requiresGrad: true });
    const [gmax] = gradients(max(x, { axes: 1 }), [x], { gradOutputs: [tensor([10, 20])] });
    expect(gmax).toBeAllClose([[0, 10, 0], [0, 0, 20]]);
    const [gmin] = gradients(min(x), [x]);
    expect(gmin).toBeAllClose([[1, 0, 0], [0, 0, 0]]);
  });

  it('NOTE: over a slice holding a NaN, max and min are NaN and every gradient of that slice is NaN (torch.amax)', () => {
    const x = tensor([[1, NaN, 3], [4, 5, 6]], { requiresGrad: true });
    const y = max(x, { axes: 1 });
    expect(y).toBeAllClose([NaN, 6]);
    y.sum().backward();
    expect(x.grad).toBeAllClose([[NaN, NaN, NaN], [0, 0, 1]]);
    const z = tensor([[1, NaN], [3, 4]], { requiresGrad: true });
    const m = min(z, { axes: 0 });
    expect(m).toBeAllClose([1, NaN]);
    m.sum().backward();
    expect(z.grad).toBeAllClose([[1, NaN], [0, NaN]]);
    const all = tensor([2, NaN, NaN], { requiresGrad: true });
    max(all).backward();
    expect(all.grad).toBeAllClose([NaN, NaN, NaN]);
  });

  it('NOTE: tied extremes share the gradient evenly', () => {
    const x = tensor([[3, 1, 3], [2, 2, 2]], { requiresGrad: true });
    const [g] = gradients(max(x, { axes: 1 }), [x], { gradOutputs: [tensor([1, 3])] });
    expect(g).toBeAllClose([[0.5, 0, 0.5], [1, 1, 1]]);
    const [gmin] = gradients(min(x), [x]);
    expect(gmin).toBeAllClose([[0, 1, 0], [0, 0, 0]]);
    const y = tensor([7, 7, 7, 7], { requiresGrad: true });
    max(y).backward();
    expect(y.grad).toBeAllClose([0.25, 0.25, 0.25, 0.25]);
  });

  it('second order: sum and mean are linear; max\'s derivative is piecewise constant', () => {
    const x = tensor([1, 3, 2], { requiresGrad: true });
    const [d1] = gradients(sum(x.square()), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([2, 2, 2]);
    const [m1] = gradients(max(x.square()), [x], { createGraph: true });
    expect(m1).toBeAllClose([0, 6, 0]);
    const [m2] = gradients(m1!.sum(), [x]);
    expect(m2).toBeAllClose([0, 2, 0]);
  });
});

describe('random shapes and axes', () => {
  it('forward matches the reference; backward spreads v (sum), v/n (mean), v at the extreme (max, min)', () => {
    fc.assert(
      fc.property(reductionArb, seedArb, (r, seed) => {
        const { shape, keepdims } = r;
        const axes = axesOf(r);
        const ax = positiveAxes(axes, shape.length);
        const X: Ref = { shape, data: distinctValues(size(shape), seed) };
        const opts = { axes, keepdims };
        const n = ax.reduce((p, a) => p * shape[a], 1);
        const sumRef = refReduce(X, ax, keepdims, (s, v) => s + v, 0);
        const maxRef = refReduce(X, ax, keepdims, Math.max, -Infinity);
        const minRef = refReduce(X, ax, keepdims, Math.min, Infinity);
        const V: Ref = { shape: sumRef.shape, data: uniformValues(size(sumRef.shape), seed + 1) };

        const x = fromRef(X, true);
        const ys = { sum: sum(x, opts), mean: mean(x, opts), max: max(x, opts), min: min(x, opts) };
        expectRef(ys.sum, sumRef);
        expectRef(ys.mean, { shape: sumRef.shape, data: sumRef.data.map((s) => s / n) });
        expectRef(ys.max, maxRef);
        expectRef(ys.min, minRef);

        const v = fromRef(V);
        const vx = spread(V, shape, ax);
        const grad = (y: typeof x) => gradients(y, [x], { gradOutputs: [v] })[0]!;
        expectRef(grad(ys.sum), { shape, data: vx });
        expectRef(grad(ys.mean), { shape, data: vx.map((g) => g / n) });
        const atExtreme = (ext: Ref) => {
          const e = spread(ext, shape, ax);
          return { shape, data: X.data.map((xi, i) => (xi === e[i] ? vx[i] : 0)) };
        };
        expectRef(grad(ys.max), atExtreme(maxRef));
        expectRef(grad(ys.min), atExtreme(minRef));
      }),
      FC,
    );
  });

  it('ties among random values from a small set share evenly: the gradients of max sum to v per slice', () => {
    fc.assert(
      fc.property(reductionArb, seedArb, (r, seed) => {
        const { shape, keepdims } = r;
        const ax = positiveAxes(axesOf(r), shape.length);
        const X: Ref = { shape, data: uniformValues(size(shape), seed, 0, 3).map(Math.floor) };
        const maxRef = refReduce(X, ax, keepdims, Math.max, -Infinity);
        const x = fromRef(X, true);
        const V: Ref = { shape: maxRef.shape, data: uniformValues(size(maxRef.shape), seed + 1) };
        const [g] = gradients(max(x, { axes: axesOf(r), keepdims }), [x], { gradOutputs: [fromRef(V)] });
        // expected: v / (number of ties) at each tied maximum, by counting in the reference
        const e = spread(maxRef, shape, ax);
        const isMax = X.data.map((xi, i) => (xi === e[i] ? 1 : 0));
        const counts = spread(refReduce({ shape, data: isMax }, ax, keepdims, (s, v) => s + v, 0), shape, ax);
        const vx = spread(V, shape, ax);
        expectRef(g!, { shape, data: isMax.map((m, i) => (m ? vx[i] / counts[i] : 0)) });
      }),
      FC,
    );
  });

  it('gradcheck and gradgradcheck of sum, mean, max, min over random axes', () => {
    fc.assert(
      fc.property(
        shapeArb(3, 3).chain((shape) =>
          fc.record({
            shape: fc.constant(shape),
            picks: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
            negative: fc.constant(shape.map(() => false)),
            all: fc.boolean(),
            keepdims: fc.boolean(),
          }),
        ),
        seedArb,
        (r, seed) => {
          const opts = { axes: axesOf(r), keepdims: r.keepdims };
          const x = t64(distinctValues(size(r.shape), seed), r.shape);
          for (const op of [sum, mean, max, min]) {
            // squared inside so that the second derivative is not identically zero
            const f = (t: typeof x) => op(t.square(), opts);
            expect(gradcheck(f, [x], GC).ok).toBe(true);
            expect(gradgradcheck(f, [x], { ...GC, seed }).ok).toBe(true);
          }
        },
      ),
      FC_GRAD,
    );
  });
});

describe('reduction errors', () => {
  it('an axis out of range names the op, the axis, the rank and the valid range', () => {
    for (const [name, op] of [['sum', sum], ['mean', mean], ['max', max], ['min', min]] as const) {
      expectError(() => op(tensor([[1, 2]]), { axes: 2 }), ShapeError, [`${name}:`, 'axis 2', 'rank 2', '[-2, 1]']);
      expectError(() => op(tensor([[1, 2]]), { axes: -3 }), ShapeError, [`${name}:`, 'axis -3']);
      expectError(() => op(tensor(1), { axes: 0 }), ShapeError, [`${name}:`, 'rank 0', 'scalar']);
    }
  });

  it('a repeated axis is refused', () => {
    expectError(() => sum(tensor([[1, 2]]), { axes: [1, -1] }), ShapeError, ['sum:', 'axis 1 is given twice']);
    expectError(() => mean(tensor([[1, 2]]), { axes: [0, 0] }), ShapeError, ['mean:', 'given twice']);
  });

  it('max/min of an empty axis is undefined and refused, naming the shape', () => {
    expectError(() => max(zeros([2, 0]), { axes: 1 }), ShapeError, ['max:', 'empty axis', '[2,0]']);
    expectError(() => min(zeros([0])), ShapeError, ['min:', '[0]']);
  });

  it('a non-integer axis is refused', () => {
    expectError(() => sum(tensor([1, 2]), { axes: 0.5 }), ShapeError, ['sum:', 'axis 0.5']);
  });

  it('axes of the wrong kind are named (x.sum(\'0\') once said "list.map is not a function")', () => {
    const x = tensor([1, 2]);
    expectThrows(() => x.sum('0' as never), ShapeError, 'sum: axes must be an integer or an array of integers, got "0"');
    expectThrows(() => x.sum(['0'] as never), ShapeError, 'sum: axis "0" is not an integer; axes are integers, negative ones counting from the end');
    expectThrows(() => x.mean('0' as never), ShapeError, 'mean: axes must be an integer or an array of integers, got "0"');
    expectThrows(() => x.sum(null as never), ShapeError, 'sum: axes must be an integer or an array of integers, got null');
    // the method takes axes; the options object belongs to the op function max(x, { axes })
    expectThrows(() => x.max({ axes: 0 } as never), ShapeError, 'max: axes must be an integer or an array of integers, got object');
  });
});

describe('float32', () => {
  it('sum keeps float32 and its gradient is float32', () => {
    const x = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const y = mean(x);
    expect(y.dtype).toBe('float32');
    y.backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.buffer)).toEqual([Math.fround(1 / 3), Math.fround(1 / 3), Math.fround(1 / 3)]);
    // float32 holds 0.1 and the sum to within 2⁻²⁴ relative each: 1.2e-7 bounds the total
    const s = sum(tensor([0.1, 0.1, 0.1], { dtype: 'float32' }));
    expect(s.dtype).toBe('float32');
    expect(s.item()).toBeAllClose(0.3, { atol: 0, rtol: 1.2e-7 });
  });
});

describe('refZip sanity (the reference itself)', () => {
  it('broadcasts like NumPy on a hand-written case', () => {
    expect(refZip({ shape: [2, 1], data: [1, 2] }, { shape: [3], data: [10, 20, 30] }, (a, b) => a + b)).toEqual({ shape: [2, 3], data: [11, 21, 31, 12, 22, 32] });
  });
});

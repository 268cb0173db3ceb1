import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, DTypeError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import {
  FC,
  FC_GRAD,
  GC,
  broadcastPairArb,
  expectError,
  expectRef,
  fromRef,
  refSumTo,
  refZip,
  seedArb,
  shapeArb,
  size,
  t64,
  uniformValues,
  type Ref,
} from '../test-utils/index.js';
import { checkBinaryGradcheck, checkBinaryProperty, checkUnaryGradcheck, checkUnaryProperty, type BinaryCase } from '../test-utils/ops.js';
import { clamp, eq, ge, gt, le, lt, maximum, minimum, ne, where } from './select.js';

const comparisons = [
  ['gt', gt, (x: number, y: number) => x > y],
  ['ge', ge, (x: number, y: number) => x >= y],
  ['lt', lt, (x: number, y: number) => x < y],
  ['le', le, (x: number, y: number) => x <= y],
  ['eq', eq, (x: number, y: number) => x === y],
  ['ne', ne, (x: number, y: number) => x !== y],
] as const;

describe('comparisons gt ge lt le eq ne', () => {
  it('forward on known values, including ties and NaN', () => {
    const a = tensor([1, 2, 3, NaN]);
    const b = tensor([2, 2, 2, NaN]);
    expect(gt(a, b)).toBeAllClose([0, 0, 1, 0]);
    expect(ge(a, b)).toBeAllClose([0, 1, 1, 0]);
    expect(lt(a, b)).toBeAllClose([1, 0, 0, 0]);
    expect(le(a, b)).toBeAllClose([1, 1, 0, 0]);
    expect(eq(a, b)).toBeAllClose([0, 1, 0, 0]);
    expect(ne(a, b)).toBeAllClose([1, 0, 1, 1]);
  });

  it('broadcast: [2,1] against [3] gives [2,3]; a number works on either side', () => {
    expect(gt(tensor([[1], [3]]), tensor([0, 2, 4]))).toBeAllClose([[1, 0, 0], [1, 1, 0]]);
    expect(le(2, tensor([1, 2, 3]))).toBeAllClose([0, 1, 1]);
    expect(eq(tensor([1, 2]), 2)).toBeAllClose([0, 1]);
  });

  it('are not differentiable: the result never requires grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    for (const [, op] of comparisons) expect(op(x, 1.5).requiresGrad).toBe(false);
  });

  it('match the reference on random broadcasting pairs (with ties from a small value set)', () => {
    fc.assert(
      fc.property(broadcastPairArb(), seedArb, ({ a, b }, seed) => {
        // values from {-1, 0, 1} so that ties are common
        const A: Ref = { shape: a, data: uniformValues(size(a), seed, -1.5, 1.5).map(Math.round) };
        const B: Ref = { shape: b, data: uniformValues(size(b), seed + 1, -1.5, 1.5).map(Math.round) };
        for (const [, op, test] of comparisons) expectRef(op(fromRef(A), fromRef(B)), refZip(A, B, (x, y) => (test(x, y) ? 1 : 0)));
      }),
      FC,
    );
  });

  it('errors: a shape mismatch names the op and both shapes; mixed dtypes are a DTypeError', () => {
    for (const [name, op] of comparisons) {
      expectError(() => op(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, [`${name}:`, '[2]', '[3]']);
      expectError(() => op(tensor([1], { dtype: 'float32' }), tensor([1])), DTypeError, [`${name}:`, 'float32', 'float64']);
    }
  });
});

describe('where', () => {
  it('selects a where the condition is non-zero, else b (NaN counts as non-zero)', () => {
    expect(where(tensor([1, 0, -2, NaN]), tensor([1, 2, 3, 4]), tensor([9, 8, 7, 6]))).toBeAllClose([1, 8, 3, 4]);
  });

  it('broadcasts all three: condition [2,1], a [3], b scalar', () => {
    expect(where(tensor([[1], [0]]), tensor([1, 2, 3]), 0)).toBeAllClose([[1, 2, 3], [0, 0, 0]]);
  });

  it('gradient: [c] to a, [not c] to b, none to the condition, each summed to its shape', () => {
    const c = tensor([[1], [0]], { requiresGrad: true });
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor(5, { requiresGrad: true });
    const y = where(c, a, b);
    y.backward(tensor([[1, 2, 3], [4, 5, 6]]));
    expect(a.grad).toBeAllClose([1, 2, 3]);
    expect(b.grad).toBeAllClose(15);
    expect(c.grad).toBeNull();
  });

  it('matches the reference on random broadcasting shapes, forward and backward', () => {
    fc.assert(
      fc.property(broadcastPairArb(), seedArb, ({ a: cShape, b: aShape, out }, seed) => {
        const C: Ref = { shape: cShape, data: uniformValues(size(cShape), seed).map((v) => (v > 0 ? 1 : 0)) };
        const A: Ref = { shape: aShape, data: uniformValues(size(aShape), seed + 1) };
        const B: Ref = { shape: out, data: uniformValues(size(out), seed + 2) };
        const V: Ref = { shape: out, data: uniformValues(size(out), seed + 3) };
        const ta = fromRef(A, true);
        const tb = fromRef(B, true);
        const y = where(fromRef(C), ta, tb);
        const picked = (pick: 0 | 1) => refZip(refZip(C, B, (c) => (c !== 0 ? 1 - pick : pick)), V, (m, v) => m * v);
        expectRef(y, refZip(refZip(C, A, (c, x) => (c !== 0 ? x : NaN)), B, (x, y2) => (Number.isNaN(x) ? y2 : x)));
        y.backward(fromRef(V));
        expectRef(ta.grad!, refSumTo(picked(0), aShape));
        expectRef(tb.grad!, refSumTo(picked(1), out));
      }),
      FC,
    );
  });

  it('gradcheck and gradgradcheck with a fixed condition', () => {
    const c = tensor([[1, 0, 1], [0, 0, 1]]);
    const f = (a: typeof c, b: typeof c) => where(c, a.square(), b.mul(a));
    expect(gradcheck(f, [tensor([0.5, -1.5, 2]), tensor([[1, 2, 3], [-1, 0.5, 0.25]])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [tensor([0.5, -1.5, 2]), tensor([[1, 2, 3], [-1, 0.5, 0.25]])], GC).ok).toBe(true);
  });

  it('errors: incompatible shapes name where and the shapes', () => {
    expectError(() => where(tensor([1, 0]), tensor([1, 2, 3]), 0), ShapeError, ['where:', '[2]', '[3]']);
  });
});

const maxCase: BinaryCase = { op: maximum, f: Math.max, dfa: (x, y) => (x > y ? 1 : 0), dfb: (x, y) => (y > x ? 1 : 0) };
const minCase: BinaryCase = { op: minimum, f: Math.min, dfa: (x, y) => (x < y ? 1 : 0), dfb: (x, y) => (y < x ? 1 : 0) };

describe('maximum and minimum', () => {
  it('forward on known values; NaN on either side gives NaN', () => {
    expect(maximum(tensor([1, 5, 2, NaN, 1]), tensor([3, 2, 2, 1, NaN]))).toBeAllClose([3, 5, 2, NaN, NaN]);
    expect(minimum(tensor([1, 5, 2, NaN, 1]), tensor([3, 2, 2, 1, NaN]))).toBeAllClose([1, 2, 2, NaN, NaN]);
  });

  it('gradient goes to the winner', () => {
    const a = tensor([1, 5], { requiresGrad: true });
    const b = tensor([3, 2], { requiresGrad: true });
    maximum(a, b).backward(tensor([10, 20]));
    expect(a.grad).toBeAllClose([0, 20]);
    expect(b.grad).toBeAllClose([10, 0]);
    a.zeroGrad();
    b.zeroGrad();
    minimum(a, b).backward(tensor([10, 20]));
    expect(a.grad).toBeAllClose([10, 0]);
    expect(b.grad).toBeAllClose([0, 20]);
  });

  it('NOTE: ties split the gradient ½/½', () => {
    const a = tensor([2, 2], { requiresGrad: true });
    const b = tensor([2, 1], { requiresGrad: true });
    maximum(a, b).backward(tensor([4, 4]));
    expect(a.grad).toBeAllClose([2, 4]);
    expect(b.grad).toBeAllClose([2, 0]);
    a.zeroGrad();
    b.zeroGrad();
    minimum(a, b).backward(tensor([4, 4]));
    expect(a.grad).toBeAllClose([2, 0]);
    expect(b.grad).toBeAllClose([2, 4]);
  });

  it('broadcast: maximum(x, 0) is relu, with gradient summed to the scalar', () => {
    const x = tensor([[-1, 2], [3, -4]], { requiresGrad: true });
    const z = tensor(0, { requiresGrad: true });
    maximum(x, z).sum().backward();
    expect(x.grad).toBeAllClose([[0, 1], [1, 0]]);
    expect(z.grad).toBeAllClose(2);
  });

  it('random broadcasting pairs match the reference', () => {
    checkBinaryProperty(maxCase);
    checkBinaryProperty(minCase);
  });

  it('gradcheck and gradgradcheck on random shapes (continuous values, no ties)', () => {
    checkBinaryGradcheck(maxCase);
    checkBinaryGradcheck(minCase);
  });

  it('errors name the op and shapes', () => {
    expectError(() => maximum(tensor([[1, 2]]), tensor([1, 2, 3])), ShapeError, ['maximum:', '[1,2]', '[3]']);
    expectError(() => minimum(tensor([1]), tensor([1], { dtype: 'float32' })), DTypeError, ['minimum:', 'float32']);
  });
});

describe('clamp', () => {
  it('forward on known values; either bound may be left out; NaN stays NaN', () => {
    expect((tensor([-2, 0.5, 3, NaN])).clamp(0, 1)).toBeAllClose([0, 0.5, 1, NaN]);
    expect((tensor([-2, 3])).clamp(0)).toBeAllClose([0, 3]);
    expect((tensor([-2, 3])).clamp(undefined, 1)).toBeAllClose([-2, 1]);
  });

  it('gradient is 1 inside, 0 outside, and NOTE: 1 at the bounds themselves', () => {
    const x = tensor([-2, 0, 0.5, 1, 3], { requiresGrad: true });
    x.clamp(0, 1).sum().backward();
    expect(x.grad).toBeAllClose([0, 1, 1, 1, 0]);
  });

  it('matches the reference on random shapes, and gradchecks away from the bounds', () => {
    const c = { op: (t: ReturnType<typeof tensor>) => t.clamp(-0.5, 1), f: (x: number) => Math.min(Math.max(x, -0.5), 1), df: (x: number) => (x >= -0.5 && x <= 1 ? 1 : 0) };
    checkUnaryProperty(c);
    checkUnaryGradcheck(c);
  });

  it('second derivative is 0: the first does not depend on x', () => {
    const x = tensor([0.5, 2], { requiresGrad: true });
    const [d1] = gradients(x.clamp(0, 1).sum(), [x], { createGraph: true });
    expect(d1).toBeAllClose([1, 0]);
    expect(d1!.requiresGrad).toBe(false);
  });

  it('the op itself takes { min, max }, either left out', () => {
    expect(clamp(tensor([-2, 0.5, 3]), { min: 0, max: 1 }).toArray()).toEqual([0, 0.5, 1]);
    expect(clamp(tensor([-2, 3]), { max: 1 }).toArray()).toEqual([-2, 1]);
    expect(clamp(tensor([-2, 3])).toArray()).toEqual([-2, 3]);
    expectError(() => clamp(tensor([1]), { min: 'a' as never }), ChainruleError, ['clamp:', 'numbers', 'min a']);
  });

  it('errors: min > max or a NaN bound names clamp and the bounds', () => {
    expectError(() => (tensor([1])).clamp(2, 1), ChainruleError, ['clamp:', 'min 2', 'max 1']);
    expectError(() => (tensor([1])).clamp(NaN, 1), ChainruleError, ['clamp:', 'NaN']);
  });

  it('keeps float32', () => {
    const y = (tensor([0.1, 5], { dtype: 'float32' })).clamp(0, 1);
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.buffer)).toEqual([Math.fround(0.1), 1]);
  });
});

describe('select: random shapes of comparisons keep the input shape', () => {
  it('gt(x, x) is all zeros and ge(x, x) all ones for any shape', () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const x = t64(uniformValues(size(shape), seed), shape);
        expect([...gt(x, x).shape]).toEqual(shape);
        expect(Array.from(gt(x, x).buffer).every((v) => v === 0)).toBe(true);
        expect(Array.from(ge(x, x).buffer).every((v) => v === 1)).toBe(true);
      }),
      FC_GRAD,
    );
  });
});

describe('maximum and minimum with NaN', () => {
  it('where either is NaN the gradient goes to both, as PyTorch (1.13) gives', () => {
    for (const op of [maximum, minimum]) {
      const a = tensor([NaN, 1, NaN], { requiresGrad: true });
      const b = tensor([1, NaN, NaN], { requiresGrad: true });
      const y = op(a, b);
      expect(y).toBeAllClose([NaN, NaN, NaN]);
      y.backward(tensor([1, 2, 4]));
      expect(a.grad).toBeAllClose([1, 2, 4]);
      expect(b.grad).toBeAllClose([1, 2, 4]);
    }
  });
});

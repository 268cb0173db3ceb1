import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { Tensor, tensor } from '../tensor.js';
import { zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import {
  FC,
  GC,
  broadcastPairArb,
  expectError,
  expectRef,
  fromRef,
  ravel,
  refPermute,
  refSumTo,
  refZip,
  seedArb,
  shapeArb,
  size,
  t64,
  uniformValues,
  unravel,
  type Ref,
} from '../test-utils/index.js';
import { broadcastTo, cast, clone, concat, expand, permute, reshape, slice, squeeze, stack, transpose, unsqueeze } from './layout.js';

/** Checks gradcheck of `op` and gradgradcheck of op(x)² (a linear op's own second derivative is 0). */
function checkGrads(op: (t: Tensor) => Tensor, x: Tensor, seed = 0): void {
  expect(gradcheck(op, [x], GC).ok).toBe(true);
  expect(gradgradcheck((t) => op(t).square(), [x], { ...GC, seed }).ok).toBe(true);
}

/** The reference of slicing along `axis` with Python's rules for a positive step. */
function refSlice(x: Ref, axis: number, start: number, end: number | undefined, step: number): Ref {
  const n = x.shape[axis];
  const fix = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const picked: number[] = [];
  for (let i = fix(start); i < (end === undefined ? n : fix(end)); i += step) picked.push(i);
  const shape = x.shape.slice();
  shape[axis] = picked.length;
  const data = Array.from({ length: size(shape) }, (_, f) => {
    const idx = unravel(f, shape);
    idx[axis] = picked[idx[axis]];
    return x.data[ravel(idx, x.shape)];
  });
  return { shape, data };
}

/** The reference of concatenation along `axis`. */
function refConcat(xs: Ref[], axis: number): Ref {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
  const data = Array.from({ length: size(shape) }, (_, f) => {
    const idx = unravel(f, shape);
    let k = 0;
    while (idx[axis] >= xs[k].shape[axis]) idx[axis] -= xs[k++].shape[axis];
    return xs[k].data[ravel(idx, xs[k].shape)];
  });
  return { shape, data };
}

/** A random permutation of 0..n-1 from fast-check. */
const permutationArb = (n: number) =>
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((keys) =>
    Array.from({ length: n }, (_, i) => i).sort((i, j) => keys[i] - keys[j] || i - j),
  );

describe('reshape, squeeze, unsqueeze', () => {
  it('forward on known values, with an inferred -1', () => {
    expect(reshape(tensor([1, 2, 3, 4, 5, 6]), [2, -1])).toBeAllClose([[1, 2, 3], [4, 5, 6]]);
    expect(reshape(tensor([[1, 2], [3, 4]]), [4])).toBeAllClose([1, 2, 3, 4]);
    expect(reshape(tensor([7]), [])).toBeAllClose(7);
    expect(reshape(zeros([0, 3]), [-1, 3]).shape).toEqual([0, 3]);
    expect(squeeze(zeros([1, 3, 1])).shape).toEqual([3]);
    expect(squeeze(zeros([1, 3, 1]), -1).shape).toEqual([1, 3]);
    expect(unsqueeze(tensor([1, 2]), 0)).toBeAllClose([[1, 2]]);
    expect(unsqueeze(tensor([1, 2]), -1)).toBeAllClose([[1], [2]]);
  });

  it('returns a copy: the input buffer is not shared', () => {
    const x = tensor([1, 2, 3, 4]);
    const y = reshape(x, [2, 2]);
    expect(y.buffer).not.toBe(x.buffer);
  });

  it('the gradient is reshaped back', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    reshape(x, [3, 2]).backward(tensor([[1, 2], [3, 4], [5, 6]]));
    expect(x.grad).toBeAllClose([[1, 2, 3], [4, 5, 6]]);
    const y = tensor([[1, 2]], { requiresGrad: true });
    unsqueeze(squeeze(y), 1).backward(tensor([[3], [4]]));
    expect(y.grad).toBeAllClose([[3, 4]]);
  });

  it('random shapes: reshape to flat and back, with -1; gradcheck', () => {
    fc.assert(
      fc.property(shapeArb(4, 3), seedArb, (shape, seed) => {
        const X: Ref = { shape, data: uniformValues(size(shape), seed) };
        const flat = reshape(fromRef(X), [-1]);
        expectRef(flat, { shape: [size(shape)], data: X.data });
        expectRef(reshape(flat, shape), X);
        if (shape.length > 0) expectRef(reshape(fromRef(X), [shape[0], -1]), { shape: [shape[0], size(shape) / shape[0]], data: X.data });
        const x = fromRef(X, true);
        const V = uniformValues(size(shape), seed + 1);
        reshape(x, [-1]).backward(t64(V, [size(shape)]));
        expectRef(x.grad!, { shape, data: V });
      }),
      FC,
    );
    checkGrads((t) => reshape(t, [3, 2]), tensor([[0.5, -1], [2, 1.5], [-0.25, 3]]));
    checkGrads((t) => unsqueeze(squeeze(t), 0), tensor([[0.5, -1, 2]]));
  });

  it('errors: a different size, several -1, an axis out of range, squeezing a non-1 axis', () => {
    expectError(() => reshape(tensor([1, 2, 3]), [2]), ShapeError, ['reshape:', '[3]', '3 elements', '[2]', '2 elements']);
    expectError(() => reshape(tensor([1, 2, 3, 4]), [3, -1]), ShapeError, ['reshape:', '[4]', '[3,-1]', 'not a multiple of 3']);
    expectError(() => reshape(tensor([1, 2, 3, 4]), [-1, -1]), ShapeError, ['reshape:', '[-1,-1]', 'at most one -1']);
    expectError(() => reshape(tensor([1, 2]), [0.5, 4]), ShapeError, ['reshape:', '[0.5,4]']);
    expectError(() => squeeze(zeros([1, 2]), 1), ShapeError, ['squeeze:', 'axis 1', '[1,2]', 'size 2']);
    expectError(() => squeeze(zeros([1, 2]), 2), ShapeError, ['squeeze:', 'axis 2', 'rank 2']);
    expectError(() => unsqueeze(tensor([1, 2]), 2), ShapeError, ['unsqueeze:', 'axis 2', 'shape [2]', 'rank 1', '[-2, 1]']);
    expectError(() => unsqueeze(tensor([1, 2]), -3), ShapeError, ['unsqueeze:', 'axis -3']);
  });
});

describe('permute and transpose', () => {
  it('forward on known values', () => {
    const x = tensor([[[1, 2], [3, 4], [5, 6]]]); // [1,3,2]
    expect(permute(x, [2, 0, 1])).toBeAllClose([[[1, 3, 5]], [[2, 4, 6]]]);
    expect(permute(x, [-1, 0, 1]).shape).toEqual([2, 1, 3]);
    expect(transpose(tensor([[1, 2, 3], [4, 5, 6]]))).toBeAllClose([[1, 4], [2, 5], [3, 6]]);
    expect(transpose(x, 0, 1).shape).toEqual([3, 1, 2]);
    const v = tensor([1, 2]);
    expect(transpose(v)).toBe(v); // a 1-D tensor is its own transpose
  });

  it('the gradient is permuted back by the inverse permutation', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    transpose(x).backward(tensor([[10, 40], [20, 50], [30, 60]]));
    expect(x.grad).toBeAllClose([[10, 20, 30], [40, 50, 60]]);
  });

  it('random shapes and permutations match the reference, forward and backward', () => {
    fc.assert(
      fc.property(
        shapeArb(4, 3).chain((shape) => fc.tuple(fc.constant(shape), permutationArb(shape.length))),
        seedArb,
        ([shape, axes], seed) => {
          const X: Ref = { shape, data: uniformValues(size(shape), seed) };
          const x = fromRef(X, true);
          const y = permute(x, axes);
          const Y = refPermute(X, axes);
          expectRef(y, Y);
          const V: Ref = { shape: Y.shape, data: uniformValues(size(Y.shape), seed + 1) };
          y.backward(fromRef(V));
          const inverse = axes.map((_, i) => axes.indexOf(i));
          expectRef(x.grad!, refPermute(V, inverse));
        },
      ),
      FC,
    );
  });

  it('gradcheck and gradgradcheck', () => {
    const x = t64(uniformValues(12, 4), [2, 3, 2]);
    checkGrads((t) => permute(t, [1, 2, 0]), x);
    checkGrads((t) => transpose(t, 0, 2), x);
  });

  it('errors: wrong number of axes, a repeated axis, an axis out of range', () => {
    expectError(() => permute(zeros([2, 3]), [0]), ShapeError, ['permute:', '1 axes', '[2,3]', 'expected 2']);
    expectError(() => permute(zeros([2, 3]), [1, 1]), ShapeError, ['permute:', '[1,1]', 'repeat']);
    expectError(() => permute(zeros([2, 3]), [0, 2]), ShapeError, ['permute:', 'axis 2', 'rank 2']);
    expectError(() => transpose(zeros([2, 3]), 0, 2), ShapeError, ['transpose:', 'axis 2', 'rank 2']);
  });
});

describe('expand and broadcastTo', () => {
  it('forward on known values: added leading axes, repeated size-1 axes, -1 keeps a dimension', () => {
    expect(expand(tensor([[1], [2]]), [2, 3])).toBeAllClose([[1, 1, 1], [2, 2, 2]]);
    expect(expand(tensor([[1], [2]]), [-1, 3])).toBeAllClose([[1, 1, 1], [2, 2, 2]]);
    expect(broadcastTo(tensor(1), [2, 2])).toBeAllClose([[1, 1], [1, 1]]);
    expect(broadcastTo(tensor([1, 2]), [2, 2])).toBeAllClose([[1, 2], [1, 2]]);
  });

  it('the gradient sums over the repeated axes', () => {
    const x = tensor([[1], [2]], { requiresGrad: true });
    expand(x, [3, 2, 2]).sum().backward();
    expect(x.grad).toBeAllClose([[6], [6]]);
    const s = tensor(5, { requiresGrad: true });
    broadcastTo(s, [2, 3]).backward(tensor([[1, 2, 3], [4, 5, 6]]));
    expect(s.grad).toBeAllClose(21);
  });

  it('random broadcastable shapes match the reference, forward and backward', () => {
    fc.assert(
      fc.property(broadcastPairArb(4, 3), seedArb, ({ a, out }, seed) => {
        const X: Ref = { shape: a, data: uniformValues(size(a), seed) };
        const x = fromRef(X, true);
        const y = broadcastTo(x, out);
        expectRef(y, refZip(X, { shape: out, data: new Array<number>(size(out)).fill(0) }, (v) => v));
        const V: Ref = { shape: out, data: uniformValues(size(out), seed + 1) };
        if (y === x) return; // same shape: expand is the identity (no new node)
        y.backward(fromRef(V));
        expectRef(x.grad!, refSumTo(V, a));
      }),
      FC,
    );
  });

  it('gradcheck and gradgradcheck', () => {
    checkGrads((t) => expand(t, [2, 3, 2]), tensor([[0.5], [-1.5], [2]]));
    checkGrads((t) => broadcastTo(t, [3, 2, 2]), tensor([0.75, -1.25]));
  });

  it('errors: incompatible sizes and a smaller rank name expand and the shapes', () => {
    expectError(() => expand(tensor([1, 2]), [3]), ShapeError, ['expand:', '[2]', '[3]']);
    expectError(() => expand(tensor([[1, 2]]), [2]), ShapeError, ['expand:', '[1,2]', '[2]']);
    expectError(() => broadcastTo(tensor([1, 2]), [2, 3]), ShapeError, ['expand:', '[2]', '[2,3]']);
  });
});

describe('slice', () => {
  it('forward on known values (Python rules: negative indices, clamped bounds, steps)', () => {
    const x = tensor([0, 1, 2, 3, 4]);
    expect(x.slice(0, 1, -1)).toBeAllClose([1, 2, 3]);
    expect(x.slice(0, 0, 5, 2)).toBeAllClose([0, 2, 4]);
    expect(x.slice(0, -2)).toBeAllClose([3, 4]);
    expect(x.slice(0, -10, 10)).toBeAllClose([0, 1, 2, 3, 4]);
    expect(x.slice(0, 4, 2).shape).toEqual([0]);
    expect((tensor([[1, 2, 3], [4, 5, 6]])).slice(1, 1, 3)).toBeAllClose([[2, 3], [5, 6]]);
    expect((tensor([[1, 2, 3], [4, 5, 6]])).slice(-2, 1)).toBeAllClose([[4, 5, 6]]);
  });

  it('the gradient goes back where the slice was taken, zeros elsewhere', () => {
    const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8]], { requiresGrad: true });
    x.slice(1, 1, 4, 2).backward(tensor([[10, 20], [30, 40]]));
    expect(x.grad).toBeAllClose([[0, 10, 0, 20], [0, 30, 0, 40]]);
  });

  it('random shapes, axes, bounds and steps match the reference, forward and backward', () => {
    fc.assert(
      fc.property(
        shapeArb(3, 4).filter((s) => s.length > 0),
        fc.nat(),
        fc.integer({ min: -6, max: 6 }),
        fc.option(fc.integer({ min: -6, max: 6 })),
        fc.integer({ min: 1, max: 3 }),
        seedArb,
        (shape, axisPick, start, end, step, seed) => {
          const axis = axisPick % shape.length;
          const X: Ref = { shape, data: uniformValues(size(shape), seed) };
          const x = fromRef(X, true);
          const y = x.slice(axis, start, end ?? undefined, step);
          const Y = refSlice(X, axis, start, end ?? undefined, step);
          expectRef(y, Y);
          const V: Ref = { shape: Y.shape, data: uniformValues(size(Y.shape), seed + 1) };
          y.backward(fromRef(V));
          // adjoint: <x.slice(), v> = <x, grad> for every x, so grad is v scattered back; check via the reference indices
          const expected = new Array<number>(size(shape)).fill(0);
          const marker: Ref = { shape, data: X.data.map((_, i) => i) };
          refSlice(marker, axis, start, end ?? undefined, step).data.forEach((src, k) => (expected[src] = V.data[k]));
          expectRef(x.grad!, { shape, data: expected });
        },
      ),
      FC,
    );
  });

  it('gradcheck and gradgradcheck (also of the second-order path through embedSlice)', () => {
    checkGrads((t) => t.slice(1, 0, 3, 2), t64(uniformValues(8, 5), [2, 4]));
    checkGrads((t) => t.slice(0, 1).slice(1, -2), t64(uniformValues(9, 6), [3, 3]));
  });

  it('the op itself takes an options object; the Tensor method takes the same values in order', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(slice(x, { axis: 1, start: 1 }).toArray()).toEqual(x.slice(1, 1).toArray());
    expect(slice(x, { axis: -1, step: 2 }).toArray()).toEqual([[1, 3], [4, 6]]);
    expect(slice(x, { axis: 0, start: -1, end: 2 }).toArray()).toEqual([[4, 5, 6]]);
    expectError(() => slice(x, undefined as never), ShapeError, ['slice:', 'expected options { axis, start, end, step }']);
  });

  it('errors: a bad step, non-integer bounds, an axis out of range', () => {
    expectError(() => (tensor([1, 2, 3])).slice(0, 0, 2, 0), ShapeError, ['slice:', 'step', 'got 0']);
    expectError(() => (tensor([1, 2, 3])).slice(0, 0, 2, -1), ShapeError, ['slice:', 'step', 'got -1']);
    expectError(() => (tensor([1, 2, 3])).slice(0, 0, 2, 1.5), ShapeError, ['slice:', 'got 1.5']);
    expectError(() => (tensor([1, 2, 3])).slice(0, 0.5), ShapeError, ['slice:', 'integers', '0.5']);
    expectError(() => (tensor([1, 2, 3])).slice(1, 0), ShapeError, ['slice:', 'axis 1', 'rank 1']);
  });
});

describe('concat and stack', () => {
  it('take 200,000 tensors, forward and backward, without overflowing the stack (the list is never spread)', () => {
    const n = 200_000;
    const xs = Array.from({ length: n }, (_, i) => tensor([i], { requiresGrad: true }));
    const c = concat(xs);
    expect(c.shape).toEqual([n]);
    expect(c.buffer[n - 1]).toBe(n - 1);
    c.backward(tensor(Float64Array.from({ length: n }, (_, i) => 2 * i)));
    expect(xs[0].grad!.toArray()).toEqual([0]);
    expect(xs[n - 1].grad!.toArray()).toEqual([2 * (n - 1)]);
    const ys = Array.from({ length: n }, (_, i) => tensor(i, { requiresGrad: true }));
    const s = stack(ys);
    expect(s.shape).toEqual([n]);
    s.mul(3).sum().backward();
    expect(ys[n - 1].grad!.item()).toBe(3);
    expect(ys.every((y) => y.grad!.item() === 3)).toBe(true);
  });

  it('forward on known values', () => {
    expect(concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], { axis: 0 })).toBeAllClose([[1, 2], [3, 4], [5, 6]]);
    expect(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], { axis: -1 })).toBeAllClose([[1, 3, 4], [2, 5, 6]]);
    expect(concat([tensor([1, 2]), [3]])).toBeAllClose([1, 2, 3]);
    expect(concat([zeros([0]), tensor([1])])).toBeAllClose([1]);
    expect(stack([tensor([1, 2]), tensor([3, 4])])).toBeAllClose([[1, 2], [3, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], { axis: 1 })).toBeAllClose([[1, 3], [2, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], { axis: -1 })).toBeAllClose([[1, 3], [2, 4]]);
    expect(stack([tensor(1), tensor(2)])).toBeAllClose([1, 2]);
  });

  it('each input gets its own stretch of the gradient', () => {
    const a = tensor([[1, 2]], { requiresGrad: true });
    const b = tensor([[3, 4], [5, 6]], { requiresGrad: true });
    concat([a, b], { axis: 0 }).backward(tensor([[1, 2], [3, 4], [5, 6]]));
    expect(a.grad).toBeAllClose([[1, 2]]);
    expect(b.grad).toBeAllClose([[3, 4], [5, 6]]);
    const c = tensor([1, 2], { requiresGrad: true });
    const d = tensor([3, 4]);
    stack([c, d], { axis: 1 }).backward(tensor([[10, 20], [30, 40]]));
    expect(c.grad).toBeAllClose([10, 30]);
    expect(d.grad).toBeNull();
  });

  it('random lists, axes and sizes (including empty pieces) match the reference, forward and backward', () => {
    fc.assert(
      fc.property(
        shapeArb(3, 3).filter((s) => s.length > 0),
        fc.nat(),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        seedArb,
        (shape, axisPick, lengths, seed) => {
          const axis = axisPick % shape.length;
          const refs: Ref[] = lengths.map((n, i) => {
            const s = shape.slice();
            s[axis] = n;
            return { shape: s, data: uniformValues(size(s), seed + i) };
          });
          const xs = refs.map((r) => fromRef(r, true));
          const y = concat(xs, { axis: axis });
          const Y = refConcat(refs, axis);
          expectRef(y, Y);
          const V: Ref = { shape: Y.shape, data: uniformValues(size(Y.shape), seed + 99) };
          y.backward(fromRef(V));
          let start = 0;
          xs.forEach((x, i) => {
            const n = refs[i].shape[axis];
            expectRef(x.grad!, refSlice(V, axis, start, start + n, 1));
            start += n;
          });
        },
      ),
      FC,
    );
  });

  it('random stacks match concat of unsqueezed references', () => {
    fc.assert(
      fc.property(shapeArb(3, 3), fc.integer({ min: 1, max: 3 }), fc.nat(), seedArb, (shape, count, axisPick, seed) => {
        const axis = axisPick % (shape.length + 1);
        const refs: Ref[] = Array.from({ length: count }, (_, i) => ({ shape, data: uniformValues(size(shape), seed + i) }));
        const withAxis = shape.slice();
        withAxis.splice(axis, 0, 1);
        const Y = refConcat(refs.map((r) => ({ shape: withAxis, data: r.data })), axis);
        expectRef(stack(refs.map((r) => fromRef(r)), { axis: axis }), Y);
      }),
      FC,
    );
  });

  it('gradcheck and gradgradcheck over several inputs', () => {
    const a = t64(uniformValues(4, 7), [2, 2]);
    const b = t64(uniformValues(2, 8), [2, 1]);
    expect(gradcheck((p, q) => concat([p, q, p], { axis: 1 }), [a, b], GC).ok).toBe(true);
    expect(gradgradcheck((p, q) => concat([p, q], { axis: 1 }).square(), [a, b], GC).ok).toBe(true);
    expect(gradcheck((p, q) => stack([p, q.mul(2)], { axis: 2 }), [a, a], GC).ok).toBe(true);
    expect(gradgradcheck((p, q) => stack([p, q], { axis: 0 }).square(), [a, a], GC).ok).toBe(true);
  });

  it('errors: mismatched shapes name the offending tensor and both shapes; empty lists; mixed dtypes', () => {
    expectError(() => concat([tensor([[1, 2]]), tensor([[1, 2, 3]])], { axis: 0 }), ShapeError, ['concat:', 'tensors[1]', '[1,3]', 'tensors[0]', '[1,2]', 'axis 0']);
    expectError(() => concat([tensor([1]), tensor([[2]])]), ShapeError, ['concat:', 'tensors[1]', '[1,1]', '[1]']);
    expectError(() => concat([tensor([1]), tensor([2])], { axis: 1 }), ShapeError, ['concat:', 'axis 1', 'rank 1']);
    expectError(() => concat([tensor(1), tensor(2)]), ShapeError, ['concat:', 'rank 0']);
    expectError(() => concat([]), ShapeError, ['concat:', 'non-empty']);
    expectError(() => concat([tensor([1]), tensor([1], { dtype: 'float32' })]), DTypeError, ['concat:', 'tensors[1]', 'float32', 'float64']);
    expectError(() => stack([tensor([1, 2]), tensor([1, 2, 3])]), ShapeError, ['stack:', 'tensors[1]', '[3]', 'tensors[0]', '[2]']);
    expectError(() => stack([]), ShapeError, ['stack:', 'non-empty']);
    expectError(() => stack([tensor([1]), tensor([2])], { axis: 2 }), ShapeError, ['stack:', 'axis 2', 'rank 1', '[-2, 1]']);
    expectError(() => stack([tensor([1]), tensor([1], { dtype: 'float32' })]), DTypeError, ['stack:', 'tensors[1]', 'float32', 'float64']);
  });
});

describe('cast and clone', () => {
  it('cast rounds float64 to float32 and back; same dtype returns the tensor itself', () => {
    const y = cast(tensor([0.1, 1e40]), 'float32');
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.buffer)).toEqual([Math.fround(0.1), Infinity]);
    expect(cast(y, 'float64').buffer[0]).toBe(Math.fround(0.1));
    const x = tensor([1]);
    expect(cast(x, 'float64')).toBe(x);
  });

  it('cast\'s gradient is cast back to the input dtype', () => {
    const x = tensor([0.1, 2], { requiresGrad: true });
    cast(x, 'float32').backward(tensor([0.1, 3], { dtype: 'float32' }));
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad).toBeAllClose([Math.fround(0.1), 3]);
    const [g2] = gradients(cast(cast(x, 'float32').square(), 'float64').sum(), [x]);
    expect(g2!.dtype).toBe('float64');
    // 2x computed in float32: within float32 rounding of 2x
    expect(g2).toBeAllClose([0.2, 4], { atol: 0, rtol: 6e-8 });
  });

  it('clone copies, stays in the graph and passes the gradient unchanged', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = clone(x);
    expect(y.buffer).not.toBe(x.buffer);
    expect(y.gradFn!.op.name).toBe('clone');
    y.backward(tensor([3, 4]));
    expect(x.grad).toBeAllClose([3, 4]);
    checkGrads(clone, tensor([0.5, -2, 3]));
  });

  it('errors: an unknown dtype names cast', () => {
    expectError(() => cast(tensor([1]), 'int8' as 'float32'), DTypeError, ['cast:', '"int8"', 'float64', 'float32']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck } from '../autograd/gradcheck.js';
import { FC, GC, distinctValues, expectError, expectRef, ravel, size, t64, unravel, type Ref } from '../test-utils/index.js';
import { argmax, argmin, maxWithIndices, minWithIndices } from './search.js';

/** Position of the extreme along `axis` by a plain scan: NaN wins, the first of equals wins. */
function refArg(x: Ref, axis: number, kind: 'max' | 'min'): { values: Ref; indices: Ref } {
  const shape = x.shape.filter((_, i) => i !== axis);
  const values: number[] = [];
  const indices: number[] = [];
  for (let f = 0; f < size(shape); f++) {
    const out = unravel(f, shape);
    let best = 0;
    const at = (k: number) => x.data[ravel([...out.slice(0, axis), k, ...out.slice(axis)], x.shape)];
    for (let k = 1; k < x.shape[axis]; k++) {
      const v = at(k);
      const b = at(best);
      if (Number.isNaN(b)) break;
      if (Number.isNaN(v) || (kind === 'max' ? v > b : v < b)) best = k;
    }
    indices.push(best);
    values.push(at(best));
  }
  return { values: { shape, data: values }, indices: { shape, data: indices } };
}

/** Small whole numbers (many ties) with some NaN. */
const tiedArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: 0, max: shape.length - 1 }),
      data: fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -2, max: 2 }) }, { weight: 1, arbitrary: fc.constant(NaN) }), { minLength: size(shape), maxLength: size(shape) }),
    }),
  );

describe('argmax, argmin', () => {
  it('give the first position of the extreme, over all elements or along an axis', () => {
    const x = tensor([[1, 5], [7, 2]]);
    expect(argmax(x)).toBeAllClose(2);
    expect(argmax(x).shape).toEqual([]);
    expect(argmax(x, { axis: 1 })).toBeAllClose([1, 0]);
    expect(argmin(x, { axis: 0 })).toBeAllClose([0, 1]);
    expect(argmax(x, { keepdims: true }).shape).toEqual([1, 1]);
    expect(x.argmax(-1, { keepdims: true })).toBeAllClose([[1], [0]]);
    expect(x.argmin()).toBeAllClose(0);
    expect(argmax(tensor([3, 3, 1]))).toBeAllClose(0);
    expect(argmax(tensor([1, NaN, 3, NaN]))).toBeAllClose(1);
    expect(argmin(tensor([1, NaN, 0]))).toBeAllClose(1);
    expect(argmax(tensor(5), { axis: 0 })).toBeAllClose(0);
    expect(argmax(zeros([2, 0]), { axis: 0 }).shape).toEqual([0]);
  });

  it('match a plain scan on random inputs full of ties and NaN', () => {
    fc.assert(
      fc.property(tiedArb, ({ shape, axis, data }) => {
        const x = t64(data, shape);
        for (const kind of ['max', 'min'] as const) {
          const ref = refArg({ shape, data }, axis, kind);
          expectRef((kind === 'max' ? argmax : argmin)(x, { axis }), ref.indices);
          const r = (kind === 'max' ? maxWithIndices : minWithIndices)(x, { axis });
          expectRef(r.indices, ref.indices);
          expectRef(r.values, ref.values);
        }
      }),
      FC,
    );
  });

  it('return positions in the input dtype, never requiring grad', () => {
    const x = tensor([1, 3, 2], { dtype: 'float32', requiresGrad: true });
    const i = argmax(x);
    expect(i.dtype).toBe('float32');
    expect(i.requiresGrad).toBe(false);
  });

  it('refuse empty inputs and empty axes', () => {
    expectError(() => argmax(zeros([0])), ShapeError, ['argmax', '[0]', 'no elements']);
    expectError(() => argmin(zeros([2, 0]), { axis: 1 }), ShapeError, ['argmin', 'axis 1', '[2,0]', 'size 0']);
    expectError(() => argmax(zeros([2]), { axis: 1 }), ShapeError, ['argmax', 'axis 1']);
  });
});

describe('maxWithIndices, minWithIndices', () => {
  it('return values and positions, with keepdims', () => {
    const { values, indices } = maxWithIndices(tensor([[1, 5], [7, 2]]), { axis: 1 });
    expect(values).toBeAllClose([5, 7]);
    expect(indices).toBeAllClose([1, 0]);
    const m = tensor([[1, 5], [7, 2]]).minWithIndices(0, { keepdims: true });
    expect(m.values).toBeAllClose([[1, 2]]);
    expect(m.indices).toBeAllClose([[0, 1]]);
    expect(maxWithIndices(tensor(4), { axis: 0 }).values).toBeAllClose(4);
  });

  it('send the whole gradient to the one position returned (the first of ties), unlike max', () => {
    const x = tensor([[1, 3, 3], [NaN, 2, NaN]], { requiresGrad: true });
    const [dx] = gradients(maxWithIndices(x, { axis: 1 }).values, [x], { gradOutputs: [tensor([10, 20])] });
    expect(dx).toBeAllClose([[0, 10, 0], [20, 0, 0]]);
    const [shared] = gradients(x.max(1), [x], { gradOutputs: [tensor([10, 20])] });
    expect(shared!.buffer[1]).toBe(5); // max over axes splits ties (amax's rule)
  });

  it('pass gradcheck on distinct values', () => {
    const x = t64(distinctValues(12, 3), [3, 4]);
    expect(gradcheck((t) => maxWithIndices(t, { axis: 1 }).values, [x], GC).ok).toBe(true);
    expect(gradcheck((t) => minWithIndices(t, { axis: 0, keepdims: true }).values, [x], GC).ok).toBe(true);
  });

  it('need an axis', () => {
    expectError(() => maxWithIndices(tensor([1, 2]), undefined as unknown as { axis: number }), ShapeError, ['maxWithIndices', 'options { axis, keepdims }', 'max()']);
  });
});

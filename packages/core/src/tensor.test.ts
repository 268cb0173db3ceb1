import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChainruleError, DTypeError, ShapeError } from './errors.js';
import { noGrad } from './grad-mode.js';
import { Tensor, tensor } from './tensor.js';

describe('tensor(): creation', () => {
  it('from a number: a float64 scalar', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.dtype).toBe('float64');
    expect(t.item()).toBe(3.5);
    expect(t.isLeaf).toBe(true);
    expect(t.requiresGrad).toBe(false);
  });

  it('from nested arrays, keeping every float64 bit', () => {
    const t = tensor([[0.1, 0.2, 0.3], [1e-300, -0, 2 ** 53 + 2]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[0.1, 0.2, 0.3], [1e-300, -0, 2 ** 53 + 2]]);
    expect(Object.is((t.toArray() as number[][])[1][1], -0)).toBe(true);
  });

  it('float32 when asked, rounding to nearest', () => {
    const t = tensor([0.1], { dtype: 'float32' });
    expect(t.dtype).toBe('float32');
    expect(t.item()).toBe(Math.fround(0.1));
  });

  it('from a typed array with a shape; the dtype follows the array type; values are copied', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(src, { shape: [2, 3] });
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    src[0] = 99;
    expect((t.toArray() as number[][])[0][0]).toBe(1);
    expect(() => tensor(new Float64Array(5), { shape: [2, 3] })).toThrow(/typed array of 5 elements does not fit shape \[2,3\] \(6 elements\)/);
  });

  it('empty arrays', () => {
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('refuses ragged nested arrays and says where', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array: at index \[1\] expected length 2 .* found length 1/);
    expect(() => tensor([[[1], [2]], [[3], 4]] as never)).toThrow(/at index \[1\]\[1\] expected an array of length 1 but found the number 4/);
    expect(() => tensor([1, [2]] as never)).toThrow(/at index \[1\] expected a number .* but found an array of length 1/);
    expect(() => tensor([1, "a"] as never)).toThrow(/at index \[1\] expected a number .* but found the string "a"/);
  });

  it('refuses an unknown dtype', () => {
    expect(() => tensor([1], { dtype: 'int32' as never })).toThrow(DTypeError);
    expect(() => tensor([1], { dtype: 'int32' as never })).toThrow(/unknown dtype "int32"/);
  });

  it('options: requiresGrad and name', () => {
    const t = tensor([1], { requiresGrad: true, name: 'w1' });
    expect(t.requiresGrad).toBe(true);
    expect(t.name).toBe('w1');
    expect(t.toString()).toContain('name=w1');
  });

  it('round-trips any rectangular nested array (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((rows) =>
          fc.integer({ min: 1, max: 4 }).chain((cols) =>
            fc.array(fc.array(fc.double({ noNaN: true }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
          ),
        ),
        (values) => {
          const t = tensor(values);
          expect(t.shape).toEqual([values.length, values[0].length]);
          expect(t.toArray()).toEqual(values);
        },
      ),
      { seed: 7, numRuns: 100 },
    );
  });
});

describe('reading back', () => {
  it('item() needs exactly one element', () => {
    expect(tensor([[5]]).item()).toBe(5);
    expect(() => tensor([1, 2]).item()).toThrow(/item: only a one-element tensor .* shape \[2\] \(2 elements\)/);
  });

  it('data is a copy; buffer is the storage', () => {
    const t = tensor([1, 2]);
    const d = t.data;
    d[0] = 100;
    expect(t.toArray()).toEqual([1, 2]);
    expect(t.buffer).toBeInstanceOf(Float64Array);
  });

  it('toString shows values, shape, dtype and the op that made it', () => {
    const x = tensor([[1, 2.5]], { requiresGrad: true });
    expect(x.toString()).toBe('tensor([[1, 2.5]], shape=[1,2], dtype=float64, requiresGrad=true)');
    expect(x.mul(1 / 3).toString()).toBe('tensor([[0.3333333333, 0.8333333333]], shape=[1,2], dtype=float64, gradFn=mul)');
  });
});

describe('in-place ops', () => {
  it('change the values, broadcast the source, and bump the version', () => {
    const t = tensor([[1, 2], [3, 4]]);
    t.add_([10, 20]).mul_(2).sub_(1);
    expect(t.toArray()).toEqual([[21, 43], [25, 47]]);
    expect(t.version).toBe(3);
    t.fill_(7);
    expect(t.toArray()).toEqual([[7, 7], [7, 7]]);
    t.zero_();
    expect(t.toArray()).toEqual([[0, 0], [0, 0]]);
    t.copy_(tensor([[1, 2], [3, 4]]));
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(t.version).toBe(6);
    t.copy_(5).add_(tensor([[0.5]])).mul_(tensor(2));
    expect(t.toArray()).toEqual([[11, 11], [11, 11]]);
  });

  it('refuse a source that does not broadcast, or another dtype, and leave the tensor unchanged', () => {
    const t = tensor([1, 2]);
    expect(() => t.add_([1, 2, 3])).toThrow(ShapeError);
    expect(() => t.add_(tensor([1, 2], { dtype: 'float32' }))).toThrow(ChainruleError);
    expect(t.toArray()).toEqual([1, 2]);
    expect(t.version).toBe(0);
  });

  it('are allowed on a leaf requiring grad only under noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => w.fill_(0)).toThrow(/fill_: in-place change of a tensor that requires grad/);
    noGrad(() => w.fill_(0));
    expect(w.toArray()).toEqual([0, 0]);
  });
});

describe('Tensor class', () => {
  it('isTensor-like identity and leaf status', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = x.mul(2);
    expect(y).toBeInstanceOf(Tensor);
    expect(y.isLeaf).toBe(false);
    expect(y.requiresGrad).toBe(true);
    expect(y.ndim).toBe(1);
    expect(y.size).toBe(1);
  });

  it('named() sets a display name and returns the tensor', () => {
    const t = tensor(1);
    expect(t.named('net_h1')).toBe(t);
    expect(t.name).toBe('net_h1');
  });
});

describe('update (the public in-place write)', () => {
  it('writes through the buffer and bumps the version', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    noGrad(() => w.update((b) => { b[0] = 5; }));
    expect(w.toArray()).toEqual([5, 2]);
    expect(w.version).toBe(1);
  });
  it('is refused on a tensor requiring grad while grad mode is on, before writing', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => w.update((b) => { b[0] = 5; })).toThrow(/update: in-place change of a tensor that requires grad/);
    expect(w.toArray()).toEqual([1, 2]);
    expect(w.version).toBe(0);
  });
  it('bumps the version even when the writer throws part-way', () => {
    const w = tensor([1, 2]);
    expect(() => w.update((b) => { b[0] = 9; throw new Error('boom'); })).toThrow('boom');
    expect(w.version).toBe(1);
  });
});

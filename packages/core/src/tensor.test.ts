import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChainruleError, DTypeError, ShapeError } from './errors.js';
import { noGrad } from './grad-mode.js';
import { Tensor, tensor } from './tensor.js';
import { arange, eye, full, linspace, ones, rand, randn, zeros, zerosLike } from './create.js';
import { concat, stack } from './ops/index.js';
import { graphOrder } from './autograd/engine.js';
import { expectThrows } from './test-utils/index.js';

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

describe('the Tensor constructor validates what it wraps', () => {
  it('refuses a buffer whose length does not fit the shape', () => {
    expectThrows(() => new Tensor(new Float64Array(3), [2, 2]), ShapeError, 'new Tensor: a buffer of 3 elements does not fit shape [2,2] (4 elements)');
    expectThrows(() => new Tensor(new Float64Array(1), [0]), ShapeError, 'new Tensor: a buffer of 1 elements does not fit shape [0] (0 elements)');
  });

  it('refuses anything but a Float64Array or a Float32Array (an array is not labelled float32), pointing at tensor()', () => {
    expectThrows(
      () => new Tensor([1, 2] as never, [2]),
      TypeError,
      'new Tensor: the buffer must be a Float64Array or a Float32Array, got an array of length 2; to make a tensor from numbers or arrays use tensor(values)',
    );
    expectThrows(
      () => new Tensor(new Int32Array(2) as never, [2]),
      TypeError,
      'new Tensor: the buffer must be a Float64Array or a Float32Array, got an object (Int32Array); to make a tensor from numbers or arrays use tensor(values)',
    );
  });

  it('refuses a shape that is not an array of non-negative integers', () => {
    expectThrows(() => new Tensor(new Float64Array(4), [2, -2]), ShapeError, 'new Tensor: invalid shape [2,-2]: dimension 1 is -2; expected non-negative integers');
    expectThrows(() => new Tensor(new Float64Array(4), [2, 2.5]), ShapeError, 'new Tensor: invalid shape [2,2.5]: dimension 1 is 2.5; expected non-negative integers');
    // a string or a number is frozen by nature: not a reason to skip the check
    expectThrows(() => new Tensor(new Float64Array(4), 'ab' as never), ShapeError, 'new Tensor: invalid shape "ab"; expected an array of non-negative integers');
    expectThrows(() => new Tensor(new Float64Array(1), 4 as never), ShapeError, 'new Tensor: invalid shape 4; expected an array of non-negative integers');
  });

  it('takes its dtype from the buffer', () => {
    expect(new Tensor(new Float32Array([1, 2]), [2]).dtype).toBe('float32');
    expect(new Tensor(new Float64Array([1, 2]), [1, 2]).toArray()).toEqual([[1, 2]]);
  });
});

describe('shapes cannot be changed from outside', () => {
  it('tensor(1).shape.push(3) throws, and a later scalar still has shape []', () => {
    expect(() => (tensor(1).shape as number[]).push(3)).toThrow(TypeError);
    expect(tensor(2).shape).toEqual([]);
    expect(tensor(2).ndim).toBe(0);
  });

  it("writing into a result's shape throws and leaves its input's shape alone: x.exp().shape[0] = 1", () => {
    const x = tensor([1, 2]);
    const y = x.exp();
    expect(() => {
      (y.shape as number[])[0] = 1;
    }).toThrow(TypeError);
    expect(x.shape).toEqual([2]);
    expect(y.shape).toEqual([2]);
  });

  it('a shape array the caller passes in is copied: changing it afterwards changes no tensor', () => {
    const s = [2];
    const t = new Tensor(new Float64Array(2), s);
    const u = tensor(new Float64Array(2), { shape: s });
    const z = zeros(s);
    const r = tensor([[1, 2]]).reshape(s);
    const e = tensor([[1]]).expand([3, 2]);
    s[0] = 5;
    for (const a of [t, u, z, r]) expect(a.shape).toEqual([2]);
    expect(e.shape).toEqual([3, 2]);
  });

  it('every tensor has a frozen shape: factories, op results, gradients', () => {
    const made = [
      tensor(1), tensor([[1, 2]]), tensor(new Float32Array(2)), tensor(tensor([1])), new Tensor(new Float64Array(2), [1, 2]),
      zeros([2]), ones([1, 2]), full([2], 3), arange(3), linspace(0, 1, 3), eye(2), rand([2], { seed: 1 }), randn([2], { seed: 1 }), zerosLike(tensor([1, 2])),
    ];
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const w = tensor([[0.5], [-1], [2]], { requiresGrad: true });
    const h = x.matmul(w).add(x).sub(1).mul(x).div(2).neg().pow(2).exp().log().sqrt().abs().sigmoid().tanh().relu().square();
    const parts = [h.sum(0), h.mean(1, true), h.max(), h.min(1), h.logsumexp(1), h.softmax().logSoftmax(0).sum()];
    const k = h.reshape([3, 2]).transpose().permute([1, 0]).expand([2, 3, 2]).slice(2, 0, 1).squeeze().unsqueeze(0).flatten();
    const g = h.gather(1, [[0, 2, 1], [1, 1, 0]]).scatterAdd(1, [[1, 0, 2], [0, 1, 2]], ones([2, 3])).maximum(h).minimum(2).clamp(0, 1).where(h.gt(0), 0).cast('float64').clone();
    const loss = concat([...parts.map((p) => p.reshape([-1])), k, g.flatten(), stack([h.sum(), h.mean()])]).sum();
    const { order } = graphOrder([loss]);
    for (const t of order) t.retainGrad();
    loss.backward();
    const all = [...made, ...order, ...order.map((t) => t.grad!)];
    expect(order.length).toBeGreaterThan(40);
    for (const t of all) expect(Object.isFrozen(t.shape), `shape of ${t.gradFn?.op.name ?? 'a leaf'}`).toBe(true);
  });
});

describe('hostile nested arrays', () => {
  it('a nested array that contains itself is refused without looping', () => {
    const a: unknown[] = [1];
    a[0] = a;
    expectThrows(() => tensor(a as never), ShapeError, 'tensor: the nested array contains itself (at depth 1); expected a finite nesting of arrays of numbers');
    const b: unknown[] = [[1, 2], [3, 4]];
    (b[1] as unknown[])[1] = b; // off the first-element path: found while copying
    expectThrows(() => tensor(b as never), ShapeError, 'tensor: ragged nested array: at index [1][1] expected a number (depth 2, like the first element) but found an array of length 2');
  });

  it('100,000-deep nesting is refused without overflowing the stack; 64 levels are accepted', () => {
    const nest = (depth: number) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = [v];
      return v as never;
    };
    expectThrows(() => tensor(nest(100_000)), ShapeError, 'tensor: the nested array is more than 64 levels deep; a tensor has at most 64 dimensions');
    expectThrows(() => tensor(nest(65)), ShapeError, 'tensor: the nested array is more than 64 levels deep; a tensor has at most 64 dimensions');
    expect(tensor(nest(64)).shape).toEqual(new Array(64).fill(1));
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

describe('new Tensor with a frozen shape', () => {
  it('still checks every dimension (a frozen [-1, -4] multiplies to 4 but is no shape)', () => {
    expect(() => new Tensor(new Float64Array(4), Object.freeze([-1, -4]))).toThrow(/new Tensor: invalid shape \[-1,-4\]: dimension 0 is -1; expected non-negative integers/);
  });
});

describe('keepdims, positionally or as an option, on every reduction method', () => {
  const x = tensor([[1, -2, 3], [4, 5, -6]]);
  const methods = ['sum', 'mean', 'max', 'min', 'logsumexp', 'prod'] as const;
  it('gives the same result both ways, and drops the axis without it', () => {
    for (const m of methods) {
      const positional = x[m](1, true);
      const option = x[m](1, { keepdims: true });
      expect(positional.shape, m).toEqual([2, 1]);
      expect(option.toArray(), m).toEqual(positional.toArray());
      expect(x[m](1, { keepdims: false }).shape, m).toEqual([2]);
      expect(x[m](1, {}).shape, m).toEqual([2]);
    }
    expect(x.norm(2, 1, { keepdims: true }).toArray()).toEqual(x.norm(2, 1, true).toArray());
    expect(x.argmax(1, true).toArray()).toEqual([[2], [1]]);
    expect(x.argmin(1, { keepdims: true }).toArray()).toEqual([[1], [2]]);
    expect(x.maxWithIndices(0, true).values.toArray()).toEqual([[4, 5, 3]]);
    expect(x.minWithIndices(0, { keepdims: true }).indices.toArray()).toEqual([[0, 0, 1]]);
  });
  it('refuses anything else, naming the method', () => {
    expect(() => x.sum(1, 'yes' as never)).toThrow(/^sum: keepdims must be a boolean or \{ keepdims: boolean \}, got the string "yes"$/);
    expect(() => x.argmax(1, { keepdims: 1 } as never)).toThrow(/^argmax: keepdims must be a boolean/);
    expect(() => x.prod(0, null as never)).toThrow(/^prod: keepdims must be a boolean/);
  });
});

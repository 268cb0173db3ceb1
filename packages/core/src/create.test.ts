import { describe, expect, it } from 'vitest';
import { ChainruleError, DTypeError, ShapeError } from './errors.js';
import { tensor } from './tensor.js';
import { RandomGenerator } from './random.js';
import { arange, eye, full, fullLike, linspace, ones, onesLike, rand, randn, zeros, zerosLike } from './create.js';
import { expectError } from './test-utils/index.js';

describe('zeros, ones, full and their *Like forms', () => {
  it('fill the shape with the value, float64 by default', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float64');
    expect(z).toBeAllClose([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2])).toBeAllClose([1, 1]);
    expect(full([2, 1], 0.35)).toBeAllClose([[0.35], [0.35]]);
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([]).size).toBe(1);
    expect(ones([0, 4]).size).toBe(0);
  });

  it('take dtype, requiresGrad and name options; the shape is copied', () => {
    const shape = [2];
    const o = ones(shape, { dtype: 'float32', requiresGrad: true, name: 'w' });
    shape[0] = 5;
    expect(o.shape).toEqual([2]);
    expect(o.dtype).toBe('float32');
    expect(o.requiresGrad).toBe(true);
    expect(o.name).toBe('w');
  });

  it('*Like forms copy shape and dtype of their argument', () => {
    const t = tensor([[1, 2]], { dtype: 'float32' });
    for (const [made, value] of [[zerosLike(t), 0], [onesLike(t), 1], [fullLike(t, 7), 7]] as const) {
      expect(made.shape).toEqual([1, 2]);
      expect(made.dtype).toBe('float32');
      expect(Array.from(made.buffer)).toEqual([value, value]);
    }
    expect(zerosLike(t, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('errors: a bad shape names the factory and the shape; a bad dtype; a non-number value', () => {
    expectError(() => zeros([2, -1]), ShapeError, ['zeros:', '[2,-1]', 'non-negative integers']);
    expectError(() => ones([1.5]), ShapeError, ['ones:', '[1.5]']);
    expectError(() => full([2], '1' as unknown as number), ChainruleError, ['full:', 'string']);
    expectError(() => zeros([2], { dtype: 'int32' as 'float32' }), DTypeError, ['zeros:', '"int32"']);
  });
});

describe('arange', () => {
  it('0..n-1, start/end/step, negative steps, empty ranges', () => {
    expect(arange(5)).toBeAllClose([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25)).toBeAllClose([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2)).toBeAllClose([5, 3, 1]);
    expect(arange(0, 5, -1).shape).toEqual([0]);
    expect(arange(2.5)).toBeAllClose([0, 1, 2]);
  });

  it('computes start + i·step (no drift from repeated addition)', () => {
    const a = arange(0, 1, 0.1);
    expect(a.size).toBe(10);
    // start + i·step exactly, element by element, as computed here in plain JS
    expect(Array.from(a.buffer)).toEqual(Array.from({ length: 10 }, (_, i) => i * 0.1));
    // repeated addition would give 0.9999999999999999 at i = 10 of arange(0, 1.05, 0.1); start + i·step gives 1
    expect(arange(0, 1.05, 0.1).buffer[10]).toBe(1);
  });

  it('errors: zero step, non-finite bounds', () => {
    expectError(() => arange(0, 1, 0), ChainruleError, ['arange:', 'step 0']);
    expectError(() => arange(NaN), ChainruleError, ['arange:', 'NaN']);
    expectError(() => arange(0, Infinity), ChainruleError, ['arange:', 'Infinity']);
  });
});

describe('linspace', () => {
  it('count values from start to end, both included, the end exact', () => {
    expect(linspace(0, 1, 5)).toBeAllClose([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, -2, 3)).toBeAllClose([2, 0, -2]);
    expect(linspace(0, 0.3, 4).buffer[3]).toBe(0.3);
    expect(linspace(3, 9, 1)).toBeAllClose([3]);
    expect(linspace(0, 1, 0).shape).toEqual([0]);
  });

  it('errors: a negative or fractional count', () => {
    expectError(() => linspace(0, 1, -1), ChainruleError, ['linspace:', 'count', '-1']);
    expectError(() => linspace(0, 1, 2.5), ChainruleError, ['linspace:', '2.5']);
  });
});

describe('eye', () => {
  it('square and rectangular identities', () => {
    expect(eye(2)).toBeAllClose([[1, 0], [0, 1]]);
    expect(eye(2, 3)).toBeAllClose([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 1)).toBeAllClose([[1], [0], [0]]);
    expect(eye(0).shape).toEqual([0, 0]);
  });

  it('errors: negative or fractional sizes name eye', () => {
    expectError(() => eye(-1), ShapeError, ['eye:', '-1']);
    expectError(() => eye(2, 1.5), ShapeError, ['eye:', '1.5']);
  });
});

describe('rand and randn', () => {
  it('draw from a generator seeded with `seed`: the same values as RandomGenerator(seed) in row-major order', () => {
    const g = new RandomGenerator(11);
    const expected = Array.from({ length: 6 }, () => g.uniform());
    const r = rand([2, 3], { seed: 11 });
    expect(r.shape).toEqual([2, 3]);
    expect(Array.from(r.buffer)).toEqual(expected);
    const h = new RandomGenerator(12);
    expect(Array.from(randn([5], { seed: 12 }).buffer)).toEqual(Array.from({ length: 5 }, () => h.normal()));
  });

  it('a given generator is advanced: two calls continue one stream', () => {
    const g = new RandomGenerator(3);
    const first = rand([2], { generator: g });
    const second = rand([2], { generator: g });
    const ref = new RandomGenerator(3);
    expect([...first.buffer, ...second.buffer]).toEqual([ref.uniform(), ref.uniform(), ref.uniform(), ref.uniform()]);
  });

  it('float32 rounds the float64 draws', () => {
    const g = new RandomGenerator(1);
    expect(Array.from(rand([2], { seed: 1, dtype: 'float32' }).buffer)).toEqual([Math.fround(g.uniform()), Math.fround(g.uniform())]);
  });

  it('errors: seed and generator together; a bad shape', () => {
    expectError(() => rand([2], { seed: 1, generator: new RandomGenerator(1) }), ChainruleError, ['rand:', 'seed or generator']);
    expectError(() => randn([2], { seed: 1, generator: new RandomGenerator(1) }), ChainruleError, ['randn:', 'seed or generator']);
    expectError(() => randn([-2]), ShapeError, ['randn:', '[-2]']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, expectRef, ravel, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { repeat, tile } from './repeat.js';

/** Output position i along an axis of size s reads input position i mod s. */
function refRepeat(x: Ref, sizes: number[]): Ref {
  const own = [...new Array<number>(sizes.length - x.shape.length).fill(1), ...x.shape];
  const shape = own.map((s, i) => s * sizes[i]);
  const lead = sizes.length - x.shape.length;
  const data = Array.from({ length: size(shape) }, (_, f) => x.data[ravel(unravel(f, shape).slice(lead).map((v, d) => v % x.shape[d]), x.shape)]);
  return { shape, data };
}

describe('repeat, tile', () => {
  it("repeat as PyTorch's Tensor.repeat, tile as torch.tile", () => {
    expect(repeat(tensor([1, 2]), [2, 2])).toBeAllClose([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(repeat(tensor([1, 2]), [3])).toBeAllClose([1, 2, 1, 2, 1, 2]);
    expect(tensor([[1], [2]]).repeat(1, 2)).toBeAllClose([[1, 1], [2, 2]]);
    expect(tensor([[1], [2]]).repeat([2, 1, 1]).shape).toEqual([2, 2, 1]);
    expect(repeat(zeros([2, 3]), [2, 0]).shape).toEqual([4, 0]);
    expect(repeat(tensor(5), [3])).toBeAllClose([5, 5, 5]);
    expect(tile(tensor([[1, 2]]), [2])).toBeAllClose([[1, 2, 1, 2]]);
    expect(tensor([[1, 2]]).tile(2, 1)).toBeAllClose([[1, 2], [1, 2]]);
    expect(tile(zeros([2, 3]), []).shape).toEqual([2, 3]);
  });

  it('matches the modular-index reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 4 }),
        fc.integer({ min: 1, max: 1000 }),
        (shape, counts, seed) => {
          const x: Ref = { shape, data: uniformValues(size(shape), seed) };
          const sizes = [...counts, ...new Array<number>(Math.max(shape.length - counts.length, 0)).fill(2)];
          expectRef(repeat(t64(x.data, shape), sizes), refRepeat(x, sizes));
          expectRef(tile(t64(x.data, shape), counts), refRepeat(x, [...new Array<number>(Math.max(shape.length - counts.length, 0)).fill(1), ...counts]));
        },
      ),
      FC,
    );
  });

  it('sums the gradient over the copies', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [dx] = gradients(repeat(x, [2, 2]), [x], { gradOutputs: [tensor([[1, 2, 3, 4], [5, 6, 7, 8]])] });
    expect(dx).toBeAllClose([1 + 3 + 5 + 7, 2 + 4 + 6 + 8]);
    const f = (t: typeof x) => repeat(t, [2, 1, 3]).square();
    expect(gradcheck(f, [t64(uniformValues(6, 1), [2, 3])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(uniformValues(6, 2), [2, 3])], GC).ok).toBe(true);
  });

  it('refuses too few or invalid counts', () => {
    expectError(() => repeat(zeros([2, 3]), [2]), ShapeError, ['repeat', '1 repeats [2]', '[2,3]', 'at least one per axis (2)']);
    expectError(() => repeat(zeros([2]), [-1]), ShapeError, ['repeat', 'non-negative integers', '[-1]']);
    expectError(() => tile(zeros([2]), [1.5]), ShapeError, ['repeat', '[1.5]']);
  });
});

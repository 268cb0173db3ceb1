import { describe, expect, it } from 'vitest';
import { ChainruleError } from '../errors.js';
import { tensor, type Tensor } from '../tensor.js';
import { expectThrows } from '../test-utils/index.js';
import { grad, valueAndGrad } from './functional.js';

describe('grad / valueAndGrad', () => {
  it('grad(f) is the derivative, and composes: x³ at 2 gives 12, 12, 6', () => {
    const f = (x: Tensor) => x.pow(3);
    expect(grad(f)(2).item()).toBe(12);
    expect(grad(grad(f))(2).item()).toBe(12);
    expect(grad(grad(grad(f)))(2).item()).toBe(6);
  });

  it("tanh's first three derivatives at 2", () => {
    const f = (x: Tensor) => x.tanh();
    expect(grad(f)(2).item()).toBeCloseTo(0.07065082485316443, 16);
    expect(grad(grad(f))(2).item()).toBeCloseTo(-0.13621868742711296, 16);
    expect(grad(grad(grad(f)))(2).item()).toBeCloseTo(0.2526540650980626, 15);
  });

  it('argnums chooses the arguments; a list returns a list', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(y.square()).sum();
    const x = tensor([1, 2]);
    const y = tensor([3, 4]);
    expect(grad(f)(x, y)).toBeAllClose([3, 4]);
    expect(grad(f, { argnums: 1 })(x, y)).toBeAllClose([1 + 6, 2 + 8]);
    const [dx, dy] = grad(f, { argnums: [0, 1] })(x, y);
    expect(dx).toBeAllClose([3, 4]);
    expect(dy).toBeAllClose([7, 10]);
  });

  it('leaves the caller tensors untouched (no .grad, no requiresGrad)', () => {
    const x = tensor([1, 2]);
    grad((t: Tensor) => t.square().sum())(x);
    expect(x.requiresGrad).toBe(false);
    expect(x.grad).toBeNull();
  });

  it('valueAndGrad returns the value from the same pass', () => {
    const [value, g] = valueAndGrad((w: Tensor) => w.square().sum())(tensor([1, 2]));
    expect(value.item()).toBe(5);
    expect(value.requiresGrad).toBe(false);
    expect(g).toBeAllClose([2, 4]);
  });

  it('gives zeros for an argument the function ignores', () => {
    expect(grad((_x: Tensor, y: Tensor) => y.sum(), { argnums: 0 })(tensor([1, 2]), tensor(3))).toBeAllClose([0, 0]);
  });

  it('refuses a non-scalar result and an argnum out of range', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(tensor([1, 2]))).toThrow(/grad: the function must return a one-element tensor.*shape \[2\]/);
    expect(() => grad((x: Tensor) => x.sum(), { argnums: 3 })(tensor([1]))).toThrow(/argnum 3 is out of range for a call with 1 argument/);
  });

  it('an argument that cannot be differentiated is named (it once said "ragged nested array")', () => {
    const f = (x: Tensor) => x.sum();
    expectThrows(
      () => grad(f)('abc'),
      ChainruleError,
      'grad: argument 0 is the string "abc"; expected a Tensor, a number or a nested array of numbers to differentiate with respect to',
    );
    expectThrows(
      () => valueAndGrad(f)(null),
      ChainruleError,
      'valueAndGrad: argument 0 is null; expected a Tensor, a number or a nested array of numbers to differentiate with respect to',
    );
  });
});

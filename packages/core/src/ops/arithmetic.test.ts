import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { GC, awayFromZero, expectError, uniformValues } from '../test-utils/index.js';
import { checkBinaryGradcheck, checkBinaryProperty, checkUnaryGradcheck, checkUnaryProperty, type BinaryCase, type UnaryCase } from '../test-utils/ops.js';
import { add, div, mul, neg, pow, square, sub } from './arithmetic.js';

const positive = (n: number, seed: number) => uniformValues(n, seed, 0.5, 2);

const cases: Record<'add' | 'sub' | 'mul' | 'div' | 'pow', BinaryCase> = {
  add: { op: add, f: (x, y) => x + y, dfa: () => 1, dfb: () => 1 },
  sub: { op: sub, f: (x, y) => x - y, dfa: () => 1, dfb: () => -1 },
  mul: { op: mul, f: (x, y) => x * y, dfa: (_x, y) => y, dfb: (x) => x },
  div: { op: div, f: (x, y) => x / y, dfa: (_x, y) => 1 / y, dfb: (x, y) => -x / (y * y), bValues: awayFromZero },
  pow: {
    op: pow,
    f: Math.pow,
    dfa: (x, y) => y * Math.pow(x, y - 1),
    dfb: (x, y) => Math.pow(x, y) * Math.log(x),
    aValues: positive,
  },
};

describe('binary arithmetic: forward on known values', () => {
  it('add, sub, mul, div, pow', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[10, 20], [30, 40]]);
    expect(add(a, b)).toBeAllClose([[11, 22], [33, 44]]);
    expect(sub(a, b)).toBeAllClose([[-9, -18], [-27, -36]]);
    expect(mul(a, b)).toBeAllClose([[10, 40], [90, 160]]);
    expect(div(a, b)).toBeAllClose([[0.1, 0.1], [0.1, 0.1]]);
    expect(pow(a, tensor([[2, 3], [0.5, -1]]))).toBeAllClose([[1, 8], [Math.sqrt(3), 0.25]]);
    expect(pow(tensor([-2, 9]), tensor([3, 0.5]))).toBeAllClose([-8, 3]);
  });

  it('accept numbers and arrays on either side', () => {
    expect(add(tensor([1, 2]), 10)).toBeAllClose([11, 12]);
    expect(sub(10, tensor([1, 2]))).toBeAllClose([9, 8]);
    expect(mul([1, 2], tensor(3))).toBeAllClose([3, 6]);
    expect(div(1, tensor([4, 8]))).toBeAllClose([0.25, 0.125]);
    expect(pow(2, tensor([0, 10]))).toBeAllClose([1, 1024]);
  });

  it('follow IEEE rules for division by zero', () => {
    expect(div(tensor([1, -1, 0]), 0)).toBeAllClose([Infinity, -Infinity, NaN]);
  });

  it('broadcast [2,1] with [1,3] to [2,3]', () => {
    const a = tensor([[1], [2]]);
    const b = tensor([[10, 20, 30]]);
    expect(add(a, b)).toBeAllClose([[11, 21, 31], [12, 22, 32]]);
    expect(mul(a, b)).toBeAllClose([[10, 20, 30], [20, 40, 60]]);
  });
});

describe('binary arithmetic: gradients against closed forms', () => {
  it('add and sub pass the gradient through (negated for sub\'s b)', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 5], { requiresGrad: true });
    add(a, b).backward(tensor([0.5, 2]));
    expect(a.grad).toBeAllClose([0.5, 2]);
    expect(b.grad).toBeAllClose([0.5, 2]);
    a.zeroGrad();
    b.zeroGrad();
    sub(a, b).backward(tensor([0.5, 2]));
    expect(a.grad).toBeAllClose([0.5, 2]);
    expect(b.grad).toBeAllClose([-0.5, -2]);
  });

  it('mul: d(ab)/da = b, d(ab)/db = a', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 5], { requiresGrad: true });
    mul(a, b).sum().backward();
    expect(a.grad).toBeAllClose([3, 5]);
    expect(b.grad).toBeAllClose([1, 2]);
  });

  it('div: d(a/b)/da = 1/b, d(a/b)/db = -a/b²', () => {
    const a = tensor([1, 6], { requiresGrad: true });
    const b = tensor([2, 4], { requiresGrad: true });
    div(a, b).sum().backward();
    expect(a.grad).toBeAllClose([0.5, 0.25]);
    expect(b.grad).toBeAllClose([-1 / 4, -6 / 16]);
  });

  it('pow: d(aᵇ)/da = b·aᵇ⁻¹, d(aᵇ)/db = aᵇ·ln a', () => {
    const a = tensor([2, 3], { requiresGrad: true });
    const b = tensor([3, 0.5], { requiresGrad: true });
    pow(a, b).sum().backward();
    expect(a.grad).toBeAllClose([12, 0.5 / Math.sqrt(3)]);
    expect(b.grad).toBeAllClose([8 * Math.LN2, Math.sqrt(3) * Math.log(3)]);
  });

  it('pow with a constant exponent: d(x³)/dx = 3x², also for a negative base', () => {
    const x = tensor([-2, 0.5], { requiresGrad: true });
    pow(x, 3).sum().backward();
    expect(x.grad).toBeAllClose([12, 0.75]);
  });

  it('pow at a = 0: d(0ᵇ)/db is 0 (the b → 0⁺ limit), not NaN', () => {
    const b = tensor([0.5, 2], { requiresGrad: true });
    pow(tensor([0, 0]), b).sum().backward();
    expect(b.grad).toBeAllClose([0, 0]);
  });

  it('pow at a = 0, b < 0: d(0ᵇ)/db = 0ᵇ·ln 0 = ∞·(-∞) = -Infinity, as PyTorch (not NaN)', () => {
    const b = tensor([-1, -2.5], { requiresGrad: true });
    const y = pow(tensor([0, 0]), b);
    expect(y).toBeAllClose([Infinity, Infinity]);
    y.sum().backward();
    expect(b.grad).toBeAllClose([-Infinity, -Infinity]);
  });

  it('pow follows C\'s pow, not Math.pow: 1ˣ = 1 for every x (NaN, ±Infinity) and (-1)^±Infinity = 1', () => {
    expect(Math.pow(1, Infinity)).toBeNaN(); // what JavaScript alone gives
    const y = pow(tensor([1, 1, 1, -1, -1, NaN]), tensor([Infinity, -Infinity, NaN, Infinity, -Infinity, 0]));
    expect(y).toBeAllClose([1, 1, 1, 1, 1, 1]);
    expect(pow(tensor([1]), Infinity)).toBeAllClose([1]);
  });

  it('pow at a = 0, b = 0: d(a⁰)/da is 0 (a⁰ = 1 is constant), not 0·∞ = NaN', () => {
    // polynomial features x⁰, x¹, x² at x = 0: the derivative is 0, 1, 0
    const x = tensor([0, 0, 0], { requiresGrad: true });
    pow(x, tensor([0, 1, 2])).sum().backward();
    expect(x.grad).toBeAllClose([0, 1, 0]);
    // and broadcast: one x against the three exponents sums to 0 + 1 + 0
    const x1 = tensor([0], { requiresGrad: true });
    pow(x1, tensor([0, 1, 2])).sum().backward();
    expect(x1.grad).toBeAllClose([1]);
    // second order stays finite: d²(x⁰, x¹, x²)/dx² = 0, 0, 2
    const [d1] = gradients(pow(x, tensor([0, 1, 2])).sum(), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([0, 0, 2]);
  });

  it('pow of a negative base: the exponent\'s gradient aᵇ ln a is NaN (documented, as in PyTorch)', () => {
    const b = tensor([2], { requiresGrad: true });
    pow(tensor([-2]), b).sum().backward();
    expect(b.grad).toBeAllClose([NaN]);
  });

  it('only the inputs that require grad get a gradient', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 5]);
    const [ga] = gradients(mul(a, b).sum(), [a]);
    expect(ga).toBeAllClose([3, 5]);
    expect(b.grad).toBeNull();
  });
});

describe('binary arithmetic: broadcasting sums the gradient back to each input shape', () => {
  it('[2,3] op [3]: b\'s gradient sums over rows', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = tensor([1, 2, 4], { requiresGrad: true });
    add(a, b).sum().backward();
    expect(a.grad).toBeAllClose([[1, 1, 1], [1, 1, 1]]);
    expect(b.grad).toBeAllClose([2, 2, 2]);
    a.zeroGrad();
    b.zeroGrad();
    sub(a, b).sum().backward();
    expect(b.grad).toBeAllClose([-2, -2, -2]);
    a.zeroGrad();
    b.zeroGrad();
    mul(a, b).sum().backward();
    expect(a.grad).toBeAllClose([[1, 2, 4], [1, 2, 4]]);
    expect(b.grad).toBeAllClose([5, 7, 9]);
    a.zeroGrad();
    b.zeroGrad();
    div(a, b).sum().backward();
    expect(a.grad).toBeAllClose([[1, 0.5, 0.25], [1, 0.5, 0.25]]);
    expect(b.grad).toBeAllClose([-5, -7 / 4, -9 / 16]);
    a.zeroGrad();
    b.zeroGrad();
    pow(a, b).sum().backward();
    // Σ_rows b·a^(b-1) and Σ_rows a^b ln a, by hand
    expect(a.grad).toBeAllClose([[1, 4, 4 * 27], [1, 10, 4 * 216]]);
    expect(b.grad).toBeAllClose([4 * Math.log(4), 4 * Math.LN2 + 25 * Math.log(5), 81 * Math.log(3) + 1296 * Math.log(6)]);
  });

  it('[2,1] op [1,3] and a scalar: gradients in each input\'s own shape', () => {
    const a = tensor([[1], [2]], { requiresGrad: true });
    const b = tensor([[10, 20, 30]], { requiresGrad: true });
    const s = tensor(3, { requiresGrad: true });
    mul(mul(a, b), s).sum().backward();
    expect(a.grad).toBeAllClose([[180], [180]]);
    expect(b.grad).toBeAllClose([[9, 9, 9]]);
    expect(s.grad).toBeAllClose(180);
    expect(s.grad!.shape).toEqual([]);
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: random broadcasting pairs match the reference, forward and backward`, () => checkBinaryProperty(c));
  }
});

describe('binary arithmetic: gradcheck and gradgradcheck on random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => checkBinaryGradcheck(c));
  }
});

const unaryCases: Record<'neg' | 'square', UnaryCase> = {
  neg: { op: neg, f: (x) => -x, df: () => -1 },
  square: { op: square, f: (x) => x * x, df: (x) => 2 * x },
};

describe('neg and square', () => {
  it('forward on known values', () => {
    expect(neg(tensor([1, -2, 0]))).toBeAllClose([-1, 2, -0]);
    expect(square(tensor([3, -4, 0.5]))).toBeAllClose([9, 16, 0.25]);
  });

  it('gradients: d(-x) = -1, d(x²) = 2x, d²(x²) = 2', () => {
    const x = tensor([3, -4], { requiresGrad: true });
    neg(x).sum().backward();
    expect(x.grad).toBeAllClose([-1, -1]);
    const [d1] = gradients(square(x).sum(), [x], { createGraph: true });
    expect(d1).toBeAllClose([6, -8]);
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([2, 2]);
  });

  for (const [name, c] of Object.entries(unaryCases)) {
    it(`${name}: random shapes match the reference`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }
});

describe('arithmetic: third order through pow', () => {
  it('d³(x⁴)/dx³ = 24x', () => {
    const x = tensor([0.5, 2], { requiresGrad: true });
    const [d1] = gradients(pow(x, 4).sum(), [x], { createGraph: true });
    const [d2] = gradients(d1!.sum(), [x], { createGraph: true });
    const [d3] = gradients(d2!.sum(), [x]);
    expect(d1).toBeAllClose([4 * 0.125, 32]);
    expect(d2).toBeAllClose([12 * 0.25, 48]);
    expect(d3).toBeAllClose([12, 48]);
  });

  it('gradgradcheck of a composite with a tensor exponent', () => {
    const a = tensor([[0.7, 1.3], [1.9, 0.6]]);
    const b = tensor([1.5, -0.5]);
    expect(gradgradcheck((x, y) => div(pow(x, y), add(x, y)).sum(), [a, b], GC).ok).toBe(true);
    expect(gradcheck((x, y) => sub(mul(x, y), div(y, x)), [a, b], GC).ok).toBe(true);
  });
});

describe('arithmetic errors', () => {
  it('a shape mismatch names the op and both shapes', () => {
    for (const [name, op] of [['add', add], ['sub', sub], ['mul', mul], ['div', div], ['pow', pow]] as const) {
      expectError(() => op(tensor([1, 2]), tensor([1, 2, 3])), ShapeError, [`${name}:`, '[2]', '[3]', 'cannot be broadcast']);
      expectError(() => op(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2], [3, 4]])), ShapeError, [`${name}:`, '[2,3]', '[2,2]']);
    }
  });

  it('float32 with float64 is a DTypeError naming the op, the inputs and both dtypes', () => {
    for (const [name, op] of [['add', add], ['sub', sub], ['mul', mul], ['div', div], ['pow', pow]] as const) {
      expectError(() => op(tensor([1]), tensor([1], { dtype: 'float32' })), DTypeError, [`${name}:`, "input 'b' is float32", "input 'a' is float64"]);
    }
  });

  it('a number next to a float32 tensor adopts float32', () => {
    const y = add(tensor([1.5], { dtype: 'float32' }), 0.1);
    expect(y.dtype).toBe('float32');
    expect(y.item()).toBe(Math.fround(Math.fround(1.5) + Math.fround(0.1)));
  });
});

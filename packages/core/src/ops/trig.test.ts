import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues, awayFromZero } from '../test-utils/index.js';
import { checkBinaryGradcheck, checkBinaryProperty, checkUnaryGradcheck, checkUnaryProperty, type UnaryCase } from '../test-utils/ops.js';
import { acos, asin, atan, atan2, cos, cosh, sin, sinh, tan } from './trig.js';

const inUnit = (n: number, seed: number) => uniformValues(n, seed, -0.9, 0.9);
const cases: Record<'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh', UnaryCase> = {
  sin: { op: sin, f: Math.sin, df: Math.cos },
  cos: { op: cos, f: Math.cos, df: (x) => -Math.sin(x) },
  // 1 + tan² against 1/cos²: the same number to rounding
  tan: { op: tan, f: Math.tan, df: (x) => 1 / Math.cos(x) ** 2, values: (n, s) => uniformValues(n, s, -1.2, 1.2), gradTol: { atol: 0, rtol: 1e-14 } },
  asin: { op: asin, f: Math.asin, df: (x) => 1 / Math.sqrt((1 - x) * (1 + x)), values: inUnit, gradTol: { atol: 0, rtol: 1e-14 } },
  acos: { op: acos, f: Math.acos, df: (x) => -1 / Math.sqrt((1 - x) * (1 + x)), values: inUnit, gradTol: { atol: 0, rtol: 1e-14 } },
  atan: { op: atan, f: Math.atan, df: (x) => 1 / (1 + x * x) },
  sinh: { op: sinh, f: Math.sinh, df: Math.cosh },
  cosh: { op: cosh, f: Math.cosh, df: Math.sinh },
};

describe('trigonometric and hyperbolic functions: known values', () => {
  it('sin, cos, tan at multiples of π/6', () => {
    expect(sin(tensor([0, Math.PI / 6, Math.PI / 2, -Math.PI / 2]))).toBeAllClose([0, 0.5, 1, -1], { atol: 1e-16, rtol: 1e-15 });
    expect(cos(tensor([0, Math.PI / 3, Math.PI]))).toBeAllClose([1, 0.5, -1], { atol: 1e-16, rtol: 1e-15 });
    expect(tan(tensor([0, Math.PI / 4, -Math.PI / 3]))).toBeAllClose([0, 1, -Math.sqrt(3)], { atol: 0, rtol: 1e-15 });
  });

  it('NOTE: exact argument reduction: sin(1e22) is the sine of the double 1e22', () => {
    // -0.8522008497671888 to 16 digits (the double 1e22 is exactly 10^22)
    expect(sin(tensor([1e22]))).toBeAllClose([-0.8522008497671888], { atol: 0, rtol: 1e-15 });
  });

  it('NOTE: tan at the double nearest π/2 is 1.633e16, finite', () => {
    expect(tan(tensor([Math.PI / 2])).item()).toBe(16331239353195370);
  });

  it('asin, acos, atan: values, domains and ±Infinity', () => {
    expect(asin(tensor([0, 0.5, 1, -1]))).toBeAllClose([0, Math.PI / 6, Math.PI / 2, -Math.PI / 2], { atol: 0, rtol: 1e-15 });
    expect(acos(tensor([1, 0.5, -1]))).toBeAllClose([0, Math.PI / 3, Math.PI], { atol: 0, rtol: 1e-15 });
    expect(asin(tensor([1.5, -2]))).toBeAllClose([NaN, NaN]);
    expect(atan(tensor([1, -Infinity, Infinity]))).toBeAllClose([Math.PI / 4, -Math.PI / 2, Math.PI / 2]);
  });

  it('atan2 follows C99 at signed zeros and infinities', () => {
    const a = tensor([0, 0, -0, 1, Infinity, -Infinity, 1]);
    const b = tensor([0, -0, -0, 0, Infinity, -Infinity, -Infinity]);
    expect(atan2(a, b)).toBeAllClose([0, Math.PI, -Math.PI, Math.PI / 2, Math.PI / 4, (-3 * Math.PI) / 4, Math.PI]);
  });

  it('sinh keeps small values exact and overflows past 710.48', () => {
    expect(sinh(tensor([1e-20, 1, 711]))).toBeAllClose([1e-20, (Math.E - 1 / Math.E) / 2, Infinity], { atol: 0, rtol: 1e-15 });
    expect(cosh(tensor([0, 1, -711]))).toBeAllClose([1, (Math.E + 1 / Math.E) / 2, Infinity], { atol: 0, rtol: 1e-15 });
  });
});

describe('gradients', () => {
  const second = (f: (t: ReturnType<typeof tensor>) => ReturnType<typeof tensor>, values: number[]) => {
    const x = tensor(values, { requiresGrad: true });
    const [d1] = gradients(f(x).sum(), [x], { createGraph: true });
    return gradients(d1!.sum(), [x])[0];
  };

  it('second derivatives: sin″ = −sin, cos″ = −cos, tan″ = 2 tan (1 + tan²), sinh″ = sinh, cosh″ = cosh', () => {
    const v = [0.3, -1.1];
    expect(second(sin, v)).toBeAllClose(v.map((x) => -Math.sin(x)), { atol: 1e-16, rtol: 1e-14 });
    expect(second(cos, v)).toBeAllClose(v.map((x) => -Math.cos(x)), { atol: 1e-16, rtol: 1e-14 });
    expect(second(tan, v)).toBeAllClose(v.map((x) => 2 * Math.tan(x) * (1 + Math.tan(x) ** 2)), { atol: 1e-16, rtol: 1e-14 });
    expect(second(sinh, v)).toBeAllClose(v.map(Math.sinh), { atol: 1e-16, rtol: 1e-14 });
    expect(second(cosh, v)).toBeAllClose(v.map(Math.cosh), { atol: 1e-16, rtol: 1e-14 });
  });

  it('second derivatives: asin″ = x(1 − x²)^(−3/2), atan″ = −2x/(1 + x²)²', () => {
    const v = [0.3, -0.6];
    expect(second(asin, v)).toBeAllClose(v.map((x) => x * (1 - x * x) ** -1.5), { atol: 1e-16, rtol: 1e-14 });
    expect(second(acos, v)).toBeAllClose(v.map((x) => -x * (1 - x * x) ** -1.5), { atol: 1e-16, rtol: 1e-14 });
    expect(second(atan, v)).toBeAllClose(v.map((x) => (-2 * x) / (1 + x * x) ** 2), { atol: 1e-16, rtol: 1e-14 });
  });

  it('NOTE: asin′ is +Infinity at ±1 and NaN outside; acos′ −Infinity at ±1', () => {
    const x = tensor([1, -1, 2], { requiresGrad: true });
    asin(x).sum().backward();
    expect(x.grad).toBeAllClose([Infinity, Infinity, NaN]);
    const y = tensor([1, -1], { requiresGrad: true });
    acos(y).sum().backward();
    expect(y.grad).toBeAllClose([-Infinity, -Infinity]);
  });

  it('atan2: d/da = b/(a² + b²), d/db = −a/(a² + b²), NaN for both at the origin (as PyTorch)', () => {
    const a = tensor([1, 3, 0], { requiresGrad: true });
    const b = tensor([1, -4, 0], { requiresGrad: true });
    atan2(a, b).sum().backward();
    expect(a.grad).toBeAllClose([0.5, -4 / 25, NaN]);
    expect(b.grad).toBeAllClose([-0.5, -3 / 25, NaN]);
  });
});

describe('random shapes', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: matches the scalar reference, forward and backward`, () => checkUnaryProperty(c));
    it(`${name}: gradcheck and gradgradcheck`, () => checkUnaryGradcheck(c));
  }
  const atan2Case = {
    op: atan2,
    f: Math.atan2,
    dfa: (a: number, b: number) => b / (a * a + b * b),
    dfb: (a: number, b: number) => -a / (a * a + b * b),
    aValues: awayFromZero,
    bValues: awayFromZero,
  };
  it('atan2: matches the scalar reference with broadcasting, forward and backward', () => checkBinaryProperty(atan2Case));
  it('atan2: gradcheck and gradgradcheck with broadcasting', () => checkBinaryGradcheck(atan2Case));
});

import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { uniformValues } from '../test-utils/index.js';
import { checkUnaryGradcheck, checkUnaryProperty } from '../test-utils/ops.js';
import { erfScalar } from '../kernels/erf.js';
import { erf } from './erf.js';

// the kernel's own accuracy is tested against high-precision values in kernels/erf.test.ts
const slope = (x: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
const erfCase = { op: erf, f: erfScalar, df: slope, values: (n: number, s: number) => uniformValues(n, s, -3, 3), gradTol: { atol: 1e-16, rtol: 1e-14 } };

describe('erf', () => {
  it('known values: erf(0) = 0, erf(±Infinity) = ±1, odd', () => {
    expect(erf(tensor([0, Infinity, -Infinity, NaN]))).toBeAllClose([0, 1, -1, NaN]);
    expect(erf(tensor([0.5, -0.5]))).toBeAllClose([0.5204998778130465, -0.5204998778130465], { atol: 0, rtol: 2.3e-16 });
  });

  it('d erf = 2/√π e^(−x²); erf″ = −2x · 2/√π e^(−x²)', () => {
    const x = tensor([0, 1, -2], { requiresGrad: true });
    const [d1] = gradients(erf(x).sum(), [x], { createGraph: true });
    expect(d1).toBeAllClose([0, 1, -2].map(slope), { atol: 0, rtol: 1e-15 });
    const [d2] = gradients(d1!.sum(), [x]);
    expect(d2).toBeAllClose([0, 1, -2].map((v) => -2 * v * slope(v)), { atol: 0, rtol: 1e-14 });
  });

  it('matches the kernel on random shapes, forward and backward', () => checkUnaryProperty(erfCase));
  it('gradcheck and gradgradcheck', () => checkUnaryGradcheck(erfCase));
});

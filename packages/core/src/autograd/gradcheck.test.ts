import { describe, expect, it } from 'vitest';
import { ChainruleError } from '../errors.js';
import { defineOp } from '../op.js';
import { randn } from '../create.js';
import { Tensor, tensor } from '../tensor.js';
import { map } from '../kernels/elementwise.js';
import { expectThrows } from '../test-utils/index.js';
import { GradcheckError, gradcheck, gradgradcheck } from './gradcheck.js';

// sin with a deliberately wrong derivative (cos(x) + 0.01): gradcheck must catch it.
const wrongSin = defineOp({
  name: 'wrongSin',
  inputs: ['x'],
  forward: (ctx, x) => {
    ctx.save(x);
    return map(x, Math.sin);
  },
  backward: { x: (ctx, grad) => grad.mul(new Tensor(map(ctx.saved[0], (v) => Math.cos(v) + 0.01).buffer, ctx.saved[0].shape)) },
});

// sin with a right first derivative written with a raw kernel: the backward is not
// differentiable, so its second derivative is wrong (zero), and only gradgradcheck can tell.
const flatSin = defineOp({
  name: 'flatSin',
  inputs: ['x'],
  forward: (ctx, x) => {
    ctx.save(x);
    return map(x, Math.sin);
  },
  backward: { x: (ctx, grad) => grad.mul(new Tensor(map(ctx.saved[0], Math.cos).buffer, ctx.saved[0].shape)) },
});

describe('gradcheck', () => {
  it('passes for correct gradients and reports every Jacobian entry compared', () => {
    const r = gradcheck((a, b) => a.matmul(b).tanh(), [randn([2, 3], { seed: 1 }), randn([3, 2], { seed: 2 })]);
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(4 * 6 + 4 * 6); // 4 outputs × (6 + 6) input elements
    expect(r.maxAbsError).toBeLessThan(1e-8);
    expect([r.eps, r.atol, r.rtol]).toEqual([1e-6, 1e-5, 1e-3]);
  });

  it('catches a wrong gradient and names the worst element, its two values and the error', () => {
    const x = tensor([0.5, 1, 2]);
    expect(() => gradcheck((t) => wrongSin(t).sum(), [x])).toThrow(GradcheckError);
    const r = gradcheck((t) => wrongSin(t).sum(), [x], { raiseException: false });
    expect(r.ok).toBe(false);
    const w = r.worst!;
    expect(w.input).toBe(0);
    expect(w.analytic - Math.cos(x.buffer[w.index])).toBeCloseTo(0.01, 12);
    expect(w.numeric).toBeCloseTo(Math.cos(x.buffer[w.index]), 8);
    expect(() => gradcheck((t) => wrongSin(t).sum(), [x])).toThrow(
      /gradcheck failed: d output\[0\] \/ d inputs\[0\]\[\d\] is .* by autodiff but .* by central differences/,
    );
  });

  it('respects its tolerances', () => {
    const x = tensor([0.5, 1, 2]);
    expect(gradcheck((t) => wrongSin(t).sum(), [x], { atol: 0.02 }).ok).toBe(true);
  });

  it('too few inputs for the function are named (it once said "ragged nested array")', () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
    const message = (name: string) => `${name}: the function takes 2 argument(s) but 1 input(s) were given; pass one tensor per argument`;
    expectThrows(() => gradcheck(f, [tensor([1])]), ChainruleError, message('gradcheck'));
    expectThrows(() => gradgradcheck(f, [tensor([1])]), ChainruleError, message('gradgradcheck'));
    expectThrows(() => gradcheck(f, [tensor([1]), undefined as never]), TypeError, 'gradcheck: inputs[1] is undefined; expected a Tensor, a number or a nested array of numbers');
  });

  it('refuses float32 inputs (finite differences need float64)', () => {
    expect(() => gradcheck((t) => t.sum(), [tensor([1], { dtype: 'float32' })])).toThrow(ChainruleError);
    expect(() => gradcheck((t) => t.sum(), [tensor([1], { dtype: 'float32' })])).toThrow(/inputs\[0\] is float32/);
  });

  it('gradgradcheck passes for differentiable backwards and catches a non-differentiable one', () => {
    const x = randn([4], { seed: 5 });
    expect(gradcheck((t) => flatSin(t).sum(), [x]).ok).toBe(true);
    expect(gradgradcheck((t) => t.tanh().mul(t).sum(), [x]).ok).toBe(true);
    expect(() => gradgradcheck((t) => flatSin(t).sum(), [x])).toThrow(GradcheckError);
  });

  it('does not change the caller inputs', () => {
    const x = tensor([1, 2]);
    gradcheck((t) => t.square().sum(), [x]);
    expect(x.toArray()).toEqual([1, 2]);
    expect(x.requiresGrad).toBe(false);
  });
});

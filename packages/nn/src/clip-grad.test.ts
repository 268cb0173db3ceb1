import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
import { Dense } from './linear.js';
import { Parameter } from './parameter.js';

/** Two parameters with gradients [3, 4] and [12]: the 2-norm of everything is √(9 + 16 + 144) = 13. */
function setup() {
  const a = new Parameter([0, 0]), b = new Parameter([0]), none = new Parameter([0]);
  a.grad = tensor([3, 4]);
  b.grad = tensor([12]);
  return { a, b, none, ps: [a, b, none] };
}

describe('clipGradNorm_', () => {
  it('scales every gradient by maxNorm / (total + 1e-6) and returns the total before clipping', () => {
    const { a, b, ps } = setup();
    const c = 6.5 / (13 + 1e-6);
    expect(clipGradNorm_(ps, 6.5)).toBe(13);
    expect(a.grad!.toArray()).toEqual([3 * c, 4 * c]);
    expect(b.grad!.toArray()).toEqual([12 * c]);
    // the new norm is a hair under maxNorm
    expect(clipGradNorm_(ps, 1e9)).toBeAllClose(6.5 - 6.5e-6 / 13, { rtol: 1e-12, atol: 0 });
  });

  it('leaves the gradients alone when the total is already small enough (the coefficient is clamped to 1)', () => {
    const { a, b, ps } = setup();
    const versions = [a.grad!.version, b.grad!.version];
    expect(clipGradNorm_(ps, 100)).toBe(13);
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[3, 4], [12]]);
    expect([a.grad!.version, b.grad!.version]).toEqual(versions);
  });

  it('other norms: p = 1, p = 3 and the largest |g| for Infinity', () => {
    expect(clipGradNorm_(setup().ps, 1e9, { normType: 1 })).toBe(19);
    // PyTorch's norm of norms: (‖(3, 4)‖₃³ + 12³)^(1/3)
    expect(clipGradNorm_(setup().ps, 1e9, { normType: 3 })).toBeAllClose((27 + 64 + 1728) ** (1 / 3), { rtol: 1e-15, atol: 0 });
    const { a, ps } = setup();
    a.grad = tensor([3, -40]);
    expect(clipGradNorm_(ps, 20, { normType: Infinity })).toBe(40);
    expect(a.grad!.toArray()).toEqual([3 * (20 / (40 + 1e-6)), -40 * (20 / (40 + 1e-6))]);
  });

  it("a non-finite total: PyTorch's NaN or zero gradients by default, a refusal that changes nothing with errorIfNonfinite", () => {
    const { a, b, ps } = setup();
    b.grad = tensor([Infinity]);
    expect(() => clipGradNorm_(ps, 1, { errorIfNonfinite: true })).toThrow(
      'clipGradNorm_: the total norm of order 2 of the gradients is Infinity, so they cannot be clipped; no gradient was changed',
    );
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[3, 4], [Infinity]]);
    expect(clipGradNorm_(ps, 1)).toBe(Infinity);
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[0, 0], [NaN]]); // c = 0, and ∞·0 = NaN
    const s = setup();
    s.a.grad = tensor([NaN, 1]);
    expect(clipGradNorm_(s.ps, 1, { normType: Infinity })).toBeNaN();
    expect(s.b.grad!.toArray()).toEqual([NaN]);
  });

  it('no gradients at all: total 0; a single tensor and named parameters are accepted', () => {
    expect(clipGradNorm_([new Parameter([1])], 1)).toBe(0);
    const p = new Parameter([0, 0]);
    p.grad = tensor([6, 8]);
    expect(clipGradNorm_(p, 5)).toBe(10);
    const net = new Dense(2, 2, { seed: 1 });
    net.weight.grad = tensor([[1, 1], [1, 1]]);
    expect(clipGradNorm_(net.namedParameters(), 1)).toBe(2);
  });

  it('checks every gradient and argument before changing any', () => {
    const { a, b, ps } = setup();
    const net = new Dense(2, 2, { seed: 1 });
    net.bias!.grad = tensor([1, 2, 3]);
    expect(() => clipGradNorm_([...ps, ...net.namedParameters()], 1)).toThrow(
      "clipGradNorm_: params[4] 'bias': .grad has shape [3] and dtype float64 but the parameter has shape [2] and dtype float64; no gradient was changed",
    );
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[3, 4], [12]]);
    expect(() => clipGradNorm_(ps, -1)).toThrow('clipGradNorm_: maxNorm must be a number ≥ 0, got -1');
    expect(() => clipGradNorm_(ps, 1, { normType: 0 })).toThrow('clipGradNorm_: normType must be a number > 0 or Infinity, got 0');
    expect(() => clipGradNorm_(ps, 1, { norm_type: 2 } as never)).toThrow("clipGradNorm_: unknown option 'norm_type'; the options are normType, errorIfNonfinite");
    expect(() => clipGradNorm_(net.parameters as never, 1)).toThrow('clipGradNorm_: params is a function: pass net.parameters(), not net.parameters');
  });

  it('scales a gradient that has a graph of its own (backward with createGraph) in place, as PyTorch', () => {
    const p = new Parameter([3, 4]);
    p.mul(p).mul(0.5).sum().backward({ createGraph: true }); // g = p, with a graph
    expect(clipGradNorm_([p], 1)).toBe(5);
    expect(p.grad!.toArray()).toEqual([3 / (5 + 1e-6), 4 / (5 + 1e-6)]);
  });
});

describe('clipGradValue_', () => {
  it('clamps each element into [−clipValue, clipValue]; NaN stays NaN', () => {
    const { a, b, ps } = setup();
    a.grad = tensor([-7, NaN]);
    clipGradValue_(ps, 3.5);
    expect([a.grad!.toArray(), b.grad!.toArray()]).toEqual([[-3.5, NaN], [3.5]]);
  });

  it('refuses a negative or NaN clipValue and a bad gradient before changing anything', () => {
    const { a, b, ps } = setup();
    expect(() => clipGradValue_(ps, -1)).toThrow('clipGradValue_: clipValue must be a number ≥ 0, got -1');
    b.grad = tensor([[1]]);
    expect(() => clipGradValue_(ps, 1)).toThrow('clipGradValue_: params[1]: .grad has shape [1,1] and dtype float64 but the parameter has shape [1]');
    expect(a.grad!.toArray()).toEqual([3, 4]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, expectError, expectRef, fromRef, mulberry32, ravel, seedArb, shapeArb, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { cumprod, cumsum } from './scan.js';

/** Each line along `axis` of t, as lists of flat positions in scan order (from the end if reverse). */
function lines(shape: readonly number[], axis: number, reverse: boolean): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < size(shape); i++) {
    const idx = unravel(i, shape);
    if (idx[axis] !== 0) continue;
    const line = Array.from({ length: shape[axis] }, (_, k) => ravel(idx.map((v, d) => (d === axis ? k : v)), shape));
    out.push(reverse ? line.reverse() : line);
  }
  return out;
}

/** The scan by definition: out at position k of a line combines elements 0..k; its gradient Σ_(i≥k) vᵢ ∂outᵢ/∂xₖ. */
function refScan(X: Ref, V: number[], axis: number, reverse: boolean, kind: 'sum' | 'prod'): { out: Ref; grad: Ref } {
  const out = new Array<number>(X.data.length).fill(0);
  const grad = new Array<number>(X.data.length).fill(0);
  for (const line of lines(X.shape, axis, reverse)) {
    const x = line.map((p) => X.data[p]);
    line.forEach((p, i) => (out[p] = x.slice(0, i + 1).reduce((a, b) => (kind === 'sum' ? a + b : a * b), kind === 'sum' ? 0 : 1)));
    line.forEach((p, k) => {
      let g = 0;
      for (let i = k; i < line.length; i++) {
        const partial = kind === 'sum' ? 1 : x.slice(0, i + 1).reduce((a, b, j) => (j === k ? a : a * b), 1); // Π_(j≤i, j≠k) x_j
        g += V[line[i]] * partial;
      }
      grad[p] = g;
    });
  }
  return { out: { shape: [...X.shape], data: out }, grad: { shape: [...X.shape], data: grad } };
}

const withZeros = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return uniformValues(n, seed).map((v) => (r() < 0.3 ? 0 : v));
};
const scanArb = shapeArb(3, 4)
  .filter((s) => s.length > 0)
  .chain((shape) => fc.record({ shape: fc.constant(shape), axis: fc.integer({ min: -shape.length, max: shape.length - 1 }), reverse: fc.boolean() }));

describe('cumsum and cumprod: known values', () => {
  it('along an axis, either direction', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(cumsum(x, { axis: 1 })).toBeAllClose([[1, 3, 6], [4, 9, 15]]);
    expect(x.cumsum(0)).toBeAllClose([[1, 2, 3], [5, 7, 9]]);
    expect(x.cumsum(-1, { reverse: true })).toBeAllClose([[6, 5, 3], [15, 11, 6]]);
    expect(x.cumprod(1)).toBeAllClose([[1, 2, 6], [4, 20, 120]]);
    expect(x.cumprod(1, { reverse: true })).toBeAllClose([[6, 6, 3], [120, 30, 6]]);
  });

  it('a rank-0 tensor scans as one element (axis 0 or −1, as PyTorch); other axes are refused', () => {
    expect(cumsum(tensor(3), { axis: 0 })).toBeAllClose(3);
    expect(cumprod(tensor(3), { axis: -1 }).shape).toEqual([]);
    expectError(() => cumsum(tensor([[1]]), { axis: 2 }), ShapeError, ['cumsum', 'axis 2']);
  });
});

describe('gradients', () => {
  it('cumsum: the reverse running sum of the gradient', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    cumsum(x, { axis: 0 }).backward(tensor([1, 10, 100]));
    expect(x.grad).toBeAllClose([111, 110, 100]);
  });

  it('NOTE: cumprod with zeros: exact, no division (PyTorch gives the same here)', () => {
    const x = tensor([2, 0, 3, 0, 5], { requiresGrad: true });
    cumprod(x, { axis: 0 }).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 8, 0, 0, 0]);
  });

  it('NOTE: cumprod next to an infinity: the true partial derivatives (PyTorch: NaN at the infinity)', () => {
    const x = tensor([2, Infinity, 3], { requiresGrad: true });
    cumprod(x, { axis: 0 }).sum().backward();
    expect(x.grad).toBeAllClose([Infinity, 8, Infinity]);
  });

  it('second derivatives of cumprod through zeros', () => {
    // Σ cumprod([a, b, c]) = a + ab + abc; ∂/∂a = 1 + b + bc, ∂²/∂a∂b = 1 + c, at (0, 0, 2): d1 = [1, 0, 0]
    const x = tensor([0, 0, 2], { requiresGrad: true });
    const [d1] = gradients(cumprod(x, { axis: 0 }).sum(), [x], { createGraph: true });
    expect(d1).toBeAllClose([1, 0, 0]);
    const [row0] = gradients(d1!.mul(tensor([1, 0, 0])).sum(), [x]);
    expect(row0).toBeAllClose([0, 3, 0]);
  });
});

describe('random shapes, axes and directions', () => {
  for (const kind of ['sum', 'prod'] as const) {
    const op = kind === 'sum' ? cumsum : cumprod;
    it(`cum${kind}: matches the definition, forward and backward (with zeros for cumprod)`, () => {
      fc.assert(
        fc.property(scanArb, seedArb, ({ shape, axis, reverse }, seed) => {
          const X = { shape, data: (kind === 'prod' ? withZeros : uniformValues)(size(shape), seed) };
          const V = uniformValues(size(shape), seed + 1);
          const x = fromRef(X, true);
          const y = op(x, { axis, reverse });
          const want = refScan(X, V, axis < 0 ? axis + shape.length : axis, reverse, kind);
          expectRef(y, want.out, { atol: 1e-15, rtol: 1e-14 });
          y.backward(t64(V, shape));
          expectRef(x.grad!, want.grad, { atol: 1e-14, rtol: 1e-13 });
        }),
        FC,
      );
    });

    it(`cum${kind}: gradcheck and gradgradcheck`, () => {
      fc.assert(
        fc.property(scanArb, seedArb, ({ shape, axis, reverse }, seed) => {
          const x = t64(withZeros(size(shape), seed), shape);
          const f = (t: typeof x) => op(t, { axis, reverse });
          expect(gradcheck(f, [x], GC).ok).toBe(true);
          expect(gradgradcheck(f, [x], { ...GC, seed }).ok).toBe(true);
        }),
        FC_GRAD,
      );
    });
  }
});

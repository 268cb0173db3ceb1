import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { zeros } from '../create.js';
import { FC, FC_GRAD, GC, expectError, expectRef, fromRef, ravel, seedArb, shapeArb, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { logSoftmax, softmax } from './softmax.js';

/** Reference softmax and log-softmax along `axis`, with plain loops over each line (max-shifted). */
function refSoftmax(x: Ref, axis: number): { soft: Ref; logSoft: Ref } {
  const soft = new Array<number>(x.data.length);
  const logSoft = new Array<number>(x.data.length);
  const n = x.shape[axis];
  for (let f = 0; f < x.data.length; f++) {
    const idx = unravel(f, x.shape);
    if (idx[axis] !== 0) continue;
    const line = Array.from({ length: n }, (_, j) => ravel(idx.map((v, d) => (d === axis ? j : v)), x.shape));
    const m = Math.max(...line.map((p) => x.data[p]));
    const z = line.reduce((s, p) => s + Math.exp(x.data[p] - m), 0);
    for (const p of line) {
      soft[p] = Math.exp(x.data[p] - m) / z;
      logSoft[p] = x.data[p] - m - Math.log(z);
    }
  }
  return { soft: { shape: x.shape, data: soft }, logSoft: { shape: x.shape, data: logSoft } };
}

/** Σ over `axis` of `a`, read back at every element's position. */
function lineSums(a: Ref, axis: number): number[] {
  return a.data.map((_, f) => {
    const idx = unravel(f, a.shape);
    let s = 0;
    for (let j = 0; j < a.shape[axis]; j++) s += a.data[ravel(idx.map((v, d) => (d === axis ? j : v)), a.shape)];
    return s;
  });
}

describe('softmax and logSoftmax: forward on known values', () => {
  it('softmax([0, ln 3]) = [¼, ¾]; logSoftmax([0, 0]) = -ln 2', () => {
    expect(softmax(tensor([0, Math.log(3)]))).toBeAllClose([0.25, 0.75], { atol: 0, rtol: 1e-15 });
    expect(logSoftmax(tensor([0, 0]))).toBeAllClose([-Math.LN2, -Math.LN2]);
    expect(logSoftmax(tensor([0, Math.log(3)]))).toBeAllClose([Math.log(0.25), Math.log(0.75)], { atol: 0, rtol: 1e-15 });
  });

  it('along axis 0 of a matrix, and the default last axis', () => {
    const x = tensor([[0, 0], [Math.log(3), 0]]);
    expect(softmax(x, 0)).toBeAllClose([[0.25, 0.5], [0.75, 0.5]], { atol: 0, rtol: 1e-15 });
    expect(softmax(x)).toBeAllClose([[0.5, 0.5], [0.75, 0.25]], { atol: 0, rtol: 1e-15 });
  });

  it('-Infinity entries get probability 0', () => {
    expect(softmax(tensor([-Infinity, 0, 0]))).toBeAllClose([0, 0.5, 0.5]);
  });
});

describe('stability at large inputs', () => {
  it('softmax([1000, 1000]) = [½, ½]; softmax([1000, -1000]) = [1, 0]', () => {
    expect(softmax(tensor([1000, 1000]))).toBeAllClose([0.5, 0.5]);
    expect(softmax(tensor([1000, -1000]))).toBeAllClose([1, 0]);
    expect(softmax(tensor([-1000, -1000]))).toBeAllClose([0.5, 0.5]);
  });

  it('logSoftmax stays finite where log(softmax) gives -Infinity', () => {
    expect(logSoftmax(tensor([1000, -1000]))).toBeAllClose([0, -2000]);
    expect(logSoftmax(tensor([1000, 1000, 1000]))).toBeAllClose([-Math.log(3), -Math.log(3), -Math.log(3)]);
    expect(softmax(tensor([1000, -1000])).log().buffer[1]).toBe(-Infinity);
  });

  it('the gradients at large inputs are finite and right', () => {
    const x = tensor([1000, -1000, 1000], { requiresGrad: true });
    const [g] = gradients(logSoftmax(x), [x], { gradOutputs: [tensor([1, 0, 0])] });
    // d logSoftmax_0 / dx = e_0 - softmax = [1 - ½, 0, -½]
    expect(g).toBeAllClose([0.5, 0, -0.5]);
    const [gs] = gradients(softmax(x), [x], { gradOutputs: [tensor([1, 0, 0])] });
    // d softmax_0 / dx = s_0 (e_0 - s) = ½ [½, 0, -½]
    expect(gs).toBeAllClose([0.25, 0, -0.25]);
  });
});

describe('gradients against closed forms', () => {
  it('d softmax = s ⊙ (v - Σ s v); d logSoftmax = v - s Σ v', () => {
    const x = tensor([0, Math.log(3)], { requiresGrad: true });
    const v = tensor([1, 2]);
    const [gs] = gradients(softmax(x), [x], { gradOutputs: [v] });
    // s = [¼, ¾], Σ s v = 7/4: [¼ (1 - 7/4), ¾ (2 - 7/4)] = [-3/16, 3/16]
    expect(gs).toBeAllClose([-3 / 16, 3 / 16], { atol: 1e-16, rtol: 1e-15 });
    const [gl] = gradients(logSoftmax(x), [x], { gradOutputs: [v] });
    // Σ v = 3: [1 - ¾, 2 - 9/4]
    expect(gl).toBeAllClose([0.25, -0.25], { atol: 1e-15, rtol: 1e-15 });
  });

  it('random shapes and axes: forward matches the reference, backward the closed forms', () => {
    fc.assert(
      fc.property(
        shapeArb(3, 4).filter((s) => s.length > 0),
        fc.nat(),
        fc.boolean(),
        seedArb,
        (shape, axisPick, negative, seed) => {
          const axis = axisPick % shape.length;
          const X: Ref = { shape, data: uniformValues(size(shape), seed, -5, 5) };
          const V: Ref = { shape, data: uniformValues(size(shape), seed + 1) };
          const { soft, logSoft } = refSoftmax(X, axis);
          const x = fromRef(X, true);
          const ax = negative ? axis - shape.length : axis;
          const s = softmax(x, ax);
          const l = logSoftmax(x, ax);
          // exp and log round differently from the reference's order of operations by a few ulps
          expectRef(s, soft, { atol: 1e-16, rtol: 1e-14 });
          expectRef(l, logSoft, { atol: 1e-15, rtol: 1e-14 });
          expect(lineSums(soft, axis).every((t) => Math.abs(t - 1) < 1e-15)).toBe(true);
          const sv = lineSums({ shape, data: soft.data.map((p, i) => p * V.data[i]) }, axis);
          const [gs] = gradients(s, [x], { gradOutputs: [fromRef(V)] });
          expectRef(gs!, { shape, data: soft.data.map((p, i) => p * (V.data[i] - sv[i])) }, { atol: 1e-15, rtol: 1e-13 });
          const vSum = lineSums(V, axis);
          const [gl] = gradients(l, [x], { gradOutputs: [fromRef(V)] });
          expectRef(gl!, { shape, data: V.data.map((v, i) => v - soft.data[i] * vSum[i]) }, { atol: 1e-15, rtol: 1e-13 });
        },
      ),
      FC,
    );
  });

  it('gradcheck and gradgradcheck on random shapes and axes', () => {
    fc.assert(
      fc.property(shapeArb(3, 3).filter((s) => s.length > 0), fc.nat(), seedArb, (shape, axisPick, seed) => {
        const axis = axisPick % shape.length;
        const x = t64(uniformValues(size(shape), seed, -3, 3), shape);
        for (const op of [softmax, logSoftmax]) {
          expect(gradcheck((t) => op(t, axis), [x], GC).ok).toBe(true);
          expect(gradgradcheck((t) => op(t, axis), [x], { ...GC, seed }).ok).toBe(true);
        }
      }),
      FC_GRAD,
    );
  });
});

describe('tensors with no elements', () => {
  it('softmax and logSoftmax give an empty result of the same shape, as PyTorch, and an empty gradient', () => {
    const cases: [number[], number][] = [[[2, 0], -1], [[2, 0, 3], 1], [[0], 0], [[0, 3], 0], [[0, 3], -1]];
    for (const op of [softmax, logSoftmax]) {
      for (const [shape, axis] of cases) {
        const x = zeros(shape, { requiresGrad: true });
        const y = op(x, axis);
        expect(y.shape).toEqual(shape);
        expect(y.size).toBe(0);
        y.sum().backward();
        expect(x.grad!.shape).toEqual(shape);
      }
    }
  });
});

describe('softmax errors', () => {
  it('an axis out of range names the op, the axis and the rank', () => {
    expectError(() => softmax(tensor([[1, 2]]), 2), ShapeError, ['softmax:', 'axis 2', 'rank 2']);
    expectError(() => logSoftmax(tensor([1, 2]), -2), ShapeError, ['logSoftmax:', 'axis -2', 'rank 1']);
    expectError(() => softmax(tensor(1)), ShapeError, ['softmax:', 'rank 0']);
  });
});

/**
 * Property checks shared by the elementwise op tests: forward against a scalar reference, the
 * vector-Jacobian product against the closed-form derivative (summed back over broadcasting by the
 * reference), and gradcheck/gradgradcheck on random shapes.
 * @module
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Tensor } from '../tensor.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, FC_GRAD, GC, broadcastPairArb, expectRef, fromRef, seedArb, shapeArb, t64 } from './index.js';
import { refMap, refSumTo, refZip, size, uniformValues, type Ref } from './reference.js';

type Values = (n: number, seed: number) => number[];

/** An elementwise binary op and its scalar closed forms. */
export interface BinaryCase {
  op: (a: Tensor, b: Tensor) => Tensor;
  /** The scalar function. */
  f: (x: number, y: number) => number;
  /** ∂f/∂x and ∂f/∂y. */
  dfa: (x: number, y: number) => number;
  dfb: (x: number, y: number) => number;
  aValues?: Values;
  bValues?: Values;
  /** Tolerance of the gradient comparison (default: the matcher's 1e-12). */
  gradTol?: { atol?: number; rtol?: number };
}

/**
 * For random broadcasting pairs: forward equals the reference elementwise, and backward with a
 * random upstream gradient v gives Σ_broadcast v·∂f/∂a and Σ_broadcast v·∂f/∂b in the input shapes.
 */
export function checkBinaryProperty(c: BinaryCase): void {
  fc.assert(
    fc.property(broadcastPairArb(), seedArb, ({ a, b, out }, seed) => {
      const A: Ref = { shape: a, data: (c.aValues ?? uniformValues)(size(a), seed) };
      const B: Ref = { shape: b, data: (c.bValues ?? uniformValues)(size(b), seed + 1) };
      const V: Ref = { shape: out, data: uniformValues(size(out), seed + 2) };
      const ta = fromRef(A, true);
      const tb = fromRef(B, true);
      const y = c.op(ta, tb);
      expectRef(y, refZip(A, B, c.f));
      y.backward(fromRef(V));
      const times = (d: Ref) => refZip(d, V, (p, q) => p * q);
      expectRef(ta.grad!, refSumTo(times(refZip(A, B, c.dfa)), a), c.gradTol);
      expectRef(tb.grad!, refSumTo(times(refZip(A, B, c.dfb)), b), c.gradTol);
    }),
    FC,
  );
}

/** gradcheck and gradgradcheck of a binary op on random broadcasting pairs (small shapes). */
export function checkBinaryGradcheck(c: BinaryCase, secondOrder = true): void {
  fc.assert(
    fc.property(broadcastPairArb(3, 2), seedArb, ({ a, b }, seed) => {
      const ta = t64((c.aValues ?? uniformValues)(size(a), seed), a);
      const tb = t64((c.bValues ?? uniformValues)(size(b), seed + 1), b);
      expect(gradcheck(c.op, [ta, tb], GC).ok).toBe(true);
      if (secondOrder) expect(gradgradcheck(c.op, [ta, tb], { ...GC, seed }).ok).toBe(true);
    }),
    FC_GRAD,
  );
}

/** An elementwise unary op and its scalar closed forms. */
export interface UnaryCase {
  op: (x: Tensor) => Tensor;
  f: (x: number) => number;
  df: (x: number) => number;
  values?: Values;
  tol?: { atol?: number; rtol?: number };
  gradTol?: { atol?: number; rtol?: number };
}

/** For random shapes: forward equals the scalar reference, backward gives v·f'(x). */
export function checkUnaryProperty(c: UnaryCase): void {
  fc.assert(
    fc.property(shapeArb(), seedArb, (shape, seed) => {
      const X: Ref = { shape, data: (c.values ?? uniformValues)(size(shape), seed) };
      const V: Ref = { shape, data: uniformValues(size(shape), seed + 1) };
      const x = fromRef(X, true);
      const y = c.op(x);
      expectRef(y, refMap(X, c.f), c.tol);
      y.backward(fromRef(V));
      expectRef(x.grad!, refZip(refMap(X, c.df), V, (d, v) => d * v), c.gradTol);
    }),
    FC,
  );
}

/** gradcheck and gradgradcheck of a unary op on random shapes. */
export function checkUnaryGradcheck(c: UnaryCase, secondOrder = true): void {
  fc.assert(
    fc.property(shapeArb(3, 2), seedArb, (shape, seed) => {
      const x = t64((c.values ?? uniformValues)(size(shape), seed), shape);
      expect(gradcheck(c.op, [x], GC).ok).toBe(true);
      if (secondOrder) expect(gradgradcheck(c.op, [x], { ...GC, seed }).ok).toBe(true);
    }),
    FC_GRAD,
  );
}

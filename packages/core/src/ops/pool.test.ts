import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor, type Tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, distinctValues, expectError, t64, uniformValues } from '../test-utils/index.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from './pool.js';

interface Pool {
  planes: number;
  h: number;
  w: number;
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
  ceil: boolean;
}

/** Output size by the documented formula; with ceil mode the last window must start inside the input or its leading padding. */
function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

/**
 * Max pooling by listing each window's elements inside the input in scan order (padding is
 * skipped): the value is NaN if any is NaN (the last NaN is the one selected), else the maximum,
 * selected at its first occurrence. Gradients go to the selected element.
 */
function refMaxPool(c: Pool, x: ArrayLike<number>, g: ArrayLike<number>) {
  const oh = outSize(c.h, c.k[0], c.s[0], c.p[0], c.d[0], c.ceil);
  const ow = outSize(c.w, c.k[1], c.s[1], c.p[1], c.d[1], c.ceil);
  const out: number[] = [];
  const dx = new Array<number>(c.planes * c.h * c.w).fill(0);
  for (let pl = 0; pl < c.planes; pl++)
    for (let y = 0; y < oh; y++)
      for (let q = 0; q < ow; q++) {
        const seen: [number, number][] = [];
        for (let i = 0; i < c.k[0]; i++)
          for (let j = 0; j < c.k[1]; j++) {
            const ih = y * c.s[0] - c.p[0] + i * c.d[0];
            const iw = q * c.s[1] - c.p[1] + j * c.d[1];
            if (ih >= 0 && ih < c.h && iw >= 0 && iw < c.w) seen.push([pl * c.h * c.w + ih * c.w + iw, x[pl * c.h * c.w + ih * c.w + iw]]);
          }
        if (seen.length === 0) {
          out.push(-Infinity); // a window of padding only: no element, no gradient
          continue;
        }
        const nans = seen.filter(([, v]) => Number.isNaN(v));
        const best = Math.max(...seen.map(([, v]) => v));
        const [at, v] = nans.length > 0 ? nans[nans.length - 1] : seen.find(([, v]) => v === best)!;
        out.push(v);
        dx[at] += g[out.length - 1];
      }
  return { out, dx, shape: [oh, ow] };
}

/**
 * Average pooling: the sum of the window's elements inside the input, row by row, divided by the
 * number of window positions inside the padded input (countIncludePad) or inside the input; each
 * gradient divided the same way and added to the window's elements, window after window.
 */
function refAvgPool(c: Pool, include: boolean, divisor: number | null, x: ArrayLike<number>, g: ArrayLike<number>) {
  const oh = outSize(c.h, c.k[0], c.s[0], c.p[0], 1, c.ceil);
  const ow = outSize(c.w, c.k[1], c.s[1], c.p[1], 1, c.ceil);
  const out: number[] = [];
  const dx = new Array<number>(c.planes * c.h * c.w).fill(0);
  for (let pl = 0; pl < c.planes; pl++)
    for (let y = 0; y < oh; y++)
      for (let q = 0; q < ow; q++) {
        let sum = 0;
        let inside = 0;
        let padded = 0;
        const at: number[] = [];
        for (let i = 0; i < c.k[0]; i++)
          for (let j = 0; j < c.k[1]; j++) {
            const ih = y * c.s[0] - c.p[0] + i;
            const iw = q * c.s[1] - c.p[1] + j;
            if (ih < c.h + c.p[0] && iw < c.w + c.p[1]) padded++;
            if (ih >= 0 && ih < c.h && iw >= 0 && iw < c.w) {
              inside++;
              at.push(pl * c.h * c.w + ih * c.w + iw);
              sum += x[at[at.length - 1]];
            }
          }
        const div = divisor ?? (include ? padded : inside);
        out.push(inside === 0 ? 0 : sum / div);
        for (const a of at) dx[a] += g[out.length - 1] / div;
      }
  return { out, dx, shape: [oh, ow] };
}

/** Adaptive average pooling: window rows ⌊y·H/oH⌋ … ⌈(y+1)·H/oH⌉ − 1, the sum divided by the height, then by the width. */
function refAdaptive(planes: number, h: number, w: number, oh: number, ow: number, x: ArrayLike<number>, g: ArrayLike<number>) {
  const out: number[] = [];
  const dx = new Array<number>(planes * h * w).fill(0);
  for (let pl = 0; pl < planes; pl++)
    for (let y = 0; y < oh; y++)
      for (let q = 0; q < ow; q++) {
        const [h0, h1] = [Math.floor((y * h) / oh), Math.ceil(((y + 1) * h) / oh)];
        const [w0, w1] = [Math.floor((q * w) / ow), Math.ceil(((q + 1) * w) / ow)];
        let sum = 0;
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += x[pl * h * w + ih * w + iw];
        out.push(sum / (h1 - h0) / (w1 - w0));
        const delta = g[out.length - 1] / (h1 - h0) / (w1 - w0);
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[pl * h * w + ih * w + iw] += delta;
      }
  return { out, dx };
}

/** Random pools whose padding is at most half the kernel and whose output is not empty. */
const poolArb = (withDilation: boolean): fc.Arbitrary<Pool> =>
  fc
    .record({
      planes: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 8 }),
      w: fc.integer({ min: 1, max: 8 }),
      k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      p: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      d: fc.tuple(fc.integer({ min: 1, max: withDilation ? 3 : 1 }), fc.integer({ min: 1, max: withDilation ? 2 : 1 })),
      ceil: fc.boolean(),
    })
    .map((c): Pool => ({ ...c, p: [Math.min(c.p[0], Math.floor(c.k[0] / 2)), Math.min(c.p[1], Math.floor(c.k[1] / 2))] }))
    .filter((c) => outSize(c.h, c.k[0], c.s[0], c.p[0], c.d[0], c.ceil) >= 1 && outSize(c.w, c.k[1], c.s[1], c.p[1], c.d[1], c.ceil) >= 1);

/** Values with ties (rounded to halves), sometimes -Infinity, NaN or a whole window of -Infinity. */
function tiedValues(n: number, seed: number): number[] {
  return uniformValues(n, seed, -2, 2).map((v, i) => ((i * 7 + seed) % 23 === 0 ? NaN : (i * 5 + seed) % 11 === 0 ? -Infinity : Math.round(v * 2) / 2));
}

/** The input as [2, planes/2, h, w] or [planes, h, w]: batched and unbatched. */
const shapeOf = (c: Pool) => (c.planes % 2 === 0 ? [2, c.planes / 2, c.h, c.w] : [c.planes, c.h, c.w]);

describe('maxPool2d', () => {
  it('pins the documented example', () => {
    expect(maxPool2d(tensor([[[[1, 2, 5, 0], [3, 4, 1, 1]]]]), 2).toArray()).toEqual([[[[4, 5]]]]);
  });

  it("matches the reference element for element, ties, NaN and -Infinity included, and routes gradients as PyTorch does", () => {
    fc.assert(
      fc.property(poolArb(true), fc.integer({ min: 1, max: 1000 }), (c, seed) => {
        const x = t64(tiedValues(c.planes * c.h * c.w, seed), shapeOf(c), true);
        const out = maxPool2d(x, c.k, { stride: c.s, padding: c.p, dilation: c.d, ceilMode: c.ceil });
        const g = t64(uniformValues(out.size, seed + 1), out.shape);
        const ref = refMaxPool(c, x.buffer, g.buffer);
        expect(out.shape).toEqual([...shapeOf(c).slice(0, -2), ...ref.shape]);
        expect(Array.from(out.buffer)).toEqual(ref.out);
        expect(Array.from(gradients(out, [x], { gradOutputs: [g] })[0]!.buffer)).toEqual(ref.dx);
      }),
      FC,
    );
  });

  it('gives the whole gradient to the first of tied maxima', () => {
    const x = tensor([[[[1, 3], [3, 2]]]], { requiresGrad: true });
    maxPool2d(x, 2).sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0, 1], [0, 0]]]]);
  });

  it('gives -Infinity and no gradient for a window that covers only padding (dilation steps over the input)', () => {
    const x = tensor([[[[3]]]], { requiresGrad: true });
    const out = maxPool2d(x, 2, { stride: 1, padding: 1, dilation: 2 });
    expect(out.toArray()).toEqual([[[[-Infinity]]]]);
    out.sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0]]]]);
  });

  it('passes gradcheck and gradgradcheck away from ties', () => {
    const x = t64(distinctValues(2 * 3 * 5 * 6, 1), [2, 3, 5, 6]);
    const f = (x: Tensor) => maxPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1], dilation: [1, 2], ceilMode: true }).square();
    expect(gradcheck(f, [x], GC).ok).toBe(true);
    expect(gradgradcheck(f, [x], GC).ok).toBe(true);
  });
});

describe('avgPool2d', () => {
  it('pins the documented example', () => {
    expect(avgPool2d(tensor([[[[1, 2, 5, 0], [3, 4, 1, 2]]]]), 2).toArray()).toEqual([[[[2.5, 2]]]]);
  });

  it('matches the reference element for element, with and without padding in the divisor, and a divisor override', () => {
    fc.assert(
      fc.property(poolArb(false), fc.boolean(), fc.option(fc.integer({ min: 1, max: 7 })), fc.integer({ min: 1, max: 1000 }), (c, include, divisor, seed) => {
        const x = t64(uniformValues(c.planes * c.h * c.w, seed), shapeOf(c), true);
        const out = avgPool2d(x, c.k, { stride: c.s, padding: c.p, ceilMode: c.ceil, countIncludePad: include, divisorOverride: divisor });
        const g = t64(uniformValues(out.size, seed + 1), out.shape);
        const ref = refAvgPool(c, include, divisor, x.buffer, g.buffer);
        expect(out.shape).toEqual([...shapeOf(c).slice(0, -2), ...ref.shape]);
        expect(Array.from(out.buffer)).toEqual(ref.out);
        expect(Array.from(gradients(out, [x], { gradOutputs: [g] })[0]!.buffer)).toEqual(ref.dx);
      }),
      FC,
    );
  });

  it('passes gradcheck and gradgradcheck', () => {
    const x = t64(uniformValues(2 * 2 * 5 * 6, 1), [2, 2, 5, 6]);
    const f = (x: Tensor) => avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1], ceilMode: true, countIncludePad: false }).square();
    expect(gradcheck(f, [x], GC).ok).toBe(true);
    expect(gradgradcheck(f, [x], GC).ok).toBe(true);
  });
});

describe('adaptiveAvgPool2d', () => {
  it('pins the documented example', () => {
    expect(adaptiveAvgPool2d(tensor([[[[1, 2, 3], [4, 5, 6]]]]), [1, 2]).toArray()).toEqual([[[[3, 4]]]]);
  });

  it('matches the reference element for element, shrinking, growing and keeping axes (null)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.option(fc.integer({ min: 1, max: 10 })),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 1000 }),
        (planes, h, w, oh, ow, seed) => {
          const x = t64(uniformValues(planes * h * w, seed), [planes, h, w], true);
          const out = adaptiveAvgPool2d(x, [oh, ow]);
          const g = t64(uniformValues(out.size, seed + 1), out.shape);
          const ref = refAdaptive(planes, h, w, oh ?? h, ow, x.buffer, g.buffer);
          expect(out.shape).toEqual([planes, oh ?? h, ow]);
          expect(Array.from(out.buffer)).toEqual(ref.out);
          expect(Array.from(gradients(out, [x], { gradOutputs: [g] })[0]!.buffer)).toEqual(ref.dx);
        },
      ),
      FC,
    );
  });

  it('passes gradcheck and gradgradcheck', () => {
    const x = t64(uniformValues(2 * 2 * 5 * 7, 1), [2, 2, 5, 7]);
    const f = (x: Tensor) => adaptiveAvgPool2d(x, [3, 4]).square();
    expect(gradcheck(f, [x], GC).ok).toBe(true);
    expect(gradgradcheck(f, [x], GC).ok).toBe(true);
  });
});

describe('pooling errors', () => {
  const x = t64(uniformValues(2 * 4 * 4, 1), [2, 4, 4]);
  it('names the problem', () => {
    expectError(() => maxPool2d(x, 2, { padding: 2 }), ChainruleError, ['maxPool2d', 'at most half the kernel size']);
    expectError(() => maxPool2d(x.reshape([32]), 2), ShapeError, ['[N, C, H, W] or [C, H, W]', '[32]']);
    expectError(() => avgPool2d(x, 5), ShapeError, ['too small', '0×0']);
    expectError(() => avgPool2d(x, [2, 2, 2]), ChainruleError, ['kernelSize must be an integer >= 1 or a pair']);
    expectError(() => avgPool2d(x, 2, { divisorOverride: 0 }), ChainruleError, ['divisorOverride must be a non-zero integer']);
    expectError(() => adaptiveAvgPool2d(x, [0, 2]), ChainruleError, ['outputSize must be a positive integer']);
  });
});

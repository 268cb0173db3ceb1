import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor, type Tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, t64, uniformValues } from '../test-utils/index.js';
import { setMatmulSimd } from '../kernels/matmul.js';
import { conv1d, conv2d } from './conv.js';

/** A convolution case in 2-D form (conv1d is height 1), with its operands' values. */
interface Case {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  groups: number;
  stride: [number, number];
  pad: [number, number, number, number]; // top, bottom, left, right
  dilation: [number, number];
  bias: boolean;
  seed: number;
}

const outSize = (size: number, k: number, s: number, before: number, after: number, d: number) => Math.floor((size + before + after - d * (k - 1) - 1) / s) + 1;
const dims = (k: Case) => ({
  oh: outSize(k.h, k.kh, k.stride[0], k.pad[0], k.pad[1], k.dilation[0]),
  ow: outSize(k.w, k.kw, k.stride[1], k.pad[2], k.pad[3], k.dilation[1]),
  cg: k.c / k.groups,
  og: k.o / k.groups,
});

/** The input element a tap reads, or 0 in the padding. */
function reader(k: Case, x: ArrayLike<number>) {
  return (s: number, c: number, ih: number, iw: number) => (ih < 0 || ih >= k.h || iw < 0 || iw >= k.w ? 0 : x[((s * k.c + c) * k.h + ih) * k.w + iw]);
}

/**
 * The definition, loop by loop: out[s, oc, y, q] = Σ over (c, i, j) in order of x · w, then + b.
 * Taps in the padding read 0 and are multiplied like any other element.
 */
function refForward(k: Case, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): number[] {
  const { oh, ow, cg, og } = dims(k);
  const at = reader(k, x);
  const out: number[] = [];
  for (let s = 0; s < k.n; s++)
    for (let oc = 0; oc < k.o; oc++)
      for (let y = 0; y < oh; y++)
        for (let q = 0; q < ow; q++) {
          let acc = 0;
          const g = Math.floor(oc / og);
          for (let c = 0; c < cg; c++)
            for (let i = 0; i < k.kh; i++)
              for (let j = 0; j < k.kw; j++) {
                const v = at(s, g * cg + c, y * k.stride[0] - k.pad[0] + i * k.dilation[0], q * k.stride[1] - k.pad[2] + j * k.dilation[1]);
                acc += v * w[((oc * cg + c) * k.kh + i) * k.kw + j];
              }
          out.push(b === null ? acc : acc + b[oc]);
        }
  return out;
}

/** dW[oc, c, i, j] = Σ over (s, y, q) in order of G · x. */
function refWeightGrad(k: Case, x: ArrayLike<number>, gr: ArrayLike<number>): number[] {
  const { oh, ow, cg, og } = dims(k);
  const at = reader(k, x);
  const dw: number[] = [];
  for (let oc = 0; oc < k.o; oc++)
    for (let c = 0; c < cg; c++)
      for (let i = 0; i < k.kh; i++)
        for (let j = 0; j < k.kw; j++) {
          let acc = 0;
          const g = Math.floor(oc / og);
          for (let s = 0; s < k.n; s++)
            for (let y = 0; y < oh; y++)
              for (let q = 0; q < ow; q++) {
                acc += gr[((s * k.o + oc) * oh + y) * ow + q] * at(s, g * cg + c, y * k.stride[0] - k.pad[0] + i * k.dilation[0], q * k.stride[1] - k.pad[2] + j * k.dilation[1]);
              }
          dw.push(acc);
        }
  return dw;
}

/**
 * dx[s, c, ih, iw] = Σ over taps (i, j) in order of (Σ over the group's output channels in order of
 * W · G), over the taps whose output position (y, q) exists: the transposed convolution.
 */
function refInputGrad(k: Case, w: ArrayLike<number>, gr: ArrayLike<number>): number[] {
  const { oh, ow, cg, og } = dims(k);
  const dx: number[] = [];
  for (let s = 0; s < k.n; s++)
    for (let c = 0; c < k.c; c++)
      for (let ih = 0; ih < k.h; ih++)
        for (let iw = 0; iw < k.w; iw++) {
          const g = Math.floor(c / cg);
          let acc = 0;
          for (let i = 0; i < k.kh; i++)
            for (let j = 0; j < k.kw; j++) {
              const yy = ih + k.pad[0] - i * k.dilation[0];
              const qq = iw + k.pad[2] - j * k.dilation[1];
              if (yy % k.stride[0] !== 0 || qq % k.stride[1] !== 0) continue;
              const y = yy / k.stride[0];
              const q = qq / k.stride[1];
              if (y < 0 || y >= oh || q < 0 || q >= ow) continue;
              let d = 0;
              for (let oc = g * og; oc < (g + 1) * og; oc++) d += w[((oc * cg + (c - g * cg)) * k.kh + i) * k.kw + j] * gr[((s * k.o + oc) * oh + y) * ow + q];
              acc += d;
            }
          dx.push(acc);
        }
  return dx;
}

/** Random cases with a non-empty output, 1-D (height 1) or 2-D. */
const caseArb = (oneD: boolean): fc.Arbitrary<Case> =>
  fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 3 }),
      cg: fc.integer({ min: 1, max: 3 }),
      og: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 7 }),
      w: fc.integer({ min: 1, max: 9 }),
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 4 }),
      stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      pad: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
      bias: fc.boolean(),
      seed: fc.integer({ min: 1, max: 10000 }),
    })
    .map((r): Case => {
      const c: Case = {
        n: r.n, c: r.cg * r.groups, h: oneD ? 1 : r.h, w: r.w, o: r.og * r.groups, kh: oneD ? 1 : r.kh, kw: r.kw, groups: r.groups,
        stride: [oneD ? 1 : r.stride[0], r.stride[1]], pad: oneD ? [0, 0, r.pad[2], r.pad[3]] : r.pad, dilation: [oneD ? 1 : r.dilation[0], r.dilation[1]],
        bias: r.bias, seed: r.seed,
      };
      // symmetric padding, as the public functions take it (asymmetric padding comes only from 'same', tested below)
      return { ...c, pad: [c.pad[0], c.pad[0], c.pad[2], c.pad[2]] };
    })
    .filter((k) => dims(k).oh >= 1 && dims(k).ow >= 1);

/** The case's operands as tensors (conv1d's without the height axis) and the call. */
function operands(k: Case, oneD: boolean) {
  const { cg } = dims(k);
  const x = t64(uniformValues(k.n * k.c * k.h * k.w, k.seed), oneD ? [k.n, k.c, k.w] : [k.n, k.c, k.h, k.w], true);
  const w = t64(uniformValues(k.o * cg * k.kh * k.kw, k.seed + 1), oneD ? [k.o, cg, k.kw] : [k.o, cg, k.kh, k.kw], true);
  const b = k.bias ? t64(uniformValues(k.o, k.seed + 2), [k.o], true) : null;
  const call = (x: Tensor, w: Tensor, b: Tensor | null) =>
    oneD
      ? conv1d(x, w, b, { stride: k.stride[1], padding: k.seed % 2 === 0 ? k.pad[2] : [k.pad[2]], dilation: k.dilation[1], groups: k.groups })
      : conv2d(x, w, b, { stride: k.stride, padding: [k.pad[0], k.pad[2]], dilation: k.dilation, groups: k.groups });
  return { x, w, b, call };
}

describe('conv2d and conv1d', () => {
  it('pin the documented examples', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    expect(conv2d(x, tensor([[[[1, 0], [0, 1]]]])).toArray()).toEqual([[[[6, 8], [12, 14]]]]);
    expect(conv2d(x, tensor([[[[1]]]]), [1], { stride: 2 }).toArray()).toEqual([[[[2, 4], [8, 10]]]]);
    expect(conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray()).toEqual([[[-1, -1, -1]]]);
    expect(conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1, 1]]]), null, { padding: 'same' }).toArray()).toEqual([[[3, 6, 9, 7]]]);
  });

  for (const oneD of [false, true]) {
    const name = oneD ? 'conv1d' : 'conv2d';
    it(`${name}: forward and weight gradient are bit-identical to the naive loops; the input gradient too, summed tap by tap`, () => {
      for (const simd of [true, false]) {
        setMatmulSimd(simd);
        try {
          fc.assert(
            fc.property(caseArb(oneD), (k) => {
              const { x, w, b, call } = operands(k, oneD);
              const out = call(x, w, b);
              expect(Array.from(out.buffer)).toEqual(refForward(k, x.buffer, w.buffer, b?.buffer ?? null));
              const seed = t64(uniformValues(out.size, k.seed + 3), out.shape);
              const [dx, dw] = gradients(out, [x, w], { gradOutputs: [seed] });
              expect(Array.from(dw!.buffer)).toEqual(refWeightGrad(k, x.buffer, seed.buffer));
              expect(Array.from(dx!.buffer)).toEqual(refInputGrad(k, w.buffer, seed.buffer));
            }),
            FC,
          );
        } finally {
          setMatmulSimd(true);
        }
      }
    });
  }

  it('stays bit-identical on sizes that run the blocked GEMM (k split into blocks), with SIMD and without', () => {
    const k: Case = { n: 5, c: 8, h: 12, w: 11, o: 12, kh: 3, kw: 3, groups: 2, stride: [1, 2], pad: [1, 1, 2, 2], dilation: [1, 1], bias: true, seed: 11 };
    for (const simd of [true, false]) {
      setMatmulSimd(simd);
      try {
        const { x, w, b, call } = operands(k, false);
        const out = call(x, w, b);
        expect(Array.from(out.buffer)).toEqual(refForward(k, x.buffer, w.buffer, b!.buffer));
        const seed = t64(uniformValues(out.size, 12), out.shape);
        const [dx, dw] = gradients(out, [x, w], { gradOutputs: [seed] });
        expect(Array.from(dw!.buffer)).toEqual(refWeightGrad(k, x.buffer, seed.buffer));
        expect(Array.from(dx!.buffer)).toEqual(refInputGrad(k, w.buffer, seed.buffer));
      } finally {
        setMatmulSimd(true);
      }
    }
  });

  it("pads 'same' with the odd unit after the end, and 'valid' not at all", () => {
    // an even kernel: total padding d·(k − 1) = 3 → 1 before, 2 after
    const k: Case = { n: 1, c: 2, h: 5, w: 6, o: 3, kh: 2, kw: 4, groups: 1, stride: [1, 1], pad: [0, 1, 1, 2], dilation: [1, 1], bias: true, seed: 7 };
    const { x, w, b } = operands(k, false);
    const out = conv2d(x, w, b, { padding: 'same' });
    expect(out.shape).toEqual([1, 3, 5, 6]);
    expect(Array.from(out.buffer)).toEqual(refForward(k, x.buffer, w.buffer, b!.buffer));
    expect(conv2d(x, w, b, { padding: 'valid' }).shape).toEqual([1, 3, 4, 3]);
    expect(conv1d(tensor([[[1, 2, 3, 4, 5]]]), tensor([[[1, 1]]]), null, { padding: 'same', dilation: 2 }).toArray()).toEqual([[[2, 4, 6, 8, 4]]]);
  });

  it('takes unbatched inputs and returns unbatched results', () => {
    const x = t64(uniformValues(2 * 4 * 5, 1), [2, 4, 5]);
    const w = t64(uniformValues(3 * 2 * 2 * 2, 2), [3, 2, 2, 2]);
    expect(conv2d(x, w).toArray()).toEqual(conv2d(x.unsqueeze(0), w).squeeze(0).toArray());
    expect(conv1d(x.slice(1, 0, 1).squeeze(1), w.slice(2, 0, 1).squeeze(2)).shape).toEqual([3, 4]);
  });

  it('passes gradcheck and gradgradcheck with stride, asymmetric padding, dilation, groups and bias', () => {
    const x = t64(uniformValues(2 * 4 * 5 * 4, 1), [2, 4, 5, 4]);
    const w = t64(uniformValues(4 * 2 * 2 * 3, 2), [4, 2, 2, 3]);
    const b = t64(uniformValues(4, 3), [4]);
    const f = (x: Tensor, w: Tensor, b: Tensor) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }).square();
    expect(gradcheck(f, [x, w, b], GC).ok).toBe(true);
    expect(gradgradcheck(f, [x, w, b], GC).ok).toBe(true);
    const same = (x: Tensor, w: Tensor) => conv2d(x, w, null, { padding: 'same' }).square();
    expect(gradgradcheck(same, [x.slice(0, 0, 1), t64(uniformValues(3 * 4 * 2 * 2, 6), [3, 4, 2, 2])], GC).ok).toBe(true);
    const x1 = t64(uniformValues(2 * 3 * 9, 4), [2, 3, 9]);
    const w1 = t64(uniformValues(3 * 1 * 3, 5), [3, 1, 3]);
    const f1 = (x: Tensor, w: Tensor, b: Tensor) => conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 3 }).square();
    expect(gradcheck(f1, [x1, w1, b.slice(0, 0, 3)], GC).ok).toBe(true);
    expect(gradgradcheck(f1, [x1, w1, b.slice(0, 0, 3)], GC).ok).toBe(true);
  });

  it('computes in float32 with float64 sums, rounded once', () => {
    const x = t64(uniformValues(2 * 2 * 4 * 4, 1), [2, 2, 4, 4]);
    const w = t64(uniformValues(3 * 2 * 3 * 3, 2), [3, 2, 3, 3]);
    const out32 = conv2d(x.cast('float32'), w.cast('float32'), null, { padding: 1 });
    expect(out32.dtype).toBe('float32');
    expect(Array.from(out32.buffer)).toEqual(Array.from(Float32Array.from(conv2d(x.cast('float32').cast('float64'), w.cast('float32').cast('float64'), null, { padding: 1 }).buffer)));
  });

  it('refuses operands that do not fit, naming the shapes', () => {
    const x = t64(uniformValues(2 * 3 * 4 * 4, 1), [2, 3, 4, 4]);
    expectError(() => conv2d(x, t64(uniformValues(8, 1), [2, 2, 1, 2])), ShapeError, ['conv2d', '[2,3,4,4]', '3 channels', '2 per group']);
    expectError(() => conv2d(x, t64(uniformValues(9, 1), [3, 3, 1, 1]), null, { groups: 2 }), ShapeError, ['not divisible by groups = 2']);
    expectError(() => conv2d(x, t64(uniformValues(3 * 3 * 25, 1), [3, 3, 5, 5])), ShapeError, ['smaller than the (dilated) kernel', '0×0']);
    expectError(() => conv2d(x, t64(uniformValues(9, 1), [3, 3, 1, 1]), [1, 2]), ShapeError, ['bias must have shape [3]']);
    expectError(() => conv2d(x, t64(uniformValues(9, 1), [3, 3, 1, 1]), null, { stride: 2, padding: 'same' }), ChainruleError, ["'same' needs stride 1"]);
    expectError(() => conv2d(x, t64(uniformValues(9, 1), [3, 3, 1, 1]), null, { padding: 'full' as never }), ChainruleError, ["'same' or 'valid'"]);
    expectError(() => conv2d(x, t64(uniformValues(9, 1), [3, 3, 1, 1]), null, { dilation: [1, 0] }), ChainruleError, ['dilation must be an integer >= 1']);
    expectError(() => conv1d(x, t64(uniformValues(9, 1), [3, 3, 1])), ShapeError, ['conv1d: the input must be [N, C, L] or [C, L]']);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { arange, zeros } from '../create.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, expectError, expectRef, ravel, size, t64, uniformValues, unravel, type Ref } from '../test-utils/index.js';
import { pad, type PadMode } from './pad.js';

/**
 * Padding one axis at a time, by building each padded line explicitly: the constant as a run of
 * fills, reflect as the mirrored neighbours, replicate as the edge repeated; negative amounts crop.
 */
function refPadLine(line: number[], before: number, after: number, mode: PadMode, value: number): number[] {
  const n = line.length;
  const left = (k: number) => (mode === 'constant' ? value : mode === 'replicate' ? line[0] : line[k]); // k-th element left of the edge (1-based) mirrors line[k]
  const right = (k: number) => (mode === 'constant' ? value : mode === 'replicate' ? line[n - 1] : line[n - 1 - k]);
  let out = line.slice();
  if (before >= 0) out = [...Array.from({ length: before }, (_, i) => left(before - i)), ...out];
  else out = out.slice(-before);
  if (after >= 0) out = [...out, ...Array.from({ length: after }, (_, i) => right(i + 1))];
  else out = out.slice(0, out.length + after);
  return out;
}

function refPad(x: Ref, pads: number[], mode: PadMode, value: number): Ref {
  let cur = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const axis = cur.shape.length - 1 - k;
    const n = cur.shape[axis];
    const shape = cur.shape.slice();
    shape[axis] = n + pads[2 * k] + pads[2 * k + 1];
    const data = new Array<number>(size(shape));
    const lineShape = cur.shape.map((d, i) => (i === axis ? 1 : d));
    for (let f = 0; f < size(lineShape); f++) {
      const start = unravel(f, lineShape);
      const line = Array.from({ length: n }, (_, i) => cur.data[ravel(start.map((v, d) => (d === axis ? i : v)), cur.shape)]);
      refPadLine(line, pads[2 * k], pads[2 * k + 1], mode, value).forEach((v, i) => (data[ravel(start.map((s, d) => (d === axis ? i : s)), shape)] = v));
    }
    cur = { shape, data };
  }
  return cur;
}

const caseArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      mode: fc.constantFrom<PadMode>('constant', 'reflect', 'replicate'),
      padded: fc.integer({ min: 1, max: shape.length }),
      amounts: fc.array(fc.integer({ min: -2, max: 3 }), { minLength: 2 * shape.length, maxLength: 2 * shape.length }),
      seed: fc.integer({ min: 1, max: 1000 }),
    }),
  )
  .map(({ shape, mode, padded, amounts, seed }) => {
    // keep each axis non-negative in size, and reflect's amounts below the axis' size
    const pads = amounts.slice(0, 2 * padded).map((p, i) => {
      const n = shape[shape.length - 1 - Math.floor(i / 2)];
      return mode === 'reflect' ? Math.min(p, n - 1) : p;
    });
    for (let k = 0; k < padded; k++) {
      const n = shape[shape.length - 1 - k];
      while (n + pads[2 * k] + pads[2 * k + 1] < 0) pads[pads[2 * k] < pads[2 * k + 1] ? 2 * k : 2 * k + 1]++;
    }
    return { shape, mode, pads, seed };
  });

describe('pad', () => {
  it("matches PyTorch's F.pad on known values (last axis first)", () => {
    expect(pad(tensor([[1, 2, 3]]), [2, 1])).toBeAllClose([[0, 0, 1, 2, 3, 0]]);
    expect(pad(tensor([[1, 2, 3]]), [2, 1], { mode: 'reflect' })).toBeAllClose([[3, 2, 1, 2, 3, 2]]);
    expect(pad(tensor([[1, 2, 3]]), [2, 1], { mode: 'replicate' })).toBeAllClose([[1, 1, 1, 2, 3, 3]]);
    expect(pad(arange(4).reshape([1, 4]), [2, 2], { mode: 'reflect' })).toBeAllClose([[2, 1, 0, 1, 2, 3, 2, 1]]);
    expect(pad(arange(4).reshape([1, 4]), [-1, 2])).toBeAllClose([[1, 2, 3, 0, 0]]);
    expect(pad(arange(4).reshape([1, 1, 4]), [-1, 0], { mode: 'reflect' })).toBeAllClose([[[1, 2, 3]]]);
    expect(pad(arange(4).reshape([1, 1, 4]), [-1, 2], { mode: 'reflect' })).toBeAllClose([[[1, 2, 3, 2, 1]]]); // about the input's edge
    expect(pad(arange(4).reshape([1, 1, 4]), [2, -3], { mode: 'reflect' })).toBeAllClose([[[2, 1, 0]]]);
    expect(pad(arange(4).reshape([1, 1, 4]), [-3, 2], { mode: 'replicate' })).toBeAllClose([[[3, 3, 3]]]);
    expect(pad(tensor([[1, 2], [3, 4]]), [0, 0, 1, 0], { value: 9 })).toBeAllClose([[9, 9], [1, 2], [3, 4]]);
    expect(pad(tensor([[1, 2], [3, 4]]), [1, 1, 1, 1], { mode: 'replicate' })).toBeAllClose([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]);
    expect(pad(zeros([2, 0]), [1, 1], { value: 5 })).toBeAllClose([[5, 5], [5, 5]]);
  });

  it('matches an axis-by-axis reference in every mode, with crops', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, mode, pads, seed }) => {
        const x: Ref = { shape, data: uniformValues(size(shape), seed) };
        expectRef(pad(t64(x.data, shape), pads, mode === 'constant' ? { value: 0.5 } : { mode }), refPad(x, pads, mode, 0.5));
      }),
      FC,
    );
  });

  it('sums the gradient back onto the elements each output copies', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const [d1] = gradients(pad(x, [2, 1], { mode: 'reflect' }), [x], { gradOutputs: [tensor([1, 10, 100, 1000, 10000, 100000])] });
    // outputs read x[2], x[1], x[0], x[1], x[2], x[1]
    expect(d1).toBeAllClose([100, 1000 + 10 + 100000, 1 + 10000]);
    const [d2] = gradients(pad(x, [2, -1], { value: 7 }), [x], { gradOutputs: [tensor([1, 10, 100, 1000])] });
    expect(d2).toBeAllClose([100, 1000, 0]);
    for (const mode of ['constant', 'reflect', 'replicate'] as const) {
      const f = (t: typeof x) => pad(t, [1, 2, -1, 1], mode === 'constant' ? { value: 3 } : { mode }).square();
      expect(gradcheck(f, [t64(uniformValues(12, 1), [3, 4])], GC).ok).toBe(true);
      expect(gradgradcheck(f, [t64(uniformValues(12, 2), [3, 4])], GC).ok).toBe(true);
    }
  });

  it('refuses malformed pads, reflections too wide and unknown modes', () => {
    const x = tensor([[1, 2, 3]]);
    expectError(() => pad(x, [1]), ShapeError, ['pad', 'pads [1]', '[1,3]', 'even number']);
    expectError(() => pad(x, [1, 1, 1, 1, 1, 1]), ShapeError, ['at most 2 per axis (4 here)']);
    expectError(() => pad(x, [3, 0], { mode: 'reflect' }), ShapeError, ['reflect padding of axis 1', 'less than its size 3', 'got 3 and 0']);
    expectError(() => pad(x, [-2, -2]), ShapeError, ['negative size -1']);
    expectError(() => pad(zeros([1, 0]), [1, 0], { mode: 'replicate' }), ShapeError, ['replicate', 'non-empty']);
    expectError(() => pad(x, [1, 1], { mode: 'circular' as PadMode }), ChainruleError, ["unknown mode \"circular\"", "'reflect'"]);
    expectError(() => pad(x, [1, 1], { mode: 'reflect', value: 2 }), ChainruleError, ["mode 'reflect' takes no value"]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainruleError, ShapeError } from '../errors.js';
import { tensor } from '../tensor.js';
import { gradients } from '../autograd/engine.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { FC, GC, broadcastPairArb, expectError, expectRef, refZip, size, t64, uniformValues, type Ref } from '../test-utils/index.js';
import { maskedFill } from './masked-fill.js';

describe('maskedFill', () => {
  it('writes the value where the mask is non-zero', () => {
    expect(maskedFill(tensor([1, 2, 3]), [0, 1, 0], -Infinity)).toBeAllClose([1, -Infinity, 3]);
    expect(maskedFill(tensor([1, 2, 3]), [NaN, 0, -2], 7)).toBeAllClose([7, 2, 7]); // any non-zero, NaN included
    expect(tensor([[1, 2], [3, 4]]).maskedFill([1, 0], 0)).toBeAllClose([[0, 2], [0, 4]]);
  });

  it('broadcasts x and the mask together, as the out-of-place masked_fill does', () => {
    expect(maskedFill(tensor([0, 0]), [[1], [0]], 1)).toBeAllClose([[1, 1], [0, 0]]);
    fc.assert(
      fc.property(broadcastPairArb(), fc.integer({ min: 1, max: 1000 }), ({ a, b }, seed) => {
        const x: Ref = { shape: a, data: uniformValues(size(a), seed) };
        const m: Ref = { shape: b, data: uniformValues(size(b), seed + 1).map((v) => (v > 0 ? 1 : 0)) };
        expectRef(maskedFill(t64(x.data, a), t64(m.data, b), 9), refZip(x, m, (v, k) => (k !== 0 ? 9 : v)));
      }),
      FC,
    );
  });

  it('sends no gradient to masked positions, even a NaN one, and sums a broadcast x back', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = maskedFill(x, [0, 1, 0], 5);
    const [dx] = gradients(y, [x], { gradOutputs: [tensor([NaN, NaN, 4])] });
    expect(dx).toBeAllClose([NaN, 0, 4]);
    const v = tensor([1, 2], { requiresGrad: true });
    const [dv] = gradients(maskedFill(v, [[1, 0], [0, 0], [0, 1]], 0).sum(), [v]);
    expect(dv).toBeAllClose([2, 2]);
    const f = (t: typeof x) => maskedFill(t, [[1, 0, 0], [0, 0, 1]], 3).square();
    expect(gradcheck(f, [t64(uniformValues(3, 1), [3])], GC).ok).toBe(true);
    expect(gradgradcheck(f, [t64(uniformValues(3, 2), [3])], GC).ok).toBe(true);
  });

  it('refuses a value that is not a number and a mask that does not broadcast', () => {
    expectError(() => maskedFill(tensor([1, 2]), [1, 0], '1' as unknown as number), ChainruleError, ['maskedFill', 'value must be a number']);
    expectError(() => maskedFill(tensor([1, 2]), [1, 0, 1], 1), ShapeError, ['maskedFill', '[2]', '[3]']);
  });
});

import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { ChainruleError } from './errors.js';
import { defineOp } from './op.js';
import { tensor } from './tensor.js';
import { fromNdarray, toNdarray } from './ndarray-interop.js';
import { codeGenerationRefusalExpected, codeGenerationRefused } from './test-utils/codegen.js';

// This file runs twice in `pnpm test`: once as usual, once with code generation from strings refused
// (node --disallow-code-generation-from-strings), where ndarray cannot build its views.
it('runs with code generation refused exactly when the test command asked for it', () => {
  expect(codeGenerationRefused).toBe(codeGenerationRefusalExpected);
});

describe.runIf(!codeGenerationRefused)('ndarray interop', () => {
  it('fromNdarray copies any strided view (transposed, stepped, offset, reversed), float32 stays float32', () => {
    const base = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(fromNdarray(base.transpose(1, 0)).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(fromNdarray(base.hi(2, 3).lo(0, 1).step(1, 2)).toArray()).toEqual([[2], [5]]);
    expect(fromNdarray(base.step(-1, -1)).toArray()).toEqual([[6, 5, 4], [3, 2, 1]]);
    expect(fromNdarray(base.pick(1, null)).toArray()).toEqual([4, 5, 6]);
    const f32 = fromNdarray(ndarray(new Float32Array([0.5, 1.5]), [2]));
    expect(f32.dtype).toBe('float32');
    const plain = fromNdarray(ndarray([1, 2, 3], [3]));
    expect(plain.dtype).toBe('float64');
    expect(plain.toArray()).toEqual([1, 2, 3]);
  });

  it('fromNdarray copies a large transposed view like ndarray reads it', () => {
    const base = ndarray(Float64Array.from({ length: 300 * 200 }, (_, i) => Math.sin(i)), [300, 200]);
    const t = fromNdarray(base.transpose(1, 0));
    expect(t.shape).toEqual([200, 300]);
    for (const [i, j] of [[0, 0], [199, 299], [17, 123], [150, 3]]) expect(t.buffer[i * 300 + j]).toBe(base.get(j, i));
  });

  it('toNdarray and Tensor.nd share the tensor buffer in row-major order', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    const v = toNdarray(t);
    expect(v.data).toBe(t.buffer);
    expect(v.get(1, 2)).toBe(6);
    expect(v.shape).toEqual([2, 3]);
    expect(t.nd.data).toBe(t.buffer);
    expect(t.nd.get(1, 0)).toBe(4);
  });

  it("a custom op's forward may work on ndarrays and return one", () => {
    const double = defineOp({
      name: 'doubleNd',
      inputs: ['x'],
      forward(_ctx, x) {
        const nd = x.nd;
        const out = ndarray(new Float64Array(nd.size), nd.shape.slice());
        for (let i = 0; i < nd.shape[0]; i++) for (let j = 0; j < nd.shape[1]; j++) out.set(i, j, 2 * nd.get(i, j));
        return out.transpose(1, 0); // a strided result is copied in row-major order
      },
      backward: { x: (_ctx, grad) => grad.transpose().mul(2) },
    });
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = double(x);
    expect(y.toArray()).toEqual([[2, 6], [4, 8]]);
    y.mul(tensor([[1, 10], [100, 1000]])).sum().backward();
    expect(x.grad).toBeAllClose([[2, 200], [20, 2000]]);
  });
});

describe.runIf(codeGenerationRefused)('ndarray interop with code generation refused', () => {
  it('toNdarray and Tensor.nd throw a ChainruleError naming the function, not an EvalError from inside ndarray', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(() => toNdarray(t)).toThrow(ChainruleError);
    expect(() => toNdarray(t)).toThrow(/^toNdarray: ndarray builds its views with code generated from strings/);
    expect(() => t.nd).toThrow(ChainruleError);
    expect(() => t.nd).toThrow(/^Tensor\.nd: .*refuses code generation/);
  });

  it("fromNdarray and a custom op returning an ndarray still work: they only read the ndarray's fields", () => {
    // an ndarray made elsewhere (another realm, a worker, a build with precompiled views): its fields
    const transposed = { data: Float64Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2], stride: [1, 3], offset: 0, get: () => NaN };
    expect(fromNdarray(transposed as never).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const viaNd = defineOp({ name: 'viaNd', inputs: ['x'], forward: (_ctx, x) => ({ data: x.buffer.map((v) => 2 * v), shape: [...x.shape], stride: [1, 2], offset: 0 }) as never });
    expect(viaNd(tensor([[1, 2], [3, 4]])).toArray()).toEqual([[2, 6], [4, 8]]);
  });
});

it('fromNdarray names itself and what it got when given something else', () => {
  expect(() => fromNdarray([1, 2] as never)).toThrow(ChainruleError);
  expect(() => fromNdarray({ shape: [2] } as never)).toThrow(/^fromNdarray: expected an ndarray .*got an object with keys \["shape"\]/);
});

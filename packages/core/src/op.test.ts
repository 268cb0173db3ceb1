import { describe, expect, it } from 'vitest';
import { AnomalyError, AutogradError, DTypeError, ShapeError } from './errors.js';
import { noGrad } from './grad-mode.js';
import { defineOp, defineVariadicOp, type OpContext } from './op.js';
import { Tensor, tensor } from './tensor.js';
import { randn } from './create.js';
import { gradcheck, gradgradcheck } from './autograd/gradcheck.js';
import { gradients } from './autograd/engine.js';
import { detectAnomaly, setAnomalyDetection } from './autograd/anomaly.js';
import { map } from './kernels/elementwise.js';

// cube(x) = x³ with a backward written in tensor ops: differentiable to every order.
const cube = defineOp({
  name: 'cube',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return x.mul(x).mul(x);
  },
  backward(ctx, grad) {
    const [x] = ctx.saved;
    return [grad.mul(x.square().mul(3))];
  },
});

// a·b + b with a broadcasting forward; backward returns gradients in the broadcast shape and
// relies on the engine to sum them back.
const fusedMulAdd = defineOp({
  name: 'fusedMulAdd',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return a.mul(b).add(b);
  },
  backward(ctx, grad) {
    const [a, b] = ctx.saved;
    return [grad.mul(b), grad.mul(a.add(1))];
  },
});

describe('defineOp: custom ops', () => {
  it('computes forward and backward', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = cube(x);
    expect(y.item()).toBe(8);
    expect(y.gradFn!.op.name).toBe('cube');
    y.backward();
    expect(x.grad!.item()).toBe(12);
  });

  it('records nothing in forward: only its own node', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = cube(x);
    expect(y.gradFn!.inputs).toEqual([x]);
  });

  it('works with higher-order gradients when backward uses tensor ops', () => {
    const x = tensor(2, { requiresGrad: true });
    const [d1] = gradients(cube(x), [x], { createGraph: true });
    const [d2] = gradients(d1!, [x], { createGraph: true });
    const [d3] = gradients(d2!, [x]);
    expect([d1!.item(), d2!.item(), d3!.item()]).toEqual([12, 12, 6]);
    expect(gradgradcheck((t) => cube(t).sum(), [randn([3], { seed: 3 })]).ok).toBe(true);
  });

  it('passes gradcheck, with broadcasting summed back by the engine', () => {
    const report = gradcheck((a, b) => fusedMulAdd(a, b).sum(), [randn([3, 4], { seed: 1 }), randn([4], { seed: 2 })]);
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(16);
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([10, 20], { requiresGrad: true });
    fusedMulAdd(a, b).sum().backward();
    expect(a.grad).toBeAllClose([[10, 20], [10, 20]], { atol: 0, rtol: 0 });
    expect(b.grad).toBeAllClose([1 + 1 + 3 + 1, 2 + 1 + 4 + 1], { atol: 0, rtol: 0 });
  });

  it('takes numbers and nested arrays as inputs, in the dtype of the tensor input', () => {
    const y = fusedMulAdd(tensor([1, 2], { dtype: 'float32' }), 3);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([6, 9]);
    expect(fusedMulAdd([1, 2], [3, 4]).toArray()).toEqual([6, 12]);
  });

  it('refuses mixed dtypes, naming the op and both inputs', () => {
    const a = tensor([1], { dtype: 'float32' });
    expect(() => fusedMulAdd(a, tensor([1]))).toThrow(DTypeError);
    expect(() => fusedMulAdd(a, tensor([1]))).toThrow(/fusedMulAdd: input 'b' is float64 but input 'a' is float32/);
  });

  it('under noGrad the result does not require grad and nothing is saved', () => {
    const x = tensor(2, { requiresGrad: true });
    const y = noGrad(() => cube(x));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  it('a backward returning the wrong number of gradients is an error naming the op', () => {
    const bad = defineOp({
      name: 'badCount',
      inputs: ['a', 'b'],
      forward: (_ctx, a, b) => a.add(b),
      backward: (_ctx, grad) => [grad],
    });
    const a = tensor([1], { requiresGrad: true });
    expect(() => bad(a, 1).sum().backward()).toThrow(AutogradError);
    expect(() => bad(a, 1).sum().backward()).toThrow(/backward of badCount: returned 1 gradient\(s\), expected an array of 2/);
  });

  it('a gradient of the wrong shape is an error naming the op and the input', () => {
    const bad = defineOp({
      name: 'badShape',
      inputs: ['x'],
      forward: (_ctx, x) => x.mul(2),
      backward: (_ctx, grad) => [grad.sum().reshape([1]).expand([3])],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => bad(x).sum().backward()).toThrow(ShapeError);
    expect(() => bad(x).sum().backward()).toThrow(/backward of badShape: the gradient for input 'x' has shape \[3\], but the input has shape \[2\]/);
  });

  it('a gradient that is not a tensor, or of another dtype, is an error', () => {
    const notTensor = defineOp({ name: 'notTensor', inputs: ['x'], forward: (_c, x) => x.mul(1), backward: () => [42 as unknown as Tensor] });
    expect(() => notTensor(tensor(1, { requiresGrad: true })).backward()).toThrow(/notTensor: the gradient for input 'x' is number, expected a Tensor/);
    const wrongType = defineOp({ name: 'wrongType', inputs: ['x'], forward: (_c, x) => x.mul(1), backward: (_c, g) => [g.cast('float32')] });
    expect(() => wrongType(tensor(1, { requiresGrad: true })).backward()).toThrow(/wrongType: the gradient for input 'x' is float32 but the input is float64/);
  });

  it('a forward that returns its input gets a fresh output node, never hijacking the input', () => {
    const identity = defineOp({ name: 'identity', inputs: ['x'], forward: (_c, x) => x, backward: (_c, g) => [g] });
    const x = tensor([1, 2], { requiresGrad: true });
    const y = identity(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    y.sum().backward();
    expect(x.grad).toBeAllClose([1, 1]);
  });

  it('an op without backward is not differentiable: its result never requires grad', () => {
    const floor = defineOp({ name: 'floor', inputs: ['x'], forward: (_c, x) => map(x, Math.floor) });
    const y = floor(tensor([1.5], { requiresGrad: true }));
    expect(y.requiresGrad).toBe(false);
    expect(y.toArray()).toEqual([1]);
  });

  it('params after the inputs reach forward and backward through ctx.params', () => {
    const scale = defineOp({
      name: 'scale',
      inputs: ['x'],
      forward: (ctx: OpContext<{ by: number }>, x) => x.mul(ctx.params.by),
      backward: (ctx, grad) => [grad.mul(ctx.params.by)],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    scale(x, { by: 3 }).sum().backward();
    expect(x.grad).toBeAllClose([3, 3]);
  });

  it('needsInputGrad tells backward which gradients are wanted', () => {
    const seen: boolean[][] = [];
    const probe = defineOp({
      name: 'probe',
      inputs: ['a', 'b'],
      forward: (_c, a, b) => a.mul(b),
      backward(ctx, grad) {
        seen.push([...ctx.needsInputGrad]);
        return [ctx.needsInputGrad[0] ? grad : null, ctx.needsInputGrad[1] ? grad : null];
      },
    });
    probe(tensor(1, { requiresGrad: true }), tensor(2)).backward();
    expect(seen).toEqual([[true, false]]);
  });

  it('defineVariadicOp: an op over a list of tensors', () => {
    const sumAll = defineVariadicOp({
      name: 'sumAll',
      inputs: 'xs',
      forward: (_ctx, ...xs) => xs.reduce((s, x) => s.add(x)),
      backward: (ctx, grad) => ctx.inputs.map(() => grad),
    });
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const y = sumAll([a, b, [10, 10]]);
    expect(y.toArray()).toEqual([14, 16]);
    y.sum().backward();
    expect(a.grad).toBeAllClose([1, 1]);
    expect(b.grad).toBeAllClose([1, 1]);
    expect(() => sumAll([])).toThrow(/sumAll: expected a non-empty array of tensors for 'xs'/);
  });

  it('detects an in-place change of any saved tensor, the third and later too', () => {
    const three = defineOp({
      name: 'three',
      inputs: ['a', 'b', 'c'],
      forward(ctx, a, b, c) {
        ctx.save(a, b, c);
        return a.mul(b).mul(c);
      },
      backward(ctx, grad) {
        const [a, b, c] = ctx.saved;
        return [grad.mul(b).mul(c), grad.mul(a).mul(c), grad.mul(a).mul(b)];
      },
    });
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    const c = tensor([5, 6]);
    three(a, b, c).sum().backward();
    expect(a.grad).toBeAllClose([15, 24], { atol: 0, rtol: 0 });
    const y = three(a, b, c).sum();
    c.add_(1);
    expect(() => y.backward()).toThrow(/backward of three: input 'c' \(shape \[2\]\) was saved for backward at version 0 .*now version 1/);
    const z = three(a, b, c).sum();
    b.mul_(2);
    expect(() => z.backward()).toThrow(/input 'b' .* at version 0 .*now version 1/);
  });

  it('too few inputs is a clear error', () => {
    expect(() => (fusedMulAdd as unknown as (a: Tensor) => Tensor)(tensor(1))).toThrow(/fusedMulAdd: expected 2 tensor input\(s\) \(a, b\), got 1/);
  });
});

describe('anomaly detection', () => {
  it('reports the op that first produced a NaN in forward, and where it was created', () => {
    const x = tensor([-1, 1], { requiresGrad: true });
    expect(() => detectAnomaly(() => x.log())).toThrow(AnomalyError);
    let message = '';
    try {
      detectAnomaly(() => x.mul(2).log());
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^log produced NaN at flat index 0 of a result of shape \[2\]; the log op was created at/);
    expect(message).toMatch(/op\.test\.ts/);
  });

  it('reports a non-finite gradient in backward with the op and its creation site', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    setAnomalyDetection(true);
    try {
      const y = x.sqrt().sum(); // forward is finite; d√x at 0 is Infinity
      expect(() => y.backward()).toThrow(/backward of sqrt produced Infinity \(in its div\) at flat index 0.*the sqrt op was created at/s);
    } finally {
      setAnomalyDetection(false);
    }
  });

  it('is off by default: NaN flows silently, as in PyTorch', () => {
    expect(Number.isNaN(tensor([-1]).log().item())).toBe(true);
  });
});

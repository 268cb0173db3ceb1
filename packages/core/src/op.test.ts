import { describe, expect, it } from 'vitest';
import { AnomalyError, DTypeError, ShapeError } from './errors.js';
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
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].square().mul(3)) },
});

// a·b + b with a broadcasting forward; the rules return gradients in the broadcast shape and
// rely on the engine to sum them back.
const fusedMulAdd = defineOp({
  name: 'fusedMulAdd',
  inputs: ['a', 'b'],
  forward(ctx, a, b) {
    ctx.save(a, b);
    return a.mul(b).add(b);
  },
  backward: {
    a: (ctx, grad) => grad.mul(ctx.saved[1]),
    b: (ctx, grad) => grad.mul(ctx.saved[0].add(1)),
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

  it('a malformed definition is refused when it is made, naming the op and what is wrong', () => {
    const forward = (_ctx: unknown, x: Tensor) => x;
    expect(() => defineOp({ name: 'arrayRules', inputs: ['x'], forward, backward: ((_c: unknown, g: Tensor) => [g]) as never })).toThrow(
      /defineOp arrayRules: backward must be an object with one rule per input, e\.g\. \{ x: \(ctx, grad\) => \.\.\. \}/,
    );
    expect(() => defineOp({ name: 'typo', inputs: ['x'], forward, backward: { y: (_c: unknown, g: Tensor) => g } as never })).toThrow(
      /defineOp typo: backward has a rule for 'y', which is not one of its inputs \(x\)/,
    );
    expect(() => defineOp({ name: '', inputs: ['x'], forward })).toThrow(/defineOp: the definition needs a non-empty string name/);
    expect(() => defineOp({ name: 'noForward', inputs: ['x'] } as never)).toThrow(/defineOp noForward: forward must be a function/);
    expect(() => defineVariadicOp({ name: 'v', inputs: 'xs', forward: (_c, xs) => xs[0], backward: {} as never })).toThrow(
      /defineVariadicOp v: backward must be a function \(ctx, grad, index\) => Tensor/,
    );
  });

  it('an input without a rule gets no gradient, and the rules of unneeded inputs never run', () => {
    const calls: string[] = [];
    const firstOnly = defineOp({
      name: 'firstOnly',
      inputs: ['a', 'b'],
      forward: (_ctx, a, b) => a.mul(b),
      backward: {
        a: (ctx, grad) => {
          calls.push('a');
          return grad.mul(ctx.inputs[1].detach());
        },
      },
    });
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const y = firstOnly(a, b);
    expect(y.gradFn!.needsInputGrad).toEqual([true, false]);
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([3, 4]);
    expect(b.grad).toBeNull();
    expect(calls).toEqual(['a']);
    // b alone requires grad but has no rule: nothing is recorded
    expect(firstOnly(tensor([1]), b).requiresGrad).toBe(false);
  });

  it('a gradient of the wrong shape is an error naming the op and the input', () => {
    const bad = defineOp({
      name: 'badShape',
      inputs: ['x'],
      forward: (_ctx, x) => x.mul(2),
      backward: { x: (_ctx, grad) => grad.sum().reshape([1]).expand([3]) },
    });
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => bad(x).sum().backward()).toThrow(ShapeError);
    expect(() => bad(x).sum().backward()).toThrow(/backward of badShape: the gradient for input 'x' has shape \[3\], but the input has shape \[2\]/);
  });

  it('a gradient that is not a tensor, or of another dtype, is an error', () => {
    const notTensor = defineOp({ name: 'notTensor', inputs: ['x'], forward: (_c, x) => x.mul(1), backward: { x: () => 42 as unknown as Tensor } });
    expect(() => notTensor(tensor(1, { requiresGrad: true })).backward()).toThrow(
      /backward of notTensor: the rule for input 'x' returned number, expected a Tensor \(or null for no gradient\)/,
    );
    const wrongType = defineOp({ name: 'wrongType', inputs: ['x'], forward: (_c, x) => x.mul(1), backward: { x: (_c, g) => g.cast('float32') } });
    expect(() => wrongType(tensor(1, { requiresGrad: true })).backward()).toThrow(/wrongType: the gradient for input 'x' is float32 but the input is float64/);
  });

  it('a forward that returns its input gets a fresh output node, never hijacking the input', () => {
    const identity = defineOp({ name: 'identity', inputs: ['x'], forward: (_c, x) => x, backward: { x: (_c, g) => g } });
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
      backward: { x: (ctx, grad) => grad.mul(ctx.params.by) },
    });
    const x = tensor([1, 2], { requiresGrad: true });
    scale(x, { by: 3 }).sum().backward();
    expect(x.grad).toBeAllClose([3, 3]);
  });

  it('params may be left out when the params type allows undefined: one op, no wrapper', () => {
    const shift = defineOp({
      name: 'shift',
      inputs: ['x'],
      forward: (ctx: OpContext<{ by?: number } | undefined>, x) => x.add(ctx.params?.by ?? 1),
      backward: { x: (_ctx, grad) => grad },
    });
    expect(shift(tensor([1, 2])).toArray()).toEqual([2, 3]);
    expect(shift(tensor([1, 2]), { by: 10 }).toArray()).toEqual([11, 12]);
    expect(shift.op.name).toBe('shift');
  });

  it('forward may return a kernel result { buffer, shape }, which becomes the tensor without a copy', () => {
    const buffer = new Float64Array([1, 2, 3, 4]);
    const raw = defineOp({ name: 'raw', inputs: ['x'], forward: () => ({ buffer, shape: [2, 2] }) });
    const y = raw(tensor(0));
    expect(y.buffer).toBe(buffer);
    expect(y.shape).toEqual([2, 2]);
    expect(Object.isFrozen(y.shape)).toBe(true);
  });

  it('a forward that returns something else is refused, naming the op', () => {
    const numeric = defineOp({ name: 'numeric', inputs: ['x'], forward: () => 42 as never });
    expect(() => numeric(tensor(1))).toThrow(/numeric: forward must return a Tensor, a \{ buffer, shape \} or an ndarray, got number/);
  });

  it('only the rules of inputs that need a gradient run', () => {
    const ran: string[] = [];
    const probe = defineOp({
      name: 'probe',
      inputs: ['a', 'b'],
      forward: (_c, a, b) => a.mul(b),
      backward: {
        a: (_ctx, grad) => (ran.push('a'), grad),
        b: (_ctx, grad) => (ran.push('b'), grad),
      },
    });
    probe(tensor(1, { requiresGrad: true }), tensor(2)).backward();
    expect(ran).toEqual(['a']);
  });

  it('defineVariadicOp: an op over a list of tensors', () => {
    const sumAll = defineVariadicOp({
      name: 'sumAll',
      inputs: 'xs',
      forward: (_ctx, xs) => xs.reduce((s, x) => s.add(x)),
      backward: (_ctx, grad) => grad,
    });
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const y = sumAll([a, b, [10, 10]]);
    expect(y.toArray()).toEqual([14, 16]);
    y.sum().backward();
    expect(a.grad).toBeAllClose([1, 1]);
    expect(b.grad).toBeAllClose([1, 1]);
    expect(() => sumAll([])).toThrow(/sumAll: expected a non-empty array of tensors for 'xs', got an empty array/);
  });

  it('a variadic op takes 200,000 inputs: the list is never spread into arguments', () => {
    const count = defineVariadicOp({ name: 'count', inputs: 'xs', forward: (_ctx, xs) => tensor(xs.length) });
    const many = Array.from({ length: 200_000 }, () => tensor(1));
    expect(count(many).item()).toBe(200_000);
  });

  it('detects an in-place change of any saved tensor, the third and later too', () => {
    const three = defineOp({
      name: 'three',
      inputs: ['a', 'b', 'c'],
      forward(ctx, a, b, c) {
        ctx.save(a, b, c);
        return a.mul(b).mul(c);
      },
      backward: {
        a: (ctx, grad) => grad.mul(ctx.saved[1]).mul(ctx.saved[2]),
        b: (ctx, grad) => grad.mul(ctx.saved[0]).mul(ctx.saved[2]),
        c: (ctx, grad) => grad.mul(ctx.saved[0]).mul(ctx.saved[1]),
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

  it('too few inputs, or an input that is not a tensor, number or array, is a clear error', () => {
    expect(() => (fusedMulAdd as unknown as (a: Tensor) => Tensor)(tensor(1))).toThrow(/fusedMulAdd: expected 2 tensor input\(s\) \(a, b\), got 1/);
    expect(() => cube('abc' as never)).toThrow(/cube: input 'x' is the string "abc"; expected a Tensor, a number or a nested array of numbers/);
    expect(() => fusedMulAdd(tensor(1), undefined as never)).toThrow(/fusedMulAdd: input 'b' is undefined; expected a Tensor/);
  });

  it('saveResult keeps the result for the rules (checked against in-place changes like any saved tensor)', () => {
    const expLike = defineOp({
      name: 'expLike',
      inputs: ['x'],
      forward(ctx, x) {
        ctx.saveResult();
        return x.exp();
      },
      backward: { x: (ctx, grad) => grad.mul(ctx.saved[0]) },
    });
    const x = tensor([0, 1], { requiresGrad: true });
    const y = expLike(x);
    expect(y.gradFn!.saved[0]).toBe(y);
    y.sum().backward({ retainGraph: true });
    expect(x.grad!.toArray()).toEqual([1, Math.E]);
    noGrad(() => y.mul_(2));
    expect(() => y.sum().backward()).toThrow(/backward of expLike: its output \(shape \[2\]\) was saved for backward at version 0/);
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

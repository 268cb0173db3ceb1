/**
 * The models the hand-off check exports to ONNX Runtime: one or more per op of the export table,
 * plus whole networks, a dynamic batch and float32. Each case is a module and example inputs; the
 * expected values come from ONNX Runtime, never from chainrule.
 */
import { Tensor, concat, defineOp, rand, randn, stack, tensor, where, type DType } from '@chainrule/core';
import { argmax, argmin, einsum, maxWithIndices, minWithIndices, oneHot, pad, topk } from '@chainrule/core';
import { BCELoss, CrossEntropyLoss, Dense, Module, Parameter, ReLU, Sequential, Sigmoid, Softmax, Tanh, mseLoss } from '@chainrule/nn';
import { AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, Flatten, MaxPool2d, MultiheadAttention } from '@chainrule/nn';
import { adaptiveAvgPool2d, avgPool2d, conv2d, maxPool2d } from '@chainrule/core';
import { atan2, gelu, logSigmoid, mish } from '@chainrule/core';

/** A module computing `f` with the given parameters (fields `p0`, `p1`, ...). */
class Fn extends Module {
  [key: string]: unknown;
  constructor(
    private readonly f: (inputs: Tensor[], params: Parameter[]) => Tensor,
    params: Tensor[] = [],
  ) {
    super();
    params.forEach((p, i) => (this[`p${i}`] = new Parameter(p)));
  }
  forward(...inputs: Tensor[]): Tensor {
    const params = Object.keys(this).filter((k) => /^p\d+$/.test(k)).map((k) => this[k] as Parameter);
    return this.f(inputs, params);
  }
}

/** nn's fused linear on one sample, with a shared scalar bias and without a bias. */
class TwoDense extends Module {
  shared = new Dense(3, 2, { seed: 1, bias: 'shared', biasValue: 0.2 });
  plain = new Dense(3, 2, { bias: false, seed: 2 });
  forward(v: Tensor): Tensor {
    return this.shared.forward(v).add(this.plain.forward(v));
  }
}

export interface OrtCase {
  name: string;
  module: Module;
  inputs: Tensor[];
  /** Inputs for ONNX Runtime when they differ from the example (a dynamic batch). */
  runInputs?: Tensor[];
  batchAxis?: number;
  /** The file's dtype when it differs from the model's. */
  dtype?: DType;
  /** Relative tolerance: 1e-12 in float64, 1e-6 when ONNX Runtime computes in float32. */
  rtol: number;
  /** Relative to the output's largest magnitude where that exceeds the value's own (float32 convolutions: sums that cancel). */
  relativeToLargest?: boolean;
}

const r = (shape: number[], seed: number) => randn(shape, { seed });
const pos = (shape: number[], seed: number) => rand(shape, { seed }).add(0.5);
const f64 = 1e-12;
const cube = defineOp({ name: 'cube', inputs: ['x'], forward: (_ctx, x) => x.mul(x).mul(x), backward: { x: (ctx, grad) => grad.mul(ctx.inputs[0].square().mul(3)) } });
export { cube };

export function ortCases(): OrtCase[] {
  const c = (name: string, f: (xs: Tensor[], ps: Parameter[]) => Tensor, inputs: Tensor[], params: Tensor[] = []): OrtCase => ({ name, module: new Fn(f, params), inputs, rtol: f64 });
  const x23 = r([2, 3], 1);
  const y23 = r([2, 3], 2);
  return [
    c('add (broadcast)', ([x], [b]) => x.add(b), [x23], [r([3], 3)]),
    c('sub', ([x, y]) => x.sub(y), [x23, y23]),
    c('mul (scalar constant)', ([x]) => x.mul(0.37), [x23]),
    c('div', ([x, y]) => x.div(y), [x23, pos([2, 3], 4)]),
    c('pow', ([x, y]) => x.pow(y), [pos([2, 3], 5), r([2, 3], 6)]),
    c('maximum, minimum', ([x, y]) => x.maximum(y).add(x.minimum(y).mul(2)), [x23, y23]),
    c('neg, exp', ([x]) => x.neg().exp(), [x23]),
    c('log, sqrt', ([x]) => x.log().add(x.sqrt()), [pos([2, 3], 7)]),
    c('abs, square', ([x]) => x.abs().add(x.square()), [x23]),
    c('sigmoid, tanh, relu', ([x]) => x.sigmoid().add(x.tanh()).add(x.relu()), [r([4, 5], 8).mul(3)]),
    c('clone', ([x]) => x.clone().mul(2), [x23]),
    c('sum over axes, keepdims', ([x]) => x.sum([0, 2], true).add(x.sum(1).sum()), [r([2, 3, 4], 9)]),
    c('sum of everything', ([x]) => x.sum(), [x23]),
    c('mean (sum and div)', ([x]) => x.mean(1).add(x.mean()), [r([3, 4], 10)]),
    c('max, min reductions', ([x]) => x.max(1).add(x.min(0, true).sum()), [r([3, 4], 11)]),
    c('matmul 2-D', ([x], [w]) => x.matmul(w), [r([3, 4], 12)], [r([4, 2], 13)]),
    c('matmul transposed operands', ([x, y]) => x.matmul(y, { transposeA: true, transposeB: true }), [r([4, 3], 14), r([2, 4], 15)]),
    c('matmul batched and 1-D', ([x, v]) => x.matmul(r([4, 2], 16)).sum(2).add(x.matmul(v).sum(0)), [r([2, 3, 4], 17), r([4], 18)]),
    c('reshape, permute, transpose', ([x]) => x.reshape([4, 6]).transpose().permute([1, 0]).reshape([2, -1]), [r([2, 3, 4], 19)]),
    c('squeeze, unsqueeze, flatten', ([x]) => x.unsqueeze(0).squeeze(0).unsqueeze(2).flatten(), [x23]),
    c('expand', ([x]) => x.reshape([2, 1, 3]).expand([2, 4, 3]).sum(1), [x23]),
    c('slice (negative, steps)', ([x]) => x.slice(1, 1, -1).add(x.slice(1, 0, undefined, 2).sum(1, true)).slice(0, -1), [r([3, 5], 20)]),
    c('concat, stack', ([x, y]) => concat([x, y, x], { axis: 1 }).sum(1).add(stack([x, y], { axis: 0 }).sum([0, 2])), [x23, y23]),
    c('where (constant mask)', ([x, y]) => where(tensor([[1, 0, 1], [0, 0, 1]]), x, y), [x23, y23]),
    c('where (mask computed by recorded ops)', ([x, y]) => where(x.sigmoid().sub(0.5), x, y), [x23, y23]),
    c('clamp (both, one bound)', ([x]) => x.clamp(-0.5, 0.5).add(x.clamp(0.1)).add(x.clamp(undefined, 0)), [r([3, 4], 21)]),
    c('gather', ([x]) => x.gather(1, tensor([[2, 0], [1, 1]])), [x23]),
    c('scatterAdd', ([x, s]) => x.scatterAdd(0, tensor([[1, 0, 1], [1, 1, 0]]), s), [x23, y23]),
    c('cast float32 and back', ([x]) => x.cast('float32').cast('float64').mul(x), [x23]),
    c('softmax, logSoftmax', ([x]) => x.softmax(0).add(x.logSoftmax()), [r([3, 4], 22).mul(5)]),
    c('logsumexp', ([x]) => x.logsumexp(1).add(x.logsumexp()), [r([3, 4], 23)]),
    c('mseLoss', ([x, y]) => mseLoss(x, y).add(mseLoss(x, y, { reduction: 'halfSum' })), [x23, y23]),
    { name: 'CrossEntropyLoss, class indices as an input', module: new CrossEntropyLoss(), inputs: [r([4, 3], 34), tensor([0, 2, 1, 2])], rtol: f64 },
    { name: 'CrossEntropyLoss, probabilities, sum', module: new CrossEntropyLoss({ reduction: 'sum' }), inputs: [r([4, 3], 35), rand([4, 3], { seed: 36 }).softmax()], rtol: f64 },
    c('BCELoss (nn binaryCrossEntropy op)', ([z, y]) => new BCELoss().forward(z.sigmoid(), y), [r([5, 2], 37), rand([5, 2], { seed: 38 })]),
    { name: 'nn linear: 1-D input, shared bias, no bias', module: new TwoDense(), inputs: [r([3], 24)], rtol: f64 },
    {
      name: 'MLP with softmax, dynamic batch (export on 2 samples, run on 5)',
      module: new Sequential(new Dense(3, 16, { seed: 1, init: 'uniform' }), new Tanh(), new Dense(16, 8, { seed: 2 }), new ReLU(), new Dense(8, 4, { seed: 3 }), new Softmax()),
      inputs: [r([2, 3], 26)],
      runInputs: [r([5, 3], 27)],
      batchAxis: 0,
      rtol: f64,
    },
    {
      name: 'mean over the batch axis, dynamic batch (ReduceMean)',
      module: new Fn(([x]) => x.tanh().mean(0).add(x.mean([0, 1], true).sum())),
      inputs: [r([4, 3], 32)],
      runInputs: [r([7, 3], 33)],
      batchAxis: 0,
      rtol: f64,
    },
    {
      name: 'Dense on [batch, time, features] (reshapes follow the batch)',
      module: new Sequential(new Dense(4, 3, { seed: 4 }), new Sigmoid()),
      inputs: [r([2, 5, 4], 28)],
      runInputs: [r([3, 5, 4], 29)],
      batchAxis: 0,
      rtol: f64,
    },
    ...opsBCases(),
    ...convCases(),
    ...mathCases(),
    {
      name: 'float32 model (ONNX Runtime in float32)',
      module: new Sequential(new Dense(3, 8, { seed: 5, dtype: 'float32' }), new Tanh(), new Dense(8, 2, { seed: 6, dtype: 'float32' })),
      inputs: [randn([4, 3], { seed: 30, dtype: 'float32' })],
      rtol: 1e-6,
    },
    {
      name: 'float64 model written as float32 (dtype option)',
      module: new Sequential(new Dense(3, 8, { seed: 7 }), new Sigmoid(), new Dense(8, 2, { seed: 8 })),
      inputs: [r([4, 3], 31)],
      dtype: 'float32',
      rtol: 1e-6,
    },
  ];
}


// ------------------------------------------------------------------ comparisons, indexing, search and sort, shape ops

/**
 * One case (or more) per op of core's batch B and the comparisons: ONNX Runtime runs each. Inputs
 * of the order-selecting ops (argmax, argsort, topk) are tie-free unless a case says "ties", and
 * NaN-free: ONNX leaves the place of NaN open.
 */
function opsBCases(): OrtCase[] {
  const c = (name: string, f: (xs: Tensor[]) => Tensor, inputs: Tensor[], extra: Partial<OrtCase> = {}): OrtCase => ({ name, module: new Fn(f), inputs, rtol: f64, ...extra });
  const x34 = r([3, 4], 40);
  const ints = tensor([[1, 2, 3, 4], [4, 5, 6, 0], [7, 0, 2, 2]]);
  const other = tensor([[1, 0, 3, 5], [7, 5, 2, 0], [1, 1, 2, 3]]);
  return [
    c('comparisons gt, ge, lt, le, eq, ne (Greater ... Not(Equal))', ([a, b]) =>
      a.gt(b).add(a.ge(b).mul(10)).add(a.lt(b).mul(100)).add(a.le(b).mul(1000)).add(a.eq(b).mul(1e4)).add(a.ne(b).mul(1e5)), [ints, other]),
    c('a mask from a comparison, dynamic batch', ([x]) => x.mul(x.gt(0)), [r([2, 3], 41)], { runInputs: [r([5, 3], 42)], batchAxis: 0 }),
    c('sign', ([x]) => x.sign().add(x.mul(x.sign())), [tensor([[-2, 0, 3.5], [1e-300, -0.25, 7]])]),
    c('index: picks, ranges, steps, new axes, ...', ([x]) =>
      x.index([-1, null, [1, -1], '...']).sum(0).add(x.index([':', 0, { start: 1, step: 2 }]).sum()).add(x.index([]).sum(0).slice(0, 0, 2)), [r([3, 4, 5], 43)]),
    c('index: dynamic batch', ([x]) => x.index([':', [1, null], -1]).add(x.index(['...', null, 0]).sum(2).slice(1, 0, 2)), [r([2, 3, 4], 44)], { runInputs: [r([6, 3, 4], 45)], batchAxis: 0 }),
    c('indexSelect (constant positions, positions as an input)', ([x, i]) => x.indexSelect(1, [3, 0, 3]).add(x.indexSelect(0, i).sum(1, true)), [x34, tensor([2, 0, 1])]),
    c('maskedFill (recorded mask, constant mask, infinite value)', ([x]) =>
      x.maskedFill(x.gt(0.3), -1.5).add(x.maskedFill(tensor([[1], [0], [1]]), 2)).add(x.maskedFill(x.lt(-1), -Infinity).exp()), [x34]),
    c('argmax, argmin (axis, keepdims, flattened)', ([x]) =>
      x.argmax(1).add(x.argmin(0, { keepdims: true }).sum()).add(argmax(x)).add(argmin(x, { keepdims: true }).sum()), [x34]),
    c('maxWithIndices, minWithIndices (values and positions)', ([x]) => {
      const hi = maxWithIndices(x, { axis: 1 });
      const lo = minWithIndices(x, { axis: 0, keepdims: true });
      return hi.values.add(hi.indices).add(lo.values.sum()).add(lo.indices.sum());
    }, [x34]),
    c('sort, argsort, topk (TopK: ascending, descending, k < n)', ([x]) => {
      const top = topk(x, 2, { axis: 0, largest: false });
      return x.sort({ axis: 1 }).values.add(x.argsort({ descending: true })).add(x.sort().indices.mul(10)).add(top.values.sum(0)).add(top.indices.sum(0).mul(100));
    }, [x34]),
    c('argsort and topk with ties (the lower position first, as chainrule)', ([x]) => x.argsort().add(x.argsort({ descending: true }).mul(10)).add(topk(x, 3).indices.sum(1, true).mul(100)), [tensor([[1, 3, 1, 2], [2, 2, 0, 2], [5, 5, 5, 5]])]),
    c('argsort along a dynamic batch axis (K from Shape)', ([x]) => x.argsort({ axis: 0 }).add(x.sort({ axis: 0 }).values), [r([3, 2], 46)], { runInputs: [r([7, 2], 47)], batchAxis: 0 }),
    c('split, chunk (slices)', ([x]) => {
      const [a, b, d] = x.split([1, 2, 1], 1);
      const [top, bottom] = x.chunk(2, 0);
      return concat([d, a, b], { axis: 1 }).add(x.split(3, 1)[1].sum(1, true)).add(top.sum()).add(bottom.sum());
    }, [x34]),
    c('pad constant (growing and cropping)', ([x]) => pad(x, [2, -1, 0, 1], { value: 0.5 }), [x34]),
    c('pad reflect (growing and cropping, 2 axes)', ([x]) => pad(x, [2, -1, 1, 2], { mode: 'reflect' }), [x34]),
    c('pad replicate (ONNX edge), 3-D', ([x]) => pad(x, [1, 2, 0, 1], { mode: 'replicate' }), [r([2, 3, 4], 48)]),
    c('flip (one axis, several, negative)', ([x]) => x.flip(1).add(x.flip([0, 1])).add(x.flip(-1).flip(0).mul(3)), [x34]),
    c('repeat, tile', ([x]) => x.repeat(2, 1, 2).sum(0).add(x.tile(2)), [r([2, 3], 49)]),
    c('tril, triu (k)', ([x]) => x.tril().add(x.triu(1)).add(x.tril(-1).mul(3)).add(x.triu(-1).mul(5)), [r([2, 3, 4], 50)]),
    c('flatten(start, end), unflatten', ([x]) => x.flatten(1).add(x.flatten(0, 1).unflatten(0, [2, -1]).flatten(1)), [r([2, 3, 4], 51)]),
    c('einsum: product, diagonal, trace, sums', ([a, b]) => {
      const m = einsum('ij,jk->ik', a, b);
      return einsum('ii->i', m).add(einsum('ij,kj->i', a, b.transpose())).add(einsum('ii', m)).add(einsum('bij,bj->bi', stack([a, a.mul(2)]), stack([b.transpose().sum(0), b.sum(1)]).slice(1, 0, 4)).sum(0));
    }, [r([3, 4], 52), r([4, 3], 53)]),
    c('oneHot (given classes, inferred, of an argmax)', ([x, i]) => oneHot(i, 4).mul(x).add(oneHot(i)).add(oneHot(x.argmax(1), 4).mul(x)), [x34, tensor([2, 0, 3])]),
  ];
}


// ------------------------------------------------------------------ convolution, pooling, attention

/** Self-attention with a causal mask: exported through its primitives (linear, matmul, maskedFill, softmax, ...). */
class CausalSelfAttention extends Module {
  mha = new MultiheadAttention(8, 2, { seed: 61, batchFirst: true });
  forward(x: Tensor): Tensor {
    return this.mha.forward(x, x, x, { isCausal: true });
  }
}

/**
 * Convolution and pooling, and attention. ONNX Runtime's CPU Conv, AveragePool and
 * GlobalAveragePool have float32 kernels only, so the float64 models with those are written as
 * float32 files (the `dtype` option) and compared to 1e-6, as issue 12 allows, relative to the
 * output's largest magnitude (a float32 convolution sum that cancels to a small value carries the
 * rounding of its large terms); MaxPool and the attention block run in float64.
 */
function convCases(): OrtCase[] {
  const f32 = { dtype: 'float32' as DType, rtol: 1e-6, relativeToLargest: true };
  const c = (name: string, f: (xs: Tensor[]) => Tensor, inputs: Tensor[], extra: Partial<OrtCase> = {}): OrtCase => ({ name, module: new Fn(f), inputs, rtol: f64, ...extra });
  return [
    {
      name: 'small CNN: Conv2d → ReLU → MaxPool2d → Conv2d → AdaptiveAvgPool2d(1) → Flatten → Dense, dynamic batch (float32 file: no float64 Conv in ONNX Runtime)',
      module: new Sequential(
        new Conv2d(2, 4, 3, { padding: 1, seed: 51 }), new ReLU(), new MaxPool2d(2),
        new Conv2d(4, 6, [3, 2], { stride: [1, 2], seed: 52 }), new AdaptiveAvgPool2d(1), new Flatten(), new Dense(6, 3, { seed: 53 }),
      ),
      inputs: [r([2, 2, 8, 9], 54)],
      runInputs: [r([3, 2, 8, 9], 55)],
      batchAxis: 0,
      ...f32,
    },
    {
      name: 'Conv2d: dilation, groups, asymmetric same padding, no bias, unbatched input; AdaptiveAvgPool2d to 2×3 (AveragePool) (float32 file)',
      module: new Sequential(new Conv2d(4, 6, 2, { padding: 'same', dilation: [1, 2], groups: 2, bias: false, seed: 56 }), new AdaptiveAvgPool2d([2, 3])),
      inputs: [r([4, 6, 9], 57)],
      ...f32,
    },
    {
      name: 'Conv1d: stride, padding, dilation, groups, bias (float32 file)',
      module: new Sequential(new Conv1d(4, 6, 3, { stride: 2, padding: 2, dilation: 2, groups: 2, seed: 58 }), new Tanh(), new Conv1d(6, 2, 1, { seed: 59 })),
      inputs: [r([2, 4, 11], 60)],
      ...f32,
    },
    {
      name: 'AvgPool2d: countIncludePad false, ceilMode, padding; divisorOverride (float32 file: no float64 AveragePool)',
      module: new Fn(([x]) => new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }).forward(x).sum([2, 3])
        .add(avgPool2d(x, 2, { padding: 1 }).sum([2, 3])).add(avgPool2d(x, [2, 3], { stride: 1, divisorOverride: 4 }).sum([2, 3]))),
      inputs: [r([2, 3, 6, 7], 62)],
      ...f32,
    },
    c('MaxPool2d: padding, dilation, ceilMode, strides (float64)', ([x]) =>
      new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }).forward(x).sum([2, 3])
        .add(maxPool2d(x, [2, 3], { stride: [1, 2], dilation: [2, 1] }).sum([2, 3])).add(new MaxPool2d(2).forward(x.slice(0, 0, 1)).sum([0, 2, 3])), [r([2, 3, 7, 8], 63)]),
    c('MaxPool2d on an unbatched input (float64)', ([x]) => maxPool2d(x, 2, { padding: 1 }), [r([3, 5, 5], 64)]),
    { name: 'MultiheadAttention with a causal mask (through its primitives, float64)', module: new CausalSelfAttention(), inputs: [r([2, 5, 8], 65)], rtol: f64 },
    { name: 'MultiheadAttention with a causal mask, dynamic batch', module: new CausalSelfAttention(), inputs: [r([2, 5, 8], 66)], runInputs: [r([4, 5, 8], 67)], batchAxis: 0, rtol: f64 },
    c('conv2d (1×1, no bias) and adaptiveAvgPool2d(1) (GlobalAveragePool) as functions (float32 file)', ([x]) => adaptiveAvgPool2d(conv2d(x, r([2, 3, 1, 1], 68)), 1), [r([1, 3, 4, 4], 69)], f32),
  ];
}


// ------------------------------------------------------------------ math, activations, reductions, scans

/**
 * One case (or more) per op of core's math, activation, reduction and scan block. Each model
 * concatenates its ops' results rather than adding them, so every value is compared on its own (a
 * sum that cancels would hide a float32 difference or inflate it). ONNX Runtime's CPU has no
 * float64 Tan, Asin, Acos, Atan, Sinh, Cosh, Erf or Softplus: the models using them are written as
 * float32 files and compared to 1e-6 relative.
 */
function mathCases(): OrtCase[] {
  const f32 = { dtype: 'float32' as DType, rtol: 1e-6 };
  const c = (name: string, f: (xs: Tensor[]) => Tensor, inputs: Tensor[], extra: Partial<OrtCase> = {}): OrtCase => ({ name, module: new Fn(f), inputs, rtol: f64, ...extra });
  const all = (parts: Tensor[]) => concat(parts.map((t) => t.reshape([-1])));
  const inUnit = rand([3, 4], { seed: 70 }).mul(1.8).sub(0.9); // asin, acos: |x| < 0.9, away from the ends where float32 rounding of x is amplified
  // atan2's quadrants, axes, signed zeros, infinities and NaN: pairs (y, x), plus a broadcast of a column against a row
  const I = Infinity;
  const ys = [1, 1, -1, -1, 0, -0, 0, -0, 0, -0, 2, -2, 2, -2, I, -I, I, -I, I, -I, 3, -3, 3, -3, 0, -0, NaN, 1, 1e-30, -1e-30];
  const xs = [1, -1, 1, -1, 0, 0, -0, -0, 3, 3, 0, 0, -0, -0, I, I, -I, -I, 5, 5, -I, -I, I, I, -I, -I, 1, NaN, -1, -1];
  // the values the check's second trace gets (the inputs reversed and scaled) are as good as these
  const logInputs = tensor([1e-17, -1e-17, 3e-10, -1e-5, 0.5, -0.5, 3, -0.999999, 1e10, 1e300, -1, I, 0, -0]);
  const expInputs = tensor([1e-17, -1e-10, 1e-5, 0.5, -0.5, 3, -40, -800, 700, 709.7, 710, -I, I, 0, -0]);
  const halves = tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.675, 1.2345, 0.49999999999999994, -0.2, 123.456, -7.5, 1e17 + 2, -0]);
  const withZeros = tensor([[1.5, -2, 0.5, 3], [-1, 0, 2, -0.25], [0.75, -1.25, -2, 4]]);
  return [
    c('sin, cos (float64)', ([x]) => all([x.sin(), x.cos()]), [r([3, 4], 71).mul(4)]),
    c('tan, asin, acos, atan, sinh, cosh (float32 file: no float64 kernels)', ([x, u]) => all([x.tan(), u.asin(), u.acos(), x.atan(), x.sinh(), x.cosh()]), [r([3, 4], 72).mul(0.4), inUnit], f32),
    c('atan2: four quadrants, the axes, signed zeros, infinities, NaN, broadcasting (float32 file: no float64 Atan)', ([y, x]) =>
      all([atan2(y, x), atan2(y.slice(0, 0, 4).reshape([4, 1]), x.slice(0, 0, 3))]), [tensor(ys), tensor(xs)], f32),
    // log1p and expm1 in their corrected forms keep the digits of tiny x that Log(1 + x) and Exp(x) - 1 lose
    c('log1p, expm1 (corrected compositions: tiny, large, infinite x; -1 and the overflow edge)', ([a, e]) => all([a.log1p(), e.expm1()]), [logInputs, expInputs]),
    c('log2, log10 (Log/ln b), rsqrt (1/Sqrt), reciprocal', ([x, y]) => all([x.log2(), x.log10(), x.rsqrt(), y.reciprocal()]), [tensor([8, 1000, 0.01, 0.5, 3, 1e-300, 1e300, 1, 0, I]), tensor([2, -0.5, 0, -0, 3, I, -I, 1e-310])]),
    c('floor, ceil, round (half to even), round to 2 and -1 decimals', ([x]) => all([x.floor(), x.ceil(), x.round(), x.round({ decimals: 2 }), x.round({ decimals: -1 })]), [halves]),
    c('erf, gelu (normalCdf as 1/2(1 + Erf(x/sqrt 2))) (float32 file: no float64 Erf; x >= -1.5, where 1 + erf has not yet cancelled)', ([x]) => all([x.erf(), gelu(x)]),
      [rand([3, 4], { seed: 73 }).mul(4.5).sub(1.5)], f32),
    c('softplus (threshold 20, beta 2 threshold 5), mish, logSigmoid (float32 file: no float64 Softplus)', ([x]) =>
      all([x.softplus(), x.softplus({ beta: 2, threshold: 5 }), mish(x), logSigmoid(x)]), [tensor([-30, -3, -0.25, 0, 0.5, 2, 2.4, 2.6, 19, 21, 40])], f32),
    c('leakyRelu (default slope: Where in float64; 0.5: LeakyRelu), elu (alpha 1, 0.5), selu (float64: compositions through expm1)', ([x]) =>
      all([x.leakyRelu(), x.leakyRelu({ negativeSlope: 0.5 }), x.elu(), x.elu({ alpha: 0.5 }), x.selu()]), [tensor([-3, -1e-20, -1e-5, -0.5, 0, 1e-20, 0.5, 2, -800])]),
    c('leakyRelu, elu, selu in a float32 file (LeakyRelu with a float32 slope)', ([x]) => all([x.leakyRelu(), x.leakyRelu({ negativeSlope: -0.3 }), x.elu(), x.selu()]), [tensor([-3, -1e-3, -0.5, 1e-3, 0.5, 2])], f32),
    c('hardtanh (Clip: default, relu6, one infinite bound)', ([x]) => all([x.hardtanh(), x.hardtanh({ minVal: 0, maxVal: 6 }), x.hardtanh({ minVal: -Infinity, maxVal: 0.5 })]), [r([3, 4], 74).mul(4)]),
    c('var, std: axes, keepdims, corrections 0 and 2, all elements', ([x]) =>
      all([x.var(1), x.std([0, 2], { keepdims: true }), x.var(undefined, { correction: 0 }), x.std(-1, { correction: 2 }), x.var([])]), [r([2, 3, 4], 75).add(3)]),
    c('var, std over the batch axis, dynamic batch (the count from Shape)', ([x]) => all([x.var(0), x.std([0, 1], { correction: 0 })]), [r([3, 4], 76)], { runInputs: [r([6, 4], 77)], batchAxis: 0 }),
    c('norm: p = 1, 2, Infinity, 3, 0.5; axes, keepdims, all elements, no axes', ([x]) =>
      all([x.norm(1, 1), x.norm(2, [0, 2], true), x.norm(Infinity, -1), x.norm(3, 1), x.norm(0.5, 0), x.norm(), x.norm(2, []), x.norm(3, [])]), [r([2, 3, 4], 78)]),
    c('prod (ReduceProd): zeros, negatives, axes, keepdims, all', ([x]) => all([x.prod(1), x.prod(0, true), x.prod(), x.prod([])]), [withZeros]),
    c('cumsum (CumSum, reverse), cumprod (triangular mask, reverse): zeros and negatives, 3-D, a middle axis', ([x, y]) =>
      all([x.cumsum(1), x.cumsum(0, { reverse: true }), x.cumprod(1), x.cumprod(0, { reverse: true }), y.cumprod(1), y.cumsum(-1, { reverse: true })]), [withZeros, r([2, 3, 4], 79)]),
    c('cumsum, cumprod along a dynamic batch axis (the mask from Shape)', ([x]) => all([x.cumprod(0), x.cumprod(0, { reverse: true }), x.cumsum(0)]), [r([3, 2], 80)], { runInputs: [r([5, 2], 81)], batchAxis: 0 }),
  ];
}

// Unit tests of the math rules: the nodes each export rule writes, and what the compositions compute
// when the file is read back by importOnnx (chainrule's own ops running the ONNX graph) against
// independent references (Math.*, hand-written values). ONNX Runtime runs the same files in
// scripts/handoff (pnpm run test:handoff).
import { describe, expect, it } from 'vitest';
import { atan2, concat, gelu, grad, logSigmoid, mish, tensor, type Tensor } from '@chainrule/core';
import { Module } from '../module.js';
import { exportOnnx, exportOnnxModel, type ExportOnnxOptions } from './export.js';
import { importOnnx } from './import.js';
import { REFUSED_OPS } from './op-table.js';
import { DataType, encodeModel, type OnnxAttribute, type OnnxModel, type OnnxNode } from './onnx-proto.js';
import { opset17Model } from '../test-utils/onnx-model.js';

/** A module computing `f` of its inputs. */
class Fn extends Module {
  constructor(private readonly f: (...xs: Tensor[]) => Tensor) {
    super();
  }
  forward(...xs: Tensor[]): Tensor {
    return this.f(...xs);
  }
}

const model = (f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: ExportOnnxOptions = {}) => exportOnnxModel(new Fn(f), inputs, options);
/** The op types a model's nodes have, Constants left out. */
const opTypes = (m: OnnxModel) => m.graph.nodes.filter((n) => n.opType !== 'Constant').map((n) => n.opType);
const exported = (f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: ExportOnnxOptions = {}) => opTypes(model(f, inputs, options));
/** The scalar value of the Constant node that computes `name`. */
function constantValue(m: OnnxModel, name: string): number {
  const c = m.graph.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name);
  const value = c?.attributes[0];
  if (value?.kind !== 'tensor') throw new Error(`no Constant computes '${name}'`);
  return Number(value.value.values[0]);
}
const nodeOf = (m: OnnxModel, opType: string): OnnxNode => m.graph.nodes.find((n) => n.opType === opType)!;
/** The file written by exportOnnx, read back by importOnnx and run on the same inputs. */
const roundTrip = (f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: ExportOnnxOptions = {}): number[] =>
  Array.from(importOnnx(exportOnnx(new Fn(f), inputs, options)).forward(...inputs).buffer);
/** The tensors flattened and joined, so that a round trip compares every value on its own. */
const concatAll = (parts: Tensor[]): Tensor => concat(parts.map((t) => t.reshape([-1])));
/** +1, -1, '+0', '-0' or NaN per value: the signs toBeAllClose does not see. */
const signs = (values: readonly number[]) => values.map((v) => (v === 0 ? (Object.is(v, -0) ? '-0' : '+0') : Math.sign(v)));

const I = Infinity;

describe('export rules of one ONNX op', () => {
  it('writes the trigonometric, erf, reciprocal and rounding ops as their ONNX ops', () => {
    const x = tensor([0.25, -0.5]);
    expect(exported((v) => v.sin().add(v.cos()).add(v.tan()).add(v.asin()).add(v.acos()).add(v.atan()).add(v.sinh()).add(v.cosh()), [x]).filter((t) => t !== 'Add')).toEqual([
      'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh',
    ]);
    expect(exported((v) => v.erf().add(v.reciprocal()).add(v.floor()).add(v.ceil()).add(v.round()), [x]).filter((t) => t !== 'Add')).toEqual(['Erf', 'Reciprocal', 'Floor', 'Ceil', 'Round']);
  });

  it('writes round with decimals as core computes it: Round(x·10^d)/10^d, and Round(x/10^−d)·10^−d', () => {
    const m = model((v) => v.round({ decimals: 2 }), [tensor([2.675])]);
    expect(opTypes(m)).toEqual(['Mul', 'Round', 'Div']);
    expect(constantValue(m, nodeOf(m, 'Mul').inputs[1])).toBe(100);
    expect(exported((v) => v.round({ decimals: -1 }), [tensor([15])])).toEqual(['Div', 'Round', 'Mul']);
    // ties to even as torch.round, and 2.675·100 rounds to the tie 267.5 first, as in PyTorch
    expect(roundTrip((v) => v.round(), [tensor([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994])])).toEqual([0, 2, 2, -0, -2, 0]);
    expect(roundTrip((v) => v.round({ decimals: 2 }).add(v.round({ decimals: -1 })), [tensor([2.675, 25])])).toEqual([2.68, 45]); // 2.68 + round(0.2675)·10, 25 + round(2.5)·10
  });

  it('writes hardtanh as Clip with its bounds as inputs, an infinite bound left out', () => {
    const m = model((v) => v.hardtanh({ minVal: 0, maxVal: 6 }), [tensor([-1, 3, 9])]);
    const clip = nodeOf(m, 'Clip');
    expect([constantValue(m, clip.inputs[1]), constantValue(m, clip.inputs[2])]).toEqual([0, 6]);
    expect(nodeOf(model((v) => v.hardtanh({ minVal: -I, maxVal: 0.5 }), [tensor([1])]), 'Clip').inputs[1]).toBe('');
    expect(roundTrip((v) => v.hardtanh(), [tensor([-2, 0.5, 3])])).toEqual([-1, 0.5, 1]);
  });

  it('writes prod as ReduceProd, cumsum as CumSum (axis as an input, reverse), a rank-0 scan as Identity', () => {
    const m = model((v) => v.prod(1, true).add(v.cumsum(-1, { reverse: true })), [tensor([[1, 2], [3, 4]])]);
    expect(opTypes(m)).toEqual(['ReduceProd', 'CumSum', 'Add']);
    expect(nodeOf(m, 'ReduceProd').attributes).toEqual([{ name: 'axes', kind: 'ints', value: [1] }, { name: 'keepdims', kind: 'int', value: 1 }]);
    const cumsum = nodeOf(m, 'CumSum');
    expect([constantValue(m, cumsum.inputs[1]), cumsum.attributes]).toEqual([1, [{ name: 'reverse', kind: 'int', value: 1 }]]);
    expect(exported((v) => v.cumsum(0).add(v.prod([])), [tensor(3)])).toEqual(['Identity', 'Identity', 'Add']);
  });
});

describe('leakyRelu, softplus, elu, selu', () => {
  it('writes LeakyRelu where its float32 alpha holds the slope, else Where(x > 0, x, x·slope) with the slope in float64', () => {
    const x = tensor([-2, 0.5]);
    expect(exported((v) => v.leakyRelu({ negativeSlope: 0.5 }), [x])).toEqual(['LeakyRelu']);
    expect(nodeOf(model((v) => v.leakyRelu({ negativeSlope: 0.5 }), [x]), 'LeakyRelu').attributes).toEqual([{ name: 'alpha', kind: 'float', value: 0.5 }]);
    expect(exported((v) => v.leakyRelu(), [x])).toEqual(['Greater', 'Mul', 'Where']);
    expect(exported((v) => v.leakyRelu(), [x.cast('float32')])).toEqual(['LeakyRelu']);
    expect(roundTrip((v) => v.leakyRelu(), [x])).toEqual([-0.02, 0.5]); // 0.01 exactly, not float32's 0.009999999776
  });

  it("writes softplus as Softplus of βx over β, with PyTorch's linear region as a Where unless the threshold is infinite", () => {
    const x = tensor([-30, 1, 25]);
    expect(exported((v) => v.softplus(), [x])).toEqual(['Softplus', 'Greater', 'Where']);
    expect(exported((v) => v.softplus({ beta: 2, threshold: Infinity }), [x])).toEqual(['Mul', 'Softplus', 'Div']);
    expect(exported((v) => mish(v).add(logSigmoid(v)), [x])).toEqual(['Softplus', 'Tanh', 'Mul', 'Neg', 'Softplus', 'Neg', 'Add']);
    const back = roundTrip((v) => v.softplus({ beta: 2, threshold: 5 }), [x]);
    expect(back).toBeAllClose([Math.log1p(Math.exp(-60)) / 2, Math.log1p(Math.exp(2)) / 2, 25], { rtol: 4e-16, atol: 0 });
  });

  it("writes elu and selu as compositions through expm1, keeping tiny x and SELU's float64 constants", () => {
    const x = tensor([-3, -1e-20, 0, 2]);
    const ops = exported((v) => v.elu({ alpha: 0.5 }), [x]);
    expect(ops).not.toContain('Elu');
    expect(ops.slice(-3)).toEqual(['Mul', 'Greater', 'Where']);
    // PyTorch's SELU constants, written here independently of core's
    const [alpha, scale] = [1.6732632423543772848170429916717, 1.0507009873554804934193349852946];
    const expected = [-3, -1e-20, 0, 2].map((v) => (v > 0 ? scale * v : scale * alpha * Math.expm1(v)));
    expect(roundTrip((v) => v.selu(), [x])).toBeAllClose(expected, { rtol: 4e-16, atol: 0 });
    expect(roundTrip((v) => v.elu({ alpha: 0.5 }), [x])).toBeAllClose([0.5 * Math.expm1(-3), -5e-21, 0, 2], { rtol: 4e-16, atol: 0 });
  });

  it("writes normalCdf (gelu's Φ) as ½(1 + Erf(x/√2))", () => {
    const m = model((v) => gelu(v), [tensor([-1, 0.5])]);
    expect(opTypes(m)).toEqual(['Mul', 'Erf', 'Add', 'Mul', 'Mul']);
    expect(constantValue(m, m.graph.nodes.filter((n) => n.opType === 'Mul')[0].inputs[1])).toBe(Math.SQRT1_2);
  });
});

describe('compositions where ONNX has no op', () => {
  it('atan2 matches C99 atan2 in the four quadrants, on the axes, at signed zeros and infinities', () => {
    const ys = [1, 1, -1, -1, 0, -0, 0, -0, 0, -0, 2, -2, 2, -2, I, -I, I, -I, I, -I, 3, -3, 3, -3, 0, -0, NaN, 1e-30];
    const xs = [1, -1, 1, -1, 0, 0, -0, -0, 3, 3, 0, 0, -0, -0, I, I, -I, -I, 5, 5, -I, -I, I, I, -I, -I, 1, -1];
    const expected = ys.map((y, i) => Math.atan2(y, xs[i]));
    expect(exported((a, b) => atan2(a, b), [tensor([1]), tensor([1])])).toContain('Atan');
    const back = roundTrip((a, b) => atan2(a, b), [tensor(ys), tensor(xs)]);
    expect(back).toBeAllClose(expected, { rtol: 4.5e-16, atol: 0 }); // one rounding of y/x, Atan's, and the sum with π: 2 ulps
    expect(signs(back)).toEqual(signs(expected));
    // broadcasting a column of y against a row of x
    expect(roundTrip((a, b) => atan2(a, b), [tensor([[1], [-0]]), tensor([-1, 0])])).toBeAllClose([Math.atan2(1, -1), Math.PI / 2, -Math.PI, -0], { rtol: 4.5e-16, atol: 0 });
  });

  it('log1p and expm1 keep the digits of tiny x that Log(1 + x) and Exp(x) − 1 lose, and their edges', () => {
    const logX = [1e-17, -1e-17, 3e-10, -1e-5, 0.5, -0.999999, 3, 1e300, -1, -2, I, 0, -0, NaN];
    const back = roundTrip((v) => v.log1p(), [tensor(logX)]);
    expect(back).toBeAllClose(logX.map(Math.log1p), { rtol: 4.5e-16, atol: 0 });
    expect(signs(back)).toEqual(signs(logX.map(Math.log1p)));
    const expX = [1e-17, -1e-10, 1e-5, -0.5, 3, -40, -800, 709.7, 710, -I, I, 0, -0, NaN];
    const e = roundTrip((v) => v.expm1(), [tensor(expX)]);
    expect(e).toBeAllClose(expX.map(Math.expm1), { rtol: 4.5e-16, atol: 0 });
    expect(signs(e)).toEqual(signs(expX.map(Math.expm1)));
    expect(Math.log(1 + 1e-17)).toBe(0); // what the plain composition would give
  });

  it('log2, log10 and rsqrt as Log(x)/ln b and Reciprocal(Sqrt(x))', () => {
    expect(exported((v) => v.log2().add(v.log10()).add(v.rsqrt()), [tensor([4])])).toEqual(['Log', 'Div', 'Log', 'Div', 'Add', 'Sqrt', 'Reciprocal', 'Add']);
    const x = [8, 1000, 0.01, 3, 1e-300];
    const back = roundTrip((v) => concatAll([v.log2(), v.log10(), v.rsqrt()]), [tensor(x)]);
    expect(back).toBeAllClose([...x.map(Math.log2), ...x.map(Math.log10), ...x.map((v) => 1 / Math.sqrt(v))], { rtol: 4.5e-16, atol: 0 });
  });

  it('var and std: ReduceMean, the squared deviations summed, divided by n − correction (a constant, or from Shape along a dynamic batch)', () => {
    const m = model((v) => v.var(1, { correction: 0 }), [tensor([[1, 2, 4], [0, 0, 3]])]);
    expect(opTypes(m)).toEqual(['ReduceMean', 'Sub', 'Mul', 'ReduceSum', 'Div']);
    expect(constantValue(m, nodeOf(m, 'Div').inputs[1])).toBe(3);
    expect(exported((v) => v.std(0), [tensor([[1, 2], [3, 5]])], { batchAxis: 0 })).toEqual(['ReduceMean', 'Sub', 'Mul', 'ReduceSum', 'Shape', 'Gather', 'ReduceProd', 'Cast', 'Sub', 'Max', 'Div', 'Sqrt']);
    const back = roundTrip((v) => concatAll([v.var(1), v.std(undefined, { correction: 2 }), v.var([])]), [tensor([[1, 2, 4], [0, 0, 3]])]);
    // var of [1, 2, 4] = (16 + 1 + 25)/9/2 = 7/3, of [0, 0, 3] = 6/2 = 3; std of all six: Σd² = 40/3 about the mean 5/3,
    // over n − 2 = 4; var over no axes divides 0 by 1 − 1 = 0
    expect(back).toBeAllClose([7 / 3, 3, Math.sqrt(10 / 3), NaN, NaN, NaN, NaN, NaN, NaN], { rtol: 4.5e-16, atol: 0 });
    const batch = importOnnx(exportOnnx(new Fn((v) => v.var(0)), [tensor([[1, 2], [3, 5]])], { batchAxis: 0 }));
    expect(batch.forward(tensor([[1, 2], [3, 5], [5, 8]])).toArray()).toEqual([4, 9]);
  });

  it('norm: ReduceL1, ReduceL2, ReduceMax(Abs), Pow(ReduceSum(Pow(Abs))); over no axes |x|', () => {
    const x = tensor([[3, -4], [0, 1]]);
    expect(exported((v) => v.norm(1, 1), [x])).toEqual(['ReduceL1']);
    expect(exported((v) => v.norm(2, 0, true), [x])).toEqual(['ReduceL2']);
    expect(exported((v) => v.norm(Infinity), [x])).toEqual(['Abs', 'ReduceMax']);
    expect(exported((v) => v.norm(3, 1), [x])).toEqual(['Abs', 'Pow', 'ReduceSum', 'Pow']);
    expect(exported((v) => v.norm(2, []), [x])).toEqual(['Abs']);
    const back = roundTrip((v) => concatAll([v.norm(1, 1), v.norm(2, 1), v.norm(Infinity, 0), v.norm(3, 1), v.norm(2, [])]), [x]);
    expect(back).toBeAllClose([7, 1, 5, 1, 3, 4, Math.cbrt(91), 1, 3, 4, 0, 1], { rtol: 4.5e-16, atol: 0 });
  });

  it('cumprod: a triangular-mask product, right for zeros, negatives, infinities and NaN (where exp(cumsum(log x)) is not)', () => {
    const x = tensor([[2, -3, 0, 4], [-1, I, -0.5, NaN]]);
    expect(exported((v) => v.cumprod(1), [x])).toEqual(['Expand', 'Trilu', 'Cast', 'Unsqueeze', 'Where', 'ReduceProd']);
    expect(exported((v) => v.cumprod(0), [x])).toEqual(['Expand', 'Trilu', 'Cast', 'Unsqueeze', 'Unsqueeze', 'Where', 'ReduceProd']); // the mask broadcasts over the trailing axis
    expect(nodeOf(model((v) => v.cumprod(1, { reverse: true }), [x]), 'Trilu').attributes).toEqual([{ name: 'upper', kind: 'int', value: 1 }]);
    expect(exported((v) => v.cumprod(0), [tensor([[1, 2]])], { batchAxis: 0 })).toEqual(['Shape', 'Concat', 'Expand', 'Trilu', 'Cast', 'Unsqueeze', 'Unsqueeze', 'Where', 'ReduceProd']);
    const forward = roundTrip((v) => v.cumprod(1), [x]);
    expect(forward).toEqual([2, -6, -0, -0, -1, -I, I, NaN]);
    const reverse = roundTrip((v) => v.cumprod(1, { reverse: true }), [x]);
    expect(reverse).toEqual([-0, -0, 0, 4, NaN, NaN, NaN, NaN]);
    const batch = importOnnx(exportOnnx(new Fn((v) => v.cumprod(0)), [tensor([[1, 2], [3, 4]])], { batchAxis: 0 }));
    expect(batch.forward(tensor([[1, 2], [3, -4], [0.5, 2]])).toArray()).toEqual([[1, 2], [3, -8], [1.5, -16]]);
  });
});

describe('refusals', () => {
  it("refuses shift, a step of cumprod's and prod's gradients, by name with the reason", () => {
    const x = tensor([1, 2, 3]);
    expect(() => exportOnnx(new Fn((v) => grad((u: Tensor) => u.prod())(v)), [x])).toThrow(`exportOnnx: the forward calls shift, which does not export: ${REFUSED_OPS.shift}`);
    expect(REFUSED_OPS.shift).toContain('step of a gradient computation');
  });
});

describe('import of the ONNX ops', () => {
  /** A model of one node of `opType` on input x (shape [n]) and the given constant inputs, run on `x`. */
  function runNode(opType: string, x: number[], attributes: OnnxAttribute[] = [], constants: { name: string; values: number[] }[] = []): number[] {
    const m = opset17Model({
      name: 'g',
      nodes: [{ opType, inputs: ['x', ...constants.map((c) => c.name)], outputs: ['y'], attributes }],
      initializers: constants.map((c) => ({ name: c.name, dims: [], dataType: DataType.INT64, values: c.values })),
      inputs: [{ name: 'x', elemType: DataType.DOUBLE, shape: [x.length] }],
      outputs: [{ name: 'y', elemType: DataType.DOUBLE, shape: [] }],
    });
    return Array.from(importOnnx(encodeModel(m)).forward(tensor(x)).buffer);
  }

  it('reads the elementwise ops as their chainrule ops', () => {
    const x = [0.3, -0.7, 2.5];
    const cases: [string, (v: number) => number][] = [
      ['Sin', Math.sin], ['Cos', Math.cos], ['Tan', Math.tan], ['Atan', Math.atan], ['Sinh', Math.sinh], ['Cosh', Math.cosh], ['Reciprocal', (v) => 1 / v], ['Floor', Math.floor], ['Ceil', Math.ceil],
    ];
    for (const [op, f] of cases) expect(runNode(op, x), op).toBeAllClose(x.map(f), { rtol: 2.3e-16, atol: 0 });
    expect(runNode('Asin', [0.5, -1])).toBeAllClose([Math.asin(0.5), -Math.PI / 2], { rtol: 2.3e-16, atol: 0 });
    expect(runNode('Acos', [0.5, -1])).toBeAllClose([Math.acos(0.5), Math.PI], { rtol: 2.3e-16, atol: 0 });
    expect(runNode('Erf', [0.5, -Infinity])).toBeAllClose([0.5204998778130465, -1], { rtol: 2.3e-16, atol: 0 }); // erf(0.5) from tables
    expect(runNode('Round', [0.5, 1.5, 2.5, -2.5])).toEqual([0, 2, 2, -2]); // half to even
  });

  it("reads LeakyRelu, Elu, Selu and Softplus with ONNX's float32 defaults and no linear region for Softplus", () => {
    expect(runNode('LeakyRelu', [-2, 3])).toEqual([-2 * Math.fround(0.01), 3]);
    expect(runNode('LeakyRelu', [-2], [{ name: 'alpha', kind: 'float', value: 0.5 }])).toEqual([-1]);
    expect(runNode('Elu', [-1, 2], [{ name: 'alpha', kind: 'float', value: 0.5 }])).toBeAllClose([0.5 * Math.expm1(-1), 2], { rtol: 2.3e-16, atol: 0 });
    const [alpha, gamma] = [Math.fround(1.6732632423543772), Math.fround(1.0507009873554805)];
    expect(runNode('Selu', [-1, 2])).toBeAllClose([gamma * alpha * Math.expm1(-1), gamma * 2], { rtol: 4.5e-16, atol: 0 });
    expect(runNode('Softplus', [30, -800])[0]).toBeGreaterThan(30); // log(1 + e³⁰) = 30 + 9.4e-14, no jump to x
    expect(runNode('Softplus', [0, -40])).toBeAllClose([Math.LN2, 4.248354255291589e-18], { rtol: 4.5e-16, atol: 0 });
  });

  it('reads CumSum with its axis input, reverse and exclusive (a shifted inclusive sum, exact)', () => {
    const x = [1, 2, 3, 4];
    const axis = [{ name: 'axis', values: [0] }];
    const attrs = (reverse: number, exclusive: number): OnnxAttribute[] => [{ name: 'reverse', kind: 'int', value: reverse }, { name: 'exclusive', kind: 'int', value: exclusive }];
    expect(runNode('CumSum', x, [], axis)).toEqual([1, 3, 6, 10]);
    expect(runNode('CumSum', x, attrs(0, 1), axis)).toEqual([0, 1, 3, 6]);
    expect(runNode('CumSum', x, attrs(1, 0), axis)).toEqual([10, 9, 7, 4]);
    expect(runNode('CumSum', x, attrs(1, 1), axis)).toEqual([9, 7, 4, 0]);
    expect(runNode('CumSum', [0.1, 0.2, 1e17], attrs(0, 1), axis)).toEqual([0, 0.1, 0.1 + 0.2]); // not sums − x, which would give 0.30000000000000004 − 0.2
  });

  it('reads ReduceProd, ReduceL1 and ReduceL2 (axes attribute, keepdims default 1)', () => {
    const axes: OnnxAttribute[] = [{ name: 'axes', kind: 'ints', value: [0] }];
    expect(runNode('ReduceProd', [2, -3, 0.5], axes)).toEqual([-3]);
    expect(runNode('ReduceL1', [2, -3, 0.5], axes)).toEqual([5.5]);
    expect(runNode('ReduceL2', [3, -4], axes)).toEqual([5]);
    expect(runNode('ReduceL2', [3, -4], [{ name: 'keepdims', kind: 'int', value: 0 }])).toEqual([5]);
  });
});

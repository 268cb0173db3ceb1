/**
 * One case per differentiable op: a function of float64 inputs built around the op, and inputs to
 * run it at. ops/coverage.test.ts checks each with gradcheck and gradgradcheck; compile's op sweep
 * (compile/compile-ops.test.ts) replays each compiled, against eager runs.
 */
import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import { awayFromZero, distinctValues, t64, uniformValues } from './index.js';

/** A function of float64 inputs built around the op, and the inputs to check it at. */
export interface OpCase {
  f: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  /** false for ops whose first derivative is piecewise constant (gradgradcheck would check 0 = 0 only). */
  secondOrder?: boolean;
}

const count = (shape: number[]) => shape.reduce((n, d) => n * d, 1);
const u = (shape: number[], seed: number, lo = -1, hi = 1) => t64(uniformValues(count(shape), seed, lo, hi), shape);
const positive = (shape: number[], seed: number) => u(shape, seed, 0.5, 2);
/** Away from the kinks at 0 of abs, relu and friends (finite differences across a kink are wrong). */
const offKink = (shape: number[], seed: number) => t64(awayFromZero(count(shape), seed), shape);
/** No ties, for ops that select by order (sort, topk, max with indices): finite differences across a tie are wrong. */
const distinct = (shape: number[], seed: number) => t64(distinctValues(count(shape), seed), shape);

/** One entry per differentiable op, keyed by its name. */
export const OP_CASES: Record<string, OpCase> = {
  add: { f: (a, b) => ops.add(a, b), inputs: () => [u([2, 3], 1), u([3], 2)] },
  sub: { f: (a, b) => ops.sub(a, b), inputs: () => [u([2, 3], 1), u([2, 1], 2)] },
  mul: { f: (a, b) => ops.mul(a, b), inputs: () => [u([2, 3], 1), u([3], 2)] },
  div: { f: (a, b) => ops.div(a, b), inputs: () => [u([2, 3], 1), positive([3], 2)] },
  neg: { f: (x) => ops.neg(x), inputs: () => [u([2, 3], 1)] },
  pow: { f: (a, b) => ops.pow(a, b), inputs: () => [positive([2, 3], 1), u([3], 2)] },
  square: { f: (x) => ops.square(x), inputs: () => [u([2, 3], 1)] },
  exp: { f: (x) => ops.exp(x), inputs: () => [u([2, 3], 1)] },
  log: { f: (x) => ops.log(x), inputs: () => [positive([2, 3], 1)] },
  sqrt: { f: (x) => ops.sqrt(x), inputs: () => [positive([2, 3], 1)] },
  abs: { f: (x) => ops.abs(x), inputs: () => [offKink([2, 3], 1)], secondOrder: false },
  sigmoid: { f: (x) => ops.sigmoid(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  tanh: { f: (x) => ops.tanh(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  relu: { f: (x) => ops.relu(x), inputs: () => [offKink([2, 3], 1)], secondOrder: false },
  where: { f: (a, b) => ops.where(ops.gt(a, 0), a, b), inputs: () => [offKink([2, 3], 1), u([3], 2)] },
  maximum: { f: (a, b) => ops.maximum(a, b), inputs: () => [u([2, 3], 1), u([3], 2)], secondOrder: false },
  minimum: { f: (a, b) => ops.minimum(a, b), inputs: () => [u([2, 3], 1), u([3], 2)], secondOrder: false },
  clamp: { f: (x) => ops.clamp(x, { min: -0.5, max: 0.5 }), inputs: () => [u([2, 3], 1)], secondOrder: false },
  sum: { f: (x) => ops.sum(x, { axes: 1, keepdims: true }).square(), inputs: () => [u([2, 3], 1)] },
  max: { f: (x) => ops.max(x, { axes: 0 }), inputs: () => [u([3, 4], 1)], secondOrder: false },
  min: { f: (x) => ops.min(x, { axes: -1 }), inputs: () => [u([3, 4], 1)], secondOrder: false },
  matmul: { f: (a, b) => ops.matmul(a, b, { transposeB: true }), inputs: () => [u([2, 3], 1), u([4, 3], 2)] },
  // convolution and pooling (composites over their ops; each op's own rules are checked through them)
  conv1d: { f: (x, w, b) => ops.conv1d(x, w, b, { stride: 2, padding: 'valid', dilation: 2 }).square(), inputs: () => [u([2, 2, 7], 1), u([3, 2, 2], 2), u([3], 3)] },
  conv2d: { f: (x, w, b) => ops.conv2d(x, w, b, { padding: [1, 0], groups: 2 }).square(), inputs: () => [u([1, 4, 3, 3], 1), u([2, 2, 2, 2], 2), u([2], 3)] },
  maxPool2d: { f: (x) => ops.maxPool2d(x, 2, { stride: 1, padding: 1 }).square(), inputs: () => [distinct([1, 2, 3, 3], 1)] },
  avgPool2d: { f: (x) => ops.avgPool2d(x, [2, 3], { padding: [1, 1], countIncludePad: false }).square(), inputs: () => [u([2, 3, 4], 1)] },
  adaptiveAvgPool2d: { f: (x) => ops.adaptiveAvgPool2d(x, [2, 3]).square(), inputs: () => [u([1, 2, 3, 4], 1)] },
  reshape: { f: (x) => ops.reshape(x, [3, -1]).square(), inputs: () => [u([2, 3], 1)] },
  permute: { f: (x) => ops.permute(x, [2, 0, 1]).square(), inputs: () => [u([2, 3, 2], 1)] },
  expand: { f: (x) => ops.expand(x, [2, 3, 4]).square(), inputs: () => [u([3, 1], 1)] },
  slice: { f: (x) => ops.slice(x, { axis: 1, start: 1, step: 2 }).square(), inputs: () => [u([2, 5], 1)] },
  concat: { f: (a, b) => ops.concat([a, b, a], { axis: 1 }).square(), inputs: () => [u([2, 3], 1), u([2, 1], 2)] },
  cast: { f: (x) => ops.cast(x, 'float64').square(), inputs: () => [u([2, 3], 1)] },
  clone: { f: (x) => ops.clone(x).square(), inputs: () => [u([2, 3], 1)] },
  gather: { f: (x) => ops.gather(x, [[2, 0], [1, 1]], { axis: 1 }).square(), inputs: () => [u([2, 3], 1)] },
  scatterAdd: { f: (x, s) => ops.scatterAdd(x, [[2, 0], [2, 2]], s, { axis: 1 }).square(), inputs: () => [u([2, 3], 1), u([2, 2], 2)] },
  // ops batch B: indexing, search and sort, shape (composites too: their gradients come from the ops they are built on)
  index: { f: (x) => ops.index(x, [null, [1, -1], '...', 0]).square(), inputs: () => [u([4, 3, 2], 1)] },
  indexSelect: { f: (x) => ops.indexSelect(x, 1, [2, 0, 2]).square(), inputs: () => [u([2, 3], 1)] },
  maskedFill: { f: (x) => ops.maskedFill(x, [[1, 0, 0], [0, 0, 1]], 2).square(), inputs: () => [u([3], 1)] },
  maxWithIndices: { f: (x) => ops.maxWithIndices(x, { axis: 1 }).values.square(), inputs: () => [distinct([3, 4], 1)] },
  minWithIndices: { f: (x) => ops.minWithIndices(x, { axis: 0, keepdims: true }).values.square(), inputs: () => [distinct([3, 4], 1)] },
  sort: { f: (x) => ops.sort(x, { descending: true }).values.square(), inputs: () => [distinct([2, 4], 1)] },
  topk: { f: (x) => ops.topk(x, 2, { axis: 0 }).values.square(), inputs: () => [distinct([3, 2], 1)] },
  split: { f: (x) => ops.concat(ops.split(x, [2, 1], 1).reverse(), { axis: 1 }).square(), inputs: () => [u([2, 3], 1)] },
  chunk: { f: (x) => ops.chunk(x, 2, 0)[1].square(), inputs: () => [u([3, 2], 1)] },
  pad: { f: (x) => ops.pad(x, [2, 1, 1, -1], { mode: 'reflect' }).square(), inputs: () => [u([3, 4], 1)] },
  flip: { f: (x) => ops.flip(x, [0, -1]).square(), inputs: () => [u([2, 3], 1)] },
  repeat: { f: (x) => ops.repeat(x, [2, 1, 2]).square(), inputs: () => [u([2, 3], 1)] },
  tile: { f: (x) => ops.tile(x, [2]).square(), inputs: () => [u([2, 3], 1)] },
  tril: { f: (x) => ops.tril(x, 1).square(), inputs: () => [u([3, 4], 1)] },
  triu: { f: (x) => ops.triu(x, -1).square(), inputs: () => [u([2, 3, 3], 1)] },
  flatten: { f: (x) => ops.flatten(x, 1).square(), inputs: () => [u([2, 3, 2], 1)] },
  unflatten: { f: (x) => ops.unflatten(x, 1, [2, -1]).square(), inputs: () => [u([2, 6], 1)] },
  einsum: { f: (a, b) => ops.einsum('bij,bjk->bik', a, b).square(), inputs: () => [u([2, 2, 3], 1), u([2, 3, 2], 2)] },
  // Math, activations, reductions and scans of issue 9 (one block, kept together)
  sin: { f: (x) => ops.sin(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  cos: { f: (x) => ops.cos(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  tan: { f: (x) => ops.tan(x), inputs: () => [u([2, 3], 1, -1.2, 1.2)] },
  asin: { f: (x) => ops.asin(x), inputs: () => [u([2, 3], 1, -0.9, 0.9)] },
  acos: { f: (x) => ops.acos(x), inputs: () => [u([2, 3], 1, -0.9, 0.9)] },
  atan: { f: (x) => ops.atan(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  atan2: { f: (a, b) => ops.atan2(a, b), inputs: () => [offKink([2, 3], 1), offKink([3], 2)] },
  sinh: { f: (x) => ops.sinh(x), inputs: () => [u([2, 3], 1, -2, 2)] },
  cosh: { f: (x) => ops.cosh(x), inputs: () => [u([2, 3], 1, -2, 2)] },
  log1p: { f: (x) => ops.log1p(x), inputs: () => [u([2, 3], 1, -0.5, 2)] },
  expm1: { f: (x) => ops.expm1(x), inputs: () => [u([2, 3], 1)] },
  log2: { f: (x) => ops.log2(x), inputs: () => [positive([2, 3], 1)] },
  log10: { f: (x) => ops.log10(x), inputs: () => [positive([2, 3], 1)] },
  erf: { f: (x) => ops.erf(x), inputs: () => [u([2, 3], 1, -2, 2)] },
  reciprocal: { f: (x) => ops.reciprocal(x), inputs: () => [offKink([2, 3], 1)] },
  rsqrt: { f: (x) => ops.rsqrt(x), inputs: () => [positive([2, 3], 1)] },
  // piecewise constant: gradcheck between the jumps (integers for floor and ceil, halves for round)
  floor: { f: (x) => ops.floor(x).add(x.square()), inputs: () => [u([2, 3], 1, 0.1, 0.9)], secondOrder: false },
  ceil: { f: (x) => ops.ceil(x).add(x.square()), inputs: () => [u([2, 3], 1, 0.1, 0.9)], secondOrder: false },
  round: { f: (x) => ops.round(x).add(x.square()), inputs: () => [u([2, 3], 1, 0.6, 1.4)], secondOrder: false },
  gelu: { f: (x) => ops.gelu(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  geluTanh: { f: (x) => ops.gelu(x, { approximate: 'tanh' }), inputs: () => [u([2, 3], 1, -3, 3)] },
  silu: { f: (x) => ops.silu(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  mish: { f: (x) => ops.mish(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  softplus: { f: (x) => ops.softplus(x, { beta: 2, threshold: 4 }), inputs: () => [u([2, 3], 1, -1.5, 1.5)] },
  logSigmoid: { f: (x) => ops.logSigmoid(x), inputs: () => [u([2, 3], 1, -3, 3)] },
  leakyRelu: { f: (x) => ops.leakyRelu(x, { negativeSlope: 0.2 }), inputs: () => [offKink([2, 3], 1)], secondOrder: false },
  elu: { f: (x) => ops.elu(x, { alpha: 0.5 }), inputs: () => [offKink([2, 3], 1)] },
  selu: { f: (x) => ops.selu(x), inputs: () => [offKink([2, 3], 1)] },
  hardtanh: { f: (x) => ops.hardtanh(x, { minVal: -0.5, maxVal: 0.5 }), inputs: () => [offKink([2, 3], 1)], secondOrder: false },
  var: { f: (x) => ops.var(x, { axes: 1, keepdims: true }), inputs: () => [u([2, 3], 1)] },
  varPopulation: { f: (x) => ops.var(x, { correction: 0 }), inputs: () => [u([2, 3], 1)] },
  std: { f: (x) => ops.std(x, { axes: [0, 2] }), inputs: () => [u([2, 3, 2], 1)] },
  norm: { f: (x) => ops.norm(x, { axes: 1 }), inputs: () => [u([2, 3], 1)] },
  norm1: { f: (x) => ops.norm(x, { p: 1, axes: 0 }), inputs: () => [offKink([2, 3], 1)], secondOrder: false },
  normInf: { f: (x) => ops.norm(x, { p: Infinity, axes: -1, keepdims: true }), inputs: () => [offKink([2, 3], 1)], secondOrder: false },
  norm3: { f: (x) => ops.norm(x, { p: 3 }), inputs: () => [offKink([2, 3], 1)] },
  normHalf: { f: (x) => ops.norm(x, { p: 0.5, axes: 1 }), inputs: () => [offKink([2, 3], 1)] },
  prod: { f: (x) => ops.prod(x, { axes: [0, 2] }), inputs: () => [u([2, 3, 2], 1)] },
  // zeros in the slice: the gradient is still the product of the others, in every order
  prodWithZeros: { f: (x) => ops.prod(x, { axes: 1 }), inputs: () => [t64([0, 1.5, -0.7, 0, 0, 2, 0.3, 1.2, 0.5], [3, 3])] },
  cumsum: { f: (x) => ops.cumsum(x, { axis: 1 }).square(), inputs: () => [u([2, 3], 1)] },
  cumsumReverse: { f: (x) => ops.cumsum(x, { axis: 0, reverse: true }).square(), inputs: () => [u([3, 2], 1)] },
  cumprod: { f: (x) => ops.cumprod(x, { axis: 1 }), inputs: () => [u([2, 4], 1)] },
  cumprodWithZeros: { f: (x) => ops.cumprod(x, { axis: -1, reverse: true }), inputs: () => [t64([0, 1.5, -0.7, 0, 2, 0, 0.3, 1.2], [2, 4])] },
};

/**
 * Every built-in op, each defined with {@link defineOp} like a user's custom op, and the functions
 * composed from them (mean, transpose, stack, softmax, ...). Every name here has a Tensor method of
 * the same name unless listed in `FREE_FUNCTIONS` below; the compiler checks that (tensor.ts).
 * @module
 */
export { add, sub, mul, div, neg, pow, square } from './arithmetic.js';
export { exp, log, sqrt, abs, sign } from './unary.js';
export { sigmoid, tanh, relu } from './activation.js';
export { gt, ge, lt, le, eq, ne, where, maximum, minimum, clamp, type ClampOptions } from './select.js';
export { sum, mean, max, min, type ReduceOptions } from './reduce.js';
export { matmul, type MatmulOptions } from './matmul.js';
export { reshape, permute, transpose, expand, broadcastTo, slice, concat, stack, squeeze, unsqueeze, cast, clone, type SliceOptions } from './layout.js';
export { softmax, logSoftmax, logsumexp } from './softmax.js';
export { gather, scatterAdd, type AxisOptions } from './indexing.js';

/** The ops that are functions only, with no Tensor method: they take a list of tensors, or PyTorch has no method either. */
export type FreeFunctions = 'concat' | 'stack' | FreeFunctionsB | FreeFunctionsConv;

// ops batch B: indexing, search and sort, shape, sampling and encoding
export { indexSelect } from './index-select.js';
export { maskedFill } from './masked-fill.js';
export { index, type IndexItem, type IndexRange } from './basic-index.js';
export { argmax, argmin, maxWithIndices, minWithIndices, type ArgOptions, type ValuesAndIndices } from './search.js';
export { argsort, sort, topk, type SortOptions, type TopkOptions } from './sort.js';
export { split, chunk } from './split.js';
export { pad, type PadMode, type PadOptions } from './pad.js';
export { flip } from './flip.js';
export { repeat, tile } from './repeat.js';
export { tril, triu } from './triangular.js';
export { flatten, unflatten } from './flatten.js';
export { einsum } from './einsum.js';
export { oneHot } from './one-hot.js';
export { randperm, randint, multinomial, bernoulli, type SamplingOptions, type MultinomialOptions } from './sampling.js';
/** Batch B's functions without a Tensor method: PyTorch has none for them either. */
export type FreeFunctionsB = 'pad' | 'einsum' | 'oneHot' | 'randperm' | 'randint';

// Math, activations, reductions and scans of issue 9 (one block, kept together)
export { sin, cos, tan, asin, acos, atan, atan2, sinh, cosh } from './trig.js';
export { log1p, expm1, log2, log10 } from './log-exp.js';
export { erf } from './erf.js';
export { reciprocal, rsqrt } from './power.js';
export { floor, ceil, round, type RoundOptions } from './rounding.js';
export { gelu, silu, mish, type GeluOptions } from './gated.js';
export { softplus, logSigmoid, type SoftplusOptions } from './softplus.js';
export { leakyRelu, elu, selu, hardtanh, type LeakyReluOptions, type EluOptions, type HardtanhOptions } from './relu-family.js';
export { variance as var, std, type VarOptions } from './moments.js';
export { norm, type NormOptions } from './norm.js';
export { prod } from './prod.js';
export { cumsum, cumprod, type ScanOptions } from './scan.js';

// convolution and pooling (PyTorch has them in torch.nn.functional, not as Tensor methods)
export { conv1d, conv2d, type ConvOptions, type ConvPadding } from './conv.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pool.js';
/** The convolution and pooling functions: free functions, as in PyTorch's `torch.nn.functional`. */
export type FreeFunctionsConv = 'conv1d' | 'conv2d' | 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d';

/**
 * Every built-in op, each defined with {@link defineOp} like a user's custom op.
 * @module
 */
export { add, sub, mul, div, neg, pow, square } from './arithmetic.js';
export { exp, log, sqrt, abs, sign } from './unary.js';
export { sigmoid, tanh, relu } from './activation.js';
export { gt, ge, lt, le, eq, ne, where, maximum, minimum, clamp } from './select.js';
export { sum, mean, max, min, type ReduceOptions } from './reduce.js';
export { matmul } from './matmul.js';
export { reshape, permute, transpose, expand, broadcastTo, slice, concat, stack, squeeze, unsqueeze, cast, clone } from './layout.js';
export { softmax, logSoftmax } from './softmax.js';

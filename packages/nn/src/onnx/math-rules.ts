/**
 * The op tables' rules for core's math, activation, reduction and scan ops (trigonometry, the
 * logarithm family, erf, rounding, softplus, the relu family, var/std, norm, prod, cumsum, cumprod):
 * how each is written as ONNX nodes, and how the ONNX ops among them are read back.
 *
 * Where ONNX has the op, the rule writes it (Sin, Erf, Round, CumSum, ReduceProd, ...). Where it
 * has none, the rule writes the composition that computes what chainrule computes, and its comment
 * says how close that is. ONNX Runtime's CPU kernels (1.30) have no float64 Tan, Asin, Acos, Atan,
 * Sinh, Cosh, Erf or Softplus: a float64 model using them (or atan2, gelu's normal CDF, mish or
 * logSigmoid, written with them) runs there when exported with `dtype: 'float32'`.
 * @module
 */
import { ChainruleError, Tensor, elu, norm, pad, prod, selu, tensor } from '@chainrule/core';
import { DataType } from './onnx-proto.js';
import { bin, clip, int, positive, positiveAxis, reduceAxes, reduceImport, reduceNode, unary, type ExportNode, type ExportRule, type ImportNode, type ImportRule, type OnnxEmitter } from './rule-kit.js';

// ------------------------------------------------------------------ export: compositions

/** Whether x's sign bit is set, as a BOOL: x < 0, or x = −0 (1/−0 = −Infinity; 1/−Infinity = −0 is why both tests are needed). */
function signBit(b: OnnxEmitter, x: string): string {
  const zero = b.scalar(0);
  return b.node('Or', [b.node('Less', [x, zero]), b.node('Less', [b.node('Reciprocal', [x]), zero])]);
}

/**
 * atan2(y, x) (core's `atan2(a, b)`, y first, as C and PyTorch) has no ONNX op. Composed as
 * Atan(y/x), plus π with the sign of y where x's sign bit is set (x < 0 or x = −0), which is C99's
 * atan2 in all four quadrants and on the axes: atan2(±0, −0) = ±π, atan2(±0, +0) = ±0,
 * atan2(y > 0, ±0) = π/2. The two cases where y/x is NaN are replaced first: both zero (the ratio
 * becomes y/1 = ±0) and both infinite (sign(y)/sign(x) = ±1, so ±π/4 and ±3π/4). The result is
 * within a few ulps of chainrule's `Math.atan2` (one rounding of y/x, Atan's, and the sum with π).
 */
function exportAtan2(b: OnnxEmitter, n: ExportNode): string {
  const [y, x] = n.inputs;
  const bothInfinite = b.node('And', [b.node('IsInf', [y]), b.node('IsInf', [x])]);
  const bothZero = b.node('And', [b.node('Equal', [y, b.scalar(0)]), b.node('Equal', [x, b.scalar(0)])]);
  const num = b.node('Where', [bothInfinite, b.node('Sign', [y]), y]);
  const den = b.node('Where', [bothInfinite, b.node('Sign', [x]), b.node('Where', [bothZero, b.scalar(1), x])]);
  const angle = b.node('Atan', [b.node('Div', [num, den])]);
  const halfTurn = b.node('Where', [signBit(b, y), b.scalar(-Math.PI), b.scalar(Math.PI)]);
  return b.node('Where', [signBit(b, x), b.node('Add', [angle, halfTurn]), angle]);
}

/**
 * Whether u − 1 = `d` is not 0, as a BOOL: |d| > 0 (false for NaN, where x is NaN too). Where it is
 * 0, log1p and expm1 return x itself, which is then Where's second value: ONNX Runtime 1.30's Where
 * turns a −0 it selects from its first value into +0, and log1p(−0) and expm1(−0) are −0 (measured;
 * Not(Equal) would not do, ONNX Runtime fuses Not into Where by swapping the values back).
 */
const changed = (b: OnnxEmitter, d: string): string => b.node('Greater', [b.node('Abs', [d]), b.scalar(0)]);

/**
 * log1p has no ONNX op, and Log(1 + x) loses the digits of a small x (log(1 + 1e-17) is 0). Written
 * in the corrected form instead: with u = 1 + x (rounded), log1p(x) = log(u)·x/(u − 1), where the
 * factor x/(u − 1) undoes the rounding of u, so the result stays within a few ulps; x itself where u rounds to 1 (so
 * log1p(1e-17) = 1e-17 and log1p(−0) = −0), and log(u) where u − 1 is infinite.
 */
function exportLog1p(b: OnnxEmitter, n: ExportNode): string {
  const x = n.inputs[0];
  const u = b.node('Add', [x, b.scalar(1)]);
  const d = b.node('Sub', [u, b.scalar(1)]);
  const ratio = b.node('Where', [b.node('IsInf', [d]), b.scalar(1), b.node('Div', [x, d])]);
  return b.node('Where', [changed(b, d), b.node('Mul', [b.node('Log', [u]), ratio]), x]);
}

/**
 * expm1(x) as ONNX nodes: Exp(x) − 1 alone cancels for small x (exp(1e-17) − 1 is 0), so the
 * corrected form: with u = eˣ (rounded), expm1(x) = (u − 1)·(x / log u), where x / log u undoes
 * the rounding of u, within a few ulps; x itself
 * where u rounds to 1, and u − 1 where that is −1 (x below −37) or u is infinite. The product is
 * taken as (u − 1)·(x / log u), not (u − 1)·x / log u, which would overflow near x = 709.
 */
function expm1Node(b: OnnxEmitter, x: string): string {
  const u = b.node('Exp', [x]);
  const d = b.node('Sub', [u, b.scalar(1)]);
  const corrected = b.node('Mul', [d, b.node('Div', [x, b.node('Log', [u])])]);
  const saturated = b.node('Or', [b.node('Equal', [d, b.scalar(-1)]), b.node('IsInf', [u])]);
  return b.node('Where', [changed(b, d), b.node('Where', [saturated, d, corrected]), x]);
}

/**
 * elu and selu: x·pos above 0, neg·expm1(x) at and below 0, as core computes them, with the
 * constants in the file's float type and expm1 written as {@link expm1Node}. Not ONNX's Elu/Selu:
 * those take alpha and gamma as float32 attributes (SELU's constants lose 8 digits in a float64
 * file), compute eˣ − 1 directly (a relative error of ε/|x| near 0), and have no float64 kernel in
 * ONNX Runtime.
 */
const eluFamily =
  (coefficients: (n: ExportNode) => { neg: number; pos: number }): ExportRule =>
  (b, n) => {
    const x = n.inputs[0];
    const { neg, pos } = coefficients(n);
    const above = pos === 1 ? x : b.node('Mul', [x, b.scalar(pos)]);
    const below = b.node('Mul', [expm1Node(b, x), b.scalar(neg)]);
    return b.node('Where', [b.node('Greater', [x, b.scalar(0)]), above, below]);
  };

/** selu's constants, read from core's selu itself so that they cannot drift: selu(1) = scale, selu(−∞) = −alpha·scale. */
function seluCoefficients(): { neg: number; pos: number } {
  return { neg: -selu(tensor(-Infinity)).item(), pos: selu(tensor(1)).item() };
}

/**
 * core's round: Round (ONNX's is half to even, as chainrule's and torch.round); with decimals,
 * Round(x·10^d)/10^d as core computes it (Round(x/10^−d)·10^−d for d < 0), the same two roundings.
 */
function exportRound(b: OnnxEmitter, n: ExportNode): string {
  const d = (n.params as { decimals?: number } | undefined)?.decimals ?? 0;
  const x = n.inputs[0];
  if (d === 0) return b.node('Round', [x]);
  const scale = b.scalar(Math.pow(10, Math.abs(d)));
  return d > 0 ? b.node('Div', [b.node('Round', [b.node('Mul', [x, scale])]), scale]) : b.node('Mul', [b.node('Round', [b.node('Div', [x, scale])]), scale]);
}

/**
 * core's softplus: ONNX's Softplus, log(1 + eˣ) (ONNX Runtime computes it in the stable form), of
 * βx divided by β, and x itself where βx > threshold (PyTorch's linear region, which
 * torch.onnx.export leaves out); no Where for an infinite threshold (mish, logSigmoid).
 */
function exportSoftplus(b: OnnxEmitter, n: ExportNode): string {
  const { beta = 1, threshold = 20 } = (n.params ?? {}) as { beta?: number; threshold?: number };
  const x = n.inputs[0];
  const z = beta === 1 ? x : b.node('Mul', [x, b.scalar(beta)]);
  const smooth = beta === 1 ? b.node('Softplus', [z]) : b.node('Div', [b.node('Softplus', [z]), b.scalar(beta)]);
  return threshold === Infinity ? smooth : b.node('Where', [b.node('Greater', [z, b.scalar(threshold)]), x, smooth]);
}

/**
 * core's leakyRelu: ONNX's LeakyRelu, whose alpha is a float32 attribute. In a float64 file a slope
 * that float32 cannot hold (the default 0.01) would be off by 2e-8 relative, so there it is written
 * as Where(x > 0, x, x·slope) with the slope in float64. (For a negative slope, +0 maps to −0 in
 * chainrule and to +0 in LeakyRelu, which passes x ≥ 0 through.)
 */
function exportLeakyRelu(b: OnnxEmitter, n: ExportNode): string {
  const slope = (n.params as { negativeSlope?: number } | undefined)?.negativeSlope ?? 0.01;
  const x = n.inputs[0];
  if (b.floatType === DataType.FLOAT || Math.fround(slope) === slope) return b.node('LeakyRelu', [x], [{ name: 'alpha', kind: 'float', value: slope }]);
  return b.node('Where', [b.node('Greater', [x, b.scalar(0)]), x, b.node('Mul', [x, b.scalar(slope)])]);
}

/**
 * The number of elements reduced over `axes`, in the file's float type: a constant, or computed
 * from Shape when an axis varies with the batch.
 */
function reducedCount(b: OnnxEmitter, n: ExportNode, axes: readonly number[]): string {
  if (!axes.some((a) => n.inputDynamic[0][a])) return b.scalar(axes.reduce((c, a) => c * n.inputShapes[0][a], 1));
  const sizes = b.node('Gather', [b.node('Shape', [n.inputs[0]]), b.int64s(axes)], [int('axis', 0)]);
  return b.node('Cast', [b.node('ReduceProd', [sizes], [int('keepdims', 0)])], [int('to', b.floatType)]);
}

/**
 * var and std: ReduceSum((x − ReduceMean(x))²) / max(n − correction, 0), then Sqrt for std. The
 * count n follows a dynamic batch. core's kernel also subtracts (Σd)²/n, the error of the rounded
 * mean; that term is of the order of ε² relative except for data far from 0 (the population variance
 * of [1e16, 1e16 + 2] is 1 in chainrule, 2 in this composition and in PyTorch).
 */
const moments =
  (root: boolean): ExportRule =>
  (b, n) => {
    const params = (n.params ?? {}) as { correction?: number; keepdims?: boolean };
    const axes = reduceAxes(n.params, n.inputShapes[0].length);
    const x = n.inputs[0];
    const d = b.node('Sub', [x, reduceNode(b, 'ReduceMean', x, axes, true)]);
    const squares = reduceNode(b, 'ReduceSum', b.node('Mul', [d, d]), axes, params.keepdims === true);
    const correction = params.correction ?? 1;
    const dof = axes.some((a) => n.inputDynamic[0][a])
      ? b.node('Max', [b.node('Sub', [reducedCount(b, n, axes), b.scalar(correction)]), b.scalar(0)])
      : b.scalar(Math.max(0, axes.reduce((c, a) => c * n.inputShapes[0][a], 1) - correction));
    const variance = b.node('Div', [squares, dof]);
    return root ? b.node('Sqrt', [variance]) : variance;
  };

/**
 * core's norm: ReduceL1 (p = 1), ReduceL2 (p = 2), ReduceMax(Abs) (p = Infinity), and
 * Pow(ReduceSum(Pow(Abs(x), p)), 1/p) otherwise. NOTE: core scales by a power of two near the
 * largest |x| before summing, so its 2-norm of [1e200, 1e200] is 1.414e200 where ReduceL2 (and
 * PyTorch) overflow to Infinity; the same below 1e-154, where the squares underflow. Elsewhere the
 * results agree to the order of summation.
 */
function exportNorm(b: OnnxEmitter, n: ExportNode): string {
  const { p = 2, keepdims = false } = (n.params ?? {}) as { p?: number; keepdims?: boolean };
  const axes = reduceAxes(n.params, n.inputShapes[0].length);
  const x = n.inputs[0];
  if (p === 1) return reduceNode(b, 'ReduceL1', x, axes, keepdims);
  if (p === 2) return reduceNode(b, 'ReduceL2', x, axes, keepdims);
  const magnitude = b.node('Abs', [x]);
  if (p === Infinity) return reduceNode(b, 'ReduceMax', magnitude, axes, keepdims);
  const sum = reduceNode(b, 'ReduceSum', b.node('Pow', [magnitude, b.scalar(p)]), axes, keepdims);
  return b.node('Pow', [sum, b.scalar(1 / p)]);
}

/** The scan axis of cumsum/cumprod; a rank-0 input scans one element (the identity). */
function scanAxis(n: ExportNode): number | null {
  const rank = n.inputShapes[0].length;
  return rank === 0 ? null : positiveAxis((n.params as { axis: number }).axis, rank);
}

/**
 * cumprod has no ONNX op, and Exp(CumSum(Log(x))) is wrong for negative x and zeros. Written as a
 * triangular-mask product instead: x with a new axis before the scanned one, [..., 1, n, ...], a
 * mask of which x_j are factors of out_i (j ≤ i, a lower Trilu of ones; j ≥ i from the end),
 * Where(mask, x, 1), and ReduceProd over the factors. Every factor is x_j itself or exactly 1, so
 * zeros, negatives, infinities and NaN give what the running product gives; only the order of the
 * multiplications may differ. It takes n² elements per scanned row. A scanned axis that varies
 * with the batch gets its size from Shape.
 */
function exportCumprod(b: OnnxEmitter, n: ExportNode): string {
  const x = n.inputs[0];
  const axis = scanAxis(n);
  if (axis === null) return b.node('Identity', [x]);
  const reverse = (n.params as { reverse?: boolean }).reverse === true;
  const length = n.inputShapes[0][axis];
  const size = n.inputDynamic[0][axis] ? b.node('Shape', [x], [int('start', axis), int('end', axis + 1)]) : null;
  const square = size === null ? b.int64s([length, length]) : b.node('Concat', [size, size], [int('axis', 0)]);
  let mask = b.node('Cast', [b.node('Trilu', [b.node('Expand', [b.scalar(1), square])], [int('upper', reverse ? 1 : 0)])], [int('to', DataType.BOOL)]);
  const trailing = n.inputShapes[0].length - axis - 1;
  if (trailing > 0) mask = b.node('Unsqueeze', [mask, b.int64s(Array.from({ length: trailing }, (_, i) => 2 + i))]);
  const factors = b.node('Where', [mask, b.node('Unsqueeze', [x, b.int64s([axis])]), b.scalar(1)]);
  return b.node('ReduceProd', [factors], [{ name: 'axes', kind: 'ints', value: [axis + 1] }, int('keepdims', 0)]);
}

/**
 * chainrule op name → its ONNX form, for core's math, activation, reduction and scan ops. Spread
 * into {@link EXPORT_RULES}.
 * @example
 * ```ts
 * Object.keys(MATH_EXPORT_RULES).includes('cumprod'); // true: a triangular-mask product
 * ```
 */
export const MATH_EXPORT_RULES: Readonly<Record<string, ExportRule>> = {
  sin: unary('Sin'),
  cos: unary('Cos'),
  tan: unary('Tan'),
  asin: unary('Asin'),
  acos: unary('Acos'),
  atan: unary('Atan'),
  sinh: unary('Sinh'),
  cosh: unary('Cosh'),
  atan2: exportAtan2,
  log1p: exportLog1p,
  expm1: (b, n) => expm1Node(b, n.inputs[0]),
  // log2 and log10 as Log(x)/ln b: within 2 ulps, but not exact at powers of the base (log10(1000) = 2.9999999999999996)
  log2: (b, n) => b.node('Div', [b.node('Log', [n.inputs[0]]), b.scalar(Math.LN2)]),
  log10: (b, n) => b.node('Div', [b.node('Log', [n.inputs[0]]), b.scalar(Math.LN10)]),
  erf: unary('Erf'),
  // normalCdf (gelu's Φ) as ½(1 + erf(x/√2)), as torch.onnx.export writes gelu; NOTE: core computes
  // ½erfc(−x/√2), which keeps its relative precision in the lower tail, where 1 + erf cancels
  // (ONNX has no Erfc): from x ≈ −8.3 on this form is 0
  normalCdf: (b, n) => b.node('Mul', [b.node('Add', [b.node('Erf', [b.node('Mul', [n.inputs[0], b.scalar(Math.SQRT1_2)])]), b.scalar(1)]), b.scalar(0.5)]),
  reciprocal: unary('Reciprocal'),
  // rsqrt as core computes it, 1/√x: two correctly rounded steps, the same result
  rsqrt: (b, n) => b.node('Reciprocal', [b.node('Sqrt', [n.inputs[0]])]),
  floor: unary('Floor'),
  ceil: unary('Ceil'),
  round: exportRound,
  softplus: exportSoftplus,
  leakyRelu: exportLeakyRelu,
  elu: eluFamily((n) => ({ neg: (n.params as { alpha?: number } | undefined)?.alpha ?? 1, pos: 1 })),
  selu: eluFamily(seluCoefficients),
  // hardtanh's values are Clip's (their gradients differ at the bounds, which a forward file does not carry)
  hardtanh: (b, n) => {
    const { minVal = -1, maxVal = 1 } = (n.params ?? {}) as { minVal?: number; maxVal?: number };
    return clip(b, n.inputs[0], minVal, maxVal);
  },
  var: moments(false),
  std: moments(true),
  norm: exportNorm,
  prod: (b, n) => reduceNode(b, 'ReduceProd', n.inputs[0], reduceAxes(n.params, n.inputShapes[0].length), n.params?.keepdims === true),
  // CumSum adds in order along the axis, as core's running sum (reverse: from the end)
  cumsum: (b, n) => {
    const axis = scanAxis(n);
    if (axis === null) return b.node('Identity', [n.inputs[0]]);
    return b.node('CumSum', [n.inputs[0], b.int64(axis)], [int('reverse', n.params.reverse === true ? 1 : 0)]);
  },
  cumprod: exportCumprod,
};

// ------------------------------------------------------------------ import

/**
 * ONNX CumSum: cumsum along the axis input; `exclusive` leaves each element out of its own sum,
 * which is the inclusive sums moved one place with 0 entering (a pad that grows one end and crops
 * the other), exact where sums − x would round.
 */
function importCumSum(n: ImportNode): Tensor {
  const x = n.x(0);
  if (x.ndim === 0) throw new ChainruleError(`importOnnx: CumSum '${n.label}' scans a rank-0 input; ONNX's CumSum needs an axis (rank 1 or more)`);
  const axis = positive(n.ints(1), x.ndim)[0];
  const reverse = n.int('reverse', 0) === 1;
  const sums = x.cumsum(axis, { reverse });
  if (n.int('exclusive', 0) === 0) return sums;
  const amounts = new Array<number>(2 * (x.ndim - axis)).fill(0);
  const at = 2 * (x.ndim - 1 - axis); // core's pad lists the last axis first: [before, after, ...]
  [amounts[at], amounts[at + 1]] = reverse ? [-1, 1] : [1, -1];
  return pad(sums, amounts);
}

/** ONNX's float attributes are float32: the defaults as ONNX Runtime reads them. */
const F32 = { leakyAlpha: Math.fround(0.01), seluAlpha: 1.67326319217681884765625, seluGamma: 1.05070102214813232421875 };

/**
 * ONNX op type → chainrule, for the ONNX ops of {@link MATH_EXPORT_RULES} (and the boolean And/Or
 * its compositions use). Spread into {@link IMPORT_RULES}.
 * @example
 * ```ts
 * Object.keys(MATH_IMPORT_RULES).includes('CumSum'); // true
 * ```
 */
export const MATH_IMPORT_RULES: Readonly<Record<string, ImportRule>> = {
  Sin: (n) => n.x(0).sin(),
  Cos: (n) => n.x(0).cos(),
  Tan: (n) => n.x(0).tan(),
  Asin: (n) => n.x(0).asin(),
  Acos: (n) => n.x(0).acos(),
  Atan: (n) => n.x(0).atan(),
  Sinh: (n) => n.x(0).sinh(),
  Cosh: (n) => n.x(0).cosh(),
  Erf: (n) => n.x(0).erf(),
  Reciprocal: (n) => n.x(0).reciprocal(),
  Floor: (n) => n.x(0).floor(),
  Ceil: (n) => n.x(0).ceil(),
  // ONNX's Round is half to even, as chainrule's
  Round: (n) => n.x(0).round(),
  // ONNX's Softplus has no linear region
  Softplus: (n) => n.x(0).softplus({ threshold: Infinity }),
  LeakyRelu: (n) => n.x(0).leakyRelu({ negativeSlope: n.float('alpha', F32.leakyAlpha) }),
  Elu: (n) => elu(n.x(0), { alpha: n.float('alpha', 1) }),
  // gamma·elu(x, alpha) is ONNX's Selu with the file's constants (chainrule's selu has PyTorch's, in float64)
  Selu: (n) => elu(n.x(0), { alpha: n.float('alpha', F32.seluAlpha) }).mul(n.float('gamma', F32.seluGamma)),
  CumSum: importCumSum,
  ReduceProd: reduceImport(false, (x, axes, keepdims) => prod(x, { axes, keepdims })),
  ReduceL1: reduceImport(false, (x, axes, keepdims) => norm(x, { p: 1, axes, keepdims })),
  ReduceL2: reduceImport(false, (x, axes, keepdims) => norm(x, { p: 2, axes, keepdims })),
  // booleans travel as 1 and 0
  And: bin((a, b) => a.minimum(b)),
  Or: bin((a, b) => a.maximum(b)),
};

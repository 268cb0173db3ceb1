/**
 * The op tables of the ONNX hand-off: how each chainrule op is written as ONNX nodes
 * ({@link EXPORT_RULES}, keyed by the op's name as its graph node records it), and how each ONNX
 * node type is computed with chainrule ops ({@link IMPORT_RULES}, keyed by ONNX op type), so an
 * imported model is differentiable and trainable.
 *
 * Adding an op is one entry in each table: `gelu: unary('Gelu')` here, `Gelu: (n) => gelu(n.x(0))`
 * there. An op missing from EXPORT_RULES is refused by `exportOnnx` with its name, an ONNX op type
 * missing from IMPORT_RULES by `importOnnx`. The rules of core's math, activation, reduction and
 * scan ops (sin ... cumprod) are kept in math-rules.ts and spread into both tables.
 *
 * The rules target ONNX opset 17 (`ReduceSum` takes its axes as an input since opset 13, the other
 * reductions as an attribute until opset 18).
 * @module
 */
import {
  ChainruleError,
  Tensor,
  adaptiveAvgPool2d,
  arange,
  avgPool2d,
  conv1d,
  conv2d,
  maxPool2d,
  argmax,
  argmin,
  broadcastShapes,
  clamp,
  concat,
  einsum,
  flip,
  full,
  indexSelect,
  oneHot,
  pad,
  repeat,
  slice,
  split,
  tensor,
  topk,
  tril,
  triu,
  where,
} from '@chainrule/core';
import { linear } from '../linear.js';
import { DataType } from './onnx-proto.js';
import { MATH_EXPORT_RULES, MATH_IMPORT_RULES } from './math-rules.js';
import {
  bin,
  binary,
  clip,
  int,
  ints,
  positive,
  positiveAxis,
  reduceAxes,
  reduceImport,
  reduceNode,
  str,
  toFloat,
  unary,
  type ExportNode,
  type ExportRule,
  type ImportNode,
  type ImportRule,
  type OnnxEmitter,
} from './rule-kit.js';

export type { ExportNode, ExportRule, ImportNode, ImportRule, OnnxEmitter } from './rule-kit.js';

// ------------------------------------------------------------------ export

const reduce = (opType: 'ReduceSum' | 'ReduceMax' | 'ReduceMin'): ExportRule => (b, n) =>
  reduceNode(b, opType, n.inputs[0], reduceAxes(n.params, n.inputShapes[0].length), n.params?.keepdims === true);

/** A Transpose swapping the last two axes of a value of rank `rank`. */
function swapLast(b: OnnxEmitter, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return b.node('Transpose', [x], [ints('perm', perm)]);
}

/** A shape for Reshape/Expand with the batch-dependent dimension written as `dynamicAs`, refusing two. */
function targetShape(n: ExportNode, dynamicAs: (i: number) => number): number[] {
  const dyn = n.dynamic.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
  if (dyn.length > 1) throw new ChainruleError(`exportOnnx: ${n.op} to shape [${n.shape.join(', ')}] has ${dyn.length} dimensions that vary with the batch; only one can be exported`);
  return n.shape.map((d, i) => (n.dynamic[i] ? dynamicAs(i) : d));
}

const INT64_MAX = 9223372036854775807;
/** INT64's smallest value: a Slice end with a negative step that runs to the axis' start. */
const INT64_MIN = -9223372036854775808;

// ------------------------------------------------------------------ export: comparisons, indexing, search and sort, shape ops

/** A comparison as 1 or 0 in the model's float type (`ne` is Not(Equal): true where either is NaN, as chainrule's). */
const compare = (opType: 'Greater' | 'GreaterOrEqual' | 'Less' | 'LessOrEqual' | 'Equal', negate = false): ExportRule => (b, n) => {
  const test = b.node(opType, [n.inputs[0], n.inputs[1]]);
  return toFloat(b, negate ? b.node('Not', [test]) : test);
};

/** The parts of a range item of core's `index` (`':'`, `[start, end, step]` or `{ start, end, step }`). */
function rangeParts(item: unknown): [number | null, number | null, number | null] {
  const v = (x: unknown) => (typeof x === 'number' ? x : null);
  if (item === ':') return [null, null, null];
  if (Array.isArray(item)) return [v(item[0]), v(item[1]), v(item[2])];
  const r = item as { start?: unknown; end?: unknown; step?: unknown };
  return [v(r.start), v(r.end), v(r.step)];
}

/**
 * core's basic indexing as one Slice (ranges, and picked positions as one-element ranges), a Squeeze
 * of the picked axes and an Unsqueeze of the new ones. Slice clamps and counts negative bounds from
 * the end as Python does, so the file follows a dynamic batch.
 */
function exportIndex(b: OnnxEmitter, n: ExportNode): string {
  const items = n.params as readonly unknown[];
  const rank = n.inputShapes[0].length;
  const consumed = items.filter((i) => i !== null && i !== '...').length;
  const [starts, ends, axes, steps, picked, added] = [[], [], [], [], [], []] as number[][];
  let d = 0;
  let out = 0;
  for (const item of items) {
    if (item === null) added.push(out++);
    else if (item === '...') {
      d += rank - consumed;
      out += rank - consumed;
    } else if (typeof item === 'number') {
      starts.push(item);
      ends.push(item === -1 ? INT64_MAX : item + 1);
      axes.push(d);
      steps.push(1);
      picked.push(d++);
    } else {
      const [start, end, step] = rangeParts(item);
      if (start !== null || end !== null || (step !== null && step !== 1)) {
        starts.push(start ?? 0);
        ends.push(end ?? INT64_MAX);
        axes.push(d);
        steps.push(step ?? 1);
      }
      d++;
      out++;
    }
  }
  let x = n.inputs[0];
  if (axes.length > 0) x = b.node('Slice', [x, b.int64s(starts), b.int64s(ends), b.int64s(axes), b.int64s(steps)]);
  if (picked.length > 0) x = b.node('Squeeze', [x, b.int64s(picked)]);
  if (added.length > 0) x = b.node('Unsqueeze', [x, b.int64s(added)]);
  return x === n.inputs[0] ? b.node('Identity', [x]) : x;
}

/** argmax/argmin: ArgMax/ArgMin (first of the ties), over the flattened input when no axis is given. */
const argExtreme = (opType: 'ArgMax' | 'ArgMin'): ExportRule => (b, n) => {
  const { axis, keepdims } = (n.params ?? {}) as { axis?: number | null; keepdims?: boolean };
  const shape = n.inputShapes[0];
  if (shape.length === 0) return b.scalar(0); // a scalar's one position
  const flat = axis === undefined || axis === null;
  const x = flat ? b.node('Reshape', [n.inputs[0], b.int64s([-1])]) : n.inputs[0];
  let r = b.node(opType, [x], [int('axis', flat ? 0 : positiveAxis(axis, shape.length)), int('keepdims', !flat && keepdims === true ? 1 : 0), int('select_last_index', 0)]);
  if (flat && keepdims === true) r = b.node('Reshape', [r, b.int64s(shape.map(() => 1))]);
  return toFloat(b, r);
};

/**
 * The positions of one strided view of the input (einsum's diagonals), as a Gather from the
 * flattened input: exact, but the positions are fixed, so not along a dynamic batch.
 */
function exportTakeView(b: OnnxEmitter, n: ExportNode): string {
  if (n.inputDynamic[0].some((d) => d)) {
    throw new ChainruleError('exportOnnx: a strided view (takeView, the diagonal of einsum) of a value that varies with the batch cannot be exported with a dynamic batch; export with fixed shapes');
  }
  const { shape, strides, offset } = n.params as { shape: readonly number[]; strides: readonly number[]; offset: number };
  const positions: number[] = [];
  const walk = (axis: number, at: number) => {
    if (axis === shape.length) positions.push(at);
    else for (let i = 0; i < shape[axis]; i++) walk(axis + 1, at + i * strides[axis]);
  };
  walk(0, offset);
  const flat = b.node('Reshape', [n.inputs[0], b.int64s([-1])]);
  return b.node('Reshape', [b.node('Gather', [flat, b.int64s(positions)], [int('axis', 0)]), b.int64s(shape)]);
}

/**
 * core's pad: Pad with the amounts that grow (ONNX's order: every axis' start, then every axis'
 * end), then a Slice for those that crop; reflect and replicate ('edge') mirror about the input's
 * own edges, as core does, because the cropping comes after.
 */
function exportPad(b: OnnxEmitter, n: ExportNode): string {
  const { pads, mode, value } = n.params as { pads: readonly number[]; mode: 'constant' | 'reflect' | 'replicate'; value: number };
  const rank = n.inputShapes[0].length;
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  for (let k = 0; k < pads.length / 2; k++) {
    before[rank - 1 - k] = pads[2 * k];
    after[rank - 1 - k] = pads[2 * k + 1];
  }
  let x = n.inputs[0];
  const grow = [...before, ...after].map((v) => Math.max(v, 0));
  if (grow.some((v) => v > 0)) {
    const onnxMode = mode === 'replicate' ? 'edge' : mode;
    x = b.node('Pad', mode === 'constant' ? [x, b.int64s(grow), b.scalar(value)] : [x, b.int64s(grow)], [str('mode', onnxMode)]);
  }
  const crop = before.flatMap((v, d) => (v < 0 || after[d] < 0 ? [d] : []));
  if (crop.length > 0) {
    x = b.node('Slice', [x, b.int64s(crop.map((d) => Math.max(-before[d], 0))), b.int64s(crop.map((d) => (after[d] < 0 ? after[d] : INT64_MAX))), b.int64s(crop)]);
  }
  return x === n.inputs[0] ? b.node('Identity', [x]) : x;
}

/**
 * oneHot as Equal(index, 0..classes-1) cast to the float type (exactly F.one_hot; ONNX's OneHot
 * has no float64 kernel in ONNX Runtime). With the number of classes inferred from the values, it
 * is computed in the graph too (max + 1, then Range), so it follows the input.
 */
function exportOneHot(b: OnnxEmitter, n: ExportNode): string {
  const index = b.node('Cast', [n.inputs[0]], [int('to', DataType.INT64)]);
  const classes = n.shape[n.shape.length - 1];
  const asked = (n.params as number | undefined) ?? -1;
  const range =
    asked === -1
      ? b.node('Range', [b.int64(0), b.node('Add', [b.node('ReduceMax', [index], [int('keepdims', 0)]), b.int64(1)]), b.int64(1)])
      : b.int64s(Array.from({ length: classes }, (_, i) => i));
  return toFloat(b, b.node('Equal', [b.node('Unsqueeze', [index, b.int64s([-1])]), range]));
}

/** Comparisons, sign, and batch B of core's ops (indexing, search and sort, shape). */
const OPS_B_EXPORT_RULES: Readonly<Record<string, ExportRule>> = {
  gt: compare('Greater'),
  ge: compare('GreaterOrEqual'),
  lt: compare('Less'),
  le: compare('LessOrEqual'),
  eq: compare('Equal'),
  ne: compare('Equal', true),
  sign: unary('Sign'),
  index: exportIndex,
  takeView: exportTakeView,
  // maskedFill(x, mask, v): v where the mask is non-zero (Cast to BOOL: true for non-zero and NaN)
  maskedFill: (b, n) => b.node('Where', [b.node('Cast', [n.inputs[1]], [int('to', DataType.BOOL)]), b.scalar(n.params as number), n.inputs[0]]),
  argmax: argExtreme('ArgMax'),
  argmin: argExtreme('ArgMin'),
  // argsort: TopK over the whole axis (K from Shape, so a dynamic axis works); ties keep the lower index first, as core
  argsort: (b, n) => {
    const shape = n.inputShapes[0];
    if (shape.length === 0) return b.scalar(0);
    const { axis = -1, descending = false } = (n.params ?? {}) as { axis?: number; descending?: boolean };
    const a = positiveAxis(axis, shape.length);
    const k = b.node('Shape', [n.inputs[0]], [int('start', a), int('end', a + 1)]);
    const [, indices] = b.nodeOutputs('TopK', [n.inputs[0], k], [int('axis', a), int('largest', descending ? 1 : 0), int('sorted', 1)], 2);
    return toFloat(b, indices);
  },
  pad: exportPad,
  // flip: a Slice from the last element to before the first with step -1 along each axis
  flip: (b, n) => {
    const rank = n.inputShapes[0].length;
    const list = typeof n.params === 'number' ? [n.params] : (n.params as number[]);
    if (rank === 0 || list.length === 0) return b.node('Identity', [n.inputs[0]]);
    const axes = list.map((a) => positiveAxis(a, rank));
    return b.node('Slice', [n.inputs[0], b.int64s(axes.map(() => -1)), b.int64s(axes.map(() => INT64_MIN)), b.int64s(axes), b.int64s(axes.map(() => -1))]);
  },
  tril: (b, n) => b.node('Trilu', [n.inputs[0], b.int64((n.params as number | undefined) ?? 0)], [int('upper', 0)]),
  triu: (b, n) => b.node('Trilu', [n.inputs[0], b.int64((n.params as number | undefined) ?? 0)], [int('upper', 1)]),
  oneHot: exportOneHot,
};

// ------------------------------------------------------------------ export: convolution and pooling

/** ONNX's Conv and pools take a batch axis: an unbatched input ([C, ...]) gets one, and the result loses it. */
function batchedNode(b: OnnxEmitter, n: ExportNode, spatial: number, make: (x: string) => string): string {
  if (n.inputShapes[0].length === spatial + 2) return make(n.inputs[0]);
  return b.node('Squeeze', [make(b.node('Unsqueeze', [n.inputs[0], b.int64s([0])])), b.int64s([0])]);
}

/** core's conv1d/conv2d: Conv with strides, pads (ONNX order: every axis' start, then every end), dilations, group and the bias when there is one. */
function exportConv(b: OnnxEmitter, n: ExportNode): string {
  const { conv, hasBias } = n.params as { conv: { spatial: 1 | 2; stride: number[]; padding: number[]; dilation: number[]; groups: number }; hasBias: boolean };
  const two = conv.spatial === 2;
  const [pt, pb, pl, pr] = conv.padding;
  const attrs = [
    ints('kernel_shape', n.inputShapes[1].slice(2)),
    ints('strides', two ? conv.stride : [conv.stride[1]]),
    ints('pads', two ? [pt, pl, pb, pr] : [pl, pr]),
    ints('dilations', two ? conv.dilation : [conv.dilation[1]]),
    int('group', conv.groups),
  ];
  const weights = hasBias ? [n.inputs[1], n.inputs[2]] : [n.inputs[1]];
  return batchedNode(b, n, conv.spatial, (x) => b.node('Conv', [x, ...weights], attrs));
}

/** Whether a pool's output size needed ceil_mode: larger than the rounded-down size (PyTorch's last-window rule only ever brings it back to that). */
const pooledFloor = (size: number, k: number, s: number, p: number, d: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

/** core's maxPool2d: MaxPool with PyTorch's implicit −∞ padding, dilations and ceil_mode. */
function exportMaxPool(b: OnnxEmitter, n: ExportNode): string {
  const g = n.params.geometry as { h: number; w: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; oh: number; ow: number };
  const ceil = g.oh !== pooledFloor(g.h, g.kh, g.sh, g.ph, g.dh) || g.ow !== pooledFloor(g.w, g.kw, g.sw, g.pw, g.dw);
  const attrs = [ints('kernel_shape', [g.kh, g.kw]), ints('strides', [g.sh, g.sw]), ints('pads', [g.ph, g.pw, g.ph, g.pw]), ints('dilations', [g.dh, g.dw]), int('ceil_mode', ceil ? 1 : 0)];
  return batchedNode(b, n, 2, (x) => b.node('MaxPool', [x], attrs));
}

/**
 * core's avgPool2d: AveragePool with count_include_pad and ceil_mode (ONNX Runtime's window ends at
 * the padding's end, as PyTorch's). A divisorOverride is the full-window mean rescaled, which holds
 * only when no window is cut short by ceil mode; otherwise it is refused.
 */
function exportAvgPool(b: OnnxEmitter, n: ExportNode): string {
  const { plan, pool } = n.params as { plan: { h: number; w: number; oh: number; ow: number }; pool?: { kernel: number[]; stride: number[]; padding: number[]; countIncludePad: boolean; divisorOverride: number | null } };
  if (pool === undefined) throw new ChainruleError('exportOnnx: avgPool2d recorded without its arguments (kernel, stride, padding)');
  const [k, s, p] = [pool.kernel, pool.stride, pool.padding];
  const ceil = plan.oh !== pooledFloor(plan.h, k[0], s[0], p[0], 1) || plan.ow !== pooledFloor(plan.w, k[1], s[1], p[1], 1);
  const divisor = pool.divisorOverride;
  if (divisor !== null && ceil) {
    throw new ChainruleError(`exportOnnx: avgPool2d with divisorOverride ${divisor} and a ceil-mode window cut short: ONNX's AveragePool has no divisor override, and the rescaled mean differs on the cut windows; use ceilMode false or no divisorOverride`);
  }
  const include = divisor !== null || pool.countIncludePad;
  const attrs = [ints('kernel_shape', k), ints('strides', s), ints('pads', [p[0], p[1], p[0], p[1]]), int('ceil_mode', ceil ? 1 : 0), int('count_include_pad', include ? 1 : 0)];
  return batchedNode(b, n, 2, (x) => {
    const mean = b.node('AveragePool', [x], attrs);
    return divisor === null ? mean : b.node('Mul', [mean, b.scalar((k[0] * k[1]) / divisor)]);
  });
}

/**
 * core's adaptiveAvgPool2d: GlobalAveragePool to 1×1; an AveragePool when every window has one
 * size (the input divisible by the output); refused otherwise (ONNX has no adaptive pool).
 */
function exportAdaptiveAvgPool(b: OnnxEmitter, n: ExportNode): string {
  const { h, w, oh, ow } = n.params.plan as { h: number; w: number; oh: number; ow: number };
  if (oh === 1 && ow === 1) return batchedNode(b, n, 2, (x) => b.node('GlobalAveragePool', [x]));
  if (h % oh !== 0 || w % ow !== 0) {
    throw new ChainruleError(
      `exportOnnx: adaptiveAvgPool2d from ${h}×${w} to ${oh}×${ow} does not export: ONNX has no adaptive average pool, and only an input divisible by the output ` +
        `(or a 1×1 output, GlobalAveragePool) gives windows of one size, an AveragePool; choose such an output size`,
    );
  }
  const k = [h / oh, w / ow];
  return batchedNode(b, n, 2, (x) => b.node('AveragePool', [x], [ints('kernel_shape', k), ints('strides', k)]));
}

/** Convolution and pooling of core. */
const CONV_EXPORT_RULES: Readonly<Record<string, ExportRule>> = {
  conv1d: exportConv,
  conv2d: exportConv,
  maxPool2d: exportMaxPool,
  avgPool2d: exportAvgPool,
  adaptiveAvgPool2d: exportAdaptiveAvgPool,
};

/**
 * Ops that do not export, each with the reason, named in exportOnnx's refusal: the samplers (even
 * where their draw records nothing, e.g. randperm, which takes no tensor) and the ops that only
 * gradient computations make.
 * @example
 * ```ts
 * REFUSED_OPS.bernoulli; // "ONNX's Bernoulli draws from the runtime's own generator, ..."
 * ```
 */
export const REFUSED_OPS: Readonly<Record<string, string>> = (() => {
  const stream = "so the file could not reproduce chainrule's seeded draws; draw outside the forward and pass the result as an input";
  const gradientOnly = 'it is a step of a gradient computation (it appears when the forward itself calls grad() or backward()); exportOnnx writes forward computations, not gradient graphs';
  return {
    randperm: `ONNX has no permutation sampler, and its random ops (RandomUniform, ...) draw from the runtime's own generator, ${stream}`,
    randint: `ONNX's RandomUniform draws from the runtime's own generator, ${stream}`,
    multinomial: `ONNX's Multinomial samples with replacement only and draws from the runtime's own generator, ${stream}`,
    bernoulli: `ONNX's Bernoulli draws from the runtime's own generator, ${stream} (nn's Dropout draws only in training mode; exportOnnx traces in evaluation mode)`,
    ...Object.fromEntries([
      'embedView', 'embedSlice', 'padAdjoint', 'clampMask', 'reluMask', 'sigmoidBackward', 'tanhBackward', 'winnerShare', 'absSlope', 'zerosLike',
      'convInputGrad', 'convWeightGrad', 'convBiasGrad', 'maxPool2dAdjoint', 'maxPool2dSelect', 'avgPool2dAdjoint', 'adaptiveAvgPool2dAdjoint',
      'leakyReluSlope', 'eluSlope', 'eluCurve', 'hardtanhSlope', 'linearScan', 'shift',
    ].map((op) => [op, gradientOnly])),
  };
})();

/**
 * chainrule op name → its ONNX form. One entry per op; the composites of core (mean, transpose,
 * softmax, logSoftmax, logsumexp, squeeze, unsqueeze, stack) are recorded as these primitives and
 * need no entry of their own.
 * @example
 * ```ts
 * Object.keys(EXPORT_RULES).includes('linear'); // true: nn's fused linear exports as Gemm
 * ```
 */
export const EXPORT_RULES: Readonly<Record<string, ExportRule>> = {
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  abs: unary('Abs'),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  relu: unary('Relu'),
  clone: unary('Identity'),
  square: (b, n) => b.node('Mul', [n.inputs[0], n.inputs[0]]),
  sum: reduce('ReduceSum'),
  max: reduce('ReduceMax'),
  min: reduce('ReduceMin'),
  // matmul's transposed reads become explicit Transposes of the last two axes
  matmul: (b, n) => {
    const [ra, rb] = [n.inputShapes[0].length, n.inputShapes[1].length];
    const a = ra > 1 && n.params?.transposeA === true ? swapLast(b, n.inputs[0], ra) : n.inputs[0];
    const c = rb > 1 && n.params?.transposeB === true ? swapLast(b, n.inputs[1], rb) : n.inputs[1];
    return b.node('MatMul', [a, c]);
  },
  // nn's fused linear, x Wᵀ + b: Gemm with transB; a single sample [in] is made a row and back
  linear: (b, n) => {
    if (n.inputShapes[0].length === 2) return b.node('Gemm', [n.inputs[0], n.inputs[1], n.inputs[2]], [int('transB', 1)]);
    const row = b.node('Unsqueeze', [n.inputs[0], b.int64s([0])]);
    return b.node('Squeeze', [b.node('Gemm', [row, n.inputs[1], n.inputs[2]], [int('transB', 1)]), b.int64s([0])]);
  },
  reshape: (b, n) => b.node('Reshape', [n.inputs[0], b.int64s(targetShape(n, () => -1))]),
  permute: (b, n) => b.node('Transpose', [n.inputs[0]], [ints('perm', (n.params as number[]).map((a) => (a < 0 ? a + n.shape.length : a)))]),
  expand: (b, n) => {
    const lead = n.shape.length - n.inputShapes[0].length;
    const shape = targetShape(n, (i) => {
      if (i < lead || !n.inputDynamic[0][i - lead]) throw new ChainruleError('exportOnnx: expand to the batch size along an axis the input does not carry cannot be exported with a dynamic batch');
      return 1; // Expand broadcasts both ways: 1 keeps the input's (dynamic) size
    });
    return b.node('Expand', [n.inputs[0], b.int64s(shape)]);
  },
  // ONNX's Slice clamps and counts negative bounds from the end exactly as Python (and chainrule) do
  slice: (b, n) => {
    const { axis, start, end, step } = n.params as { axis: number; start?: number; end?: number; step?: number };
    const a = axis < 0 ? axis + n.inputShapes[0].length : axis;
    return b.node('Slice', [n.inputs[0], b.int64s([start ?? 0]), b.int64s([end ?? INT64_MAX]), b.int64s([a]), b.int64s([step ?? 1])]);
  },
  concat: (b, n) => {
    const axis = (n.params as { axis?: number } | undefined)?.axis ?? 0;
    return b.node('Concat', n.inputs, [int('axis', axis < 0 ? axis + n.shape.length : axis)]);
  },
  where: (b, n) => b.node('Where', [b.node('Cast', [n.inputs[0]], [int('to', DataType.BOOL)]), n.inputs[1], n.inputs[2]]),
  clamp: (b, n) => {
    const { min, max } = (n.params ?? {}) as { min?: number; max?: number };
    return clip(b, n.inputs[0], min, max);
  },
  // chainrule's gather is torch.gather: ONNX's GatherElements, with the index as INT64
  gather: (b, n) => {
    const axis = (n.params as { axis: number }).axis;
    const index = b.node('Cast', [n.inputs[1]], [int('to', DataType.INT64)]);
    return b.node('GatherElements', [n.inputs[0], index], [int('axis', axis < 0 ? axis + n.shape.length : axis)]);
  },
  scatterAdd: (b, n) => {
    const axis = (n.params as { axis: number }).axis;
    const index = b.node('Cast', [n.inputs[1]], [int('to', DataType.INT64)]);
    return b.node('ScatterElements', [n.inputs[0], index, n.inputs[2]], [int('axis', axis < 0 ? axis + n.shape.length : axis), str('reduction', 'add')]);
  },
  cast: (b, n) => b.node('Cast', [n.inputs[0]], [int('to', n.params === 'float32' ? DataType.FLOAT : DataType.DOUBLE)]),
  // nn's fused BCE: −(y · max(log p, −100) + (1 − y) · max(log(1 − p), −100)), PyTorch's clamped logs
  binaryCrossEntropy: (b, n) => {
    const [p, y] = n.inputs;
    const one = b.scalar(1);
    const floor = b.scalar(-100);
    const logP = b.node('Max', [b.node('Log', [p]), floor]);
    const log1mP = b.node('Max', [b.node('Log', [b.node('Sub', [one, p])]), floor]);
    return b.node('Neg', [b.node('Add', [b.node('Mul', [y, logP]), b.node('Mul', [b.node('Sub', [one, y]), log1mP])])]);
  },
  // nn's cross-entropy with class indices: each target's class, 0 where ignored, flattened (without
  // chainrule's check that the targets are class indices), and the weighted mean Σℓ / Σw
  classIndex: (b, n) => {
    const target = n.inputs[0];
    const index = b.node('Where', [b.node('Equal', [target, b.scalar((n.params as { ignoreIndex: number }).ignoreIndex)]), b.scalar(0), target]);
    return b.node('Reshape', [index, b.int64s([-1])]);
  },
  weightedMean: binary('Div'),
  // nn's fused MSE: Σ (pred − target)² / divisor
  mseLoss: (b, n) => {
    const d = b.node('Sub', [n.inputs[0], n.inputs[1]]);
    return b.node('Div', [b.node('ReduceSum', [b.node('Mul', [d, d])], [int('keepdims', 0)]), b.scalar(n.params as number)]);
  },
  ...OPS_B_EXPORT_RULES,
  ...CONV_EXPORT_RULES,
  ...MATH_EXPORT_RULES,
};

// ------------------------------------------------------------------ import

/** ONNX's Div of integers (shapes, positions; never differentiable): the quotient truncated toward zero. */
function integerDiv(a: Tensor, b: Tensor): Tensor {
  const q = a.div(b.dtype === a.dtype ? b : b.cast(a.dtype));
  return tensor(Float64Array.from(q.buffer, Math.trunc), { shape: q.shape });
}


/** ONNX Slice bounds (INT64 extremes mean "to the end"), applied one axis at a time with chainrule's slice. */
function importSlice(n: ImportNode): Tensor {
  let x = n.x(0);
  const starts = n.ints(1);
  const ends = n.ints(2);
  const axes = n.optional(3) === undefined ? starts.map((_, i) => i) : positive(n.ints(3), x.ndim);
  const steps = n.optional(4) === undefined ? starts.map(() => 1) : n.ints(4);
  const big = (v: number) => Math.max(Math.min(v, 2 ** 53), -(2 ** 53));
  axes.forEach((axis, i) => {
    const step = steps[i];
    if (step === 0) throw new ChainruleError(`importOnnx: Slice '${n.label}' has step 0`);
    if (step > 0) x = slice(x, { axis, start: big(starts[i]), end: big(ends[i]), step });
    else {
      // backwards: ONNX clamps start to [0, n - 1] and end to [-1, n - 1] (negatives counted from the end);
      // the same elements are a forward slice of the flipped axis
      const size = x.shape[axis];
      const bound = (v: number, lo: number) => Math.min(Math.max(v < 0 ? v + size : v, lo), size - 1);
      const [first, stop] = [bound(big(starts[i]), 0), bound(big(ends[i]), -1)];
      x = slice(flip(x, axis), { axis, start: size - 1 - first, end: size - 1 - stop, step: -step });
    }
  });
  return x;
}

/** ONNX Reshape's target: 0 copies the input's dimension (unless allowzero), -1 is inferred. */
function importReshape(n: ImportNode): Tensor {
  const x = n.x(0);
  const allowZero = n.int('allowzero', 0) === 1;
  return x.reshape(n.ints(1).map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d)));
}

/** ONNX Gemm: alpha·A'·B' + beta·C; nn's fused linear when it is exactly x Wᵀ + b. */
function importGemm(n: ImportNode): Tensor {
  const a = n.x(0);
  const w = n.x(1);
  const c = n.optional(2);
  const [alpha, beta, transA, transB] = [n.float('alpha', 1), n.float('beta', 1), n.int('transA', 0), n.int('transB', 0)];
  if (alpha === 1 && beta === 1 && transA === 0 && transB === 1 && (c === undefined || c.ndim === 0 || (c.ndim === 1 && (c.shape[0] === w.shape[0] || c.shape[0] === 1)))) {
    return linear(a, w, c ?? null);
  }
  let out = a.matmul(w, { transposeA: transA === 1, transposeB: transB === 1 });
  if (alpha !== 1) out = out.mul(alpha);
  if (c !== undefined) out = out.add(beta === 1 ? c : c.mul(beta));
  return out;
}

/** Constant's value, from whichever attribute holds it. */
function importConstant(n: ImportNode): Tensor {
  const t = n.tensorAttr('value');
  if (t !== undefined) return t;
  if (n.has('value_ints')) return tensor(n.intsAttr('value_ints')!);
  if (n.has('value_int')) return tensor(n.int('value_int', 0));
  if (n.has('value_float')) return tensor(n.float('value_float', 0), { dtype: n.dtype });
  throw new ChainruleError(`importOnnx: Constant '${n.label}' has no value chainrule reads (value, value_float or value_ints)`);
}

// ------------------------------------------------------------------ import: comparisons, indexing, search and sort, shape ops

/** ArgMax/ArgMin; the last of the ties (select_last_index) is the first of the flipped axis, counted from the end. */
const importArgExtreme = (kind: 'max' | 'min'): ImportRule => (n) => {
  const x = n.x(0);
  const f = kind === 'max' ? argmax : argmin;
  const axis = positive([n.int('axis', 0)], x.ndim)[0];
  const keepdims = n.int('keepdims', 1) === 1;
  if (n.int('select_last_index', 0) === 0) return f(x, { axis, keepdims });
  return f(flip(x, axis), { axis, keepdims }).neg().add(x.shape[axis] - 1);
};

/** ONNX Gather (PyTorch's index_select and embedding): indexSelect on the flattened index, reshaped to data[:axis] + index + data[axis+1:]. */
function importGather(n: ImportNode): Tensor {
  const x = n.x(0);
  const axis = positive([n.int('axis', 0)], x.ndim)[0];
  const raw = n.x(1).cast(x.dtype);
  const index = raw.add(raw.lt(0).mul(x.shape[axis])); // ONNX counts negative positions from the end
  return indexSelect(x, axis, index.reshape([-1])).reshape([...x.shape.slice(0, axis), ...raw.shape, ...x.shape.slice(axis + 1)]);
}

/** ONNX Pad (opset 11 to 17: every axis' start, then every axis' end) as core's pad (last axis first); 'edge' is 'replicate'. */
function importPad(n: ImportNode): Tensor {
  const x = n.x(0);
  const p = n.ints(1);
  const mode = n.string('mode', 'constant');
  const pads: number[] = [];
  for (let d = x.ndim - 1; d >= 0; d--) pads.push(p[d], p[x.ndim + d]);
  if (mode === 'constant') return pad(x, pads, { mode, value: n.optional(2)?.item() ?? 0 });
  if (mode === 'reflect' || mode === 'edge') return pad(x, pads, { mode: mode === 'edge' ? 'replicate' : mode });
  throw new ChainruleError(`importOnnx: Pad '${n.label}' has mode '${mode}'; chainrule pads in modes constant, reflect and edge (replicate)`);
}

/** ONNX OneHot: off where the class differs, on where it matches (negative indices from the end), the new axis at `axis`. */
function importOneHot(n: ImportNode): Tensor {
  const depth = n.ints(1)[0];
  const values = n.x(2);
  const raw = n.x(0).cast(values.dtype);
  const hot = oneHot(raw.add(raw.lt(0).mul(depth)), depth);
  const out = where(hot, values.slice(0, 1, 2).reshape([]), values.slice(0, 0, 1).reshape([]));
  const axis = positive([n.int('axis', -1)], out.ndim)[0];
  if (axis === out.ndim - 1) return out;
  const perm = Array.from({ length: out.ndim - 1 }, (_, i) => i);
  perm.splice(axis, 0, out.ndim - 1);
  return out.permute(perm);
}

/** ONNX Split: the sizes from input 1 (opset 13+), else equal pieces, one per output. */
function importSplit(n: ImportNode): Tensor[] {
  const x = n.x(0);
  const axis = positive([n.int('axis', 0)], x.ndim)[0];
  if (n.optional(1) !== undefined) return split(x, n.ints(1), axis);
  const size = x.shape[axis] / n.outputCount;
  if (!Number.isInteger(size)) throw new ChainruleError(`importOnnx: Split '${n.label}' cuts an axis of size ${x.shape[axis]} into ${n.outputCount} equal pieces`);
  return split(x, new Array<number>(n.outputCount).fill(size), axis);
}

/** ONNX's comparisons, Sign, and the ops of core's batch B (indexing, search and sort, shape). */
const OPS_B_IMPORT_RULES: Readonly<Record<string, ImportRule>> = {
  Greater: bin((a, b) => a.gt(b)),
  GreaterOrEqual: bin((a, b) => a.ge(b)),
  Less: bin((a, b) => a.lt(b)),
  LessOrEqual: bin((a, b) => a.le(b)),
  Equal: bin((a, b) => a.eq(b)),
  Not: (n) => n.x(0).eq(0),
  Sign: (n) => n.x(0).sign(),
  ArgMax: importArgExtreme('max'),
  ArgMin: importArgExtreme('min'),
  // TopK: both outputs; chainrule's result is always sorted (sorted = 0 leaves the order free)
  TopK: (n) => {
    const { values, indices } = topk(n.x(0), n.ints(1)[0], { axis: n.int('axis', -1), largest: n.int('largest', 1) === 1 });
    return [values, indices];
  },
  Shape: (n) => {
    const x = n.x(0);
    const at = (v: number) => Math.min(Math.max(v < 0 ? v + x.ndim : v, 0), x.ndim);
    return tensor(x.shape.slice(at(n.int('start', 0)), at(n.int('end', x.ndim))) as number[]);
  },
  Range: (n) => {
    const start = n.x(0);
    return arange(start.item(), n.x(1).item(), n.x(2).item(), { dtype: start.dtype });
  },
  Gather: importGather,
  Pad: importPad,
  Trilu: (n) => {
    const k = n.optional(1) === undefined ? 0 : n.ints(1)[0];
    return n.int('upper', 1) === 1 ? triu(n.x(0), k) : tril(n.x(0), k);
  },
  Tile: (n) => repeat(n.x(0), n.ints(1)),
  Einsum: (n) => {
    const operands: Tensor[] = [];
    for (let i = 0; n.optional(i) !== undefined; i++) operands.push(n.x(i));
    return einsum(n.string('equation', '').replace(/\s+/g, ''), ...operands);
  },
  OneHot: importOneHot,
  Split: importSplit,
  // a tensor of the given shape filled with the value attribute (default a FLOAT 0)
  ConstantOfShape: (n) => {
    const value = n.tensorAttr('value') ?? tensor(0, { dtype: 'float32' });
    return full(n.ints(0), value.item(), { dtype: value.dtype });
  },
};

// ------------------------------------------------------------------ import: convolution and pooling

/** A conv or pool's auto_pad, which chainrule reads as NOTSET (explicit pads) or VALID only. */
function explicitPads(n: ImportNode, spatial: number): number[] {
  const auto = n.string('auto_pad', 'NOTSET');
  if (auto === 'VALID') return new Array<number>(2 * spatial).fill(0);
  if (auto !== 'NOTSET') throw new ChainruleError(`importOnnx: ${n.opType} '${n.label}' has auto_pad ${auto}; chainrule reads explicit pads (NOTSET) and VALID`);
  return n.intsAttr('pads') ?? new Array<number>(2 * spatial).fill(0);
}

/** ONNX Conv (1-D or 2-D): conv1d/conv2d; unequal pads at the two ends of an axis become a zero pad first. */
function importConv(n: ImportNode): Tensor {
  let x = n.x(0);
  const w = n.x(1);
  const bias = n.optional(2) ?? null;
  const spatial = w.ndim - 2;
  if (spatial !== 1 && spatial !== 2) throw new ChainruleError(`importOnnx: Conv '${n.label}' is ${spatial}-D; chainrule has 1-D and 2-D convolutions`);
  const pads = explicitPads(n, spatial);
  const ones = new Array<number>(spatial).fill(1);
  const options = { stride: n.intsAttr('strides') ?? ones, dilation: n.intsAttr('dilations') ?? ones, groups: n.int('group', 1) };
  const symmetric = pads.slice(0, spatial).every((p, i) => p === pads[spatial + i]);
  if (!symmetric) {
    const amounts: number[] = [];
    for (let d = spatial - 1; d >= 0; d--) amounts.push(pads[d], pads[spatial + d]);
    x = pad(x, amounts);
  }
  const padding = symmetric ? pads.slice(0, spatial) : 0;
  return spatial === 2 ? conv2d(x, w, bias, { ...options, padding }) : conv1d(x, w, bias, { ...options, padding });
}

/** A 1-D pool is the 2-D one over a height of 1; returns the input as [N, C, H, W] and the undo. */
function as2d(n: ImportNode, x: Tensor): { x: Tensor; spatial: number; back: (y: Tensor) => Tensor } {
  const spatial = x.ndim - 2;
  if (spatial === 2) return { x, spatial, back: (y) => y };
  if (spatial === 1) return { x: x.unsqueeze(2), spatial, back: (y) => y.squeeze(2) };
  throw new ChainruleError(`importOnnx: ${n.opType} '${n.label}' pools ${spatial} axes; chainrule pools 1 or 2`);
}

/** A per-axis attribute of a 1-D or 2-D pool as two numbers (height 1 for 1-D). */
const pair2 = (v: readonly number[], spatial: number, fill: number): number[] => (spatial === 2 ? [v[0], v[1]] : [fill, v[0]]);

/** ONNX MaxPool: maxPool2d (padding is −∞ in both); unequal or large pads become a −∞ pad first. */
function importMaxPool(n: ImportNode): Tensor {
  if (n.outputCount > 1) throw new ChainruleError(`importOnnx: MaxPool '${n.label}' asks for its Indices output; chainrule imports the values only`);
  const { x, spatial, back } = as2d(n, n.x(0));
  const k = pair2(n.intsAttr('kernel_shape') ?? [], spatial, 1);
  const pads = explicitPads(n, spatial);
  const [before, after] = [pair2(pads.slice(0, spatial), spatial, 0), pair2(pads.slice(spatial), spatial, 0)];
  const options = { stride: pair2(n.intsAttr('strides') ?? [1, 1], spatial, 1), dilation: pair2(n.intsAttr('dilations') ?? [1, 1], spatial, 1), ceilMode: n.int('ceil_mode', 0) === 1 };
  if (before.every((p, i) => p === after[i] && p <= Math.floor(k[i] / 2))) return back(maxPool2d(x, k, { ...options, padding: before }));
  if (options.ceilMode) throw new ChainruleError(`importOnnx: MaxPool '${n.label}' has ceil_mode with unequal pads [${pads.join(', ')}]; chainrule pads each axis equally at both ends`);
  return back(maxPool2d(pad(x, [before[1], after[1], before[0], after[0]], { value: -Infinity }), k, options));
}

/** ONNX AveragePool: avgPool2d with count_include_pad and ceil_mode (pads equal at both ends, at most half the kernel). */
function importAveragePool(n: ImportNode): Tensor {
  const { x, spatial, back } = as2d(n, n.x(0));
  const k = pair2(n.intsAttr('kernel_shape') ?? [], spatial, 1);
  const pads = explicitPads(n, spatial);
  const [before, after] = [pair2(pads.slice(0, spatial), spatial, 0), pair2(pads.slice(spatial), spatial, 0)];
  if (!before.every((p, i) => p === after[i] && p <= Math.floor(k[i] / 2))) {
    throw new ChainruleError(`importOnnx: AveragePool '${n.label}' has pads [${pads.join(', ')}]; chainrule's avgPool2d pads each axis equally at both ends, by at most half the kernel`);
  }
  return back(avgPool2d(x, k, { stride: pair2(n.intsAttr('strides') ?? [1, 1], spatial, 1), padding: before, ceilMode: n.int('ceil_mode', 0) === 1, countIncludePad: n.int('count_include_pad', 0) === 1 }));
}

/** ONNX's Conv and pools. */
const CONV_IMPORT_RULES: Readonly<Record<string, ImportRule>> = {
  Conv: importConv,
  MaxPool: importMaxPool,
  AveragePool: importAveragePool,
  // the mean over every spatial axis, kept as size-1 axes
  GlobalAveragePool: (n) => {
    const x = n.x(0);
    return x.ndim === 4 ? adaptiveAvgPool2d(x, 1) : x.mean(Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), true);
  },
};

/**
 * ONNX op type → its computation with chainrule ops. Every rule builds on differentiable ops, so an
 * imported model trains. Values that are integers in ONNX (shapes, axes, indices) are carried as
 * float tensors, as chainrule's own indices are.
 * @example
 * ```ts
 * Object.keys(IMPORT_RULES).includes('Gemm'); // true: as nn's linear when it is x Wᵀ + b
 * ```
 */
export const IMPORT_RULES: Readonly<Record<string, ImportRule>> = {
  Add: bin((a, b) => a.add(b)),
  Sub: bin((a, b) => a.sub(b)),
  Mul: bin((a, b) => a.mul(b)),
  Div: (n) => (n.integer(0) && n.integer(1) ? integerDiv(n.x(0), n.x(1)) : bin((a, b) => a.div(b))(n)),
  Pow: bin((a, b) => a.pow(b)),
  Max: (n) => reduceVariadic(n, (a, b) => a.maximum(b)),
  Min: (n) => reduceVariadic(n, (a, b) => a.minimum(b)),
  Neg: (n) => n.x(0).neg(),
  Exp: (n) => n.x(0).exp(),
  Log: (n) => n.x(0).log(),
  Sqrt: (n) => n.x(0).sqrt(),
  Abs: (n) => n.x(0).abs(),
  Sigmoid: (n) => n.x(0).sigmoid(),
  Tanh: (n) => n.x(0).tanh(),
  Relu: (n) => n.x(0).relu(),
  Identity: (n) => n.x(0),
  ReduceSum: (n) => reduceImport(n.opset >= 13, (x, axes, keepdims) => x.sum(axes, keepdims))(n),
  ReduceMean: reduceImport(false, (x, axes, keepdims) => x.mean(axes, keepdims)),
  ReduceMax: reduceImport(false, (x, axes, keepdims) => x.max(axes, keepdims)),
  ReduceMin: reduceImport(false, (x, axes, keepdims) => x.min(axes, keepdims)),
  MatMul: (n) => n.x(0).matmul(n.x(1)),
  Gemm: importGemm,
  Reshape: importReshape,
  Flatten: (n) => {
    const x = n.x(0);
    const axis = positive([n.int('axis', 1)], x.ndim)[0];
    const lead = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return x.reshape([lead, -1]);
  },
  Squeeze: (n) => {
    const x = n.x(0);
    const axes = n.optional(1) === undefined ? (n.intsAttr('axes') ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))) : positive(n.ints(1), x.ndim);
    return x.reshape(x.shape.filter((_, i) => !positive(axes, x.ndim).includes(i)));
  },
  Unsqueeze: (n) => {
    const x = n.x(0);
    const raw = n.optional(1) === undefined ? (n.intsAttr('axes') ?? []) : n.ints(1);
    const rank = x.ndim + raw.length;
    const axes = positive(raw, rank);
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
    return x.reshape(shape);
  },
  Transpose: (n) => {
    const x = n.x(0);
    return x.permute(n.intsAttr('perm') ?? x.shape.map((_, i) => x.ndim - 1 - i));
  },
  Expand: (n) => {
    const x = n.x(0);
    return x.expand(broadcastShapes(x.shape, n.ints(1), 'Expand'));
  },
  Slice: importSlice,
  Concat: (n) => {
    const parts: Tensor[] = [];
    for (let i = 0; n.optional(i) !== undefined; i++) parts.push(n.x(i));
    return concat(parts, { axis: positive([n.int('axis', 0)], parts[0].ndim)[0] });
  },
  Softmax: (n) => n.x(0).softmax(n.int('axis', -1)),
  LogSoftmax: (n) => n.x(0).logSoftmax(n.int('axis', -1)),
  Clip: (n) => {
    const bound = (i: number) => {
      const t = n.optional(i);
      return t === undefined ? undefined : t.item();
    };
    return clamp(n.x(0), { min: bound(1), max: bound(2) });
  },
  Where: (n) => {
    const a = n.x(1);
    const c = n.x(2);
    return where(n.x(0).cast(a.dtype), a, c.dtype === a.dtype ? c : c.cast(a.dtype));
  },
  IsInf: (n) => n.x(0).abs().eq(Infinity),
  GatherElements: (n) => {
    const x = n.x(0);
    const axis = positive([n.int('axis', 0)], x.ndim)[0];
    const index = n.x(1).cast(x.dtype);
    // ONNX allows negative indices (from the end); chainrule's gather does not
    return x.gather(axis, index.add(index.lt(0).mul(x.shape[axis])));
  },
  ScatterElements: (n) => {
    if (n.string('reduction', 'none') !== 'add') throw new ChainruleError(`importOnnx: ScatterElements '${n.label}' with reduction '${n.string('reduction', 'none')}'; chainrule has scatterAdd (reduction 'add') only`);
    const x = n.x(0);
    return x.scatterAdd(positive([n.int('axis', 0)], x.ndim)[0], n.x(1).cast(x.dtype), n.x(2));
  },
  Cast: (n) => {
    const to = n.int('to', 0);
    const x = n.x(0);
    if (to === DataType.DOUBLE) return x.cast('float64');
    if (to === DataType.FLOAT) return x.cast('float32');
    if (to === DataType.BOOL) return x.ne(0);
    if (to === DataType.INT64 || to === DataType.INT32) return x.cast('float64'); // integers travel as floats
    throw new ChainruleError(`importOnnx: Cast '${n.label}' to data type ${to}; chainrule casts to DOUBLE, FLOAT, INT64, INT32 and BOOL`);
  },
  Constant: importConstant,
  ...OPS_B_IMPORT_RULES,
  ...CONV_IMPORT_RULES,
  ...MATH_IMPORT_RULES,
};

function reduceVariadic(n: ImportNode, f: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let out = n.x(0);
  for (let i = 1; n.optional(i) !== undefined; i++) {
    const next = n.x(i);
    out = f(out, next.dtype === out.dtype ? next : next.cast(out.dtype));
  }
  return out;
}

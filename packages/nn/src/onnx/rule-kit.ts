/**
 * What the op tables' rules are (an export rule writes one chainrule node as ONNX nodes, an import
 * rule computes one ONNX node with chainrule ops) and the small helpers they are written with.
 * Kept apart from the tables so that each group of rules (op-table.ts, math-rules.ts) imports it
 * without importing the other.
 * @module
 */
import type { DType, Shape, Tensor } from '@chainrule/core';
import type { OnnxAttribute } from './onnx-proto.js';

// ------------------------------------------------------------------ export

/**
 * One recorded chainrule node, as an export rule sees it.
 * @example
 * ```ts
 * // for x.sum(1) on x of shape [2, 3]: { op: 'sum', params: { axes: 1, keepdims: false }, inputs: ['input'], shape: [2], ... }
 * ```
 */
export interface ExportNode {
  /** The chainrule op's name (`'linear'`). */
  readonly op: string;
  /** The op's params as recorded (axes, shapes, options). */
  readonly params: any;
  /** The ONNX value names of the inputs. */
  readonly inputs: readonly string[];
  /** The inputs' shapes in the traced run. */
  readonly inputShapes: readonly Shape[];
  /** Per input, which dimensions vary with the batch (the dynamic axis). */
  readonly inputDynamic: readonly (readonly boolean[])[];
  /** The output's shape in the traced run. */
  readonly shape: Shape;
  /** Which dimensions of the output vary with the batch. */
  readonly dynamic: readonly boolean[];
}

/**
 * What an export rule writes with: ONNX nodes and constants.
 * @example
 * ```ts
 * const sum: ExportRule = (b, n) => b.node('ReduceSum', [n.inputs[0], b.int64s([1])], [{ name: 'keepdims', kind: 'int', value: 0 }]);
 * ```
 */
export interface OnnxEmitter {
  /** Adds a node and returns the name of its (first) output. */
  node(opType: string, inputs: readonly string[], attributes?: readonly OnnxAttribute[]): string;
  /** Adds a node with `count` outputs (TopK's values and indices) and returns their names. */
  nodeOutputs(opType: string, inputs: readonly string[], attributes: readonly OnnxAttribute[], count: number): string[];
  /** A constant 1-D INT64 tensor (shapes, axes, bounds). */
  int64s(values: readonly number[]): string;
  /** A constant 0-D INT64 tensor (Trilu's k, Range's bounds). */
  int64(value: number): string;
  /** A constant scalar of the model's float type. */
  scalar(value: number): string;
  /** The model's ONNX float type (DataType.DOUBLE or DataType.FLOAT). */
  readonly floatType: number;
}

/**
 * Writes one chainrule node as ONNX nodes and returns the ONNX name of its result.
 * @example
 * ```ts
 * const relu: ExportRule = (b, n) => b.node('Relu', [n.inputs[0]]);
 * ```
 */
export type ExportRule = (b: OnnxEmitter, n: ExportNode) => string;

export const int = (name: string, value: number): OnnxAttribute => ({ name, kind: 'int', value });
export const ints = (name: string, value: number[]): OnnxAttribute => ({ name, kind: 'ints', value });
export const str = (name: string, value: string): OnnxAttribute => ({ name, kind: 'string', value });

export const unary = (opType: string): ExportRule => (b, n) => b.node(opType, [n.inputs[0]]);
export const binary = (opType: string): ExportRule => (b, n) => b.node(opType, [n.inputs[0], n.inputs[1]]);

/** chainrule's reduction axes (all when left out; negative from the end), sorted. */
export function reduceAxes(params: any, ndim: number): number[] {
  const given: number | readonly number[] | undefined = params?.axes;
  if (given === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof given === 'number' ? [given] : given;
  return [...new Set(list.map((a) => (a < 0 ? a + ndim : a)))].sort((a, b) => a - b);
}

/**
 * A reduction over `axes` at opset 17: ReduceSum takes them as an input (since opset 13), the other
 * reductions as an attribute (until opset 18). Over no axes it is the identity, or |x| for the
 * norms ReduceL1 and ReduceL2 (an empty axes list would mean all axes in ONNX).
 */
export function reduceNode(b: OnnxEmitter, opType: string, x: string, axes: readonly number[], keepdims: boolean): string {
  if (axes.length === 0) return b.node(opType === 'ReduceL1' || opType === 'ReduceL2' ? 'Abs' : 'Identity', [x]);
  const keep = int('keepdims', keepdims ? 1 : 0);
  return opType === 'ReduceSum' ? b.node(opType, [x, b.int64s(axes)], [keep]) : b.node(opType, [x], [ints('axes', [...axes]), keep]);
}

/** Positions and booleans come back to chainrule's rule for index tensors: whole numbers in the model's float type. */
export const toFloat = (b: OnnxEmitter, x: string): string => b.node('Cast', [x], [int('to', b.floatType)]);

/**
 * Clip to [min, max]; a bound left out, or infinite on its own side (a min of −Infinity, a max of
 * +Infinity), is an empty input: it clips nothing.
 */
export function clip(b: OnnxEmitter, x: string, min: number | undefined, max: number | undefined): string {
  const lower = min === undefined || min === -Infinity ? '' : b.scalar(min);
  const upper = max === undefined || max === Infinity ? '' : b.scalar(max);
  return b.node('Clip', [x, lower, upper]);
}

export const positiveAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

// ------------------------------------------------------------------ import

/**
 * One ONNX node, as an import rule sees it: its inputs as chainrule tensors, and its attributes.
 * @example
 * ```ts
 * const Softmax: ImportRule = (n) => n.x(0).softmax(n.int('axis', -1));
 * ```
 */
export interface ImportNode {
  readonly opType: string;
  /** The node's name (or its first output's), for messages. */
  readonly label: string;
  /** How many outputs the node has (Split's number of pieces). */
  readonly outputCount: number;
  /** Input `i` as a tensor (throws naming the node if it is absent). */
  x(i: number): Tensor;
  /** Input `i`, or undefined when it is left out (an empty name) or absent. */
  optional(i: number): Tensor | undefined;
  /** Input `i` as a list of integers (a shape, axes, bounds), read from a constant. */
  ints(i: number): number[];
  /** Whether input `i` is of an integer type in ONNX (a shape, a position): carried as a float, divided with truncation. */
  integer(i: number): boolean;
  /** Whether the node has attribute `name`. */
  has(name: string): boolean;
  /** Attribute values with defaults. */
  int(name: string, fallback: number): number;
  intsAttr(name: string): number[] | undefined;
  float(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  /** A tensor attribute as a tensor (FLOAT/DOUBLE keep their dtype, integers become float64). */
  tensorAttr(name: string): Tensor | undefined;
  /** The model's float dtype. */
  readonly dtype: DType;
  /** The model's opset version. */
  readonly opset: number;
}

/**
 * Computes one ONNX node with chainrule ops: its output, or its outputs in order (TopK, Split).
 * @example
 * ```ts
 * const Relu: ImportRule = (n) => n.x(0).relu();
 * ```
 */
export type ImportRule = (n: ImportNode) => Tensor | readonly Tensor[];

/** Axes as non-negative numbers for a tensor of rank `ndim`. */
export const positive = (axes: readonly number[], ndim: number): number[] => axes.map((a) => (a < 0 ? a + ndim : a));

/** A binary op on two tensors of one dtype (a constant of another dtype, e.g. an INT64 shape, is cast). */
export const bin = (f: (a: Tensor, b: Tensor) => Tensor): ImportRule => (n) => {
  const a = n.x(0);
  const c = n.x(1);
  return f(a, c.dtype === a.dtype ? c : c.cast(a.dtype));
};

/**
 * An ONNX reduction computed by `f` over the node's axes (all when none are given, the identity with
 * `noop_with_empty_axes`), keeping them when `keepdims` (default 1).
 */
export const reduceImport =
  (axesInput: boolean, f: (x: Tensor, axes: number[] | undefined, keepdims: boolean) => Tensor): ImportRule =>
  (n) => {
    const x = n.x(0);
    const axes = importAxes(n, x.ndim, axesInput);
    if (axes !== undefined && axes.length === 0) return x;
    return f(x, axes, n.int('keepdims', 1) === 1);
  };

/** The reduction axes of ReduceSum (an input since opset 13) or the other reductions (an attribute until 18). */
function importAxes(n: ImportNode, ndim: number, axesInput: boolean): number[] | undefined {
  const axes = axesInput ? (n.optional(1) === undefined ? undefined : n.ints(1)) : n.intsAttr('axes');
  if (axes === undefined || axes.length === 0) return n.int('noop_with_empty_axes', 0) === 1 ? [] : undefined;
  return positive(axes, ndim);
}

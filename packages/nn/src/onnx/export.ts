/**
 * ONNX export: run a module's forward on example inputs, read the graph the ops recorded, and write
 * each node through the op table ({@link EXPORT_RULES}) as ONNX (opset 17).
 *
 * How the graph is read. chainrule records a node for every op that has an input requiring grad,
 * so the export makes the example inputs and every parameter require grad for the one traced call
 * (and restores them after), and runs it in core's trace mode (`traceOps`), where ops without a
 * gradient rule (comparisons, argmax, argsort, oneHot) record a node too. The walk follows every
 * input of every node, not only the edges that carry a gradient as the engine's `graphOrder` does:
 * a recorded tensor used where no gradient flows (the condition of `where`, the index of `gather`)
 * is still computed, not frozen.
 *
 * What the recorded graph cannot show is a value computed from the inputs outside the graph
 * (`detach()`, `noGrad`, values read with `item()` and made into a new tensor): it looks like a
 * constant. So the export checks itself: it traces a second time on changed inputs (reversed in
 * order, scaled when not integers; with a batch axis, one sample more) and requires the same ops
 * with the same parameters and the same constants. The one input-dependent constant it understands is the stabilising shift of softmax,
 * logSoftmax and logsumexp (the detached maximum along the reduced axes, 0 where infinite): core's
 * softmax and logSoftmax are recognised whole and written as one Softmax / LogSoftmax node, and any
 * other use of the shift (logsumexp) as ReduceMax, IsInf and Where. Anything else is refused, naming
 * the op that used it.
 *
 * A forward that draws random numbers (randperm, randint, multinomial, bernoulli) is refused by name
 * ({@link REFUSED_OPS}), also where the draw records nothing: it would be frozen as a constant.
 * @module
 */
import { ChainruleError, Tensor, fmtShape, noGrad, traceOps, type DType } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { DataType, encodeModel, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.js';
import { EXPORT_RULES, REFUSED_OPS, type ExportNode, type OnnxEmitter } from './op-table.js';

/** Options of {@link exportOnnx}. @example `{ inputNames: ['features'], outputNames: ['price'], batchAxis: 0 }` */
export interface ExportOnnxOptions {
  /** Names of the graph's inputs (default `input`, or `input_0`, `input_1`, ... for several). */
  inputNames?: readonly string[];
  /** Name of the graph's output (default `output`). */
  outputNames?: readonly string[];
  /** Element type of the file: `'float64'` (ONNX DOUBLE) or `'float32'` (FLOAT); default the traced model's. */
  dtype?: DType;
  /**
   * The axis of every input that is the batch: written as the symbolic dimension `batch`, so the
   * model runs on any batch size. Leave out for fixed shapes.
   */
  batchAxis?: number;
  /** Trace a second time on changed inputs to refuse a graph that depends on their values (default true). */
  check?: boolean;
  /** The model's description (the file's doc_string); default the module's `toString()` tree. */
  description?: string;
}

const OPSET = 17;
const IR_VERSION = 8; // the IR version of opset 17 (ONNX 1.12)

/**
 * Writes `module`'s computation on `exampleInputs` as an ONNX model (opset 17) and returns the
 * file's bytes, for ONNX Runtime (`InferenceSession.create(bytes)`), PyTorch's tools, or
 * {@link importOnnx}. Parameters become initializers under their {@link Module.namedParameters}
 * names (PyTorch's), other constants `Constant` nodes. The module runs in evaluation mode for the
 * trace and gets its modes back afterwards.
 *
 * Every op in the op table exports (see `onnx/op-table.ts` and `onnx/math-rules.ts`: arithmetic,
 * exp/log/sqrt/abs, activations, reductions, matmul and nn's fused `linear` as Gemm, layout ops,
 * where, maximum, minimum, clamp, gather, scatterAdd, cast, nn's `mseLoss` and `binaryCrossEntropy`,
 * comparisons, sign, index, maskedFill, argmax/argmin, argsort (so sort and topk), pad, flip,
 * tril/triu, oneHot, conv1d/conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d (to sizes that divide
 * the input); sin, cos, tan, asin, acos, atan, sinh, cosh, erf, reciprocal, floor, ceil, round,
 * softplus, leakyRelu, hardtanh (Clip), prod (ReduceProd), cumsum (CumSum) and norm (ReduceL1,
 * ReduceL2, ...) as their ONNX ops; atan2, log1p, expm1, log2, log10, rsqrt, gelu's normal CDF,
 * elu, selu, var, std and cumprod as compositions that compute what chainrule computes (their
 * comments in `math-rules.ts` say how closely); softmax, logSoftmax, mean, transpose, indexSelect,
 * split, repeat, einsum, gelu, silu, mish, logSigmoid and the other composites through the
 * primitives they are made of). An op without an ONNX form is refused with its name, and the
 * samplers and the steps of gradient computations with the reason ({@link REFUSED_OPS}).
 * ONNX Runtime's CPU kernels have no float64 Conv, AveragePool, GlobalAveragePool, Tan, Asin,
 * Acos, Atan, Sinh, Cosh, Erf or Softplus: a float64 model using them runs there when written with
 * `dtype: 'float32'`.
 * @example
 * ```ts
 * const net = new Sequential(new Dense(3, 8), new Tanh(), new Dense(8, 1));
 * const bytes = exportOnnx(net, [zeros([4, 3])], { inputNames: ['x'], outputNames: ['y'], batchAxis: 0 });
 * // onnxruntime: const session = await InferenceSession.create(bytes); await session.run({ x: ... })
 * ```
 */
export function exportOnnx(module: Module, exampleInputs: Tensor | readonly Tensor[], options: ExportOnnxOptions = {}): Uint8Array {
  return encodeModel(exportOnnxModel(module, exampleInputs, options));
}

/**
 * {@link exportOnnx}'s model before encoding, as plain objects (for tests and tools).
 * @example
 * ```ts
 * exportOnnxModel(net, [x]).graph.nodes.map((n) => n.opType); // ['Gemm', 'Tanh', 'Gemm']
 * ```
 */
export function exportOnnxModel(module: Module, exampleInputs: Tensor | readonly Tensor[], options: ExportOnnxOptions = {}): OnnxModel {
  if (!(module instanceof Module)) throw new ChainruleError(`exportOnnx: expected a Module, got ${describeValue(module)}`);
  const inputs = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((x) => x instanceof Tensor)) {
    throw new ChainruleError(`exportOnnx: exampleInputs must be a Tensor or a non-empty array of Tensors, got ${describeValue(exampleInputs)}`);
  }
  const traceDType = inputs[0].dtype;
  const dtype = options.dtype ?? traceDType;
  if (dtype !== 'float64' && dtype !== 'float32') throw new ChainruleError(`exportOnnx: dtype must be 'float64' or 'float32', got ${describeValue(dtype)}`);
  const batchAxis = options.batchAxis;
  if (batchAxis !== undefined) {
    inputs.forEach((x, i) => {
      if (!Number.isInteger(batchAxis) || batchAxis < 0 || batchAxis >= x.ndim) {
        throw new ChainruleError(`exportOnnx: batchAxis ${batchAxis} is not an axis of input ${i} of shape ${fmtShape(x.shape)}`);
      }
    });
  }
  const inputNames = options.inputNames ?? (inputs.length === 1 ? ['input'] : inputs.map((_, i) => `input_${i}`));
  const outputNames = options.outputNames ?? ['output'];
  if (inputNames.length !== inputs.length) throw new ChainruleError(`exportOnnx: ${inputNames.length} input names for ${inputs.length} inputs`);
  if (outputNames.length !== 1) throw new ChainruleError(`exportOnnx: a module's forward has one output; got ${outputNames.length} output names`);

  const params = new Map<Tensor, string>();
  for (const [name, p] of module.namedParameters()) params.set(p, name);
  const first = trace(module, inputs.map((x) => x.detach()));
  refuseSamplers(first);
  let second: Trace | null = null;
  if (options.check !== false) {
    try {
      second = trace(module, inputs.map((x) => changed(x, batchAxis)));
    } catch (err) {
      throw new ChainruleError(
        `exportOnnx: the check ran the forward again on changed inputs (reversed, scaled${batchAxis === undefined ? '' : ', one sample more along the batch axis'}) and it failed: ` +
          `${(err as Error).message}. Pass { check: false } if the model only accepts the example's values or batch size`,
      );
    }
  }
  const graph = new GraphWriter(first, second, params, inputNames, outputNames[0], dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT);
  graph.write();
  return {
    irVersion: IR_VERSION,
    opsetImports: [{ domain: '', version: OPSET }],
    producerName: 'chainrule',
    producerVersion: '0.1.0',
    docString: options.description ?? module.toString(),
    graph: { name: module.constructor.name, nodes: graph.nodes, initializers: graph.initializers, inputs: graph.inputInfos, outputs: graph.outputInfos },
    metadataProps: [{ key: 'chainrule.model', value: module.toString() }],
  };
}

/** One traced call: the tensors in post-order (each after its inputs), the inputs and the output, and every op run. */
interface Trace {
  readonly order: Tensor[];
  readonly position: Map<Tensor, number>;
  readonly inputs: Tensor[];
  readonly output: Tensor;
  readonly ops: ReadonlySet<string>;
}

/**
 * A forward that draws random numbers (randperm, randint, multinomial, bernoulli) is refused by name, even
 * where the draw records nothing (a sampler on a constant, or randperm, which takes no tensor): it
 * would otherwise be frozen into the file as a constant.
 */
function refuseSamplers(t: Trace): void {
  for (const op of t.ops) {
    const reason = REFUSED_OPS[op];
    if (reason !== undefined) throw new ChainruleError(`exportOnnx: the forward calls ${op}, which does not export: ${reason}`);
  }
}

/**
 * Runs the forward once in core's trace mode (`traceOps`) with recording forced on for the inputs
 * and every parameter: ops without a gradient rule (comparisons, argmax, argsort, oneHot) record
 * a node too, so the values they compute are not mistaken for constants.
 */
function trace(module: Module, examples: Tensor[]): Trace {
  const inputs = examples.map((x) => new Tensor(x.buffer.slice(), x.shape, true));
  const modes = module.modules().map((m) => [m, m.training] as const);
  const frozen = module.parameters().filter((p) => !p.requiresGrad);
  let output: unknown;
  let ops: ReadonlySet<string>;
  try {
    module.eval();
    for (const p of frozen) p.requiresGrad = true;
    ({ result: output, ops } = traceOps(() => module.forward(...inputs)));
  } finally {
    for (const p of frozen) p.requiresGrad = false;
    for (const [m, training] of modes) m.training = training;
  }
  if (!(output instanceof Tensor)) throw new ChainruleError(`exportOnnx: the forward returned ${describeValue(output)}, not a Tensor`);
  // iterative post-order over every input of every node (see the module comment for why not graphOrder)
  const order: Tensor[] = [];
  const position = new Map<Tensor, number>();
  const stack: [Tensor, number][] = [[output, 0]];
  const onStack = new Set<Tensor>([output]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, k] = top;
    const ins = t.gradFn === null ? [] : t.gradFn.inputs;
    if (k < ins.length) {
      top[1]++;
      const next = ins[k];
      if (!position.has(next) && !onStack.has(next)) {
        stack.push([next, 0]);
        onStack.add(next);
      }
    } else {
      stack.pop();
      onStack.delete(t);
      position.set(t, order.length);
      order.push(t);
    }
  }
  return { order, position, inputs, output, ops };
}

/** The second trace's input: reversed element order, scaled unless all integers, and one more sample along the batch axis. */
function changed(x: Tensor, batchAxis: number | undefined): Tensor {
  const values = Array.from(x.buffer).reverse();
  const integers = values.every((v) => Number.isInteger(v));
  const buffer = x.dtype === 'float32' ? Float32Array.from(values, (v) => (integers ? v : v * 1.03125)) : Float64Array.from(values, (v) => (integers ? v : v * 1.03125));
  let t = new Tensor(buffer, x.shape);
  if (batchAxis !== undefined) {
    noGrad(() => {
      const one = t.slice(batchAxis, 0, 1);
      t = t.shape[batchAxis] === 0 ? t : concatAlong(t, one, batchAxis);
    });
  }
  return t;
}

function concatAlong(a: Tensor, b: Tensor, axis: number): Tensor {
  const shape = a.shape.slice();
  shape[axis] += b.shape[axis];
  // rows of a, then b, along axis: via permute-free index arithmetic
  const outer = a.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const innerA = a.size / outer;
  const innerB = b.size / outer;
  const out = a.dtype === 'float32' ? new Float32Array(a.size + b.size) : new Float64Array(a.size + b.size);
  for (let o = 0; o < outer; o++) {
    out.set(a.buffer.subarray(o * innerA, (o + 1) * innerA), o * (innerA + innerB));
    out.set(b.buffer.subarray(o * innerB, (o + 1) * innerB), o * (innerA + innerB) + innerA);
  }
  return new Tensor(out, shape);
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.size !== b.size || a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) return false;
  for (let i = 0; i < a.size; i++) if (!Object.is(a.buffer[i], b.buffer[i])) return false;
  return true;
}

/** The axes along which `c` is the stabilising shift of `x` (max along them, kept, 0 where ±Infinity), or null. */
function shiftAxes(x: Tensor, c: Tensor): number[] | null {
  if (c.ndim !== x.ndim || x.size === 0) return null;
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (c.shape[i] === 1 && x.shape[i] !== 1) axes.push(i);
    else if (c.shape[i] !== x.shape[i]) return null;
  }
  if (axes.length === 0) return null;
  const m = noGrad(() => x.detach().max(axes, true));
  for (let i = 0; i < m.size; i++) {
    const v = m.buffer[i];
    if (!Object.is(v === Infinity || v === -Infinity ? 0 : v, c.buffer[i])) return null;
  }
  return axes;
}

/** A few ops of core recognised whole in the recorded graph and written as one ONNX node each. */
type Composite = { opType: 'Softmax' | 'LogSoftmax'; x: Tensor; axis: number } | { opType: 'ReduceMean'; x: Tensor; axes: number[]; keepdims: boolean };

/** Reduction axes as sorted non-negative numbers (all when left out). */
function reduceAxesOf(axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  return [...new Set((typeof axes === 'number' ? [axes] : axes).map((a) => (a < 0 ? a + ndim : a)))].sort((a, b) => a - b);
}

const attr = {
  int: (name: string, value: number): OnnxAttribute => ({ name, kind: 'int', value }),
  ints: (name: string, value: number[]): OnnxAttribute => ({ name, kind: 'ints', value }),
};

/** Writes the traced graph as ONNX nodes, checking it against the second trace. */
class GraphWriter implements OnnxEmitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  inputInfos: OnnxValueInfo[] = [];
  outputInfos: OnnxValueInfo[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(
    private readonly first: Trace,
    private readonly second: Trace | null,
    private readonly params: Map<Tensor, string>,
    private readonly inputNames: readonly string[],
    private readonly outputName: string,
    readonly floatType: number,
  ) {}

  /** A fresh value name based on `base`. */
  private fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  node(opType: string, inputs: readonly string[], attributes: readonly OnnxAttribute[] = []): string {
    return this.nodeOutputs(opType, inputs, attributes, 1)[0];
  }

  nodeOutputs(opType: string, inputs: readonly string[], attributes: readonly OnnxAttribute[], count: number): string[] {
    const base = `${opType}_${this.nodes.length}`;
    const outs = Array.from({ length: count }, (_, i) => this.fresh(i === 0 ? base : `${base}_out${i}`));
    this.nodes.push({ opType, inputs: inputs.slice(), outputs: outs, attributes: attributes.slice(), name: base });
    return outs;
  }

  int64s(values: readonly number[]): string {
    return this.constant({ name: '', dims: [values.length], dataType: DataType.INT64, values: values.slice() });
  }

  int64(value: number): string {
    return this.constant({ name: '', dims: [], dataType: DataType.INT64, values: [value] });
  }

  scalar(value: number): string {
    return this.constant({ name: '', dims: [], dataType: this.floatType, values: [value] });
  }

  private constant(t: OnnxTensor): string {
    const out = this.fresh(`const_${this.nodes.length}`);
    this.nodes.push({ opType: 'Constant', inputs: [], outputs: [out], attributes: [{ name: 'value', kind: 'tensor', value: { ...t, name: out } }] });
    return out;
  }

  /** The dimensions of `t` (of the first trace) that differ in the second. */
  private dynamic(t: Tensor): boolean[] {
    const other = this.counterpart(t);
    return t.shape.map((d, i) => other !== null && other.shape[i] !== d);
  }

  private counterpart(t: Tensor): Tensor | null {
    if (this.second === null) return null;
    return this.second.order[this.first.position.get(t)!] ?? null;
  }

  private valueInfo(name: string, t: Tensor): OnnxValueInfo {
    const dyn = this.dynamic(t);
    return { name, elemType: this.floatType, shape: t.shape.map((d, i) => (dyn[i] ? 'batch' : d)) };
  }

  write(): void {
    const { first, second } = this;
    if (second !== null && second.order.length !== first.order.length) {
      throw new ChainruleError(
        `exportOnnx: the forward recorded ${first.order.length} tensors on the example inputs but ${second.order.length} on other inputs; ` +
          'a graph that depends on the input values cannot be exported (pass { check: false } to export the traced one as it is)',
      );
    }
    first.inputs.forEach((x, i) => {
      const name = this.fresh(this.inputNames[i]);
      this.names.set(x, name);
      this.inputInfos.push(this.valueInfo(name, x));
    });
    const fused = this.findComposites();
    for (const t of first.order) {
      if (t.gradFn === null || this.absorbed.has(t)) continue; // leaves are named when first used
      const f = fused.get(t);
      if (f?.opType === 'ReduceMean') this.names.set(t, this.node('ReduceMean', [this.nameOf(f.x, null, -1)], [attr.ints('axes', f.axes), attr.int('keepdims', f.keepdims ? 1 : 0)]));
      else if (f !== undefined) this.names.set(t, this.node(f.opType, [this.nameOf(f.x, null, -1)], [attr.int('axis', f.axis)]));
      else this.names.set(t, this.writeNode(t));
    }
    let out = this.nameOf(first.output, null, -1);
    // the output gets the name asked for: the node that made it is renamed, or an Identity added
    const maker = first.output.gradFn === null ? undefined : this.nodes.find((n) => n.outputs.includes(out));
    if (maker !== undefined && !this.used.has(this.outputName)) {
      maker.outputs[maker.outputs.indexOf(out)] = this.outputName;
      for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === out ? this.outputName : i));
      out = this.fresh(this.outputName);
    } else {
      const renamed = this.fresh(this.outputName);
      this.nodes.push({ opType: 'Identity', inputs: [out], outputs: [renamed], attributes: [] });
      out = renamed;
    }
    this.outputInfos.push(this.valueInfo(out, first.output));
  }

  /** Tensors inside a recognised softmax or logSoftmax: not written on their own. */
  private readonly absorbed = new Set<Tensor>();

  /**
   * core's mean ({@link GraphWriter.meanOf}), softmax and logSoftmax, recognised in the recorded
   * graph so each becomes one ONNX node:
   * softmax is div(e, sum(e, [a], keepdims)) with e = exp(sub(x, shift)), logSoftmax is
   * sub(z, log(sum(exp(z), [a], keepdims))) with z = sub(x, shift), the shift being the detached
   * maximum along a (in both traces), and nothing else using the intermediates.
   */
  private findComposites(): Map<Tensor, Composite> {
    const uses = new Map<Tensor, number>([[this.first.output, 1]]);
    for (const t of this.first.order) for (const x of t.gradFn?.inputs ?? []) uses.set(x, (uses.get(x) ?? 0) + 1);
    const op = (t: Tensor | undefined, name: string): boolean => t !== undefined && t.gradFn !== null && t.gradFn.op.name === name;
    const input = (t: Tensor, i: number): Tensor => t.gradFn!.inputs[i];
    /** The axis of sum(e, [a], keepdims: true), or -1. */
    const keptSumAxis = (t: Tensor): number => {
      const p = t.gradFn!.params as { axes?: number | readonly number[]; keepdims?: boolean } | undefined;
      const axes = p?.axes === undefined ? null : typeof p.axes === 'number' ? [p.axes] : p.axes;
      if (p?.keepdims !== true || axes === null || axes.length !== 1) return -1;
      return axes[0] < 0 ? axes[0] + t.ndim : axes[0];
    };
    /** x if z = sub(x, shift of x along exactly [axis]) in both traces, else null. */
    const shifted = (z: Tensor, axis: number): Tensor | null => {
      if (!op(z, 'sub')) return null;
      const [x, c] = [input(z, 0), input(z, 1)];
      if (c.gradFn !== null || this.params.has(c) || this.first.inputs.includes(c)) return null;
      const axes = shiftAxes(x, c);
      if (axes === null || axes.length !== 1 || axes[0] !== axis) return null;
      const [x2, c2] = [this.counterpart(x), this.counterpart(c)];
      if (x2 !== null && (c2 === null || JSON.stringify(shiftAxes(x2, c2)) !== JSON.stringify(axes))) return null;
      return x;
    };
    const found = new Map<Tensor, Composite>();
    for (const out of this.first.order) {
      const mean = op(out, 'div') ? this.meanOf(out, uses) : null;
      if (mean !== null) {
        found.set(out, mean);
        this.absorbed.add(input(out, 0));
      } else if (op(out, 'div')) {
        const [e, s] = [input(out, 0), input(out, 1)];
        if (!op(e, 'exp') || !op(s, 'sum') || input(s, 0) !== e) continue;
        const axis = keptSumAxis(s);
        const z = input(e, 0);
        const x = axis < 0 ? null : shifted(z, axis);
        if (x === null || uses.get(e) !== 2 || uses.get(s) !== 1 || uses.get(z) !== 1) continue;
        found.set(out, { opType: 'Softmax', x, axis });
        for (const t of [e, s, z]) this.absorbed.add(t);
      } else if (op(out, 'sub')) {
        const [z, l] = [input(out, 0), input(out, 1)];
        if (!op(l, 'log')) continue;
        const s = input(l, 0);
        if (!op(s, 'sum')) continue;
        const e = input(s, 0);
        if (!op(e, 'exp') || input(e, 0) !== z) continue;
        const axis = keptSumAxis(s);
        const x = axis < 0 ? null : shifted(z, axis);
        if (x === null || uses.get(z) !== 2 || uses.get(e) !== 1 || uses.get(s) !== 1 || uses.get(l) !== 1) continue;
        found.set(out, { opType: 'LogSoftmax', x, axis });
        for (const t of [z, e, s, l]) this.absorbed.add(t);
      }
    }
    return found;
  }

  /**
   * core's mean, div(sum(x, axes), n) with n the number of elements summed (in both traces, so a
   * mean over the batch axis follows the batch size), as one ReduceMean; null if `out` is not one.
   */
  private meanOf(out: Tensor, uses: Map<Tensor, number>): Composite | null {
    const [s, n] = out.gradFn!.inputs;
    if (s.gradFn === null || s.gradFn.op.name !== 'sum' || uses.get(s) !== 1 || n.gradFn !== null || n.size !== 1 || this.params.has(n)) return null;
    const x = s.gradFn.inputs[0];
    const p = s.gradFn.params as { axes?: number | readonly number[]; keepdims?: boolean } | undefined;
    const axes = reduceAxesOf(p?.axes, x.ndim);
    const count = (t: Tensor) => axes.reduce((c, a) => c * t.shape[a], 1);
    if (axes.length === 0 || n.buffer[0] !== count(x)) return null;
    const [x2, n2] = [this.counterpart(x), this.counterpart(n)];
    if (x2 !== null && (n2 === null || n2.buffer[0] !== count(x2))) return null;
    return { opType: 'ReduceMean', x, axes, keepdims: p?.keepdims === true };
  }

  /** The ONNX name of `t`, used as input `index` of `user` (naming parameters and constants on first use). */
  private nameOf(t: Tensor, user: Tensor | null, index: number): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    const param = this.params.get(t);
    if (param !== undefined) {
      const name = this.fresh(param);
      this.initializers.push({ name, dims: t.shape.slice(), dataType: this.floatType, values: t.buffer });
      this.names.set(t, name);
      return name;
    }
    if (t instanceof Parameter) {
      throw new ChainruleError(`exportOnnx: the forward uses a Parameter of shape ${fmtShape(t.shape)} that is not one of the module's parameters; register it in a field of the module`);
    }
    // a constant: the stabilising shift of softmax/logsumexp, or a true constant (the same in both traces)
    if (user !== null && user.gradFn!.op.name === 'sub' && index === 1) {
      const x = user.gradFn!.inputs[0];
      const axes = shiftAxes(x, t);
      const other = this.counterpart(t);
      const otherUser = this.counterpart(user);
      if (axes !== null && (other === null || (otherUser !== null && shiftAxes(otherUser.gradFn!.inputs[0], other) !== null))) {
        const m = this.node('ReduceMax', [this.nameOf(x, null, -1)], [attr.ints('axes', axes), attr.int('keepdims', 1)]);
        const shift = this.node('Where', [this.node('IsInf', [m]), this.scalar(0), m]); // 0 where the maximum is infinite, as core's shift
        this.names.set(t, shift); // logsumexp adds the same shift back
        return shift;
      }
    }
    const other = this.counterpart(t);
    if (other !== null && !sameValues(t, other)) {
      const by = user === null ? 'the output' : `input '${user.gradFn!.op.inputName(index)}' of ${user.gradFn!.op.name}`;
      throw new ChainruleError(
        `exportOnnx: ${by} (shape ${fmtShape(t.shape)}) is a constant in the recorded graph but changes with the inputs: it was computed from them ` +
          'outside the recorded graph (detach(), noGrad, or values read out and made into a new tensor); such a graph cannot be exported (pass { check: false } to freeze the traced value)',
      );
    }
    const name = this.constant({ name: '', dims: t.shape.slice(), dataType: this.floatType, values: t.buffer });
    this.names.set(t, name);
    return name;
  }

  private writeNode(t: Tensor): string {
    const node = t.gradFn!;
    const name = node.op.name;
    const rule = EXPORT_RULES[name];
    const refused = REFUSED_OPS[name];
    if (refused !== undefined) throw new ChainruleError(`exportOnnx: op '${name}' (result of shape ${fmtShape(t.shape)}) does not export: ${refused}`);
    if (rule === undefined) {
      throw new ChainruleError(
        `exportOnnx: op '${name}' (result of shape ${fmtShape(t.shape)}) has no ONNX form in chainrule's op table; ` +
          `ops that export: ${Object.keys(EXPORT_RULES).sort().join(', ')}`,
      );
    }
    const other = this.counterpart(t);
    if (other !== null) {
      const otherNode = other.gradFn;
      const shapeParams = name === 'reshape' || name === 'expand'; // their targets follow the batch size
      if (otherNode === null || otherNode.op.name !== name || otherNode.inputs.length !== node.inputs.length || (!shapeParams && paramsKey(otherNode.params) !== paramsKey(node.params))) {
        throw new ChainruleError(
          `exportOnnx: the forward computed ${name} with params ${JSON.stringify(node.params)} on the example inputs, but ` +
            `${otherNode === null ? 'no op' : `${otherNode.op.name} with params ${JSON.stringify(otherNode.params)}`} there on other inputs; ` +
            'a graph that depends on the input values cannot be exported (pass { check: false } to export the traced one as it is)',
        );
      }
    }
    const inputs = node.inputs.map((x, i) => this.nameOf(x, t, i));
    const exportNode: ExportNode = {
      op: name,
      params: node.params,
      inputs,
      inputShapes: node.inputs.map((x) => x.shape),
      inputDynamic: node.inputs.map((x) => this.dynamicOf(x)),
      shape: t.shape,
      dynamic: this.dynamic(t),
    };
    return rule(this, exportNode);
  }

  private dynamicOf(x: Tensor): boolean[] {
    return this.first.position.has(x) ? this.dynamic(x) : x.shape.map(() => false);
  }
}

/** Params that record the batch size (a pool's planes N·C and shapes) follow the batch: compared without them. */
const BATCH_KEYS = new Set(['planes', 'shape', 'inShape', 'outShape']);
function paramsKey(params: unknown): string {
  return JSON.stringify(params, (k, v: unknown) => (BATCH_KEYS.has(k) && typeof params === 'object' && params !== null && ('geometry' in params || 'plan' in params) ? undefined : v));
}

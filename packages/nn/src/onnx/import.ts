/**
 * ONNX import: an ONNX model (written by {@link exportOnnx}, by PyTorch's `torch.onnx.export`, ...)
 * becomes a chainrule {@link Module} whose float initializers are {@link Parameter}s, computed node
 * by node with chainrule ops through the op table ({@link IMPORT_RULES}), so it can be inspected
 * with `explain`, trained, saved and exported again.
 * @module
 */
import { ChainruleError, Tensor, tensor, type DType } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { DataType, dataTypeName, decodeModel, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';
import { IMPORT_RULES, type ImportNode } from './op-table.js';

/** Options of {@link importOnnx}. @example `importOnnx(bytes, { constants: ['onnx::Mul_7'] })` */
export interface ImportOnnxOptions {
  /** Float initializers to keep as constants rather than trainable Parameters (by name). */
  constants?: readonly string[];
}

/** A module that only holds parameters under a dotted path (`0` of `0.weight`); it computes nothing. */
class ParameterGroup extends Module {
  forward(): Tensor {
    throw new ChainruleError('a parameter group of an imported ONNX model has no forward of its own; call the OnnxModule');
  }
}

/**
 * A model read from ONNX: `forward(...inputs)` runs the graph's nodes in order with chainrule ops.
 * Its parameters are the graph's float initializers, named as in the file (`0.weight` stays
 * `0.weight`, so a PyTorch state dict of the same model loads with `loadStateDict`).
 * @example
 * ```ts
 * const net = importOnnx(bytes);
 * net.inputNames;                       // ['x']
 * net.forward(tensor([[1, 2, 3]]));     // the model's output, differentiable
 * new SGD(net.parameters(), { lr: 0.1 });
 * ```
 */
export class OnnxModule extends Module {
  readonly #model: OnnxModel;
  readonly #values: Map<string, Tensor>;
  readonly #dtype: DType;
  readonly #opset: number;

  /** @internal use {@link importOnnx}. */
  constructor(model: OnnxModel, options: ImportOnnxOptions = {}) {
    super();
    this.#model = model;
    const opset = model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
    if (opset === undefined || opset < 13 || opset > 17) {
      throw new ChainruleError(`importOnnx: the model uses opset ${opset ?? 'none'} of the default domain; chainrule imports opsets 13 to 17 (torch.onnx.export(..., opset_version=17))`);
    }
    this.#opset = opset;
    const other = model.opsetImports.find((o) => o.domain !== '' && o.domain !== 'ai.onnx');
    if (other !== undefined && model.graph.nodes.some((n) => (n.domain ?? '') === other.domain)) {
      throw new ChainruleError(`importOnnx: the model uses ops of domain '${other.domain}', which chainrule does not import`);
    }
    const floats = model.graph.initializers.filter((t) => t.dataType === DataType.DOUBLE || t.dataType === DataType.FLOAT);
    this.#dtype = floats.some((t) => t.dataType === DataType.DOUBLE) || floats.length === 0 ? 'float64' : 'float32';
    const keep = new Set(options.constants ?? []);
    this.#values = new Map();
    for (const t of model.graph.initializers) {
      const value = toTensor(t);
      const isFloat = t.dataType === DataType.DOUBLE || t.dataType === DataType.FLOAT;
      this.#values.set(t.name, isFloat && !keep.has(t.name) ? this.#register(t.name, value) : value);
    }
    const known = new Set(this.#values.keys());
    for (const n of model.graph.nodes) {
      if (IMPORT_RULES[n.opType] === undefined) {
        throw new ChainruleError(`importOnnx: node '${n.name ?? n.outputs[0]}' is ${n.opType}, which has no chainrule form in the op table; ops that import: ${Object.keys(IMPORT_RULES).sort().join(', ')}`);
      }
      for (const o of n.outputs) known.add(o);
    }
    for (const i of this.inputNames) known.add(i);
    for (const o of model.graph.outputs) {
      if (!known.has(o.name)) throw new ChainruleError(`importOnnx: the graph's output '${o.name}' is computed by no node`);
    }
  }

  /** Makes a Parameter for initializer `name` and hangs it under its dotted path. */
  #register(name: string, value: Tensor): Parameter {
    const p = new Parameter(value, { name });
    const parts = name.split('.');
    const path = parts.every((s) => s !== '') ? parts : [name];
    let holder: Module = this;
    for (const segment of path.slice(0, -1)) {
      const fields = holder as unknown as Record<string, unknown>;
      if (!(fields[segment] instanceof ParameterGroup)) {
        if (segment in fields) throw new ChainruleError(`importOnnx: initializer '${name}' clashes with the field '${segment}' of the module`);
        fields[segment] = new ParameterGroup();
      }
      holder = fields[segment] as Module;
    }
    const leaf = path[path.length - 1];
    const fields = holder as unknown as Record<string, unknown>;
    if (leaf in fields) throw new ChainruleError(`importOnnx: initializer '${name}' clashes with the field '${leaf}' of the module`);
    fields[leaf] = p;
    return p;
  }

  /** The names of the graph's inputs (initializers listed as inputs by older writers left out). */
  get inputNames(): string[] {
    const init = new Set(this.#model.graph.initializers.map((t) => t.name));
    return this.#model.graph.inputs.filter((v) => !init.has(v.name)).map((v) => v.name);
  }

  /** The names of the graph's outputs. */
  get outputNames(): string[] {
    return this.#model.graph.outputs.map((v) => v.name);
  }

  /** The ONNX op types of the graph's nodes, in order. */
  get opTypes(): string[] {
    return this.#model.graph.nodes.map((n) => n.opType);
  }

  /** `inputs=[x], nodes=3, opset=17`. */
  override extraRepr(): string {
    return `inputs=[${this.inputNames.join(', ')}], nodes=${this.#model.graph.nodes.length}, opset=${this.#opset}`;
  }

  /**
   * Runs the graph on `inputs`, given in the order of {@link OnnxModule.inputNames}; returns the
   * first output (see {@link OnnxModule.run} for all of them).
   */
  forward(...inputs: Tensor[]): Tensor {
    return this.run(...inputs)[0];
  }

  /** Runs the graph and returns every output, in the order of {@link OnnxModule.outputNames}. */
  run(...inputs: Tensor[]): Tensor[] {
    const names = this.inputNames;
    if (inputs.length !== names.length) throw new ChainruleError(`OnnxModule: the graph takes ${names.length} input(s) (${names.join(', ')}), got ${inputs.length}`);
    const env = new Map(this.#values);
    names.forEach((name, i) => {
      const x = inputs[i];
      if (!(x instanceof Tensor)) throw new ChainruleError(`OnnxModule: input '${name}' must be a Tensor, got ${describeValue(x)}`);
      env.set(name, x);
    });
    // values of an integer type in ONNX (shapes, positions): carried as floats, but Div truncates them
    const integer = new Set(this.#model.graph.initializers.filter((t) => INTEGER_TYPES.has(t.dataType)).map((t) => t.name));
    for (const n of this.#model.graph.nodes) {
      const out = IMPORT_RULES[n.opType](this.#view(n, env, integer));
      n.outputs.forEach((name, i) => {
        if (name !== '' && isIntegerOutput(n, i, integer)) integer.add(name);
      });
      if (out instanceof Tensor) env.set(n.outputs[0], out);
      else {
        // several outputs (TopK, Split): an empty name leaves that output out
        n.outputs.forEach((name, i) => {
          if (name === '') return;
          if (out[i] === undefined) throw new ChainruleError(`importOnnx: ${n.opType} '${n.name ?? name}' has ${n.outputs.length} outputs, chainrule computed ${out.length}`);
          env.set(name, out[i]);
        });
      }
    }
    return this.outputNames.map((o) => env.get(o)!);
  }

  #view(n: OnnxNode, env: Map<string, Tensor>, integer: ReadonlySet<string>): ImportNode {
    const label = n.name !== undefined && n.name !== '' ? n.name : n.outputs[0];
    const attrs = new Map<string, OnnxAttribute>(n.attributes.map((a) => [a.name, a]));
    const optional = (i: number): Tensor | undefined => {
      const name = n.inputs[i];
      if (name === undefined || name === '') return undefined;
      const v = env.get(name);
      if (v === undefined) throw new ChainruleError(`importOnnx: ${n.opType} '${label}' reads '${name}', which no earlier node computes`);
      return v;
    };
    const attrOf = <K extends OnnxAttribute['kind']>(name: string, kind: K): Extract<OnnxAttribute, { kind: K }> | undefined => {
      const a = attrs.get(name);
      if (a === undefined) return undefined;
      if (a.kind !== kind) throw new ChainruleError(`importOnnx: attribute '${name}' of ${n.opType} '${label}' is a ${a.kind}, expected a ${kind}`);
      return a as Extract<OnnxAttribute, { kind: K }>;
    };
    return {
      opType: n.opType,
      label,
      outputCount: n.outputs.length,
      dtype: this.#dtype,
      opset: this.#opset,
      optional,
      x: (i) => {
        const v = optional(i);
        if (v === undefined) throw new ChainruleError(`importOnnx: ${n.opType} '${label}' needs input ${i}`);
        return v;
      },
      ints: (i) => {
        const v = optional(i);
        if (v === undefined) throw new ChainruleError(`importOnnx: ${n.opType} '${label}' needs input ${i} (a list of integers)`);
        return Array.from(v.buffer);
      },
      integer: (i) => n.inputs[i] !== undefined && integer.has(n.inputs[i]),
      has: (name) => attrs.has(name),
      int: (name, fallback) => attrOf(name, 'int')?.value ?? fallback,
      intsAttr: (name) => attrOf(name, 'ints')?.value,
      float: (name, fallback) => attrOf(name, 'float')?.value ?? fallback,
      string: (name, fallback) => attrOf(name, 'string')?.value ?? fallback,
      tensorAttr: (name) => {
        const t = attrOf(name, 'tensor')?.value;
        return t === undefined ? undefined : toTensor(t);
      },
    };
  }
}

/** ONNX's integer element types (INT8 to UINT64). */
const INTEGER_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13]);

/** Ops whose output has the element type of their (first data) input. */
const SAME_TYPE = new Set([
  'Abs', 'Add', 'Clip', 'Concat', 'Div', 'Expand', 'Flatten', 'Gather', 'GatherElements', 'Identity', 'Max', 'Min', 'Mul', 'Neg', 'Pad',
  'ReduceMax', 'ReduceMin', 'ReduceSum', 'Reshape', 'Sign', 'Slice', 'Split', 'Squeeze', 'Sub', 'Tile', 'Transpose', 'Unsqueeze',
]);

/** Whether output `i` of node `n` is of an integer type in ONNX, given which values before it are. */
function isIntegerOutput(n: OnnxNode, i: number, integer: ReadonlySet<string>): boolean {
  const attr = (name: string) => n.attributes.find((a) => a.name === name);
  const value = attr('value');
  switch (n.opType) {
    case 'Shape':
    case 'Size':
    case 'ArgMax':
    case 'ArgMin':
      return true;
    case 'TopK':
      return i === 1;
    case 'Cast': {
      const to = attr('to');
      return to?.kind === 'int' && INTEGER_TYPES.has(to.value);
    }
    case 'Constant':
      return value?.kind === 'tensor' ? INTEGER_TYPES.has(value.value.dataType) : attr('value_int') !== undefined || attr('value_ints') !== undefined;
    case 'ConstantOfShape':
      return value?.kind === 'tensor' && INTEGER_TYPES.has(value.value.dataType);
    case 'Range':
      return integer.has(n.inputs[0]);
    case 'Where':
      return integer.has(n.inputs[1]);
    default:
      return SAME_TYPE.has(n.opType) && integer.has(n.inputs[0]);
  }
}

/** An ONNX tensor as a chainrule tensor: DOUBLE float64, FLOAT float32, integers and booleans float64. */
function toTensor(t: OnnxTensor): Tensor {
  if (t.dataType === DataType.DOUBLE) return tensor(Float64Array.from(t.values), { shape: t.dims });
  if (t.dataType === DataType.FLOAT) return tensor(Float32Array.from(t.values), { shape: t.dims, dtype: 'float32' });
  if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32 || t.dataType === DataType.BOOL) return tensor(Float64Array.from(t.values), { shape: t.dims });
  throw new ChainruleError(`importOnnx: tensor '${t.name}' is ${dataTypeName(t.dataType)}, which chainrule does not read`);
}

/**
 * Reads an ONNX model (opsets 13 to 17 of the default domain, e.g. from `torch.onnx.export(...,
 * opset_version=17)` or {@link exportOnnx}) as an {@link OnnxModule}: float initializers become
 * trainable Parameters named as in the file, and every node is computed by chainrule ops, so the
 * result is differentiable. It reads every op type exportOnnx writes, and those torch.onnx.export
 * writes for the same computations (Gemm, Gather, Split, TopK, OneHot, Einsum, Sin, Erf, Round,
 * LeakyRelu, Elu, Selu, Softplus, CumSum with `exclusive`, ReduceProd, ReduceL1, ReduceL2, ...; the
 * list is `Object.keys(IMPORT_RULES)`). A node type without a chainrule form is refused with its
 * name.
 * @example
 * ```ts
 * const net = importOnnx(fs.readFileSync('model.onnx'));
 * net.namedParameters().map(([n]) => n); // ['0.weight', '0.bias', '2.weight', '2.bias']
 * net.forward(x).backward();
 * ```
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, options: ImportOnnxOptions = {}): OnnxModule {
  const input = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(input instanceof Uint8Array)) throw new ChainruleError(`importOnnx: expected the file's bytes (a Uint8Array or ArrayBuffer), got ${describeValue(bytes)}`);
  return new OnnxModule(decodeModel(input), options);
}

/**
 * The ONNX messages chainrule reads and writes (onnx.proto, IR version 8): ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto with its TypeProto.Tensor and
 * TensorShapeProto, OperatorSetIdProto and StringStringEntryProto, as plain objects, with an encoder
 * and a decoder over the wire format of `protobuf.ts`. Field numbers are onnx.proto's.
 * @module
 */
import { ChainruleError } from '@chainrule/core';
import { ProtoWriter, asBytes, asFloat, asInt, asString, readFields, repeatedDouble, repeatedFloat, repeatedInt, type ProtoField } from './protobuf.js';

/** TensorProto.DataType values chainrule uses. @example `DataType.DOUBLE // 11` */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** The name of a TensorProto.DataType, for messages. @example `dataTypeName(11) // 'DOUBLE'` */
export function dataTypeName(t: number): string {
  const names: Record<number, string> = { 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING', 9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 16: 'BFLOAT16' };
  return names[t] ?? `data type ${t}`;
}

/**
 * A TensorProto: values as numbers (INT64 values beyond ±2⁵³ lose precision, except the
 * "to the end" bound INT64_MAX, which is written back exactly).
 * @example
 * ```ts
 * const t: OnnxTensor = { name: '0.weight', dims: [2, 3], dataType: DataType.DOUBLE, values: new Float64Array(6) };
 * ```
 */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  values: Float64Array | Float32Array | number[];
}

/** An AttributeProto, by kind. @example `{ name: 'axis', kind: 'int', value: 1 }` */
export type OnnxAttribute =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: number[] }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'floats'; value: number[] }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'tensor'; value: OnnxTensor };

/** A NodeProto. @example `{ opType: 'Relu', inputs: ['x'], outputs: ['y'], attributes: [] }` */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
  name?: string;
  domain?: string;
}

/** A ValueInfoProto of a tensor: element type and shape, a dimension a size or a symbolic name. @example `{ name: 'x', elemType: 11, shape: ['batch', 2] }` */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string)[] | null;
}

/** A GraphProto. @example `{ name: 'main', nodes: [], initializers: [], inputs: [], outputs: [] }` */
export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  docString?: string;
}

/** A ModelProto. @example `{ irVersion: 8, opsetImports: [{ domain: '', version: 17 }], graph, ... }` */
export interface OnnxModel {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  metadataProps: { key: string; value: string }[];
}

const INT64_MAX = 9223372036854775807n;

// ------------------------------------------------------------------ encoding

/**
 * The bytes of an ONNX model file.
 * @example
 * ```ts
 * const bytes = encodeModel(model); // what onnxruntime's InferenceSession.create takes
 * ```
 */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int64(1, m.irVersion); // ir_version
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.docString !== '') w.string(6, m.docString);
  w.message(7, (g) => writeGraph(g, m.graph));
  for (const op of m.opsetImports) {
    w.message(8, (o) => {
      if (op.domain !== '') o.string(1, op.domain);
      o.int64(2, op.version);
    });
  }
  for (const { key, value } of m.metadataProps) {
    w.message(14, (e) => {
      e.string(1, key);
      e.string(2, value);
    });
  }
  return w.finish();
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (nw) => writeNode(nw, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (tw) => writeTensor(tw, t));
  if (g.docString !== undefined && g.docString !== '') w.string(10, g.docString);
  for (const v of g.inputs) w.message(11, (vw) => writeValueInfo(vw, v));
  for (const v of g.outputs) w.message(12, (vw) => writeValueInfo(vw, v));
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name !== undefined) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes) w.message(5, (aw) => writeAttribute(aw, a));
  if (n.domain !== undefined && n.domain !== '') w.string(7, n.domain);
}

// AttributeProto.AttributeType
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  switch (a.kind) {
    case 'float': w.float(2, a.value); break;
    case 'int': w.int64(3, a.value); break;
    case 'string': w.string(4, a.value); break;
    case 'tensor': w.message(5, (t) => writeTensor(t, a.value)); break;
    case 'floats': w.packedFloat(7, a.value); break;
    case 'ints': w.packedInt64(8, a.value.map(toInt64)); break;
  }
  w.int64(20, ATTRIBUTE_TYPE[a.kind]);
}

function toInt64(v: number): number | bigint {
  return v >= 9223372036854775807 ? INT64_MAX : v <= -9223372036854775808 ? -INT64_MAX - 1n : v;
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInt64(1, t.dims);
  w.int64(2, t.dataType);
  w.string(8, t.name);
  const n = t.values.length;
  let raw: Uint8Array;
  if (t.dataType === DataType.DOUBLE) {
    raw = new Uint8Array(8 * n);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setFloat64(8 * i, t.values[i], true);
  } else if (t.dataType === DataType.FLOAT) {
    raw = new Uint8Array(4 * n);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setFloat32(4 * i, t.values[i], true);
  } else if (t.dataType === DataType.INT64) {
    raw = new Uint8Array(8 * n);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(toInt64(t.values[i])), true);
  } else if (t.dataType === DataType.BOOL) {
    raw = Uint8Array.from(t.values, (v) => (v !== 0 ? 1 : 0));
  } else {
    throw new ChainruleError(`ONNX encoding: tensor '${t.name}' of ${dataTypeName(t.dataType)} is not supported`);
  }
  w.bytes(9, raw); // raw_data, little-endian
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int64(1, v.elemType);
      if (v.shape !== null) {
        const shape = v.shape;
        tensor.message(2, (s) => {
          for (const d of shape) s.message(1, (dim) => (typeof d === 'number' ? dim.int64(1, d) : dim.string(2, d)));
        });
      }
    }),
  );
}

// ------------------------------------------------------------------ decoding

/**
 * Reads an ONNX model file's bytes. Refuses what chainrule cannot read (external data, sparse or
 * string tensors), naming the tensor.
 * @example
 * ```ts
 * decodeModel(bytes).graph.nodes.map((n) => n.opType); // ['Gemm', 'Tanh', 'Gemm']
 * ```
 */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const m: OnnxModel = { irVersion: 0, opsetImports: [], producerName: '', producerVersion: '', docString: '', graph: emptyGraph(), metadataProps: [] };
  let sawGraph = false;
  for (const f of readFields(bytes, 'ModelProto')) {
    if (f.field === 1) m.irVersion = asInt(f);
    else if (f.field === 2) m.producerName = asString(f);
    else if (f.field === 3) m.producerVersion = asString(f);
    else if (f.field === 6) m.docString = asString(f);
    else if (f.field === 7) {
      m.graph = readGraph(asBytes(f));
      sawGraph = true;
    } else if (f.field === 8) {
      let domain = '';
      let version = 0;
      for (const g of readFields(asBytes(f), 'OperatorSetIdProto')) {
        if (g.field === 1) domain = asString(g);
        else if (g.field === 2) version = asInt(g);
      }
      m.opsetImports.push({ domain, version });
    } else if (f.field === 14) {
      let key = '';
      let value = '';
      for (const g of readFields(asBytes(f), 'StringStringEntryProto')) {
        if (g.field === 1) key = asString(g);
        else if (g.field === 2) value = asString(g);
      }
      m.metadataProps.push({ key, value });
    }
  }
  if (!sawGraph) throw new ChainruleError('not a valid ONNX file: the model has no graph');
  return m;
}

function emptyGraph(): OnnxGraph {
  return { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
}

function readGraph(bytes: Uint8Array): OnnxGraph {
  const g = emptyGraph();
  for (const f of readFields(bytes, 'GraphProto')) {
    if (f.field === 1) g.nodes.push(readNode(asBytes(f)));
    else if (f.field === 2) g.name = asString(f);
    else if (f.field === 5) g.initializers.push(readTensor(asBytes(f)));
    else if (f.field === 10) g.docString = asString(f);
    else if (f.field === 11) g.inputs.push(readValueInfo(asBytes(f)));
    else if (f.field === 12) g.outputs.push(readValueInfo(asBytes(f)));
    else if (f.field === 15) throw new ChainruleError('importOnnx: the graph has sparse initializers, which chainrule does not read');
  }
  return g;
}

function readNode(bytes: Uint8Array): OnnxNode {
  const n: OnnxNode = { opType: '', inputs: [], outputs: [], attributes: [] };
  for (const f of readFields(bytes, 'NodeProto')) {
    if (f.field === 1) n.inputs.push(asString(f));
    else if (f.field === 2) n.outputs.push(asString(f));
    else if (f.field === 3) n.name = asString(f);
    else if (f.field === 4) n.opType = asString(f);
    else if (f.field === 5) {
      const a = readAttribute(asBytes(f));
      if (a !== null) n.attributes.push(a);
    } else if (f.field === 7) n.domain = asString(f);
  }
  return n;
}

function readAttribute(bytes: Uint8Array): OnnxAttribute | null {
  const fields = readFields(bytes, 'AttributeProto');
  let name = '';
  let type = 0;
  for (const f of fields) {
    if (f.field === 1) name = asString(f);
    else if (f.field === 20) type = asInt(f);
  }
  const one = (field: number): ProtoField | undefined => fields.find((f) => f.field === field);
  // type 0 (UNDEFINED) comes from old writers: infer the kind from the field present
  if (type === 0) type = one(2) ? 1 : one(3) ? 2 : one(4) ? 3 : one(5) ? 4 : one(7) ? 6 : one(8) ? 7 : 0;
  switch (type) {
    case 1: return { name, kind: 'float', value: one(2) ? asFloat(one(2)!) : 0 };
    case 2: return { name, kind: 'int', value: one(3) ? asInt(one(3)!) : 0 };
    case 3: return { name, kind: 'string', value: one(4) ? asString(one(4)!) : '' };
    case 4: return { name, kind: 'tensor', value: readTensor(asBytes(one(5)!)) };
    case 6: return { name, kind: 'floats', value: repeatedFloat(fields, 7) };
    case 7: return { name, kind: 'ints', value: repeatedInt(fields, 8, `attribute ${name}`) };
    default: return null; // graphs, strings lists, sparse tensors: no op chainrule imports uses them
  }
}

function readTensor(bytes: Uint8Array): OnnxTensor {
  const fields = readFields(bytes, 'TensorProto');
  let name = '';
  let dataType = 0;
  let raw: Uint8Array | null = null;
  for (const f of fields) {
    if (f.field === 2) dataType = asInt(f);
    else if (f.field === 8) name = asString(f);
    else if (f.field === 9) raw = asBytes(f);
    else if (f.field === 14 && asInt(f) === 1) throw new ChainruleError(`importOnnx: tensor '${name}' keeps its data in an external file, which chainrule does not read; save the model with its data inside`);
  }
  const dims = repeatedInt(fields, 1, `tensor ${name}`);
  const size = dims.reduce((a, b) => a * b, 1);
  let values: Float64Array | Float32Array | number[];
  if (raw !== null) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (dataType === DataType.DOUBLE) values = Float64Array.from({ length: raw.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
    else if (dataType === DataType.FLOAT) values = Float32Array.from({ length: raw.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
    else if (dataType === DataType.INT64) values = Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    else if (dataType === DataType.INT32) values = Array.from({ length: raw.length / 4 }, (_, i) => view.getInt32(4 * i, true));
    else if (dataType === DataType.BOOL) values = Array.from(raw);
    else throw new ChainruleError(`importOnnx: tensor '${name}' is ${dataTypeName(dataType)}; chainrule reads DOUBLE, FLOAT, INT64, INT32 and BOOL tensors`);
  } else if (dataType === DataType.DOUBLE) values = Float64Array.from(repeatedDouble(fields, 10));
  else if (dataType === DataType.FLOAT) values = Float32Array.from(repeatedFloat(fields, 4));
  else if (dataType === DataType.INT64) values = repeatedInt(fields, 7, `tensor ${name}`);
  else if (dataType === DataType.INT32 || dataType === DataType.BOOL) values = repeatedInt(fields, 5, `tensor ${name}`);
  else throw new ChainruleError(`importOnnx: tensor '${name}' is ${dataTypeName(dataType)}; chainrule reads DOUBLE, FLOAT, INT64, INT32 and BOOL tensors`);
  if (values.length !== size) throw new ChainruleError(`not a valid ONNX file: tensor '${name}' of dims [${dims.join(', ')}] holds ${values.length} values, expected ${size}`);
  return { name, dims, dataType, values };
}

function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, shape: null };
  for (const f of readFields(bytes, 'ValueInfoProto')) {
    if (f.field === 1) v.name = asString(f);
    else if (f.field === 2) {
      for (const t of readFields(asBytes(f), 'TypeProto')) {
        if (t.field !== 1) continue; // tensor_type
        for (const tt of readFields(asBytes(t), 'TypeProto.Tensor')) {
          if (tt.field === 1) v.elemType = asInt(tt);
          else if (tt.field === 2) {
            v.shape = [];
            for (const d of readFields(asBytes(tt), 'TensorShapeProto')) {
              if (d.field !== 1) continue;
              let dim: number | string = '?';
              for (const x of readFields(asBytes(d), 'Dimension')) {
                if (x.field === 1) dim = asInt(x);
                else if (x.field === 2) dim = asString(x);
              }
              v.shape.push(dim);
            }
          }
        }
      }
    }
  }
  return v;
}

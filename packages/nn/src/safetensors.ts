/**
 * safetensors: the tensor file format of Hugging Face's `safetensors` library, which PyTorch
 * users load with `safetensors.torch.load_file` (or by hand: it is only a length, JSON and bytes).
 * Bytes in, bytes out, so it works in browsers as in Node; `@chainrule/nn/node` adds file helpers.
 *
 * The layout, exactly as the reference (Rust) library writes it:
 *
 * - 8 bytes: N, the header's length, an unsigned 64-bit little-endian integer;
 * - N bytes: the header, UTF-8 JSON: `{"__metadata__": {string: string}, "<name>": {"dtype": "F64",
 *   "shape": [2, 3], "data_offsets": [begin, end]}, ...}`, padded with spaces to a multiple of 8 bytes
 *   so every tensor's data starts 8-byte aligned;
 * - the data: each tensor's elements row-major, little-endian, back to back; offsets count from
 *   the start of the data, the first tensor starts at 0 and the last ends at the end of the file.
 *
 * Tensors are ordered by descending dtype alignment (F64 before F32), then by name (byte order),
 * and the header lists them in that order after `__metadata__`, as the reference library does.
 *
 * Names are the module's parameter names, which are PyTorch's for the same model
 * (`Sequential` layers are `0.weight`, `0.bias`, ...), so a state dict written here loads into the
 * equivalent `torch.nn` model with `load_state_dict`.
 * @module
 */
import { ChainruleError, fmtShape, type DType } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Module } from './module.js';
import type { StateDict, TensorState } from './state-dict.js';

/** Free-form string metadata stored in a safetensors header under `__metadata__`. @example `{ format: 'pt', description: 'a 2-4-1 regressor' }` */
export type SafetensorsMetadata = Record<string, string>;

/** The safetensors dtype names chainrule reads and writes, by chainrule dtype. */
const DTYPE_NAMES: Readonly<Record<DType, string>> = { float64: 'F64', float32: 'F32' };
const BYTES: Readonly<Record<DType, number>> = { float64: 8, float32: 4 };
// the reference library's header limit: larger headers are refused as corrupt
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor to write: its name, dtype, shape and elements (plain or typed array). */
interface Entry {
  name: string;
  dtype: DType;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * Encodes a module's parameters (or a state dict) in the safetensors format.
 *
 * - `source`: a {@link Module} (its {@link Module.namedParameters}, under PyTorch's names) or a
 *   {@link StateDict} such as {@link Module.stateDict} returns.
 * - `metadata`: strings stored under `__metadata__`. For a module, chainrule adds `format: 'pt'`
 *   (what `safetensors.torch` writes, and what Hugging Face's loaders look for) and
 *   `chainrule.model`, the module's description (its `toString()` tree); keys given here win.
 *
 * float64 tensors are written as F64, float32 as F32; every value (NaN, ±Infinity, −0) is kept bit for bit.
 * @example
 * ```ts
 * const bytes = toSafetensors(net, { description: 'XOR, trained 2,000 steps' });
 * // Python: safetensors.torch.load(bytes) or load_file('net.safetensors'), then model.load_state_dict(...)
 * ```
 */
export function toSafetensors(source: Module | StateDict, metadata: SafetensorsMetadata = {}): Uint8Array {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new ChainruleError(`toSafetensors: metadata must be an object of strings, got ${describeValue(metadata)}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new ChainruleError(`toSafetensors: metadata '${k}' is ${describeValue(v)}; safetensors metadata values are strings`);
  }
  let entries: Entry[];
  let meta: SafetensorsMetadata;
  if (source instanceof Module) {
    entries = source.namedParameters().map(([name, p]) => ({ name, dtype: p.dtype, shape: p.shape, data: p.buffer }));
    meta = { format: 'pt', 'chainrule.model': source.toString(), ...metadata };
  } else if (source !== null && typeof source === 'object' && !Array.isArray(source)) {
    entries = Object.entries(source).map(([name, s]) => checkEntry(name, s));
    meta = { ...metadata };
  } else {
    throw new ChainruleError(`toSafetensors: expected a Module or a state dict, got ${describeValue(source)}`);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.name === '__metadata__') throw new ChainruleError("toSafetensors: a tensor may not be named '__metadata__' (the header's metadata key)");
    if (seen.has(e.name)) throw new ChainruleError(`toSafetensors: two tensors are named '${e.name}'`);
    seen.add(e.name);
  }
  // descending alignment (F64 before F32), then by name in byte order, as the reference library sorts
  const utf8 = new TextEncoder();
  const keyed = entries.map((e) => ({ e, key: utf8.encode(e.name) }));
  keyed.sort((a, b) => BYTES[b.e.dtype] - BYTES[a.e.dtype] || compareBytes(a.key, b.key));

  const header: Record<string, unknown> = {};
  if (Object.keys(meta).length > 0) header.__metadata__ = meta;
  let offset = 0;
  for (const { e } of keyed) {
    const n = e.data.length * BYTES[e.dtype];
    header[e.name] = { dtype: DTYPE_NAMES[e.dtype], shape: e.shape.slice(), data_offsets: [offset, offset + n] };
    offset += n;
  }
  const json = utf8.encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // spaces up to a multiple of 8, so the data is 8-byte aligned
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const { e } of keyed) {
    writeValues(out, view, at, e);
    at += e.data.length * BYTES[e.dtype];
  }
  return out;
}

/**
 * Decodes safetensors bytes into a state dict that {@link loadStateDict} (or
 * {@link Module.loadStateDict}) takes: `{ [name]: { shape, dtype, data } }`, in the order of the
 * tensors in the file. F64 becomes float64 and F32 float32; any other dtype (F16, BF16, integers)
 * is refused, naming the tensor. The file is checked as the reference library checks it: the
 * header's length, its JSON, every shape against its byte range, and ranges that tile the data
 * exactly, each failure named.
 * @example
 * ```ts
 * net.loadStateDict(fromSafetensors(bytes)); // bytes from toSafetensors, or from safetensors.torch.save
 * ```
 */
export function fromSafetensors(bytes: Uint8Array | ArrayBuffer): StateDict {
  const { tensors, data, dataStart } = parse(bytes, 'fromSafetensors');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: StateDict = {};
  for (const t of tensors) {
    const n = t.size;
    const values = new Array<number>(n);
    const base = dataStart + t.begin;
    if (t.dtype === 'float64') for (let i = 0; i < n; i++) values[i] = view.getFloat64(base + 8 * i, true);
    else for (let i = 0; i < n; i++) values[i] = view.getFloat32(base + 4 * i, true);
    out[t.name] = { shape: t.shape, dtype: t.dtype, data: values };
  }
  return out;
}

/**
 * The `__metadata__` of safetensors bytes (an empty object if there is none).
 * @example
 * ```ts
 * readSafetensorsMetadata(toSafetensors(net))['chainrule.model']; // 'Sequential(\n  (0): Dense(...'
 * ```
 */
export function readSafetensorsMetadata(bytes: Uint8Array | ArrayBuffer): SafetensorsMetadata {
  return { ...parse(bytes, 'readSafetensorsMetadata').metadata };
}

interface ParsedTensor {
  name: string;
  dtype: DType;
  shape: number[];
  size: number;
  begin: number;
}

function parse(input: Uint8Array | ArrayBuffer, where: string): { tensors: ParsedTensor[]; metadata: SafetensorsMetadata; data: Uint8Array; dataStart: number } {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  if (!(bytes instanceof Uint8Array)) throw new ChainruleError(`${where}: expected a Uint8Array or ArrayBuffer, got ${describeValue(input)}`);
  const fail = (why: string): never => {
    throw new ChainruleError(`${where}: not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(`the header length ${n64} is over the limit of ${MAX_HEADER} bytes`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`the header length ${n} runs past the end of the ${bytes.length} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    fail(`the header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const metadata: SafetensorsMetadata = {};
  const tensors: ParsedTensor[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== 'object') fail(`tensor '${name}' has no {dtype, shape, data_offsets}`);
    const dtype = (Object.keys(DTYPE_NAMES) as DType[]).find((d) => DTYPE_NAMES[d] === e!.dtype);
    if (dtype === undefined) {
      throw new ChainruleError(`${where}: tensor '${name}' has dtype ${JSON.stringify(e!.dtype)}; chainrule reads F64 (float64) and F32 (float32) only`);
    }
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has shape ${JSON.stringify(shape)}, not a list of sizes`);
    const offsets = e!.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`);
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = offsets as number[];
    if (end - begin !== size * BYTES[dtype]) {
      fail(`tensor '${name}' of shape ${fmtShape(shape as number[])} (${dtype}) needs ${size * BYTES[dtype]} bytes, but its data_offsets [${begin}, ${end}] give ${end - begin}`);
    }
    tensors.push({ name, dtype, shape: (shape as number[]).slice(), size, begin });
  }
  // the ranges, sorted by offset, must tile the data exactly (as the reference library checks)
  const byOffset = tensors.slice().sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const t of byOffset) {
    if (t.begin !== expected) fail(`tensor '${t.name}' starts at byte ${t.begin} of the data, expected ${expected} (ranges must follow each other without gaps or overlaps)`);
    expected = t.begin + t.size * BYTES[t.dtype];
  }
  if (8 + n + expected !== bytes.length) fail(`the tensors cover ${expected} bytes of data but the file has ${bytes.length - 8 - n}`);
  return { tensors, metadata, data: bytes, dataStart: 8 + n };
}

/** Checks one state dict entry for writing and returns it as an Entry. */
function checkEntry(name: string, s: unknown): Entry {
  const e = s as Partial<TensorState> | null;
  if (e === null || typeof e !== 'object') throw new ChainruleError(`toSafetensors: '${name}': expected { shape, dtype, data }, got ${describeValue(s)}`);
  const { shape, dtype, data } = e as { shape?: unknown; dtype?: unknown; data?: unknown };
  if (dtype !== 'float64' && dtype !== 'float32') throw new ChainruleError(`toSafetensors: '${name}': dtype ${JSON.stringify(dtype)}; expected 'float64' or 'float32'`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new ChainruleError(`toSafetensors: '${name}': shape ${JSON.stringify(shape)} is not a list of sizes`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  const ok = Array.isArray(data) || data instanceof Float64Array || data instanceof Float32Array;
  if (!ok || (data as ArrayLike<number>).length !== size) {
    throw new ChainruleError(`toSafetensors: '${name}': data must hold the ${size} numbers of shape ${fmtShape(shape as number[])}, got ${describeValue(data)}`);
  }
  return { name, dtype, shape: shape as number[], data: data as ArrayLike<number> };
}

function writeValues(out: Uint8Array, view: DataView, at: number, e: Entry): void {
  const { data } = e;
  if (LITTLE_ENDIAN && (data instanceof Float64Array || data instanceof Float32Array) && (e.dtype === 'float64') === data instanceof Float64Array) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at); // already the file's bytes
  } else if (e.dtype === 'float64') {
    for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

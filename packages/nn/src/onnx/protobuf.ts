/**
 * The protobuf wire format, the little of it ONNX files need: varints, 64-bit and 32-bit fixed
 * values, and length-delimited fields (strings, bytes, nested messages, packed repeated numbers).
 *
 * Why by hand rather than `protobufjs` or `onnx-proto`: protobufjs builds its encoders with
 * `new Function` (code generation from strings), which a strict Content-Security-Policy refuses and
 * which core and nn must run without; even its "minimal" runtime, that generated static code such
 * as `onnx-proto` uses, probes for `require` through `eval`. The nine ONNX messages chainrule reads
 * and writes take less code than the glue to any of them.
 * @module
 */
import { ChainruleError } from '@chainrule/core';

/** Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. */
export type WireType = 0 | 1 | 2 | 5;

/**
 * Appends protobuf fields to a growing buffer.
 * @example
 * ```ts
 * const w = new ProtoWriter();
 * w.string(1, 'x'); w.int64(2, 5);
 * w.finish(); // Uint8Array [10, 1, 120, 16, 5]
 * ```
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** An unsigned varint; negative numbers and bigints are written as 64-bit two's complement (10 bytes). */
  varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0xffffffff && Number.isInteger(value)) {
      this.reserve(5);
      let v = value;
      while (v > 0x7f) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v = Math.floor(v / 128);
      }
      this.buf[this.len++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  /** A field's key: its number and wire type. */
  tag(field: number, wire: WireType): void {
    this.varint(field * 8 + wire);
  }

  /** An int64 / int32 / enum field (varint). */
  int64(field: number, value: number | bigint): void {
    this.tag(field, 0);
    this.varint(value);
  }

  /** A float field (fixed 32-bit). */
  float(field: number, value: number): void {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): void {
    this.bytes(field, ENCODER.encode(value));
  }

  /** A nested message field, written by `write` into a writer of its own. */
  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  /** A packed repeated int64 field. */
  packedInt64(field: number, values: readonly (number | bigint)[]): void {
    this.message(field, (w) => {
      for (const v of values) w.varint(v);
    });
  }

  /** A packed repeated float field. */
  packedFloat(field: number, values: readonly number[]): void {
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.bytes(field, bytes);
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One field as read: its number, wire type, and value (a bigint varint, a byte range, or the raw fixed bytes). */
export interface ProtoField {
  readonly field: number;
  readonly wire: WireType;
  /** varint: the value; fixed64/fixed32/length-delimited: the bytes. */
  readonly value: bigint | Uint8Array;
}

/**
 * Splits a message's bytes into its fields, in order. Throws on a truncated or malformed message,
 * naming `what` (the message being read).
 * @example
 * ```ts
 * readFields(new Uint8Array([10, 1, 120, 16, 5]), 'test'); // [{ field: 1, wire: 2, value: [120] }, { field: 2, wire: 0, value: 5n }]
 * ```
 */
export function readFields(bytes: Uint8Array, what: string): ProtoField[] {
  const out: ProtoField[] = [];
  let at = 0;
  const fail = (why: string): never => {
    throw new ChainruleError(`not a valid ONNX file: ${what}: ${why} at byte ${at}`);
  };
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) fail('a varint runs past the end');
      const b = bytes[at++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) fail('a varint is longer than 10 bytes');
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = (key & 7) as WireType;
    if (field === 0) fail('field number 0');
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (at + n > bytes.length) fail('a fixed-size value runs past the end');
      out.push({ field, wire, value: bytes.subarray(at, at + n) });
      at += n;
    } else if (wire === 2) {
      const n = Number(varint());
      if (at + n > bytes.length) fail(`a field of ${n} bytes runs past the end`);
      out.push({ field, wire, value: bytes.subarray(at, at + n) });
      at += n;
    } else fail(`unsupported wire type ${wire as number}`);
  }
  return out;
}

/** A varint field's value as a (signed 64-bit) number. @example `asInt(f) // -1 for 0xffffffffffffffff` */
export function asInt(f: ProtoField): number {
  if (typeof f.value !== 'bigint') throw new ChainruleError(`not a valid ONNX file: field ${f.field} should be an integer`);
  return Number(BigInt.asIntN(64, f.value));
}

/** A length-delimited field's bytes. @example `asBytes(f)` */
export function asBytes(f: ProtoField): Uint8Array {
  if (typeof f.value === 'bigint' || f.wire !== 2) throw new ChainruleError(`not a valid ONNX file: field ${f.field} should be length-delimited`);
  return f.value;
}

/** A string field. @example `asString(f) // 'Gemm'` */
export function asString(f: ProtoField): string {
  return DECODER.decode(asBytes(f));
}

/** A fixed 32-bit float field. @example `asFloat(f) // 0.5` */
export function asFloat(f: ProtoField): number {
  if (typeof f.value === 'bigint' || f.wire !== 5) throw new ChainruleError(`not a valid ONNX file: field ${f.field} should be a float`);
  return new DataView(f.value.buffer, f.value.byteOffset, 4).getFloat32(0, true);
}

/** The values of a repeated int64 field, packed or not (all occurrences of `field`). @example `repeatedInt(fields, 1) // [2, 3]` */
export function repeatedInt(fields: readonly ProtoField[], field: number, what: string): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(asInt(f));
    else for (const inner of readPackedVarints(asBytes(f), what)) out.push(Number(BigInt.asIntN(64, inner)));
  }
  return out;
}

/** The values of a repeated float field, packed or not. @example `repeatedFloat(fields, 7) // [0.5, 1]` */
export function repeatedFloat(fields: readonly ProtoField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 5) out.push(asFloat(f));
    else {
      const b = asBytes(f);
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i + 4 <= b.length; i += 4) out.push(view.getFloat32(i, true));
    }
  }
  return out;
}

/** The values of a repeated double field, packed or not. @example `repeatedDouble(fields, 10) // [0.1]` */
export function repeatedDouble(fields: readonly ProtoField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    const b = f.value as Uint8Array;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i + 8 <= b.length; i += 8) out.push(view.getFloat64(i, true));
  }
  return out;
}

function readPackedVarints(bytes: Uint8Array, what: string): bigint[] {
  const out: bigint[] = [];
  let at = 0;
  while (at < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new ChainruleError(`not a valid ONNX file: ${what}: a packed varint runs past the end`);
      const b = bytes[at++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    out.push(result);
  }
  return out;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * The state file format of `save` / `load`: a one-line JSON header with a SHA-256 checksum, a JSON
 * list of the tensors, then their raw little-endian bytes, written and read in chunks so that a file
 * of any size needs no string of its size. Node-only (not part of the browser entry).
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { ChainruleError, type DType } from '@chainrule/core';
import type { LoadableTensorState } from '../state-dict.js';

/** The `format` field of every chainrule state file. */
export const FORMAT = 'chainrule-state-dict';
/** The version {@link writeStateFile} writes. Version 1 (one JSON document, no checksum) is still read. */
export const VERSION = 2;
/** Default bytes per read or write call: large enough to amortise the calls, small next to a model. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** One tensor to write: its name, dtype, shape and elements (row-major). */
export interface StateFileTensor {
  name: string;
  dtype: DType;
  shape: readonly number[];
  data: Float64Array | Float32Array;
}

/** Knobs of the chunked I/O, for tests: the chunk size, and the byte order of the host. */
export interface ChunkOptions {
  /** Bytes per read or write call for the tensor data (default {@link CHUNK_BYTES}). */
  chunkBytes?: number;
  /**
   * Whether typed arrays are little-endian on this host (default: `os.endianness() === 'LE'`).
   * When true the bytes go straight between the file and the arrays; when false each element is
   * converted with a DataView, which gives the same file on any host.
   */
  littleEndianHost?: boolean;
}

const WIDTH: Record<DType, number> = { float64: 8, float32: 4 };
/** How every version 2 file begins, and how its second line (the tensor list) begins. */
const V2_START = Buffer.from(`{"format":"${FORMAT}","version":${VERSION},`, 'ascii');
const META_START = Buffer.from('\n{"tensors":', 'ascii');

/**
 * The file's first line: `{"format":"chainrule-state-dict","version":2,"metaBytes":N,"sha256":"<hex>"}\n`.
 * Its length does not depend on the digest (always 64 hex digits), so it is written first with a
 * placeholder and rewritten in place once the rest has been hashed.
 */
function headerLine(metaBytes: number, sha256: string): Buffer {
  return Buffer.from(`${JSON.stringify({ format: FORMAT, version: VERSION, metaBytes, sha256 })}\n`, 'ascii');
}

function chunkSize(options: ChunkOptions): number {
  const c = options.chunkBytes ?? CHUNK_BYTES;
  if (!Number.isSafeInteger(c) || c < 8) throw new ChainruleError(`state file: chunkBytes must be an integer ≥ 8, got ${c}`);
  return c;
}

function writeAll(fd: number, bytes: Uint8Array, position: number | null): void {
  let done = 0;
  while (done < bytes.length) {
    done += fs.writeSync(fd, bytes, done, bytes.length - done, position === null ? null : position + done);
  }
}

/**
 * Writes `tensors` to the open file `fd` (empty, positioned at 0) in format version 2:
 *
 * 1. a header line, JSON: `{"format":"chainrule-state-dict","version":2,"metaBytes":N,"sha256":"<64 hex>"}`;
 * 2. N bytes of UTF-8 JSON, `{"tensors":[{"name":…,"dtype":"float64","shape":[2,2]},…]}` and a newline;
 * 3. each tensor's elements in that order, IEEE 754 little-endian (8 bytes for float64, 4 for
 *    float32), row-major, no padding.
 *
 * `sha256` is the SHA-256 of everything after the header line (parts 2 and 3), so a changed byte
 * anywhere in the names, shapes or values is detected. The data goes out `chunkBytes` at a time,
 * straight from the tensors' buffers on a little-endian host: no string or copy of the whole.
 * @example
 * ```ts
 * writeStateFile(fd, [{ name: 'weight', dtype: 'float64', shape: [2], data: new Float64Array([1, 2]) }]);
 * ```
 */
export function writeStateFile(fd: number, tensors: readonly StateFileTensor[], options: ChunkOptions = {}): void {
  const chunk = chunkSize(options);
  const littleEndian = options.littleEndianHost ?? os.endianness() === 'LE';
  const meta = Buffer.from(`${JSON.stringify({ tensors: tensors.map(({ name, dtype, shape }) => ({ name, dtype, shape })) })}\n`, 'utf8');
  const hash = createHash('sha256');
  writeAll(fd, headerLine(meta.length, '0'.repeat(64)), null);
  writeAll(fd, meta, null);
  hash.update(meta);
  const scratch = littleEndian ? null : new Uint8Array(chunk);
  for (const { dtype, data } of tensors) {
    const width = WIDTH[dtype];
    if (scratch === null) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      for (let at = 0; at < bytes.length; at += chunk) {
        const part = bytes.subarray(at, Math.min(at + chunk, bytes.length));
        hash.update(part);
        writeAll(fd, part, null);
      }
    } else {
      // NOTE: DataView's explicit little-endian flag, element by element: right on any host
      const view = new DataView(scratch.buffer);
      const perChunk = Math.floor(chunk / width);
      for (let start = 0; start < data.length; start += perChunk) {
        const end = Math.min(start + perChunk, data.length);
        for (let i = start; i < end; i++) {
          if (width === 8) view.setFloat64((i - start) * 8, data[i], true);
          else view.setFloat32((i - start) * 4, data[i], true);
        }
        const part = scratch.subarray(0, (end - start) * width);
        hash.update(part);
        writeAll(fd, part, null);
      }
    }
  }
  writeAll(fd, headerLine(meta.length, hash.digest('hex')), 0);
}

/** What {@link readStateFile} found: the format version and the tensors by name. */
export interface ReadStateFile {
  version: 1 | 2;
  state: Record<string, LoadableTensorState>;
}

/** JSON has no NaN, ±Infinity or −0: version 1 wrote them as these strings. */
const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/**
 * Reads a state file written by `save`: version 2 (checksum verified over every byte after the
 * header, in chunks, straight into fresh typed arrays) or version 1 (one JSON document, as written
 * before version 2; it carries no checksum). Throws a ChainruleError naming `file` when the file is
 * corrupted (checksum, size or header wrong), of an unknown version, or not a state file.
 * @example
 * ```ts
 * const { state } = readStateFile('net.ckpt');
 * loadState(net, state, {}, 'load: net.ckpt');
 * ```
 */
export function readStateFile(file: string, options: ChunkOptions = {}): ReadStateFile {
  const chunk = chunkSize(options);
  const littleEndian = options.littleEndianHost ?? os.endianness() === 'LE';
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(size, 4096));
    readAll(fd, prefix, 0, file);
    const newline = prefix.indexOf(0x0a);
    let header: Record<string, unknown> | null = null;
    if (newline >= 0) {
      try {
        const h: unknown = JSON.parse(prefix.subarray(0, newline).toString('utf8'));
        if (h !== null && typeof h === 'object' && !Array.isArray(h)) header = h as Record<string, unknown>;
      } catch {
        // not a version 2 header line: read below as a version 1 document
      }
    }
    if (header !== null && header.format === FORMAT && !('state' in header)) {
      if (header.version !== VERSION) {
        throw new ChainruleError(`load: ${file} has format version ${describe(header.version)}; this chainrule reads versions 1 and ${VERSION}`);
      }
      return { version: 2, state: readVersion2(fd, file, size, newline + 1, header, chunk, littleEndian) };
    }
    // A version 2 file whose header line is damaged still starts like one, or still has a line
    // that starts its tensor list (one damaged byte cannot spoil both; version 1 has no newline).
    if (prefix.subarray(0, V2_START.length).equals(V2_START) || prefix.includes(META_START)) {
      throw corrupted(file, 'its header line is damaged');
    }
  } finally {
    fs.closeSync(fd);
  }
  return { version: 1, state: readVersion1(file) };
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function corrupted(file: string, why: string): ChainruleError {
  return new ChainruleError(`load: ${file} is corrupted: ${why}; nothing was loaded`);
}

/** Reads `into.length` bytes at `position`; a file that ends sooner is corrupted (truncated). */
function readAll(fd: number, into: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw corrupted(file, `it ends at byte ${position + done}, before the ${into.length - done} bytes still expected (truncated?)`);
    done += n;
  }
}

function readVersion2(fd: number, file: string, size: number, headerBytes: number, header: Record<string, unknown>, chunk: number, littleEndian: boolean): Record<string, LoadableTensorState> {
  const { metaBytes, sha256 } = header;
  if (!Number.isSafeInteger(metaBytes) || (metaBytes as number) < 2 || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw corrupted(file, 'its header line (metaBytes, sha256) is damaged');
  }
  if (headerBytes + (metaBytes as number) > size) {
    throw corrupted(file, `it is ${size} bytes, too short for the ${metaBytes} bytes of tensor list its header announces (truncated?)`);
  }
  const hash = createHash('sha256');
  const metaRaw = Buffer.alloc(metaBytes as number);
  readAll(fd, metaRaw, headerBytes, file);
  hash.update(metaRaw);
  const entries = parseMeta(metaRaw, file);
  let expected = headerBytes + (metaBytes as number);
  for (const e of entries) expected += e.count * WIDTH[e.dtype];
  if (expected !== size) {
    throw corrupted(file, `it is ${size} bytes but its header and tensor list describe ${expected} bytes`);
  }
  // The sizes now agree with the file's, so no allocation below exceeds the file's own size.
  const scratch = littleEndian ? null : new Uint8Array(chunk);
  let position = headerBytes + (metaBytes as number);
  const arrays: (Float64Array | Float32Array)[] = [];
  for (const { dtype, count } of entries) {
    const width = WIDTH[dtype];
    const data = dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
    if (scratch === null) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      for (let at = 0; at < bytes.length; at += chunk) {
        const part = bytes.subarray(at, Math.min(at + chunk, bytes.length));
        readAll(fd, part, position, file);
        hash.update(part);
        position += part.length;
      }
    } else {
      const view = new DataView(scratch.buffer);
      const perChunk = Math.floor(chunk / width);
      for (let start = 0; start < count; start += perChunk) {
        const end = Math.min(start + perChunk, count);
        const part = scratch.subarray(0, (end - start) * width);
        readAll(fd, part, position, file);
        hash.update(part);
        position += part.length;
        for (let i = start; i < end; i++) data[i] = width === 8 ? view.getFloat64((i - start) * 8, true) : view.getFloat32((i - start) * 4, true);
      }
    }
    arrays.push(data);
  }
  const digest = hash.digest('hex');
  if (digest !== sha256) {
    throw corrupted(file, `its SHA-256 checksum does not match its contents (the header says ${sha256.slice(0, 12)}…, the contents hash to ${digest.slice(0, 12)}…)`);
  }
  const state: Record<string, LoadableTensorState> = {};
  entries.forEach((e, k) => {
    if (Object.prototype.hasOwnProperty.call(state, e.name)) throw new ChainruleError(`load: ${file} names tensor '${e.name}' twice; nothing was loaded`);
    state[e.name] = { shape: e.shape, dtype: e.dtype, data: arrays[k] };
  });
  return state;
}

interface MetaEntry {
  name: string;
  dtype: DType;
  shape: number[];
  count: number;
}

/** The tensor list of a version 2 file, checked enough to size the reads (the checksum does the rest). */
function parseMeta(raw: Buffer, file: string): MetaEntry[] {
  let meta: unknown;
  try {
    meta = JSON.parse(raw.toString('utf8'));
  } catch {
    throw corrupted(file, 'its tensor list is not valid JSON');
  }
  const tensors = (meta as { tensors?: unknown } | null)?.tensors;
  if (!Array.isArray(tensors)) throw corrupted(file, 'its tensor list is damaged');
  return tensors.map((t: unknown, k) => {
    const { name, dtype, shape } = (t ?? {}) as { name?: unknown; dtype?: unknown; shape?: unknown };
    if (typeof name !== 'string' || (dtype !== 'float64' && dtype !== 'float32') || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw corrupted(file, `entry ${k} of its tensor list is damaged`);
    }
    let count = 1;
    for (const d of shape as number[]) count *= d;
    if (!Number.isSafeInteger(count)) throw corrupted(file, `entry ${k} of its tensor list has an impossible shape`);
    return { name, dtype, shape: shape as number[], count };
  });
}

function readVersion1(file: string): Record<string, LoadableTensorState> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') {
      throw new ChainruleError(`load: ${file} is not a chainrule state file: its first line is not a version ${VERSION} header, and it is too large to be a version 1 (JSON) file`);
    }
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ChainruleError(`load: ${file} is not valid JSON (${(err as Error).message}): truncated, corrupted or not a state file`);
  }
  const d = doc as { format?: unknown; version?: unknown; state?: unknown };
  if (d === null || typeof d !== 'object' || d.format !== FORMAT || typeof d.state !== 'object' || d.state === null) {
    throw new ChainruleError(`load: ${file} is not a chainrule state file (expected a '${FORMAT}' file written by save)`);
  }
  if (d.version !== 1) throw new ChainruleError(`load: ${file} has format version ${describe(d.version)}; this chainrule reads versions 1 and ${VERSION}`);
  const state = d.state as Record<string, LoadableTensorState>;
  for (const entry of Object.values(state)) {
    const data = (entry as { data?: unknown } | null)?.data;
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) if (typeof data[i] === 'string' && data[i] in SPECIAL) data[i] = SPECIAL[data[i] as string];
    }
  }
  return state;
}

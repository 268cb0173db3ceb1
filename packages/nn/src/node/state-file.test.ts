import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readStateFile, writeStateFile, type ChunkOptions, type StateFileTensor } from './state-file.js';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainrule-state-file-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bits = (xs: Float64Array | Float32Array) => Array.from(new Uint8Array(xs.buffer, xs.byteOffset, xs.byteLength));

function write(file: string, tensors: StateFileTensor[], options: ChunkOptions = {}): void {
  const fd = fs.openSync(file, 'wx');
  try {
    writeStateFile(fd, tensors, options);
  } finally {
    fs.closeSync(fd);
  }
}

const tensorArb = fc.record({
  dtype: fc.constantFrom('float64' as const, 'float32' as const),
  shape: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }),
  seed: fc.integer(),
});
const make = ({ dtype, shape, seed }: { dtype: 'float64' | 'float32'; shape: number[]; seed: number }, k: number): StateFileTensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    data[i] = i % 7 === 3 ? [NaN, Infinity, -Infinity, -0, 5e-324][(s >>> 0) % 5] : s / 997;
  }
  return { name: `t${k}.w`, dtype, shape, data };
};

describe('the chunked state file format', () => {
  it('property: any tensors round-trip bit for bit, for any chunk size, in both byte-order paths', () => {
    fc.assert(
      fc.property(fc.array(tensorArb, { maxLength: 4 }), fc.integer({ min: 8, max: 40 }), fc.boolean(), fc.boolean(), (specs, chunkBytes, leWrite, leRead) => {
        const tensors = specs.map(make);
        const file = path.join(dir, `${Math.random()}.ckpt`);
        write(file, tensors, { chunkBytes, littleEndianHost: leWrite });
        const { version, state } = readStateFile(file, { chunkBytes, littleEndianHost: leRead });
        expect(version).toBe(2);
        expect(Object.keys(state)).toEqual(tensors.map((t) => t.name));
        for (const t of tensors) {
          const got = state[t.name];
          expect([got.dtype, got.shape]).toEqual([t.dtype, t.shape]);
          expect(bits(got.data as Float64Array | Float32Array)).toEqual(bits(t.data));
        }
        fs.rmSync(file);
      }),
      { numRuns: 60 },
    );
  });

  it('writes the same bytes on either byte-order path (the DataView path is what a big-endian host runs)', () => {
    const tensors = [make({ dtype: 'float64', shape: [5, 3], seed: 1 }, 0), make({ dtype: 'float32', shape: [7], seed: 2 }, 1)];
    write(path.join(dir, 'a'), tensors, { chunkBytes: 24, littleEndianHost: true });
    write(path.join(dir, 'b'), tensors, { chunkBytes: 24, littleEndianHost: false });
    expect(fs.readFileSync(path.join(dir, 'a')).equals(fs.readFileSync(path.join(dir, 'b')))).toBe(true);
  });

  it('moves the data in chunks of at most chunkBytes, and reads without building a string of the file', () => {
    // the logic that lets a 700 MB file through (a single string stops at about 512 MB), at a small scale
    const tensors = [make({ dtype: 'float64', shape: [100], seed: 3 }, 0), make({ dtype: 'float32', shape: [33], seed: 4 }, 1)];
    const file = path.join(dir, 'chunked.ckpt');
    const writes = vi.spyOn(fs, 'writeSync');
    write(file, tensors, { chunkBytes: 64 });
    const sizes = writes.mock.calls.map((c) => (c as unknown[])[3] as number);
    // header, tensor list, data chunks, and the header again with the checksum
    const dataSizes = sizes.slice(2, -1);
    expect(dataSizes.every((n) => n <= 64)).toBe(true);
    expect(dataSizes.reduce((a, b) => a + b, 0)).toBe(100 * 8 + 33 * 4);
    expect(dataSizes.length).toBe(Math.ceil(800 / 64) + Math.ceil(132 / 64));
    writes.mockRestore();
    const reads = vi.spyOn(fs, 'readSync');
    const whole = vi.spyOn(fs, 'readFileSync');
    const text = vi.spyOn(Buffer.prototype, 'toString');
    const { state } = readStateFile(file, { chunkBytes: 64 });
    expect(whole).not.toHaveBeenCalled();
    // only the header line and the tensor list are ever decoded as text
    expect(text.mock.contexts.every((b) => (b as Buffer).length < 200)).toBe(true);
    const readSizes = reads.mock.calls.map((c) => (c as unknown[])[3] as number);
    expect(readSizes.slice(2).every((n) => n <= 64)).toBe(true);
    expect(bits(state['t0.w'].data as Float64Array)).toEqual(bits(tensors[0].data));
  });

  it('refuses a chunk size below one float64', () => {
    expect(() => readStateFile(path.join(dir, 'x'), { chunkBytes: 4 })).toThrow('state file: chunkBytes must be an integer ≥ 8, got 4');
  });
});

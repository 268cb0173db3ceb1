import { describe, expect, it } from 'vitest';
import { noGrad, tensor } from '@chainrule/core';
import { Tanh } from './activations.js';
import { Dense } from './linear.js';
import { Sequential } from './sequential.js';
import { fromSafetensors, readSafetensorsMetadata, toSafetensors } from './safetensors.js';
import type { StateDict } from './state-dict.js';

describe('toSafetensors / fromSafetensors', () => {
  // Byte-exact vectors from the reference (Rust) library's own tests (safetensors/src/tensor.rs:
  // test_serialization, test_serialization_forced_alignement, test_empty).
  it('writes exactly the bytes of the reference library', () => {
    const f32 = (shape: number[]): StateDict => ({ x: { shape, dtype: 'float32', data: [0, 1, 2, 3, 4, 5] } });
    const rename = (s: StateDict, name: string): StateDict => ({ [name]: s.x });
    expect(Array.from(toSafetensors(rename(f32([1, 2, 3]), 'attn.0')))).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97,
      112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125,
      125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    expect(Array.from(toSafetensors(rename(f32([1, 1, 2, 3]), 'attn0')))).toEqual([
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112,
      101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125,
      125, 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    expect(Array.from(toSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(toSafetensors({}, { framework: 'pt' }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34,
      58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
  });

  it('orders tensors as the reference library: F64 before F32, then by name', () => {
    const state: StateDict = {
      b: { shape: [1], dtype: 'float32', data: [1] },
      z: { shape: [], dtype: 'float64', data: [2] },
      a: { shape: [2], dtype: 'float32', data: [3, 4] },
      '0.weight': { shape: [1], dtype: 'float64', data: [5] },
    };
    const bytes = toSafetensors(state);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['0.weight', 'z', 'a', 'b']);
    expect(Object.values(header).map((h) => h.data_offsets)).toEqual([[0, 8], [8, 16], [16, 24], [24, 28]]);
    expect((8 + n) % 8).toBe(0);
    expect(fromSafetensors(bytes)).toEqual({ '0.weight': state['0.weight'], z: state.z, a: state.a, b: state.b });
  });

  it("round-trips a module's parameters bit for bit under PyTorch's names, with its description", () => {
    const net = new Sequential(new Dense(2, 3, { seed: 1 }), new Tanh(), new Dense(3, 1, { seed: 2 }));
    noGrad(() =>
      (net.layers[0] as Dense).weight.update((b) => {
        b[0] = NaN;
        b[1] = -0;
        b[2] = Infinity;
      }),
    );
    const bytes = toSafetensors(net, { description: 'a test' });
    const state = fromSafetensors(bytes);
    expect(Object.keys(state).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    const other = new Sequential(new Dense(2, 3, { seed: 7 }), new Tanh(), new Dense(3, 1, { seed: 8 }));
    other.loadStateDict(state);
    const bits = (m: Sequential) => m.parameters().map((p) => Array.from(new Uint8Array(Float64Array.from(p.buffer).buffer)));
    expect(bits(other)).toEqual(bits(net));
    const x = tensor([[0.5, -1]]);
    expect(Object.is(other.forward(x).item(), net.forward(x).item())).toBe(true);
    expect(readSafetensorsMetadata(bytes)).toEqual({ format: 'pt', 'chainrule.model': String(net), description: 'a test' });
  });

  it('keeps float32 parameters as F32', () => {
    const layer = new Dense(2, 2, { seed: 3, dtype: 'float32' });
    const state = fromSafetensors(toSafetensors(layer));
    expect(state.weight.dtype).toBe('float32');
    expect(state.weight.data).toEqual(Array.from(layer.weight.buffer));
  });

  it('refuses malformed files and unsupported dtypes, naming what is wrong', () => {
    const good = toSafetensors({ w: { shape: [2], dtype: 'float64', data: [1, 2] } });
    expect(() => fromSafetensors(good.subarray(0, 5))).toThrow('shorter than the 8-byte header length');
    expect(() => fromSafetensors(good.subarray(0, good.length - 1))).toThrow('the tensors cover 16 bytes of data but the file has 15');
    const withHeader = (h: unknown): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length + 8);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    expect(() => fromSafetensors(withHeader({ w: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }))).toThrow("tensor 'w' has dtype \"F16\"; chainrule reads F64 (float64) and F32 (float32) only");
    expect(() => fromSafetensors(withHeader({ w: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }))).toThrow("tensor 'w' of shape [2] (float64) needs 16 bytes");
    expect(() => fromSafetensors(withHeader({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, v: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }))).toThrow(
      'starts at byte 4 of the data, expected 0',
    );
    expect(() => toSafetensors({ w: { shape: [3], dtype: 'float64', data: [1] } })).toThrow("'w': data must hold the 3 numbers of shape [3]");
    expect(() => toSafetensors({}, { n: 1 as unknown as string })).toThrow("metadata 'n' is 1; safetensors metadata values are strings");
  });
});

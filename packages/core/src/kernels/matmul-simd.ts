/**
 * The 4×4 matmul micro-kernel as a tiny WebAssembly module using 128-bit SIMD (two float64 lanes),
 * assembled here from its opcodes, so there is no toolchain, no native build and no binary file;
 * it runs wherever WebAssembly SIMD does (Node ≥ 16.4, current browsers). Memory is the module's
 * own: a 4×4 tile of C, then the packed A block, then the packed B block, which the JavaScript
 * side fills through Float64Array views.
 *
 * NOTE: each lane computes c + a·b with a separate multiply and add (`f64x2.mul` then `f64x2.add`,
 * never a fused multiply-add), one p at a time in order, so every element is rounded exactly as the
 * scalar loop rounds it: results are bit-identical to the plain JavaScript kernel.
 * @module
 */

/** Byte offsets in the module's memory. */
export const TILE_OFFSET = 0;
/** Where the packed A block starts (bytes). */
export const PACKED_A_OFFSET = 1024;

/** The compiled kernel and views of its memory. */
export interface SimdKernel {
  /** C-tile (first ? 0 : tile) + Σₚ A-panel[p] ⊗ B-panel[p], p < kc; panels at byte offsets `pa`, `pb`. */
  run(kc: number, pa: number, pb: number, tile: number, first: number): void;
  /** The 4×4 tile, row-major. */
  tile: Float64Array;
  /** Packed A (MC × KC doubles). */
  packedA: Float64Array;
  /** Packed B (KC × NC doubles). */
  packedB: Float64Array;
  /** Byte offset of packedB in the module's memory. */
  packedBOffset: number;
}

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const name = (s: string): number[] => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Opcodes (core and SIMD; SIMD ones are 0xfd followed by a LEB128 sub-opcode).
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32const = (v: number) => [0x41, ...leb(v)]; // only small non-negative constants here (< 64)
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_LT_U = 0x49;
const I32_EQZ = 0x45;
const v128Load = (offset: number) => [0xfd, 0x00, 3, ...leb(offset)];
const v128Store = (offset: number) => [0xfd, 0x0b, 3, ...leb(offset)];
const load64Splat = (offset: number) => [0xfd, 0x0a, 3, ...leb(offset)];
const F64X2_ADD = [0xfd, 0xf0, 0x01];
const F64X2_MUL = [0xfd, 0xf2, 0x01];

/** The module's bytes: one exported function `mk(kc, pa, pb, tile, first)` and its memory `mem`. */
function moduleBytes(pages: number): Uint8Array {
  // params: 0 kc, 1 pa, 2 pb, 3 tile, 4 first; locals: 5..12 accumulators c[r][h] (row r, lanes 2h, 2h+1),
  // 13, 14 the B row's two halves, 15 the broadcast A value, 16 the end of the A panel.
  const acc = (r: number, h: number) => 5 + 2 * r + h;
  const code: number[] = [];
  code.push(...get(4), I32_EQZ, 0x04, 0x40); // if (!first) load the tile
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...get(3), ...v128Load(32 * r + 16 * h), ...set(acc(r, h)));
  code.push(0x0b);
  code.push(...get(1), ...get(0), ...i32const(32), I32_MUL, I32_ADD, ...set(16)); // end = pa + 32·kc
  code.push(0x03, 0x40); // loop (kc ≥ 1)
  code.push(...get(2), ...v128Load(0), ...set(13), ...get(2), ...v128Load(16), ...set(14));
  for (let r = 0; r < 4; r++) {
    code.push(...get(1), ...load64Splat(8 * r), ...set(15));
    for (let h = 0; h < 2; h++) code.push(...get(acc(r, h)), ...get(15), ...get(13 + h), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(r, h)));
  }
  code.push(...get(1), ...i32const(32), I32_ADD, ...set(1), ...get(2), ...i32const(32), I32_ADD, ...set(2));
  code.push(...get(1), ...get(16), I32_LT_U, 0x0d, 0x00, 0x0b); // br_if 0 while pa < end; end loop
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...get(3), ...get(acc(r, h)), ...v128Store(32 * r + 16 * h));
  code.push(0x0b);
  const locals = vec([[11, 0x7b], [1, 0x7f]]);
  const body = [...locals, ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f], [0x7f]]), 0x00]])), // type: (i32 ×5) → ()
    ...section(3, vec([[0x00]])), // function 0 has type 0
    ...section(5, vec([[0x00, ...leb(pages)]])), // memory: min `pages`, no max
    ...section(7, vec([[...name('mk'), 0x00, 0x00], [...name('mem'), 0x02, 0x00]])), // exports
    ...section(10, vec([[...leb(body.length), ...body]])), // code
  ]);
}

/** The part of the WebAssembly JS API used here (the project's lib settings declare no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * Compiles the SIMD kernel with room for an mc×kc packed A block and a kc×nc packed B block, or
 * returns null where WebAssembly SIMD is unavailable (the caller then uses the JavaScript kernel).
 * @example
 * ```ts
 * const k = createSimdKernel(64 * 256, 256 * 512); // null without WebAssembly SIMD
 * ```
 */
export function createSimdKernel(packedASize: number, packedBSize: number): SimdKernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  const packedBOffset = PACKED_A_OFFSET + 8 * packedASize;
  const pages = Math.ceil((packedBOffset + 8 * packedBSize) / 65536);
  const bytes = moduleBytes(pages);
  if (!wasm.validate(bytes)) return null;
  try {
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    const mem = instance.exports.mem as { buffer: ArrayBuffer };
    return {
      run: instance.exports.mk as SimdKernel['run'],
      tile: new Float64Array(mem.buffer, TILE_OFFSET, 16),
      packedA: new Float64Array(mem.buffer, PACKED_A_OFFSET, packedASize),
      packedB: new Float64Array(mem.buffer, packedBOffset, packedBSize),
      packedBOffset,
    };
  } catch {
    return null;
  }
}

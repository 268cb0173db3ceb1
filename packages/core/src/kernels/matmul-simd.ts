/**
 * The matmul micro-kernel as a tiny WebAssembly module using 128-bit SIMD (two float64 lanes),
 * assembled here from its opcodes, so there is no toolchain, no native build and no binary file;
 * it runs wherever WebAssembly SIMD does (Node ≥ 16.4, current browsers). Memory is the module's
 * own: a block of C, then a block of A, then a block of B, which the JavaScript side fills and
 * empties through Float64Array views.
 *
 * One call runs a whole block: every 4×4 tile of an (4·mPanels)×(4·nPanels) block of C, each tile
 * kept in eight two-lane accumulators over the whole k loop. A call per block rather than per tile
 * matters when k is small (a convolution's 9 taps): the per-tile JavaScript around the call (copying
 * the 16 sums in and out, the call itself) cost more than the tile's own work. A and B are read
 * through strides given per call, so a panel-packed block and a plain row-major copy are both
 * read in place (see matmul.ts for which it gets).
 *
 * NOTE: each lane computes c + a·b with a separate multiply and add (`f64x2.mul` then `f64x2.add`,
 * never a fused multiply-add), one p at a time in order, so every element is rounded exactly as the
 * scalar loop rounds it: results are bit-identical to the plain JavaScript kernel.
 * @module
 */

/** The compiled kernel and views of its memory. */
export interface SimdKernel {
  /**
   * C-block (first ? 0 : C-block) + Σₚ A ⊗ B over p < kc, for mPanels × nPanels tiles of 4×4. All
   * addresses and strides in bytes: A element (row r of panel ip, p) at
   * `a + ip·aPanel + r·aRow + p·aP`; B element (column q of panel jp, p) at `b + jp·bPanel + 8q + p·bP`
   * (four columns contiguous); C element (row i, column j) at `c + i·ldc + 8j`.
   */
  run(kc: number, mPanels: number, nPanels: number, a: number, aRow: number, aP: number, aPanel: number, b: number, bP: number, bPanel: number, c: number, ldc: number, first: number): void;
  /** The C block (cSize doubles at byte offset cOffset). */
  c: Float64Array;
  /** The A block (aSize doubles at byte offset aOffset). */
  a: Float64Array;
  /** The B block (bSize doubles at byte offset bOffset). */
  b: Float64Array;
  cOffset: number;
  aOffset: number;
  bOffset: number;
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
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const IF = [0x04, 0x40];
const ELSE = 0x05;
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR_IF_0 = [0x0d, 0x00];
const v128Load = (offset: number) => [0xfd, 0x00, 3, ...leb(offset)];
const v128Store = (offset: number) => [0xfd, 0x0b, 3, ...leb(offset)];
const load64Splat = [0xfd, 0x0a, 3, 0];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const F64X2_ADD = [0xfd, 0xf0, 0x01];
const F64X2_MUL = [0xfd, 0xf2, 0x01];

// Parameters of `mk`, in order, then the locals.
const [KC, M_PANELS, N_PANELS, A, A_ROW, A_P, A_PANEL, B, B_P, B_PANEL, C, LDC, FIRST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const PARAMS = 13;
// i32 locals: loop counters, the running A and B addresses, the current tile, precomputed strides
const [JP, IP, CNT, PA, PB, A_CUR, B_CUR, TILE, C_COL, A_ROW2, A_ROW3, LDC2, LDC3] = Array.from({ length: 13 }, (_, i) => PARAMS + i);
// v128 locals: accumulators acc(r, h) for row r, lanes 2h and 2h + 1; the B row's two halves; the broadcast A value
const ACC0 = PARAMS + 13;
const acc = (r: number, h: number) => ACC0 + 2 * r + h;
const B_LO = ACC0 + 8;
const A_SPLAT = B_LO + 2;

/** `get(base) + get(offset)` (or just `get(base)` for row 0). */
const addr = (base: number, offset: number | null) => (offset === null ? get(base) : [...get(base), ...get(offset), I32_ADD]);

/** The module's bytes: one exported function `mk` (see {@link SimdKernel.run}) and its memory `mem`. */
function moduleBytes(pages: number): Uint8Array {
  const code: number[] = [];
  const tileRow = [null, LDC, LDC2, LDC3];
  const aRowOffset = [null, A_ROW, A_ROW2, A_ROW3];
  code.push(...get(A_ROW), ...i32const(2), I32_MUL, ...set(A_ROW2), ...get(A_ROW), ...i32const(3), I32_MUL, ...set(A_ROW3));
  code.push(...get(LDC), ...i32const(2), I32_MUL, ...set(LDC2), ...get(LDC), ...i32const(3), I32_MUL, ...set(LDC3));
  code.push(...get(B), ...set(B_CUR), ...get(C), ...set(C_COL), ...get(N_PANELS), ...set(JP));
  code.push(...LOOP); // over column panels jp
  code.push(...get(A), ...set(A_CUR), ...get(C_COL), ...set(TILE), ...get(M_PANELS), ...set(IP));
  code.push(...LOOP); // over row panels ip
  code.push(...get(FIRST), ...IF);
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...V128_ZERO, ...set(acc(r, h)));
  code.push(ELSE);
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...addr(TILE, tileRow[r]), ...v128Load(16 * h), ...set(acc(r, h)));
  code.push(END);
  code.push(...get(A_CUR), ...set(PA), ...get(B_CUR), ...set(PB), ...get(KC), ...set(CNT));
  code.push(...LOOP); // over p (kc ≥ 1)
  code.push(...get(PB), ...v128Load(0), ...set(B_LO), ...get(PB), ...v128Load(16), ...set(B_LO + 1));
  for (let r = 0; r < 4; r++) {
    code.push(...addr(PA, aRowOffset[r]), ...load64Splat, ...set(A_SPLAT));
    for (let h = 0; h < 2; h++) code.push(...get(acc(r, h)), ...get(A_SPLAT), ...get(B_LO + h), ...F64X2_MUL, ...F64X2_ADD, ...set(acc(r, h)));
  }
  code.push(...get(PA), ...get(A_P), I32_ADD, ...set(PA), ...get(PB), ...get(B_P), I32_ADD, ...set(PB));
  code.push(...get(CNT), ...i32const(1), I32_SUB, 0x22, CNT, ...BR_IF_0, END); // tee the count; loop while non-zero
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...addr(TILE, tileRow[r]), ...get(acc(r, h)), ...v128Store(16 * h));
  code.push(...get(A_CUR), ...get(A_PANEL), I32_ADD, ...set(A_CUR), ...get(TILE), ...get(LDC), ...i32const(4), I32_MUL, I32_ADD, ...set(TILE));
  code.push(...get(IP), ...i32const(1), I32_SUB, 0x22, IP, ...BR_IF_0, END);
  code.push(...get(B_CUR), ...get(B_PANEL), I32_ADD, ...set(B_CUR), ...get(C_COL), ...i32const(32), I32_ADD, ...set(C_COL));
  code.push(...get(JP), ...i32const(1), I32_SUB, 0x22, JP, ...BR_IF_0, END);
  code.push(END);
  const locals = vec([[13, 0x7f], [11, 0x7b]]);
  const body = [...locals, ...code];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(PARAMS).fill([0x7f])), 0x00]])), // type: (i32 ×13) → ()
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
 * Compiles the SIMD kernel with room for blocks of `cSize`, `aSize` and `bSize` doubles, or returns
 * null where WebAssembly SIMD is unavailable (the caller then uses the JavaScript kernel).
 * @example
 * ```ts
 * const k = createSimdKernel(64 * 512, 64 * 256, 256 * 512); // null without WebAssembly SIMD
 * ```
 */
export function createSimdKernel(cSize: number, aSize: number, bSize: number): SimdKernel | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  const cOffset = 0;
  const aOffset = cOffset + 8 * cSize;
  const bOffset = aOffset + 8 * aSize;
  const pages = Math.ceil((bOffset + 8 * bSize) / 65536);
  const bytes = moduleBytes(pages);
  if (!wasm.validate(bytes)) return null;
  try {
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    const mem = instance.exports.mem as { buffer: ArrayBuffer };
    return {
      run: instance.exports.mk as SimdKernel['run'],
      c: new Float64Array(mem.buffer, cOffset, cSize),
      a: new Float64Array(mem.buffer, aOffset, aSize),
      b: new Float64Array(mem.buffer, bOffset, bSize),
      cOffset,
      aOffset,
      bOffset,
    };
  } catch {
    return null;
  }
}

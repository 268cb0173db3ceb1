import { afterEach, describe, expect, it } from 'vitest';
import { randn } from '../create.js';
import { RandomGenerator } from '../random.js';
import { Tensor, tensor } from '../tensor.js';
import { matmul } from '../ops/matmul.js';
import { transpose } from '../ops/layout.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { refMatmul2d } from '../test-utils/reference.js';
import { gemm, setMatmulSimd } from './matmul.js';

/** The reference: the shared naive triple loop (summing p = 0 … k-1 in order), as a Float64Array. */
function naive(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  return Float64Array.from(refMatmul2d(a, b, m, k, n));
}

function random(size: number, g: RandomGenerator): Float64Array {
  const x = new Float64Array(size);
  for (let i = 0; i < size; i++) x[i] = g.normal();
  return x;
}

function transposed(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

// Shapes (m, k, n) covering the direct path, the blocked path, edge tiles (sizes not multiples of 4)
// and every cache-block boundary: m > MC = 64, k > KC = 256, n > NC = 512.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [3, 5, 2], [5, 3, 9], [2, 300, 3], [4, 4, 4], [17, 33, 9], [64, 64, 64],
  [67, 129, 31], [9, 20, 530], [70, 300, 13], [130, 257, 66], [5, 0, 6],
];

describe('matmul kernel: bit-identical to a naive triple loop', () => {
  const g = new RandomGenerator(7);
  afterEach(() => {
    setMatmulSimd(true);
  });
  it('WebAssembly SIMD is available here (so both tiles are tested)', () => {
    expect(setMatmulSimd(true)).toBe(true);
  });
  for (const [[m, k, n], simd] of SHAPES.flatMap((s) => [[s, true], [s, false]] as const)) {
    it(`(${m}×${k}) · (${k}×${n}) in all four transpose layouts, ${simd ? 'SIMD' : 'JavaScript'} tile`, () => {
      setMatmulSimd(simd);
      const a = random(m * k, g);
      const b = random(k * n, g);
      const expected = naive(a, b, m, k, n);
      const at = transposed(a, m, k);
      const bt = transposed(b, k, n);
      for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
        const c = new Float64Array(m * n).fill(Number.NaN); // gemm must overwrite, not accumulate
        gemm(m, n, k, ta ? at : a, 0, ta ? 1 : k, ta ? m : 1, tb ? bt : b, 0, tb ? 1 : n, tb ? k : 1, c, 0, n);
        expect(c).toEqual(expected);
        const out = matmul(new Tensor(ta ? at : a, ta ? [k, m] : [m, k]), new Tensor(tb ? bt : b, tb ? [n, k] : [k, n]), { transposeA: ta, transposeB: tb });
        expect(out.shape).toEqual([m, n]);
        expect(out.buffer).toEqual(expected);
      }
    });
  }

  it('writes into a strided destination at an offset without touching the rest', () => {
    const a = random(10 * 12, g);
    const b = random(12 * 8, g);
    const c = new Float64Array(3 + 10 * 11).fill(-1);
    gemm(10, 8, 12, a, 0, 12, 1, b, 0, 8, 1, c, 3, 11);
    const expected = naive(a, b, 10, 12, 8);
    for (let i = 0; i < 10; i++) {
      expect(c.subarray(3 + i * 11, 3 + i * 11 + 8)).toEqual(expected.subarray(i * 8, i * 8 + 8));
      expect(Array.from(c.subarray(3 + i * 11 + 8, 3 + i * 11 + 11))).toEqual([-1, -1, -1]);
    }
    expect(Array.from(c.subarray(0, 3))).toEqual([-1, -1, -1]);
  });

  for (const simd of [true, false]) {
    it(`reads operands with no unit stride (every other element), ${simd ? 'SIMD' : 'JavaScript'} tile`, () => {
      // neither operand has contiguous lines, so both are packed on every path (short and long k-blocks)
      setMatmulSimd(simd);
      for (const [m, k, n] of [[9, 20, 70], [66, 300, 13]]) {
        const a = random(m * k, g);
        const b = random(k * n, g);
        const spread = (x: Float64Array) => Float64Array.from({ length: 2 * x.length }, (_, i) => (i % 2 === 0 ? x[i / 2] : Number.NaN));
        const c = new Float64Array(m * n);
        gemm(m, n, k, spread(a), 0, 2 * k, 2, spread(b), 0, 2 * n, 2, c, 0, n);
        expect(c).toEqual(naive(a, b, m, k, n));
      }
    });
  }

  it('1-D operands follow NumPy: vector·matrix, matrix·vector, dot', () => {
    const a = random(6 * 5, g);
    const v = random(5, g);
    const w = random(6, g);
    expect(matmul(new Tensor(a, [6, 5]), new Tensor(v, [5])).buffer).toEqual(naive(a, v, 6, 5, 1));
    expect(matmul(new Tensor(w, [6]), new Tensor(a, [6, 5])).buffer).toEqual(naive(w, a, 1, 6, 5));
    const dot = matmul(new Tensor(v, [5]), new Tensor(v.slice(), [5]));
    expect(dot.shape).toEqual([]);
    expect(dot.item()).toBe(naive(v, v, 1, 5, 1)[0]);
    // a transpose flag on a 1-D operand is ignored, like transpose() of a 1-D tensor
    expect(matmul(new Tensor(a, [6, 5]), new Tensor(v, [5]), { transposeB: true }).buffer).toEqual(naive(a, v, 6, 5, 1));
    expect(matmul(new Tensor(w, [6]), new Tensor(transposed(a, 6, 5), [5, 6]), { transposeB: true }).buffer).toEqual(naive(w, a, 1, 6, 5));
  });

  it('batched with broadcast batch dimensions, each matrix exact', () => {
    // a: (2, 1, 20, 9), b: (3, 9, 21) → (2, 3, 20, 21); a also as a plain stack against one matrix
    const a = random(2 * 20 * 9, g);
    const b = random(3 * 9 * 21, g);
    const out = matmul(new Tensor(a, [2, 1, 20, 9]), new Tensor(b, [3, 9, 21]));
    expect(out.shape).toEqual([2, 3, 20, 21]);
    for (let s = 0; s < 2; s++) {
      for (let t = 0; t < 3; t++) {
        const expected = naive(a.subarray(s * 180, s * 180 + 180), b.subarray(t * 189, t * 189 + 189), 20, 9, 21);
        const o = (s * 3 + t) * 420;
        expect(out.buffer.subarray(o, o + 420)).toEqual(expected);
      }
    }
    const w = random(9 * 21, g);
    const stacked = matmul(new Tensor(a, [2, 20, 9]), new Tensor(w, [9, 21]));
    expect(stacked.shape).toEqual([2, 20, 21]);
    for (let s = 0; s < 2; s++) expect(stacked.buffer.subarray(s * 420, s * 420 + 420)).toEqual(naive(a.subarray(s * 180, s * 180 + 180), w, 20, 9, 21));
    const left = matmul(new Tensor(w.subarray(0, 20 * 9).slice(), [20, 9]), new Tensor(b, [3, 9, 21]));
    for (let t = 0; t < 3; t++) expect(left.buffer.subarray(t * 420, t * 420 + 420)).toEqual(naive(w.subarray(0, 180), b.subarray(t * 189, t * 189 + 189), 20, 9, 21));
  });

  it('float32 operands are summed in float64 and rounded once', () => {
    const a = random(70 * 40, g);
    const b = random(40 * 30, g);
    const a32 = Float32Array.from(a);
    const b32 = Float32Array.from(b);
    const out = matmul(new Tensor(a32, [70, 40]), new Tensor(b32, [40, 30]));
    expect(out.dtype).toBe('float32');
    expect(out.buffer).toEqual(Float32Array.from(naive(Float64Array.from(a32), Float64Array.from(b32), 70, 40, 30)));
  });

  it('equals matmul of an explicit transpose', () => {
    const a = randn([6, 4], { seed: 3 });
    const b = randn([5, 4], { seed: 4 });
    expect(matmul(a, b, { transposeB: true }).buffer).toEqual(matmul(a, transpose(b)).buffer);
    expect(matmul(b, a.transpose()).buffer).toEqual(matmul(b, a, { transposeB: true }).buffer);
  });

  it('names both shapes when they do not align', () => {
    expect(() => matmul(tensor([[1, 2, 3]]), tensor([[1, 2]]))).toThrow(/\[1, ?3\].*\[1, ?2\].*\(3\).*\(1\)/);
    expect(() => matmul(randn([2, 3]), randn([2, 3]), { transposeA: true, transposeB: true })).toThrow(/second-to-last \(transposed\) dimension \(2\).*last \(transposed\) dimension \(3\)/);
  });
});

describe('matmul gradients (gradcheck against central differences)', () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['A·B', [3, 4], [4, 2], false, false],
    ['A·Bᵀ', [3, 4], [2, 4], false, true],
    ['Aᵀ·B', [4, 3], [4, 2], true, false],
    ['Aᵀ·Bᵀ', [4, 3], [2, 4], true, true],
    ['batched, broadcast A', [1, 3, 4], [2, 4, 2], false, false],
    ['batched 2-D A against a stack, B transposed', [3, 4], [2, 5, 4], false, true],
    ['stack against a matrix, A transposed', [2, 4, 3], [4, 2], true, false],
    ['vector · matrix', [4], [4, 3], false, false],
    ['matrix · vector', [3, 4], [4], false, false],
  ];
  cases.forEach(([name, sa, sb, ta, tb], i) => {
    it(name, () => {
      const f = (a: Tensor, b: Tensor) => matmul(a, b, { transposeA: ta, transposeB: tb }).tanh();
      expect(gradcheck(f, [randn(sa, { seed: 10 + i }), randn(sb, { seed: 20 + i })]).ok).toBe(true);
    });
  });

  it('second derivatives (gradgradcheck) in every transpose layout', () => {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      const f = (a: Tensor, b: Tensor) => matmul(a, b, { transposeA: ta, transposeB: tb }).tanh().sum();
      expect(gradgradcheck(f, [randn([3, 3], { seed: 1 }), randn([3, 3], { seed: 2 })]).ok).toBe(true);
    }
  });

  it('a gradient through a large blocked product matches the explicit formula exactly', () => {
    const a = randn([40, 70], { seed: 5, requiresGrad: true });
    const b = randn([70, 30], { seed: 6, requiresGrad: true });
    const gOut = randn([40, 30], { seed: 7 });
    matmul(a, b).backward(gOut);
    expect(a.grad!.buffer).toEqual(naive(gOut.buffer as Float64Array, transposed(b.buffer as Float64Array, 70, 30), 40, 30, 70));
    expect(b.grad!.buffer).toEqual(naive(transposed(a.buffer as Float64Array, 40, 70), gOut.buffer as Float64Array, 70, 40, 30));
  });
});

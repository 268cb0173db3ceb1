/**
 * The products the GEMM benchmarks (bench-gemm.ts, bench-threads.ts) time: the MNIST CNN's
 * convolutions (conv 1→8 3×3 on 28×28, conv 8→16 3×3 on 13×13, batch 64) as conv.ts calls gemm,
 * with their operands laid out and strided as there.
 * @module
 */
import { RandomGenerator } from '../src/index.js';

/** One product C (m×n) = op(A) (m×k) · op(B) (k×n), read with the strides conv.ts or matmul uses. */
export interface Product {
  name: string;
  m: number;
  n: number;
  k: number;
  /** A stored transposed (k×m, read with strides 1, m). */
  transA?: boolean;
  /** B stored transposed (n×k, read with strides 1, k). */
  transB?: boolean;
}

const N = 64;
/** conv.ts's products for the CNN: forward W·cols, weight gradient G·colsᵀ, input gradient Wᵀ·G. */
export const CNN_PRODUCTS: Product[] = [
  // conv1: 1→8, 3×3, 28×28 → 26×26: W [8 × 9] · cols [9 × N·676]
  { name: 'conv1 forward W·cols [8,9]x[9,43264]', m: 8, n: N * 676, k: 9 },
  { name: 'conv1 weight grad G·colsT [8,43264]x[43264,9]', m: 8, n: 9, k: N * 676, transB: true },
  { name: 'conv1 input grad WT·G [9,8]x[8,43264]', m: 9, n: N * 676, k: 8, transA: true },
  // conv2: 8→16, 3×3, 13×13 → 11×11: W [16 × 72] · cols [72 × N·121]
  { name: 'conv2 forward W·cols [16,72]x[72,7744]', m: 16, n: N * 121, k: 72 },
  { name: 'conv2 weight grad G·colsT [16,7744]x[7744,72]', m: 16, n: 72, k: N * 121, transB: true },
  { name: 'conv2 input grad WT·G [72,16]x[16,7744]', m: 72, n: N * 121, k: 16, transA: true },
];

/** Standard-normal operands of `p` (seeded) and the strides gemm reads them with. */
export function operands(p: Product, seed = 1): { a: Float64Array; b: Float64Array; aRs: number; aCs: number; bRs: number; bCs: number } {
  const g = new RandomGenerator(seed);
  const random = (size: number) => Float64Array.from({ length: size }, () => g.normal());
  // op(A)[i][p] = a[i·aRs + p·aCs]; stored transposed, the same numbers are read through swapped strides
  const [aRs, aCs] = p.transA ? [1, p.m] : [p.k, 1];
  const [bRs, bCs] = p.transB ? [1, p.k] : [p.n, 1];
  return { a: random(p.m * p.k), b: random(p.k * p.n), aRs, aCs, bRs, bCs };
}

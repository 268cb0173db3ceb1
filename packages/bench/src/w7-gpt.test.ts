import { describe, expect, it } from 'vitest';
import { buildModel } from '@chainrule/examples/tiny-gpt/model';
import { makeOptimizer, trainStep } from '@chainrule/examples/tiny-gpt/train';
import { JAX_VARIANTS, loadJax, type JaxVariant } from './jax.js';
import { timeSteps, type StepTrainer } from './steps.js';
import { loadTf, useBackend } from './tf.js';
import { gptParamCount, w7Chainrule, w7ChainruleCompiled, w7Data, w7JaxTrainer, w7Tf } from './w7-gpt.js';

// the benchmark's network on shorter windows and a smaller batch (the work per step shrinks, the
// code is the same); one batch, so every step trains on the same windows and the loss must fall
const data = w7Data(1, { batchSize: 4, contextLength: 8 });
const STEPS = 3;
const lossesOf = async (trainer: StepTrainer) => (await timeSteps(trainer, STEPS)).losses;
const relative = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
const jaxPeer = (peer: string) => JAX_VARIANTS.find((v) => v.peer === peer) as JaxVariant;

describe('W7: the tiny-gpt example’s transformer step', () => {
  it('uses the example’s README configuration and its 415 characters', () => {
    const c = w7Data(1).config;
    expect([c.numLayers, c.dModel, c.numHeads, c.contextLength, c.batchSize, c.vocabSize]).toEqual([2, 32, 4, 32, 16, 415]);
  });

  it('the hand-written transformer has as many parameters as the example’s (the same work)', () => {
    const c = w7Data(1).config;
    const exampleCount = buildModel(c)
      .parameters()
      .reduce((n, p) => n + p.size, 0);
    expect(gptParamCount(c)).toBe(exampleCount);
    expect(exampleCount).toBe(53_471);
  });

  it('chainrule’s step is the example’s buildModel, makeOptimizer and trainStep; its loss starts near ln V and falls', async () => {
    const c = data.config;
    const model = buildModel(c);
    const optimizer = makeOptimizer(model, { lr: c.lr, weightDecay: c.weightDecay });
    const direct = Array.from({ length: STEPS }, () => trainStep(model, optimizer, data.batches[0], c.maxGradNorm).loss);
    const losses = await lossesOf(w7Chainrule(data));
    expect(losses).toEqual(direct);
    // GPT-2's small initialisation makes the first logits nearly equal
    expect(Math.abs(losses[0] - Math.log(c.vocabSize))).toBeLessThan(0.05);
    expect(losses[STEPS - 1]).toBeLessThan(losses[0] - 0.3);
  });

  it('compiled, chainrule gives the same losses bit for bit (over two batches)', async () => {
    const two = w7Data(2, { batchSize: 4, contextLength: 8 });
    expect(await lossesOf(w7ChainruleCompiled(two))).toEqual(await lossesOf(w7Chainrule(two)));
  });

  it('TF.js cpu and jax-js (jitted float32, eager float64), written separately from the same weights, give the same losses, which fall', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'cpu');
    const reference = await lossesOf(w7Tf(tf, data));
    expect(reference[STEPS - 1]).toBeLessThan(reference[0] - 0.3);
    const jax = await loadJax();
    // TF.js is float32 and jax-js's exp and log are accurate to about 1e-6: 6e-7 measured
    for (const peer of ['jax-f32', 'jax-eager-f64']) expect(relative(await lossesOf(w7JaxTrainer(jax, jaxPeer(peer), data)), reference)).toBeLessThan(1e-5);
  });

  it('TF.js’s wasm backend has no kernel for the embedding gather’s gradient (the table’s “failed”)', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'wasm');
    try {
      expect(() => w7Tf(tf, data).step(0)).toThrow(/Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'/);
    } finally {
      await useBackend(tf, 'cpu');
    }
  });
});

import { describe, expect, it } from 'vitest';
import { Tensor } from '@chainrule/core';
import { buildModel, trainStep } from '@chainrule/examples/mnist/model';
import { AdamW } from '@chainrule/nn';
import { JAX_VARIANTS, loadJax, type JaxVariant } from './jax.js';
import { timeSteps, type StepTrainer } from './steps.js';
import { loadTf, useBackend } from './tf.js';
import { w6Chainrule, w6ChainruleCompiled, w6Data, w6JaxTrainer, w6Tf, W6_OPTIONS } from './w6-cnn.js';
import { w6Js } from './w6-cnn-js.js';

// 8 digits a step keep TF.js's cpu backend cheap (seconds a step at 64); one batch, so every step
// trains on the same digits and the loss must fall; no dropout, so every peer computes the same numbers
const options = { ...W6_OPTIONS, batch: 8, batches: 1, dropout: 0 };
const data = w6Data(options);
const STEPS = 3;
const lossesOf = async (trainer: StepTrainer) => (await timeSteps(trainer, STEPS)).losses;
const relative = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
const jaxPeer = (peer: string) => JAX_VARIANTS.find((v) => v.peer === peer) as JaxVariant;

describe('W6: the mnist example’s CNN step', () => {
  const reference = lossesOf(w6Chainrule(data));

  it('chainrule’s step is the example’s buildModel and trainStep with AdamW, and the loss falls', async () => {
    const model = buildModel({ seed: options.seed, dropout: 0 });
    const optimizer = new AdamW(model.parameters(), { lr: options.lr, weightDecay: options.weightDecay });
    const x = new Tensor(data.xs[0], [options.batch, 1, 28, 28]);
    const y = new Tensor(Float64Array.from(data.labels[0]), [options.batch]);
    const direct = Array.from({ length: STEPS }, () => trainStep(model, optimizer, x, y).loss);
    const losses = await reference;
    expect(losses).toEqual(direct);
    expect(losses[STEPS - 1]).toBeLessThan(losses[0] - 0.05);
  });

  it('compiled, chainrule gives the same losses bit for bit (with the benchmark’s dropout, over two batches)', async () => {
    const dropped = w6Data({ ...W6_OPTIONS, batch: 8, batches: 2 });
    expect(await lossesOf(w6ChainruleCompiled(dropped))).toEqual(await lossesOf(w6Chainrule(dropped)));
  });

  it('the hand-written loops give chainrule’s losses (float64, the same weights and digits)', async () => {
    // the same float64 arithmetic in another order: agreement to rounding
    expect(relative(await lossesOf(w6Js(data)), await reference)).toBeLessThan(1e-12);
  });

  it('TF.js cpu (float32) gives the same losses', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'cpu');
    // float32 throughout: about 1e-7 per operation, 5e-7 after three steps when this was written
    expect(relative(await lossesOf(w6Tf(tf, data)), await reference)).toBeLessThan(5e-6);
  });

  it('jax-js, jitted float32 and eager float64, gives the same losses', async () => {
    const jax = await loadJax();
    // jax-js's exp and log on Wasm are accurate to about 1e-6 relative, in float64 too: 2e-6 measured
    for (const peer of ['jax-f32', 'jax-eager-f64']) expect(relative(await lossesOf(w6JaxTrainer(jax, jaxPeer(peer), data)), await reference)).toBeLessThan(2e-5);
  });

  it('with the benchmark’s dropout every peer’s step runs and gives a finite loss near ln 10', async () => {
    const dropped = w6Data({ ...options, dropout: W6_OPTIONS.dropout });
    const tf = await loadTf();
    await useBackend(tf, 'cpu');
    const jax = await loadJax();
    const trainers = [w6Chainrule(dropped), w6Js(dropped), w6Tf(tf, dropped), w6JaxTrainer(jax, jaxPeer('jax-f64'), dropped)];
    for (const trainer of trainers) {
      const losses = (await timeSteps(trainer, 2)).losses;
      for (const loss of losses) expect(Math.abs(loss - Math.log(10))).toBeLessThan(0.5);
    }
  });

  it('TF.js’s wasm backend has no kernel for the convolution’s filter gradient (the table’s “failed”)', async () => {
    const tf = await loadTf();
    await useBackend(tf, 'wasm');
    try {
      expect(() => w6Tf(tf, data).step(0)).toThrow(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/);
    } finally {
      await useBackend(tf, 'cpu');
    }
  });
});

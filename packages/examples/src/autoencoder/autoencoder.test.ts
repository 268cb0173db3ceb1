// The autoencoder on a small subset (1,000 digits to train on, 200 held out, 5 epochs: about 5 s on
// two shared cores), the digit loader against the package's own numbers, and the picture layout.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad } from '@chainrule/core';
import { Autoencoder, PIXELS, buildModel, loadDigits, showReconstructions, trainAutoencoder } from './autoencoder.js';
import { visibleWidth } from './text-art.js';

const digits = loadDigits();
const subset = { trainSize: 1000, testSize: 200, epochs: 5, seed: 0 };
const run = trainAutoencoder(digits, subset);

describe('loadDigits', () => {
  it("holds the package's 10,000 digits, class by class, pixels in [0, 1]", () => {
    expect(digits.images.shape).toEqual([10000, PIXELS]);
    const counts = Array.from({ length: 10 }, (_, d) => digits.labels.eq(d).sum().item());
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]); // the mnist package's class sizes
    expect(digits.images.min().item()).toBe(0);
    expect(digits.images.max().item()).toBe(1);
  });

  it("gives each class's images in the package's order", () => {
    // the package itself, read through CommonJS: image 5 of class 3 is at 1001 + 1127 + 991 + 5
    const mnist = createRequire(import.meta.url)('mnist') as { get(i: number): number[] }[];
    expect(Array.from(digits.images.slice(0, 3124, 3125).buffer)).toEqual(mnist[3].get(5));
    expect(digits.labels.buffer[3124]).toBe(3);
  });
});

describe('the autoencoder', () => {
  it('is 784-128-32-128-784 with a code of 32 and outputs in (0, 1)', () => {
    manualSeed(0);
    const model = buildModel();
    expect(model).toBeInstanceOf(Autoencoder);
    const params = model.parameters().reduce((n, p) => n + p.size, 0);
    expect(params).toBe(784 * 128 + 128 + 128 * 32 + 32 + 32 * 128 + 128 + 128 * 784 + 784);
    const x = digits.images.slice(0, 0, 3);
    noGrad(() => {
      expect(model.encoder.forward(x).shape).toEqual([3, 32]);
      const out = model.forward(x);
      expect(out.shape).toEqual([3, PIXELS]);
      expect(out.min().item()).toBeGreaterThan(0);
      expect(out.max().item()).toBeLessThan(1);
    });
  });

  it('learns on a subset: held-out BCE falls by more than 3x, MSE by more than 4x, below the mean image', () => {
    // measured: BCE 0.694 → 0.183 (3.8x), MSE 0.232 → 0.040 (5.8x)
    expect(run.heldOut.shape).toEqual([200, PIXELS]);
    expect(run.before.bce / run.after.bce).toBeGreaterThan(3);
    expect(run.before.mse / run.after.mse).toBeGreaterThan(4);
    // predicting every held-out digit as their mean image scores 0.065: the codes carry each digit
    const meanImageMse = run.heldOut.sub(run.heldOut.mean(0)).square().mean().item();
    expect(run.after.mse).toBeLessThan(0.7 * meanImageMse);
    expect(run.losses).toHaveLength(5);
    run.losses.slice(1).forEach((loss, i) => expect(loss).toBeLessThan(run.losses[i]));
  });

  it('is deterministic under the seed, and the seed matters', () => {
    const short = { trainSize: 300, testSize: 100, epochs: 1 };
    const a = trainAutoencoder(digits, { ...short, seed: 3 });
    const b = trainAutoencoder(digits, { ...short, seed: 3 });
    expect(b.losses).toEqual(a.losses);
    expect(b.after).toEqual(a.after);
    expect(b.heldOutLabels).toEqual(a.heldOutLabels);
    expect(trainAutoencoder(digits, { ...short, seed: 4 }).heldOutLabels).not.toEqual(a.heldOutLabels);
  });

  it('shows digits beside their reconstructions, as many pairs per row as fit', () => {
    const shown = run.heldOut.slice(0, 0, 3);
    const text = showReconstructions(shown, noGrad(() => run.model.forward(shown)), run.heldOutLabels, { columns: 120 });
    const lines = text.split('\n');
    // two pairs (58 + 4 + 58 columns), then one: each a caption and 14 lines of pixels, a blank line between
    expect(lines).toHaveLength(15 + 1 + 15);
    expect(lines[0]).toBe(`digit ${run.heldOutLabels[0]}`.padEnd(30) + 'reconstruction'.padEnd(28) + '    ' + `digit ${run.heldOutLabels[1]}`.padEnd(30) + 'reconstruction'.padEnd(28));
    expect(lines[16].trimEnd()).toBe(`digit ${run.heldOutLabels[2]}`.padEnd(30) + 'reconstruction');
    lines.forEach((line) => expect(visibleWidth(line)).toBeLessThanOrEqual(120));
    expect(showReconstructions(shown, shown, [1, 2, 3], { columns: 40 }).split('\n')).toHaveLength(3 * 15 + 2);
  });
});

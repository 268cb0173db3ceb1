// The whole iris example runs here (60 epochs on 120 flowers: well under a second once warm).
import { describe, expect, it } from 'vitest';
import { manualSeed } from '@chainrule/core';
import { CrossEntropyLoss, SGD } from '@chainrule/nn';
import { buildModel, loadIris, seedFrom, splitIris, trainIris, trainStep } from './iris.js';

describe('iris data and split', () => {
  const data = loadIris();

  it('holds 150 flowers, 50 per species, four measurements each', () => {
    expect(data.features.shape).toEqual([150, 4]);
    expect([0, 1, 2].map((c) => data.labels.eq(c).sum().item())).toEqual([50, 50, 50]);
    expect(data.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(data.features.slice(0, 0, 1).buffer)).toEqual([5.1, 3.5, 1.4, 0.2]); // Fisher's first flower
  });

  it('splits 120/30, every flower once, and standardises with the training part only', () => {
    const { xTrain, yTrain, xTest, yTest } = splitIris(data, { seed: 0 });
    expect([xTrain.shape, yTrain.shape, xTest.shape, yTest.shape]).toEqual([[120, 4], [120], [30, 4], [30]]);
    expect([0, 1, 2].map((c) => yTrain.eq(c).sum().item() + yTest.eq(c).sum().item())).toEqual([50, 50, 50]);
    // training columns: mean 0, (sample) standard deviation 1, computed here by hand
    const rows = xTrain.toArray() as number[][];
    for (let j = 0; j < 4; j++) {
      const column = rows.map((r) => r[j]);
      const mean = column.reduce((a, b) => a + b, 0) / 120;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 119;
      expect(Math.abs(mean)).toBeLessThan(1e-15);
      expect(variance).toBeAllClose(1, { rtol: 1e-14 });
    }
    // the test part went through the same affine map, so it is not standardised to itself
    const testMean = (xTest.mean(0).toArray() as number[]).map(Math.abs);
    expect(Math.max(...testMean)).toBeGreaterThan(0.01);
    expect(splitIris(data, { seed: 1 }).yTest.toArray()).not.toEqual(yTest.toArray());
  });
});

describe('the iris classifier', () => {
  const run = trainIris({ seed: 0 });

  it('reaches at least 95% on the 30 held-out flowers (seed 0: 29 of 30)', () => {
    expect(run.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(run.testAccuracy).toBe(29 / 30);
    expect(run.trainAccuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('its epoch loss falls from about ln 3 by more than 10x', () => {
    // 3 classes at chance: ln 3 = 1.0986; seed 0 goes 0.955 → 0.048
    expect(run.losses).toHaveLength(60);
    expect(run.losses[0]).toBeGreaterThan(0.5);
    expect(run.losses[0] / run.losses[59]).toBeGreaterThan(10);
  });

  it('is deterministic under the seed', () => {
    const again = trainIris({ seed: 0 });
    expect(again.losses).toEqual(run.losses);
    expect(again.testAccuracy).toBe(run.testAccuracy);
    expect(trainIris({ seed: 1, epochs: 2 }).losses).not.toEqual(run.losses.slice(0, 2));
  });

  it('is a 4-16-3 MLP whose trainStep lowers the loss on its batch', () => {
    manualSeed(0);
    const model = buildModel();
    expect(model.parameters().map((p) => p.shape)).toEqual([[16, 4], [16], [3, 16], [3]]);
    const { xTrain, yTrain } = splitIris(loadIris(), { seed: 0 });
    const lossFn = new CrossEntropyLoss();
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const before = lossFn.forward(model.forward(xTrain), yTrain).item();
    const first = trainStep(model, optimizer, lossFn, xTrain, yTrain);
    expect(first).toBe(before); // it returns the loss before the update
    expect(trainStep(model, optimizer, lossFn, xTrain, yTrain)).toBeLessThan(first);
  });
});


describe('the command line', () => {
  it('reads --seed N, and refuses a seed that is not an integer', () => {
    expect(seedFrom([])).toBe(0);
    expect(seedFrom(['--seed', '7'])).toBe(7);
    expect(() => seedFrom(['--seed'])).toThrow('iris: --seed needs an integer, got ""');
    expect(() => seedFrom(['--seed', 'x1'])).toThrow('iris: --seed needs an integer, got "x1"');
  });
});

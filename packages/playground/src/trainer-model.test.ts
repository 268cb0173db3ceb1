// The playground's trainer: the article's XOR example as the examples package trains it, the 2-D
// datasets, and weights exported and imported as an nn state dict.
import { describe, expect, it } from 'vitest';
import { DATASET_DEFAULTS, Trainer, XOR_PRESET, hiddenSizesOf, importWeights, makeDataset, type DatasetName } from './trainer-model.js';

describe('the trainer', () => {
  it('XOR 2-5-1 as the article: the total error falls under 0.01, every prediction on the right side', () => {
    const t = new Trainer(XOR_PRESET);
    expect(t.curve[0].loss).toBeGreaterThan(0.4);
    t.train(12000, 500);
    expect(t.loss()).toBeLessThan(0.01);
    expect(t.accuracy()).toBe(1);
  });

  it('same settings, same numbers: the run is seeded', () => {
    const a = new Trainer(XOR_PRESET), b = new Trainer(XOR_PRESET);
    a.train(300);
    b.train(300);
    expect(a.loss()).toBe(b.loss());
  });

  it.each(['circle', 'xor', 'spiral', 'gaussian'] as DatasetName[])('%s: 200 labelled points in [-1, 1]², half of each class', (name) => {
    const d = makeDataset(name, 1);
    expect(d.x).toHaveLength(200);
    expect(d.y.filter((y) => y === 1)).toHaveLength(100);
    for (const [x, y] of d.x) expect(Math.abs(x) <= 1 && Math.abs(y) <= 1).toBe(true);
  });

  it('learns the circle with the dataset defaults (2 × 8 tanh, Adam)', () => {
    const t = new Trainer({ ...DATASET_DEFAULTS, dataset: 'circle' });
    t.train(300, 50);
    expect(t.accuracy()).toBeGreaterThan(0.95);
    const g = t.grid(10);
    expect(g).toHaveLength(100);
    expect(g[55]).toBeGreaterThan(0.5); // the middle of the square is inside the circle
  });

  it('weights round-trip through JSON, architecture included; bad JSON is refused with a reason', () => {
    const t = new Trainer({ ...DATASET_DEFAULTS, dataset: 'spiral', layers: 3, units: 6 });
    t.train(20);
    const json = t.exportWeights();
    expect(hiddenSizesOf(JSON.parse(json))).toEqual([6, 6, 6]);
    const u = importWeights({ ...DATASET_DEFAULTS, dataset: 'spiral' }, json);
    expect(u.settings.layers).toBe(3);
    expect(u.loss()).toBe(t.loss());
    expect(() => importWeights(XOR_PRESET, '{')).toThrow(/not JSON/);
    expect(() => importWeights(XOR_PRESET, '{"a": 1}')).toThrow(/no 0\.weight: not a state dict/);
  });

  it('the graph of a step is an SVG with the layers grouped', () => {
    const svg = new Trainer(XOR_PRESET).graphSvg();
    expect(svg).toContain('data-group="hidden layer 1"');
    expect(svg).toContain('data-group="output layer"');
    expect(svg).toContain('mseLoss: loss');
  });
});

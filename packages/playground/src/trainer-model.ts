/**
 * Beyond the article: a small classifier on two inputs, trained in the page. The article's XOR
 * example (2-5-1, sigmoid, SGD η = 0.5 on one random sample per step, E = Σ ½(target − out)²) is
 * one preset; 2-D datasets (circle, xor, spiral, gaussian) with any number of layers, units,
 * activation, learning rate and optimizer are the rest. Nothing here touches the DOM.
 * @module
 */
import { RandomGenerator, noGrad, tensor, toSvg, type Tensor } from '@chainrule/core';
import { Adam, BCELoss, Dense, MSELoss, ReLU, SGD, Sequential, Sigmoid, Tanh, loadStateDict, stateDict, type Module, type Optimizer, type StateDict } from '@chainrule/nn';

/**
 * The datasets: `xor4` is the article's four XOR points; the others are 2-D point clouds in [-1, 1]².
 * @example
 * `makeDataset('spiral')`
 */
export type DatasetName = 'xor4' | 'circle' | 'xor' | 'spiral' | 'gaussian';

/**
 * Labelled points.
 * @example
 * `makeDataset('xor4').y; // [0, 1, 1, 0]`
 */
export interface Dataset {
  readonly name: DatasetName;
  /** Points, N × 2. */
  readonly x: readonly (readonly [number, number])[];
  /** Labels, 0 or 1. */
  readonly y: readonly number[];
  /** The square the decision boundary is drawn over: [min, max] on both axes. */
  readonly extent: readonly [number, number];
}

/**
 * What the reader chooses.
 * @example
 * `new Trainer({ ...DATASET_DEFAULTS, dataset: 'circle', layers: 3 })`
 */
export interface TrainerSettings {
  readonly dataset: DatasetName;
  /** Hidden layers (0: logistic regression). */
  readonly layers: number;
  /** Units per hidden layer. */
  readonly units: number;
  readonly activation: 'sigmoid' | 'tanh' | 'relu';
  readonly lr: number;
  readonly optimizer: 'sgd' | 'adam';
  /** `'one'`: one random sample per step (the article's XOR); `'all'`: the whole dataset per step. */
  readonly batch: 'one' | 'all';
  /** `'halfSum'`: E = Σ ½(target − out)² (the article); `'bce'`: binary cross-entropy, mean. */
  readonly loss: 'halfSum' | 'bce';
  /** Seed of the data, the initial weights and the sample order. */
  readonly seed: number;
}

/**
 * The article's XOR example: as `pnpm --filter @chainrule/examples run xor` trains it.
 * @example
 * `const t = new Trainer(XOR_PRESET); t.train(12000); t.loss(); // below 0.01`
 */
export const XOR_PRESET: TrainerSettings = {
  dataset: 'xor4', layers: 1, units: 5, activation: 'sigmoid', lr: 0.5, optimizer: 'sgd', batch: 'one', loss: 'halfSum', seed: 1,
};

/**
 * A good start on the 2-D datasets.
 * @example
 * `new Trainer({ ...DATASET_DEFAULTS, dataset: 'gaussian' })`
 */
export const DATASET_DEFAULTS: Omit<TrainerSettings, 'dataset'> = {
  layers: 2, units: 8, activation: 'tanh', lr: 0.03, optimizer: 'adam', batch: 'all', loss: 'bce', seed: 1,
};

/**
 * The points of a dataset (200 for the 2-D ones), from a seeded generator: the same on every machine.
 * @example
 * `makeDataset('circle', 1).x.length; // 200`
 */
export function makeDataset(name: DatasetName, seed = 1, n = 200): Dataset {
  if (name === 'xor4') return { name, x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0], extent: [-0.25, 1.25] };
  const g = new RandomGenerator(seed);
  const x: [number, number][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    let p: [number, number];
    if (name === 'circle') {
      // inside radius 0.5: 1; a ring from 0.7 to 1: 0
      const r = label === 1 ? 0.5 * Math.sqrt(g.uniform()) : 0.7 + 0.3 * g.uniform();
      const a = 2 * Math.PI * g.uniform();
      p = [r * Math.cos(a), r * Math.sin(a)];
    } else if (name === 'xor') {
      // quadrants: 1 where the coordinates' signs differ, kept a little away from the axes
      const sx = g.uniform() < 0.5 ? -1 : 1;
      const sy = label === 1 ? -sx : sx;
      p = [sx * (0.05 + 0.9 * g.uniform()), sy * (0.05 + 0.9 * g.uniform())];
    } else if (name === 'spiral') {
      const t = (i >> 1) / (n / 2);
      const r = 0.08 + 0.85 * t;
      const a = 1.75 * t * 2 * Math.PI + label * Math.PI;
      p = [r * Math.sin(a) + 0.03 * g.normal(), r * Math.cos(a) + 0.03 * g.normal()];
    } else {
      const c = label === 1 ? 0.4 : -0.4;
      p = [c + 0.22 * g.normal(), c + 0.22 * g.normal()];
    }
    x.push([Math.max(-1, Math.min(1, p[0])), Math.max(-1, Math.min(1, p[1]))]);
    y.push(label);
  }
  return { name, x, y, extent: [-1, 1] };
}

function activation(name: TrainerSettings['activation']): Module {
  return name === 'sigmoid' ? new Sigmoid() : name === 'tanh' ? new Tanh() : new ReLU();
}

/**
 * Checks settings a reader typed, naming what is wrong.
 * @example
 * `checkSettings({ ...XOR_PRESET, units: 0 }); // throws: units: a whole number from 1 to 64, got 0`
 */
export function checkSettings(s: TrainerSettings): void {
  if (!Number.isInteger(s.layers) || s.layers < 0 || s.layers > 8) throw new Error(`hidden layers: a whole number from 0 to 8, got ${s.layers}`);
  if (!Number.isInteger(s.units) || s.units < 1 || s.units > 64) throw new Error(`units: a whole number from 1 to 64, got ${s.units}`);
  if (!(s.lr > 0 && s.lr <= 10)) throw new Error(`learning rate: a number above 0 and at most 10, got ${s.lr}`);
}

/**
 * The network, its optimizer and its training record.
 * @example
 * ```ts
 * const t = new Trainer(XOR_PRESET);
 * t.train(100, 10);
 * t.curve.length; // 11: step 0, then every 10 steps
 * ```
 */
export class Trainer {
  readonly settings: TrainerSettings;
  readonly data: Dataset;
  readonly net: Sequential;
  /** The sizes of the hidden layers. */
  readonly hidden: readonly number[];
  private readonly optimizer: Optimizer;
  private readonly lossFn: Module & { forward(pred: Tensor, target: Tensor): Tensor };
  private readonly pick: RandomGenerator;
  private readonly X: Tensor;
  private readonly Y: Tensor;
  /** Steps taken. */
  iteration = 0;
  /** The loss over the whole dataset after some steps: step 0, then at least every few steps. */
  readonly curve: { step: number; loss: number }[] = [];

  constructor(settings: TrainerSettings, hidden?: readonly number[]) {
    checkSettings(settings);
    this.settings = settings;
    this.data = makeDataset(settings.dataset, settings.seed);
    this.hidden = hidden ?? Array<number>(settings.layers).fill(settings.units);
    const init = settings.dataset === 'xor4' ? 'uniform' : 'xavier'; // the article's code draws uniform weights
    const sizes = [2, ...this.hidden, 1];
    const layers: Module[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      layers.push(new Dense(sizes[l], sizes[l + 1], { seed: settings.seed + l, init }));
      layers.push(l + 2 < sizes.length ? activation(settings.activation) : new Sigmoid());
    }
    this.net = new Sequential(...layers);
    this.optimizer = settings.optimizer === 'sgd' ? new SGD(this.net.parameters(), { lr: settings.lr }) : new Adam(this.net.parameters(), { lr: settings.lr });
    this.lossFn = settings.loss === 'halfSum' ? new MSELoss({ reduction: 'halfSum' }) : new BCELoss();
    this.pick = new RandomGenerator(settings.seed);
    this.X = tensor(this.data.x.map((p) => [...p]));
    this.Y = tensor(this.data.y.map((t) => [t]));
    this.curve.push({ step: 0, loss: this.loss() });
  }

  /** The loss over the whole dataset (E_total over the four XOR samples, as the article prints it). */
  loss(): number {
    return noGrad(() => this.lossFn.forward(this.net.forward(this.X), this.Y).item());
  }

  /** The share of points on the right side of 0.5. */
  accuracy(): number {
    const p = noGrad(() => this.net.forward(this.X).buffer);
    let right = 0;
    this.data.y.forEach((t, i) => (right += (p[i] >= 0.5 ? 1 : 0) === t ? 1 : 0));
    return right / this.data.y.length;
  }

  /** The batch of one step: one random sample (as the article's XOR), or all of them. */
  private batch(): [Tensor, Tensor] {
    if (this.settings.batch === 'all') return [this.X, this.Y];
    const n = this.data.y.length;
    const i = Math.min(n - 1, Math.floor(this.pick.uniform() * n));
    return [tensor([...this.data.x[i]]), tensor([this.data.y[i]])];
  }

  /** The loss of one step's batch, with its graph: what backward() walks. */
  batchLoss(): Tensor {
    const [x, t] = this.batch();
    return this.lossFn.forward(this.net.forward(x), t).named('loss');
  }

  /** `n` training steps; the curve records the whole-dataset loss every `every` steps. */
  train(n: number, every = 1): void {
    for (let k = 0; k < n; k++) {
      this.optimizer.zeroGrad();
      this.batchLoss().backward();
      this.optimizer.step();
      this.iteration++;
      if (this.iteration % every === 0) this.curve.push({ step: this.iteration, loss: this.loss() });
    }
  }

  /** The network's output on a `res` × `res` grid over the dataset's square, row by row from the top. */
  grid(res: number): Float64Array {
    const [lo, hi] = this.data.extent;
    const pts: number[][] = [];
    for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) pts.push([lo + ((hi - lo) * (c + 0.5)) / res, hi - ((hi - lo) * (r + 0.5)) / res]);
    return noGrad(() => this.net.forward(tensor(pts)).buffer) as Float64Array;
  }

  /** The graph of one training step (on the whole dataset), with values and gradients, as SVG. */
  graphSvg(): string {
    const groups = new Map<Tensor, string>();
    let h: Tensor = this.X.named('x');
    this.net.layers.forEach((layer, k) => {
      const l = k >> 1;
      const name = l < this.hidden.length ? `hidden layer ${l + 1}` : 'output layer';
      if (k % 2 === 0) for (const p of layer.parameters()) groups.set(p, name);
      h = layer.forward(h);
      groups.set(h, name);
    });
    const loss = this.lossFn.forward(h, this.Y).named('loss');
    return toSvg(loss, { values: true, gradients: true, group: (t) => groups.get(t), maxElements: 4, idPrefix: 'trainer', title: `step ${this.iteration}: the graph backward() walks` });
  }

  /** The weights as JSON: the nn state dict, `{ "0.weight": { shape, dtype, data }, ... }` (PyTorch's names). */
  exportWeights(): string {
    return JSON.stringify(stateDict(this.net), null, 1);
  }
}

/**
 * The hidden layer sizes a state dict describes (`0.weight` [units, 2], ...; the older
 * `layers.0.weight` names are read too, as nn's loadStateDict reads them), so an import
 * can rebuild the network before loading. Throws, naming the problem, when it is not a network the
 * playground makes.
 * @example
 * `hiddenSizesOf(JSON.parse(trainer.exportWeights())); // [5]`
 */
export function hiddenSizesOf(state: StateDict): number[] {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new Error('weights: expected a JSON object of { shape, dtype, data } entries (an nn state dict)');
  const sizes: number[] = [];
  for (let k = 0; ; k += 2) {
    const name = state[`${k}.weight`] !== undefined ? `${k}.weight` : `layers.${k}.weight`;
    const w = state[name];
    if (w === undefined) break;
    if (!Array.isArray(w.shape) || w.shape.length !== 2) throw new Error(`weights: ${name} must have a shape [out, in]`);
    const [out, inF] = w.shape as [number, number];
    if (inF !== (k === 0 ? 2 : sizes[sizes.length - 1])) throw new Error(`weights: ${name} has ${inF} inputs, expected ${k === 0 ? 2 : sizes[sizes.length - 1]}`);
    sizes.push(out);
  }
  if (sizes.length === 0) throw new Error('weights: no 0.weight: not a state dict of this playground\'s networks');
  if (sizes[sizes.length - 1] !== 1) throw new Error(`weights: the last layer has ${sizes[sizes.length - 1]} units; the playground's networks end in one`);
  return sizes.slice(0, -1);
}

/**
 * A trainer with the weights of `json` (a state dict), its architecture read from the shapes.
 * @example
 * `const t = importWeights(XOR_PRESET, json); t.hidden; // read from the shapes`
 */
export function importWeights(settings: TrainerSettings, json: string): Trainer {
  let state: StateDict;
  try {
    state = JSON.parse(json) as StateDict;
  } catch (e) {
    throw new Error(`weights: not JSON (${(e as Error).message})`);
  }
  const hidden = hiddenSizesOf(state);
  const uniform = hidden.every((u) => u === hidden[0]);
  const s: TrainerSettings = { ...settings, layers: hidden.length, units: uniform && hidden.length > 0 ? hidden[0] : settings.units };
  const t = new Trainer(s, hidden);
  loadStateDict(t.net, state);
  t.curve.length = 0;
  t.curve.push({ step: 0, loss: t.loss() });
  return t;
}

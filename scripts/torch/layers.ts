/**
 * The nn layers and losses of issue 9 in the differential test.
 *
 * - LAYER_ROWS: the functional forms (layerNorm, batchNorm, embedding, Flatten) and every loss with
 *   its options, one row each like ops.ts's, with their own pickers: each gets per-row cases on fresh
 *   leaves, first and second order. They stay out of the random graphs (which pick from ops.ts's OPS):
 *   their inputs have shapes and options the pool would rarely fit, and the random graphs test core.
 * - hand-listed loss cases: `reduction: 'none'` of the losses in ops.ts, extreme inputs, edges.
 * - module programs (program.ts): each layer as a module, called in training and evaluation mode,
 *   with chainrule's initial state loaded into torch.nn's layer of the same name (strict state-dict
 *   keys), running statistics compared after every call, Dropout fed chainrule's masks.
 */
import type { Tensor, TensorLike } from '@chainrule/core';
import {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  Flatten,
  HuberLoss,
  KLDivLoss,
  L1Loss,
  NLLLoss,
  SmoothL1Loss,
  batchNorm,
  embedding,
  layerNorm,
  type KLDivReduction,
  type Reduction,
} from '@chainrule/nn';
import { GraphBuilder, sizeOf, type Node, type Picker } from './graph.js';
import type { OpRow } from './ops.js';
import { Rng } from './prng.js';
import { encode, type Case, type Encoded, type Json, type ModuleCall, type ModuleSpec } from './program.js';

const PER_ROW_CASES = 8;

/** A row of this file: ops.ts's row, and when the second order is not compared, the reason. */
export interface LayerRow<P> extends OpRow<P> {
  readonly firstOrderOnly?: string;
}

function row<P>(r: LayerRow<P>): LayerRow<Json> {
  return r as unknown as LayerRow<Json>;
}

/** null in JSON, a Python None: the torch side of an optional tensor option given as a list. */
const TENSOR_OR_NONE = (key: string) => `(None if p["${key}"] is None else torch.tensor(p["${key}"], dtype=torch.float64))`;

type R = Reduction;

// ------------------------------------------------------------------ pickers

/** A shape [d₀, …] of `rank` dimensions 1..4. */
const shapeOf = (r: Rng, rank: number): number[] => Array.from({ length: rank }, () => r.int(1, 4));

/** Class-score inputs: [N, C], [C] or [N, C, d]; their per-sample shape. */
function scores(g: GraphBuilder): { x: Node; C: number; sampleShape: number[] } {
  const r = g.rng;
  const kind = r.pick(['batch', 'batch', 'one', 'spatial'] as const);
  const C = r.int(2, 5);
  const N = r.int(1, 4);
  const shape = kind === 'one' ? [C] : kind === 'batch' ? [N, C] : [N, C, r.int(1, 3)];
  const sampleShape = kind === 'one' ? [] : kind === 'batch' ? [N] : [N, shape[2]];
  return { x: g.leaf(shape), C, sampleShape };
}

/** Class indices of `sampleShape` (a number for one sample), some of them `ignoreIndex` when it is not -100; at least one kept. */
function indices(r: Rng, sampleShape: readonly number[], C: number, ignoreIndex: number): number | Json {
  const n = sizeOf(sampleShape);
  const flat = Array.from({ length: n }, () => r.int(0, C - 1));
  if (ignoreIndex !== -100) for (let i = 1; i < n; i++) if (r.chance(0.3)) flat[i] = ignoreIndex;
  if (flat[0] === ignoreIndex) flat[0] = (ignoreIndex + 1) % C;
  if (sampleShape.length === 0) return flat[0];
  if (sampleShape.length === 1) return flat;
  return Array.from({ length: sampleShape[0] }, (_, i) => flat.slice(i * sampleShape[1], (i + 1) * sampleShape[1]));
}

const positiveWeights = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.uniform(0.2, 3));

interface ClassParams {
  readonly [key: string]: Json;
  readonly reduction: R;
  readonly target: Json;
  readonly weight: number[] | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
}

/** Cross-entropy / NLL with class indices and every option drawn. */
function classLoss(smoothing: boolean): Picker<ClassParams> {
  return {
    pick(g) {
      const r = g.rng;
      const { x, C, sampleShape } = scores(g);
      const ignoreIndex = r.chance(0.5) ? -100 : r.int(0, C - 1);
      const reduction = r.pick(['none', 'mean', 'sum'] as const);
      return {
        args: [x],
        params: {
          reduction,
          target: indices(r, sampleShape, C, ignoreIndex),
          weight: r.chance(0.5) ? positiveWeights(r, C) : null,
          ignoreIndex,
          labelSmoothing: smoothing && r.chance(0.6) ? r.uniform(0.05, 0.5) : 0,
        },
        shape: reduction === 'none' ? sampleShape : [],
      };
    },
  };
}

/** Cross-entropy with class probabilities (rows of a softmax of random numbers), weights and smoothing. */
const classProbs: Picker<{ reduction: R; weight: number[] | null; labelSmoothing: number }> = {
  pick(g) {
    const r = g.rng;
    const { x, C, sampleShape } = scores(g);
    // x is [N, C, …rest] (or [C]): each (n, position) gets C probabilities, at n·C·R + c·R + position
    const N = x.shape.length === 1 ? 1 : x.shape[0];
    const R = sizeOf(x.shape.slice(2));
    const p = new Array<number>(sizeOf(x.shape));
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < R; k++) {
        const e = Array.from({ length: C }, () => Math.exp(r.normal()));
        const total = e.reduce((s, v) => s + v, 0);
        for (let c = 0; c < C; c++) p[n * C * R + c * R + k] = e[c] / total;
      }
    }
    const target = g.leafOf(encode(x.shape, p), r.chance(0.3));
    const reduction = r.pick(['none', 'mean', 'sum'] as const);
    return {
      args: [x, target],
      params: { reduction, weight: r.chance(0.5) ? positiveWeights(r, C) : null, labelSmoothing: r.chance(0.5) ? r.uniform(0.05, 0.5) : 0 },
      shape: reduction === 'none' ? sampleShape : [],
    };
  },
};

/** A prediction and a same-shape target of the given domains (the target sometimes requiring grad), with a reduction and extra params. */
function pair<P extends { readonly [key: string]: Json }>(predDomain: 'any' | 'unit', targetDomain: 'any' | 'unit', reductions: readonly string[], extra: (r: Rng, shape: readonly number[]) => P): Picker<P & { reduction: string }> {
  return {
    pick(g) {
      const r = g.rng;
      const shape = shapeOf(r, r.int(1, 3));
      const pred = g.leaf(shape, predDomain);
      const target = g.leaf(shape, targetDomain, r.chance(0.5));
      const reduction = r.pick(reductions);
      return { args: [pred, target], params: { ...extra(r, shape), reduction }, shape: reduction === 'none' ? shape : [] };
    },
  };
}

const noExtra = () => ({});

/** A weight that broadcasts to `shape`: of its last dimension, of all of it, or none. */
function broadcastWeight(r: Rng, shape: readonly number[]): Json {
  const roll = r.next();
  if (roll < 0.35) return null;
  if (roll < 0.7) return positiveWeights(r, shape[shape.length - 1]);
  const flat = positiveWeights(r, sizeOf(shape));
  return shape.length === 1 ? flat : nest(flat, shape);
}

function nest(flat: number[], shape: readonly number[]): Json {
  if (shape.length === 1) return flat;
  const step = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

const layerNormPick: Picker<{ normalizedShape: number[]; eps: number; affine: boolean }> = {
  pick(g) {
    const r = g.rng;
    const shape = shapeOf(r, r.int(1, 3));
    const k = r.int(1, shape.length);
    if (sizeOf(shape.slice(shape.length - k)) < 2) shape[shape.length - 1] = r.int(2, 4); // a variance needs two values
    const normalizedShape = shape.slice(shape.length - k);
    const affine = r.chance(0.7);
    const x = g.leaf(shape);
    const args = affine ? [x, g.leaf(normalizedShape), g.leaf(normalizedShape)] : [x];
    return { args, params: { normalizedShape, eps: r.pick([1e-5, 1e-3, 0.1]), affine }, shape };
  },
};

/** An input [N, C, *] with at least two values per channel. */
function channelInput(r: Rng): number[] {
  for (;;) {
    const shape = [r.int(1, 4), r.int(1, 3), ...shapeOf(r, r.int(0, 2))];
    if (sizeOf(shape) / shape[1] >= 2) return shape;
  }
}

const batchNormTrainPick: Picker<{ eps: number; affine: boolean }> = {
  pick(g) {
    const r = g.rng;
    const shape = channelInput(r);
    const affine = r.chance(0.7);
    const x = g.leaf(shape);
    const args = affine ? [x, g.leaf([shape[1]]), g.leaf([shape[1]])] : [x];
    return { args, params: { eps: r.pick([1e-5, 1e-3, 0.1]), affine }, shape };
  },
};

const batchNormEvalPick: Picker<{ eps: number }> = {
  pick(g) {
    const r = g.rng;
    const shape = channelInput(r);
    const C = shape[1];
    const args = [g.leaf(shape), g.leaf([C], 'any', false), g.leaf([C], 'positive', false), g.leaf([C]), g.leaf([C])];
    return { args, params: { eps: r.pick([1e-5, 0.1]) }, shape };
  },
};

const embeddingPick: Picker<{ indices: Json; paddingIdx: number | null }> = {
  pick(g) {
    const r = g.rng;
    const num = r.int(2, 6);
    const dim = r.int(1, 4);
    const w = g.leaf([num, dim]);
    const idxShape = r.chance(0.5) ? [r.int(1, 5)] : [r.int(1, 3), r.int(1, 3)];
    const flat = Array.from({ length: sizeOf(idxShape) }, () => r.int(0, num - 1));
    const paddingIdx = r.chance(0.5) ? (r.chance(0.7) ? flat[0] : -1) : null; // the padding row in use, mostly
    return { args: [w], params: { indices: idxShape.length === 1 ? flat : nest(flat, idxShape), paddingIdx }, shape: [...idxShape, dim] };
  },
};

const flattenPick: Picker<{ startDim: number; endDim: number }> = {
  pick(g) {
    const r = g.rng;
    const shape = shapeOf(r, r.int(1, 4));
    const n = shape.length;
    const s = r.int(0, n - 1);
    const e = r.int(s, n - 1);
    const out = [...shape.slice(0, s), sizeOf(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
    return { args: [g.leaf(shape)], params: { startDim: r.chance(0.3) ? s - n : s, endDim: r.chance(0.5) ? e - n : e }, shape: out };
  },
};

// ------------------------------------------------------------------ the rows

const asT = (t: TensorLike | undefined): Tensor | null => (t === undefined ? null : (t as Tensor));

export const LAYER_ROWS: readonly LayerRow<Json>[] = [
  row({
    name: 'layerNorm',
    pick: layerNormPick,
    chainrule: ([x, w, b], p) => layerNorm(x, p.normalizedShape, { weight: asT(w), bias: asT(b), eps: p.eps }),
    torch: 'F.layer_norm(a, p["normalizedShape"], b, c, p["eps"])',
  }),
  row({
    name: 'batchNorm training',
    pick: batchNormTrainPick,
    chainrule: ([x, w, b], p) => batchNorm(x, null, null, { weight: asT(w), bias: asT(b), training: true, eps: p.eps }),
    torch: 'F.batch_norm(a, None, None, b, c, True, 0.1, p["eps"])',
  }),
  row({
    name: 'batchNorm evaluation',
    pick: batchNormEvalPick,
    chainrule: ([x, rm, rv, w, b], p) => batchNorm(x, rm as Tensor, rv as Tensor, { weight: w as Tensor, bias: b as Tensor, eps: p.eps }),
    torch: 'F.batch_norm(a, b, c, xs[3], xs[4], False, 0.1, p["eps"])',
  }),
  row({
    name: 'embedding',
    pick: embeddingPick,
    chainrule: ([w], p) => embedding(p.indices as TensorLike, w, { paddingIdx: p.paddingIdx }),
    torch: 'F.embedding(torch.tensor(p["indices"]), a, padding_idx=p["paddingIdx"])',
  }),
  row({
    name: 'Flatten',
    pick: flattenPick,
    chainrule: ([x], p) => new Flatten(p.startDim, p.endDim).forward(x),
    torch: 'torch.nn.Flatten(p["startDim"], p["endDim"])(a)',
  }),
  row({
    name: 'CrossEntropyLoss options',
    pick: classLoss(true),
    chainrule: ([x], p) => new CrossEntropyLoss({ reduction: p.reduction, weight: p.weight, ignoreIndex: p.ignoreIndex, labelSmoothing: p.labelSmoothing }).forward(x, p.target as TensorLike),
    torch: `F.cross_entropy(a, torch.tensor(p["target"]), weight=${TENSOR_OR_NONE('weight')}, ignore_index=p["ignoreIndex"], reduction=p["reduction"], label_smoothing=p["labelSmoothing"])`,
  }),
  row({
    name: 'CrossEntropyLoss probabilities options',
    pick: classProbs,
    chainrule: ([x, t], p) => new CrossEntropyLoss({ reduction: p.reduction, weight: p.weight, labelSmoothing: p.labelSmoothing }).forward(x, t),
    torch: `F.cross_entropy(a, b, weight=${TENSOR_OR_NONE('weight')}, reduction=p["reduction"], label_smoothing=p["labelSmoothing"])`,
  }),
  row({
    name: 'NLLLoss',
    pick: classLoss(false),
    chainrule: ([x], p) => new NLLLoss({ reduction: p.reduction, weight: p.weight, ignoreIndex: p.ignoreIndex }).forward(x, p.target as TensorLike),
    torch: `F.nll_loss(a, torch.tensor(p["target"]), weight=${TENSOR_OR_NONE('weight')}, ignore_index=p["ignoreIndex"], reduction=p["reduction"])`,
  }),
  row({
    name: 'BCELoss options',
    pick: pair('unit', 'unit', ['none', 'mean', 'sum'], (r, shape) => ({ weight: broadcastWeight(r, shape) })),
    chainrule: ([a, b], p) => new BCELoss({ reduction: p.reduction as R, weight: p.weight as TensorLike | null }).forward(a, b),
    torch: `F.binary_cross_entropy(a, b, weight=${TENSOR_OR_NONE('weight')}, reduction=p["reduction"])`,
    firstOrderOnly: "PyTorch 1.13's double backward of binary_cross_entropy adds ε = 1e-12 to p (see BCELoss's row in ops.ts)",
  }),
  row({
    name: 'BCEWithLogitsLoss',
    pick: pair('any', 'unit', ['none', 'mean', 'sum'], (r, shape) => ({ weight: broadcastWeight(r, shape), posWeight: r.chance(0.6) ? positiveWeights(r, shape[shape.length - 1]) : null })),
    chainrule: ([a, b], p) => new BCEWithLogitsLoss({ reduction: p.reduction as R, weight: p.weight as TensorLike | null, posWeight: p.posWeight as TensorLike | null }).forward(a, b),
    torch: `F.binary_cross_entropy_with_logits(a, b, weight=${TENSOR_OR_NONE('weight')}, reduction=p["reduction"], pos_weight=${TENSOR_OR_NONE('posWeight')})`,
  }),
  row({
    name: 'L1Loss',
    pick: pair('any', 'any', ['none', 'mean', 'sum'], noExtra),
    chainrule: ([a, b], p) => new L1Loss({ reduction: p.reduction as R }).forward(a, b),
    torch: 'F.l1_loss(a, b, reduction=p["reduction"])',
  }),
  row({
    name: 'SmoothL1Loss',
    pick: pair('any', 'any', ['none', 'mean', 'sum'], (r) => ({ beta: r.pick([1, 0.5, 2, 0]) })),
    chainrule: ([a, b], p) => new SmoothL1Loss({ reduction: p.reduction as R, beta: p.beta as number }).forward(a, b),
    torch: 'F.smooth_l1_loss(a, b, reduction=p["reduction"], beta=p["beta"])',
  }),
  row({
    name: 'HuberLoss',
    pick: pair('any', 'any', ['none', 'mean', 'sum'], (r) => ({ delta: r.pick([1, 0.5, 2]) })),
    chainrule: ([a, b], p) => new HuberLoss({ reduction: p.reduction as R, delta: p.delta as number }).forward(a, b),
    torch: 'F.huber_loss(a, b, reduction=p["reduction"], delta=p["delta"])',
  }),
  row({
    name: 'KLDivLoss',
    pick: pair('any', 'unit', ['none', 'mean', 'sum', 'batchmean'], noExtra),
    chainrule: ([a, b], p) => new KLDivLoss({ reduction: p.reduction as KLDivReduction }).forward(a, b),
    torch: 'F.kl_div(a, b, reduction=p["reduction"])',
  }),
  row({
    name: 'KLDivLoss logTarget',
    pick: pair('any', 'any', ['none', 'mean', 'sum', 'batchmean'], noExtra),
    chainrule: ([a, b], p) => new KLDivLoss({ reduction: p.reduction as KLDivReduction, logTarget: true }).forward(a, b),
    torch: 'F.kl_div(a, b, reduction=p["reduction"], log_target=True)',
  }),
];

/** The rows by name (ops.ts merges them into OP_BY_NAME). */
export const LAYER_ROW_BY_NAME: ReadonlyMap<string, LayerRow<Json>> = new Map(LAYER_ROWS.map((r) => [r.name, r]));

// ------------------------------------------------------------------ cases

function graphCase(name: string, build: (g: GraphBuilder) => void, extra: Partial<Case> = {}): Case {
  const g = new GraphBuilder(Rng.fromString(name), 'fresh');
  build(g);
  return { name, program: { type: 'graph', steps: g.steps }, ...extra };
}

/** First order only: backward with a random seed. */
function firstOrder(g: GraphBuilder, out: Node): void {
  g.steps.push({ kind: 'backward', id: out.ref, seed: g.values(out.shape) });
}

function perRowCases(): Case[] {
  return LAYER_ROWS.flatMap((r) =>
    Array.from({ length: PER_ROW_CASES }, (_, k) =>
      graphCase(`nn/${r.name}#${k}`, (g) => {
        const picked = r.pick.pick(g);
        const out = g.op(r.name, picked.args, picked.params, picked.shape);
        if (r.firstOrderOnly === undefined) g.checkGradients(out);
        else firstOrder(g, out);
      }),
    ),
  );
}

type Nested = number | readonly Nested[];
function lit(values: Nested): Encoded {
  const shape: number[] = [];
  for (let v = values; typeof v !== 'number'; v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  const walk = (v: Nested): void => (typeof v === 'number' ? void flat.push(v) : v.forEach(walk));
  walk(values);
  return encode(shape, flat);
}

/** `reduction: 'none'` of ops.ts's losses, and the new losses at extreme inputs and at their edges. */
function lossEdgeCases(): Case[] {
  const op = (g: GraphBuilder, name: string, args: Node[], params: Json, shape: number[]) => g.op(name, args, params, shape);
  return [
    graphCase("nn/MSELoss reduction 'none'", (g) => g.checkGradients(op(g, 'MSELoss', [g.leaf([3, 2]), g.leaf([3, 2])], { reduction: 'none' }, [3, 2]))),
    graphCase("nn/CrossEntropyLoss reduction 'none'", (g) => g.checkGradients(op(g, 'CrossEntropyLoss', [g.leaf([4, 3])], { reduction: 'none', target: [2, 0, 1, 1] }, [4]))),
    graphCase("nn/CrossEntropyLossProbs reduction 'none'", (g) => {
      g.checkGradients(op(g, 'CrossEntropyLossProbs', [g.leaf([2, 3]), g.leafOf(lit([[0.2, 0.3, 0.5], [1, 0, 0]]))], { reduction: 'none' }, [2]));
    }),
    graphCase("nn/BCELoss reduction 'none'", (g) => firstOrder(g, op(g, 'BCELoss', [g.leaf([2, 3], 'unit'), g.leaf([2, 3], 'unit')], { reduction: 'none' }, [2, 3]))),
    graphCase('nn/BCEWithLogitsLoss at huge and tiny logits', (g) => {
      const x = g.leafOf(lit([1000, -1000, 40, -40, 0, 1e-300, -745, 710]));
      const y = g.leafOf(lit([0, 1, 0.5, 0.25, 1, 0, 1, 0]), false);
      g.checkGradients(op(g, 'BCEWithLogitsLoss', [x, y], { reduction: 'none', weight: null, posWeight: [3] }, [8]));
    }),
    graphCase('nn/CrossEntropyLoss options, every target but one ignored, huge logits', (g) => {
      const x = g.leafOf(lit([[1000, -1000, 0], [0, 1, 2], [-1e300, 1e300, 0]]));
      g.checkGradients(op(g, 'CrossEntropyLoss options', [x], { reduction: 'mean', target: [0, 1, 1], weight: [2, 1, 3], ignoreIndex: 1, labelSmoothing: 0 }, []));
    }),
    graphCase('nn/NLLLoss with every target ignored: NaN mean (0/0), as PyTorch', (g) => {
      firstOrder(g, op(g, 'NLLLoss', [g.leaf([2, 3])], { reduction: 'mean', target: [0, 0], weight: null, ignoreIndex: 0 }, []));
    }),
    graphCase('nn/CrossEntropyLoss with label smoothing and every target ignored', (g) => {
      firstOrder(g, op(g, 'CrossEntropyLoss options', [g.leaf([3, 4])], { reduction: 'mean', target: [2, 2, 2], weight: [1, 2, 3, 4], ignoreIndex: 2, labelSmoothing: 0.2 }, []));
    }),
    graphCase('nn/SmoothL1Loss and HuberLoss exactly at the threshold and at ±Infinity', (g) => {
      // first order: the threshold is where the second derivative jumps
      const d = [-2, -0.5, 0.5, 2, Infinity, -Infinity, 0];
      const pred = g.leafOf(lit(d));
      firstOrder(g, op(g, 'SmoothL1Loss', [pred, g.leafOf(lit(d.map(() => 0)), false)], { reduction: 'none', beta: 0.5 }, [7]));
      firstOrder(g, op(g, 'HuberLoss', [pred, g.leafOf(lit(d.map(() => 0)), false)], { reduction: 'none', delta: 2 }, [7]));
    }),
    graphCase('nn/KLDivLoss with zero target probabilities (0·log 0 = 0)', (g) => {
      const x = g.leaf([2, 3]);
      const t = g.leafOf(lit([[0, 0.5, 0.5], [1, 0, 0]]), false);
      g.checkGradients(op(g, 'KLDivLoss', [x, t], { reduction: 'batchmean' }, []));
    }),
    graphCase('nn/embedding, every index the padding row', (g) => {
      g.checkGradients(op(g, 'embedding', [g.leaf([3, 2])], { indices: [1, 1, 1], paddingIdx: 1 }, [3, 2]));
    }),
  ];
}

// ------------------------------------------------------------------ module programs

function moduleCase(name: string, spec: ModuleSpec, calls: readonly { train: boolean; shape: number[]; indicesBelow?: number }[], outShape: (input: readonly number[]) => number[], lr?: number): Case {
  const r = Rng.fromString(`module/${name}`);
  const made: ModuleCall[] = calls.map((c) => {
    const n = sizeOf(c.shape);
    const input = c.indicesBelow === undefined ? encode(c.shape, Array.from({ length: n }, () => 2 * r.normal() + 0.5)) : encode(c.shape, Array.from({ length: n }, () => r.int(0, c.indicesBelow! - 1)));
    const out = outShape(c.shape);
    return { train: c.train, input, indices: c.indicesBelow !== undefined, seed: encode(out, Array.from({ length: sizeOf(out) }, () => r.normal())) };
  });
  return { name: `module/${name}`, program: { type: 'module', spec, calls: made, lr } };
}

const same = (s: readonly number[]) => s.slice();
const train = (shape: number[]) => ({ train: true, shape });
const evaluate = (shape: number[]) => ({ train: false, shape });

function moduleCases(): Case[] {
  return [
    moduleCase('BatchNorm1d defaults, [N, C]: three training batches, then evaluation', { kind: 'batchNorm1d', numFeatures: 3 }, [train([5, 3]), train([4, 3]), train([6, 3]), evaluate([2, 3])], same),
    moduleCase('BatchNorm1d [N, C, L], momentum 0.3, eps 1e-3', { kind: 'batchNorm1d', numFeatures: 2, momentum: 0.3, eps: 1e-3 }, [train([3, 2, 4]), train([2, 2, 5]), evaluate([1, 2, 3])], same),
    moduleCase('BatchNorm1d momentum null (cumulative average)', { kind: 'batchNorm1d', numFeatures: 3, momentum: null }, [train([4, 3]), train([3, 3]), train([5, 3]), evaluate([2, 3])], same),
    moduleCase('BatchNorm1d affine false', { kind: 'batchNorm1d', numFeatures: 2, affine: false }, [train([4, 2]), evaluate([3, 2])], same),
    moduleCase('BatchNorm1d trackRunningStats false: batch statistics in evaluation too', { kind: 'batchNorm1d', numFeatures: 2, trackRunningStats: false }, [train([4, 2]), evaluate([3, 2])], same),
    moduleCase('BatchNorm2d defaults, two batches then evaluation', { kind: 'batchNorm2d', numFeatures: 3 }, [train([2, 3, 2, 3]), train([3, 3, 2, 2]), evaluate([1, 3, 2, 2])], same),
    moduleCase('BatchNorm2d momentum 0.5, eps 0.1, learning', { kind: 'batchNorm2d', numFeatures: 2, momentum: 0.5, eps: 0.1 }, [train([2, 2, 3, 3]), train([2, 2, 3, 3]), train([2, 2, 3, 3]), evaluate([2, 2, 3, 3])], same, 0.1),
    moduleCase('LayerNorm over the last dimension', { kind: 'layerNorm', normalizedShape: [4] }, [train([3, 4]), evaluate([2, 5, 4])], same),
    moduleCase('LayerNorm over the last two dimensions, eps 0.01, learning', { kind: 'layerNorm', normalizedShape: [2, 3], eps: 0.01 }, [train([4, 2, 3]), train([4, 2, 3]), train([1, 2, 3])], same, 0.2),
    moduleCase('LayerNorm without elementwiseAffine', { kind: 'layerNorm', normalizedShape: [3], elementwiseAffine: false }, [train([2, 3]), evaluate([3])], same),
    moduleCase(
      'Embedding with a padding row, then LayerNorm and Linear, learning',
      {
        kind: 'moduleList',
        items: [
          { kind: 'embedding', numEmbeddings: 6, embeddingDim: 4, paddingIdx: 0, seed: 1 },
          { kind: 'layerNorm', normalizedShape: [4] },
          { kind: 'linear', inFeatures: 4, outFeatures: 3, bias: true, seed: 2 },
        ],
      },
      [{ train: true, shape: [3, 4], indicesBelow: 6 }, { train: true, shape: [2, 5], indicesBelow: 6 }, { train: false, shape: [7], indicesBelow: 6 }],
      (s) => [...s, 3],
      0.5,
    ),
    moduleCase('Embedding, negative paddingIdx', { kind: 'embedding', numEmbeddings: 4, embeddingDim: 3, paddingIdx: -1, seed: 3 }, [{ train: true, shape: [2, 6], indicesBelow: 4 }], (s) => [...s, 3], 1),
    moduleCase(
      'Dropout between Linear layers: masks in training, the identity in evaluation, learning',
      {
        kind: 'moduleList',
        items: [
          { kind: 'linear', inFeatures: 5, outFeatures: 8, bias: true, seed: 4 },
          { kind: 'dropout', p: 0.5, seed: 7 },
          { kind: 'relu' },
          { kind: 'linear', inFeatures: 8, outFeatures: 2, bias: true, seed: 5 },
          { kind: 'dropout', p: 0.2, seed: 8 },
        ],
      },
      [train([6, 5]), train([6, 5]), train([3, 5]), evaluate([4, 5])],
      (s) => [s[0], 2],
      0.1,
    ),
    moduleCase('Dropout p = 0 and p = 1', { kind: 'moduleList', items: [{ kind: 'dropout', p: 0, seed: 1 }, { kind: 'tanh' }, { kind: 'dropout', p: 1, seed: 2 }] }, [train([3, 4]), evaluate([3, 4])], same),
    moduleCase(
      'Flatten, ModuleDict, Identity, BatchNorm1d and Linear: state names through both containers',
      {
        kind: 'moduleList',
        items: [
          { kind: 'flatten' },
          {
            kind: 'moduleDict',
            entries: [
              ['proj', { kind: 'linear', inFeatures: 6, outFeatures: 4, bias: false, seed: 9 }],
              ['norm', { kind: 'batchNorm1d', numFeatures: 4 }],
              ['act', { kind: 'tanh' }],
            ],
          },
          { kind: 'identity' },
          { kind: 'flatten', startDim: 0, endDim: -1 },
        ],
      },
      [train([5, 2, 3]), train([4, 3, 2]), evaluate([2, 2, 3])],
      (s) => [s[0] * 4],
      0.05,
    ),
  ];
}

/** Every case of this file, in a fixed order. */
export function layerCases(): Case[] {
  return [...perRowCases(), ...lossEdgeCases(), ...moduleCases()];
}

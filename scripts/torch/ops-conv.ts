/**
 * The op table's rows for convolution, pooling and attention (ops.ts spreads them into OPS), with
 * their pickers. Each picker draws a small configuration (stride, padding in every spelling,
 * dilation, groups, ceil mode, masks, ...) whose output is never empty, and computes its shape by
 * the documented formula, so a wrong output size fails the shape comparison.
 *
 * multiheadAttention returns one tensor per call, the output flattened and, when asked for, the
 * attention weights flattened after it; reference.py's `mha` helper calls
 * `F.multi_head_attention_forward` the way `nn.MultiheadAttention.forward` does (batch-first
 * inputs transposed without losing the identity of query, key and value).
 */
import { adaptiveAvgPool2d, avgPool2d, concat, conv1d, conv2d, maxPool2d, type ConvPadding, type Tensor } from '@chainrule/core';
import { Conv1d, Conv2d, MultiheadAttention, multiheadAttention, type PaddingMode, type Parameter } from '@chainrule/nn';
import type { Json, Tolerance } from './program.js';
import type { GraphBuilder, Node, Picker } from './graph.js';
import type { Args, OpRow } from './ops.js';

/** Erases a row's parameter type (each row is type-checked against its own picker first). */
function row<P>(r: OpRow<P>): OpRow<Json> {
  return r as unknown as OpRow<Json>;
}

const outSize = (n: number, k: number, s: number, before: number, after: number, d: number) => Math.floor((n + before + after - d * (k - 1) - 1) / s) + 1;

interface ConvP {
  readonly [key: string]: Json;
  readonly stride: number | number[];
  readonly padding: number | number[] | string;
  readonly dilation: number | number[];
  readonly groups: number;
  readonly bias: boolean;
}

/** A convolution of 1 or 2 spatial axes: operands, options in each spelling PyTorch takes, and the output shape. */
function convPicker(spatial: 1 | 2): Picker<ConvP> {
  return {
    pick(g) {
      const r = g.rng;
      const groups = r.pick([1, 1, 2, 3]);
      const cg = r.int(1, 2);
      const og = r.int(1, 2);
      const kernel = Array.from({ length: spatial }, () => r.int(1, 3));
      const stride = Array.from({ length: spatial }, () => r.pick([1, 1, 2]));
      const dilation = Array.from({ length: spatial }, () => r.pick([1, 1, 2]));
      const kind = r.pick(['number', 'list', 'same', 'valid'] as const);
      const same = kind === 'same' && stride.every((s) => s === 1);
      const pads = same
        ? kernel.map((k, i) => [Math.floor((dilation[i] * (k - 1)) / 2), dilation[i] * (k - 1) - Math.floor((dilation[i] * (k - 1)) / 2)])
        : kind === 'valid'
          ? kernel.map(() => [0, 0])
          : kernel.map(() => r.int(0, 2)).map((p) => [p, p]);
      if (kind === 'number') pads.fill(pads[0]);
      const padding: number | number[] | string = same ? 'same' : kind === 'valid' ? 'valid' : kind === 'number' ? pads[0][0] : pads.map((p) => p[0]);
      // each spatial size at least the dilated kernel minus the padding, so the output is not empty
      const size = kernel.map((k, i) => Math.max(1, dilation[i] * (k - 1) + 1 - pads[i][0] - pads[i][1]) + r.int(0, 3));
      const batched = r.chance(0.8);
      const lead = batched ? [r.int(1, 2), cg * groups] : [cg * groups];
      const x = g.inputOfShape([...lead, ...size]);
      const w = g.inputOfShape([og * groups, cg, ...kernel]);
      const bias = r.chance(0.7);
      const args: Node[] = bias ? [x, w, g.inputOfShape([og * groups])] : [x, w];
      const out = size.map((n, i) => outSize(n, kernel[i], stride[i], pads[i][0], pads[i][1], dilation[i]));
      const spell = (v: number[]): number | number[] => (v.every((d) => d === v[0]) && r.chance(0.5) ? v[0] : v);
      return {
        args,
        params: { stride: spell(stride), padding, dilation: spell(dilation), groups, bias },
        shape: [...(batched ? [lead[0]] : []), og * groups, ...out],
      };
    },
  };
}

interface PoolP {
  readonly [key: string]: Json;
  readonly kernel: number | number[];
  readonly stride: number | number[] | null;
  readonly padding: number | number[];
  readonly dilation: number | number[];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
}

/** PyTorch's pooling_output_shape. */
function pooledSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let out = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

/** Whether some window along an axis reads no element of the input (all its taps in the padding). */
function hasPaddingOnlyWindow(n: number, out: number, k: number, s: number, p: number, d: number): boolean {
  for (let y = 0; y < out; y++) {
    let inside = false;
    for (let i = 0; i < k; i++) if (y * s - p + i * d >= 0 && y * s - p + i * d < n) inside = true;
    if (!inside) return true;
  }
  return false;
}

/** An input of rank 3 or 4 (the given spatial sizes), from the graph when one fits. */
function planes(g: GraphBuilder, h: number, w: number): Node {
  const lead = g.rng.chance(0.7) ? [g.rng.int(1, 2), g.rng.int(1, 3)] : [g.rng.int(1, 3)];
  return g.inputOfShape([...lead, h, w]);
}

/** A max or average pool: kernel, stride (sometimes left to default), padding at most half the kernel, dilation (max only), ceil mode. */
function poolPicker(kind: 'max' | 'avg'): Picker<PoolP> {
  return {
    pick(g) {
      const r = g.rng;
      const k = [r.int(1, 3), r.int(1, 3)];
      const s = r.chance(0.3) ? null : [r.int(1, 3), r.int(1, 2)];
      const p = k.map((kk) => r.int(0, Math.floor(kk / 2)));
      const d = kind === 'max' ? [r.pick([1, 1, 2]), r.pick([1, 2])] : [1, 1];
      const ceil = r.chance(0.4);
      const stride = s ?? k;
      const size = [0, 1].map((i) => Math.max(1, d[i] * (k[i] - 1) + 1 - 2 * p[i]) + r.int(0, 3));
      const out = [0, 1].map((i) => pooledSize(size[i], k[i], stride[i], p[i], d[i], ceil));
      // NOTE: a dilated window can step over the whole input and read padding only; PyTorch 1.13 then
      // routes its gradient to an element outside the window (kernels/pool.ts), so such windows are not drawn
      for (const i of [0, 1]) if (hasPaddingOnlyWindow(size[i], out[i], k[i], stride[i], p[i], d[i])) d[i] = 1;
      for (const i of [0, 1]) out[i] = pooledSize(size[i], k[i], stride[i], p[i], d[i], ceil);
      const x = planes(g, size[0], size[1]);
      const spell = (v: number[]): number | number[] => (v[0] === v[1] && r.chance(0.5) ? v[0] : v);
      return {
        args: [x],
        params: {
          kernel: spell(k),
          stride: s === null ? null : spell(s),
          padding: spell(p),
          dilation: spell(d),
          ceilMode: ceil,
          countIncludePad: r.chance(0.5),
          divisorOverride: kind === 'avg' && r.chance(0.2) ? r.int(1, 5) : null,
        },
        shape: [...x.shape.slice(0, -2), ...out],
      };
    },
  };
}

/** Adaptive pooling to a size smaller, equal or larger than the input, sometimes keeping an axis (null). */
const adaptivePicker: Picker<{ outputSize: number | (number | null)[] }> = {
  pick(g) {
    const r = g.rng;
    const x = planes(g, r.int(1, 6), r.int(1, 6));
    const [h, w] = x.shape.slice(-2);
    const choice = (n: number) => (r.chance(0.2) ? null : r.int(1, n + 2));
    const outputSize = r.chance(0.2) ? r.int(1, 4) : [choice(h), choice(w)];
    const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
    return { args: [x], params: { outputSize }, shape: [...x.shape.slice(0, -2), oh, ow] };
  },
};

interface MhaP {
  readonly [key: string]: Json;
  /** self: query, key and value one tensor; kv: key and value one tensor; cross: three; kvdim: separate projections with kdim/vdim. */
  readonly mode: 'self' | 'kv' | 'cross' | 'kvdim';
  readonly numHeads: number;
  readonly batchFirst: boolean;
  readonly batched: boolean;
  readonly bias: boolean;
  readonly attnMask: number[][] | number[][][] | null;
  readonly attnBias: number[][] | null;
  readonly keyPaddingMask: number[][] | number[] | null;
  readonly isCausal: boolean;
  readonly needWeights: boolean;
  readonly averageAttnWeights: boolean;
}

/**
 * Multi-head attention in each of its input forms, with masks that leave every query at least one
 * key (a fully masked row is NaN in both engines, which would hide every other number of the case).
 */
const mhaPicker: Picker<MhaP> = {
  pick(g) {
    const r = g.rng;
    const heads = r.int(1, 3);
    const E = heads * r.int(1, 2);
    const L = r.int(1, 4);
    const mode = r.pick(['self', 'self', 'kv', 'cross', 'kvdim'] as const);
    const S = mode === 'self' ? L : r.int(1, 4);
    const N = r.int(1, 2);
    const batched = r.chance(0.8);
    const batchFirst = batched && r.chance(0.5);
    // separate projections: kdim or vdim differs from E (else PyTorch's layer packs them)
    const vdim = mode === 'kvdim' ? r.int(1, 3) : E;
    const kdim = mode === 'kvdim' ? (vdim === E ? r.pick([1, 2, 3].filter((d) => d !== E)) : r.int(1, 3)) : E;
    const shapeOf = (len: number, d: number) => (!batched ? [len, d] : batchFirst ? [N, len, d] : [len, N, d]);
    const q = g.inputOfShape(shapeOf(L, E));
    const k = mode === 'self' ? q : g.inputOfShape(shapeOf(S, kdim));
    const v = mode === 'self' ? q : mode === 'kv' ? k : g.inputOfShape(shapeOf(S, vdim));
    const bias = r.chance(0.8);
    const weights = mode === 'kvdim' ? [g.leaf([E, E]), g.leaf([E, kdim]), g.leaf([E, vdim])] : [g.leaf([3 * E, E])];
    const args = [q, k, v, ...weights, ...(bias ? [g.leaf([3 * E])] : []), g.leaf([E, E]), ...(bias ? [g.leaf([E])] : [])];
    // masks: the causal mask allows key 0 to every query; others keep key 0 open when no causal mask does
    const isCausal = r.chance(0.25);
    const bit = () => (r.chance(0.35) ? 1 : 0);
    const rowOf = () => Array.from({ length: S }, (_, s) => (s === 0 ? 0 : bit()));
    const maskKind = r.pick(['none', 'none', '2d', '3d'] as const);
    const batches = batched ? N : 1;
    const attnMask = maskKind === '2d' ? Array.from({ length: L }, rowOf) : maskKind === '3d' ? Array.from({ length: batches * heads }, () => Array.from({ length: L }, rowOf)) : null;
    const attnBias = r.chance(0.25) ? Array.from({ length: L }, () => Array.from({ length: S }, () => r.normal())) : null;
    const keyPaddingMask = r.chance(0.3) ? (batched ? Array.from({ length: N }, rowOf) : rowOf()) : null;
    const needWeights = r.chance(0.7);
    const averageAttnWeights = r.chance(0.5);
    const outSize = (batched ? N : 1) * L * E;
    const weightSize = needWeights ? (batched ? N : 1) * (averageAttnWeights ? 1 : heads) * L * S : 0;
    return {
      args,
      params: { mode, numHeads: heads, batchFirst, batched, bias, attnMask, attnBias, keyPaddingMask, isCausal, needWeights, averageAttnWeights },
      shape: [outSize + weightSize],
    };
  },
};

interface ConvLayerP extends ConvP {
  readonly kernel: number[];
  readonly paddingMode: PaddingMode;
}

/**
 * A convolution layer: the functional picker's configuration with a padding mode. Reflect padding
 * must be less than the input's size along each axis, so it falls back to 'zeros' where it is not.
 */
function convLayerPicker(spatial: 1 | 2): Picker<ConvLayerP> {
  const inner = convPicker(spatial);
  return {
    pick(g) {
      const picked = inner.pick(g);
      const [x, w] = picked.args as Node[];
      const kernel = w.shape.slice(2);
      const size = x.shape.slice(-spatial);
      const p = picked.params;
      const dil = typeof p.dilation === 'number' ? kernel.map(() => p.dilation as number) : p.dilation;
      const pads = p.padding === 'same' ? kernel.map((k, i) => dil[i] * (k - 1) - Math.floor((dil[i] * (k - 1)) / 2)) : p.padding === 'valid' ? kernel.map(() => 0) : typeof p.padding === 'number' ? kernel.map(() => p.padding as number) : (p.padding as number[]);
      let mode = g.rng.pick(['zeros', 'reflect', 'replicate'] as const);
      if (mode === 'reflect' && pads.some((q, i) => q >= size[i])) mode = 'zeros';
      return { ...picked, params: { ...p, kernel, paddingMode: mode } };
    },
  };
}

/** The chainrule side of a Conv1d/Conv2d row: the layer, its parameters replaced by the case's leaves. */
function runConvLayer(spatial: 1 | 2, [x, w, b]: Args, p: ConvLayerP): Tensor {
  const options = { stride: p.stride, padding: padOf(p), dilation: p.dilation, groups: p.groups, bias: p.bias, paddingMode: p.paddingMode };
  const [outC, inG] = (w as Tensor).shape;
  const layer = spatial === 2 ? new Conv2d(inG * p.groups, outC, p.kernel, options) : new Conv1d(inG * p.groups, outC, p.kernel, options);
  // the case's leaves in place of the layer's own parameters, so gradients reach them
  layer.weight = w as Parameter;
  if (p.bias) layer.bias = b as Parameter;
  return layer.forward(x);
}

/** The chainrule side of a multiheadAttention row: its result and weights flattened into one tensor. */
function runMha(xs: Args, p: MhaP): Tensor {
  const [q, k, v, ...rest] = xs as unknown as Tensor[];
  const take = () => rest.shift()!;
  const proj = p.mode === 'kvdim' ? { qProjWeight: take(), kProjWeight: take(), vProjWeight: take() } : { inProjWeight: take() };
  const inProjBias = p.bias ? take() : null;
  const outProjWeight = take();
  const outProjBias = p.bias ? take() : null;
  const { output, weights } = multiheadAttention(q, k, v, { numHeads: p.numHeads, ...proj, inProjBias, outProjWeight, outProjBias, batchFirst: p.batchFirst }, p);
  return weights === null ? output.flatten() : concat([output.flatten(), weights.flatten()]);
}

const padOf = (p: ConvP): ConvPadding => p.padding as ConvPadding;

/** The MultiheadAttention layer with the case's leaves as its parameters: its forward and forwardWithWeights. */
function runMhaLayer(xs: Args, p: MhaP): Tensor {
  const [q, k, v, ...rest] = xs as unknown as Tensor[];
  const take = () => rest.shift() as Parameter;
  const E = q.shape[q.ndim - 1];
  const layer = new MultiheadAttention(E, p.numHeads, { bias: p.bias, batchFirst: p.batchFirst, kdim: k.shape[k.ndim - 1], vdim: v.shape[v.ndim - 1] });
  if (p.mode === 'kvdim') [layer.qProjWeight, layer.kProjWeight, layer.vProjWeight] = [take(), take(), take()];
  else layer.inProjWeight = take();
  if (p.bias) layer.inProjBias = take();
  layer.outProj.weight = take();
  if (p.bias) layer.outProj.bias = take();
  if (!p.needWeights) return layer.forward(q, k, v, p).flatten();
  const { output, weights } = layer.forwardWithWeights(q, k, v, p);
  return concat([output.flatten(), weights!.flatten()]);
}

/** Attention's second-order gradients: the stated reason. */
const MHA_SECOND_ORDER: Tolerance = {
  rtol: 1e-12,
  atol: 1e-11,
  reason:
    'a second-order gradient through attention runs through softmax twice and four chained products (in-projection, ' +
    'q·kᵀ, A·v, out-projection) and their transposes; its elements are sums of many terms of size ~1 that cancel to ' +
    'small values (some exactly 0 in exact arithmetic), so a different summation order (PyTorch sums with MKL) leaves an ' +
    'absolute rounding error of a few times 1e-13 whatever the size of the result; first-order gradients agree to 1e-12',
};

/** The layers' rows: PyTorch's modules (nn.Conv1d/2d with padding_mode, nn.MultiheadAttention) with the case's leaves as their parameters. */
const LAYER_ROWS: readonly OpRow<Json>[] = [
  row({ name: 'Conv1d', pick: convLayerPicker(1), chainrule: (xs, p) => runConvLayer(1, xs, p), torch: 'conv_layer(xs, p)' }),
  row({ name: 'Conv2d', pick: convLayerPicker(2), chainrule: (xs, p) => runConvLayer(2, xs, p), torch: 'conv_layer(xs, p)' }),
];

export const OPS_CONV: readonly OpRow<Json>[] = [
  row({
    name: 'conv1d',
    pick: convPicker(1),
    chainrule: ([x, w, b], p) => conv1d(x, w, p.bias ? b : null, { stride: p.stride, padding: padOf(p), dilation: p.dilation, groups: p.groups }),
    torch: 'F.conv1d(a, b, c, stride=p["stride"], padding=p["padding"], dilation=p["dilation"], groups=p["groups"])',
  }),
  row({
    name: 'conv2d',
    pick: convPicker(2),
    chainrule: ([x, w, b], p) => conv2d(x, w, p.bias ? b : null, { stride: p.stride, padding: padOf(p), dilation: p.dilation, groups: p.groups }),
    torch: 'F.conv2d(a, b, c, stride=p["stride"], padding=p["padding"], dilation=p["dilation"], groups=p["groups"])',
  }),
  row({
    name: 'maxPool2d',
    pick: poolPicker('max'),
    chainrule: ([x], p) => maxPool2d(x, p.kernel, { stride: p.stride, padding: p.padding, dilation: p.dilation, ceilMode: p.ceilMode }),
    torch: 'F.max_pool2d(a, p["kernel"], stride=p["stride"], padding=p["padding"], dilation=p["dilation"], ceil_mode=p["ceilMode"])',
  }),
  row({
    name: 'avgPool2d',
    pick: poolPicker('avg'),
    chainrule: ([x], p) => avgPool2d(x, p.kernel, { stride: p.stride, padding: p.padding, ceilMode: p.ceilMode, countIncludePad: p.countIncludePad, divisorOverride: p.divisorOverride }),
    torch:
      'F.avg_pool2d(a, p["kernel"], stride=p["stride"], padding=p["padding"], ceil_mode=p["ceilMode"], count_include_pad=p["countIncludePad"], divisor_override=p["divisorOverride"])',
  }),
  row({ name: 'adaptiveAvgPool2d', pick: adaptivePicker, chainrule: ([x], p) => adaptiveAvgPool2d(x, p.outputSize), torch: 'F.adaptive_avg_pool2d(a, p["outputSize"])' }),
  row({
    name: 'multiheadAttention',
    pick: mhaPicker,
    chainrule: runMha,
    torch: 'mha(xs, p)',
    secondOrderTolerance: MHA_SECOND_ORDER,
  }),
  ...LAYER_ROWS,
  row({ name: 'MultiheadAttention', pick: mhaPicker, chainrule: runMhaLayer, torch: 'mha_layer(xs, p)', secondOrderTolerance: MHA_SECOND_ORDER }),
];

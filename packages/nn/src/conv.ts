/**
 * Convolution layers, {@link Conv1d} and {@link Conv2d}: PyTorch's `nn.Conv1d` / `nn.Conv2d` over
 * core's `conv1d` / `conv2d` (im2col and the blocked GEMM), with PyTorch's default initialisation.
 * @module
 */
import { ChainruleError, conv1d, conv2d, fmtShape, pad, shapesEqual, ShapeError, tensor, type ConvPadding, type DType, type RandomGenerator, type Tensor, type TensorLike } from '@chainrule/core';
import { generatorFrom, uniformTensor } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * How the input is padded: `'zeros'` (default, inside the convolution), or `'reflect'` /
 * `'replicate'` (core's `pad` first, then an unpadded convolution, as PyTorch does).
 * PyTorch's `'circular'` is not supported.
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate';

/**
 * Options of {@link Conv1d} and {@link Conv2d}: PyTorch's keyword arguments (`stride`, `padding`,
 * `dilation`, `groups`, `bias`, `paddingMode`; sizes a number or one per spatial axis), and
 * chainrule's initialisation options.
 * @example
 * ```ts
 * new Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false, seed: 7 });
 * ```
 */
export interface ConvLayerOptions {
  stride?: number | readonly number[];
  /** Zero padding per side (a number or one per axis), `'same'` or `'valid'` (default 0). */
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  /** Channels are split into this many groups, convolved separately (default 1). */
  groups?: number;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  paddingMode?: PaddingMode;
  /** Seed of a fresh generator for the initialisation (default 0, as for {@link Dense}). */
  seed?: number;
  /** Generator to draw the initialisation from (advancing it), instead of `seed`. */
  generator?: RandomGenerator;
  /** Exact initial weight, shape [out, in/groups, ...kernel]; no random draw for it. */
  weight?: TensorLike;
  /** Exact initial bias, shape [out]. */
  biasValue?: TensorLike;
  /** Element type of the parameters (default float64). */
  dtype?: DType;
}

/** A number per spatial axis from a number or a list. */
function sizes(name: string, what: string, v: number | readonly number[], spatial: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(spatial).fill(v) : Array.from(v);
  if (list.length !== spatial || !list.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ChainruleError(`${name}: ${what} must be a positive integer or a list of ${spatial}, got ${JSON.stringify(v)}`);
  }
  return list;
}

/** What Conv1d and Conv2d share: the parameters, their initialisation, and the padding of non-zero modes. */
abstract class ConvNd extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** The kernel's size along each spatial axis. */
  readonly kernelSize: readonly number[];
  readonly stride: number | readonly number[];
  readonly padding: ConvPadding;
  readonly dilation: number | readonly number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** The kernels, [out, in/groups, ...kernelSize]. */
  weight: Parameter;
  /** One bias per output channel, [out], or null. */
  bias: Parameter | null;

  constructor(name: string, spatial: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions) {
    super();
    for (const [what, n] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(n) || n < 1) throw new ChainruleError(`${name}: ${what} must be a positive integer, got ${n}`);
    }
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ChainruleError(`${name}: groups must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels}), got ${groups}`);
    }
    const mode = options.paddingMode ?? 'zeros';
    if (mode !== 'zeros' && mode !== 'reflect' && mode !== 'replicate') {
      throw new ChainruleError(`${name}: paddingMode must be 'zeros', 'reflect' or 'replicate' (PyTorch's 'circular' is not supported), got ${JSON.stringify(mode)}`);
    }
    const stride = options.stride ?? 1;
    if (options.padding === 'same' && (typeof stride === 'number' ? stride !== 1 : stride.some((s) => s !== 1))) {
      throw new ChainruleError(`${name}: padding 'same' needs stride 1 (as in PyTorch), got stride ${JSON.stringify(stride)}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = Object.freeze(sizes(name, 'kernelSize', kernelSize, spatial));
    this.stride = stride;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = groups;
    this.paddingMode = mode;
    const dtype = options.dtype ?? 'float64';
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    // PyTorch's reset_parameters: kaiming_uniform_(a=√5), whose bound √(6 / ((1 + a²)·fanIn)) is
    // 1/√fanIn, and the bias from U(-1/√fanIn, 1/√fanIn); fanIn = in/groups · Π kernel
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const hasBias = options.bias ?? true;
    const needsRandom = options.weight === undefined || (hasBias && options.biasValue === undefined);
    const generator = needsRandom ? generatorFrom(options, name) : null;
    if (options.weight !== undefined) {
      const w = tensor(options.weight, { dtype });
      if (!shapesEqual(w.shape, shape)) throw new ShapeError(`${name}: weight of shape ${fmtShape(w.shape)} does not fit: expected ${fmtShape(shape)} ([out, in/groups, ...kernel])`);
      this.weight = new Parameter(w);
    } else {
      this.weight = new Parameter(uniformTensor(shape, bound, generator!, dtype));
    }
    if (!hasBias) {
      if (options.biasValue !== undefined) throw new ChainruleError(`${name}: biasValue given but bias is false`);
      this.bias = null;
    } else if (options.biasValue !== undefined) {
      const b = tensor(options.biasValue, { dtype });
      if (!shapesEqual(b.shape, [outChannels])) throw new ShapeError(`${name}: biasValue of shape ${fmtShape(b.shape)} does not fit: expected [${outChannels}]`);
      this.bias = new Parameter(b);
    } else {
      this.bias = new Parameter(uniformTensor([outChannels], bound, generator!, dtype));
    }
  }

  /** `in=1, out=8, kernel=[3,3], stride=1, padding=0`, and the settings that differ from the defaults. */
  override extraRepr(): string {
    const parts = [`in=${this.inChannels}`, `out=${this.outChannels}`, `kernel=${fmtShape(this.kernelSize)}`, `stride=${JSON.stringify(this.stride)}`, `padding=${JSON.stringify(this.padding)}`];
    if (JSON.stringify(this.dilation) !== '1') parts.push(`dilation=${JSON.stringify(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode=${this.paddingMode}`);
    return parts.join(', ');
  }

  /**
   * The input and the convolution's own padding: for 'reflect' and 'replicate' the input padded by
   * core's `pad` (amounts last axis first, as pad takes them) and padding 0 for the convolution.
   */
  protected padded(x: Tensor): { x: Tensor; padding: ConvPadding } {
    if (this.paddingMode === 'zeros' || this.padding === 'valid') return { x, padding: this.padding };
    const spatial = this.kernelSize.length;
    const dilation = typeof this.dilation === 'number' ? new Array<number>(spatial).fill(this.dilation) : this.dilation;
    const perAxis: [number, number][] =
      this.padding === 'same'
        ? this.kernelSize.map((k, i) => {
            const total = dilation[i] * (k - 1);
            return [Math.floor(total / 2), total - Math.floor(total / 2)];
          })
        : (typeof this.padding === 'number' ? new Array<number>(spatial).fill(this.padding) : Array.from(this.padding)).map((p) => [p, p]);
    const pads = perAxis.reverse().flat();
    return { x: pad(x, pads, { mode: this.paddingMode }), padding: 0 };
  }
}

/**
 * A 2-D convolution layer (PyTorch's `nn.Conv2d`): `forward(x)` = conv2d(x, weight, bias) for x of
 * shape [N, inChannels, H, W] (or [inChannels, H, W]); the weight is [out, in/groups, kH, kW].
 *
 * Initialisation as PyTorch's: weight and bias uniform in ±1/√fanIn (kaiming_uniform with a = √5),
 * fanIn = in/groups · kH · kW, drawn from the layer's seed or generator.
 * @example
 * ```ts
 * const conv = new Conv2d(1, 8, 3, { padding: 1 });
 * conv.forward(zeros([64, 1, 28, 28])).shape; // [64, 8, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }

  /** conv2d(x, weight, bias) with the layer's stride, padding, dilation and groups. */
  forward(x: Tensor): Tensor {
    const p = this.padded(x);
    return conv2d(p.x, this.weight, this.bias, { stride: this.stride, padding: p.padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * A 1-D convolution layer (PyTorch's `nn.Conv1d`): `forward(x)` = conv1d(x, weight, bias) for x of
 * shape [N, inChannels, L] (or [inChannels, L]); the weight is [out, in/groups, k]. Initialised as
 * {@link Conv2d}, with fanIn = in/groups · k.
 * @example
 * ```ts
 * new Conv1d(4, 6, 3, { padding: 'same' }).forward(zeros([2, 4, 10])).shape; // [2, 6, 10]
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvLayerOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }

  /** conv1d(x, weight, bias) with the layer's stride, padding, dilation and groups. */
  forward(x: Tensor): Tensor {
    const p = this.padded(x);
    return conv1d(p.x, this.weight, this.bias, { stride: this.stride, padding: p.padding, dilation: this.dilation, groups: this.groups });
  }
}

/**
 * Convolution: PyTorch's `F.conv1d` and `F.conv2d` (cross-correlation with stride, zero padding,
 * dilation and groups), computed by im2col and the blocked GEMM (kernels/conv.ts).
 *
 * y = conv(x, W) + b is bilinear in (x, W), so its two gradients are the two other contractions
 * of the same three tensors, each an op here:
 *
 *   ⟨G, conv(x, W)⟩ = ⟨convInputGrad(G, W), x⟩ = ⟨convWeightGrad(x, G), W⟩
 *
 * Differentiating those identities once more gives their own rules in terms of the same three ops
 * (below), so gradients of every order stay convolutions: no rule falls back to slow loops.
 * @module
 */
import { ChainruleError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import { frozenShape, type Shape, shapeSlice } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { channelSumKernel, convForwardKernel, convInputGradKernel, convWeightGradKernel, type ConvGeometry } from '../kernels/conv.js';

/**
 * Padding of a convolution: a number for every side, one number per spatial axis (both sides of
 * it), `'valid'` (none) or `'same'` (the output as large as the input; stride 1 only, with the odd
 * unit of padding after the end, as PyTorch does).
 * @example
 * ```ts
 * conv2d(x, w, null, { padding: 'same' });
 * ```
 */
export type ConvPadding = number | readonly number[] | 'same' | 'valid';

/**
 * The options of {@link conv2d}, PyTorch's keyword arguments: `stride`, `padding`, `dilation`
 * (each a number or one per spatial axis) and `groups` (input and output channels are split into
 * that many groups, each convolved on its own).
 * @example
 * ```ts
 * conv2d(x, w, b, { stride: 2, padding: 1, dilation: [1, 2], groups: 1 });
 * ```
 */
export interface ConvOptions {
  stride?: number | readonly number[];
  padding?: ConvPadding;
  dilation?: number | readonly number[];
  groups?: number;
}

/** The normalised parameters, always 2-D (a 1-D convolution has height 1). */
interface ConvParams {
  /** 1 for conv1d, 2 for conv2d: how many trailing axes are spatial. */
  readonly spatial: 1 | 2;
  readonly stride: readonly [number, number];
  /** Zero padding before and after each axis: top, bottom, left, right. */
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

interface ForwardParams {
  readonly conv: ConvParams;
  /** false: the bias input is a placeholder that is never read. */
  readonly hasBias: boolean;
}

/** The geometry of a convolution of an input of `xShape` with a weight of `wShape`. */
function geometry(xShape: Shape, wShape: Shape, p: ConvParams): ConvGeometry {
  const batched = xShape.length === p.spatial + 2;
  const two = p.spatial === 2;
  const h = two ? xShape[xShape.length - 2] : 1;
  const w = xShape[xShape.length - 1];
  const kh = two ? wShape[2] : 1;
  const kw = wShape[wShape.length - 1];
  const [sh, sw] = p.stride;
  const [pt, pb, pl, pr] = p.padding;
  const [dh, dw] = p.dilation;
  return {
    n: batched ? xShape[0] : 1,
    c: xShape[batched ? 1 : 0],
    h,
    w,
    o: wShape[0],
    kh,
    kw,
    groups: p.groups,
    sh,
    sw,
    ph: pt,
    pw: pl,
    dh,
    dw,
    oh: Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1,
    ow: Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1,
  };
}

/** The output's shape: [n, o, oh, ow] (conv2d) or [n, o, ow] (conv1d), without n for an unbatched input. */
function outputShape(xShape: Shape, g: ConvGeometry, p: ConvParams): Shape {
  const spatial = p.spatial === 2 ? [g.oh, g.ow] : [g.ow];
  return frozenShape(xShape.length === p.spatial + 2 ? [g.n, g.o, ...spatial] : [g.o, ...spatial]);
}

/**
 * The bias gradient: the output gradient summed over all but the channel axis, [o]. (One pass over
 * the gradient; a general `sum` over three axes is several times slower on the first layer of a CNN.)
 * d channelSum = the gradient broadcast back over the batch and the positions.
 */
const channelSum: OpFunction<['grad'], ConvParams> = defineOp({
  name: 'convBiasGrad',
  inputs: ['grad'],
  forward(ctx: OpContext<ConvParams>, grad) {
    const batched = grad.ndim === ctx.params.spatial + 2;
    const o = grad.shape[batched ? 1 : 0];
    const n = batched ? grad.shape[0] : 1;
    return { buffer: channelSumKernel(grad.buffer, n, o, grad.size / (n * o)), shape: [o] };
  },
  backward: {
    grad: (ctx, h) => {
      const shape = ctx.inputs[0].shape;
      const channel = shape.length - ctx.params.spatial - 1;
      return h.reshape(shape.map((d, i) => (i === channel ? d : 1))).expand(shape);
    },
  },
});

/** A placeholder for the bias input of a convolution without bias (never read). */
const noBias = (like: Tensor) => tensor(0, { dtype: like.dtype });

function convSpec(name: 'conv1d' | 'conv2d') {
  return {
    name,
    inputs: ['x', 'weight', 'bias'] as const,
    forward(ctx: OpContext<ForwardParams>, x: Tensor, w: Tensor, b: Tensor) {
      ctx.save(x, w);
      const p = ctx.params.conv;
      const g = geometry(x.shape, w.shape, p);
      return { buffer: convForwardKernel(x.buffer, w.buffer, ctx.params.hasBias ? b.buffer : null, g), shape: outputShape(x.shape, g, p) };
    },
    backward: {
      // dx = convᵀ(G, W); dW = G ⋆ x (correlation over the batch and the positions); db = Σ G over all but the channel axis
      x: (ctx: OpContext<ForwardParams>, grad: Tensor) => convInputGrad(grad, ctx.saved[1], { conv: ctx.params.conv, shape: ctx.inputs[0].shape }),
      weight: (ctx: OpContext<ForwardParams>, grad: Tensor) => convWeightGrad(ctx.saved[0], grad, { conv: ctx.params.conv, shape: ctx.inputs[1].shape }),
      bias: (ctx: OpContext<ForwardParams>, grad: Tensor) => channelSum(grad, ctx.params.conv),
    },
  };
}

const conv1dOp: OpFunction<['x', 'weight', 'bias'], ForwardParams> = defineOp(convSpec('conv1d'));
const conv2dOp: OpFunction<['x', 'weight', 'bias'], ForwardParams> = defineOp(convSpec('conv2d'));

/** conv(x, W) without bias, as the rules below need it. */
function convNoBias(x: Tensor, w: Tensor, conv: ConvParams): Tensor {
  return (conv.spatial === 2 ? conv2dOp : conv1dOp)(x, w, noBias(x), { conv, hasBias: false });
}

/** The parameters of a gradient op: the convolution's, and the shape of the tensor it is the gradient of. */
interface GradParams {
  readonly conv: ConvParams;
  readonly shape: Shape;
}

/**
 * The input gradient of a convolution (a transposed convolution): dx = convᵀ(G, W), of the input's shape.
 * Its rules, from ⟨H, convᵀ(G, W)⟩ = ⟨G, conv(H, W)⟩: d/dG = conv(H, W), d/dW = convWeightGrad(H, G).
 */
const convInputGrad: OpFunction<['grad', 'weight'], GradParams> = defineOp({
  name: 'convInputGrad',
  inputs: ['grad', 'weight'],
  forward(ctx: OpContext<GradParams>, grad, w) {
    ctx.save(grad, w);
    const g = geometry(ctx.params.shape, w.shape, ctx.params.conv);
    return { buffer: convInputGradKernel(grad.buffer, w.buffer, g), shape: ctx.params.shape };
  },
  backward: {
    grad: (ctx, h) => convNoBias(h, ctx.saved[1], ctx.params.conv),
    weight: (ctx, h) => convWeightGrad(h, ctx.saved[0], { conv: ctx.params.conv, shape: ctx.inputs[1].shape }),
  },
});

/**
 * The weight gradient of a convolution: dW = G ⋆ x, of the weight's shape.
 * Its rules, from ⟨K, convWeightGrad(x, G)⟩ = ⟨G, conv(x, K)⟩: d/dx = convᵀ(G, K), d/dG = conv(x, K).
 */
const convWeightGrad: OpFunction<['x', 'grad'], GradParams> = defineOp({
  name: 'convWeightGrad',
  inputs: ['x', 'grad'],
  forward(ctx: OpContext<GradParams>, x, grad) {
    ctx.save(x, grad);
    const g = geometry(x.shape, ctx.params.shape, ctx.params.conv);
    return { buffer: convWeightGradKernel(x.buffer, grad.buffer, g), shape: ctx.params.shape };
  },
  backward: {
    x: (ctx, k) => convInputGrad(ctx.saved[1], k, { conv: ctx.params.conv, shape: ctx.inputs[0].shape }),
    grad: (ctx, k) => convNoBias(ctx.saved[0], k, ctx.params.conv),
  },
});

// ------------------------------------------------------------------ the public functions

/** A positive integer per spatial axis from a number or a list of `spatial` numbers. */
function perAxis(name: string, what: string, v: number | readonly number[] | undefined, spatial: 1 | 2, fallback: number, min: number): number[] {
  const list = v === undefined ? new Array<number>(spatial).fill(fallback) : typeof v === 'number' ? new Array<number>(spatial).fill(v) : Array.from(v);
  if (list.length !== spatial || !list.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ChainruleError(`${name}: ${what} must be an integer >= ${min} or ${spatial === 1 ? 'a list of one' : 'a list of two'}, got ${JSON.stringify(v)}`);
  }
  return list;
}

/**
 * Checks the operands and options of conv1d/conv2d and returns the normalised parameters and the
 * operands as tensors.
 */
function prepare(name: 'conv1d' | 'conv2d', spatial: 1 | 2, input: TensorLike, weight: TensorLike, bias: TensorLike | null | undefined, options: ConvOptions) {
  if (typeof options !== 'object' || options === null) throw new ChainruleError(`${name}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  const dtype = input instanceof Tensor ? input.dtype : weight instanceof Tensor ? weight.dtype : undefined;
  const x = input instanceof Tensor ? input : tensor(input, { dtype });
  const w = weight instanceof Tensor ? weight : tensor(weight, { dtype });
  if (x.dtype !== w.dtype) throw new DTypeError(`${name}: the input is ${x.dtype} but the weight is ${w.dtype}; cast one with .cast('${x.dtype}') first`);
  const axes = spatial === 2 ? '[N, C, H, W] or [C, H, W]' : '[N, C, L] or [C, L]';
  if (x.ndim !== spatial + 1 && x.ndim !== spatial + 2) throw new ShapeError(`${name}: the input must be ${axes}, got shape ${fmtShape(x.shape)}`);
  if (w.ndim !== spatial + 2) {
    throw new ShapeError(`${name}: the weight must be ${spatial === 2 ? '[out, in/groups, kH, kW]' : '[out, in/groups, k]'}, got shape ${fmtShape(w.shape)}`);
  }
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ChainruleError(`${name}: groups must be a positive integer, got ${JSON.stringify(groups)}`);
  const c = x.shape[x.ndim - spatial - 1];
  const o = w.shape[0];
  if (o % groups !== 0) throw new ShapeError(`${name}: the weight's ${o} output channels are not divisible by groups = ${groups}`);
  if (w.shape[1] * groups !== c) {
    throw new ShapeError(
      `${name}: the input of shape ${fmtShape(x.shape)} has ${c} channels, but the weight of shape ${fmtShape(w.shape)} ` +
        `expects ${w.shape[1]} per group × ${groups} group(s) = ${w.shape[1] * groups}`,
    );
  }
  const stride = perAxis(name, 'stride', options.stride, spatial, 1, 1);
  const dilation = perAxis(name, 'dilation', options.dilation, spatial, 1, 1);
  const kernel = shapeSlice(w.shape, 2);
  let pads: number[]; // before and after each spatial axis
  const padding = options.padding ?? 0;
  if (padding === 'valid') pads = new Array<number>(2 * spatial).fill(0);
  else if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new ChainruleError(`${name}: padding 'same' needs stride 1 (as in PyTorch), got stride ${JSON.stringify(options.stride)}`);
    // NOTE: PyTorch puts the odd unit of an even kernel's padding after the end of the axis
    pads = kernel.flatMap((k, i) => {
      const total = dilation[i] * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  } else {
    if (typeof padding === 'string') throw new ChainruleError(`${name}: padding must be a number, a list, 'same' or 'valid', got ${JSON.stringify(padding)}`);
    pads = perAxis(name, 'padding', padding, spatial, 0, 0).flatMap((p) => [p, p]);
  }
  const conv: ConvParams = {
    spatial,
    stride: spatial === 2 ? [stride[0], stride[1]] : [1, stride[0]],
    padding: spatial === 2 ? [pads[0], pads[1], pads[2], pads[3]] : [0, 0, pads[0], pads[1]],
    dilation: spatial === 2 ? [dilation[0], dilation[1]] : [1, dilation[0]],
    groups,
  };
  const g = geometry(x.shape, w.shape, conv);
  if (g.oh < 1 || g.ow < 1) {
    throw new ShapeError(
      `${name}: the input of shape ${fmtShape(x.shape)}, padded, is smaller than the (dilated) kernel of shape ${fmtShape(w.shape)}: ` +
        `the output would have spatial size ${spatial === 2 ? `${g.oh}×${g.ow}` : g.ow}`,
    );
  }
  let b: Tensor | null = null;
  if (bias !== null && bias !== undefined) {
    b = bias instanceof Tensor ? bias : tensor(bias, { dtype: x.dtype });
    if (b.ndim !== 1 || b.shape[0] !== o) throw new ShapeError(`${name}: the bias must have shape [${o}] (one per output channel), got ${fmtShape(b.shape)}`);
  }
  return { x, w, b, conv };
}

/**
 * 2-D convolution (PyTorch's `F.conv2d`, a cross-correlation): `x` [N, C, H, W] (or unbatched
 * [C, H, W]), `weight` [O, C/groups, kH, kW], optional `bias` [O]; the result is [N, O, oH, oW] with
 *
 *   out[n, o, y, q] = b[o] + Σ_(c, i, j) x[n, g·C/groups + c, y·sH − pT + i·dH, q·sW − pL + j·dW] · W[o, c, i, j]
 *
 * (g = the group of output channel o), oH = ⌊(H + pT + pB − dH·(kH − 1) − 1) / sH⌋ + 1, and the same
 * for oW. Zero padding.
 *
 * d out = conv(dx, W) + conv(x, dW) + db: dx is the transposed convolution of the gradient with W,
 * dW the correlation of x with the gradient over the batch, db the gradient summed over all but
 * the channel axis. Both are ops with rules of their own, so second derivatives are convolutions too.
 *
 * NOTE: computed by im2col and the blocked GEMM, each output summed over (c, i, j) in order from 0
 * and the bias added last, so results are bit-identical to a naive loop in that order.
 * @example
 * ```ts
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]); // [1, 1, 3, 3]
 * conv2d(x, tensor([[[[1, 0], [0, 1]]]])).toArray();     // [[[[6, 8], [12, 14]]]]
 * conv2d(x, tensor([[[[1]]]]), [1], { stride: 2 }).toArray(); // [[[[2, 4], [8, 10]]]]
 * ```
 */
export function conv2d(x: TensorLike, weight: TensorLike, bias?: TensorLike | null, options: ConvOptions = {}): Tensor {
  const p = prepare('conv2d', 2, x, weight, bias, options);
  return conv2dOp(p.x, p.w, p.b ?? noBias(p.x), { conv: p.conv, hasBias: p.b !== null });
}

/**
 * 1-D convolution (PyTorch's `F.conv1d`): `x` [N, C, L] (or unbatched [C, L]), `weight` [O, C/groups, k],
 * optional `bias` [O]; the result is [N, O, oL] with
 *
 *   out[n, o, q] = b[o] + Σ_(c, j) x[n, g·C/groups + c, q·s − pL + j·d] · W[o, c, j],  oL = ⌊(L + pL + pR − d·(k − 1) − 1) / s⌋ + 1
 *
 * Gradients as for {@link conv2d} (the same kernels, with height 1).
 * @example
 * ```ts
 * conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, -1]]])).toArray();                  // [[[-1, -1, -1]]]
 * conv1d(tensor([[[1, 2, 3, 4]]]), tensor([[[1, 1, 1]]]), null, { padding: 'same' }).toArray(); // [[[3, 6, 9, 7]]]
 * ```
 */
export function conv1d(x: TensorLike, weight: TensorLike, bias?: TensorLike | null, options: ConvOptions = {}): Tensor {
  const p = prepare('conv1d', 1, x, weight, bias, options);
  return conv1dOp(p.x, p.w, p.b ?? noBias(p.x), { conv: p.conv, hasBias: p.b !== null });
}

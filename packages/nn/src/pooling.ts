/**
 * Pooling layers: {@link MaxPool2d}, {@link AvgPool2d} and {@link AdaptiveAvgPool2d}, PyTorch's
 * modules over core's `maxPool2d`, `avgPool2d` and `adaptiveAvgPool2d`. They hold no parameters.
 * @module
 */
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPool2dOptions, type MaxPool2dOptions, type Tensor } from '@chainrule/core';
import { Module } from './module.js';

const show = (v: unknown) => JSON.stringify(v);

/** The settings every window pool prints first: kernel, stride (the kernel's by default), padding if given. */
function windowParts(kernelSize: number | readonly number[], o: { readonly stride?: unknown; readonly padding?: unknown }): string[] {
  const parts = [`kernel=${show(kernelSize)}`, `stride=${show(o.stride ?? kernelSize)}`];
  if (o.padding !== undefined) parts.push(`padding=${show(o.padding)}`);
  return parts;
}

/**
 * 2-D max pooling (PyTorch's `nn.MaxPool2d`): the maximum of each window of the last two axes of
 * [N, C, H, W] or [C, H, W]. Options as core's `maxPool2d`: `stride` (default the kernel size),
 * `padding`, `dilation`, `ceilMode`. The gradient goes to each window's maximum (the first of ties).
 * @example
 * ```ts
 * new MaxPool2d(2).forward(zeros([64, 8, 26, 26])).shape; // [64, 8, 13, 13]
 * ```
 */
export class MaxPool2d extends Module {
  readonly kernelSize: number | readonly number[];
  readonly options: Readonly<MaxPool2dOptions>;

  constructor(kernelSize: number | readonly number[], options: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  /** `kernel=2, stride=2` and the settings given. */
  override extraRepr(): string {
    const o = this.options;
    const parts = windowParts(this.kernelSize, o);
    if (o.dilation !== undefined) parts.push(`dilation=${show(o.dilation)}`);
    if (o.ceilMode) parts.push('ceilMode=true');
    return parts.join(', ');
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/**
 * 2-D average pooling (PyTorch's `nn.AvgPool2d`): each window's mean over the last two axes.
 * Options as core's `avgPool2d`: `stride`, `padding`, `ceilMode`, `countIncludePad` (default
 * true), `divisorOverride`.
 * @example
 * ```ts
 * new AvgPool2d(2, { stride: 1 }).forward(zeros([1, 1, 4, 4])).shape; // [1, 1, 3, 3]
 * ```
 */
export class AvgPool2d extends Module {
  readonly kernelSize: number | readonly number[];
  readonly options: Readonly<AvgPool2dOptions>;

  constructor(kernelSize: number | readonly number[], options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  /** `kernel=2, stride=2` and the settings given. */
  override extraRepr(): string {
    const o = this.options;
    const parts = windowParts(this.kernelSize, o);
    if (o.ceilMode) parts.push('ceilMode=true');
    if (o.countIncludePad === false) parts.push('countIncludePad=false');
    if (o.divisorOverride != null) parts.push(`divisorOverride=${o.divisorOverride}`);
    return parts.join(', ');
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/**
 * 2-D adaptive average pooling (PyTorch's `nn.AdaptiveAvgPool2d`): the last two axes averaged to
 * `outputSize` [oH, oW] (a number for both; null keeps an axis), windows from PyTorch's start and
 * end index formula ⌊i·H/oH⌋ … ⌈(i + 1)·H/oH⌉.
 * @example
 * ```ts
 * new AdaptiveAvgPool2d(1).forward(zeros([8, 16, 5, 5])).shape; // [8, 16, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | readonly (number | null)[];

  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    this.outputSize = outputSize;
  }

  /** `outputSize=[1,1]`. */
  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

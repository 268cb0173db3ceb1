/**
 * Flatten: joins a run of dimensions into one.
 * @module
 */
import { ChainruleError, fmtShape, ShapeError, type Tensor } from '@chainrule/core';
import { Module } from './module.js';

/**
 * Joins dimensions `startDim` to `endDim` (both included; negative ones count from the end) into
 * one, as PyTorch's `nn.Flatten`: shape [d₀, …, dₛ, …, dₑ, …] becomes [d₀, …, dₛ·…·dₑ, …]. The
 * defaults keep the batch dimension: [N, C, H, W] becomes [N, C·H·W]. A reshape, so the gradient
 * flows back unchanged into the original shape.
 * @example
 * ```ts
 * new Flatten().forward(zeros([2, 3, 4, 5])).shape;      // [2, 60]
 * new Flatten(0, 1).forward(zeros([2, 3, 4])).shape;     // [6, 4]
 * ```
 */
export class Flatten extends Module {
  /** The first dimension joined (default 1). */
  readonly startDim: number;
  /** The last dimension joined (default -1, the last). */
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    for (const [what, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isInteger(v)) throw new ChainruleError(`Flatten: ${what} must be an integer, got ${v}`);
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /** `startDim=1, endDim=-1`. */
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }

  forward(x: Tensor): Tensor {
    // a scalar flattens as a 1-D tensor of one element, as in PyTorch
    const shape = x.ndim === 0 ? [1] : x.shape;
    const n = shape.length;
    const dim = (d: number, what: string) => {
      if (d < -n || d >= n) {
        throw new ShapeError(`Flatten: ${what} ${d} is out of range for an input of shape ${fmtShape(x.shape)}: expected a dimension in [${-n}, ${n - 1}]`);
      }
      return d < 0 ? d + n : d;
    };
    const s = dim(this.startDim, 'startDim');
    const e = dim(this.endDim, 'endDim');
    if (s > e) throw new ShapeError(`Flatten: startDim ${this.startDim} comes after endDim ${this.endDim} for an input of shape ${fmtShape(x.shape)}`);
    let joined = 1;
    for (let d = s; d <= e; d++) joined *= shape[d];
    return x.reshape([...shape.slice(0, s), joined, ...shape.slice(e + 1)]);
  }
}

/**
 * Identity: the layer that passes its input through.
 * @module
 */
import type { Tensor } from '@chainrule/core';
import { Module } from './module.js';

/**
 * forward(x) = x, the same tensor (PyTorch's `nn.Identity`): a placeholder where a network has an
 * optional layer, e.g. `useNorm ? new LayerNorm(8) : new Identity()`.
 * @example
 * ```ts
 * const x = tensor([1, 2]);
 * new Identity().forward(x) === x; // true
 * ```
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

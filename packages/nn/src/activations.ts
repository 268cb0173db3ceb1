/**
 * Activation layers: Sigmoid, Tanh, ReLU, Softmax. Parameter-free wrappers of core's ops, so they
 * can sit in a {@link Sequential}.
 * @module
 */
import type { Tensor } from '@chainrule/core';
import { Module } from './module.js';

/**
 * Elementwise logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), with dσ = σ(1 - σ) dx (core's stable form).
 * @example
 * ```ts
 * new Sigmoid().forward(tensor([0])).toArray(); // [0.5]
 * ```
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/**
 * Elementwise hyperbolic tangent, d tanh x = (1 - tanh² x) dx.
 * @example
 * ```ts
 * new Tanh().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * Elementwise max(x, 0); its derivative is [x > 0] (0 at the kink x = 0, as in PyTorch).
 * @example
 * ```ts
 * new ReLU().forward(tensor([-1, 2])).toArray(); // [0, 2]
 * ```
 */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ along `axis` (default the last), computed stably by core.
 * For a classification loss, feed logits to {@link CrossEntropyLoss} instead: it uses logSoftmax.
 * @example
 * ```ts
 * new Softmax().forward(tensor([0, Math.log(3)])).toArray(); // [0.25, 0.75]
 * ```
 */
export class Softmax extends Module {
  /** The axis the probabilities sum to 1 along. */
  readonly axis: number;
  constructor(axis = -1) {
    super();
    this.axis = axis;
  }
  /** `axis=-1`. */
  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.axis);
  }
}

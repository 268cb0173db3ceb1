/**
 * Activation layers: Sigmoid, Tanh, ReLU, Softmax, LogSoftmax, GELU, SiLU, Mish, LeakyReLU, ELU, SELU,
 * Softplus, LogSigmoid, Hardtanh. Parameter-free wrappers of core's ops, so they
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

/**
 * softmax's logarithm along `axis` (default the last), computed stably by core: the input of
 * {@link NLLLoss}, as in PyTorch.
 * @example
 * ```ts
 * new LogSoftmax().forward(tensor([0, 0])).toArray(); // [-0.6931471805599453, -0.6931471805599453]
 * ```
 */
export class LogSoftmax extends Module {
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
    return x.logSoftmax(this.axis);
  }
}

/**
 * Elementwise GELU, x·Φ(x) with Φ the standard normal CDF, or PyTorch's tanh approximation
 * 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) with `{ approximate: 'tanh' }`.
 * @example
 * ```ts
 * new GELU().forward(tensor([1])).item(); // 0.8413447460685429
 * ```
 */
export class GELU extends Module {
  /** 'none' (the exact erf form, the default) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }
  /** `approximate=none`. */
  override extraRepr(): string {
    return `approximate=${this.approximate}`;
  }
  forward(x: Tensor): Tensor {
    return x.gelu({ approximate: this.approximate });
  }
}

/**
 * Elementwise SiLU (swish), x·σ(x).
 * @example
 * ```ts
 * new SiLU().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

/**
 * Elementwise Mish, x·tanh(softplus(x)).
 * @example
 * ```ts
 * new Mish().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return x.mish();
  }
}

/**
 * Elementwise leaky ReLU: x for x > 0, `negativeSlope`·x otherwise (default 0.01).
 * @example
 * ```ts
 * new LeakyReLU({ negativeSlope: 0.1 }).forward(tensor([-2, 3])).toArray(); // [-0.2, 3]
 * ```
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(options: { negativeSlope?: number } = {}) {
    super();
    this.negativeSlope = options.negativeSlope ?? 0.01;
  }
  /** `negativeSlope=0.01`. */
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu({ negativeSlope: this.negativeSlope });
  }
}

/**
 * Elementwise ELU: x for x > 0, `alpha`·(eˣ − 1) otherwise (default alpha 1).
 * @example
 * ```ts
 * new ELU().forward(tensor([0, 1])).toArray(); // [0, 1]
 * ```
 */
export class ELU extends Module {
  readonly alpha: number;
  constructor(options: { alpha?: number } = {}) {
    super();
    this.alpha = options.alpha ?? 1;
  }
  /** `alpha=1`. */
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
  forward(x: Tensor): Tensor {
    return x.elu({ alpha: this.alpha });
  }
}

/**
 * Elementwise SELU: scale·ELU(x, alpha) with the self-normalising constants of Klambauer et al.
 * @example
 * ```ts
 * new SELU().forward(tensor([0])).toArray(); // [0]
 * ```
 */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return x.selu();
  }
}

/**
 * Elementwise softplus, (1/β)·log(1 + e^(βx)), linear (x) where βx > `threshold` (PyTorch's
 * defaults β = 1, threshold 20).
 * @example
 * ```ts
 * new Softplus().forward(tensor([0])).item(); // 0.6931471805599453
 * ```
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
  }
  /** `beta=1, threshold=20`. */
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
  forward(x: Tensor): Tensor {
    return x.softplus({ beta: this.beta, threshold: this.threshold });
  }
}

/**
 * Elementwise log σ(x) = −softplus(−x), computed stably.
 * @example
 * ```ts
 * new LogSigmoid().forward(tensor([0])).item(); // -0.6931471805599453
 * ```
 */
export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.logSigmoid();
  }
}

/**
 * Elementwise hardtanh: x clamped to [`minVal`, `maxVal`] (default [−1, 1]); its gradient is 0 at
 * and beyond the bounds, as PyTorch's.
 * @example
 * ```ts
 * new Hardtanh().forward(tensor([-3, 0.5, 3])).toArray(); // [-1, 0.5, 1]
 * ```
 */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  constructor(options: { minVal?: number; maxVal?: number } = {}) {
    super();
    this.minVal = options.minVal ?? -1;
    this.maxVal = options.maxVal ?? 1;
  }
  /** `minVal=-1, maxVal=1`. */
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
  forward(x: Tensor): Tensor {
    return x.hardtanh({ minVal: this.minVal, maxVal: this.maxVal });
  }
}

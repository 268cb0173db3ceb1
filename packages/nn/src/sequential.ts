/**
 * Sequential: modules applied one after another.
 * @module
 */
import { ChainruleError, type Tensor } from '@chainrule/core';
import { Module } from './module.js';

/**
 * A chain of modules: forward(x) = mₙ(…m₂(m₁(x))). The modules live in the `layers` array field,
 * so their parameters are named `layers.0.weight`, `layers.0.bias`, ….
 *
 * @example
 * ```ts
 * const net = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 2), new Sigmoid());
 * net.forward(tensor([0.05, 0.1])).shape; // [2]
 * net.namedParameters()[0][0];            // 'layers.0.weight'
 * ```
 */
export class Sequential extends Module {
  /** The modules, in the order they are applied. */
  readonly layers: Module[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ChainruleError(`Sequential: argument ${i} is not a Module`);
    });
    this.layers = modules;
  }

  /** Feeds the inputs to the first module, and each module's output to the next. */
  forward(...inputs: Tensor[]): Tensor {
    if (this.layers.length === 0) {
      if (inputs.length !== 1) throw new ChainruleError('Sequential: an empty Sequential passes through exactly one input');
      return inputs[0];
    }
    let out = this.layers[0].forward(...inputs);
    for (let i = 1; i < this.layers.length; i++) out = this.layers[i].forward(out);
    return out;
  }
}

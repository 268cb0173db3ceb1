/**
 * Sequential: modules applied one after another.
 * @module
 */
import { ChainruleError, type Tensor } from '@chainrule/core';
import { Module } from './module.js';

/**
 * A chain of modules: forward(x) = mₙ(…m₂(m₁(x))). The modules live in the `layers` array, and
 * their names are PyTorch's for `nn.Sequential`: the index alone, so the parameters are named
 * `0.weight`, `0.bias`, `2.weight`, … exactly as in the state dict of the equivalent PyTorch model
 * (what safetensors and ONNX files carry). State dicts saved before this naming (`layers.0.weight`)
 * still load: {@link loadStateDict} maps the old names to the new ones.
 *
 * @example
 * ```ts
 * const net = new Sequential(new Dense(2, 2), new Sigmoid(), new Dense(2, 2), new Sigmoid());
 * net.forward(tensor([0.05, 0.1])).shape; // [2]
 * net.namedParameters()[0][0];            // '0.weight'
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

  /**
   * The layers named by their index, as PyTorch's `nn.Sequential` names them (a module given twice
   * is listed once, under its first index).
   * @example
   * ```ts
   * new Sequential(new Dense(2, 2), new Sigmoid()).namedChildren().map(([n]) => n); // ['0', '1']
   * ```
   */
  override namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    this.layers.forEach((m, i) => {
      if (!seen.has(m)) {
        seen.add(m);
        out.push([String(i), m]);
      }
    });
    return out;
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

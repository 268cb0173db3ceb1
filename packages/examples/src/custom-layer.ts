/**
 * Define your own op and your own layer, and check their gradients.
 * Run: `pnpm --filter @chainrule/examples run custom-layer`.
 *
 * - `softplus`, a custom op: forward and backward side by side in one `defineOp`, the backward
 *   written with tensor ops (so second derivatives work too).
 * - `GatedDense`, a custom layer: a `Module` whose fields are `Parameter`s (found by
 *   `parameters()` automatically), computing y = softplus(x Wᵀ + b) ⊙ σ(x Gᵀ).
 * Both are verified with `gradcheck` (autodiff against central differences).
 * @module
 */
import { defineOp, gradcheck, gradgradcheck, randn, type Tensor } from '@chainrule/core';
import { Module, Parameter } from '@chainrule/nn';

/**
 * softplus(x) = log(1 + eˣ), d/dx = σ(x).
 * NOTE: written as max(x, 0) + log(1 + e^-|x|), which never overflows (e^x does for x > 709).
 *
 * @example
 * ```ts
 * softplus(tensor([0, 1000])).toArray(); // [0.693147..., 1000]
 * ```
 */
export const softplus = defineOp({
  name: 'softplus',
  inputs: ['x'],
  forward(ctx, x) {
    ctx.save(x);
    return x.relu().add(x.abs().neg().exp().add(1).log());
  },
  // d softplus(x) = σ(x) dx
  backward(ctx, grad) {
    const x = ctx.saved[0]!; // saved by forward, so present
    return [grad.mul(x.sigmoid())];
  },
});

/**
 * A gated dense layer: y = softplus(x Wᵀ + b) ⊙ σ(x Gᵀ), with W and G of shape [out, in].
 *
 * @example
 * ```ts
 * const layer = new GatedDense(3, 2, { seed: 1 });
 * layer.forward(randn([4, 3], { seed: 2 })).shape; // [4, 2]
 * layer.parameters().length; // 3: weight, bias, gate
 * ```
 */
export class GatedDense extends Module {
  /** W, shape [out, in]. */
  weight: Parameter;
  /** b, shape [out]. */
  bias: Parameter;
  /** G, shape [out, in]: how much of each unit passes. */
  gate: Parameter;

  constructor(inFeatures: number, outFeatures: number, options: { seed?: number } = {}) {
    super();
    const seed = options.seed ?? 0;
    const scale = 1 / Math.sqrt(inFeatures);
    this.weight = new Parameter(randn([outFeatures, inFeatures], { seed }).mul(scale));
    this.bias = new Parameter(randn([outFeatures], { seed: seed + 1 }).mul(0.1));
    this.gate = new Parameter(randn([outFeatures, inFeatures], { seed: seed + 2 }).mul(scale));
  }

  forward(x: Tensor): Tensor {
    return gatedDense(x, this.weight, this.bias, this.gate);
  }
}

/**
 * The layer's formula as a function of its input and parameters, y = softplus(x Wᵀ + b) ⊙ σ(x Gᵀ),
 * so gradcheck can vary the parameters too.
 * @example
 * ```ts
 * gatedDense(x, layer.weight, layer.bias, layer.gate); // the same as layer.forward(x)
 * ```
 */
export function gatedDense(x: Tensor, weight: Tensor, bias: Tensor, gate: Tensor): Tensor {
  return softplus(x.matmul(weight.transpose()).add(bias)).mul(x.matmul(gate.transpose()).sigmoid());
}

/** Checks the op (first and second order) and the layer (with respect to its input and every parameter). */
export function verify() {
  const x = randn([4, 3], { seed: 11 }).mul(3);
  const op = gradcheck((a) => softplus(a), [x]);
  const opSecond = gradgradcheck((a) => softplus(a), [x]);
  const layer = new GatedDense(3, 2, { seed: 5 });
  const [w, b, g] = [layer.weight, layer.bias, layer.gate];
  // gradcheck varies copies of its inputs, so it checks the formula the layer's forward calls
  const layerCheck = gradcheck(gatedDense, [x, w, b, g]);
  return { op, opSecond, layerCheck, layer };
}

/** Prints the checks. */
export function main(): void {
  const { op, opSecond, layerCheck, layer } = verify();
  const show = (what: string, r: { ok: boolean; checked: number; maxAbsError: number }) =>
    console.log(`${what.padEnd(44)} ${r.ok ? 'ok' : 'FAILED'}  (${r.checked} entries, max abs error ${r.maxAbsError.toExponential(2)})`);
  show('gradcheck softplus', op);
  show('gradgradcheck softplus (second derivatives)', opSecond);
  show('gradcheck GatedDense (input, W, b, G)', layerCheck);
  console.log(`GatedDense parameters: ${layer.namedParameters().map(([n, p]) => `${n} [${p.shape.join(',')}]`).join(', ')}`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

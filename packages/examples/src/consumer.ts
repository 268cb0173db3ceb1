/**
 * A consumer of the published packages: imports @chainrule/core and @chainrule/nn by name, as an
 * application would, and runs under plain node from the built output:
 * `pnpm run build && node packages/examples/dist/consumer.js`.
 * It fits y = 2x₀ − 3x₁ + 1 with a Dense layer and Adam, then round-trips the weights through stateDict.
 * @module
 */
import { noGrad, randn, tensor } from '@chainrule/core';
import { Adam, Dense, mseLoss } from '@chainrule/nn';

/** Trains the model; returns the learned weight, bias and final loss. */
export function run(steps = 500) {
  const x = randn([64, 2], { seed: 3 });
  const y = x.matmul(tensor([[2], [-3]])).add(1);
  const model = new Dense(2, 1, { seed: 4 });
  const opt = new Adam(model.parameters(), { lr: 0.05 });
  let loss = Infinity;
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    const l = mseLoss(model.forward(x), y);
    l.backward();
    opt.step();
    loss = l.item();
  }
  const copy = new Dense(2, 1, { seed: 99 });
  copy.loadStateDict(model.stateDict());
  const same = noGrad(() => copy.forward(x).sub(model.forward(x)).abs().max().item()) === 0;
  return { weight: Array.from(model.weight.buffer), bias: model.bias!.item(), loss, restoredMatches: same };
}

/** Prints the fit. */
export function main(): void {
  const r = run();
  console.log(`fitted y = ${r.weight[0].toFixed(4)}·x0 + ${r.weight[1].toFixed(4)}·x1 + ${r.bias.toFixed(4)} (true: 2, -3, 1); final MSE ${r.loss.toExponential(2)}`);
  console.log(`stateDict round trip: ${r.restoredMatches ? 'identical outputs' : 'MISMATCH'}`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

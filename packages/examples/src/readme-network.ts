/**
 * The README's "2-2-2 network in a dozen lines": the article's network with @chainrule/nn, trained
 * with SGD. Kept as a file so a test runs exactly what the README shows.
 * Run: `pnpm --filter @chainrule/examples run readme-network`.
 * @module
 */
import { tensor } from '@chainrule/core';
import { Dense, MSELoss, SGD, Sequential, Sigmoid } from '@chainrule/nn';

/**
 * Builds the article's network, trains it `steps` SGD steps, and returns the network and the loss
 * at its final weights.
 * @example
 * ```ts
 * trainArticleNetwork(10_000).loss; // 3.510187782978859e-5
 * ```
 */
export function trainArticleNetwork(steps: number) {
  // readme:start
  const shared = { bias: 'shared', freezeBias: true } as const; // one bias per layer, never trained
  const net = new Sequential(
    new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], biasValue: 0.35, ...shared }),
    new Sigmoid(),
    new Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], biasValue: 0.6, ...shared }),
    new Sigmoid(),
  );
  const x = tensor([0.05, 0.1]);
  const target = tensor([0.01, 0.99]);
  const lossFn = new MSELoss({ reduction: 'halfSum' }); // E = Σ ½ (target − out)²
  const optimizer = new SGD(net.parameters(), { lr: 0.5 });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    lossFn.forward(net.forward(x), target).backward(); // first step: E = 0.298371109, dE/dw5 = 0.082167041
    optimizer.step(); // first step: w5 becomes 0.35891648
  }
  const loss = lossFn.forward(net.forward(x), target).item(); // after 10,000 steps: 3.510187782978859e-5
  // readme:end
  return { net, loss };
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  console.log(`E_total after 10,000 steps: ${trainArticleNetwork(10_000).loss}`);
}

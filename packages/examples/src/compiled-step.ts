/**
 * The article's network trained twice from the same weights: eagerly, and with its training step
 * passed through `compile` (traced at the first call, replayed after). Prints the two final losses
 * (the same bits), the time per step of each, and the plan the trace recorded.
 * Run: `pnpm --filter @chainrule/examples run compiled-step`.
 * @module
 */
import { compile, tensor, type Tensor } from '@chainrule/core';
import { SGD } from '@chainrule/nn';
import { ARTICLE } from './article/by-hand.js';
import { buildArticleNet } from './article/network.js';

/** The article's 2-2-2 network (the reproduction's), its data, loss and optimizer, fresh. */
function articleSetup() {
  const { net, loss: lossFn } = buildArticleNet();
  const x = tensor([ARTICLE.i1, ARTICLE.i2]);
  const target = tensor([...ARTICLE.target]);
  const optimizer = new SGD(net.parameters(), { lr: ARTICLE.lr });
  return { net, x, target, lossFn, optimizer };
}

/** What {@link trainBoth} measured. */
export interface CompiledComparison {
  eagerLoss: number;
  compiledLoss: number;
  eagerMs: number;
  compiledMs: number;
  /** One line per step of the compiled plan. */
  plan: string[];
  lastRun: string | null;
}

/**
 * Trains the article's network for `steps` steps eagerly, then a fresh copy compiled, timing each
 * (the compiled time includes its trace).
 * @example
 * ```ts
 * const r = trainBoth(10_000); r.compiledLoss === r.eagerLoss; // true
 * ```
 */
export function trainBoth(steps: number): CompiledComparison {
  const eager = articleSetup();
  const eagerStep = (): Tensor => {
    eager.optimizer.zeroGrad();
    const loss = eager.lossFn.forward(eager.net.forward(eager.x), eager.target);
    loss.backward();
    eager.optimizer.step();
    return loss;
  };
  const eagerStart = performance.now();
  for (let i = 0; i < steps; i++) eagerStep();
  const eagerMs = performance.now() - eagerStart;

  const { net, x, target, lossFn, optimizer } = articleSetup();
  const compiledStart = performance.now();
  // readme:start
  const step = compile(() => {
    optimizer.zeroGrad();
    const loss = lossFn.forward(net.forward(x), target);
    loss.backward();
    optimizer.step();
    return loss;
  });
  for (let i = 0; i < steps; i++) step(); // traced at the first call, replayed after
  step.lastRun; // 'replay'
  // readme:end
  const compiledMs = performance.now() - compiledStart;
  const finalLoss = (s: ReturnType<typeof articleSetup>) => s.lossFn.forward(s.net.forward(s.x), s.target).item();
  return { eagerLoss: finalLoss(eager), compiledLoss: finalLoss({ net, x, target, lossFn, optimizer }), eagerMs, compiledMs, plan: step.describe(), lastRun: step.lastRun };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const steps = 10_000;
  const r = trainBoth(steps);
  console.log(`The article's network, ${steps.toLocaleString('en-US')} SGD steps from the same weights:`);
  console.log(`  eager:    final loss ${r.eagerLoss}, ${((r.eagerMs * 1000) / steps).toFixed(1)} µs per step`);
  console.log(`  compiled: final loss ${r.compiledLoss}, ${((r.compiledMs * 1000) / steps).toFixed(1)} µs per step (trace included)`);
  console.log(`  the same bits: ${r.compiledLoss === r.eagerLoss}`);
  console.log(`The plan the trace recorded (${r.plan.length} steps), replayed at every later call:`);
  for (const line of r.plan) console.log(`  ${line}`);
}

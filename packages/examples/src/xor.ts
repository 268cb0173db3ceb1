/**
 * XOR with a 2-5-1 sigmoid network, the article's second example: each step trains on one sample
 * drawn at random (here from a seeded generator, so runs repeat exactly), and the total error over
 * the four samples is plotted as it falls. Run: `pnpm --filter @chainrule/examples run xor`.
 * @module
 */
import { RandomGenerator, noGrad, tensor } from '@chainrule/core';
import { Dense, MSELoss, SGD, Sequential, Sigmoid } from '@chainrule/nn';

/** The four XOR samples: inputs and target. */
export const XOR_SAMPLES: readonly [readonly [number, number], number][] = [
  [[0, 0], 0],
  [[0, 1], 1],
  [[1, 0], 1],
  [[1, 1], 0],
];

/** Options of {@link trainXor}. */
export interface XorOptions {
  /** Training steps, one random sample each (default 20,000). */
  steps?: number;
  /** Learning rate (default 0.5, as the article). */
  lr?: number;
  /** Seed of the weight initialisation and of the sample choice (default 1). */
  seed?: number;
  /** Record the total error every this many steps (default 200). */
  every?: number;
}

/** Trains the 2-5-1 network; returns the loss curve and the final predictions. */
export function trainXor(options: XorOptions = {}) {
  const { steps = 20000, lr = 0.5, seed = 1, every = 200 } = options;
  const net = new Sequential(new Dense(2, 5, { seed, init: 'uniform' }), new Sigmoid(), new Dense(5, 1, { seed: seed + 1, init: 'uniform' }), new Sigmoid());
  const loss = new MSELoss({ reduction: 'halfSum' });
  const opt = new SGD(net.parameters(), { lr });
  const pick = new RandomGenerator(seed);
  const X = tensor(XOR_SAMPLES.map(([x]) => [...x]));
  const T = tensor(XOR_SAMPLES.map(([, t]) => [t]));
  // the article's calculate_total_error: Σ over samples of Σ ½(target − out)²
  const totalError = () => noGrad(() => loss.forward(net.forward(X), T).item());
  const curve: { step: number; error: number }[] = [{ step: 0, error: totalError() }];
  for (let k = 1; k <= steps; k++) {
    const [x, t] = XOR_SAMPLES[Math.min(3, Math.floor(pick.uniform() * 4))];
    opt.zeroGrad();
    loss.forward(net.forward(tensor([...x])), tensor([t])).backward();
    opt.step();
    if (k % every === 0) curve.push({ step: k, error: totalError() });
  }
  const predictions = noGrad(() => Array.from(net.forward(X).buffer));
  return { curve, predictions, net };
}

/** A text plot of the loss curve on a log scale, `height` rows by up to `width` columns. */
export function plotCurve(curve: readonly { step: number; error: number }[], width = 60, height = 12): string {
  const cols = Math.min(width, curve.length);
  const pts = Array.from({ length: cols }, (_, c) => curve[Math.round((c * (curve.length - 1)) / Math.max(1, cols - 1))]);
  const logs = pts.map((p) => Math.log10(Math.max(p.error, 1e-12)));
  const hi = Math.max(...logs), lo = Math.min(...logs);
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    const level = hi - ((hi - lo) * r) / (height - 1);
    const label = r === 0 || r === height - 1 || r === Math.floor(height / 2) ? `1e${level.toFixed(1)}`.padStart(8) : ''.padStart(8);
    const line = logs.map((l) => (Math.abs(l - level) <= (hi - lo) / (2 * (height - 1)) ? '•' : ' ')).join('');
    rows.push(`${label} │${line}`);
  }
  rows.push(`${''.padStart(8)} └${'─'.repeat(cols)}`);
  rows.push(`${''.padStart(10)}step 0${`step ${pts[pts.length - 1].step}`.padStart(cols - 6)}`);
  return rows.join('\n');
}

/** Prints the curve and the predictions. */
export function main(): void {
  const { curve, predictions } = trainXor();
  console.log('XOR with a 2-5-1 sigmoid network (the article\'s second example), SGD lr 0.5, one random sample per step, seed 1\n');
  console.log('total error Σ ½(target − out)² over the 4 samples, log scale:\n');
  console.log(plotCurve(curve));
  console.log(`\nerror: ${curve[0].error.toFixed(6)} at step 0 → ${curve[curve.length - 1].error.toFixed(6)} at step ${curve[curve.length - 1].step}\n`);
  XOR_SAMPLES.forEach(([x, t], k) => console.log(`  ${x[0]} xor ${x[1]} = ${t}   network: ${predictions[k].toFixed(4)}`));
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

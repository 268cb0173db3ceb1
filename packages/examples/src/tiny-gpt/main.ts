/**
 * A character-level transformer trained on the seed article's own text, then sampled.
 * Run: `pnpm --filter @chainrule/examples run tiny-gpt` (`-- --steps 200` for a shorter run).
 * @module
 */
import { summary } from '@chainrule/nn';
import { generate, trainTinyGpt, type TrainTinyGptOptions } from './train.js';

/** The configuration the README's figures come from: 53,471 parameters, a few minutes on two cores. */
export const ARTICLE_RUN = {
  contextLength: 32,
  dModel: 32,
  numHeads: 4,
  numLayers: 2,
  batchSize: 16,
  steps: 400,
  lr: 6e-3,
  seed: 1,
} as const satisfies TrainTinyGptOptions;

/** The prompt of the sample: the article's opening words. */
export const PROMPT = '说到神经网络，';

/** Trains with {@link ARTICLE_RUN} (steps from `--steps N`), prints the figures and a sample. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  const stepsFlag = argv.indexOf('--steps');
  const steps = stepsFlag >= 0 ? Number(argv[stepsFlag + 1]) : ARTICLE_RUN.steps;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`tiny-gpt: --steps takes a positive integer, got ${argv[stepsFlag + 1]}`);
  const { contextLength, dModel, numHeads, numLayers, batchSize } = ARTICLE_RUN;
  console.log(`tiny GPT on the seed article: ${numLayers} blocks, dModel ${dModel}, ${numHeads} heads, context ${contextLength}, batch ${batchSize}, ${steps} steps, AdamW, warm-up + cosine, seed ${ARTICLE_RUN.seed}\n`);
  const r = trainTinyGpt({
    ...ARTICLE_RUN,
    steps,
    onLog: ({ step, loss, lr, seconds }) => console.log(`step ${String(step).padStart(5)}  loss ${loss.toFixed(4)}  lr ${lr.toExponential(2)}  ${seconds.toFixed(1)} s`),
  });
  console.log(`\n${summary(r.model, [1, contextLength])}\n`);
  console.log(`vocabulary: ${r.vocab.size} characters, ln(vocabulary) = ${Math.log(r.vocab.size).toFixed(4)} nats`);
  console.log(`unigram entropy of the text: ${r.unigramEntropy.toFixed(4)} nats per character`);
  console.log(`loss before training: ${r.initialLoss.toFixed(4)} nats per character`);
  console.log(`final loss (training text): ${r.finalLoss.toFixed(4)} nats per character`);
  console.log(`final loss (held-out last 10% of the text): ${r.heldOutLoss.toFixed(4)} nats per character`);
  console.log(`training: wall time ${r.seconds.toFixed(1)} s (${(r.secondsPerStep * 1000).toFixed(1)} ms per step), CPU time ${r.cpuSeconds.toFixed(1)} s\n`);
  const text = generate(r.model, r.vocab, PROMPT, { length: 300, temperature: 0.8, seed: 1 });
  console.log(`sample (prompt ${JSON.stringify(PROMPT)}, temperature 0.8, seed 1):\n${PROMPT}${text}`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

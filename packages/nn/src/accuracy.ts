/**
 * accuracy: the fraction of predictions that match their targets.
 * @module
 */
import { ChainruleError, fmtShape, isTensor, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';

/**
 * The fraction of correct predictions, a number in [0, 1]. Two forms, told apart by the shapes:
 *
 * - scores, one more axis than `targets` (logits or probabilities [N, C] against class indices [N],
 *   or [N, C, d…] against [N, d…], the axis of CrossEntropyLoss): the prediction is the class with
 *   the highest score along axis 1 (the first such class on a tie, and a NaN counts as highest,
 *   as torch.argmax);
 * - predictions of the same shape as `targets` (class labels, or 0/1 from `probs.gt(0.5)`): equal or not.
 *
 * `targets` is a tensor or an array of numbers; with scores each target must be a class index in
 * 0 … C−1. Nothing is differentiated: accuracy is a number to report, not a loss (a compiled step
 * that calls it runs eagerly, as it reads values into JavaScript).
 * @example
 * ```ts
 * accuracy(tensor([[2, 1], [0, 3], [1, 0]]), [0, 1, 1]); // 2/3: the third row predicts class 0
 * accuracy(probs.gt(0.5), labels);                       // binary predictions
 * ```
 */
export function accuracy(logitsOrPreds: Tensor, targets: Tensor | readonly number[]): number {
  const where = 'accuracy';
  if (!isTensor(logitsOrPreds)) throw new ChainruleError(`${where}: logitsOrPreds must be a Tensor, got ${describeValue(logitsOrPreds)}`);
  let t: ArrayLike<number>, tShape: readonly number[];
  if (isTensor(targets)) {
    t = targets.data; // not .buffer: compile() sees this read and runs the step eagerly, instead of keeping the traced batch's count
    tShape = targets.shape;
  } else if (Array.isArray(targets)) {
    targets.forEach((v, i) => {
      if (typeof v !== 'number') throw new ChainruleError(`${where}: targets[${i}] is ${describeValue(v)}, not a number`);
    });
    t = targets;
    tShape = [targets.length];
  } else {
    throw new ChainruleError(`${where}: targets must be a Tensor or an array of numbers, got ${describeValue(targets)}`);
  }
  const p = logitsOrPreds.data, pShape = logitsOrPreds.shape;
  if (t.length === 0) throw new ChainruleError(`${where}: there are no targets (shape ${fmtShape(tShape)})`);
  if (pShape.length === tShape.length && pShape.every((d, i) => d === tShape[i])) {
    let correct = 0;
    for (let i = 0; i < t.length; i++) if (p[i] === t[i]) correct++;
    return correct / t.length;
  }
  const scoresFit = pShape.length === tShape.length + 1 && pShape.length >= 2 && pShape[0] === tShape[0] && pShape.slice(2).every((d, i) => d === tShape[i + 1]);
  if (!scoresFit) {
    throw new ChainruleError(
      `${where}: predictions of shape ${fmtShape(pShape)} do not fit targets of shape ${fmtShape(tShape)}; give scores [N, C, …] for targets [N, …], or predictions of the targets' shape`,
    );
  }
  // scores [N, C, inner…]: element (n, c, k) is at (n·C + c)·inner + k
  const N = pShape[0], C = pShape[1], inner = t.length / N;
  let correct = 0;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < inner; k++) {
      const target = t[n * inner + k];
      if (!Number.isInteger(target) || target < 0 || target >= C) {
        throw new ChainruleError(`${where}: target ${target} (at ${n * inner + k}) is not a class index in 0..${C - 1}`);
      }
      let best = 0, bestValue = p[n * C * inner + k];
      for (let c = 1; c < C && !Number.isNaN(bestValue); c++) {
        const v = p[(n * C + c) * inner + k];
        if (v > bestValue || Number.isNaN(v)) {
          best = c;
          bestValue = v;
        }
      }
      if (best === target) correct++;
    }
  }
  return correct / t.length;
}

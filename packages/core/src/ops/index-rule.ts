/**
 * chainrule's rule for index tensors, shared by every op that reads or returns positions: there is
 * no integer dtype, so an index is a tensor (or nested array) of whole numbers in the data's dtype
 * (ops/indexing.ts). Ops that read an index check every value; ops that return positions (argmax,
 * argsort, oneHot, randperm, multinomial) return them in the input's dtype, so they can index the
 * same tensor again.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import type { DType, TensorData } from '../dtype.js';

/** The largest whole number up to which every whole number is exact in float32 (2²⁴); float64's is 2⁵³. */
const EXACT_FLOAT32 = 2 ** 24;

/**
 * Throws unless every value of `index` is a whole number in [0, n); `what` says what it indexes,
 * e.g. `for axis 1 of the input of shape [2,3]`.
 */
export function checkIndexValues(op: string, index: TensorData, n: number, what: string): void {
  const values = index.buffer;
  for (let p = 0; p < values.length; p++) {
    const v = values[p];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new ShapeError(`${op}: index value ${v} at flat position ${p} (index of shape ${fmtShape(index.shape)}) is not an integer in [0, ${n}) ${what}`);
    }
  }
}

/**
 * Throws when positions up to `n - 1` cannot all be held exactly in `dtype` (float32 above 2²⁴):
 * an index result must never round to a neighbouring position.
 */
export function checkIndexDType(op: string, dtype: DType, n: number): void {
  if (dtype === 'float32' && n - 1 > EXACT_FLOAT32) {
    throw new ShapeError(
      `${op}: positions up to ${n - 1} are not all exact in float32 (whole numbers are exact only up to 2^24 = ${EXACT_FLOAT32}); ` +
        `index tensors take the data's dtype, so cast the input to float64 first`,
    );
  }
}

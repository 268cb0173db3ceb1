/**
 * oneHot: class positions encoded as rows of zeros with a single 1 (PyTorch's `F.one_hot`).
 * @module
 */
import { ChainruleError, ShapeError, fmtShape } from '../errors.js';
import { allocBuffer } from '../dtype.js';
import { defineOp, type OpContext } from '../op.js';
import { checkIndexDType, checkIndexValues } from './index-rule.js';

/**
 * The one-hot encoding of class positions (PyTorch's `F.one_hot`): the result has the index's shape
 * plus a last axis of `numClasses`, 1 at each index value and 0 elsewhere. With `numClasses` left
 * out (or -1) it is the largest index value + 1. The index follows chainrule's rule for index
 * tensors (whole numbers in the data's dtype), and so does the result: it has the index's dtype
 * (PyTorch returns int64). Not differentiable.
 * @example
 * ```ts
 * oneHot([2, 0], 3).toArray(); // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export const oneHot = defineOp({
  name: 'oneHot',
  inputs: ['index'],
  forward(ctx: OpContext<number | undefined>, index) {
    const asked = ctx.params ?? -1;
    if (typeof asked !== 'number' || !Number.isInteger(asked) || asked < -1) {
      throw new ChainruleError(`oneHot: numClasses must be a non-negative integer (or -1 to infer it), got ${String(ctx.params)}`);
    }
    let classes = asked;
    if (classes === -1) {
      if (index.size === 0) throw new ShapeError(`oneHot: cannot infer the number of classes from an empty index (shape ${fmtShape(index.shape)}); give numClasses`);
      classes = 0;
      for (const v of index.buffer) classes = Math.max(classes, v + 1); // checked to be whole and non-negative below
    }
    checkIndexValues('oneHot', index, classes, `for ${classes} classes`);
    checkIndexDType('oneHot', index.dtype, classes);
    const out = allocBuffer(index.dtype, index.size * classes);
    for (let p = 0; p < index.size; p++) out[p * classes + index.buffer[p]] = 1;
    return { buffer: out, shape: Object.freeze([...index.shape, classes]) };
  },
});

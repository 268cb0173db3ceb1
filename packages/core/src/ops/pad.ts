/**
 * pad: PyTorch's `F.pad` in the constant, reflect and replicate modes. Each mode is one index map
 * per padded axis (kernels/axis-map.ts), so the gradient is that map's adjoint: every output
 * gradient added back into the input element it was read from.
 * @module
 */
import { ChainruleError, ShapeError, fmtShape } from '../errors.js';
import { defineOp, type OpContext, type OpFunction } from '../op.js';
import type { Shape } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { gatherAxesKernel, scatterAxesKernel, type AxisMaps } from '../kernels/axis-map.js';

/** How {@link pad} fills: a constant `value` (default 0), the mirror image without the edge, or the edge repeated. */
export type PadMode = 'constant' | 'reflect' | 'replicate';

/**
 * The options of {@link pad}: the mode (default 'constant') and the constant (default 0).
 * @example
 * ```ts
 * pad(x, [1, 1], { mode: 'reflect' });
 * ```
 */
export interface PadOptions {
  mode?: PadMode;
  value?: number;
}

interface PadParams {
  pads: readonly number[];
  mode: PadMode;
  value: number;
}

/**
 * The index map of each axis: output position j of a padded axis reads input position
 * i = j - before, which constant mode keeps only inside [0, n) (else -1, the fill), reflect mirrors
 * about the first and last element, and replicate clamps to them.
 */
function padMaps(shape: Shape, p: PadParams): AxisMaps {
  const { pads, mode } = p;
  const where = () => `pads ${JSON.stringify(pads)} for the input of shape ${fmtShape(shape)}`;
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length > 2 * shape.length || !pads.every((v) => Number.isInteger(v))) {
    throw new ShapeError(`pad: ${where()}: expected an even number of integers, at most 2 per axis (${2 * shape.length} here), last axis first`);
  }
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate') {
    throw new ChainruleError(`pad: unknown mode ${JSON.stringify(mode)}; expected 'constant', 'reflect' or 'replicate'`);
  }
  const maps: (Int32Array | null)[] = shape.map(() => null);
  for (let k = 0; k < pads.length / 2; k++) {
    const d = shape.length - 1 - k;
    const before = pads[2 * k];
    const after = pads[2 * k + 1];
    const n = shape[d];
    const size = n + before + after;
    if (size < 0) throw new ShapeError(`pad: ${where()}: axis ${d} of size ${n} padded by ${before} and ${after} would have negative size ${size}`);
    if (mode === 'reflect' && (before >= n || after >= n)) {
      throw new ShapeError(`pad: ${where()}: reflect padding of axis ${d} must be less than its size ${n}, got ${before} and ${after}`);
    }
    if (mode === 'replicate' && n === 0 && size > 0) throw new ShapeError(`pad: ${where()}: replicate padding of axis ${d} needs a non-empty axis`);
    const map = new Int32Array(size);
    for (let j = 0; j < size; j++) {
      const i = j - before;
      if (mode === 'constant') map[j] = i >= 0 && i < n ? i : -1;
      else if (mode === 'replicate') map[j] = Math.min(Math.max(i, 0), n - 1);
      else map[j] = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    }
    maps[d] = map;
  }
  return maps;
}

const padOp: OpFunction<['x'], PadParams> = defineOp({
  name: 'pad',
  inputs: ['x'],
  forward: (ctx: OpContext<PadParams>, x) => gatherAxesKernel(x, padMaps(x.shape, ctx.params), ctx.params.value),
  backward: { x: (ctx, grad) => padAdjoint(grad, { shape: ctx.inputs[0].shape, pad: ctx.params }) },
});

/** The adjoint of pad (a sum of the gradient back onto the input); its own adjoint is pad with a fill of 0. */
const padAdjoint: OpFunction<['grad'], { shape: Shape; pad: PadParams }> = defineOp({
  name: 'padAdjoint',
  inputs: ['grad'],
  forward: (ctx: OpContext<{ shape: Shape; pad: PadParams }>, g) => scatterAxesKernel(g, padMaps(ctx.params.shape, ctx.params.pad), ctx.params.shape),
  backward: { grad: (ctx, grad) => padOp(grad, { ...ctx.params.pad, value: 0 }) },
});

/**
 * Pads `x` (PyTorch's `F.pad`): `pads` lists (before, after) amounts per axis, LAST AXIS FIRST, as
 * PyTorch does: `[left, right]` pads the last axis, `[left, right, top, bottom]` the last two.
 * Negative amounts crop. Modes: 'constant' fills with `value` (default 0); 'reflect' mirrors about
 * the edge element without repeating it (each amount must be less than the axis' size);
 * 'replicate' repeats the edge element. Reflect and replicate take no value (as in PyTorch), and
 * mirror or repeat about the input's own edges even where the other side is cropped.
 *
 * d pad(x) = the output gradient summed back onto the input elements each output element copies
 * (for reflect and replicate an edge element collects several); the constant gets no gradient
 *
 * NOTE: PyTorch 1.13 implements reflect and replicate only for the last 1 to 3 axes of inputs of
 * rank 2 to 5 (one more axis than padded, or two); chainrule pads any axes of any rank the same way.
 * @example
 * ```ts
 * pad(tensor([[1, 2, 3]]), [2, 1]).toArray();                      // [[0, 0, 1, 2, 3, 0]]
 * pad(tensor([[1, 2, 3]]), [2, 1], { mode: 'reflect' }).toArray();   // [[3, 2, 1, 2, 3, 2]]
 * pad(tensor([[1, 2, 3]]), [2, 1], { mode: 'replicate' }).toArray(); // [[1, 1, 1, 2, 3, 3]]
 * ```
 */
export function pad(x: TensorLike, pads: readonly number[], options: PadOptions = {}): Tensor {
  const t = x instanceof Tensor ? x : tensor(x);
  const mode = options.mode ?? 'constant';
  const value = options.value ?? 0;
  if (typeof value !== 'number') throw new ChainruleError(`pad: value must be a number, got ${typeof value}`);
  if (options.value !== undefined && mode !== 'constant') throw new ChainruleError(`pad: mode '${mode}' takes no value (only 'constant' fills with one), got value ${options.value}`);
  return padOp(t, { pads, mode, value });
}

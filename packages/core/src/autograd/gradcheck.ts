/**
 * gradcheck: compares the autodiff Jacobian of a function with central finite differences, element
 * by element, like PyTorch's `torch.autograd.gradcheck`; gradgradcheck does the same for the
 * gradient of the gradient.
 * @module
 */
import { ChainruleError } from '../errors.js';
import { enableGrad, noGrad } from '../grad-mode.js';
import { RandomGenerator } from '../random.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { concat, reshape } from '../ops/index.js';
import { gradients } from './engine.js';

/**
 * Tolerances and behaviour of {@link gradcheck}.
 * @example
 * ```ts
 * gradcheck(f, [x], { eps: 1e-6, atol: 1e-5, rtol: 1e-3, raiseException: false });
 * ```
 */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance, relative to the numeric value (default 1e-3). */
  rtol?: number;
  /** Throw a {@link GradcheckError} with the report when the check fails (default true). */
  raiseException?: boolean;
}

/**
 * One compared Jacobian entry: d output[outputIndex] / d inputs[input][index].
 * @example
 * ```ts
 * const { worst } = gradcheck(f, [x], { raiseException: false });
 * console.log(worst?.analytic, worst?.numeric);
 * ```
 */
export interface GradcheckEntry {
  input: number;
  /** Flat index into the input. */
  index: number;
  /** Flat index into the output. */
  outputIndex: number;
  analytic: number;
  numeric: number;
  absError: number;
  /** |analytic - numeric| / max(|numeric|, tiny): informative; the pass test is atol + rtol·|numeric|. */
  relError: number;
}

/**
 * What {@link gradcheck} found.
 * @example
 * ```ts
 * const report = gradcheck((x) => x.tanh().sum(), [randn([3])]);
 * report.ok; report.maxRelError;
 * ```
 */
export interface GradcheckReport {
  /** True when every entry satisfies |analytic - numeric| ≤ atol + rtol·|numeric|. */
  ok: boolean;
  /** Number of Jacobian entries compared. */
  checked: number;
  /** The entry that exceeds its tolerance the most (or is closest to it, when all pass). */
  worst: GradcheckEntry | null;
  maxAbsError: number;
  maxRelError: number;
  /** The options in force. */
  eps: number;
  atol: number;
  rtol: number;
}

/**
 * Thrown by {@link gradcheck} when analytic and numeric gradients disagree; carries the report.
 * @example
 * ```ts
 * try { gradcheck(f, [x]); } catch (e) { if (e instanceof GradcheckError) console.log(e.report.worst); }
 * ```
 */
export class GradcheckError extends ChainruleError {
  constructor(readonly report: GradcheckReport) {
    const w = report.worst!;
    super(
      `gradcheck failed: d output[${w.outputIndex}] / d inputs[${w.input}][${w.index}] is ${w.analytic} by autodiff ` +
        `but ${w.numeric} by central differences (abs error ${w.absError.toExponential(3)}, rel error ${w.relError.toExponential(3)}; ` +
        `allowed ${report.atol} + ${report.rtol}·|numeric|). ${report.checked} entries compared.`,
    );
  }
}

function prepareInputs(inputs: readonly TensorLike[], op: string, fn: (...xs: Tensor[]) => Tensor): Tensor[] {
  if (typeof fn !== 'function') throw new TypeError(`${op}: expected a function of the input tensors, got ${fn === null ? 'null' : typeof fn}`);
  if (!Array.isArray(inputs)) throw new TypeError(`${op}: inputs must be an array of tensors (one per argument of the function), got ${typeof inputs}`);
  if (fn.length > inputs.length) {
    throw new ChainruleError(`${op}: the function takes ${fn.length} argument(s) but ${inputs.length} input(s) were given; pass one tensor per argument`);
  }
  return inputs.map((x, i) => {
    if (!(x instanceof Tensor) && typeof x !== 'number' && !Array.isArray(x)) {
      throw new TypeError(`${op}: inputs[${i}] is ${x === null ? 'null' : x === undefined ? 'undefined' : typeof x}; expected a Tensor, a number or a nested array of numbers`);
    }
    const t = x instanceof Tensor ? x.detach() : tensor(x);
    if (t.dtype !== 'float64') {
      throw new ChainruleError(`${op}: inputs[${i}] is ${t.dtype}; finite differences with eps 1e-6 need float64 (cast it with .cast('float64'))`);
    }
    t.requiresGrad = true;
    return t;
  });
}

function callScalarOrTensor(fn: (...xs: Tensor[]) => Tensor, xs: Tensor[], op: string): Tensor {
  const out = fn(...xs);
  if (!(out instanceof Tensor)) throw new ChainruleError(`${op}: the function must return a Tensor, got ${typeof out}`);
  return out;
}

/**
 * Checks the gradients of `fn` at `inputs`: every entry of the Jacobian d fn / d inputs computed
 * by autodiff (one backward per output element) against central differences
 * (f(x + eps) - f(x - eps)) / 2eps (two forward passes per input element). Inputs must be float64.
 * Tolerances default to PyTorch's: eps 1e-6, atol 1e-5, rtol 1e-3.
 *
 * @example
 * ```ts
 * const report = gradcheck((x) => x.sigmoid().sum(), [randn([3, 2], { seed: 1 })]);
 * report.ok; // true (it throws a GradcheckError otherwise)
 * ```
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly TensorLike[], options: GradcheckOptions = {}): GradcheckReport {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const xs = prepareInputs(inputs, 'gradcheck', fn);
  const out = callScalarOrTensor(fn, xs, 'gradcheck');
  const m = out.size;

  // Analytic Jacobian, one row (output element) at a time.
  const analytic: Float64Array[] = xs.map((x) => new Float64Array(m * x.size));
  if (out.requiresGrad) {
    for (let o = 0; o < m; o++) {
      const v = new Float64Array(m);
      v[o] = 1;
      const gradOut = tensor(v, { shape: out.shape, dtype: out.dtype });
      const gs = gradients(out, xs, { gradOutputs: [gradOut], retainGraph: true, allowUnused: 'zeros' });
      gs.forEach((g, i) => analytic[i].set(g!.buffer, o * xs[i].size));
    }
  }

  // Numeric Jacobian, one column (input element) at a time.
  const report: GradcheckReport = { ok: true, checked: 0, worst: null, maxAbsError: 0, maxRelError: 0, eps, atol, rtol };
  let worstExcess = -Infinity;
  noGrad(() => {
    xs.forEach((x, i) => {
      for (let j = 0; j < x.size; j++) {
        const saved = x.buffer[j];
        x.buffer[j] = saved + eps;
        const plus = callScalarOrTensor(fn, xs, 'gradcheck').buffer;
        x.buffer[j] = saved - eps;
        const minus = callScalarOrTensor(fn, xs, 'gradcheck').buffer;
        x.buffer[j] = saved;
        if (plus.length !== m) throw new ChainruleError(`gradcheck: the function's output changed size from ${m} to ${plus.length} between calls`);
        for (let o = 0; o < m; o++) {
          const numeric = (plus[o] - minus[o]) / (2 * eps);
          const a = analytic[i][o * x.size + j];
          const absError = Math.abs(a - numeric);
          const relError = absError / Math.max(Math.abs(numeric), Number.MIN_VALUE);
          const allowed = atol + rtol * Math.abs(numeric);
          const excess = Number.isNaN(absError) ? Infinity : absError - allowed;
          report.checked++;
          report.maxAbsError = Math.max(report.maxAbsError, absError);
          if (Number.isFinite(relError)) report.maxRelError = Math.max(report.maxRelError, relError);
          if (excess > 0 || Number.isNaN(absError)) report.ok = false;
          if (excess > worstExcess) {
            worstExcess = excess;
            report.worst = { input: i, index: j, outputIndex: o, analytic: a, numeric, absError, relError };
          }
        }
      }
    });
  });
  if (!report.ok && (options.raiseException ?? true)) throw new GradcheckError(report);
  return report;
}

/**
 * Second-order check: gradcheck of the function inputs ↦ vᵀ (d fn / d inputs) for a fixed random
 * v, whose analytic Jacobian comes from differentiating the recorded backward pass
 * (`createGraph`). Passing means gradients of gradients are right.
 *
 * @example
 * ```ts
 * gradgradcheck((x) => x.tanh().sum(), [randn([4], { seed: 2 })]).ok; // true
 * ```
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly TensorLike[], options: GradcheckOptions & { seed?: number } = {}): GradcheckReport {
  const xs = prepareInputs(inputs, 'gradgradcheck', fn);
  const probe = callScalarOrTensor(fn, xs, 'gradgradcheck');
  const g = new RandomGenerator(options.seed ?? 0);
  const v = tensor(Float64Array.from({ length: probe.size }, () => g.normal()), { shape: probe.shape });
  // enableGrad: gradcheck evaluates its function under noGrad for the numeric part, but this
  // function needs a recorded graph to differentiate.
  const firstOrder = (...ys: Tensor[]): Tensor => enableGrad(() => {
    const out = callScalarOrTensor(fn, ys, 'gradgradcheck');
    if (!out.requiresGrad) return tensor(new Float64Array(ys.reduce((n, y) => n + y.size, 0)));
    const grads = gradients(out, ys, { gradOutputs: [v], createGraph: true, allowUnused: 'zeros' });
    return concat(grads.map((gr) => reshape(gr!, [-1])), { axis: 0 });
  });
  return gradcheck(firstOrder, xs, options);
}


/**
 * `compile(step)`: a training step traced once and replayed, in the spirit of `jax.jit`,
 * `tf.function` and `torch.compile`'s CUDA graphs, for a framework whose cost on small networks is
 * the bookkeeping around each op rather than the arithmetic.
 * @module
 */
import { ChainruleError, fmtShape } from '../errors.js';
import { isGradEnabled, isTracingOps, swapGradEnabled, tracing } from '../grad-mode.js';
import { isAnomalyEnabled } from '../autograd/anomaly.js';
import { Tensor, TRUSTED_SHAPE } from '../tensor.js';
import { compileTrace, ReplayMismatch, stateEpoch, stopArena } from './trace-state.js';
import { Recorder } from './recorder.js';
import { generateRunner, interpret, type PlanStep } from './plan.js';

/**
 * Options of {@link compile}.
 * @example
 * ```ts
 * compile(step, { maxPlans: 2, codegen: false });
 * ```
 */
export interface CompileOptions {
  /**
   * How many plans (one per set of argument shapes and dtypes, grad mode and state) to keep before
   * running every new one eagerly (default 8, as `torch.compile`'s cache limit).
   */
  maxPlans?: number;
  /**
   * Replay through a function generated for each plan (`true`, the default, where code generation
   * is allowed) or through the interpreter (`false`). The results are the same bits either way.
   */
  codegen?: boolean;
}

/** How the last call of a compiled step ran. @example `step.lastRun // 'replay'` */
export type CompiledRun = 'trace' | 'replay' | 'eager';

/**
 * What {@link compile} returns: the step, taking the same arguments, and what it did.
 * @example
 * ```ts
 * const step = compile((x: Tensor, y: Tensor) => { ... });
 * step(x, y); step.lastRun; // 'trace', then 'replay'
 * ```
 */
export interface CompiledStep<A extends readonly Tensor[], R> {
  (...args: A): R;
  /** How the last call ran: traced (eagerly, recording a plan), replayed, or eagerly without a plan. */
  readonly lastRun: CompiledRun | null;
  /** Why the last call ran eagerly (a refused trace, anomaly detection, too many plans), or null. */
  readonly eagerReason: string | null;
  /** How the last replay ran: a function generated for the plan, or the interpreter (under a strict CSP). */
  readonly runner: 'generated' | 'interpreted' | null;
  /** The plans kept, one per argument signature. */
  readonly plans: number;
  /** The steps of the last call's plan, one line each (for reading, tests and bug reports). */
  describe(): string[];
  /** Forgets every plan: the next call traces again (after replacing a parameter object, say). */
  reset(): void;
}

/** What a plan's step returned: one tensor, a list of them, or nothing. */
type ResultForm = { kind: 'tensor'; tensor: Tensor } | { kind: 'list'; tensors: Tensor[] } | { kind: 'none' };

/** One traced signature of a compiled step. */
interface Plan {
  readonly shapes: readonly (readonly number[])[];
  readonly dtypes: readonly string[];
  readonly gradEnabled: boolean;
  readonly epoch: number;
  /** The plan's own copies of the arguments (the traced ops read these; each call copies in). */
  readonly argCopies: readonly Tensor[];
  /** Per argument, the tensor last copied in and its version then (an unchanged one is not copied again). */
  readonly lastArgs: (Tensor | null)[];
  readonly lastVersions: number[];
  readonly steps: readonly PlanStep[];
  readonly result: ResultForm | null;
  /** Why this signature runs eagerly, or null for a replayable plan. */
  refusal: string | null;
  runner: (() => void) | null;
  runnerKind: 'generated' | 'interpreted' | null;
}

/**
 * Compiles a training step: the first call with a given set of argument shapes runs `step` eagerly
 * while recording a plan (every op its forward, backward and update ran, with the buffers each
 * allocated); later calls replay the plan: the same kernels in the same order on the same buffers,
 * with no graph built, no Tensor or node made per op, and no backward walk. Results are
 * bit-identical to eager runs (tested), including the optimizer's update, learning-rate schedules
 * and dropout's random draws, which run again at each replay.
 *
 * Rules:
 * - **Arguments** are tensors that do not require grad (the batch). Each call copies them into the
 *   plan's own (skipped when the same unchanged tensor comes again). A call with other shapes or
 *   dtypes, in another grad mode, or after a change of state a trace cannot see (a module's
 *   `train()`/`eval()`, a tensor's `requiresGrad`) traces a new plan; up to `maxPlans` are kept.
 * - **Tensors the step closes over** (parameters, optimizer state) are read where they live, at
 *   each replay: an in-place change is seen. A variable reassigned to another tensor is not: pass
 *   changing data as an argument.
 * - **JavaScript values are constants of the plan**, as in `jax.jit` and `tf.function`: numbers
 *   given to ops, shapes, and tensors the step makes from numbers. Code outside tensor ops runs
 *   only when traced, except in {@link sideEffect} (nn's optimizers, schedules, `zeroGrad`,
 *   gradient clipping and batch norm's statistics use it) and the random samplers. Code that reads
 *   a tensor's `buffer` outside an op cannot be seen by the trace and would keep the traced values:
 *   compute from values inside a custom op's forward (`defineOp`), which every replay runs again.
 * - **The step returns** a tensor, an array of tensors, or nothing; each call returns fresh copies
 *   without history. Other tensors the step makes live in buffers the plan reuses: a `.grad`, or an
 *   activation a module keeps, holds the latest call's values.
 * - **In-place methods** at top level (`add_`, `sub_`, `mul_`, `copy_`, `fill_`, as in
 *   `noGrad(() => p.sub_(p.grad.mul(lr)))`) and `p.grad = null` run again at each replay.
 * - **Runs eagerly, with the reason in `eagerReason`,** a step that reads a value into JavaScript
 *   (`item()`, `toArray()`, `toString()`, `data`), writes through `update()` or sets `.grad` to a
 *   tensor outside a side effect, has a gradient hook, or calls backward with `createGraph`; and
 *   every call under anomaly detection or inside another trace. A replay that goes otherwise than
 *   its trace (an op whose output size depends on values) throws a ChainruleError.
 *
 * @example
 * ```ts
 * const step = compile((x: Tensor, y: Tensor) => {
 *   opt.zeroGrad();
 *   const loss = mseLoss(net.forward(x), y);
 *   loss.backward();
 *   opt.step();
 *   return loss;
 * });
 * for (let i = 0; i < 10000; i++) step(x, y); // traced once, then replayed
 * step.lastRun; // 'replay'
 * ```
 */
export function compile<A extends readonly Tensor[], R extends Tensor | readonly Tensor[] | void>(
  step: (...args: A) => R,
  options: CompileOptions = {},
): CompiledStep<A, R> {
  if (typeof step !== 'function') throw new TypeError(`compile: expected the step as a function, got ${step === null ? 'null' : typeof step}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`compile: options must be an object such as { maxPlans: 8 }, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (key !== 'maxPlans' && key !== 'codegen') throw new TypeError(`compile: unknown option '${key}'; the options are maxPlans, codegen`);
  }
  const maxPlans = options.maxPlans ?? 8;
  if (!Number.isSafeInteger(maxPlans) || maxPlans < 1) throw new TypeError(`compile: maxPlans must be a whole number ≥ 1, got ${String(maxPlans)}`);
  const codegen = options.codegen ?? true;
  if (typeof codegen !== 'boolean') throw new TypeError(`compile: codegen must be true or false, got ${String(codegen)}`);

  let plans: Plan[] = [];
  let last: Plan | null = null;
  let lastRun: CompiledRun | null = null;
  let eagerReason: string | null = null;
  let lastRunner: 'generated' | 'interpreted' | null = null;

  const eager = (args: A, reason: string): R => {
    lastRun = 'eager';
    eagerReason = reason;
    return step(...args);
  };

  const compiled = function (this: unknown, ...args: A): R {
    for (let i = 0; i < args.length; i++) {
      const a: unknown = args[i];
      if (!(a instanceof Tensor)) {
        throw new TypeError(`compile: argument ${i} is ${a === null ? 'null' : typeof a}; a compiled step takes tensors (numbers and options are constants: close over them)`);
      }
    }
    if (isAnomalyEnabled()) return eager(args, 'anomaly detection is on: every op is checked as it runs');
    if (compileTrace.recorder !== null || isTracingOps()) return eager(args, 'called inside another trace');
    for (let i = 0; i < args.length; i++) {
      if (args[i].requiresGrad) return eager(args, `argument ${i} requires grad; a compiled step takes data, and its gradient would not reach the argument`);
    }
    const plan = last !== null && matches(last, args) ? last : (plans.find((p) => matches(p, args)) ?? null);
    if (plan === null) {
      // plans traced before a change of state never match again (the epoch only grows): drop them
      if (plans.some((p) => p.epoch !== stateEpoch.value)) plans = plans.filter((p) => p.epoch === stateEpoch.value);
      if (plans.length >= maxPlans) return eager(args, `${maxPlans} plans are kept already (maxPlans); the argument shapes keep changing`);
      const traced = trace(step, args);
      plans.push(traced.plan);
      last = traced.plan;
      if (traced.plan.refusal !== null) {
        lastRun = 'eager';
        eagerReason = traced.plan.refusal;
        return traced.value;
      }
      lastRun = 'trace';
      eagerReason = null;
      return copyResult(traced.plan.result!) as R;
    }
    last = plan;
    if (plan.refusal !== null) return eager(args, plan.refusal);
    copyArgsIn(plan, args);
    if (plan.runner === null) {
      const generated = codegen ? generateRunner(plan.steps) : null;
      plan.runner = generated ?? interpret(plan.steps);
      plan.runnerKind = generated !== null ? 'generated' : 'interpreted';
    }
    runPlan(plan);
    lastRun = 'replay';
    eagerReason = null;
    lastRunner = plan.runnerKind;
    return copyResult(plan.result!) as R;
  };

  Object.defineProperties(compiled, {
    lastRun: { get: () => lastRun },
    eagerReason: { get: () => eagerReason },
    runner: { get: () => lastRunner },
    plans: { get: () => plans.length },
    describe: { value: () => (last === null ? [] : last.steps.map((s) => s.describe())) },
    reset: {
      value: () => {
        plans = [];
        last = null;
      },
    },
  });
  return compiled as unknown as CompiledStep<A, R>;
}

/** Whether `plan` was traced for arguments like `args`, in this grad mode and state. */
function matches(plan: Plan, args: readonly Tensor[]): boolean {
  if (plan.epoch !== stateEpoch.value || plan.gradEnabled !== isGradEnabled() || plan.shapes.length !== args.length) return false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const shape = plan.shapes[i];
    if (a.dtype !== plan.dtypes[i] || a.shape.length !== shape.length) return false;
    for (let d = 0; d < shape.length; d++) if (a.shape[d] !== shape[d]) return false;
  }
  return true;
}

/** Runs `step` eagerly once on the plan's copies of `args`, recording its plan. */
function trace<A extends readonly Tensor[], R>(step: (...args: A) => R, args: A): { plan: Plan; value: R } {
  const argCopies = args.map((a) => {
    const copy = new Tensor(a.buffer.slice(), a.shape, false, TRUSTED_SHAPE);
    copy.name = a.name;
    return copy;
  });
  const recorder = new Recorder(new Set(argCopies));
  const wasActive = tracing.active;
  compileTrace.recorder = recorder;
  tracing.active = true;
  const gradEnabled = isGradEnabled();
  let value: R;
  try {
    value = step(...(argCopies as unknown as A));
  } finally {
    compileTrace.recorder = null;
    tracing.active = wasActive;
    stopArena();
  }
  let result: ResultForm | null = null;
  let refusal = recorder.refusal;
  if (refusal === null) {
    result = resultForm(value);
    if (result === null) refusal = `the step returned ${describeReturn(value)}; a compiled step returns a tensor, an array of tensors, or nothing`;
  }
  const plan: Plan = {
    shapes: args.map((a) => a.shape),
    dtypes: args.map((a) => a.dtype),
    gradEnabled,
    epoch: stateEpoch.value,
    argCopies,
    lastArgs: args.slice(),
    lastVersions: args.map((a) => a.version),
    steps: refusal === null ? recorder.steps : [],
    result,
    refusal,
    runner: null,
    runnerKind: null,
  };
  // an eager run with a refused plan returns what the step returned, as eager code would
  return { plan, value };
}

function resultForm(value: unknown): ResultForm | null {
  if (value === undefined) return { kind: 'none' };
  if (value instanceof Tensor) return { kind: 'tensor', tensor: value };
  if (Array.isArray(value) && value.every((v) => v instanceof Tensor)) return { kind: 'list', tensors: value.slice() };
  return null;
}

function describeReturn(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array that holds something other than tensors';
  return typeof value === 'number' ? `the number ${value}` : `a value of type ${typeof value}`;
}

/** Fresh tensors without history, with the values the plan's result tensors hold now. */
function copyResult(form: ResultForm): Tensor | Tensor[] | undefined {
  if (form.kind === 'none') return undefined;
  if (form.kind === 'tensor') return form.tensor.detach();
  return form.tensors.map((t) => t.detach());
}

function copyArgsIn(plan: Plan, args: readonly Tensor[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (plan.lastArgs[i] === a && plan.lastVersions[i] === a.version) continue;
    plan.argCopies[i].buffer.set(a.buffer);
    plan.lastArgs[i] = a;
    plan.lastVersions[i] = a.version;
  }
}

/** Replays `plan` with grad mode off (its side effects set their own), turning a divergence into a clear error. */
function runPlan(plan: Plan): void {
  const previous = swapGradEnabled(false);
  try {
    plan.runner!();
  } catch (error) {
    if (error instanceof ReplayMismatch) {
      // the same divergence would come again: this signature runs eagerly from now on
      plan.refusal = `a replay went otherwise than its trace: ${error.message}`;
      throw new ChainruleError(
        `compile: a replay went otherwise than its trace: ${error.message}. The steps before it had run, so the state may be part-way ` +
          `through a step; later calls with arguments of these shapes (${plan.shapes.map(fmtShape).join(', ')}) run eagerly`,
      );
    }
    throw error;
  } finally {
    stopArena();
    swapGradEnabled(previous);
  }
}

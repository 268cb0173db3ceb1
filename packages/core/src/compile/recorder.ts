/**
 * The trace behind {@link compile}: while the step runs eagerly once, the recorder notes every op
 * called at the top level (not inside another op's forward), with the buffers its forward allocated,
 * every side effect, and every gradient the engine stores, as the steps of a plan. It also refuses
 * the plan, with the reason, when the step does something a replay could not repeat.
 * @module
 */
import { fmtShape } from '../errors.js';
import { type Buffer } from '../dtype.js';
import { isGradEnabled } from '../grad-mode.js';
import { OpContext, type Op } from '../op-context.js';
import { peekNextTensorId, Tensor, type TensorLike } from '../tensor.js';
import { pointArena, stopArena, type InPlaceMethod, type TraceRecorder } from './trace-state.js';
import { AccumulateStep, ClearGradStep, EffectStep, OpStep, type PlanStep } from './plan.js';

/** The recorder of one trace; see the module comment. */
export class Recorder implements TraceRecorder {
  readonly steps: PlanStep[] = [];
  /** Why the plan cannot be replayed, or null. The first reason found is kept. */
  refusal: string | null = null;
  /** Tensors made before the trace started have smaller ids: parameters, optimizer state, data closed over. */
  private readonly firstId: number;
  /** Inside a top-level op's forward (its nested ops are part of it). */
  private inOp = false;
  /** How many side effects are running (their ops and changes are theirs, not the plan's). */
  private effectDepth = 0;
  /** Buffers that a replay writes again: every allocation of a recorded forward or random source. */
  private readonly replayed = new Set<Buffer>();
  /** The recorded ops' results. */
  private readonly results = new Set<Tensor>();
  /** Id ranges [from, to) of tensors made inside a forward or a side effect, with its name. */
  private readonly madeInside: { from: number; to: number; by: string }[] = [];

  constructor(private readonly args: ReadonlySet<Tensor>) {
    this.firstId = peekNextTensorId();
  }

  atTopLevel(): boolean {
    return !this.inOp && this.effectDepth === 0;
  }

  beginOp(op: Op, inputs: readonly Tensor[], params: unknown, gradFlags: readonly boolean[]): object | null {
    if (!this.atTopLevel()) return null;
    for (let i = 0; i < inputs.length; i++) this.checkReplayable(inputs[i], `${op.name}'s input '${op.inputName(i)}'`);
    const step = new OpStep(op, inputs);
    // the replay's context: the same params and flags, but not recording (a replay keeps nothing for a backward walk)
    step.ctx = new OpContext(op, inputs, params, gradFlags, false);
    this.madeInside.push({ from: peekNextTensorId(), to: Infinity, by: `the forward of ${op.name}` });
    this.inOp = true;
    pointArena(step.buffers, true, op.name);
    return step;
  }

  endForward(): void {
    stopArena();
    this.inOp = false;
    this.madeInside[this.madeInside.length - 1].to = peekNextTensorId();
  }

  endOp(token: object, out: Tensor): void {
    const step = token as OpStep;
    step.out = out;
    for (const b of step.buffers) this.replayed.add(b);
    this.results.add(out);
    this.steps.push(step);
  }

  accumulate(t: Tensor, g: Tensor): boolean {
    if (!this.atTopLevel()) return false;
    this.checkReplayable(g, 'a gradient stored in .grad');
    const step = new AccumulateStep(t, g);
    step.replay(); // what eager backward does, the way every replay will
    if (step.holder !== null) this.replayed.add(step.holder.buffer); // renewed by this step at every replay
    this.steps.push(step);
    return true;
  }

  assignGrad(t: Tensor, value: Tensor | null): void {
    if (!this.atTopLevel()) return;
    if (value === null) this.steps.push(new ClearGradStep(t));
    else this.refuse(`.grad of a ${fmtShape(t.shape)} tensor was set to a tensor by the step's code; a replay would not set it again`);
  }

  inPlace<T extends Tensor>(target: T, method: InPlaceMethod, argument: TensorLike): T {
    this.checkReplayable(target, `the tensor that ${method} changes`);
    if (this.isConstant(target)) {
      // a replay would start from the changed values, where the step's code starts from fresh ones
      this.refuse(`${method} changed a tensor of shape ${fmtShape(target.shape)} that the step made from numbers (a constant of the plan); change a copy made by an op (x.clone()), or make it outside the step`);
    }
    if (argument instanceof Tensor) this.checkReplayable(argument, `${method}'s argument`);
    // a side effect of its own: the method runs again at every replay, on the same tensors
    return this.sideEffect(`${method} on a ${fmtShape(target.shape)} tensor`, () => (target as unknown as Record<InPlaceMethod, (a: TensorLike) => T>)[method](argument), false);
  }

  refuse(reason: string): void {
    this.refusal ??= reason;
  }

  sideEffect<T>(name: string, run: () => T, isSource: boolean): T {
    const step = new EffectStep(name, run, isSource ? [] : null, isGradEnabled());
    const from = peekNextTensorId();
    this.effectDepth++;
    if (isSource) pointArena(step.buffers!, true, name);
    let result: T;
    try {
      result = run();
    } finally {
      this.effectDepth--;
      stopArena();
    }
    if (isSource) for (const b of step.buffers!) this.replayed.add(b);
    else this.madeInside.push({ from, to: peekNextTensorId(), by: `the side effect ${name}` });
    this.steps.push(step);
    return result;
  }

  /**
   * Refuses the plan if `t` holds values that a replay would not renew: a tensor made inside a
   * forward or a side effect whose buffer did not come from the allocator. Everything else is fine:
   * a recorded result or allocation (renewed by the replay), an argument (copied in at each call),
   * a tensor made before the trace (a parameter: read where it lives), or one the step's own code
   * made from numbers (a constant of the plan, like `x.mul(0.5)`'s 0.5).
   */
  private checkReplayable(t: Tensor, what: string): void {
    if (this.isRenewed(t)) return;
    const made = this.findMadeInside(t.id);
    if (made !== null) {
      this.refuse(`${what} (shape ${fmtShape(t.shape)}) was made by ${made} outside the allocator (allocBuffer), so a replay would not renew it`);
    }
  }

  /** Whether a replay finds `t` as it should: made before the trace, renewed by the plan, or an argument. */
  private isRenewed(t: Tensor): boolean {
    return t.id < this.firstId || this.results.has(t) || this.replayed.has(t.buffer) || this.args.has(t);
  }

  /** A tensor the step's own code made during the trace (from numbers): the plan keeps it as it was then. */
  private isConstant(t: Tensor): boolean {
    return !this.isRenewed(t) && this.findMadeInside(t.id) === null;
  }

  /** The forward or side effect that made tensor number `id`, if any (the ranges are in id order). */
  private findMadeInside(id: number): string | null {
    const ranges = this.madeInside;
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = ranges[mid];
      if (id < r.from) hi = mid - 1;
      else if (id >= r.to) lo = mid + 1;
      else return r.by;
    }
    return null;
  }
}

/**
 * A compiled step's plan: the steps a trace recorded, in order, each able to run again on the same
 * tensors, and the two ways to run them all, a function generated for this plan (one call site per
 * op, so V8 can inline each kernel where it is called) or, where code generation is refused (a
 * strict Content-Security-Policy), a loop over the same steps. Both run the same kernels in the same
 * order, so their results are the bits of the eager run.
 * @module
 */
import type { NdArray } from 'ndarray';
import { AutogradError, ChainruleError, fmtShape } from '../errors.js';
import { type Buffer } from '../dtype.js';
import { swapGradEnabled } from '../grad-mode.js';
import type { Op, OpContext } from '../op-context.js';
import { Tensor, TRUSTED_SHAPE } from '../tensor.js';
import { ndarrayToBuffer } from '../kernels/nd.js';
import { arena, pointArena, ReplayMismatch, stopArena } from './trace-state.js';

/** One step of a plan. */
export interface PlanStep {
  /** Runs the step again (grad mode is off for the whole replay; a side effect sets its own). */
  replay(): void;
  /** What the step is, for messages and `describe()`. */
  describe(): string;
}

/**
 * An op's forward, called again on the tensors it had when traced. Its kernels' allocations come
 * from the arena in the order they were made, so the result, and every tensor the forward made and
 * a later step reads (a mask saved for backward), is written where the trace left it.
 */
export class OpStep implements PlanStep {
  /** The buffers the forward allocated when traced, in order. */
  readonly buffers: Buffer[] = [];
  /** The op's result when traced: the plan's tensor that later steps read. Set by endOp. */
  out: Tensor | null = null;
  ctx: OpContext | null = null;
  constructor(
    readonly op: Op,
    readonly inputs: readonly Tensor[],
  ) {}

  /** Points the allocator at this step's buffers (the generated runner calls this, the forward, then `finish`). */
  begin(): void {
    pointArena(this.buffers, false, this.op.name);
  }

  /** Checks that the forward allocated as traced, and puts its result in the traced result's buffer if it is elsewhere. */
  finish(result: Tensor | { buffer: Buffer; shape: readonly number[] } | NdArray): void {
    stopArena();
    if (arena.pos !== this.buffers.length) {
      throw new ReplayMismatch(`${this.op.name} made ${arena.pos} allocations where its trace made ${this.buffers.length}: it took another path, which a compiled step cannot replay`);
    }
    const out = this.out!;
    // a Tensor and a kernel's { buffer, shape } both hold `buffer`: usually the one the arena handed back
    const held = (result as { buffer?: unknown }).buffer;
    if (held === out.buffer) return;
    const buffer = held instanceof Float64Array || held instanceof Float32Array ? held : ndarrayToBuffer(result as NdArray)!.buffer;
    if (buffer.length !== out.buffer.length) {
      throw new ReplayMismatch(`${this.op.name} returned ${buffer.length} elements where its trace returned ${out.buffer.length} (shape ${fmtShape(out.shape)})`);
    }
    out.buffer.set(buffer); // (a forward that returned an input, or a tensor it did not allocate)
  }

  replay(): void {
    this.begin();
    let result;
    try {
      result = this.op.callForward(this.ctx!, this.inputs);
    } catch (error) {
      stopArena();
      throw error;
    }
    this.finish(result);
  }

  describe(): string {
    return `${this.op.name} → ${fmtShape(this.out!.shape)}`;
  }
}

/**
 * Code the step ran outside any op, run again as JavaScript: an optimizer's update, a schedule's
 * step, `zeroGrad` (see `sideEffect`). A random source (`rand` at top level) also gets its traced
 * buffers back from the arena, so the tensors made from it hold the new draw.
 */
export class EffectStep implements PlanStep {
  constructor(
    readonly name: string,
    readonly run: () => unknown,
    /** The buffers a random source allocated when traced; null for a side effect (it allocates freely). */
    readonly buffers: Buffer[] | null,
    /** Grad mode when it ran in the trace. */
    readonly gradEnabled: boolean,
  ) {}

  replay(): void {
    const previous = swapGradEnabled(this.gradEnabled);
    const buffers = this.buffers;
    try {
      if (buffers !== null) pointArena(buffers, false, this.name);
      this.run();
      if (buffers !== null && arena.pos !== buffers.length) {
        throw new ReplayMismatch(`${this.name} made ${arena.pos} allocations where its trace made ${buffers.length}`);
      }
    } finally {
      stopArena();
      swapGradEnabled(previous);
    }
  }

  describe(): string {
    return this.buffers !== null ? `${this.name} (drawn again)` : `${this.name} (side effect)`;
  }
}

/**
 * The engine adding a gradient into a tensor's `.grad`, as eager backward does: into a gradient the
 * tensor already has (in place, after the same checks), else into a buffer of the plan's that
 * becomes `.grad` (eager backward would hand over the gradient tensor itself; the plan's copy keeps
 * the next replay from writing into a `.grad` that is still accumulating).
 */
export class AccumulateStep implements PlanStep {
  /** The plan's `.grad` tensor for the target, made at the trace when the target had none. */
  holder: Tensor | null = null;
  constructor(
    readonly target: Tensor,
    readonly gradient: Tensor,
  ) {}

  replay(): void {
    const t = this.target;
    const g = this.gradient;
    const current = t._grad;
    if (current === null) {
      const holder = (this.holder ??= new Tensor(g.buffer.slice(), g.shape, false, TRUSTED_SHAPE));
      holder.buffer.set(g.buffer);
      t._grad = holder;
      return;
    }
    if (current.gradFn !== null || current.size !== g.size || current.dtype !== g.dtype) {
      throw new AutogradError(
        `backward (compiled step): cannot accumulate a ${g.dtype} gradient of shape ${fmtShape(g.shape)} into the existing .grad of shape ` +
          `${fmtShape(current.shape)} (${current.dtype})${current.gradFn !== null ? ' that has a graph of its own' : ''}` +
          `${t.name !== undefined ? ` of '${t.name}'` : ''}; was .grad set by hand? Set it to null first`,
      );
    }
    const dst = current.buffer;
    const src = g.buffer;
    for (let i = 0; i < dst.length; i++) dst[i] += src[i];
    current._version++;
  }

  describe(): string {
    return `accumulate .grad of ${this.target.name ?? `a ${fmtShape(this.target.shape)} tensor`}`;
  }
}

/** `t.grad = null`, written by the step's own code (not inside an optimizer's `zeroGrad`). */
export class ClearGradStep implements PlanStep {
  constructor(readonly target: Tensor) {}
  replay(): void {
    this.target._grad = null;
  }
  describe(): string {
    return `clear .grad of ${this.target.name ?? `a ${fmtShape(this.target.shape)} tensor`}`;
  }
}

/** Plans longer than this run through the loop: a generated function that long costs more to compile than it saves. */
const MAX_GENERATED_STEPS = 4000;

/**
 * A function that runs `steps` in order, written out for this plan: each op's forward is called
 * from its own line, with its context and inputs as constants. Null where code generation is
 * refused (then {@link interpret} runs the same steps) or the plan is too long to be worth it.
 */
export function generateRunner(steps: readonly PlanStep[]): (() => void) | null {
  if (steps.length > MAX_GENERATED_STEPS) return null;
  const lines: string[] = [];
  const body: string[] = [];
  steps.forEach((s, i) => {
    lines.push(`const s${i} = S[${i}];`);
    if (s instanceof OpStep) {
      const args = s.op.variadic ? [`s${i}.inputs`] : s.inputs.map((_, k) => `a${i}_${k}`);
      lines.push(`const f${i} = s${i}.op.forward, c${i} = s${i}.ctx;`);
      if (!s.op.variadic) s.inputs.forEach((_, k) => lines.push(`const a${i}_${k} = s${i}.inputs[${k}];`));
      body.push(`s${i}.begin(); s${i}.finish(f${i}(c${i}${args.map((a) => `, ${a}`).join('')}));`);
    } else body.push(`s${i}.replay();`);
  });
  const source = `${lines.join('\n')}\nreturn function compiledStep() {\n${body.join('\n')}\n};`;
  try {
    return new Function('S', source)(steps) as () => void;
  } catch (error) {
    if (error instanceof EvalError) return null; // code generation refused (CSP): the interpreter runs the plan
    throw new ChainruleError(`compile: the generated runner did not compile (${String(error)}); this is a bug in chainrule`);
  }
}

/** The interpreter: `steps` in order, one `replay()` each. */
export function interpret(steps: readonly PlanStep[]): () => void {
  return () => {
    for (let i = 0; i < steps.length; i++) steps[i].replay();
  };
}

/**
 * What the tensor layer needs to know about {@link compile}: whether a step is being traced (and by
 * which recorder), and the allocator's arena that hands a replayed op the same buffers it had when
 * traced. A base-layer file (type imports only), so the allocator, the op wrapper, the Tensor class
 * and the engine can all report to a trace without importing the compiler.
 * @module
 */
import type { Buffer, DType } from '../dtype.js';
import type { Op } from '../op-context.js';
import type { Tensor, TensorLike } from '../tensor.js';

/**
 * @internal What the op wrapper, the engine and the Tensor class tell a running trace. Implemented by
 * compile/recorder.ts; every method is called only while `compileTrace.recorder` is set.
 */
export interface TraceRecorder {
  /** Before an op's forward: a token if this call is a step of the plan (not nested in another op or a side effect). */
  beginOp(op: Op, inputs: readonly Tensor[], params: unknown, gradFlags: readonly boolean[]): object | null;
  /** After the forward returned or threw (the arena stops recording its buffers). */
  endForward(token: object): void;
  /** The op's result, once it is a tensor. */
  endOp(token: object, out: Tensor): void;
  /** The engine adds gradient `g` into `t.grad`; true when the recorder did it (as a replayable step). */
  accumulate(t: Tensor, g: Tensor): boolean;
  /** `t.grad = value` outside any op or side effect. */
  assignGrad(t: Tensor, value: Tensor | null): void;
  /** An in-place method (`add_`, `sub_`, `mul_`, `copy_`, `fill_`) called at top level: run now, and again at every replay. */
  inPlace<T extends Tensor>(target: T, method: InPlaceMethod, argument: TensorLike): T;
  /** Something a replay could not repeat (a value read into JavaScript, an in-place change, a hook): the plan is refused with `reason`. */
  refuse(reason: string): void;
  /** Runs `run` now and, at top level, records it to run again at every replay (see `sideEffect`). */
  sideEffect<T>(name: string, run: () => T, isSource: boolean): T;
  /** Whether code runs at the plan's top level (not inside an op's forward or a side effect). */
  atTopLevel(): boolean;
}

/** @internal The in-place methods a plan can repeat (their argument is a tensor or a number, not a closure). */
export type InPlaceMethod = 'add_' | 'sub_' | 'mul_' | 'copy_' | 'fill_';

/** @internal The recorder of the trace in progress, or null (nearly always). */
export const compileTrace: { recorder: TraceRecorder | null } = { recorder: null };

/**
 * @internal The allocator's arena. While `list` is set, {@link allocBuffer} takes its buffers from
 * it: recording (`recording` true) appends each new buffer; replaying hands out `list[pos++]`, zeroed,
 * after checking its dtype and length. Off (`list` null) outside compile.
 */
export const arena: { list: Buffer[] | null; pos: number; recording: boolean; owner: string } = { list: null, pos: 0, recording: false, owner: '' };

/** @internal Points the allocator at `list`: appending new buffers (`recording`) or handing them back in order; `owner` names the op for messages. */
export function pointArena(list: Buffer[], recording: boolean, owner: string): void {
  arena.list = list;
  arena.pos = 0;
  arena.recording = recording;
  arena.owner = owner;
}

/** @internal The allocator allocates as usual again. */
export function stopArena(): void {
  arena.list = null;
  arena.recording = false;
}

/**
 * @internal The arena's side of `allocBuffer` and `allocOutput` (called only while `arena.list` is
 * set); a replayed buffer is zeroed unless the caller writes every element (`zeroed` false).
 */
export function arenaBuffer(dtype: DType, size: number, zeroed = true): Buffer {
  const list = arena.list!;
  if (arena.recording) {
    const fresh = dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
    list.push(fresh);
    return fresh;
  }
  const b = list[arena.pos];
  if (b === undefined || b.length !== size || (dtype === 'float64') !== b instanceof Float64Array) {
    throw new ReplayMismatch(
      `${arena.owner} asked for a ${dtype} buffer of ${size} elements as its allocation #${arena.pos + 1}, but when traced it ` +
        (b === undefined ? `made only ${list.length}` : `made one of ${b.length} (${b instanceof Float64Array ? 'float64' : 'float32'})`) +
        ': it allocates otherwise from call to call (sizes that depend on the values, or a buffer it keeps between calls that comes from allocBuffer), which a compiled step cannot replay',
    );
  }
  arena.pos++;
  if (!zeroed) return b;
  // zeroed, as a new typed array is: kernels may rely on it (a loop: fill() is a call into a builtin, slow on the small buffers that dominate)
  if (size <= 64) for (let i = 0; i < size; i++) b[i] = 0;
  else b.fill(0);
  return b;
}

/** @internal A replay that went differently from its trace (thrown by the arena, caught by compile). */
export class ReplayMismatch extends Error {}

/**
 * @internal A counter of changes that a trace cannot see but that change what it would record (a
 * module's training mode, a tensor's requiresGrad): each compiled plan remembers it and is traced
 * again when it moved.
 */
export const stateEpoch = { value: 0 };

/**
 * Tells every compiled step that something it cannot see has changed what its trace would record,
 * so each traces again at its next call. nn calls it when a module switches between `train()` and
 * `eval()`, and a tensor when its `requiresGrad` changes; call it after changing a step's behaviour
 * some other way (a flag your module's forward reads, a replaced parameter object).
 * @example
 * ```ts
 * model.useCache = false; // read by model.forward when traced
 * invalidateCompiled();   // compiled steps trace again
 * ```
 */
export function invalidateCompiled(): void {
  stateEpoch.value++;
}

/**
 * Runs `run` now and returns what it returns; inside a step being traced by {@link compile}, also
 * records it to run again, as JavaScript, at every replay of the compiled step. This is how state
 * that lives outside tensors keeps moving in a compiled step: nn's optimizers (`step`, `zeroGrad`),
 * learning-rate schedules, batch norm's running statistics and gradient clipping are written with
 * it. Use it for your own such code (an exponential moving average of the weights, a step counter).
 *
 * Rule: a replay runs the ops of the trace on the same buffers, then `run` again where it ran
 * before. What `run` reads is read afresh (a parameter's buffer, a learning rate that a schedule
 * changed); what it returns is seen by the step's code only when it is traced, so a compiled step
 * must not compute with it. Outside a trace this is just `run()`.
 * @example
 * ```ts
 * let updates = 0;
 * const step = compile((x) => { const l = net.forward(x).sum(); sideEffect('count', () => updates++); return l; });
 * step(x); step(x); // updates === 2: counted at the trace and at the replay
 * ```
 */
export function sideEffect<T>(name: string, run: () => T): T {
  if (typeof name !== 'string' || typeof run !== 'function') {
    throw new TypeError(`sideEffect: expected a name and a function, sideEffect('ema', () => ...), got ${typeof name} and ${typeof run}`);
  }
  const recorder = topLevelRecorder();
  return recorder !== null ? recorder.sideEffect(name, run, false) : run();
}

/**
 * @internal A sampler called at the top level of a trace (`rand`, `randn`, `randint`, `randperm`):
 * recorded to draw again at every replay, into the buffers it filled when traced, so the tensors
 * made from them hold the new draw. Outside a trace, or inside an op, just `draw()`.
 */
export function randomSource<T>(name: string, draw: () => T): T {
  const recorder = topLevelRecorder();
  return recorder !== null ? recorder.sideEffect(name, draw, true) : draw();
}

/** @internal Refuses the plan being traced with `reason()`, if a trace is running and this is its top level. */
export function refuseAtTopLevel(reason: () => string): void {
  topLevelRecorder()?.refuse(reason());
}

/** @internal The running trace's recorder if the caller is at its top level (not inside an op's forward or a side effect), else null. */
export function topLevelRecorder(): TraceRecorder | null {
  const recorder = compileTrace.recorder;
  return recorder !== null && recorder.atTopLevel() ? recorder : null;
}

/**
 * The language both engines speak: a case is a small program (leaves, ops from the op table,
 * autograd calls) that scripts/torch/chainrule-runner.ts runs with chainrule and reference.py runs
 * with PyTorch. Each run returns the same named results, which compare.ts compares.
 *
 * JSON has no NaN, Infinity or -0, so tensors travel as {@link Encoded} with those as strings.
 */

/** A number as it travels in JSON: finite numbers as themselves, the rest as strings. */
export type Num = number | 'nan' | 'inf' | '-inf' | '-0';

/** A float64 tensor in JSON: its shape and its row-major elements. */
export interface Encoded {
  readonly shape: readonly number[];
  readonly data: readonly Num[];
}

/** Any JSON value (op parameters). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** An op argument: a tensor defined earlier in the program, or a plain number (passed as a JS number / Python float). */
export type Operand = { readonly ref: string } | { readonly num: Num };

/** What a gradient hook does: replace the gradient (scale, clamp) or only record it (observe). */
export type HookSpec =
  | { readonly action: 'scale'; readonly factor: number }
  | { readonly action: 'clamp'; readonly min: number; readonly max: number }
  | { readonly action: 'observe'; readonly name: string };

/** One statement. Every `id` is defined once; a step that reads an id reads the tensor defined under it. */
export type Step =
  /** id := a leaf with these values */
  | { readonly kind: 'leaf'; readonly id: string; readonly value: Encoded; readonly requiresGrad: boolean }
  /** id := op(args, params), op a row of the op table */
  | { readonly kind: 'op'; readonly id: string; readonly op: string; readonly args: readonly Operand[]; readonly params: Json }
  | { readonly kind: 'retainGrad'; readonly id: string }
  | { readonly kind: 'hook'; readonly id: string; readonly hook: HookSpec }
  /** id.backward(seed, options) */
  | { readonly kind: 'backward'; readonly id: string; readonly seed?: Encoded; readonly retainGraph?: boolean; readonly createGraph?: boolean }
  /** ids[i] := d(output)/d(inputs[i]) by chainrule's gradients() / torch.autograd.grad (null when unused) */
  | {
      readonly kind: 'gradients';
      readonly output: string;
      readonly inputs: readonly string[];
      readonly ids: readonly string[];
      readonly seed?: Encoded;
      readonly createGraph?: boolean;
      readonly retainGraph?: boolean;
    }
  /**
   * Second order: s = Σᵢ sum(grads[i] · weights[i]) over the non-null grads, then ids[j] := ds/d(inputs[j]).
   * Rule shared by both engines: an input s does not depend on (or an s that requires no grad) gets zeros.
   */
  | {
      readonly kind: 'gradOfGrads';
      readonly grads: readonly string[];
      readonly weights: readonly Encoded[];
      readonly inputs: readonly string[];
      readonly ids: readonly string[];
    }
  /** id := of.grad, the tensor itself (with its graph after createGraph) */
  | { readonly kind: 'readGrad'; readonly id: string; readonly of: string }
  | { readonly kind: 'zeroGrad'; readonly id: string; readonly setToNone: boolean }
  /** Records a copy of id's value (or of id.grad) now, under `key`. */
  | { readonly kind: 'record'; readonly key: string; readonly id: string; readonly what: 'value' | 'grad' };

/**
 * A graph program. Results: `value:<id>` of every op and `grad:<id>.grad` of every leaf that
 * requires grad and every retained tensor, at the end; `grad:<id>` of every gradients result and
 * `grad:second:<id>` of every gradOfGrads result, when computed; `grad:hook:<name>#<k>` for the k-th call of an observing hook; the records.
 * A readGrad result is not reported by itself: PyTorch may later accumulate into that very tensor in
 * place, which is its own aliasing rule, not a number to compare; record it when it matters.
 */
export interface GraphProgram {
  readonly type: 'graph';
  readonly steps: readonly Step[];
}

/** A layer of a training network. */
export type LayerSpec =
  | {
      readonly kind: 'dense';
      readonly inFeatures: number;
      readonly outFeatures: number;
      readonly init: 'xavier' | 'he' | 'uniform';
      readonly seed: number;
      readonly bias: boolean | 'shared';
      readonly freezeBias?: boolean;
    }
  | { readonly kind: 'sigmoid' | 'tanh' | 'relu' };

export type LossSpec =
  | { readonly name: 'mse'; readonly reduction: 'mean' | 'sum' | 'halfSum' }
  | { readonly name: 'crossEntropy'; readonly reduction: 'mean' | 'sum' }
  | { readonly name: 'bce'; readonly reduction: 'mean' | 'sum' };

export type OptimizerSpec =
  | { readonly name: 'sgd'; readonly lr: number; readonly momentum?: number; readonly dampening?: number; readonly weightDecay?: number; readonly nesterov?: boolean }
  | { readonly name: 'adam' | 'adamw'; readonly lr?: number; readonly betas?: readonly [number, number]; readonly eps?: number; readonly weightDecay?: number }
  | {
      readonly name: 'rmsprop';
      readonly lr?: number;
      readonly alpha?: number;
      readonly eps?: number;
      readonly weightDecay?: number;
      readonly momentum?: number;
      readonly centered?: boolean;
    }
  | { readonly name: 'adagrad'; readonly lr?: number; readonly lrDecay?: number; readonly weightDecay?: number; readonly initialAccumulatorValue?: number; readonly eps?: number };

/** Hyperparameters in camelCase, as chainrule's options; reference.py turns the keys into PyTorch's snake_case. */
export type Options = { readonly [key: string]: number | boolean | string | readonly number[] };

/**
 * A parameter group of a training run: the parameters of the given Dense layers (all when `layers`
 * is absent) and fields (both when `field` is absent), with their own hyperparameters. Every
 * parameter must be in exactly one group.
 */
export interface GroupSpec {
  readonly layers?: readonly number[];
  readonly field?: 'weight' | 'bias';
  readonly options: Options;
}

/**
 * A learning-rate scheduler, built after the optimizer and stepped after each optimizer step, in
 * the order given (several are chained, as PyTorch's chainable schedulers); `reduceLROnPlateau`
 * steps with the loss (training) or the next metric (schedule programs). `sequentialLR` and
 * `chainedScheduler` hold schedulers built before them, in order, on the same optimizer (PyTorch
 * 1.13's ChainedScheduler takes no optimizer: none is passed to either engine).
 */
export type SchedulerSpec =
  | SingleSchedulerSpec
  | { readonly name: 'sequentialLR'; readonly schedulers: readonly SingleSchedulerSpec[]; readonly milestones: readonly number[] }
  | { readonly name: 'chainedScheduler'; readonly schedulers: readonly SingleSchedulerSpec[] };

/** One scheduler with its options. */
export interface SingleSchedulerSpec {
  readonly name: 'stepLR' | 'multiStepLR' | 'exponentialLR' | 'cosineAnnealingLR' | 'linearLR' | 'oneCycleLR' | 'reduceLROnPlateau';
  readonly options: Options;
}

/** Gradient clipping between backward and the optimizer's step. `normType` is a Num ('inf' for the max norm). */
export type ClipSpec =
  | { readonly kind: 'norm'; readonly maxNorm: number; readonly normType?: Num; readonly errorIfNonfinite?: boolean }
  | { readonly kind: 'value'; readonly clipValue: number };

/**
 * A training run: the same network, loss and optimizer in both engines for `steps` steps on one
 * batch. chainrule initialises the weights (`Dense`'s own init); its initial parameters are sent to
 * PyTorch as `initial`, in the order of `net.parameters()`, each with its layer index and field.
 * Results: `value:loss` (the loss before each step), `value:param<i>` (final parameters),
 * `grad:param<i>` (the last step's gradients); with schedulers `value:lr` (each group's learning
 * rate before the first step and after each, [steps + 1, groups]); with a norm clip `value:clipNorm`
 * (the total norm clipGradNorm_ returned at each step).
 *
 * `resumeAt` is for chainrule alone: at that step it saves the network's, the optimizer's and the
 * schedulers' state dicts through JSON, builds everything afresh (other initial weights) and loads
 * them, then goes on; PyTorch runs straight through, so the results show a resumed run ending where
 * an uninterrupted one does.
 */
export interface TrainProgram {
  readonly type: 'train';
  readonly layers: readonly LayerSpec[];
  readonly loss: LossSpec;
  readonly optimizer: OptimizerSpec;
  readonly groups?: readonly GroupSpec[];
  readonly schedulers?: readonly SchedulerSpec[];
  readonly clip?: ClipSpec;
  readonly resumeAt?: number;
  readonly x: Encoded;
  /** Same-shape targets, or class indices for cross-entropy. */
  readonly target: Encoded | readonly number[];
  readonly steps: number;
  /** Filled in by the chainrule run. */
  initial?: readonly { readonly layer: number; readonly field: 'weight' | 'bias'; readonly value: Encoded; readonly requiresGrad: boolean }[];
}

/**
 * A layer of a module program (scripts/torch/layers.ts): chainrule's nn module and PyTorch's
 * torch.nn module of the same name and options. Containers hold further specs; dict keys are
 * lower-case words (both engines name the state by them).
 */
export type ModuleSpec =
  | { readonly kind: 'linear'; readonly inFeatures: number; readonly outFeatures: number; readonly bias: boolean; readonly seed: number }
  | {
      readonly kind: 'batchNorm1d' | 'batchNorm2d';
      readonly numFeatures: number;
      readonly eps?: number;
      readonly momentum?: number | null;
      readonly affine?: boolean;
      readonly trackRunningStats?: boolean;
    }
  | { readonly kind: 'layerNorm'; readonly normalizedShape: readonly number[]; readonly eps?: number; readonly elementwiseAffine?: boolean }
  | { readonly kind: 'embedding'; readonly numEmbeddings: number; readonly embeddingDim: number; readonly paddingIdx?: number | null; readonly seed: number }
  | { readonly kind: 'dropout'; readonly p: number; readonly seed: number }
  | { readonly kind: 'flatten'; readonly startDim?: number; readonly endDim?: number }
  | { readonly kind: 'identity' | 'relu' | 'tanh' }
  | { readonly kind: 'moduleList'; readonly items: readonly ModuleSpec[] }
  | { readonly kind: 'moduleDict'; readonly entries: readonly (readonly [string, ModuleSpec])[] };

/** One forward and backward of a module program: the mode, the input (class indices when `indices`) and the seed of the backward. */
export interface ModuleCall {
  readonly train: boolean;
  readonly input: Encoded;
  /** The input is class indices (an Embedding first): no gradient for it. */
  readonly indices?: boolean;
  readonly seed: Encoded;
}

/**
 * A module (a tree of layers, applied in order) called several times in training or evaluation
 * mode, each call's output backpropagated with its seed, and the parameters then moved by plain
 * gradient descent with `lr` (when given), so that later calls see earlier updates.
 * chainrule builds the module with its own initialisation and sends its state dict as `initial`,
 * which PyTorch loads with strict key checking (so the state dict names must be PyTorch's, in
 * camelCase); a Dropout's masks are the ones chainrule's documented rule draws, sent as `masks`.
 * Results: `value:init:<key>` (the fresh state of layers whose initialisation is not random: the
 * norms), and per call k: `value:out#k`, `grad:input#k`, `grad:<param>#k` and `value:state:<key>#k`.
 */
export interface ModuleProgram {
  readonly type: 'module';
  readonly spec: ModuleSpec;
  readonly calls: readonly ModuleCall[];
  readonly lr?: number;
  /** Filled in by the chainrule run: its state dict at the start. */
  initial?: readonly { readonly key: string; readonly value: Encoded }[];
  /** Filled in by the chainrule run: the mask of each Dropout draw, in the order drawn. */
  masks?: readonly Encoded[];
}

/**
 * A learning-rate schedule without a network: one parameter per group (its options in `groups`),
 * an optimizer that steps without gradients, and schedulers stepped `steps` times after it
 * (ReduceLROnPlateau with `metrics[t]`). Results: `value:lr` and, when the optimizer has a
 * momentum or betas, `value:momentum` (momentum or β₁), each [steps + 1, groups].
 */
export interface ScheduleProgram {
  readonly type: 'schedule';
  readonly optimizer: OptimizerSpec;
  readonly groups: readonly Options[];
  readonly schedulers: readonly SchedulerSpec[];
  readonly steps: number;
  readonly metrics?: readonly number[];
}

/**
 * Gradient clipping of leaves whose gradients are given (null: no gradient). Results: `grad:g<i>`
 * (each gradient after clipping, null where none) and, for a norm clip, `value:total` (the returned norm).
 */
export interface ClipProgram {
  readonly type: 'clip';
  readonly grads: readonly (Encoded | null)[];
  readonly clip: ClipSpec;
}

export type Program = GraphProgram | TrainProgram | ModuleProgram | ScheduleProgram | ClipProgram;

/** A tolerance looser than compare.ts's default, always with the reason it is needed. */
export interface Tolerance {
  readonly rtol: number;
  /** The absolute floor, when it must be looser than the default too. */
  readonly atol?: number;
  readonly reason: string;
}

/**
 * A named case. `known` cites the issue item when the mismatch is a known disagreement, expected to
 * fail until fixed; `tolerance` loosens the comparison of this case's results, with its reason.
 */
export interface Case {
  readonly name: string;
  readonly program: Program;
  readonly known?: string;
  readonly tolerance?: Tolerance;
  /** Name each differing element by the leaf values at its index (special-value cases, whose leaves line up with the results). */
  readonly showInputs?: boolean;
}

/** One engine's results for one case: tensors (or null, e.g. a `.grad` that is None), or the error it threw. */
export interface Outcome {
  readonly results: { readonly [key: string]: Encoded | null };
  readonly error?: string;
}

// ------------------------------------------------------------------ encoding

export function encodeNum(v: number): Num {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return v;
}

export function decodeNum(v: Num): number {
  switch (v) {
    case 'nan':
      return NaN;
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case '-0':
      return -0;
    default:
      return v;
  }
}

export function encode(shape: readonly number[], values: ArrayLike<number>): Encoded {
  return { shape: shape.slice(), data: Array.from(values, encodeNum) };
}

export function decode(e: Encoded): Float64Array {
  return Float64Array.from(e.data, decodeNum);
}

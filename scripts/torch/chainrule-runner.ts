/**
 * Runs a case program with chainrule, through its public API only (tensor, Tensor methods,
 * gradients, the nn modules and optimizers). reference.py is the same interpreter over PyTorch.
 */
import { Tensor, gradients, tensor, zerosLike, type TensorLike } from '@chainrule/core';
import {
  Adagrad,
  Adam,
  AdamW,
  BCELoss,
  ChainedScheduler,
  clipGradNorm_,
  clipGradValue_,
  CosineAnnealingLR,
  CrossEntropyLoss,
  Dense,
  ExponentialLR,
  LinearLR,
  MSELoss,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  ReLU,
  RMSprop,
  SGD,
  Sequential,
  SequentialLR,
  Sigmoid,
  StepLR,
  Tanh,
  type LRScheduler,
  type Module,
  type Optimizer,
  type Parameter,
  type SchedulerStateDict,
} from '@chainrule/nn';
import { OP_BY_NAME, type Args } from './ops.js';
import {
  decode,
  decodeNum,
  encode,
  type ClipProgram,
  type ClipSpec,
  type Encoded,
  type GraphProgram,
  type ModuleProgram,
  type ModuleSpec,
  type GroupSpec,
  type OptimizerSpec,
  type Outcome,
  type Program,
  type ScheduleProgram,
  type SchedulerSpec,
  type Step,
  type TrainProgram,
} from './program.js';
import { RandomGenerator, noGrad, rand } from '@chainrule/core';
import { BatchNorm1d, BatchNorm2d, Dropout, Embedding, Flatten, Identity, LayerNorm, ModuleDict, ModuleList } from '@chainrule/nn';

const leafOf = (e: Encoded, requiresGrad: boolean): Tensor => tensor(decode(e), { shape: e.shape, requiresGrad });
const snapshot = (t: Tensor | null): Encoded | null => (t === null ? null : encode(t.shape, t.buffer));

/** Runs `program`; an exception becomes the outcome's error, with the results gathered until then. */
export function runChainrule(program: Program): Outcome {
  const results: Record<string, Encoded | null> = {};
  try {
    if (program.type === 'graph') runGraph(program, results);
    else if (program.type === 'module') runModule(program, results);
    else if (program.type === 'train') runTraining(program, results);
    else if (program.type === 'schedule') runSchedule(program, results);
    else runClip(program, results);
    return { results };
  } catch (e) {
    return { results, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

function runGraph(program: GraphProgram, results: Record<string, Encoded | null>): void {
  const env = new Map<string, Tensor | null>();
  const get = (id: string): Tensor => {
    const t = env.get(id);
    if (!t) throw new Error(`program: ${id} is ${t === null ? 'null' : 'undefined'}`);
    return t;
  };
  const valueIds: string[] = []; // op results, reported as values at the end
  const gradHolders: string[] = []; // leaves that require grad and retained tensors: their .grad at the end
  const hookCalls = new Map<string, number>();

  const run = (step: Step): void => {
    switch (step.kind) {
      case 'leaf':
        env.set(step.id, leafOf(step.value, step.requiresGrad));
        if (step.requiresGrad) gradHolders.push(step.id);
        return;
      case 'op': {
        const row = OP_BY_NAME.get(step.op);
        if (row === undefined) throw new Error(`program: no op ${step.op} in the table`);
        const args = step.args.map((a) => ('ref' in a ? get(a.ref) : decodeNum(a.num)));
        if (!(args[0] instanceof Tensor)) throw new Error(`program: ${step.op}'s first argument must be a tensor`);
        env.set(step.id, row.chainrule(args as unknown as Args, step.params));
        valueIds.push(step.id);
        return;
      }
      case 'retainGrad':
        get(step.id).retainGrad();
        gradHolders.push(step.id);
        return;
      case 'hook': {
        const hook = step.hook;
        get(step.id).registerHook((g) => {
          if (hook.action === 'scale') return g.mul(hook.factor);
          if (hook.action === 'clamp') return g.clamp(hook.min, hook.max);
          const k = hookCalls.get(hook.name) ?? 0;
          hookCalls.set(hook.name, k + 1);
          results[`grad:hook:${hook.name}#${k}`] = snapshot(g);
          return undefined;
        });
        return;
      }
      case 'backward': {
        const seed = step.seed === undefined ? undefined : leafOf(step.seed, false);
        get(step.id).backward(seed, { retainGraph: step.retainGraph, createGraph: step.createGraph });
        return;
      }
      case 'gradients': {
        const seed = step.seed === undefined ? undefined : [leafOf(step.seed, false)];
        const grads = gradients(get(step.output), step.inputs.map(get), { gradOutputs: seed, createGraph: step.createGraph, retainGraph: step.retainGraph });
        step.ids.forEach((id, i) => {
          env.set(id, grads[i]);
          results[`grad:${id}`] = snapshot(grads[i]);
        });
        return;
      }
      case 'gradOfGrads': {
        // s = Σ sum(dᵢ·wᵢ) over the first-order gradients that exist
        let s: Tensor | null = null;
        step.grads.forEach((id, i) => {
          const d = env.get(id) ?? null;
          if (d === null) return;
          const term = d.mul(leafOf(step.weights[i], false)).sum();
          s = s === null ? term : s.add(term);
        });
        const inputs = step.inputs.map(get);
        const total = s as Tensor | null;
        // the graph is kept: a first-order backward through the same graph may follow
        const grads = total !== null && total.requiresGrad ? gradients(total, inputs, { allowUnused: 'zeros', retainGraph: true }) : inputs.map((x) => zerosLike(x));
        step.ids.forEach((id, i) => {
          env.set(id, grads[i]);
          results[`grad:second:${id}`] = snapshot(grads[i]);
        });
        return;
      }
      case 'readGrad':
        env.set(step.id, get(step.of).grad);
        return;
      case 'zeroGrad':
        get(step.id).zeroGrad({ setToNone: step.setToNone });
        return;
      case 'record':
        results[`${step.what}:${step.key}`] = snapshot(step.what === 'value' ? get(step.id) : get(step.id).grad);
        return;
    }
  };

  for (const step of program.steps) run(step);
  for (const id of valueIds) results[`value:${id}`] = snapshot(get(id));
  for (const id of gradHolders) results[`grad:${id}.grad`] = snapshot(get(id).grad);
}

/** The training run: chainrule's Dense init, then `steps` of zeroGrad, loss, backward, clip, step, schedulers. Fills `program.initial`. */
function runTraining(program: TrainProgram, results: Record<string, Encoded | null>): void {
  /** The network, its parameters with their layer and field, the optimizer and the schedulers; `seedShift` gives other initial weights. */
  const build = (seedShift: number) => {
    const layers: Module[] = program.layers.map((l) => {
      switch (l.kind) {
        case 'dense':
          return new Dense(l.inFeatures, l.outFeatures, { init: l.init, seed: l.seed + seedShift, bias: l.bias, freezeBias: l.freezeBias });
        case 'sigmoid':
          return new Sigmoid();
        case 'tanh':
          return new Tanh();
        case 'relu':
          return new ReLU();
      }
    });
    const net = new Sequential(...layers);
    const params = net.parameters();
    // which layer and field each parameter is, so PyTorch can put it in the same place
    const where = params.map((p) => {
      const layer = layers.findIndex((l) => l instanceof Dense && (l.weight === p || l.bias === p));
      const field = (layers[layer] as Dense).weight === p ? ('weight' as const) : ('bias' as const);
      return { layer, field };
    });
    const optimizer = makeOptimizer(program.optimizer, params, program.groups, where);
    const schedulers = (program.schedulers ?? []).map((spec) => makeScheduler(spec, optimizer));
    return { net, params, where, optimizer, schedulers };
  };
  let run = build(0);
  program.initial = run.params.map((p, i) => ({ ...run.where[i], value: encode(p.shape, p.buffer), requiresGrad: p.requiresGrad }));

  const target: TensorLike = isEncoded(program.target) ? leafOf(program.target, false) : program.target;
  const lossOf = lossFunction(program, target);
  const x = leafOf(program.x, false);
  const losses: number[] = [];
  const norms: number[] = [];
  const lrs: number[][] = [groupValues(run.optimizer, 'lr')];
  for (let step = 0; step < program.steps; step++) {
    if (step === program.resumeAt) {
      // a new process: everything from JSON, into a network with other initial weights
      const saved = JSON.parse(JSON.stringify({ net: run.net.stateDict(), opt: run.optimizer.stateDict(), schedulers: run.schedulers.map((s) => s.stateDict()) })) as {
        net: ReturnType<Module['stateDict']>;
        opt: ReturnType<Optimizer['stateDict']>;
        schedulers: SchedulerStateDict[];
      };
      run = build(1000);
      run.net.loadStateDict(saved.net);
      run.optimizer.loadStateDict(saved.opt);
      run.schedulers.forEach((s, i) => s.loadStateDict(saved.schedulers[i]));
    }
    const { net, optimizer, schedulers } = run;
    optimizer.zeroGrad();
    const l = lossOf(net.forward(x));
    losses.push(l.item());
    l.backward();
    if (program.clip !== undefined) {
      const norm = applyClip(program.clip, run.params);
      if (norm !== undefined) norms.push(norm);
    }
    optimizer.step();
    for (const s of schedulers) {
      if (s instanceof ReduceLROnPlateau) s.step(losses[losses.length - 1]);
      else s.step();
    }
    lrs.push(groupValues(optimizer, 'lr'));
  }
  results['value:loss'] = encode([losses.length], losses);
  if (program.schedulers !== undefined) results['value:lr'] = encode([lrs.length, lrs[0].length], lrs.flat());
  if (program.clip?.kind === 'norm') results['value:clipNorm'] = encode([norms.length], norms);
  run.params.forEach((p, i) => {
    results[`value:param${i}`] = snapshot(p);
    results[`grad:param${i}`] = snapshot(p.grad);
  });
}

/** The optimizer of `spec` over `params`, in the groups `groups` (the parameters of the layers and field each selects). */
function makeOptimizer(spec: OptimizerSpec, params: Parameter[], groups: readonly GroupSpec[] | undefined, where: readonly { layer: number; field: 'weight' | 'bias' }[]): Optimizer {
  const selects = (g: GroupSpec, i: number) => (g.layers === undefined || g.layers.includes(where[i].layer)) && (g.field === undefined || g.field === where[i].field);
  return optimizerOf(spec, groups === undefined ? params : groups.map((g) => ({ params: params.filter((_, i) => selects(g, i)), ...g.options })));
}

/** The optimizer of `spec` (its options) over `input`: parameters or groups. */
function optimizerOf(spec: OptimizerSpec, input: readonly unknown[]): Optimizer {
  const { name, ...options } = spec;
  const o = options as never, ps = input as never;
  switch (name) {
    case 'sgd':
      return new SGD(ps, o);
    case 'adam':
      return new Adam(ps, o);
    case 'adamw':
      return new AdamW(ps, o);
    case 'rmsprop':
      return new RMSprop(ps, o);
    case 'adagrad':
      return new Adagrad(ps, o);
  }
}

type AnyScheduler = LRScheduler | ReduceLROnPlateau | SequentialLR | ChainedScheduler;

function makeScheduler(spec: SchedulerSpec, optimizer: Optimizer): AnyScheduler {
  if (spec.name === 'sequentialLR' || spec.name === 'chainedScheduler') {
    // the schedulers they hold are epoch schedulers (both refuse anything else)
    const schedulers = spec.schedulers.map((s) => makeScheduler(s, optimizer) as LRScheduler);
    return spec.name === 'sequentialLR' ? new SequentialLR(optimizer, { schedulers, milestones: spec.milestones }) : new ChainedScheduler(schedulers);
  }
  const o = spec.options as never;
  switch (spec.name) {
    case 'stepLR':
      return new StepLR(optimizer, o);
    case 'multiStepLR':
      return new MultiStepLR(optimizer, o);
    case 'exponentialLR':
      return new ExponentialLR(optimizer, o);
    case 'cosineAnnealingLR':
      return new CosineAnnealingLR(optimizer, o);
    case 'linearLR':
      return new LinearLR(optimizer, o);
    case 'oneCycleLR':
      return new OneCycleLR(optimizer, o);
    case 'reduceLROnPlateau':
      return new ReduceLROnPlateau(optimizer, o);
  }
}

/** Each group's `key` (`lr`, or `momentum`: its momentum or β₁). */
function groupValues(optimizer: Optimizer, key: 'lr' | 'momentum'): number[] {
  return optimizer.paramGroups.map((g) => {
    const group = g as unknown as { lr: number; momentum?: number; betas?: readonly number[] };
    return key === 'lr' ? group.lr : (group.momentum ?? group.betas![0]);
  });
}

/** Clips the gradients of `params`; the total norm for a norm clip. */
function applyClip(clip: ClipSpec, params: readonly Tensor[]): number | undefined {
  if (clip.kind === 'value') {
    clipGradValue_(params, clip.clipValue);
    return undefined;
  }
  return clipGradNorm_(params, clip.maxNorm, { normType: clip.normType === undefined ? undefined : decodeNum(clip.normType), errorIfNonfinite: clip.errorIfNonfinite });
}

/** A schedule: one parameter per group, the optimizer stepping without gradients, the schedulers after it. */
function runSchedule(program: ScheduleProgram, results: Record<string, Encoded | null>): void {
  const groups = program.groups.map((options) => ({ params: [tensor([0], { requiresGrad: true })], ...options }));
  const optimizer = optimizerOf(program.optimizer, groups);
  const schedulers = program.schedulers.map((spec) => makeScheduler(spec, optimizer));
  const hasMomentum = 'momentum' in optimizer.defaults || 'betas' in optimizer.defaults;
  const lrs = [groupValues(optimizer, 'lr')];
  const momenta = hasMomentum ? [groupValues(optimizer, 'momentum')] : [];
  for (let t = 0; t < program.steps; t++) {
    optimizer.step();
    for (const s of schedulers) {
      if (s instanceof ReduceLROnPlateau) s.step(program.metrics![t]);
      else s.step();
    }
    lrs.push(groupValues(optimizer, 'lr'));
    if (hasMomentum) momenta.push(groupValues(optimizer, 'momentum'));
  }
  results['value:lr'] = encode([lrs.length, groups.length], lrs.flat());
  if (hasMomentum) results['value:momentum'] = encode([momenta.length, groups.length], momenta.flat());
}

/** Clipping of given gradients. */
function runClip(program: ClipProgram, results: Record<string, Encoded | null>): void {
  const params = program.grads.map((g) => {
    const p = tensor(g === null ? [0] : decode(g), g === null ? {} : { shape: g.shape, requiresGrad: true });
    if (g !== null) p.grad = leafOf(g, false);
    return p;
  });
  const total = applyClip(program.clip, params);
  if (total !== undefined) results['value:total'] = encode([], [total]);
  params.forEach((p, i) => (results[`grad:g${i}`] = snapshot(p.grad)));
}

/** The training run's loss as a function of the network's output, through the loss modules. */
function lossFunction(program: TrainProgram, target: TensorLike): (out: Tensor) => Tensor {
  const loss = program.loss;
  switch (loss.name) {
    case 'mse': {
      const m = new MSELoss({ reduction: loss.reduction });
      return (out) => m.forward(out, target);
    }
    case 'crossEntropy': {
      const m = new CrossEntropyLoss({ reduction: loss.reduction });
      return (out) => m.forward(out, target);
    }
    case 'bce': {
      const m = new BCELoss({ reduction: loss.reduction });
      return (out) => m.forward(out, target);
    }
  }
}

function isEncoded(t: Encoded | readonly number[]): t is Encoded {
  return !Array.isArray(t);
}

// ------------------------------------------------------------------ module programs

/** A module of the program's tree and how to call it: built from its spec, applied in order. */
interface Built {
  readonly module: Module;
  /** Applies the module (a container applies its items in order); a Dropout first records the mask it is about to draw. */
  readonly apply: (x: Tensor) => Tensor;
}

/** The layers whose initial state is not random (reported as `value:init:<key>` before PyTorch loads chainrule's). */
const DETERMINISTIC_INIT = new Set(['batchNorm1d', 'batchNorm2d', 'layerNorm']);

/** Builds `spec`; `masks` receives each Dropout mask as chainrule's rule draws it; `fixedPrefixes` the names of deterministic layers. */
function build(spec: ModuleSpec, masks: Encoded[], fixedPrefixes: string[], prefix: string): Built {
  const leaf = (module: Module): Built => {
    if (DETERMINISTIC_INIT.has(spec.kind)) fixedPrefixes.push(prefix);
    return { module, apply: (x) => module.forward(x) };
  };
  switch (spec.kind) {
    case 'linear':
      return leaf(new Dense(spec.inFeatures, spec.outFeatures, { bias: spec.bias, seed: spec.seed }));
    case 'batchNorm1d':
    case 'batchNorm2d': {
      const options = { eps: spec.eps, momentum: spec.momentum, affine: spec.affine, trackRunningStats: spec.trackRunningStats };
      return leaf(spec.kind === 'batchNorm1d' ? new BatchNorm1d(spec.numFeatures, options) : new BatchNorm2d(spec.numFeatures, options));
    }
    case 'layerNorm':
      return leaf(new LayerNorm(spec.normalizedShape, { eps: spec.eps, elementwiseAffine: spec.elementwiseAffine }));
    case 'embedding':
      return leaf(new Embedding(spec.numEmbeddings, spec.embeddingDim, { paddingIdx: spec.paddingIdx, seed: spec.seed }));
    case 'dropout': {
      const module = new Dropout(spec.p, { seed: spec.seed });
      // the documented mask rule, replayed on a generator of the same seed: kept where u < 1 − p
      const replica = new RandomGenerator(spec.seed);
      return {
        module,
        apply: (x) => {
          if (module.training && spec.p > 0 && spec.p < 1) masks.push(snapshot(rand(x.shape, { generator: replica }).lt(1 - spec.p))!);
          return module.forward(x);
        },
      };
    }
    case 'flatten':
      return leaf(new Flatten(spec.startDim, spec.endDim));
    case 'identity':
      return leaf(new Identity());
    case 'relu':
      return leaf(new ReLU());
    case 'tanh':
      return leaf(new Tanh());
    case 'moduleList': {
      const items = spec.items.map((item, i) => build(item, masks, fixedPrefixes, join(prefix, String(i))));
      return { module: new ModuleList(items.map((b) => b.module)), apply: (x) => items.reduce((h, b) => b.apply(h), x) };
    }
    case 'moduleDict': {
      const items = spec.entries.map(([key, item]) => [key, build(item, masks, fixedPrefixes, join(prefix, key))] as const);
      return { module: new ModuleDict(items.map(([key, b]) => [key, b.module] as const)), apply: (x) => items.reduce((h, [, b]) => b.apply(h), x) };
    }
  }
}

const join = (prefix: string, name: string): string => (prefix === '' ? name : `${prefix}.${name}`);

/** The module program: chainrule's initial state and masks go into the program for PyTorch. */
function runModule(program: ModuleProgram, results: Record<string, Encoded | null>): void {
  const masks: Encoded[] = [];
  const fixed: string[] = [];
  const { module, apply } = build(program.spec, masks, fixed, '');
  const stateOf = () => Object.entries(module.stateDict()).map(([key, s]) => ({ key, value: encode(s.shape, s.data) }));
  program.initial = stateOf();
  for (const { key, value } of program.initial) {
    if (fixed.some((p) => p === '' || key.startsWith(`${p}.`))) results[`value:init:${key}`] = value;
  }
  program.calls.forEach((call, k) => {
    module.train(call.train);
    module.zeroGrad();
    const x = leafOf(call.input, !call.indices);
    const out = apply(x);
    results[`value:out#${k}`] = snapshot(out);
    out.backward(leafOf(call.seed, false));
    if (!call.indices) results[`grad:input#${k}`] = snapshot(x.grad);
    for (const [name, p] of module.namedParameters()) results[`grad:${name}#${k}`] = snapshot(p.grad);
    if (program.lr !== undefined) {
      const lr = program.lr;
      noGrad(() => {
        for (const p of module.parameters()) if (p.grad !== null) p.sub_(p.grad.mul(lr));
      });
    }
    for (const { key, value } of stateOf()) results[`value:state:${key}#${k}`] = value;
  });
  program.masks = masks;
}

/**
 * Runs a case program with chainrule, through its public API only (tensor, Tensor methods,
 * gradients, the nn modules and optimizers). reference.py is the same interpreter over PyTorch.
 */
import { RandomGenerator, Tensor, gradients, noGrad, rand, tensor, zerosLike, type TensorLike } from '@chainrule/core';
import { Adam, BCELoss, CrossEntropyLoss, Dense, MSELoss, ReLU, SGD, Sequential, Sigmoid, Tanh, type Module, type Optimizer } from '@chainrule/nn';
import { BatchNorm1d, BatchNorm2d, Dropout, Embedding, Flatten, Identity, LayerNorm, ModuleDict, ModuleList } from '@chainrule/nn';
import { OP_BY_NAME, type Args } from './ops.js';
import { decode, decodeNum, encode, type Encoded, type GraphProgram, type ModuleProgram, type ModuleSpec, type Outcome, type Program, type Step, type TrainProgram } from './program.js';

const leafOf = (e: Encoded, requiresGrad: boolean): Tensor => tensor(decode(e), { shape: e.shape, requiresGrad });
const snapshot = (t: Tensor | null): Encoded | null => (t === null ? null : encode(t.shape, t.buffer));

/** Runs `program`; an exception becomes the outcome's error, with the results gathered until then. */
export function runChainrule(program: Program): Outcome {
  const results: Record<string, Encoded | null> = {};
  try {
    if (program.type === 'graph') runGraph(program, results);
    else if (program.type === 'module') runModule(program, results);
    else runTraining(program, results);
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

/** The training run: chainrule's Dense init, then `steps` of zeroGrad, loss, backward, step. Fills `program.initial`. */
function runTraining(program: TrainProgram, results: Record<string, Encoded | null>): void {
  const layers: Module[] = program.layers.map((l) => {
    switch (l.kind) {
      case 'dense':
        return new Dense(l.inFeatures, l.outFeatures, { init: l.init, seed: l.seed, bias: l.bias, freezeBias: l.freezeBias });
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
  const initial = params.map((p) => {
    const layer = layers.findIndex((l) => l instanceof Dense && (l.weight === p || l.bias === p));
    const field = (layers[layer] as Dense).weight === p ? ('weight' as const) : ('bias' as const);
    return { layer, field, value: encode(p.shape, p.buffer), requiresGrad: p.requiresGrad };
  });
  program.initial = initial;

  const target: TensorLike = isEncoded(program.target) ? leafOf(program.target, false) : program.target;
  const lossOf = lossFunction(program, target);
  const o = program.optimizer;
  const optimizer: Optimizer =
    o.name === 'sgd'
      ? new SGD(params, { lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay, nesterov: o.nesterov })
      : new Adam(params, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay });
  const x = leafOf(program.x, false);
  const losses: number[] = [];
  for (let step = 0; step < program.steps; step++) {
    optimizer.zeroGrad();
    const l = lossOf(net.forward(x));
    losses.push(l.item());
    l.backward();
    optimizer.step();
  }
  results['value:loss'] = encode([losses.length], losses);
  params.forEach((p, i) => {
    results[`value:param${i}`] = snapshot(p);
    results[`grad:param${i}`] = snapshot(p.grad);
  });
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

/**
 * Runs a case program with chainrule, through its public API only (tensor, Tensor methods,
 * gradients, the nn modules and optimizers). reference.py is the same interpreter over PyTorch.
 */
import { Tensor, gradients, tensor, zerosLike, type TensorLike } from '@chainrule/core';
import { Adam, BCELoss, CrossEntropyLoss, Dense, MSELoss, ReLU, SGD, Sequential, Sigmoid, Tanh, type Module, type Optimizer } from '@chainrule/nn';
import { OP_BY_NAME, type Args } from './ops.js';
import { decode, decodeNum, encode, type Encoded, type GraphProgram, type Outcome, type Program, type Step, type TrainProgram } from './program.js';

const leafOf = (e: Encoded, requiresGrad: boolean): Tensor => tensor(decode(e), { shape: e.shape, requiresGrad });
const snapshot = (t: Tensor | null): Encoded | null => (t === null ? null : encode(t.shape, t.buffer));

/** Runs `program`; an exception becomes the outcome's error, with the results gathered until then. */
export function runChainrule(program: Program): Outcome {
  const results: Record<string, Encoded | null> = {};
  try {
    if (program.type === 'graph') runGraph(program, results);
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

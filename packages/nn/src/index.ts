/**
 * @chainrule/nn: modules, layers, losses and optimizers on @chainrule/core, in the shape of
 * PyTorch's `torch.nn` and `torch.optim`. Node-only `save` / `load` live in `@chainrule/nn/node`.
 *
 * @example
 * ```ts
 * import { tensor } from '@chainrule/core';
 * import { Dense, Sequential, Sigmoid, MSELoss, SGD } from '@chainrule/nn';
 * // The article's 2-2-2 network: shared, frozen biases; E = Σ ½ (target − out)²; η = 0.5.
 * const net = new Sequential(
 *   new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true }),
 *   new Sigmoid(),
 *   new Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], bias: 'shared', biasValue: 0.6, freezeBias: true }),
 *   new Sigmoid(),
 * );
 * const loss = new MSELoss({ reduction: 'halfSum' });
 * const opt = new SGD(net.parameters(), { lr: 0.5 });
 * const x = tensor([0.05, 0.1]), target = tensor([0.01, 0.99]);
 * for (let i = 0; i < 10000; i++) {
 *   opt.zeroGrad();
 *   loss.forward(net.forward(x), target).backward();
 *   opt.step();
 * }
 * ```
 * @packageDocumentation
 */
export { Parameter, isParameter, type ParameterOptions } from './parameter.js';
export { Module } from './module.js';
export { stateDict, loadStateDict, type StateDict, type TensorState, type LoadStateDictOptions, type LoadStateDictResult } from './state-dict.js';
export { initBound, uniformTensor, type InitScheme } from './init.js';
export { linear, Dense, Linear, type DenseOptions } from './linear.js';
export { Sigmoid, Tanh, ReLU, Softmax } from './activations.js';
export { Sequential } from './sequential.js';
export {
  mseLoss,
  MSELoss,
  crossEntropy,
  CrossEntropyLoss,
  binaryCrossEntropy,
  BCELoss,
  type Reduction,
  type MSEReduction,
} from './losses.js';
export { Optimizer, type ParamsInput } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
// Training tools (issue 9): optimizers with parameter groups and state dicts, gradient clipping,
// learning-rate schedulers, datasets and loaders, accuracy and summary.
export {
  type ParamsOrGroups,
  type ParamGroup,
  type ParamGroupInput,
  type HyperparameterSpec,
  type StateSpec,
  type ParamState,
  type OptimizerStateDict,
  type OptimizerGroupState,
} from './optim/optimizer.js';
export { type SGDHyperparameters, type SGDParamGroup, type SGDState } from './optim/sgd.js';
export { AdamW, type AdamHyperparameters, type AdamParamGroup, type AdamState } from './optim/adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropHyperparameters, type RMSpropParamGroup, type RMSpropState } from './optim/rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradHyperparameters, type AdagradParamGroup, type AdagradState } from './optim/adagrad.js';
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from './clip-grad.js';
export { LRScheduler, type SchedulerStateDict, type SchedulerStateValue, type SchedulerSetting, type GroupAssignment } from './optim/lr-scheduler.js';
export { StepLR, type StepLROptions } from './optim/step-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './optim/multi-step-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './optim/exponential-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './optim/cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './optim/linear-lr.js';
export { OneCycleLR, type OneCycleLROptions } from './optim/one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './optim/reduce-lr-on-plateau.js';
export { type ForwardHook } from './module.js';
export { TensorDataset, Subset, randomSplit, type Dataset, type RandomSplitOptions } from './data/dataset.js';
export { DataLoader, collate, type DataLoaderOptions, type Collated } from './data/data-loader.js';
export { accuracy } from './accuracy.js';
export { summary, type SummaryOptions } from './summary.js';

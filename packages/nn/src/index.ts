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
export { Sigmoid, Tanh, ReLU, Softmax, LogSoftmax, GELU, SiLU, Mish, LeakyReLU, ELU, SELU, Softplus, LogSigmoid, Hardtanh } from './activations.js';
export { Sequential } from './sequential.js';
// init, layers, containers and losses (issue 9)
export {
  calculateGain,
  uniform_,
  normal_,
  constant_,
  zeros_,
  ones_,
  xavierUniform_,
  xavierNormal_,
  kaimingUniform_,
  kaimingNormal_,
  type InitOptions,
  type XavierOptions,
  type KaimingOptions,
  type Nonlinearity,
} from './init.js';
export { Identity } from './identity.js';
export { Flatten } from './flatten.js';
export { ModuleList } from './module-list.js';
export { ModuleDict } from './module-dict.js';
export { dropout, Dropout, type DropoutOptions } from './dropout.js';
export { layerNorm, LayerNorm, type LayerNormOptions } from './layer-norm.js';
export { batchNorm, BatchNorm1d, BatchNorm2d, BatchNormBase, type BatchNormOptions, type BatchNormLayerOptions } from './batch-norm.js';
export { embedding, Embedding, type EmbeddingOptions } from './embedding.js';
// convolution, pooling and attention layers
export { Conv1d, Conv2d, type ConvLayerOptions, type PaddingMode } from './conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { multiheadAttention, MultiheadAttention, type AttentionMask, type NestedBooleans, type AttentionOptions, type AttentionParameters, type AttentionResult, type MultiheadAttentionOptions } from './attention.js';
export {
  mseLoss,
  MSELoss,
  l1Loss,
  L1Loss,
  smoothL1Loss,
  SmoothL1Loss,
  huberLoss,
  HuberLoss,
  type Reduction,
  type MSEReduction,
  type LossOptions,
} from './losses.js';
export { crossEntropy, CrossEntropyLoss, nllLoss, NLLLoss, type CrossEntropyOptions, type NLLLossOptions } from './cross-entropy.js';
export {
  binaryCrossEntropy,
  BCELoss,
  binaryCrossEntropyWithLogits,
  BCEWithLogitsLoss,
  type BCEOptions,
  type BCEWithLogitsOptions,
} from './binary-cross-entropy.js';
export { klDiv, KLDivLoss, type KLDivOptions, type KLDivReduction } from './kl-div.js';
export { Optimizer, type ParamsInput } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
// Hand-off to PyTorch and ONNX Runtime: safetensors, ONNX export and import.
export { toSafetensors, fromSafetensors, readSafetensorsMetadata, type SafetensorsMetadata } from './safetensors.js';
export { exportOnnx, exportOnnxModel, type ExportOnnxOptions } from './onnx/export.js';
export { importOnnx, OnnxModule, type ImportOnnxOptions } from './onnx/import.js';
export { EXPORT_RULES, IMPORT_RULES, REFUSED_OPS, type ExportRule, type ExportNode, type OnnxEmitter, type ImportRule, type ImportNode } from './onnx/op-table.js';
export { encodeModel, decodeModel, DataType, type OnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxAttribute, type OnnxValueInfo } from './onnx/onnx-proto.js';
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
export { SequentialLR, type SequentialLROptions } from './optim/sequential-lr.js';
export { ChainedScheduler, type ChainedSchedulerOptions } from './optim/chained-scheduler.js';
export { type ForwardHook } from './module.js';
export { TensorDataset, Subset, randomSplit, type Dataset, type RandomSplitOptions } from './data/dataset.js';
export { DataLoader, collate, type DataLoaderOptions, type Collated } from './data/data-loader.js';
export { accuracy } from './accuracy.js';
export { compileTrainStep, type CompileTrainStepOptions, type TrainingLoss } from './compile-train-step.js';
export { summary, type SummaryOptions } from './summary.js';

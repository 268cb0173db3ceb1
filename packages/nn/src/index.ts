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
// convolution, pooling and attention layers
export { Conv1d, Conv2d, type ConvLayerOptions, type PaddingMode } from './conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { multiheadAttention, MultiheadAttention, type AttentionMask, type NestedBooleans, type AttentionOptions, type AttentionParameters, type AttentionResult, type MultiheadAttentionOptions } from './attention.js';
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
// Hand-off to PyTorch and ONNX Runtime: safetensors, ONNX export and import.
export { toSafetensors, fromSafetensors, readSafetensorsMetadata, type SafetensorsMetadata } from './safetensors.js';
export { exportOnnx, exportOnnxModel, type ExportOnnxOptions } from './onnx/export.js';
export { importOnnx, OnnxModule, type ImportOnnxOptions } from './onnx/import.js';
export { EXPORT_RULES, IMPORT_RULES, type ExportRule, type ExportNode, type OnnxEmitter, type ImportRule, type ImportNode } from './onnx/op-table.js';
export { encodeModel, decodeModel, DataType, type OnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxAttribute, type OnnxValueInfo } from './onnx/onnx-proto.js';

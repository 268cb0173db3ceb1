/**
 * @chainrule/core: n-dimensional float64 tensors on ndarray with reverse-mode automatic
 * differentiation. Ops record themselves as they run; `backward()` walks the recorded graph.
 *
 * @example
 * ```ts
 * import { tensor } from '@chainrule/core';
 * const w = tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true });
 * const x = tensor([0.05, 0.1]);
 * const loss = w.matmul(x).add(0.35).sigmoid().sum();
 * loss.backward();
 * console.log(w.grad!.toString());
 * ```
 * @packageDocumentation
 */
export { Tensor, tensor, asTensor, isTensor, type TensorLike, type NestedArray, type TensorOptions, type GradHook, type KeepdimsArgument } from './tensor.js';
export { type DType, type Buffer, type TensorData, allocBuffer, allocOutput, copyOf, checkSize, getMaxElements, setMaxElements } from './dtype.js';
export { type Shape, broadcastShapes, frozenShape, shapesEqual, sizeOf, stridesOf } from './shape.js';
export { ChainruleError, ShapeError, DTypeError, AutogradError, AnomalyError, fmtShape } from './errors.js';
export { zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, rand, randn, type RandomOptions } from './create.js';
export { RandomGenerator, manualSeed } from './random.js';
export { setNumThreads, getNumThreads } from './kernels/matmul-threads.js';
export { noGrad, enableGrad, isGradEnabled, traceOps, type OpTrace } from './grad-mode.js';
export {
  defineOp,
  defineVariadicOp,
  Op,
  OpContext,
  type OpSpec,
  type VariadicOpSpec,
  type GradRule,
  type GradRules,
  type SavedTensors,
  type OpFunction,
  type TensorsFor,
  type TensorLikesFor,
} from './op.js';
export { backward, gradients, graphOrder, reduceToShape, type BackwardOptions, type GraphOrder } from './autograd/engine.js';
export { grad, valueAndGrad, type GradOptions, type GradResult } from './autograd/functional.js';
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradcheckReport, type GradcheckEntry } from './autograd/gradcheck.js';
export { detectAnomaly, setAnomalyDetection, isAnomalyEnabled } from './autograd/anomaly.js';
export { fromNdarray, toNdarray, type View } from './ndarray-interop.js';
export * from './ops/index.js';
export { explain, nameElements, getElementNames, type Explanation, type ExplainPath, type ExplainFactor, type ExplainOptions } from './autograd/explain.js';
export { toDot, toMermaid, toSvg, buildPicture, type GraphPictureOptions, type Picture, type PictureNode, type PictureEdge } from './autograd/graph-picture.js';
export { compile, type CompileOptions, type CompiledStep, type CompiledRun } from './compile/compile.js';
export { sideEffect, invalidateCompiled } from './compile/trace-state.js';

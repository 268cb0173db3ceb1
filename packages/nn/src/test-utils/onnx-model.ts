// Helpers of the ONNX tests.
import type { OnnxGraph, OnnxModel } from '../onnx/onnx-proto.js';

/** A model of opset 17 around `graph`, as a hand-written test file (PyTorch's writer's fields, empty). */
export function opset17Model(graph: OnnxGraph): OnnxModel {
  return { irVersion: 8, opsetImports: [{ domain: '', version: 17 }], producerName: 'test', producerVersion: '0', docString: '', metadataProps: [], graph };
}

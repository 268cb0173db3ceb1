// Unit tests of the encoding and of what export and import refuse. Numbers are checked against the
// real engines in scripts/handoff (ONNX Runtime, onnx.checker, PyTorch), not here.
import { describe, expect, it } from 'vitest';
import { bernoulli, defineOp, explain, multinomial, oneHot, randperm, tensor, type Tensor } from '@chainrule/core';
import { Tanh } from '../activations.js';
import { Dense } from '../linear.js';
import { Module } from '../module.js';
import { Sequential } from '../sequential.js';
import { mseLoss } from '../losses.js';
import { exportOnnx, exportOnnxModel } from './export.js';
import { importOnnx } from './import.js';
import { REFUSED_OPS } from './op-table.js';
import { DataType, decodeModel, encodeModel, type OnnxModel } from './onnx-proto.js';
import { ProtoWriter, asInt, readFields, repeatedInt } from './protobuf.js';
import { opset17Model } from '../test-utils/onnx-model.js';

const mlp = () => new Sequential(new Dense(3, 4, { seed: 1 }), new Tanh(), new Dense(4, 2, { seed: 2 }));

describe('protobuf wire format', () => {
  it('writes varints as protobuf does, negatives and INT64_MAX as 10 bytes', () => {
    const w = new ProtoWriter();
    w.int64(1, 150);
    expect(Array.from(w.finish())).toEqual([8, 150, 1]); // protobuf's documented example: 150 is 96 01
    const v = new ProtoWriter();
    v.int64(1, -1);
    v.packedInt64(2, [1, 9223372036854775807n, -2]);
    const fields = readFields(v.finish(), 'test');
    expect(asInt(fields[0])).toBe(-1);
    expect(repeatedInt(fields, 2, 'test')).toEqual([1, 9223372036854775807, -2]);
    expect(() => readFields(new Uint8Array([10, 5, 1]), 'Test')).toThrow('not a valid ONNX file: Test: a field of 5 bytes runs past the end');
  });

  it('decodes what it encodes', () => {
    const model: OnnxModel = {
      irVersion: 8,
      opsetImports: [{ domain: '', version: 17 }],
      producerName: 'p',
      producerVersion: '1',
      docString: 'd',
      metadataProps: [{ key: 'k', value: 'v' }],
      graph: {
        name: 'g',
        nodes: [{ opType: 'Clip', inputs: ['x', '', 'm'], outputs: ['y'], attributes: [{ name: 'a', kind: 'ints', value: [1, -1] }, { name: 'f', kind: 'float', value: 0.5 }, { name: 's', kind: 'string', value: 'add' }] }],
        initializers: [
          { name: 'm', dims: [2], dataType: DataType.DOUBLE, values: new Float64Array([0.1, -0]) },
          { name: 'i', dims: [1], dataType: DataType.INT64, values: [-3] },
        ],
        inputs: [{ name: 'x', elemType: DataType.DOUBLE, shape: ['batch', 2] }],
        outputs: [{ name: 'y', elemType: DataType.DOUBLE, shape: ['batch', 2] }],
      },
    };
    const back = decodeModel(encodeModel(model));
    expect({ ...back, graph: { ...back.graph, nodes: back.graph.nodes.map((n) => ({ ...n })) } }).toEqual(model);
  });
});

describe('exportOnnx', () => {
  it("writes nn's Dense as Gemm with the parameters under PyTorch's names, and a symbolic batch", () => {
    const m = exportOnnxModel(mlp(), [tensor([[1, 2, 3], [4, 5, 6]])], { inputNames: ['x'], outputNames: ['y'], batchAxis: 0 });
    expect(m.opsetImports).toEqual([{ domain: '', version: 17 }]);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Gemm', 'Tanh', 'Gemm']);
    expect(m.graph.initializers.map((t) => t.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(m.graph.inputs).toEqual([{ name: 'x', elemType: DataType.DOUBLE, shape: ['batch', 3] }]);
    expect(m.graph.outputs).toEqual([{ name: 'y', elemType: DataType.DOUBLE, shape: ['batch', 2] }]);
    expect(m.docString).toBe(String(mlp()));
  });

  it("writes core's softmax and logSoftmax as one node each, and logsumexp through its stable shift", () => {
    class Heads extends Module {
      forward(x: Tensor): Tensor {
        return x.softmax(0).add(x.logSoftmax(-1)).add(x.logsumexp(1, true));
      }
    }
    const ops = exportOnnxModel(new Heads(), [tensor([[1, 2, 3], [4, 5, 7]])]).graph.nodes.map((n) => n.opType).filter((t) => t !== 'Constant');
    expect(ops).toEqual(['Softmax', 'LogSoftmax', 'Add', 'ReduceMax', 'IsInf', 'Where', 'Sub', 'Exp', 'ReduceSum', 'Log', 'Add', 'Add']);
  });

  it("writes core's mean as ReduceMean, which follows a dynamic batch, and a sum divided by a constant as such", () => {
    class Means extends Module {
      forward(x: Tensor): Tensor {
        return x.mean(0).add(x.sum(0).div(2));
      }
    }
    const m = exportOnnxModel(new Means(), [tensor([[1, 2], [3, 5]])], { batchAxis: 0 });
    expect(m.graph.nodes.map((n) => n.opType).filter((t) => t !== 'Constant')).toEqual(['ReduceMean', 'ReduceSum', 'Div', 'Add']);
  });

  it('restores training mode and frozen parameters after tracing', () => {
    const net = mlp();
    (net.layers[0] as Dense).bias!.requiresGrad = false;
    exportOnnx(net, [tensor([[1, 2, 3]])]);
    expect(net.training).toBe(true);
    expect(net.parameters().map((p) => p.requiresGrad)).toEqual([true, false, true, true]);
  });

  it('refuses an op without an ONNX form, naming it', () => {
    const cube = defineOp({ name: 'cube', inputs: ['x'], forward: (_ctx, x) => x.mul(x).mul(x), backward: { x: (_ctx, grad) => grad } });
    class Cube extends Module {
      forward(x: Tensor): Tensor {
        return cube(x);
      }
    }
    expect(() => exportOnnx(new Cube(), [tensor([1, 2])])).toThrow(/exportOnnx: op 'cube' \(result of shape \[2\]\) has no ONNX form in chainrule's op table; ops that export: .*linear/);
  });

  it('refuses a value computed from the inputs outside the recorded graph, and a graph that depends on them', () => {
    class Masked extends Module {
      forward(x: Tensor): Tensor {
        return x.mul(x.gt(0).detach());
      }
    }
    expect(() => exportOnnx(new Masked(), [tensor([1, 2, -3])])).toThrow("exportOnnx: input 'b' of mul (shape [3]) is a constant in the recorded graph but changes with the inputs");
    class Branchy extends Module {
      forward(x: Tensor): Tensor {
        return x.slice(0, 0, 1).item() > 0 ? x.exp() : x.neg(); // a branch on the first value
      }
    }
    expect(() => exportOnnx(new Branchy(), [tensor([1, 2, -4])])).toThrow('exportOnnx: the forward computed exp with params undefined on the example inputs, but neg');
    expect(() => exportOnnx(new Branchy(), [tensor([1, 2, -4])], { check: false })).not.toThrow();
  });

  it('exports ops without a gradient rule, which the trace records: comparisons, argmax, argsort, oneHot', () => {
    class Picks extends Module {
      forward(x: Tensor): Tensor {
        return x.mul(x.gt(0)).add(oneHot(x.argmax(1), 3)).add(x.argsort({ descending: true }));
      }
    }
    const ops = exportOnnxModel(new Picks(), [tensor([[1, -2, 3], [0.5, 4, -1]])]).graph.nodes.map((n) => n.opType).filter((t) => t !== 'Constant');
    expect(ops).toEqual(['Greater', 'Cast', 'Mul', 'ArgMax', 'Cast', 'Cast', 'Unsqueeze', 'Equal', 'Cast', 'Add', 'Shape', 'TopK', 'Cast', 'Add']);
  });

  it('refuses the samplers by name with the reason, also where the draw records nothing', () => {
    const forward = (f: (x: Tensor) => Tensor) =>
      new (class extends Module {
        forward(x: Tensor): Tensor {
          return f(x);
        }
      })();
    const x = tensor([[0.2, 0.5, 0.9]]);
    expect(() => exportOnnx(forward((v) => v.add(randperm(3, { seed: 1 }))), [x])).toThrow(`exportOnnx: the forward calls randperm, which does not export: ${REFUSED_OPS.randperm}`);
    expect(() => exportOnnx(forward((v) => v.mul(bernoulli(tensor([[0.5, 0.5, 0.5]]), { seed: 1 }))), [x])).toThrow("calls bernoulli, which does not export: ONNX's Bernoulli draws from the runtime's own generator");
    expect(() => exportOnnx(forward((v) => v.add(multinomial(v, 3, { seed: 1 }))), [x])).toThrow('calls multinomial, which does not export');
  });

  it('says so when the forward fails on the changed inputs of the check', () => {
    class Square extends Module {
      forward(x: Tensor): Tensor {
        return x.reshape([x.shape[0], 1, x.shape[0], -1]);
      }
    }
    expect(() => exportOnnx(new Square(), [tensor([[1, 2], [3, 4]])], { batchAxis: 0 })).toThrow(
      'exportOnnx: the check ran the forward again on changed inputs (reversed, scaled, one sample more along the batch axis) and it failed: reshape: cannot reshape [3,2]',
    );
  });
});

describe('importOnnx', () => {
  it('gives a module whose initializers are named Parameters that train and explain', () => {
    const net = mlp();
    const x = tensor([[0.5, -1, 2]]);
    const imported = importOnnx(exportOnnx(net, [x]));
    expect(imported.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(imported.opTypes).toEqual(['Gemm', 'Tanh', 'Gemm']);
    expect(imported.forward(x).toArray()).toEqual(net.forward(x).toArray());
    const loss = mseLoss(imported.forward(x), tensor([[1, 0]]));
    loss.backward();
    expect(imported.parameters().every((p) => p.grad !== null)).toBe(true);
    const w = imported.parameters()[2];
    expect(explain(mseLoss(imported.forward(x), tensor([[1, 0]])), w, 0).toString()).toContain('2.weight');
    // a PyTorch-named state dict loads straight in
    imported.loadStateDict(net.stateDict());
  });

  it('reads the multi-output and integer ops of PyTorch-written files: TopK, Split, Div of shapes, negative Slice steps', () => {
    const int64 = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: DataType.INT64, values });
    const model = opset17Model({
      name: 'g',
      initializers: [int64('k', [2]), int64('sizes', [1, 3]), int64('axis1', [1]), int64('three', [3]), int64('big', [-9223372036854775808]), int64('last', [-1])],
      inputs: [{ name: 'x', elemType: DataType.DOUBLE, shape: [2, 4] }],
      outputs: [{ name: 'y', elemType: DataType.DOUBLE, shape: [2, 2] }, { name: 'i', elemType: DataType.INT64, shape: [2, 2] }, { name: 'z', elemType: DataType.DOUBLE, shape: [2, 1] }],
      nodes: [
        { opType: 'TopK', inputs: ['x', 'k'], outputs: ['y', 'i'], attributes: [{ name: 'axis', kind: 'int', value: 1 }] },
        { opType: 'Split', inputs: ['x', 'sizes'], outputs: ['', 'rest'], attributes: [{ name: 'axis', kind: 'int', value: 1 }] },
        { opType: 'Shape', inputs: ['rest'], outputs: ['shape'], attributes: [] },
        { opType: 'Gather', inputs: ['shape', 'axis1'], outputs: ['n'], attributes: [] }, // 3
        { opType: 'Div', inputs: ['n', 'three'], outputs: ['one'], attributes: [] }, // 3 / 3 = 1 (integers)
        { opType: 'Add', inputs: ['one', 'one'], outputs: ['two'], attributes: [] },
        { opType: 'Div', inputs: ['two', 'three'], outputs: ['zero'], attributes: [] }, // 2 / 3 = 0, truncated
        { opType: 'Slice', inputs: ['rest', 'last', 'big', 'axis1', 'last'], outputs: ['back'], attributes: [] }, // rest[:, ::-1]
        { opType: 'Gather', inputs: ['back', 'zero'], outputs: ['z'], attributes: [{ name: 'axis', kind: 'int', value: 1 }] },
      ],
    });
    const net = importOnnx(encodeModel(model));
    const [y, i, z] = net.run(tensor([[1, 5, 2, 7], [9, 3, 4, 0]]));
    expect([y.toArray(), i.toArray(), z.toArray()]).toEqual([[[7, 5], [9, 4]], [[3, 1], [0, 2]], [[7], [0]]]);
  });

  it('refuses an op type it has no rule for, and an opset outside 13 to 17', () => {
    const model = decodeModel(exportOnnx(mlp(), [tensor([[1, 2, 3]])]));
    model.graph.nodes[1].opType = 'Gelu';
    expect(() => importOnnx(encodeModel(model))).toThrow("importOnnx: node 'Tanh_1' is Gelu, which has no chainrule form in the op table");
    model.graph.nodes[1].opType = 'Tanh';
    model.opsetImports = [{ domain: '', version: 11 }];
    expect(() => importOnnx(encodeModel(model))).toThrow('importOnnx: the model uses opset 11 of the default domain; chainrule imports opsets 13 to 17');
    expect(() => importOnnx(new Uint8Array([58, 200]))).toThrow('not a valid ONNX file');
  });
});

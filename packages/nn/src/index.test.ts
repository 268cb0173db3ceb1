// The public API as other packages see it: imported by package name, through the "exports" map.
import { describe, expect, it } from 'vitest';
import * as nn from '@chainrule/nn';
import * as nnNode from '@chainrule/nn/node';

describe('@chainrule/nn entry points', () => {
  it('export exactly the documented API', () => {
    expect(Object.keys(nn).sort()).toEqual(
      [
        'Adam', 'BCELoss', 'CrossEntropyLoss', 'Dense', 'Linear', 'MSELoss', 'Module', 'Optimizer', 'Parameter', 'ReLU', 'SGD',
        'Sequential', 'Sigmoid', 'Softmax', 'Tanh', 'LogSoftmax', 'GELU', 'SiLU', 'Mish', 'LeakyReLU', 'ELU', 'SELU', 'Softplus', 'LogSigmoid', 'Hardtanh', 'binaryCrossEntropy', 'crossEntropy', 'initBound', 'isParameter', 'linear',
        'loadStateDict', 'mseLoss', 'stateDict', 'uniformTensor',
        // convolution, pooling and attention
        'Conv1d', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'MultiheadAttention', 'multiheadAttention',
        // the hand-off: safetensors and ONNX
        'toSafetensors', 'fromSafetensors', 'readSafetensorsMetadata', 'exportOnnx', 'exportOnnxModel', 'importOnnx', 'OnnxModule',
        'EXPORT_RULES', 'IMPORT_RULES', 'REFUSED_OPS', 'encodeModel', 'decodeModel', 'DataType',
        // issue 9 (init, layers, containers, losses)
        'BatchNorm1d', 'BatchNorm2d', 'BatchNormBase', 'Dropout', 'Embedding', 'Flatten', 'Identity', 'LayerNorm', 'ModuleDict', 'ModuleList',
        'batchNorm', 'calculateGain', 'constant_', 'dropout', 'embedding', 'kaimingNormal_', 'kaimingUniform_', 'layerNorm', 'normal_', 'ones_',
        'uniform_', 'xavierNormal_', 'xavierUniform_', 'zeros_',
        'BCEWithLogitsLoss', 'HuberLoss', 'KLDivLoss', 'L1Loss', 'NLLLoss', 'SmoothL1Loss', 'binaryCrossEntropyWithLogits', 'huberLoss', 'klDiv',
        'l1Loss', 'nllLoss', 'smoothL1Loss',
        // training tools (issue 9)
        'AdamW', 'RMSprop', 'Adagrad', 'clipGradNorm_', 'clipGradValue_',
        'LRScheduler', 'StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR', 'OneCycleLR', 'ReduceLROnPlateau', 'SequentialLR', 'ChainedScheduler',
        'TensorDataset', 'Subset', 'randomSplit', 'DataLoader', 'collate', 'accuracy', 'summary', 'compileTrainStep',
      ].sort(),
    );
    expect(Object.keys(nnNode).sort()).toEqual(['load', 'loadSafetensors', 'save', 'saveSafetensors']);
    expect(nn.Linear).toBe(nn.Dense);
  });

  it("uses only core's public API: no underscore field of core anywhere in nn", async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('.', import.meta.url);
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    for (const f of sources) expect([f, readFileSync(new URL(f, dir), 'utf8').match(/\._[A-Za-z]\w*/g)]).toEqual([f, null]);
  });

  it("converts values with core's isTensor/tensor, not a copy of core's asTensor", async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('.', import.meta.url);
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    for (const f of sources) expect([f, /function asTensor\b/.test(readFileSync(new URL(f, dir), 'utf8'))]).toEqual([f, false]);
  });

  it('the main entry does not touch node:fs (it is for browsers too): no file it imports does', async () => {
    const { readFileSync } = await import('node:fs');
    const seen = new Set<string>();
    const visit = (url: URL): void => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const source = readFileSync(url, 'utf8');
      expect([url.pathname, source.match(/from 'node:[^']*'/g)]).toEqual([url.pathname, null]);
      for (const [, rel] of source.matchAll(/from '(\.[^']*)\.js'/g)) visit(new URL(`${rel}.ts`, url));
    };
    visit(new URL('./index.ts', import.meta.url));
    expect(seen.size).toBeGreaterThan(10);
  });
});

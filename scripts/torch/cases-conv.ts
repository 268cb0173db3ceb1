/**
 * More cases for convolution, pooling and attention than the op table's eight per row: their
 * configurations have many dimensions (stride, padding spelling, dilation, groups, ceil mode,
 * masks, layouts), so each row gets EXTRA more per-op cases; and two small networks built from
 * them, first and second order: a CNN (conv, relu, max pool, conv, adaptive pool, linear,
 * cross-entropy) and a causal self-attention block with a residual connection.
 */
import { GraphBuilder, type Node } from './graph.js';
import { OP_BY_NAME } from './ops.js';
import { Rng } from './prng.js';
import type { Case, Json } from './program.js';

const EXTRA = 24;
const ROWS = ['conv1d', 'conv2d', 'Conv1d', 'Conv2d', 'maxPool2d', 'avgPool2d', 'adaptiveAvgPool2d', 'multiheadAttention', 'MultiheadAttention'];

function graphCase(name: string, build: (g: GraphBuilder) => void): Case {
  const g = new GraphBuilder(Rng.fromString(name), 'fresh');
  build(g);
  return { name, program: { type: 'graph', steps: g.steps } };
}

function apply(g: GraphBuilder, name: string, args: readonly (Node | number)[], params: Json, shape: readonly number[]): Node {
  if (!OP_BY_NAME.has(name)) throw new Error(`cases-conv: no op ${name}`);
  return g.op(name, args, params, shape);
}

export function convCases(): Case[] {
  const extra = ROWS.flatMap((name) =>
    Array.from({ length: EXTRA }, (_, k) =>
      graphCase(`conv/${name}#${k}`, (g) => {
        const picked = OP_BY_NAME.get(name)!.pick.pick(g);
        g.checkGradients(g.op(name, picked.args, picked.params, picked.shape));
      }),
    ),
  );
  const cnn = graphCase('conv/a small CNN: conv, relu, maxPool, conv, adaptiveAvgPool, linear, cross-entropy', (g) => {
    const x = g.leaf([2, 1, 8, 8]);
    const conv = { stride: 1, dilation: 1, groups: 1, bias: true };
    let t = apply(g, 'conv2d', [x, g.leaf([4, 1, 3, 3]), g.leaf([4])], { ...conv, padding: 1 }, [2, 4, 8, 8]);
    t = apply(g, 'relu', [t], null, t.shape);
    t = apply(g, 'maxPool2d', [t], { kernel: 2, stride: null, padding: 0, dilation: 1, ceilMode: false, countIncludePad: true, divisorOverride: null }, [2, 4, 4, 4]);
    t = apply(g, 'conv2d', [t, g.leaf([6, 4, 3, 3]), g.leaf([6])], { ...conv, padding: 'valid' }, [2, 6, 2, 2]);
    t = apply(g, 'relu', [t], null, t.shape);
    t = apply(g, 'adaptiveAvgPool2d', [t], { outputSize: 1 }, [2, 6, 1, 1]);
    t = apply(g, 'flattenDims', [t], { start: 1, end: -1 }, [2, 6]);
    t = apply(g, 'linear', [t, g.leaf([3, 6]), g.leaf([3])], { bias: 'unit' }, [2, 3]);
    g.checkGradients(apply(g, 'CrossEntropyLoss', [t], { reduction: 'mean', target: [2, 0] }, []));
  });
  const block = graphCase('conv/a causal self-attention block with a residual connection and key padding', (g) => {
    const [N, L, E, H] = [2, 5, 8, 2];
    const x = g.leaf([N, L, E]);
    const params = {
      mode: 'self', numHeads: H, batchFirst: true, batched: true, bias: true, attnMask: null, attnBias: null,
      keyPaddingMask: [[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], isCausal: true, needWeights: false, averageAttnWeights: true,
    };
    const args = [x, x, x, g.leaf([3 * E, E]), g.leaf([3 * E]), g.leaf([E, E]), g.leaf([E])];
    let t = apply(g, 'MultiheadAttention', args, params, [N * L * E]);
    t = apply(g, 'reshape', [t], { shape: [N, L, E] }, [N, L, E]);
    t = apply(g, 'add', [t, x], null, [N, L, E]);
    t = apply(g, 'tanh', [t], null, [N, L, E]);
    g.checkGradients(apply(g, 'mean', [t], { axes: [1], keepdims: false }, [N, E]));
  });
  return [...extra, cnn, block];
}

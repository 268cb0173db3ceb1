/**
 * The case list of the differential test. Deterministic: every case draws from its own seeded
 * stream (prng.ts), keyed by its name, so adding a hand-listed case changes no other case (adding
 * an op to the table does reshuffle the random graphs, which pick ops from it).
 *
 * - per-op cases: each row of the op table (ops.ts) on fresh leaves, first and second order;
 * - special values: each elementwise op at 0, -0, ±1, tiny, huge, ±Infinity, NaN, and each
 *   reduction over NaN, ±Infinity, signed zeros and ties;
 * - random graphs: compositions of table ops on shape-compatible inputs, first and second order;
 * - autograd: accumulation over several backward calls, createGraph, hooks, retainGrad, third order;
 * - hand-listed semantics: ties, kinks, batched matmul with broadcast batch dimensions;
 * - nn: every loss with every reduction at ordinary and extreme inputs; training runs with SGD
 *   (momentum, dampening, Nesterov, weight decay) and Adam; the layers and losses of layers.ts
 *   (per-row cases, edge cases, and module programs: each layer as a module in training and evaluation);
 * - optimizers, schedulers and clipping: training runs with AdamW, RMSprop and Adagrad, parameter
 *   groups, clipGradNorm_/clipGradValue_, schedulers (alone, chained, in a SequentialLR or a
 *   ChainedScheduler) and runs resumed from state dicts; every scheduler's learning-rate sequence;
 *   clipping of given gradients at extreme values;
 * - known disagreements with PyTorch, tagged with the issue item that will fix them.
 */
import { GraphBuilder, sizeOf, type Node } from './graph.js';
import { layerCases } from './layers.js';
import { OP_BY_NAME, OPS } from './ops.js';
import { convCases } from './cases-conv.js';
import { Rng } from './prng.js';
import { encode, type Case, type ClipSpec, type Encoded, type Json, type LayerSpec, type LossSpec, type OptimizerSpec, type Options, type SchedulerSpec, type SingleSchedulerSpec, type TrainProgram } from './program.js';

const PER_OP_CASES = 8;
const RANDOM_GRAPHS = 1500;
/** Steps of each training run: enough for momentum and Adam's bias correction to matter, few enough for CI. */
const TRAIN_STEPS = 300;

type Nested = number | readonly Nested[];

/** A (rectangular) nested array literal as an Encoded tensor. */
function lit(values: Nested): Encoded {
  const shape: number[] = [];
  const flat: number[] = [];
  for (let v = values; typeof v !== 'number'; v = v[0]) shape.push(v.length);
  const walk = (v: Nested): void => {
    if (typeof v === 'number') flat.push(v);
    else v.forEach(walk);
  };
  walk(values);
  return encode(shape, flat);
}

const ones = (shape: readonly number[]): Encoded => encode(shape, new Array<number>(sizeOf(shape)).fill(1));

/** A graph case built by `build` on a fresh builder seeded from the case name. */
function graphCase(name: string, build: (g: GraphBuilder) => void, known?: string): Case {
  const g = new GraphBuilder(Rng.fromString(name), 'fresh');
  build(g);
  return { name, program: { type: 'graph', steps: g.steps }, known };
}

/** Applies the table op `name` (its `differentiable` flag from the table). */
function apply(g: GraphBuilder, name: string, args: readonly (Node | number)[], params: Json, shape: readonly number[]): Node {
  const row = OP_BY_NAME.get(name);
  if (row === undefined) throw new Error(`cases: no op ${name}`);
  return g.op(name, args, params, shape, row.differentiable !== false);
}

// ------------------------------------------------------------------ per-op and special values

function perOpCases(): Case[] {
  return OPS.flatMap((row) =>
    Array.from({ length: PER_OP_CASES }, (_, k) =>
      graphCase(`op/${row.name}#${k}`, (g) => {
        const picked = row.pick.pick(g);
        g.checkGradients(g.op(row.name, picked.args, picked.params, picked.shape, row.differentiable !== false));
      }),
    ),
  );
}

/** IEEE-754's corners: signed zeros, ±1, denormal-adjacent and near-overflow magnitudes, exp's overflow point, ±Infinity, NaN. */
const SPECIAL_UNARY = [0, -0, 1, -1, 0.5, -2.5, 1e-300, -1e-300, 1e300, -1e300, 710, -710, Infinity, -Infinity, NaN];
const SPECIAL_BINARY = [0, -0, 1, -1, 2, -0.5, Infinity, -Infinity, NaN];

/** A matrix with NaN first, in the middle and last along each axis, infinities, signed zeros and ties. */
const SPECIAL_MATRIX = [
  [NaN, 1, 3],
  [2, Infinity, -Infinity],
  [1, 3, NaN],
  [-0, 0, 5],
  [4, 4, -1],
];

/**
 * Each elementwise op over the special values (every pair, for binary ops), and each reduction
 * over SPECIAL_MATRIX along every axis choice: forward and first-order gradient. Each result
 * backpropagates into a leaf of its own, so one NaN cannot hide another gradient.
 */
function specialValueCases(): Case[] {
  const known: Record<string, string> = { relu: 'issue 7 item 11 (relu(NaN))' };
  const backwardOnes = (g: GraphBuilder, out: Node) => {
    if (out.requiresGrad) g.steps.push({ kind: 'backward', id: out.ref, seed: ones(out.shape) });
  };
  return OPS.filter((row) => row.pick.special !== undefined).map((row) => ({
    showInputs: true,
    ...graphCase(
      `special/${row.name}`,
      (g) => {
        if (row.pick.special === 'unary') {
          const x = g.leafOf(lit(SPECIAL_UNARY));
          backwardOnes(g, apply(g, row.name, [x], null, x.shape));
        } else if (row.pick.special === 'binary') {
          const pairs = SPECIAL_BINARY.flatMap((a) => SPECIAL_BINARY.map((b) => [a, b] as const));
          const a = g.leafOf(lit(pairs.map(([x]) => x)));
          const b = g.leafOf(lit(pairs.map(([, y]) => y)));
          backwardOnes(g, apply(g, row.name, [a, b], null, a.shape));
        } else {
          const choices: [Json, number[]][] = [
            [{ axes: null, keepdims: false }, []],
            [{ axes: 0, keepdims: false }, [3]],
            [{ axes: [1], keepdims: true }, [5, 1]],
            [{ axes: [-2, -1], keepdims: true }, [1, 1]],
          ];
          for (const [params, shape] of choices) backwardOnes(g, apply(g, row.name, [g.leafOf(lit(SPECIAL_MATRIX))], params, shape));
        }
      },
      known[row.name],
    ),
  }));
}

// ------------------------------------------------------------------ random graphs

function randomGraphCases(): Case[] {
  return Array.from({ length: RANDOM_GRAPHS }, (_, k) => {
    const g = new GraphBuilder(Rng.fromString(`random/${k}`), 'pool');
    const r = g.rng;
    g.leaf(g.randomShape({ maxRank: 3 }));
    if (r.chance(0.6)) g.leaf(g.randomShape({ maxRank: 3 }));
    if (r.chance(0.3)) g.leaf(g.randomShape({ maxRank: 2 }), 'any', false); // a constant
    const names: string[] = [];
    let output: Node | null = null;
    const count = r.int(3, 8);
    for (let i = 0; i < count; i++) {
      const row = r.pick(OPS);
      const picked = row.pick.pick(g);
      const out = g.op(row.name, picked.args, picked.params, picked.shape, row.differentiable !== false);
      names.push(row.name);
      if (out.requiresGrad) output = out;
    }
    if (output !== null) g.checkGradients(output);
    return { name: `random/${k} (${names.join(', ')})`, program: { type: 'graph', steps: g.steps } };
  });
}

// ------------------------------------------------------------------ autograd features

function autogradCases(): Case[] {
  return [
    graphCase('autograd/accumulate over backward calls', (g) => {
      const x = g.leaf([2, 3]);
      const w = g.leaf([3]);
      const t = apply(g, 'tanh', [apply(g, 'mul', [x, w], null, [2, 3])], null, [2, 3]);
      const s = apply(g, 'sum', [t], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: t.ref, seed: g.values([2, 3]), retainGraph: true });
      g.steps.push({ kind: 'record', key: 'x.grad after 1', id: x.ref, what: 'grad' });
      g.steps.push({ kind: 'backward', id: s.ref, retainGraph: true });
      g.steps.push({ kind: 'record', key: 'x.grad after 2', id: x.ref, what: 'grad' });
      g.steps.push({ kind: 'record', key: 'w.grad after 2', id: w.ref, what: 'grad' });
      g.steps.push({ kind: 'zeroGrad', id: x.ref, setToNone: false });
      g.steps.push({ kind: 'zeroGrad', id: w.ref, setToNone: true });
      g.steps.push({ kind: 'backward', id: t.ref, seed: g.values([2, 3]) });
    }),
    graphCase('autograd/accumulate from two outputs sharing leaves', (g) => {
      const x = g.leaf([3]);
      const y = g.leaf([2, 1]);
      const p = apply(g, 'mul', [x, y], null, [2, 3]);
      const a = apply(g, 'sum', [apply(g, 'exp', [apply(g, 'tanh', [p], null, [2, 3])], null, [2, 3])], { axes: 1, keepdims: false }, [2]);
      const b = apply(g, 'max', [apply(g, 'sigmoid', [p], null, [2, 3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: a.ref, seed: g.values([2]), retainGraph: true }); // p's graph is shared with b
      g.steps.push({ kind: 'backward', id: b.ref });
    }),
    graphCase('autograd/createGraph then backward through .grad', (g) => {
      // x.grad = 3x² with a graph; then Σ(x.grad)² backpropagates into x.grad: 3x² + 36x³
      const x = g.leaf([3]);
      const s = apply(g, 'sum', [apply(g, 'pow', [x, 3], null, [3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: s.ref, createGraph: true });
      g.steps.push({ kind: 'record', key: 'x.grad after createGraph', id: x.ref, what: 'grad' });
      g.steps.push({ kind: 'readGrad', id: 'gx', of: x.ref });
      const gx: Node = { ref: 'gx', shape: [3], requiresGrad: true };
      const u = apply(g, 'sum', [apply(g, 'square', [gx], null, [3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: u.ref });
    }),
    graphCase('autograd/createGraph mixed with a second leaf, then grad of grad', (g) => {
      const x = g.leaf([2, 2]);
      const w = g.leaf([2, 2]);
      const y = apply(g, 'sum', [apply(g, 'tanh', [apply(g, 'matmul', [x, w], null, [2, 2])], null, [2, 2])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: y.ref, createGraph: true });
      g.steps.push({ kind: 'readGrad', id: 'gw', of: w.ref });
      g.steps.push({ kind: 'record', key: 'gw', id: 'gw', what: 'value' });
      const gw: Node = { ref: 'gw', shape: [2, 2], requiresGrad: true };
      const z = apply(g, 'sum', [apply(g, 'mul', [gw, x], null, [2, 2])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'gradients', output: z.ref, inputs: [x.ref, w.ref], ids: ['dz/dx', 'dz/dw'] });
    }),
    graphCase('autograd/third order of tanh by gradients', (g) => {
      const x = g.leaf([4]);
      const y = apply(g, 'tanh', [x], null, [4]);
      g.steps.push({ kind: 'gradients', output: y.ref, inputs: [x.ref], ids: ['d1'], seed: ones([4]), createGraph: true });
      g.steps.push({ kind: 'gradients', output: 'd1', inputs: [x.ref], ids: ['d2'], seed: ones([4]), createGraph: true });
      g.steps.push({ kind: 'gradients', output: 'd2', inputs: [x.ref], ids: ['d3'], seed: ones([4]) });
    }),
    graphCase('autograd/unused input: null gradient', (g) => {
      const x = g.leaf([3]);
      const unused = g.leaf([2]);
      const y = apply(g, 'exp', [x], null, [3]);
      g.steps.push({ kind: 'gradients', output: y.ref, inputs: [x.ref, unused.ref], ids: ['dx', 'dunused'], seed: ones([3]), retainGraph: true });
      g.steps.push({ kind: 'backward', id: y.ref, seed: ones([3]) });
    }),
    graphCase('autograd/hook on an intermediate replaces its gradient', (g) => {
      const x = g.leaf([2, 3]);
      const w = g.leaf([3]);
      const t = apply(g, 'mul', [x, w], null, [2, 3]);
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'scale', factor: 3 } });
      const s = apply(g, 'sum', [apply(g, 'mul', [apply(g, 'sigmoid', [t], null, [2, 3]), g.leaf([2, 3], 'any', false)], null, [2, 3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: s.ref });
    }),
    graphCase('autograd/hooks run in order, each seeing the one before', (g) => {
      const x = g.leaf([4]);
      const t = apply(g, 'exp', [apply(g, 'mul', [x, 0.5], null, [4])], null, [4]);
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'observe', name: 'before' } });
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'scale', factor: -2 } });
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'observe', name: 'after' } });
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'clamp', min: -0.5, max: 1 } });
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'observe', name: 'clamped' } });
      const s = apply(g, 'sum', [apply(g, 'square', [t], null, [4])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: s.ref, retainGraph: true });
      g.steps.push({ kind: 'backward', id: s.ref });
    }),
    graphCase('autograd/hook on a leaf, accumulated over two backward calls', (g) => {
      const x = g.leaf([3]);
      g.steps.push({ kind: 'hook', id: x.ref, hook: { action: 'clamp', min: -0.3, max: 0.3 } });
      g.steps.push({ kind: 'hook', id: x.ref, hook: { action: 'observe', name: 'x' } });
      const t = apply(g, 'mul', [x, g.leaf([3], 'any', false)], null, [3]);
      g.steps.push({ kind: 'backward', id: t.ref, seed: g.values([3]), retainGraph: true });
      g.steps.push({ kind: 'backward', id: t.ref, seed: g.values([3]) });
    }),
    graphCase('autograd/hook on a tensor used twice sees the summed gradient once', (g) => {
      const x = g.leaf([3]);
      const t = apply(g, 'mul', [x, 2], null, [3]);
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'observe', name: 't' } });
      const u = apply(g, 'add', [t, apply(g, 'mul', [t, t], null, [3])], null, [3]);
      g.steps.push({ kind: 'backward', id: u.ref, seed: g.values([3]) });
    }),
    graphCase('autograd/hook on an intermediate during gradients()', (g) => {
      const x = g.leaf([3]);
      const t = apply(g, 'tanh', [x], null, [3]);
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'observe', name: 't' } });
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'scale', factor: 0.5 } });
      const s = apply(g, 'sum', [apply(g, 'exp', [t], null, [3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'gradients', output: s.ref, inputs: [x.ref], ids: ['dx'] });
    }),
    graphCase('autograd/retainGrad accumulates over backward calls', (g) => {
      const x = g.leaf([2, 2]);
      const t = apply(g, 'matmul', [x, g.leaf([2, 3])], null, [2, 3]);
      g.steps.push({ kind: 'retainGrad', id: t.ref });
      const s = apply(g, 'sum', [apply(g, 'tanh', [t], null, [2, 3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: s.ref, retainGraph: true });
      g.steps.push({ kind: 'record', key: 't.grad after 1', id: t.ref, what: 'grad' });
      g.steps.push({ kind: 'backward', id: s.ref });
    }),
    graphCase('autograd/retainGrad after a replacing hook holds the replaced gradient', (g) => {
      // NOTE: the hook is registered first: PyTorch 1.13 runs retain_grad as one more hook in
      // registration order (2.x always after the hooks), and chainrule retains after all hooks.
      const x = g.leaf([3]);
      const t = apply(g, 'sigmoid', [x], null, [3]);
      g.steps.push({ kind: 'hook', id: t.ref, hook: { action: 'scale', factor: 10 } });
      g.steps.push({ kind: 'retainGrad', id: t.ref });
      const s = apply(g, 'sum', [apply(g, 'square', [t], null, [3])], { axes: null, keepdims: false }, []);
      g.steps.push({ kind: 'backward', id: s.ref });
    }),
    graphCase(
      'autograd/createGraph: two leaves must not share one .grad',
      (g) => {
        // x.add(y).sum().backward({ createGraph: true }); x.mul(5).sum().backward(): y.grad stays [1, 1]
        const x = g.leafOf(lit([1, 2]));
        const y = g.leafOf(lit([3, 4]));
        const s = apply(g, 'sum', [apply(g, 'add', [x, y], null, [2])], { axes: null, keepdims: false }, []);
        g.steps.push({ kind: 'backward', id: s.ref, createGraph: true });
        const u = apply(g, 'sum', [apply(g, 'mul', [x, 5], null, [2])], { axes: null, keepdims: false }, []);
        g.steps.push({ kind: 'backward', id: u.ref });
        g.steps.push({ kind: 'record', key: 'y.grad after x accumulates', id: y.ref, what: 'grad' });
        g.steps.push({ kind: 'zeroGrad', id: x.ref, setToNone: false });
      },
      'issue 7 item 1 (gradient buffers alias after createGraph)',
    ),
  ];
}

// ------------------------------------------------------------------ hand-listed semantics

function semanticsCases(): Case[] {
  const reduceParams = [
    { axes: null, keepdims: false },
    { axes: 0, keepdims: true },
    { axes: [-1], keepdims: false },
    { axes: [0, 1], keepdims: true },
  ];
  const ties = [
    [1, 3, 3],
    [2, 2, 0],
  ];
  const cases: Case[] = [];
  for (const op of ['max', 'min', 'sum', 'mean']) {
    for (const p of reduceParams) {
      cases.push(
        graphCase(`semantics/${op} with ties over ${JSON.stringify(p.axes)} keepdims=${p.keepdims}`, (g) => {
          const x = g.leafOf(lit(ties));
          const axes = p.axes === null ? [0, 1] : (Array.isArray(p.axes) ? p.axes : [p.axes]).map((a) => (a + 2) % 2);
          const shape = p.keepdims ? [2, 3].map((d, i) => (axes.includes(i) ? 1 : d)) : [2, 3].filter((_, i) => !axes.includes(i));
          g.checkGradients(apply(g, op, [x], p, shape));
        }),
      );
    }
  }
  cases.push(
    graphCase('semantics/maximum and minimum at ties split the gradient', (g) => {
      const a = g.leafOf(lit([1, 2, 3, -0]));
      const b = g.leafOf(lit([1, 5, 3, 0]));
      const s = apply(g, 'add', [apply(g, 'maximum', [a, b], null, [4]), apply(g, 'mul', [apply(g, 'minimum', [a, b], null, [4]), 3], null, [4])], null, [4]);
      g.checkGradients(s);
    }),
    graphCase('semantics/kinks: relu, abs, clamp at their corners', (g) => {
      const x = g.leafOf(lit([0, -0, -1, 1, 0.5, 2]));
      const r = apply(g, 'relu', [x], null, [6]);
      const a = apply(g, 'abs', [x], null, [6]);
      const c = apply(g, 'clamp', [x], { min: 0, max: 0.5 }, [6]);
      g.checkGradients(apply(g, 'add', [apply(g, 'add', [r, apply(g, 'mul', [a, 2], null, [6])], null, [6]), apply(g, 'mul', [c, 4], null, [6])], null, [6]));
    }),
    graphCase('semantics/softmax and logSoftmax of huge and -Infinity logits', (g) => {
      const x = g.leafOf(lit([[1000, 1000, -1000], [0, -Infinity, 1], [1e308, -1e308, 0]]));
      const s = apply(g, 'softmax', [x], { axis: -1 }, [3, 3]);
      const l = apply(g, 'logSoftmax', [x], { axis: 1 }, [3, 3]);
      g.steps.push({ kind: 'backward', id: s.ref, seed: g.values([3, 3]) });
      g.steps.push({ kind: 'backward', id: l.ref, seed: g.values([3, 3]) });
    }),
    graphCase('semantics/batched matmul with broadcast batch dimensions', (g) => {
      g.checkGradients(apply(g, 'matmul', [g.leaf([2, 1, 3, 4]), g.leaf([3, 4, 2])], null, [2, 3, 3, 2]));
    }),
    graphCase('semantics/matmul of a vector with a batch, and a batch with a vector', (g) => {
      const a = apply(g, 'matmul', [g.leaf([4]), g.leaf([2, 4, 3])], null, [2, 3]);
      const b = apply(g, 'matmul', [g.leaf([2, 3, 4]), g.leaf([4])], null, [2, 3]);
      g.checkGradients(apply(g, 'mul', [a, b], null, [2, 3]));
    }),
    graphCase('semantics/matmul 16x32 @ 32x8 (longer sums)', (g) => {
      g.checkGradients(apply(g, 'matmul', [g.leaf([16, 32]), g.leaf([32, 8])], null, [16, 8]));
    }),
    graphCase('semantics/broadcasting on both sides at once', (g) => {
      const a = g.leaf([3, 1, 4]);
      const b = g.leaf([2, 1]);
      const s = apply(g, 'div', [apply(g, 'mul', [a, b], null, [3, 2, 4]), apply(g, 'add', [apply(g, 'abs', [b], null, [2, 1]), 1], null, [2, 1])], null, [3, 2, 4]);
      g.checkGradients(apply(g, 'pow', [apply(g, 'add', [apply(g, 'abs', [s], null, [3, 2, 4]), 0.5], null, [3, 2, 4]), g.leaf([4], 'bounded')], null, [3, 2, 4]));
    }),
    // Math, activations, reductions and scans of issue 9 (one block, kept together)
    graphCase('semantics/prod with one zero and with several zeros in a slice', (g) => {
      const x = g.leafOf(lit([[0, 2, 3], [0, 0, 5], [1.5, -2, 3]]));
      g.checkGradients(apply(g, 'prod', [x], { axes: 1, keepdims: false }, [3]));
      g.checkGradients(apply(g, 'prod', [g.leafOf(lit([[0, 2], [3, 4]]))], { axes: null, keepdims: false }, []));
    }),
    graphCase('semantics/cumprod with zeros, forward and reverse (PyTorch: its O(n) first-order and O(n²) double-backward paths)', (g) => {
      const values = lit([[2, 0, 3, 0, 5], [0, 1.5, 2, -3, 4], [1, 2, 0, 3, 0.5]]);
      g.checkGradients(apply(g, 'cumprod', [g.leafOf(values)], { axis: 1 }, [3, 5]));
      g.checkGradients(apply(g, 'cumprodReverse', [g.leafOf(values)], { axis: -1 }, [3, 5]));
      g.checkGradients(apply(g, 'cumprod', [g.leafOf(lit([[0, 2], [3, 0], [0, 0]]))], { axis: 0 }, [3, 2]));
    }),
    graphCase('semantics/norm and std where they are 0: gradient 0, not NaN', (g) => {
      // first order only: at a zero norm the second derivative is not defined (PyTorch masks only the first)
      const x = g.leafOf(lit([[0, 0, 0], [3, -4, 0]]));
      for (const op of ['norm', 'norm3', 'normHalf']) {
        g.steps.push({ kind: 'backward', id: apply(g, op, [x], { axes: 1, keepdims: false }, [2]).ref, seed: g.values([2]) });
      }
      const c = g.leafOf(lit([[2, 2, 2], [1, -1, 3]]));
      g.steps.push({ kind: 'backward', id: apply(g, 'std', [c], { axes: 1, keepdims: true }, [2, 1]).ref, seed: g.values([2, 1]) });
    }),
    graphCase('semantics/pow at a zero base or a zero exponent', (g) => {
      // d/db 0^b = 0 for b ≥ 0, and d/da a^0 = 0, in both (PyTorch masks them; chainrule's pow documents the same).
      // First order only: PyTorch 1.13's second derivative is not a reference at these points. At a = 0
      // its masked ln a leaks NaN through torch.where (d²(a^2.5)/da² = 0 at a = 0 comes out NaN), and
      // at b = 0 its mask drops the mixed derivative ∂²(aᵇ)/∂a∂b = aᵇ⁻¹(1 + b ln a), which is 1/a there.
      const out = apply(g, 'pow', [g.leafOf(lit([0, 0, 0, 2, -2])), g.leafOf(lit([0, 1, 2.5, 0, 3]))], null, [5]);
      g.steps.push({ kind: 'backward', id: out.ref, seed: g.values([5]) });
    }),
  );
  return cases;
}

// ------------------------------------------------------------------ losses

function lossCases(): Case[] {
  const cases: Case[] = [];
  const loss = (name: string, params: Json, args: (g: GraphBuilder) => Node[]) => (g: GraphBuilder) => g.checkGradients(apply(g, name, args(g), params, []));
  for (const reduction of ['mean', 'sum', 'halfSum']) {
    cases.push(
      graphCase(`loss/MSELoss ${reduction} ordinary`, loss('MSELoss', { reduction }, (g) => [g.leaf([3, 4]), g.leaf([3, 4])])),
      graphCase(
        `loss/MSELoss ${reduction} extreme (squares overflow and underflow)`,
        loss('MSELoss', { reduction }, (g) => [g.leafOf(lit([1e200, -3e200, 0.5, 1e-200, 1e154])), g.leafOf(lit([0, 1e200, 0.5, -1e-200, -1e154]))]),
      ),
      graphCase(`loss/MSELoss ${reduction} NaN target`, loss('MSELoss', { reduction }, (g) => [g.leaf([3]), g.leafOf(lit([0.5, NaN, 1]), false)])),
    );
  }
  for (const reduction of ['mean', 'sum']) {
    const ce = (target: number | number[]) => ({ reduction, target });
    cases.push(
      graphCase(`loss/CrossEntropyLoss ${reduction} ordinary`, loss('CrossEntropyLoss', ce([0, 4, 2, 2]), (g) => [g.leaf([4, 5])])),
      graphCase(`loss/CrossEntropyLoss ${reduction} one sample`, loss('CrossEntropyLoss', ce(1), (g) => [g.leaf([3])])),
      graphCase(
        `loss/CrossEntropyLoss ${reduction} large logits`,
        loss('CrossEntropyLoss', ce([2, 0, 1]), (g) => [g.leafOf(lit([[1000, 0, -1000], [-1000, 1000, 0], [1e300, -1e300, 0]]))]),
      ),
      graphCase(`loss/CrossEntropyLossProbs ${reduction} ordinary`, (g) => {
        const probs = lit([[0.2, 0.3, 0.5], [1, 0, 0]]);
        g.checkGradients(apply(g, 'CrossEntropyLossProbs', [g.leaf([2, 3]), g.leafOf(probs)], { reduction }, []));
      }),
      graphCase(`loss/CrossEntropyLossProbs ${reduction} large logits, zero probabilities`, (g) => {
        g.checkGradients(apply(g, 'CrossEntropyLossProbs', [g.leafOf(lit([[1000, -1000, 0], [5, 1e300, -1e300]])), g.leafOf(lit([[0.5, 0, 0.5], [0.25, 0.75, 0]]))], { reduction }, []));
      }),
      graphCase(`loss/CrossEntropyLossProbs ${reduction} -Infinity logit with zero probability (NaN in both)`, (g) => {
        g.checkGradients(apply(g, 'CrossEntropyLossProbs', [g.leafOf(lit([[0, -Infinity, 1]])), g.leafOf(lit([[0.5, 0, 0.5]]), false)], { reduction }, []));
      }),
      graphCase(`loss/BCELoss ${reduction} ordinary`, loss('BCELoss', { reduction }, (g) => [g.leaf([2, 3], 'unit'), g.leaf([2, 3], 'unit')])),
      {
        ...graphCase(`loss/BCELoss ${reduction} probabilities at and near 0 and 1`, (g) => {
          // each log clamped at -100 (PyTorch's rule); dℓ/dp's denominator floored at 1e-12. First
          // order only: PyTorch's second derivative adds ε to p (see BCELoss's row in ops.ts), which
          // changes it completely where p is 0 or 1
          const p = g.leafOf(lit([0, 1, 1e-300, 1 - 2 ** -53, 0.5, 1e-20, 0, 1]));
          const y = g.leafOf(lit([1, 0, 1, 0, 0.5, 0, 0, 1]), false);
          g.steps.push({ kind: 'backward', id: apply(g, 'BCELoss', [p, y], { reduction }, []).ref });
        }),
        tolerance: {
          rtol: 1e-8,
          reason:
            'where p(1 − p) < 1e-12, PyTorch 1.13 divides by its EPSILON, which is the float32 1e-12 = 9.99999996e-13 ' +
            '(its gradient at p = 0, y = 1 is -1000000003995.8029), while chainrule divides by the float64 1e-12 its ' +
            'TSDoc states: 4e-9 relative apart',
        },
      },
      graphCase(`loss/BCELoss ${reduction} target gradient near 0 and 1`, (g) => {
        const p = g.leafOf(lit([1e-300, 1 - 2 ** -53, 1e-20, 0.5, 0, 1]), false);
        const y = g.leafOf(lit([1, 0, 0, 0.5, 0.5, 0.5]));
        const l = apply(g, 'BCELoss', [p, y], { reduction }, []);
        g.steps.push({ kind: 'backward', id: l.ref });
      }),
    );
  }
  return cases;
}

// ------------------------------------------------------------------ known disagreements

function knownCases(): Case[] {
  return [
    graphCase(
      'known/crossEntropy of a masked -Infinity logit',
      (g) => g.checkGradients(apply(g, 'CrossEntropyLoss', [g.leafOf(lit([[0, -Infinity, 1]]))], { reduction: 'mean', target: [0] }, [])),
      'issue 7 item 2 (crossEntropy returns NaN; PyTorch 1.3133)',
    ),
    graphCase(
      'known/crossEntropy of logits ±1e308',
      (g) => g.checkGradients(apply(g, 'CrossEntropyLoss', [g.leafOf(lit([[1e308, -1e308, 0]]))], { reduction: 'mean', target: [0] }, [])),
      'issue 7 item 2 (crossEntropy returns NaN; PyTorch 0)',
    ),
    // NOTE: listed in issue 7 item 11, but it agrees with PyTorch at the time of writing (NaN value, NaN
    // gradient over the reduced slice); the NaN difference is in the elementwise maximum/minimum's
    // gradient, which special/maximum and special/minimum show
    graphCase(
      'known/max reduction with a NaN input',
      (g) => {
        // one leaf per reduction, so the NaN gradient of the first cannot hide the second's
        const values = lit([[1, NaN, 3], [2, 5, 4]]);
        g.steps.push({ kind: 'backward', id: apply(g, 'max', [g.leafOf(values)], { axes: null, keepdims: false }, []).ref });
        g.steps.push({ kind: 'backward', id: apply(g, 'max', [g.leafOf(values)], { axes: 1, keepdims: true }, [2, 1]).ref, seed: ones([2, 1]) });
        g.steps.push({ kind: 'backward', id: apply(g, 'max', [g.leafOf(lit([NaN, 1, 2]))], { axes: null, keepdims: false }, []).ref });
        g.steps.push({ kind: 'backward', id: apply(g, 'max', [g.leafOf(lit([1, 2, NaN]))], { axes: null, keepdims: false }, []).ref });
      },
      'issue 7 item 11 (NaN in max)',
    ),
    graphCase(
      'known/relu of NaN',
      (g) => {
        const x = g.leafOf(lit([-1, NaN, 2]));
        g.steps.push({ kind: 'backward', id: apply(g, 'relu', [x], null, [3]).ref, seed: ones([3]) });
      },
      'issue 7 item 11 (relu(NaN))',
    ),
    graphCase(
      'known/d/db of pow(0, b) for b < 0',
      (g) => {
        const out = apply(g, 'pow', [g.leafOf(lit([0, 0, 0])), g.leafOf(lit([-1, -0.5, -2]))], null, [3]);
        g.steps.push({ kind: 'backward', id: out.ref, seed: ones([3]) });
      },
      'issue 7 item 11 (PyTorch gives -Infinity)',
    ),
  ];
}

// ------------------------------------------------------------------ training

/** What a training run may add to the network, loss and optimizer: parameter groups, schedulers, clipping, a resume. */
type TrainExtras = Pick<TrainProgram, 'groups' | 'schedulers' | 'clip' | 'resumeAt'>;

/** A training run named `train/<name>` on a batch drawn from the name's stream. */
function trainRun(
  name: string,
  layers: LayerSpec[],
  lossSpec: LossSpec,
  optimizer: OptimizerSpec,
  batch: number,
  targetKind: 'real' | 'unit' | 'classes',
  steps = TRAIN_STEPS,
  extras: TrainExtras = {},
): Case {
  const r = Rng.fromString(`train/${name}`);
  const inF = (layers[0] as { inFeatures: number }).inFeatures;
  const last = [...layers].reverse().find((l) => l.kind === 'dense') as { outFeatures: number };
  const x = encode([batch, inF], Array.from({ length: batch * inF }, () => r.normal()));
  const target =
    targetKind === 'classes'
      ? Array.from({ length: batch }, () => r.int(0, last.outFeatures - 1))
      : encode([batch, last.outFeatures], Array.from({ length: batch * last.outFeatures }, () => (targetKind === 'unit' ? r.uniform(0, 1) : r.normal())));
  return { name: `train/${name}`, program: { type: 'train', layers, loss: lossSpec, optimizer, x, target, steps, ...extras } };
}

/** A Dense layer of a training run (Xavier, with a bias, unless `extra` says otherwise). */
function dense(inFeatures: number, outFeatures: number, seed: number, extra: Partial<Extract<LayerSpec, { kind: 'dense' }>> = {}): LayerSpec {
  return { kind: 'dense', inFeatures, outFeatures, init: 'xavier', seed, bias: true, ...extra };
}

function trainingCases(): Case[] {
  const run = trainRun;
  return [
    run('2-2-2 sigmoid, shared frozen bias, MSE halfSum, SGD', [dense(2, 2, 1, { bias: 'shared', freezeBias: true, init: 'uniform' }), { kind: 'sigmoid' }, dense(2, 2, 2, { bias: 'shared', freezeBias: true, init: 'uniform' }), { kind: 'sigmoid' }], { name: 'mse', reduction: 'halfSum' }, { name: 'sgd', lr: 0.5 }, 1, 'unit'),
    run('3-8-1 tanh, MSE mean, SGD momentum+dampening+weight decay', [dense(3, 8, 3), { kind: 'tanh' }, dense(8, 1, 4)], { name: 'mse', reduction: 'mean' }, { name: 'sgd', lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 }, 8, 'real'),
    run('4-8-3 relu, cross-entropy mean, SGD Nesterov+weight decay', [dense(4, 8, 5, { init: 'he' }), { kind: 'relu' }, dense(8, 3, 6)], { name: 'crossEntropy', reduction: 'mean' }, { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }, 12, 'classes'),
    run('2-4-1 sigmoid, BCE mean, Adam defaults', [dense(2, 4, 7), { kind: 'tanh' }, dense(4, 1, 8), { kind: 'sigmoid' }], { name: 'bce', reduction: 'mean' }, { name: 'adam', lr: 0.01 }, 10, 'unit'),
    run('3-6-6-2 tanh+relu, MSE sum, Adam betas+eps+weight decay', [dense(3, 6, 9, { init: 'uniform' }), { kind: 'tanh' }, dense(6, 6, 10), { kind: 'relu' }, dense(6, 2, 11)], { name: 'mse', reduction: 'sum' }, { name: 'adam', lr: 0.005, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 1e-2 }, 6, 'real'),
    run('4-5-3 sigmoid, cross-entropy sum, Adam', [dense(4, 5, 12), { kind: 'sigmoid' }, dense(5, 3, 13, { bias: false })], { name: 'crossEntropy', reduction: 'sum' }, { name: 'adam', lr: 0.02 }, 9, 'classes'),
    run('3-4-2 relu, BCE sum, SGD momentum', [dense(3, 4, 14, { init: 'he' }), { kind: 'relu' }, dense(4, 2, 15), { kind: 'sigmoid' }], { name: 'bce', reduction: 'sum' }, { name: 'sgd', lr: 0.05, momentum: 0.5 }, 7, 'unit'),
  ];
}

// ------------------------------------------------------------------ optimizers, schedulers, clipping

/** A scheduler with its options. */
const sched = (name: SingleSchedulerSpec['name'], options: Options): SingleSchedulerSpec => ({ name, options });
/** SequentialLR over `schedulers` (built before it, in order, on the same optimizer). */
const sequential = (schedulers: SingleSchedulerSpec[], milestones: number[]): SchedulerSpec => ({ name: 'sequentialLR', schedulers, milestones });
/** ChainedScheduler over `schedulers` (built before it, in order, on the same optimizer). */
const chained = (schedulers: SingleSchedulerSpec[]): SchedulerSpec => ({ name: 'chainedScheduler', schedulers });

/**
 * Training runs with every optimizer (parameter groups, each weight-decay variant), gradient
 * clipping, learning-rate schedulers (alone and chained), and runs that chainrule stops and
 * resumes from its state dicts halfway (PyTorch runs straight through).
 */
function optimCases(): Case[] {
  const mse = { name: 'mse', reduction: 'mean' } as const;
  const ce = { name: 'crossEntropy', reduction: 'mean' } as const;
  /** 3-6-2 tanh: layers 0 and 2 are Dense. */
  const small = (seed: number): LayerSpec[] => [dense(3, 6, seed), { kind: 'tanh' }, dense(6, 2, seed + 1)];
  /** 4-8-3 relu, for cross-entropy. */
  const classifier = (seed: number): LayerSpec[] => [dense(4, 8, seed, { init: 'he' }), { kind: 'relu' }, dense(8, 3, seed + 1)];
  const byField = (weights: Options, biases: Options) => [{ field: 'weight' as const, options: weights }, { field: 'bias' as const, options: biases }];
  const byLayer = (first: Options, second: Options) => [{ layers: [0], options: first }, { layers: [2], options: second }];
  const norm = (maxNorm: number, normType?: number | 'inf'): ClipSpec => ({ kind: 'norm', maxNorm, normType });
  const T = 150;
  // NOTE: RMSprop's step is about η whatever the gradient's size, so near a minimum it hops about it
  // chaotically: there a one-ulp change of the input (chainrule against itself) grows to 1e-5 within
  // 50 steps. RMSprop runs stop at 200 steps, before that regime; the formulas agree to ~1e-16 until then.
  const RMSPROP_STEPS = 200;
  return [
    // optimizers: defaults, every option, groups with their own options
    trainRun('optim/AdamW defaults (weight decay 1e-2)', small(20), mse, { name: 'adamw', lr: 0.01 }, 8, 'real'),
    trainRun('optim/AdamW groups: weights decayed, biases not, other betas', small(22), mse, { name: 'adamw', lr: 0.005, eps: 1e-6 }, 8, 'real', TRAIN_STEPS, { groups: byField({ weightDecay: 0.1 }, { weightDecay: 0, betas: [0.8, 0.999] }) }),
    trainRun('optim/AdamW cross-entropy, strong decay', classifier(24), ce, { name: 'adamw', lr: 0.02, weightDecay: 0.5, betas: [0.85, 0.99] }, 12, 'classes'),
    trainRun('optim/RMSprop defaults', small(26), mse, { name: 'rmsprop' }, 8, 'real', RMSPROP_STEPS),
    trainRun('optim/RMSprop centered, momentum, weight decay, alpha', small(28), mse, { name: 'rmsprop', lr: 5e-4, alpha: 0.95, centered: true, momentum: 0.9, weightDecay: 1e-3, eps: 1e-4 }, 8, 'real', RMSPROP_STEPS),
    trainRun('optim/RMSprop momentum, eps, cross-entropy', classifier(30), ce, { name: 'rmsprop', lr: 0.005, momentum: 0.5, eps: 1e-4 }, 12, 'classes'),
    trainRun('optim/RMSprop groups: centered weights, plain biases', small(32), mse, { name: 'rmsprop', lr: 0.003, eps: 1e-4 }, 8, 'real', RMSPROP_STEPS, { groups: byField({ centered: true, momentum: 0.5 }, { lr: 0.001, alpha: 0.95 }) }),
    trainRun('optim/Adagrad defaults', small(34), mse, { name: 'adagrad' }, 8, 'real'),
    trainRun('optim/Adagrad lr decay, weight decay, accumulator, eps', classifier(36), ce, { name: 'adagrad', lr: 0.1, lrDecay: 0.01, weightDecay: 1e-3, initialAccumulatorValue: 0.1, eps: 1e-6 }, 12, 'classes'),
    // NOTE: no group of its own initialAccumulatorValue: PyTorch 1.13 ignores it (adagrad.ts says so)
    trainRun('optim/Adagrad groups: lr decay per layer', small(38), mse, { name: 'adagrad', lr: 0.05, initialAccumulatorValue: 0.5 }, 8, 'real', TRAIN_STEPS, { groups: byLayer({ lrDecay: 0.05 }, { lr: 0.2, weightDecay: 1e-2 }) }),
    trainRun('optim/SGD groups: Nesterov first layer, dampened momentum and decay second', small(40), mse, { name: 'sgd', lr: 0.05 }, 8, 'real', TRAIN_STEPS, {
      groups: byLayer({ lr: 0.02, momentum: 0.9, nesterov: true }, { weightDecay: 1e-2, momentum: 0.5, dampening: 0.1 }),
    }),
    trainRun('optim/Adam groups: lr, betas, eps, weight decay per layer', classifier(42), ce, { name: 'adam', lr: 0.01 }, 12, 'classes', TRAIN_STEPS, {
      groups: byLayer({ betas: [0.8, 0.99], weightDecay: 1e-2 }, { lr: 0.003, eps: 1e-5 }),
    }),
    // clipping inside training
    trainRun('clip/SGD momentum, clipGradNorm_ 2-norm 0.5', small(44), mse, { name: 'sgd', lr: 0.1, momentum: 0.9 }, 8, 'real', TRAIN_STEPS, { clip: norm(0.5) }),
    trainRun('clip/Adam, clipGradNorm_ max-norm 0.05', classifier(46), ce, { name: 'adam', lr: 0.01 }, 12, 'classes', TRAIN_STEPS, { clip: norm(0.05, 'inf') }),
    trainRun('clip/AdamW, clipGradNorm_ 1-norm 0.3', small(48), mse, { name: 'adamw', lr: 0.01 }, 8, 'real', TRAIN_STEPS, { clip: norm(0.3, 1) }),
    trainRun('clip/SGD, clipGradValue_ 0.02', small(50), mse, { name: 'sgd', lr: 0.2 }, 8, 'real', TRAIN_STEPS, { clip: { kind: 'value', clipValue: 0.02 } }),
    // schedulers inside training, stepped after the optimizer
    trainRun('sched/SGD momentum + StepLR', small(52), mse, { name: 'sgd', lr: 0.1, momentum: 0.9 }, 8, 'real', T, { schedulers: [sched('stepLR', { stepSize: 40, gamma: 0.5 })] }),
    trainRun('sched/Adam + OneCycleLR cycling beta1', classifier(54), ce, { name: 'adam', lr: 0.01 }, 12, 'classes', T, { schedulers: [sched('oneCycleLR', { maxLr: 0.05, totalSteps: T })] }),
    trainRun('sched/SGD Nesterov groups + OneCycleLR three-phase linear, max per group', small(56), mse, { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }, 8, 'real', T, {
      groups: byField({}, { lr: 0.01 }),
      // one more step in the cycle than the run takes: PyTorch's linear anneal goes below 0 past the end (one-cycle-lr.ts)
      schedulers: [sched('oneCycleLR', { maxLr: [0.1, 0.3], totalSteps: T + 1, threePhase: true, annealStrategy: 'linear', pctStart: 0.25 })],
    }),
    trainRun('sched/AdamW + LinearLR warm-up + CosineAnnealingLR, clipGradNorm_ (a transformer recipe)', small(58), mse, { name: 'adamw', lr: 0.01 }, 8, 'real', T, {
      schedulers: [sched('linearLR', { startFactor: 0.05, totalIters: 20 }), sched('cosineAnnealingLR', { tMax: T, etaMin: 1e-4 })],
      clip: norm(1),
    }),
    trainRun('sched/SGD + ReduceLROnPlateau on the loss', small(60), mse, { name: 'sgd', lr: 0.3 }, 8, 'real', T, { schedulers: [sched('reduceLROnPlateau', { patience: 3, threshold: 0.05, factor: 0.5, cooldown: 2 })] }),
    trainRun('sched/RMSprop + ExponentialLR', small(62), mse, { name: 'rmsprop', lr: 0.01 }, 8, 'real', T, { schedulers: [sched('exponentialLR', { gamma: 0.98 })] }),
    trainRun('sched/Adagrad + MultiStepLR', classifier(64), ce, { name: 'adagrad', lr: 0.1 }, 12, 'classes', T, { schedulers: [sched('multiStepLR', { milestones: [30, 60, 60, 100], gamma: 0.5 })] }),
    // stopped and resumed by chainrule from JSON state dicts; PyTorch runs straight through
    trainRun('resume/SGD Nesterov groups + StepLR, resumed at step 137', small(66), mse, { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true }, 8, 'real', TRAIN_STEPS, {
      groups: byLayer({}, { lr: 0.02, weightDecay: 1e-3 }),
      schedulers: [sched('stepLR', { stepSize: 50, gamma: 0.7 })],
      resumeAt: 137,
    }),
    trainRun('resume/Adam + OneCycleLR, resumed at step 101', classifier(68), ce, { name: 'adam', lr: 0.01 }, 12, 'classes', T, { schedulers: [sched('oneCycleLR', { maxLr: 0.03, totalSteps: T })], resumeAt: 101 }),
    trainRun('resume/AdamW groups + LinearLR + CosineAnnealingLR + clipGradNorm_, resumed at step 75', small(70), mse, { name: 'adamw', lr: 0.01 }, 8, 'real', T, {
      groups: byField({}, { weightDecay: 0 }),
      schedulers: [sched('linearLR', { startFactor: 0.1, totalIters: 10 }), sched('cosineAnnealingLR', { tMax: T })],
      clip: norm(0.5),
      resumeAt: 75,
    }),
    trainRun('resume/RMSprop centered momentum + ReduceLROnPlateau, resumed at step 77', small(72), mse, { name: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 }, 8, 'real', T, {
      schedulers: [sched('reduceLROnPlateau', { patience: 2, threshold: 0.02 })],
      resumeAt: 77,
    }),
    trainRun('resume/Adagrad lr decay + MultiStepLR, resumed at step 200', small(74), mse, { name: 'adagrad', lr: 0.1, lrDecay: 0.001 }, 8, 'real', TRAIN_STEPS, {
      schedulers: [sched('multiStepLR', { milestones: [100, 200, 250] })],
      resumeAt: 200,
    }),
    // resumed before the milestone: the cosine, still waiting (at epoch −1), restarts after the resume
    trainRun('resume/AdamW + SequentialLR(LinearLR warm-up, CosineAnnealingLR) at milestone 20, resumed at step 12', small(76), mse, { name: 'adamw', lr: 0.01 }, 8, 'real', T, {
      schedulers: [sequential([sched('linearLR', { startFactor: 0.05, totalIters: 20 }), sched('cosineAnnealingLR', { tMax: T - 20, etaMin: 1e-4 })], [20])],
      clip: norm(1),
      resumeAt: 12,
    }),
    trainRun('resume/SGD momentum + ChainedScheduler(StepLR, ExponentialLR), resumed at step 61', small(78), mse, { name: 'sgd', lr: 0.1, momentum: 0.9 }, 8, 'real', T, {
      schedulers: [chained([sched('stepLR', { stepSize: 25, gamma: 0.5 }), sched('exponentialLR', { gamma: 0.995 })])],
      resumeAt: 61,
    }),
  ];
}

/** Learning-rate schedules without a network: every scheduler's sequence of rates (and momenta) over its steps, per group. */
function scheduleCases(): Case[] {
  const sgd: OptimizerSpec = { name: 'sgd', lr: 0.1, momentum: 0.9 };
  const twoGroups: Options[] = [{}, { lr: 0.03 }];
  const schedule = (name: string, optimizer: OptimizerSpec, groups: Options[], schedulers: SchedulerSpec[], steps = 30, metrics?: number[]): Case => ({
    name: `schedule/${name}`,
    program: { type: 'schedule', optimizer, groups, schedulers, steps, metrics },
  });
  const one = (name: SingleSchedulerSpec['name'], options: Options): SchedulerSpec[] => [{ name, options }];
  // a loss that falls, stalls, wobbles and falls again
  const r = Rng.fromString('schedule/metrics');
  const metrics = Array.from({ length: 40 }, (_, t) => (t < 8 ? 10 - t : t < 20 ? 2 + 0.01 * r.normal() : t < 25 ? 1.5 - 0.1 * (t - 20) : 1 + 0.001 * r.normal()));
  return [
    schedule('StepLR stepSize 7, gamma 0.5', sgd, twoGroups, one('stepLR', { stepSize: 7, gamma: 0.5 })),
    schedule('StepLR every epoch, default gamma', sgd, twoGroups, one('stepLR', { stepSize: 1 }), 12),
    schedule('MultiStepLR repeated milestones', sgd, twoGroups, one('multiStepLR', { milestones: [5, 12, 12, 20], gamma: 0.3 })),
    schedule('MultiStepLR milestone 0 and unsorted', sgd, twoGroups, one('multiStepLR', { milestones: [9, 0, 3] })),
    schedule('ExponentialLR 0.9', sgd, twoGroups, one('exponentialLR', { gamma: 0.9 }), 40),
    schedule('ExponentialLR growing 1.05', { name: 'adam', lr: 1e-3 }, twoGroups, one('exponentialLR', { gamma: 1.05 })),
    schedule('CosineAnnealingLR tMax 10 etaMin 1e-3 past tMax (two restarts)', sgd, twoGroups, one('cosineAnnealingLR', { tMax: 10, etaMin: 1e-3 }), 45),
    schedule('CosineAnnealingLR tMax 30', { name: 'adamw', lr: 3e-4 }, twoGroups, one('cosineAnnealingLR', { tMax: 30 })),
    schedule('CosineAnnealingLR tMax 1', sgd, twoGroups, one('cosineAnnealingLR', { tMax: 1, etaMin: 0.01 }), 9),
    schedule('CosineAnnealingLR etaMin above a group rate', sgd, [{ lr: 0.01 }, { lr: 0.2 }], one('cosineAnnealingLR', { tMax: 7, etaMin: 0.05 }), 20),
    schedule('CosineAnnealingLR from a group initialLr', sgd, [{ lr: 0.05, initialLr: 0.1 }, {}], one('cosineAnnealingLR', { tMax: 12 }), 20),
    schedule('LinearLR defaults', sgd, twoGroups, one('linearLR', {}), 12),
    schedule('LinearLR 0.1 to 0.8 over 10', sgd, twoGroups, one('linearLR', { startFactor: 0.1, endFactor: 0.8, totalIters: 10 })),
    schedule('LinearLR decay to 0 over 20', { name: 'rmsprop', lr: 0.01 }, twoGroups, one('linearLR', { startFactor: 1, endFactor: 0, totalIters: 20 })),
    schedule('OneCycleLR cos, SGD momentum', sgd, twoGroups, one('oneCycleLR', { maxLr: 1, totalSteps: 30 })),
    // 39 steps: PyTorch's linear anneal extrapolated to step 40 is below 0, which chainrule makes 0 (one-cycle-lr.ts)
    schedule('OneCycleLR linear, pctStart 0.4, divFactors', sgd, twoGroups, one('oneCycleLR', { maxLr: 0.5, totalSteps: 40, pctStart: 0.4, annealStrategy: 'linear', divFactor: 10, finalDivFactor: 100 }), 39),
    schedule('OneCycleLR three-phase, epochs × stepsPerEpoch', sgd, twoGroups, one('oneCycleLR', { maxLr: 0.2, epochs: 5, stepsPerEpoch: 6, threePhase: true })),
    schedule('OneCycleLR Adam beta1, per-group maxLr and momenta', { name: 'adam', lr: 1e-3, betas: [0.9, 0.98] }, twoGroups, one('oneCycleLR', { maxLr: [0.1, 0.5], totalSteps: 25, baseMomentum: [0.8, 0.85], maxMomentum: 0.9 }), 25),
    schedule('OneCycleLR RMSprop momentum', { name: 'rmsprop', lr: 0.01, momentum: 0.9 }, twoGroups, one('oneCycleLR', { maxLr: 0.05, totalSteps: 30, pctStart: 0.5 })),
    schedule('OneCycleLR Adagrad without momentum cycling', { name: 'adagrad' }, twoGroups, one('oneCycleLR', { maxLr: 0.3, totalSteps: 20, cycleMomentum: false }), 20),
    schedule('ReduceLROnPlateau min rel', sgd, twoGroups, one('reduceLROnPlateau', { patience: 2 }), 40, metrics),
    schedule('ReduceLROnPlateau max abs, cooldown, minLr per group', sgd, twoGroups, one('reduceLROnPlateau', { mode: 'max', thresholdMode: 'abs', threshold: 0.05, cooldown: 2, patience: 1, minLr: [0.02, 0.005], factor: 0.5 }), 40, metrics.map((m) => -m)),
    schedule('ReduceLROnPlateau eps skips small cuts', sgd, [{ lr: 0.1 }, { lr: 2e-3 }], one('reduceLROnPlateau', { patience: 0, threshold: 0, factor: 0.5, eps: 1e-3 }), 40, metrics),
    schedule('chained LinearLR + ExponentialLR', sgd, twoGroups, [{ name: 'linearLR', options: { startFactor: 0.2, totalIters: 6 } }, { name: 'exponentialLR', options: { gamma: 0.95 } }]),
    schedule('chained LinearLR warm-up + CosineAnnealingLR', { name: 'adamw', lr: 1e-3 }, twoGroups, [{ name: 'linearLR', options: { startFactor: 0.01, totalIters: 5 } }, { name: 'cosineAnnealingLR', options: { tMax: 30, etaMin: 1e-5 } }]),
    schedule('chained StepLR + MultiStepLR', sgd, twoGroups, [{ name: 'stepLR', options: { stepSize: 4, gamma: 0.8 } }, { name: 'multiStepLR', options: { milestones: [10, 15] } }]),
    // SequentialLR: at a milestone the next scheduler restarts from its closed form at epoch 0 (PyTorch's step(0)).
    // These and the ChainedScheduler cases take the default tolerance: the same formulas in the same order give
    // the same bits, except where a cosine is taken (V8's Math.cos and the C library's cos may differ in the last bit)
    schedule('SequentialLR LinearLR warm-up then CosineAnnealingLR at milestone 5', { name: 'adamw', lr: 1e-3 }, twoGroups, [
      sequential([sched('linearLR', { startFactor: 0.01, totalIters: 5 }), sched('cosineAnnealingLR', { tMax: 25, etaMin: 1e-5 })], [5]),
    ]),
    schedule('SequentialLR milestone 3 cuts a 6-epoch warm-up short', sgd, twoGroups, [
      sequential([sched('linearLR', { startFactor: 0.1, endFactor: 0.9, totalIters: 6 }), sched('cosineAnnealingLR', { tMax: 10, etaMin: 0.01 })], [3]),
    ]),
    schedule('SequentialLR ExponentialLR, StepLR, MultiStepLR with milestone 0 (counted at its restart)', sgd, twoGroups, [
      sequential([sched('exponentialLR', { gamma: 0.8 }), sched('stepLR', { stepSize: 3, gamma: 0.5 }), sched('multiStepLR', { milestones: [0, 4, 8], gamma: 0.7 })], [6, 15]),
    ]),
    schedule('SequentialLR LinearLR then OneCycleLR (which rewrites initialLr and cycles momentum)', sgd, twoGroups, [
      sequential([sched('linearLR', { startFactor: 0.5, totalIters: 4 }), sched('oneCycleLR', { maxLr: 0.4, totalSteps: 22 })], [8]),
    ]),
    schedule('SequentialLR of one scheduler (no milestone)', sgd, twoGroups, [sequential([sched('stepLR', { stepSize: 4, gamma: 0.5 })], [])], 12),
    // ChainedScheduler: every scheduler stepped in order, their factors multiply
    schedule('ChainedScheduler StepLR + ExponentialLR', sgd, twoGroups, [chained([sched('stepLR', { stepSize: 4, gamma: 0.5 }), sched('exponentialLR', { gamma: 0.95 })])]),
    schedule('ChainedScheduler LinearLR warm-up + CosineAnnealingLR', { name: 'adam', lr: 1e-3 }, twoGroups, [
      chained([sched('linearLR', { startFactor: 0.1, totalIters: 6 }), sched('cosineAnnealingLR', { tMax: 30, etaMin: 1e-5 })]),
    ]),
  ];
}

/** clipGradNorm_ and clipGradValue_ on given gradients, ordinary and extreme. */
function clipCases(): Case[] {
  const grads = (name: string, shapes: (readonly number[] | null)[], scale = 1): (Encoded | null)[] => {
    const r = Rng.fromString(`clip/${name}`);
    return shapes.map((shape) => (shape === null ? null : encode(shape, Array.from({ length: sizeOf(shape) }, () => scale * r.normal()))));
  };
  const shapes = [[3, 4], [4], [2, 2, 2]];
  const clip = (name: string, g: (Encoded | null)[], spec: ClipSpec): Case => ({ name: `clip/${name}`, program: { type: 'clip', grads: g, clip: spec } });
  const norm = (maxNorm: number, normType?: number | 'inf'): ClipSpec => ({ kind: 'norm', maxNorm, normType });
  return [
    clip('norm 2, clipping', grads('a', shapes), norm(1)),
    clip('norm 2, below maxNorm (coefficient clamped to 1)', grads('b', shapes), norm(100)),
    clip('norm inf', grads('c', shapes), norm(0.5, 'inf')),
    clip('norm 1', grads('d', shapes), norm(2, 1)),
    clip('norm 3', grads('e', shapes), norm(0.7, 3)),
    clip('norm 0.5', grads('f', shapes), norm(3, 0.5)),
    clip('norm 2 with a parameter without gradient', grads('g', [[5], null, [2, 3]]), norm(0.1)),
    clip('norm 2 of zero gradients', [lit([0, 0, 0]), lit([[0, 0]])], norm(1)),
    clip('norm 2 of huge gradients', grads('h', shapes, 1e150), norm(1)),
    clip('norm 2 with NaN', [lit([1, NaN, 2]), lit([3])], norm(1)),
    clip('norm 2 with Infinity', [lit([1, Infinity, 2]), lit([3])], norm(1)),
    clip('norm inf with -Infinity', [lit([1, -Infinity]), lit([3])], norm(1, 'inf')),
    clip('value 0.3', grads('i', shapes), { kind: 'value', clipValue: 0.3 }),
    clip('value 0 and NaN', [lit([-1.5, 0, 2, NaN])], { kind: 'value', clipValue: 0 }),
  ];
}

/** Every case, in a fixed order; names are unique. */
export function buildCases(): Case[] {
  const cases = [
    ...perOpCases(),
    ...specialValueCases(),
    ...randomGraphCases(),
    ...autogradCases(),
    ...semanticsCases(),
    ...lossCases(),
    ...knownCases(),
    ...trainingCases(),
    ...layerCases(),
    ...optimCases(),
    ...scheduleCases(),
    ...clipCases(),
    ...convCases(),
  ];
  const names = new Set(cases.map((c) => c.name));
  if (names.size !== cases.length) throw new Error('cases: two cases share a name');
  return cases;
}

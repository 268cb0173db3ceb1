/**
 * Building case programs: {@link GraphBuilder} appends steps and tracks each tensor's shape, and the
 * pickers choose an op's arguments and parameters so that shapes fit. The same picker serves a
 * per-op case (every input a fresh leaf) and a random graph (inputs drawn from the tensors already
 * made, adapted to the op's domain), so one line in the op table gives an op both.
 */
import type { Encoded, Json, Operand, Step } from './program.js';
import { encode } from './program.js';
import type { Rng } from './prng.js';

/**
 * Where an input's values lie: anywhere; ≥ 0.25 (log, sqrt, a divisor); in [-1, 1] (exp, an
 * exponent); in [0.02, 0.98] for fresh leaves and [0.26, 0.74] from the pool (probabilities).
 */
export type Domain = 'any' | 'positive' | 'bounded' | 'unit';

/** A tensor of the program under construction. */
export interface Node {
  readonly ref: string;
  readonly shape: readonly number[];
  readonly requiresGrad: boolean;
}

/** An op's arguments (tensors, or plain numbers where the op takes a TensorLike), its parameters and its result's shape. */
export interface Picked<P> {
  readonly args: readonly (Node | number)[];
  readonly params: P;
  readonly shape: readonly number[];
}

/**
 * Chooses an op's arguments. `special` marks the ops that also get special-value cases (cases.ts),
 * and how: elementwise over one or two inputs, or as a reduction with `ReduceParams`.
 */
export interface Picker<P> {
  readonly pick: (g: GraphBuilder) => Picked<P>;
  readonly special?: 'unary' | 'binary' | 'reduce';
}

/** Constraints on an input's shape. */
export interface ShapeWant {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly test?: (shape: readonly number[]) => boolean;
}

const MAX_POOL_SIZE = 96; // elements; keeps random graphs small, so the whole run stays within about a minute

export const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** NumPy broadcasting of two shapes, or null when they do not broadcast. */
export function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

export class GraphBuilder {
  readonly steps: Step[] = [];
  /** Leaves that require grad, in creation order: the inputs of the gradient checks. */
  readonly gradLeaves: Node[] = [];
  private readonly pool: Node[] = [];
  private counter = 0;

  /**
   * @param mode `fresh`: every input is a new leaf (per-op cases); `pool`: inputs come from the
   *   tensors already made, preferring the newest (random graphs).
   */
  constructor(
    readonly rng: Rng,
    readonly mode: 'fresh' | 'pool',
  ) {}

  private newId(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** A value drawn from `domain`. */
  sample(domain: Domain): number {
    const r = this.rng;
    switch (domain) {
      case 'any':
        return r.normal();
      case 'positive':
        return r.uniform(0.25, 3);
      case 'bounded':
        return r.uniform(-1, 1);
      case 'unit':
        return r.uniform(0.02, 0.98);
    }
  }

  /** Random values of `shape` from `domain`, encoded. */
  values(shape: readonly number[], domain: Domain = 'any'): Encoded {
    return encode(shape, Array.from({ length: sizeOf(shape) }, () => this.sample(domain)));
  }

  /** A new leaf with the given values. */
  leafOf(value: Encoded, requiresGrad = true): Node {
    const node: Node = { ref: this.newId('x'), shape: value.shape, requiresGrad };
    this.steps.push({ kind: 'leaf', id: node.ref, value, requiresGrad });
    if (requiresGrad) this.gradLeaves.push(node);
    this.pool.push(node);
    return node;
  }

  /** A new leaf of `shape` drawn from `domain`. */
  leaf(shape: readonly number[], domain: Domain = 'any', requiresGrad = true): Node {
    return this.leafOf(this.values(shape, domain), requiresGrad);
  }

  /** A random shape of rank minRank..maxRank with dimensions 1..4. */
  randomShape(want: ShapeWant = {}): number[] {
    const lo = want.minRank ?? 0;
    const hi = want.maxRank ?? 3;
    for (let attempt = 0; attempt < 100; attempt++) {
      const shape = Array.from({ length: this.rng.int(lo, hi) }, () => this.rng.int(1, 4));
      if (sizeOf(shape) <= MAX_POOL_SIZE && (want.test === undefined || want.test(shape))) return shape;
    }
    throw new Error(`randomShape: no shape found for ${JSON.stringify({ lo, hi })}`);
  }

  /**
   * An input for an op: a fresh leaf, or (pool mode) a tensor already in the graph, preferring the
   * newest so the graph grows deep, passed through an adapter that maps it into `domain`.
   */
  input(domain: Domain = 'any', want: ShapeWant = {}): Node {
    if (this.mode === 'pool') {
      const fits = this.pool.filter(
        (n) =>
          n.shape.length >= (want.minRank ?? 0) &&
          n.shape.length <= (want.maxRank ?? 4) &&
          sizeOf(n.shape) <= MAX_POOL_SIZE &&
          (want.test === undefined || want.test(n.shape)),
      );
      if (fits.length > 0 && !this.rng.chance(0.1)) {
        const newest = fits[fits.length - 1];
        return this.adapt(this.rng.chance(0.6) ? newest : this.rng.pick(fits), domain);
      }
    }
    return this.leaf(this.randomShape(want), domain);
  }

  /** An input of exactly `shape`: in pool mode an existing tensor of that shape when there is one. */
  inputOfShape(shape: readonly number[], domain: Domain = 'any'): Node {
    if (this.mode === 'pool') {
      const same = this.pool.filter((n) => n.shape.length === shape.length && n.shape.every((d, i) => d === shape[i]));
      if (same.length > 0 && this.rng.chance(0.5)) return this.adapt(this.rng.pick(same), domain);
    }
    return this.leaf(shape, domain);
  }

  /** Maps a graph tensor into `domain` with ops of the table, so a random graph never feeds log a negative. */
  private adapt(node: Node, domain: Domain): Node {
    switch (domain) {
      case 'any':
        return node;
      case 'positive':
        return this.op('add', [this.op('abs', [node], null, node.shape), 0.25], null, node.shape);
      case 'bounded':
        return this.op('tanh', [node], null, node.shape);
      case 'unit':
        // σ(tanh x) keeps probabilities away from 0 and 1 (see BCELoss's secondOrderTolerance in ops.ts)
        return this.op('sigmoid', [this.op('tanh', [node], null, node.shape)], null, node.shape);
    }
  }

  /**
   * A shape that broadcasts with `shape`: some leading axes dropped or added, some axes set to 1,
   * and the input's own size-1 axes stretched, so both sides of broadcasting are exercised.
   */
  partnerShape(shape: readonly number[]): number[] {
    const r = this.rng;
    let out = shape.map((d) => (d === 1 && r.chance(0.3) ? r.int(2, 3) : r.chance(0.25) ? 1 : d));
    if (r.chance(0.3)) out = out.slice(r.int(0, out.length));
    else if (r.chance(0.2) && out.length < 4 && sizeOf(out) * 3 <= MAX_POOL_SIZE) out = [r.int(2, 3), ...out];
    return out;
  }

  /** A second operand for a broadcasting op: sometimes a plain number, else a tensor of a partner shape. */
  partner(shape: readonly number[], domain: Domain, allowNumber = true): Node | number {
    if (allowNumber && this.rng.chance(0.15)) return this.sample(domain);
    return this.inputOfShape(this.partnerShape(shape), domain);
  }

  /** Appends `op` (a row of the op table) and returns its result. */
  op(name: string, args: readonly (Node | number)[], params: Json, shape: readonly number[], differentiable = true): Node {
    const requiresGrad = differentiable && args.some((a) => typeof a !== 'number' && a.requiresGrad);
    const node: Node = { ref: this.newId('t'), shape: shape.slice(), requiresGrad };
    const operands: Operand[] = args.map((a) => (typeof a === 'number' ? { num: a } : { ref: a.ref }));
    this.steps.push({ kind: 'op', id: node.ref, op: name, args: operands, params });
    this.pool.push(node);
    return node;
  }

  /**
   * The gradient checks of a case, on its `output`: first order with a random seed (a
   * vector-Jacobian product) through both `gradients` (recording the graph) and `backward`, and
   * second order: the gradient of Σ dᵢ·wᵢ over the first-order gradients dᵢ, for random wᵢ.
   */
  checkGradients(output: Node): void {
    if (!output.requiresGrad || this.gradLeaves.length === 0) return;
    const seed = this.values(output.shape);
    const inputs = this.gradLeaves.map((n) => n.ref);
    const firsts = inputs.map((x) => `d(${x})`);
    this.steps.push({ kind: 'gradients', output: output.ref, inputs, ids: firsts, seed, createGraph: true });
    this.steps.push({
      kind: 'gradOfGrads',
      grads: firsts,
      weights: this.gradLeaves.map((n) => this.values(n.shape)),
      inputs,
      ids: inputs.map((x) => `dd(${x})`),
    });
    this.steps.push({ kind: 'backward', id: output.ref, seed });
  }
}

// ------------------------------------------------------------------ pickers

/** One input of `domain`; the result has its shape (elementwise unary ops). */
export function unary(domain: Domain = 'any'): Picker<null> {
  return {
    special: 'unary',
    pick(g) {
      const x = g.input(domain);
      return { args: [x], params: null, shape: x.shape };
    },
  };
}

/** Two inputs that broadcast (the second sometimes a plain number). */
export function binary(domainA: Domain = 'any', domainB: Domain = 'any'): Picker<null> {
  return {
    special: 'binary',
    pick(g) {
      const a = g.input(domainA);
      const b = g.partner(a.shape, domainB);
      return { args: [a, b], params: null, shape: typeof b === 'number' ? a.shape : broadcast(a.shape, b.shape)! };
    },
  };
}

/** Reduction parameters: all axes (null) or some, each as given (negative or not), one axis sometimes as a bare number. */
export interface ReduceParams {
  readonly [key: string]: Json;
  readonly axes: number | readonly number[] | null;
  readonly keepdims: boolean;
}

export const reduce: Picker<ReduceParams> = {
  special: 'reduce',
  pick(g) {
    const x = g.input('any', { minRank: 0, maxRank: 4 });
    const r = g.rng;
    const n = x.shape.length;
    const keepdims = r.chance(0.5);
    if (n === 0 || r.chance(0.25)) return { args: [x], params: { axes: null, keepdims }, shape: keepdims ? x.shape.map(() => 1) : [] };
    const chosen = r.shuffle(x.shape.map((_, i) => i)).slice(0, r.int(1, n)).sort((p, q) => p - q);
    const spelled = chosen.map((a) => (r.chance(0.3) ? a - n : a));
    const axes = spelled.length === 1 && r.chance(0.5) ? spelled[0] : spelled;
    const shape = keepdims ? x.shape.map((d, i) => (chosen.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !chosen.includes(i));
    return { args: [x], params: { axes, keepdims }, shape };
  },
};

/** One axis of an input of rank ≥ 1 (softmax, logSoftmax); the shape is unchanged. */
export const alongAxis: Picker<{ axis: number }> = {
  pick(g) {
    const x = g.input('any', { minRank: 1 });
    const n = x.shape.length;
    return { args: [x], params: { axis: g.rng.int(-n, n - 1) }, shape: x.shape };
  },
};

/** Matrix products by NumPy's rules: 1-D operands, and batches whose leading dimensions broadcast. */
export const matmul: Picker<null> = {
  pick(g) {
    const r = g.rng;
    const a = g.input('any', { minRank: 1, maxRank: 4 });
    const k = a.shape[a.shape.length - 1];
    const n = r.int(1, 4);
    const aBatch = a.shape.slice(0, -2);
    let bShape: number[];
    const roll = r.next();
    if (roll < 0.2) bShape = [k]; // matrix-vector (or dot product)
    else if (roll < 0.5 || aBatch.length === 0) bShape = [...(aBatch.length === 0 && r.chance(0.3) ? [r.int(2, 3)] : []), k, n];
    else bShape = [...g.partnerShape(aBatch), k, n]; // batch dims that broadcast against a's
    const b = g.inputOfShape(bShape);
    return { args: [a, b], params: null, shape: matmulShape(a.shape, bShape) };
  },
};

/** matmul's result shape by NumPy's rules (both operands of rank ≥ 1). */
export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const out = [...broadcast(a2.slice(0, -2), b2.slice(0, -2))!, a2[a2.length - 2], b2[b2.length - 1]];
  if (b.length === 1) out.splice(out.length - 1, 1);
  if (a.length === 1) out.splice(out.length - (b.length === 1 ? 1 : 2), 1);
  return out;
}

/** chainrule's matmul with its transposeA/transposeB flags: the stored operands are the transposes. */
export const matmulTransposed: Picker<{ transposeA: boolean; transposeB: boolean }> = {
  pick(g) {
    const r = g.rng;
    const [m, k, n] = [r.int(1, 4), r.int(1, 4), r.int(1, 4)];
    const batch = r.chance(0.4) ? [r.int(2, 3)] : [];
    const transposeA = r.chance(0.5);
    const transposeB = !transposeA || r.chance(0.5);
    const a = g.inputOfShape([...batch, ...(transposeA ? [k, m] : [m, k])]);
    const b = g.inputOfShape([...(r.chance(0.5) ? batch : []), ...(transposeB ? [n, k] : [k, n])]);
    return { args: [a, b], params: { transposeA, transposeB }, shape: [...batch, m, n] };
  },
};

/** A new shape with the same number of elements, sometimes with one -1. */
export const reshape: Picker<{ shape: number[] }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input();
    let rest = sizeOf(x.shape);
    const shape: number[] = [];
    const rank = r.int(0, 3);
    for (let i = 0; i < rank; i++) {
      const divisors = Array.from({ length: rest }, (_, d) => d + 1).filter((d) => rest % d === 0);
      const d = r.pick(divisors);
      shape.push(d);
      rest /= d;
    }
    if (rest !== 1 || rank === 0) shape.push(rest);
    const spelled = shape.slice();
    if (r.chance(0.3)) spelled[r.int(0, spelled.length - 1)] = -1;
    return { args: [x], params: { shape: spelled }, shape };
  },
};

/** Any input, flattened to one axis. */
export const flatten: Picker<null> = {
  pick(g) {
    const x = g.input();
    return { args: [x], params: null, shape: [sizeOf(x.shape)] };
  },
};

/** Two axes to swap, or none (the last two). */
export const transpose: Picker<{ axes: [number, number] | null }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 2, maxRank: 4 });
    const n = x.shape.length;
    const shape = x.shape.slice();
    if (r.chance(0.3)) {
      [shape[n - 2], shape[n - 1]] = [shape[n - 1], shape[n - 2]];
      return { args: [x], params: { axes: null }, shape };
    }
    const i = r.int(0, n - 1);
    const j = r.int(0, n - 1);
    [shape[i], shape[j]] = [shape[j], shape[i]];
    return { args: [x], params: { axes: [r.chance(0.3) ? i - n : i, j] }, shape };
  },
};

/** A random permutation of the axes, some written negative. */
export const permute: Picker<{ axes: number[] }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1, maxRank: 4 });
    const n = x.shape.length;
    const order = r.shuffle(x.shape.map((_, i) => i));
    return { args: [x], params: { axes: order.map((a) => (r.chance(0.3) ? a - n : a)) }, shape: order.map((a) => x.shape[a]) };
  },
};

/** A target shape for expand/broadcastTo: size-1 axes stretched, leading axes added; -1 keeps an axis (expand only). */
export function expandTo(allowKeep: boolean): Picker<{ shape: number[] }> {
  return {
    pick(g) {
      const r = g.rng;
      const x = g.input('any', { maxRank: 3 });
      const lead = x.shape.length < 3 && r.chance(0.5) ? [r.int(1, 3)] : [];
      const own = x.shape.map((d) => (d === 1 ? r.int(1, 3) : d));
      const shape = [...lead, ...own];
      const spelled = [...lead, ...own.map((d, i) => (allowKeep && d === x.shape[i] && r.chance(0.3) ? -1 : d))];
      return { args: [x], params: { shape: spelled }, shape };
    },
  };
}

/** A slice with Python's rules: negative and out-of-range bounds, a step; never empty. */
export const slice: Picker<{ axis: number; start: number; end: number | null; step: number }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1 });
    const n = x.shape.length;
    const axis = r.int(0, n - 1);
    const len = x.shape[axis];
    const s = r.int(0, len - 1);
    const e = r.int(s + 1, len);
    const step = r.pick([1, 1, 2, 3]);
    const start = r.chance(0.3) ? s - len : s;
    // the same end, spelled in every way Python allows: left out or past the end (only for the end itself), negative
    const end = e === len ? r.pick([null, len, len + 5]) : r.chance(0.3) ? e - len : e;
    const shape = x.shape.slice();
    shape[axis] = Math.ceil((e - s) / step);
    return { args: [x], params: { axis: r.chance(0.3) ? axis - n : axis, start, end, step }, shape };
  },
};

/** squeeze of all size-1 axes (null) or of one. */
export const squeeze: Picker<{ axis: number | null }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1, test: (s) => s.includes(1) });
    const ones = x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    if (r.chance(0.4)) return { args: [x], params: { axis: null }, shape: x.shape.filter((d) => d !== 1) };
    const axis = r.pick(ones);
    return { args: [x], params: { axis: r.chance(0.3) ? axis - x.shape.length : axis }, shape: x.shape.filter((_, i) => i !== axis) };
  },
};

export const unsqueeze: Picker<{ axis: number }> = {
  pick(g) {
    const x = g.input('any', { maxRank: 3 });
    const n = x.shape.length + 1;
    const axis = g.rng.int(-n, n - 1);
    const shape = x.shape.slice();
    shape.splice(axis < 0 ? axis + n : axis, 0, 1);
    return { args: [x], params: { axis }, shape };
  },
};

/** concat along an axis: tensors that differ only there; sometimes the same tensor twice (its gradient then sums). */
export const concat: Picker<{ axis: number }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1 });
    const n = x.shape.length;
    const axis = r.int(0, n - 1);
    const others = Array.from({ length: r.int(1, 2) }, () => {
      if (r.chance(0.25)) return x;
      const shape = x.shape.slice();
      shape[axis] = r.int(1, 3);
      return g.inputOfShape(shape);
    });
    const parts = r.shuffle([x, ...others]);
    const shape = x.shape.slice();
    shape[axis] = parts.reduce((sum, p) => sum + p.shape[axis], 0);
    return { args: parts, params: { axis: r.chance(0.3) ? axis - n : axis }, shape };
  },
};

/** stack of tensors of one shape along a new axis. */
export const stack: Picker<{ axis: number }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { maxRank: 3 });
    const parts = [x, ...Array.from({ length: r.int(1, 2) }, () => (r.chance(0.25) ? x : g.inputOfShape(x.shape)))];
    const n = x.shape.length + 1;
    const axis = r.int(-n, n - 1);
    const shape = x.shape.slice();
    shape.splice(axis < 0 ? axis + n : axis, 0, parts.length);
    return { args: parts, params: { axis }, shape };
  },
};

/** clamp with a lower bound, an upper bound, or both. */
export const clamp: Picker<{ min: number | null; max: number | null }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input();
    const lo = r.uniform(-1, 0.3);
    const hi = lo + r.uniform(0, 1.5);
    const which = r.int(0, 2);
    return { args: [x], params: { min: which === 1 ? null : lo, max: which === 0 ? null : hi }, shape: x.shape };
  },
};

/** where(condition, a, b): the condition made by gt from a graph tensor (not differentiable), a and b broadcasting with it. */
export const where: Picker<null> = {
  pick(g) {
    const src = g.input();
    const cond = g.op('gt', [src, 0], null, src.shape, false);
    const a = g.partner(cond.shape, 'any', false) as Node;
    const both = broadcast(cond.shape, a.shape)!;
    const b = g.partner(both, 'any', false) as Node;
    return { args: [cond, a, b], params: null, shape: broadcast(both, b.shape)! };
  },
};

/** y = x Wᵀ + b: x [N, in] or [in], W [out, in], b [out], a shared scalar [] or none. */
export const linear: Picker<{ bias: 'unit' | 'shared' | 'none' }> = {
  pick(g) {
    const r = g.rng;
    const x = g.input('any', { minRank: 1, maxRank: 2 });
    const inF = x.shape[x.shape.length - 1];
    const outF = r.int(1, 4);
    const w = g.inputOfShape([outF, inF]);
    const bias = r.pick(['unit', 'shared', 'none'] as const);
    const args: Node[] = [x, w];
    if (bias !== 'none') args.push(g.inputOfShape(bias === 'shared' ? [] : [outF]));
    return { args, params: { bias }, shape: [...x.shape.slice(0, -1), outF] };
  },
};

/** A loss over a prediction and a same-shape target (which sometimes requires grad too), with a reduction. */
export function pairLoss(reductions: readonly string[], predDomain: Domain, targetDomain: Domain): Picker<{ reduction: string }> {
  return {
    pick(g) {
      const pred = g.input(predDomain, { minRank: 1 });
      const target = g.rng.chance(0.5) ? g.leaf(pred.shape, targetDomain, false) : g.inputOfShape(pred.shape, targetDomain);
      return { args: [pred, target], params: { reduction: g.rng.pick(reductions) }, shape: [] };
    },
  };
}

/** Cross-entropy with class indices: logits [N, C] with N indices, or [C] with one. */
export const crossEntropyIndices: Picker<{ reduction: string; target: number | number[] }> = {
  pick(g) {
    const r = g.rng;
    const logits = g.input('any', { minRank: 1, maxRank: 2 });
    const C = logits.shape[logits.shape.length - 1];
    const target = logits.shape.length === 2 ? Array.from({ length: logits.shape[0] }, () => r.int(0, C - 1)) : r.int(0, C - 1);
    return { args: [logits], params: { reduction: r.pick(['mean', 'sum']), target }, shape: [] };
  },
};

/** Cross-entropy with class probabilities of the logits' shape (each row a softmax of random numbers, so it sums to 1). */
export const crossEntropyProbs: Picker<{ reduction: string }> = {
  pick(g) {
    const r = g.rng;
    const logits = g.input('any', { minRank: 1, maxRank: 2 });
    const C = logits.shape[logits.shape.length - 1];
    const rows = sizeOf(logits.shape) / C;
    const probs: number[] = [];
    for (let i = 0; i < rows; i++) {
      const e = Array.from({ length: C }, () => Math.exp(r.normal()));
      const total = e.reduce((s, v) => s + v, 0);
      probs.push(...e.map((v) => v / total));
    }
    const target = g.leafOf(encode(logits.shape, probs), r.chance(0.3));
    return { args: [logits, target], params: { reduction: r.pick(['mean', 'sum']) }, shape: [] };
  },
};

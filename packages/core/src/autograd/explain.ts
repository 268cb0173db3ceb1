/**
 * explain: the chain rule written out. For a scalar output and one element of a tensor it depends
 * on, lists every path through the recorded graph with each local derivative named and valued,
 * each path's product, and their sum, next to the gradient autodiff computes.
 *
 * The graph's vertices are elements (tensor, flat index). The local derivative ∂y[a]/∂x[b] of any
 * op comes from the op's own gradient rules, called with a one-hot gradient for y[a] and summed
 * back to x's shape, so no op needs code of its own here. The graph is ordered by the engine's own
 * `graphOrder`.
 * @module
 */
import { AutogradError, ShapeError, fmtShape } from '../errors.js';
import { allocBuffer } from '../dtype.js';
import { noGrad } from '../grad-mode.js';
import { freedGraphError, type OpContext } from '../op.js';
import { Tensor } from '../tensor.js';
import { gradients, graphOrder, reduceToShape } from './engine.js';

/** One local derivative on a path: d(`of`)/d(`wrt`) = `value`. */
export interface ExplainFactor {
  /** Label of the vertex differentiated, e.g. `'E_total'`. */
  readonly of: string;
  /** Label of the vertex differentiated with respect to, e.g. `'out_o1'`. */
  readonly wrt: string;
  /** The derivative, summed over the unnamed intermediates between the two vertices. */
  readonly value: number;
}

/** One chain-rule path from the output to the target element. */
export interface ExplainPath {
  /** The factors, from the output down to the target. */
  readonly factors: readonly ExplainFactor[];
  /** The product of the factors' values. */
  readonly product: number;
}

/** What {@link explain} found. */
export interface Explanation {
  /** Label of the output, e.g. `'E_total'`. */
  readonly output: string;
  /** Label of the target element, e.g. `'w5'` or `'weight[1,0]'`. */
  readonly target: string;
  /** The paths listed (at most `maxPaths`), in graph order: first input first. */
  readonly paths: readonly ExplainPath[];
  /** How many paths there are in all (may exceed `paths.length` when capped). */
  readonly pathCount: number;
  /** True when there are more paths than `maxPaths`, so not every path is listed. */
  readonly capped: boolean;
  /** The chain rule's answer: the sum of the products over all paths (every path, even when capped). */
  readonly total: number;
  /** The same derivative computed by the autodiff engine (`gradients`), for comparison. */
  readonly autodiff: number;
  /** The derivation as text, e.g. `dE_total/dw5 = dE_total/dout_o1 × ... = 0.74136507 × ... = 0.082167041`. */
  toString(): string;
}

/** Options of {@link explain}. */
export interface ExplainOptions {
  /**
   * Which vertices a path shows: `'named'` (default) shows elements of named tensors only, the
   * factor between two of them being the derivative through the unnamed ops in between;
   * `'all'` shows every element the path passes, unnamed ones labelled like `sigmoid#3[0]`.
   */
  steps?: 'named' | 'all';
  /** At most this many paths are listed (default 1000); the total still sums every path. */
  maxPaths?: number;
  /** Formats numbers in `toString()` (default: 9 decimals, trailing zeros dropped; 6 significant digits below 1e-4). */
  format?: (value: number) => string;
}

const elementNames = new WeakMap<Tensor, readonly string[]>();

/**
 * Names the elements of a tensor one by one, in flat (row-major) order, for {@link explain}:
 * `nameElements(outO, ['out_o1', 'out_o2'])`. An element name takes precedence over the tensor's
 * name. Returns the tensor.
 *
 * @example
 * ```ts
 * const w = nameElements(tensor([[0.4, 0.45], [0.5, 0.55]], { requiresGrad: true }), ['w5', 'w6', 'w7', 'w8']);
 * ```
 */
export function nameElements<T extends Tensor>(t: T, names: readonly string[]): T {
  if (names.length !== t.size) {
    throw new ShapeError(`nameElements: ${names.length} name(s) for a tensor of shape ${fmtShape(t.shape)} (${t.size} elements)`);
  }
  elementNames.set(t, names.slice());
  return t;
}

/** The names given by {@link nameElements}, or undefined. */
export function getElementNames(t: Tensor): readonly string[] | undefined {
  return elementNames.get(t);
}

/** Default number format: the article's 9 decimals, trailing zeros dropped. */
function defaultFormat(v: number): string {
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toPrecision(6);
  const s = v.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** One row of a local Jacobian per input: ∂out[a]/∂inputs[i][b] for every b (null: no edge). */
type Rows = readonly (Float64Array | Float32Array | null)[];

/**
 * Lists every chain-rule path from the scalar `output` to element `index` (flat, row-major) of
 * `target`, a tensor `output` was computed from: a parameter, an input, or an intermediate result.
 *
 * Rule: d output / d target[index] = Σ over paths Π over the path's edges of the local derivative.
 * Vertices are elements; the edge (y[a] → x[b]) of an op with result y and input x carries
 * ∂y[a]/∂x[b], read from the op's own backward given a one-hot gradient at a and summed back to
 * x's shape; an op that uses x twice (x·x) gives one edge carrying the sum (2x). Entries that are
 * exactly 0 are no edge (a path through them would contribute 0; a saturated tanh drops out). By default
 * a path shows only elements of named tensors (`tensor.name`, or {@link nameElements}), plus the
 * two ends; the factor between two shown vertices is the derivative through the unnamed elements
 * between them (the sum over those sub-paths), as a hand derivation writes dE/dout_o1 without
 * its subtraction and squaring. The sum over paths is checked against `gradients` by the caller.
 *
 * explain never frees or changes the graph: it calls each op's backward directly with recording
 * off, and the autodiff value is computed with `retainGraph`. It needs the graph's saved tensors,
 * so call it before `backward()`, or pass `{ retainGraph: true }` to that backward. Gradient hooks
 * run during the autodiff comparison.
 *
 * @example
 * ```ts
 * const w5 = tensor(0.4, { requiresGrad: true, name: 'w5' });
 * const netO1 = w5.mul(0.593269992).add(0.8685979701).named('net_o1');
 * const outO1 = netO1.sigmoid().named('out_o1');
 * const E = tensor(0.01).sub(outO1).square().mul(0.5).named('E_total');
 * console.log(explain(E, w5).toString());
 * // dE_total/dw5 = dE_total/dout_o1 × dout_o1/dnet_o1 × dnet_o1/dw5
 * //              = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
 * ```
 */
export function explain(output: Tensor, target: Tensor, index = 0, options: ExplainOptions = {}): Explanation {
  const steps = options.steps ?? 'named';
  const maxPaths = options.maxPaths ?? 1000;
  const format = options.format ?? defaultFormat;
  if (output.size !== 1) {
    throw new ShapeError(`explain: the output must have one element; it has shape ${fmtShape(output.shape)}. Reduce it first (e.g. .sum()) or slice one element`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= target.size) {
    throw new ShapeError(`explain: index ${index} is outside the target of shape ${fmtShape(target.shape)} (${target.size} elements, flat row-major index)`);
  }
  if (!target.requiresGrad) {
    throw new AutogradError(`explain: the target${target.name ? ` '${target.name}'` : ''} does not require grad, so no gradient reaches it`);
  }
  if (!output.requiresGrad) throw new AutogradError('explain: the output does not require grad and has no recorded graph');

  // Tensors between output and target, output first (each before its inputs), and which reach target.
  const { order } = graphOrder([output], true);
  const reaches = new Set<Tensor>();
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    if (t === target) reaches.add(t);
    else if (t.gradFn !== null && t.gradFn.inputs.some((x, i) => t.gradFn!.gradFlags[i] && reaches.has(x))) reaches.add(t);
  }
  const tensors = order.filter((t) => reaches.has(t));
  const rank = new Map<Tensor, number>(tensors.map((t, k) => [t, k]));
  for (const t of tensors) if (t !== target && t.gradFn?.freed) throw freedGraphError(`${t.gradFn.op.name} (explain needs the graph: call it before backward(), or backward({ retainGraph: true }))`);

  // Labels: element names, tensor names with an index, or op#k[index] for unnamed tensors.
  const label = (t: Tensor, i: number): string => {
    const names = elementNames.get(t);
    if (names !== undefined) return names[i];
    const base = t.name ?? `${t.gradFn === null ? 'leaf' : t.gradFn.op.name}#${rank.get(t) ?? '?'}`;
    return t.size === 1 ? base : `${base}[${unravel(i, t.shape).join(',')}]`;
  };
  const isShown = (t: Tensor): boolean => steps === 'all' || t.name !== undefined || elementNames.has(t);

  // Local Jacobian rows, computed once per (node, element).
  const rowCache = new Map<OpContext, Map<number, Rows>>();
  const rows = (t: Tensor, a: number): Rows => {
    const node = t.gradFn!;
    let perNode = rowCache.get(node);
    if (perNode === undefined) rowCache.set(node, (perNode = new Map()));
    let r = perNode.get(a);
    if (r === undefined) {
      r = localRows(t, node, a);
      perNode.set(a, r);
    }
    return r;
  };

  // The shown graph: from each shown vertex, the derivative to each next shown vertex, summed
  // over the unnamed elements in between (a sparse backward pass stopped at shown vertices).
  type Vertex = { t: Tensor; i: number; key: string };
  const vertexKey = (t: Tensor, i: number) => `${rank.get(t)}:${i}`;
  const edges = new Map<string, { to: Vertex; value: number }[]>();
  const vertices = new Map<string, Vertex>();
  const root: Vertex = { t: output, i: 0, key: vertexKey(output, 0) };
  vertices.set(root.key, root);
  const targetKey = vertexKey(target, index);
  const queue: Vertex[] = output === target ? [] : [root];
  while (queue.length > 0) {
    const source = queue.pop()!;
    const pending = new Map<Tensor, Map<number, number>>();
    const push = (t: Tensor, i: number, c: number) => {
      let m = pending.get(t);
      if (m === undefined) pending.set(t, (m = new Map()));
      m.set(i, (m.get(i) ?? 0) + c);
    };
    const expand = (t: Tensor, a: number, c: number) => {
      const node = t.gradFn!;
      const r = rows(t, a);
      node.inputs.forEach((x, k) => {
        const row = r[k];
        if (row === null || !reaches.has(x)) return;
        for (let b = 0; b < row.length; b++) if (row[b] !== 0) push(x, b, c * row[b]);
      });
    };
    expand(source.t, source.i, 1);
    const out: { to: Vertex; value: number }[] = [];
    for (let k = rank.get(source.t)! + 1; k < tensors.length; k++) {
      const t = tensors[k];
      const m = pending.get(t);
      if (m === undefined) continue;
      for (const [i, c] of [...m].sort((p, q) => p[0] - q[0])) {
        const key = vertexKey(t, i);
        if (key === targetKey || isShown(t)) {
          let v = vertices.get(key);
          if (v === undefined) {
            vertices.set(key, (v = { t, i, key }));
            if (key !== targetKey && t.gradFn !== null) queue.push(v);
          }
          out.push({ to: v, value: c });
        } else if (t.gradFn !== null) expand(t, i, c);
      }
    }
    edges.set(source.key, out);
  }

  // Over the shown graph (a DAG): each vertex's derivative sum and path count to the target.
  const shown = [...vertices.values()].sort((p, q) => rank.get(q.t)! - rank.get(p.t)! || q.i - p.i);
  const total = new Map<string, number>();
  const count = new Map<string, number>();
  for (const v of shown) {
    if (v.key === targetKey) {
      total.set(v.key, 1);
      count.set(v.key, 1);
      continue;
    }
    let s = 0;
    let n = 0;
    for (const e of edges.get(v.key) ?? []) {
      if (!count.get(e.to.key)) continue;
      s += e.value * total.get(e.to.key)!;
      n += count.get(e.to.key)!;
    }
    total.set(v.key, s);
    count.set(v.key, n);
  }
  const pathCount = count.get(root.key) ?? 0;

  // Enumerate paths depth-first (iteratively), up to maxPaths.
  const paths: ExplainPath[] = [];
  if (output === target) paths.push({ factors: [], product: 1 });
  else if (pathCount > 0) {
    const stack: { v: Vertex; next: number; factors: ExplainFactor[]; product: number }[] = [{ v: root, next: 0, factors: [], product: 1 }];
    while (stack.length > 0 && paths.length < maxPaths) {
      const top = stack[stack.length - 1];
      if (top.v.key === targetKey) {
        paths.push({ factors: top.factors, product: top.product });
        stack.pop();
        continue;
      }
      const es = edges.get(top.v.key) ?? [];
      while (top.next < es.length && !count.get(es[top.next].to.key)) top.next++;
      if (top.next >= es.length) {
        stack.pop();
        continue;
      }
      const e = es[top.next++];
      const factor: ExplainFactor = { of: label(top.v.t, top.v.i), wrt: label(e.to.t, e.to.i), value: e.value };
      stack.push({ v: e.to, next: 0, factors: [...top.factors, factor], product: top.product * e.value });
    }
  }

  const autodiff = output === target ? 1 : autodiffValue(output, target, index);
  const outputLabel = label(output, 0);
  const targetLabel = label(target, index);
  const result: Explanation = {
    output: outputLabel,
    target: targetLabel,
    paths,
    pathCount,
    capped: pathCount > paths.length,
    total: output === target ? 1 : (total.get(root.key) ?? 0),
    autodiff,
    toString: () => render(result, format),
  };
  return result;
}

/** ∂out[a]/∂inputs[k] for every input k, from the op's backward with a one-hot gradient. */
function localRows(out: Tensor, node: OpContext, a: number): Rows {
  if (node.freed) throw freedGraphError(node.op.name);
  const buffer = allocBuffer(out.dtype, out.size);
  buffer[a] = 1;
  const oneHot = new Tensor(buffer, out.shape);
  return noGrad(() =>
    node.inputs.map((x, k) => {
      if (!node.gradFlags[k]) return null;
      const g = node.op.gradient(node, oneHot, k);
      return g === null ? null : reduceToShape(g, x.shape, node.op.name, node.op.inputName(k)).buffer;
    }),
  );
}

function autodiffValue(output: Tensor, target: Tensor, index: number): number {
  const [g] = gradients(output, [target], { retainGraph: true, allowUnused: 'zeros' });
  return g!.buffer[index];
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function render(e: Explanation, format: (v: number) => string): string {
  const d = (of: string, wrt: string) => `d${of}/d${wrt}`;
  const head = d(e.output, e.target);
  const line = (p: ExplainPath) => {
    if (p.factors.length === 0) return `1`;
    const names = p.factors.map((f) => d(f.of, f.wrt)).join(' × ');
    if (p.factors.length === 1) return `${names} = ${format(p.product)}`;
    return `${names} = ${p.factors.map((f) => format(f.value)).join(' × ')} = ${format(p.product)}`;
  };
  const check = `(autodiff: ${format(e.autodiff)})`;
  if (e.pathCount === 0) return `${head} = 0: no path from ${e.output} to ${e.target} ${check}`;
  if (e.pathCount === 1 && e.paths.length === 1) {
    const p = e.paths[0];
    // a single factor is the derivative itself: print it once
    return p.factors.length === 1 ? `${head} = ${format(p.product)} ${check}` : `${head} = ${line(p)} ${check}`;
  }
  const lines = [`${head} = sum over ${e.pathCount} paths of the product along each:`];
  e.paths.forEach((p, k) => lines.push(`  path ${k + 1}: ${line(p)}`));
  if (e.capped) lines.push(`  ... ${e.pathCount - e.paths.length} more paths not listed (maxPaths ${e.paths.length}); the total sums them all`);
  lines.push(`  total: ${format(e.total)} ${check}`);
  return lines.join('\n');
}

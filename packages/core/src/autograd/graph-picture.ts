/**
 * Pictures of the recorded graph: {@link toDot} (Graphviz), {@link toMermaid} (Markdown renderers)
 * and {@link toSvg} (a finished picture, laid out here with dagre, in Node or a browser, no Graphviz).
 *
 * All three draw the same picture model: one box per tensor (a leaf, or the result of an op,
 * titled with the op's name), an arrow from each input to the op that used it, labelled with the
 * input's name (`x`, `weight`, `target`). Optional lines show shapes, values and gradients.
 * Unnamed one-element constants (the `0.5` of `x.mul(0.5)`) are written into the op's box instead
 * of getting a box of their own; in a large graph, runs of repeated structure (the layers of a
 * deep MLP, the steps of an unrolled loop, a long chain of elementwise ops) become one box each.
 * @module
 */
import dagre from '@dagrejs/dagre';
import { ChainruleError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { gradients } from './engine.js';
import { getElementNames } from './explain.js';

/**
 * Options of {@link toDot}, {@link toMermaid} and {@link toSvg}.
 * @example
 * ```ts
 * toSvg(loss, { values: true, gradients: true, direction: 'LR', title: 'one step' });
 * ```
 */
export interface GraphPictureOptions {
  /** Show each tensor's values (default false). */
  values?: boolean;
  /**
   * Show each tensor's gradient d(output)/d(tensor) (default false). Computed with `gradients`
   * (the graph is kept; hooks run) when `output` has one element and its graph was not freed by a
   * `backward()`; otherwise the `.grad` each tensor holds (leaves after `backward()`).
   */
  gradients?: boolean;
  /** At most this many elements of a tensor are listed (default 8); larger ones show a summary. */
  maxElements?: number;
  /** Formats numbers (default: 9 decimals with trailing zeros dropped, 6 significant digits below 1e-4 or from 1e6). */
  format?: (value: number) => string;
  /** Layout direction: `'TB'` (default; inputs at the top, the output at the bottom), `'LR'`, `'BT'` or `'RL'`. */
  direction?: 'TB' | 'LR' | 'BT' | 'RL';
  /**
   * Collapse runs of repeated structure into one box each: `'auto'` (default) when the picture
   * would have more than 40 boxes, `true` always, `false` never.
   */
  collapse?: boolean | 'auto';
  /** Draws boxes into labelled groups (a cluster per name), e.g. one per module; undefined: no group. */
  group?: (t: Tensor) => string | undefined;
  /** A caption (SVG: drawn above the graph; DOT and Mermaid: the graph's label or title). */
  title?: string;
  /** SVG only: prefix of the ids inside the SVG, so several pictures can share one page (default `'cr'`). */
  idPrefix?: string;
}

/**
 * One box of a picture.
 * @example
 * ```ts
 * { id: 't7', kind: 'op', title: 'sigmoid', lines: ['[2]', 'out_h1 = 0.593269992', 'out_h2 = 0.596884378'],
 *   group: undefined, isOutput: false, tensorIds: [7] }
 * ```
 */
export interface PictureNode {
  /** Stable id: `t` and the tensor's id (`t12`), or `r` and the first tensor's id for a collapsed run. */
  readonly id: string;
  /** An op's result, a leaf that requires grad, a leaf that does not (an input or a constant), or a collapsed run. */
  readonly kind: 'op' | 'param' | 'input' | 'run';
  /** First line: the op name or the leaf's name. */
  readonly title: string;
  /** Further lines: shape, values, gradients. */
  readonly lines: readonly string[];
  /** The group from `options.group`, if any. */
  readonly group: string | undefined;
  /** Whether this box is the output the picture was drawn from. */
  readonly isOutput: boolean;
  /** Ids of the tensors the box stands for (one, or every tensor of a collapsed run). */
  readonly tensorIds: readonly number[];
}

/**
 * One arrow: the tensor `from` went into `to` as the input `label`.
 * @example
 * ```ts
 * { from: 't1', to: 't4', label: 'weight', carriesGradient: true }
 * ```
 */
export interface PictureEdge {
  readonly from: string;
  readonly to: string;
  /** The input's name (`x`, `weight`), with `×n` when one arrow stands for n uses. */
  readonly label: string;
  /** False when no gradient flows along it (the op needs none for that input). */
  readonly carriesGradient: boolean;
}

/**
 * The picture all three formats draw, from {@link buildPicture}.
 * @example
 * ```ts
 * const { nodes, edges, tensorCount } = buildPicture(loss);
 * nodes.filter((n) => n.kind === 'param').map((n) => n.title); // ['w1, w2, w3, w4', 'w5, w6, w7, w8']
 * ```
 */
export interface Picture {
  readonly nodes: readonly PictureNode[];
  readonly edges: readonly PictureEdge[];
  /** How many tensors the picture stands for (before collapsing and inlining). */
  readonly tensorCount: number;
}

const DEFAULT_MAX_ELEMENTS = 8;
const AUTO_COLLAPSE_ABOVE = 40;
const MAX_PERIOD = 8;
const MIN_REPEATS = 3;
const MAX_BRANCH = 12; // op nodes of one block besides its root (larger side branches stay unrolled)

/** Default number format: the article's 9 decimals, trailing zeros dropped. */
function defaultFormat(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (v !== 0 && (a < 1e-4 || a >= 1e6)) return v.toPrecision(6);
  const s = v.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** The tensors of the graph below `output` (every input of every op, not only those carrying a gradient), output first. */
function collect(output: Tensor): Tensor[] {
  const seen = new Set<Tensor>([output]);
  const out: Tensor[] = [];
  const stack: Tensor[] = [output];
  while (stack.length > 0) {
    const t = stack.pop()!;
    out.push(t);
    const inputs = t.gradFn?.inputs ?? [];
    for (let i = inputs.length - 1; i >= 0; i--) {
      if (!seen.has(inputs[i])) {
        seen.add(inputs[i]);
        stack.push(inputs[i]);
      }
    }
  }
  return out;
}

/** An unnamed one-element leaf that needs no gradient: written into its op's box. */
function isInlined(t: Tensor, output: Tensor): boolean {
  return t !== output && t.gradFn === null && !t.requiresGrad && t.size === 1 && t.name === undefined && getElementNames(t) === undefined;
}

/** d(output)/d(t) for every tensor that requires grad, or the stored `.grad`s when they cannot be computed. */
function gradientsOf(output: Tensor, tensors: readonly Tensor[]): Map<Tensor, Tensor> {
  const result = new Map<Tensor, Tensor>();
  const intact = output.size === 1 && output.requiresGrad && tensors.every((t) => t.gradFn === null || !t.gradFn.freed);
  if (intact) {
    const targets = tensors.filter((t) => t.requiresGrad);
    const grads = gradients(output, targets, { retainGraph: true, allowUnused: 'zeros' });
    targets.forEach((t, i) => result.set(t, grads[i]!));
  } else {
    for (const t of tensors) if (t.grad !== null) result.set(t, t.grad);
  }
  return result;
}

/** Lines listing a tensor's elements: `name = v` per named element, or values row by row, or a summary. */
function elementLines(values: ArrayLike<number>, t: Tensor, names: readonly string[] | undefined, prefix: (name: string) => string, unnamed: string, options: Required<Pick<GraphPictureOptions, 'maxElements' | 'format'>>): string[] {
  const { maxElements, format } = options;
  const n = values.length;
  const lines: string[] = [];
  if (names !== undefined) {
    for (let i = 0; i < Math.min(n, maxElements); i++) lines.push(`${prefix(names[i])} = ${format(values[i])}`);
    if (n > maxElements) lines.push(`… ${n - maxElements} more`);
    return lines;
  }
  if (n === 1) return [`${unnamed} = ${format(values[0])}`];
  if (n <= maxElements) {
    // row by row (the last dimension), at most 4 numbers a line so that boxes stay narrow
    const row = t.ndim >= 2 ? t.shape[t.ndim - 1] : n;
    const rows: string[] = [];
    for (let i = 0; i < n; i += row) {
      const vs = Array.from({ length: row }, (_, k) => format(values[i + k]));
      for (let k = 0; k < row; k += 4) rows.push(`${k === 0 ? '[' : ' '}${vs.slice(k, k + 4).join(', ')}${k + 4 >= row ? ']' : ','}`);
    }
    if (rows.length === 1) return [`${unnamed} = ${rows[0]}`];
    return [`${unnamed} =`, ...rows.map((r) => `  ${r}`)];
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return [`${unnamed}: min ${format(min)}, max ${format(max)}`, `  mean ${format(sum / n)}`];
}

/** The name of a tensor for labels: its name, its element names, or undefined. */
function displayName(t: Tensor): string | undefined {
  if (t.name !== undefined) return t.name;
  const names = getElementNames(t);
  if (names === undefined) return undefined;
  return names.length <= 4 ? names.join(', ') : `${names[0]} … ${names[names.length - 1]}`;
}

/**
 * The picture model of the graph below `output`: the boxes and arrows that {@link toDot},
 * {@link toMermaid} and {@link toSvg} draw. Exported for tests and custom renderers.
 * @example
 * ```ts
 * const { nodes, edges } = buildPicture(loss, { values: true });
 * ```
 */
export function buildPicture(output: Tensor, options: GraphPictureOptions = {}): Picture {
  if (!(output instanceof Tensor)) throw new ChainruleError(`graph picture: expected a Tensor, got ${output === null ? 'null' : typeof output}`);
  const format = options.format ?? defaultFormat;
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  if (!Number.isInteger(maxElements) || maxElements < 1) throw new ChainruleError(`graph picture: maxElements must be a positive integer, got ${maxElements}`);
  const tensors = collect(output);
  const grads = options.gradients ? gradientsOf(output, tensors) : null;
  const outName = displayName(output) ?? 'output';
  const fmtOpts = { maxElements, format };

  // Boxes, one per tensor except the inlined constants; inputs in creation order (ids ascend).
  const drawn = tensors.filter((t) => !isInlined(t, output)).sort((a, b) => a.id - b.id);
  const nodeOf = new Map<Tensor, PictureNode>();
  const nodes: PictureNode[] = [];
  for (const t of drawn) {
    const node = t.gradFn;
    const names = getElementNames(t);
    let title: string;
    if (node !== null) {
      const consts = node.inputs.map((x, i) => (isInlined(x, output) ? `${node.op.inputName(i)} = ${format(x.buffer[0])}` : null)).filter((s) => s !== null);
      title = `${node.op.name}${consts.length > 0 ? ` (${consts.join(', ')})` : ''}${t.name !== undefined ? `: ${t.name}` : ''}`;
    } else {
      title = displayName(t) ?? `${t.requiresGrad ? 'parameter' : 'input'} #${t.id}`;
    }
    const lines = [`${fmtShape(t.shape)}${t.dtype === 'float64' ? '' : ` ${t.dtype}`}`];
    if (node !== null && names !== undefined && !options.values) lines.push(displayName(t)!);
    if (options.values) lines.push(...elementLines(t.buffer, t, names, (n) => n, t.size === 1 && t.name !== undefined ? t.name : 'value', fmtOpts));
    const g = grads?.get(t);
    if (g !== undefined && t !== output) {
      const d = (n: string) => `∂${outName}/∂${n}`;
      lines.push(...elementLines(g.buffer, t, names, d, d(t.name ?? 'value'), fmtOpts));
    }
    const kind = node !== null ? 'op' : t.requiresGrad ? 'param' : 'input';
    const p: PictureNode = { id: `t${t.id}`, kind, title, lines, group: options.group?.(t), isOutput: t === output, tensorIds: [t.id] };
    nodeOf.set(t, p);
    nodes.push(p);
  }
  const edges: PictureEdge[] = [];
  for (const t of drawn) {
    const node = t.gradFn;
    if (node === null) continue;
    node.inputs.forEach((x, i) => {
      if (isInlined(x, output)) return;
      edges.push({ from: nodeOf.get(x)!.id, to: nodeOf.get(t)!.id, label: node.op.inputName(i), carriesGradient: node.gradFlags[i] });
    });
  }
  const picture: Picture = { nodes, edges, tensorCount: tensors.length };
  const collapse = options.collapse ?? 'auto';
  if (collapse === false || (collapse === 'auto' && nodes.length <= AUTO_COLLAPSE_ABOVE)) return picture;
  return collapseRuns(picture, drawn, output, nodeOf, options, fmtOpts);
}

/**
 * Replaces runs of repeated structure with one box each. The spine of the graph is followed from
 * the inputs towards the output: an op's spine input is its tallest input that nothing else uses.
 * Each op on a spine, with the side branches only it uses (up to {@link MAX_BRANCH} ops), is a
 * block; a block's signature is its ops and the shapes and kinds of its leaves. Where the
 * signatures along a spine repeat with a period of up to {@link MAX_PERIOD} blocks at least
 * {@link MIN_REPEATS} times, the run becomes one box; the leaves feeding the same place in each
 * repeat become one box too (`weight ×20`) when nothing else uses them.
 */
function collapseRuns(
  picture: Picture,
  drawn: readonly Tensor[],
  output: Tensor,
  nodeOf: ReadonlyMap<Tensor, PictureNode>,
  options: GraphPictureOptions,
  fmtOpts: Required<Pick<GraphPictureOptions, 'maxElements' | 'format'>>,
): Picture {
  // Positions in `drawn` (inputs before the ops that use them), distinct consumers, heights
  // (longest path up from a leaf), and each op's spine input: its tallest op input used by it alone.
  const n = drawn.length;
  const pos = new Map<Tensor, number>();
  drawn.forEach((t, k) => pos.set(t, k));
  const inputs: number[][] = drawn.map((t) => (t.gradFn === null ? [] : t.gradFn.inputs.map((x) => pos.get(x) ?? -1).filter((k) => k >= 0)));
  const consumers: number[][] = drawn.map(() => []);
  for (let k = 0; k < n; k++) for (const x of inputs[k]) if (consumers[x][consumers[x].length - 1] !== k) consumers[x].push(k);
  const isOp = (k: number) => drawn[k].gradFn !== null;
  const height = new Int32Array(n);
  for (let k = 0; k < n; k++) for (const x of inputs[k]) height[k] = Math.max(height[k], height[x] + 1);
  const spineInput = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++) {
    let best = -1;
    for (const x of inputs[k]) if (isOp(x) && consumers[x].length === 1 && (best < 0 || height[x] > height[best])) best = x;
    if (best >= 0) {
      spineInput[k] = best;
      next[best] = k;
    }
  }
  const onSpine = (k: number) => spineInput[k] >= 0 || next[k] >= 0;

  // Blocks: a spine op with the op nodes of its side branches that only it (through them) uses.
  const taken = new Uint8Array(n);
  const members = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    if (!isOp(k) || !onSpine(k)) continue;
    const block = [k];
    const queue = inputs[k].filter((x) => x !== spineInput[k]);
    while (queue.length > 0 && block.length <= MAX_BRANCH) {
      const x = queue.shift()!;
      if (!isOp(x) || block.includes(x) || onSpine(x) || taken[x] === 1) continue;
      if (!consumers[x].every((c) => block.includes(c))) continue;
      block.push(x);
      queue.push(...inputs[x]);
    }
    if (block.length > MAX_BRANCH + 1) block.length = 1; // too big a branch: the spine op alone
    for (const m of block) taken[m] = 1;
    members.set(k, block);
  }
  // `loose`: where the data comes from (the spine, an input, another op) is not told apart.
  const signature = (root: number, loose = false): string => {
    const block = members.get(root)!;
    const sig = (k: number): string => {
      const t = drawn[k];
      if (k === spineInput[root]) return loose ? '*' : '^';
      if (!block.includes(k)) return t.requiresGrad && !isOp(k) ? `P${fmtShape(t.shape)}` : loose ? '*' : isOp(k) ? 'X' : `I${fmtShape(t.shape)}`;
      const ins = t.gradFn!.inputs.map((x) => (pos.has(x) ? sig(pos.get(x)!) : 'c'));
      return `${t.gradFn!.op.name}${fmtShape(t.shape)}(${ins.join(',')})`;
    };
    return sig(root);
  };

  // Runs along each spine: start where no spine input leads in, follow `next`.
  const runs: number[][][] = []; // run → repeats → spine ops (period many)
  for (let k0 = 0; k0 < n; k0++) {
    if (!isOp(k0) || spineInput[k0] >= 0 || next[k0] < 0) continue;
    const chain: number[] = [k0];
    while (next[chain[chain.length - 1]] >= 0) chain.push(next[chain[chain.length - 1]]);
    const sigs = chain.map((k) => signature(k));
    const same = (a: number, b: number, p: number) => {
      for (let q = 0; q < p; q++) if (sigs[a + q] !== sigs[b + q]) return false;
      return true;
    };
    let i = 0;
    let free = 0; // chain[free..] belongs to no run yet
    while (i < chain.length) {
      let best = { p: 0, r: 0 };
      for (let p = 1; p <= MAX_PERIOD && i + p * MIN_REPEATS <= chain.length; p++) {
        let r = 1;
        while (i + (r + 1) * p <= chain.length && same(i, i + r * p, p)) r++;
        if (r >= MIN_REPEATS && r * p > best.r * best.p) best = { p, r };
      }
      if (best.r === 0) {
        i++;
        continue;
      }
      // The first block often differs only in where its data comes from (an MLP's first matmul reads
      // the input, not the previous layer): start the run earlier when the ops line up, so it reads
      // matmul → add → tanh rather than add → tanh → matmul.
      let shift = 0;
      for (let sh = best.p - 1; sh >= 1 && shift === 0; sh--) {
        let ok = i - sh >= free;
        for (let q = 1; ok && q <= sh; q++) ok = signature(chain[i - q], true) === signature(chain[i + best.r * best.p - q], true);
        if (ok) shift = sh;
      }
      const start = i - shift;
      const repeats: number[][] = [];
      for (let r = 0; r < best.r; r++) repeats.push(chain.slice(start + r * best.p, start + (r + 1) * best.p));
      runs.push(repeats);
      i = free = start + best.r * best.p;
    }
  }
  if (runs.length === 0) return picture;

  // The new boxes: one per run, plus merged leaves; every other box stays.
  const replaced = new Map<string, string>(); // old box id → new box id
  const runNodes: PictureNode[] = [];
  const extraEdges: PictureEdge[] = [];
  const dropped = new Set<string>();
  const mergedBoxes = new Map<string, string>(); // the leaves' positions, joined → the box standing for them
  for (const repeats of runs) {
    const all = repeats.flatMap((rep) => rep.flatMap((root) => members.get(root)!));
    const inRun = new Set(all);
    const first = repeats[0][0];
    const last = drawn[repeats[repeats.length - 1][repeats[0].length - 1]];
    const id = `r${drawn[first].id}`;
    for (const k of all) replaced.set(nodeOf.get(drawn[k])!.id, id);
    const pattern = repeats[0].map((root) => members.get(root)!.slice().reverse().map((k) => drawn[k].gradFn!.op.name).join(' · ')).join(' → ');
    const from = spineInput[first] >= 0 ? `${fmtShape(drawn[spineInput[first]].shape)} → ` : '';
    const lines = [`${repeats.length} × (${pattern})`, `${all.length} ops, ${from}${fmtShape(last.shape)}`];
    if (options.values || options.gradients) lines.push('last:', ...nodeOf.get(last)!.lines.slice(1).map((l) => `  ${l}`));
    const groups = new Set(all.map((k) => options.group?.(drawn[k])));
    runNodes.push({
      id,
      kind: 'run',
      title: `${repeats.length} repeats`,
      lines,
      group: groups.size === 1 ? [...groups][0] : undefined,
      isOutput: inRun.has(pos.get(output)!),
      tensorIds: all.map((k) => drawn[k].id),
    });
    // Inputs from outside the run, by place in the repeat (op j of the period, member q, input i).
    const byPlace = new Map<string, { from: number; label: string; grad: boolean }[]>();
    for (const rep of repeats) {
      rep.forEach((root, j) => members.get(root)!.forEach((m, q) => {
        const node = drawn[m].gradFn!;
        node.inputs.forEach((x, i) => {
          const kx = pos.get(x);
          if (kx === undefined || inRun.has(kx)) return;
          const place = `${j}-${q}-${i}`;
          if (!byPlace.has(place)) byPlace.set(place, []);
          byPlace.get(place)!.push({ from: kx, label: node.op.inputName(i), grad: node.gradFlags[i] });
        });
      }));
    }
    for (const [place, uses] of byPlace) {
      const sources = [...new Set(uses.map((u) => u.from))];
      const { label, grad } = uses[0];
      const x0 = drawn[sources[0]];
      const leavesOnlyHere = sources.every((k) => !isOp(k) && consumers[k].every((c) => inRun.has(c)) && drawn[k].requiresGrad === x0.requiresGrad && drawn[k].dtype === x0.dtype && fmtShape(drawn[k].shape) === fmtShape(x0.shape));
      if (sources.length === 1) {
        extraEdges.push({ from: nodeOf.get(drawn[sources[0]])!.id, to: id, label: uses.length > 1 ? `${label} ×${uses.length}` : label, carriesGradient: grad });
      } else if (leavesOnlyHere && sources.length === uses.length) {
        // one leaf per repeat, used nowhere else (each layer's own weight): one box for all of them
        const key = sources.join(',');
        const existing = mergedBoxes.get(key);
        if (existing !== undefined) {
          extraEdges.push({ from: existing, to: id, label, carriesGradient: grad });
          continue;
        }
        const xs = sources.map((k) => drawn[k]);
        for (const x of xs) dropped.add(nodeOf.get(x)!.id);
        const names = xs.map(displayName);
        const xl = xs[xs.length - 1];
        const mLines = [`${xs.length} × ${fmtShape(x0.shape)}`];
        if (options.values) mLines.push(...elementLines(xl.buffer, xl, undefined, (s) => s, 'last', fmtOpts));
        const mergedId = `${id}-${place}`;
        mergedBoxes.set(key, mergedId);
        runNodes.push({
          id: mergedId,
          kind: x0.requiresGrad ? 'param' : 'input',
          title: names[0] !== undefined && names[xs.length - 1] !== undefined ? `${names[0]} … ${names[xs.length - 1]}` : `${label} ×${xs.length}`,
          lines: mLines,
          group: options.group?.(x0),
          isOutput: false,
          tensorIds: xs.map((x) => x.id),
        });
        extraEdges.push({ from: mergedId, to: id, label, carriesGradient: grad });
      } else {
        for (const k of sources) extraEdges.push({ from: nodeOf.get(drawn[k])!.id, to: id, label, carriesGradient: grad });
      }
    }
  }
  const nodes = [...picture.nodes.filter((n) => !replaced.has(n.id) && !dropped.has(n.id)), ...runNodes];
  const seen = new Set<string>();
  const edges: PictureEdge[] = [];
  for (const e of picture.edges) {
    const to = replaced.get(e.to) ?? e.to;
    const from = replaced.get(e.from) ?? e.from;
    if (to === from || replaced.has(e.to) || dropped.has(e.from)) continue; // inside a run, or into a run (redrawn below)
    const key = `${from}>${to}>${e.label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ ...e, from, to });
  }
  for (const e of extraEdges) {
    const from = replaced.get(e.from) ?? e.from;
    const key = `${from}>${e.to}>${e.label}`;
    if (seen.has(key) || from === e.to) continue;
    seen.add(key);
    edges.push({ ...e, from });
  }
  return { nodes, edges, tensorCount: picture.tensorCount };
}

// ------------------------------------------------------------------------------------ DOT

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const DOT_FILL: Record<PictureNode['kind'], string> = { op: '#e7f0fa', param: '#fff4cc', input: '#f1f3f5', run: '#efe7f8' };

/**
 * The recorded graph below `output` as Graphviz DOT text: a box per tensor (op name, or leaf name,
 * with shape and optionally values and gradients), an arrow per input labelled with the input's
 * name; dashed arrows carry no gradient. Render with `dot -Tsvg`, or paste into any DOT viewer.
 *
 * @example
 * ```ts
 * const w = tensor([0.4, 0.45], { requiresGrad: true, name: 'w' });
 * const loss = w.mul(tensor([0.593269992, 0.596884378])).sum().named('net_o1');
 * console.log(toDot(loss, { values: true }));
 * // digraph chainrule {
 * //   rankdir=TB;
 * //   ...
 * //   t0 [label="w\l[2]\lvalue = [0.4, 0.45]\l", fillcolor="#fff4cc"];
 * //   t1 [label="input #1\l[2]\lvalue = [0.593269992, 0.596884378]\l", fillcolor="#f1f3f5", style="rounded,filled,dashed"];
 * //   t2 [label="mul\l[2]\lvalue = [0.237307997, 0.26859797]\l", fillcolor="#e7f0fa"];
 * //   t3 [label="sum: net_o1\l[]\lnet_o1 = 0.505905967\l", fillcolor="#e7f0fa", penwidth=2];
 * //   t0 -> t2 [label="a"];
 * //   t1 -> t2 [label="b", style=dashed, color="#999999"];
 * //   t2 -> t3 [label="x"];
 * // }
 * ```
 */
export function toDot(output: Tensor, options: GraphPictureOptions = {}): string {
  const { nodes, edges } = buildPicture(output, options);
  const out = ['digraph chainrule {', `  rankdir=${options.direction ?? 'TB'};`];
  if (options.title !== undefined) out.push(`  label=${dotString(options.title)}; labelloc=t;`);
  out.push('  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=11];', '  edge [fontname="monospace", fontsize=10];');
  const nodeLine = (n: PictureNode, indent: string) => {
    const label = [n.title, ...n.lines].map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\l') + '\\l';
    const style = n.kind === 'input' ? ', style="rounded,filled,dashed"' : n.kind === 'run' ? ', peripheries=2' : '';
    return `${indent}${n.id} [label="${label}", fillcolor="${DOT_FILL[n.kind]}"${n.isOutput ? ', penwidth=2' : ''}${style}];`;
  };
  const groups = [...new Set(nodes.map((n) => n.group).filter((g) => g !== undefined))];
  groups.forEach((g, k) => {
    out.push(`  subgraph cluster_${k} {`, `    label=${dotString(g)}; style="rounded,dashed"; color="#868e96";`);
    for (const n of nodes) if (n.group === g) out.push(nodeLine(n, '    '));
    out.push('  }');
  });
  for (const n of nodes) if (n.group === undefined) out.push(nodeLine(n, '  '));
  for (const e of edges) out.push(`  ${e.from} -> ${e.to} [label=${dotString(e.label)}${e.carriesGradient ? '' : ', style=dashed, color="#999999"'}];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------- Mermaid

/** Text for a Mermaid label in quotes: its own entity codes for the characters Mermaid reads. */
const mermaidText = (s: string) => s.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

/**
 * The recorded graph below `output` as a Mermaid flowchart (GitHub, GitLab and many Markdown
 * viewers draw it inside a ```` ```mermaid ```` block). Same boxes and arrows as {@link toDot}:
 * ops in rectangles, parameters in rounded boxes, inputs and constants in slanted boxes, collapsed
 * runs in double-sided boxes; dotted arrows carry no gradient.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2], { requiresGrad: true, name: 'x' });
 * console.log(toMermaid(x.square().sum().named('loss')));
 * // flowchart TB
 * //   t0(["<b>x</b><br/>[2]"])
 * //   t1["<b>square</b><br/>[2]"]
 * //   t2["<b>sum: loss</b><br/>[]"]
 * //   t0 -->|"x"| t1
 * //   t1 -->|"x"| t2
 * //   classDef param fill:#fff4cc,stroke:#b08900
 * //   ...
 * ```
 */
export function toMermaid(output: Tensor, options: GraphPictureOptions = {}): string {
  const { nodes, edges } = buildPicture(output, options);
  const out: string[] = [];
  if (options.title !== undefined) out.push('---', `title: ${JSON.stringify(options.title)}`, '---');
  out.push(`flowchart ${options.direction ?? 'TB'}`);
  const shape: Record<PictureNode['kind'], [string, string]> = { op: ['["', '"]'], param: ['(["', '"])'], input: ['[/"', '"/]'], run: ['[["', '"]]'] };
  const nodeLine = (n: PictureNode, indent: string) => {
    const [open, close] = shape[n.kind];
    return `${indent}${n.id}${open}${[`<b>${mermaidText(n.title)}</b>`, ...n.lines.map(mermaidText)].join('<br/>')}${close}`;
  };
  const groups = [...new Set(nodes.map((n) => n.group).filter((g) => g !== undefined))];
  groups.forEach((g, k) => {
    out.push(`  subgraph group${k} ["${mermaidText(g)}"]`);
    for (const n of nodes) if (n.group === g) out.push(nodeLine(n, '    '));
    out.push('  end');
  });
  for (const n of nodes) if (n.group === undefined) out.push(nodeLine(n, '  '));
  for (const e of edges) out.push(`  ${e.from} ${e.carriesGradient ? '-->' : '-.->'}|"${mermaidText(e.label)}"| ${e.to}`);
  out.push('  classDef param fill:#fff4cc,stroke:#b08900', '  classDef input fill:#f1f3f5,stroke:#868e96', '  classDef op fill:#e7f0fa,stroke:#3b6ea8', '  classDef run fill:#efe7f8,stroke:#7048a8');
  for (const kind of ['param', 'input', 'op', 'run'] as const) {
    const ids = nodes.filter((n) => n.kind === kind).map((n) => n.id);
    if (ids.length > 0) out.push(`  class ${ids.join(',')} ${kind}`);
  }
  return `${out.join('\n')}\n`;
}

// -------------------------------------------------------------------------------------- SVG

// NOTE: @dagrejs/dagre 3.1.3 ships declarations whose relative imports have no file extension,
// which `moduleResolution: NodeNext` cannot follow, so its types arrive as `any`. The few calls
// used here are typed by these interfaces. (dagre itself was checked for eval / new Function:
// it has none, and it runs under --disallow-code-generation-from-strings and a strict CSP.)
interface LayoutNode { width: number; height: number; x?: number; y?: number; paddingTop?: number }
interface LayoutEdge { width: number; height: number; labelpos: 'c'; minlen?: number; x?: number; y?: number; points?: { x: number; y: number }[] }
interface LayoutGraph {
  setGraph(label: object): void;
  graph(): { width?: number; height?: number };
  setDefaultEdgeLabel(f: () => object): void;
  setNode(id: string, label: LayoutNode): void;
  setParent(id: string, parent: string): void;
  setEdge(from: string, to: string, label: LayoutEdge, name?: string): void;
  node(id: string): LayoutNode;
  edge(from: string, to: string, name?: string): LayoutEdge;
}
const Dagre = dagre as unknown as {
  graphlib: { Graph: new (options: { compound?: boolean; multigraph?: boolean }) => LayoutGraph };
  layout(g: LayoutGraph): void;
};

const FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
const FONT_SIZE = 12;
const CHAR_W = 7.3; // advance of a 12 px monospace character, rounded up
const LINE_H = 16;
const PAD = 8;
const SVG_STYLE: Record<PictureNode['kind'], { fill: string; stroke: string }> = {
  op: { fill: '#e7f0fa', stroke: '#3b6ea8' },
  param: { fill: '#fff4cc', stroke: '#b08900' },
  input: { fill: '#f1f3f5', stroke: '#868e96' },
  run: { fill: '#efe7f8', stroke: '#7048a8' },
};

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const num = (v: number) => String(Math.round(v * 10) / 10);
/** Characters a line takes (code points: `∂` is one). */
const width = (s: string) => [...s].length;

/**
 * The recorded graph below `output` as a finished SVG document: the boxes and arrows of
 * {@link toDot}, laid out in layers by dagre (`@dagrejs/dagre`, pure JavaScript: the same call
 * works in Node and in a browser, under a strict Content-Security-Policy). Ops are blue,
 * parameters yellow, inputs and constants grey with a dashed border, collapsed runs purple; the
 * output has a thick border; dashed arrows carry no gradient. Gradient lines are red.
 *
 * Every number is SVG `<text>`, so it can be read, selected and searched. Each box is a
 * `<g data-node="t12" data-tensor-ids="12">`, for pages that make boxes clickable. Large graphs
 * collapse repeated structure by default (see {@link GraphPictureOptions.collapse}), so a deep MLP
 * or an unrolled loop of a few hundred ops stays a picture of a few dozen boxes.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { tensor, toSvg } from '@chainrule/core';
 * const w = tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true, name: 'W' });
 * const loss = w.matmul(tensor([0.05, 0.1])).add(0.35).sigmoid().sum().named('E');
 * writeFileSync('graph.svg', toSvg(loss, { values: true, gradients: true, direction: 'LR' }));
 * // in a page: element.innerHTML = toSvg(loss);
 * ```
 */
export function toSvg(output: Tensor, options: GraphPictureOptions = {}): string {
  const { nodes, edges } = buildPicture(output, options);
  const prefix = xml(options.idPrefix ?? 'cr');
  const g = new Dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: options.direction ?? 'TB', nodesep: 24, ranksep: 40, edgesep: 12, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const size = (n: PictureNode) => {
    const lines = [n.title, ...n.lines];
    return { width: Math.ceil(Math.max(...lines.map(width)) * CHAR_W + 2 * PAD), height: lines.length * LINE_H + 2 * PAD - 2 };
  };
  for (const n of nodes) g.setNode(n.id, size(n));
  const groups = [...new Set(nodes.map((n) => n.group).filter((x) => x !== undefined))];
  groups.forEach((name, k) => {
    g.setNode(`group${k}`, { width: 0, height: 0, paddingTop: LINE_H + 8 });
    for (const n of nodes) if (n.group === name) g.setParent(n.id, `group${k}`);
  });
  edges.forEach((e, k) => g.setEdge(e.from, e.to, { width: Math.ceil(width(e.label) * 6.3 + 6), height: 14, labelpos: 'c' }, `e${k}`));
  Dagre.layout(g);

  const title = options.title;
  const top = title !== undefined ? 28 : 0;
  const w = Math.ceil(Math.max(g.graph().width ?? 0, title !== undefined ? width(title) * 8.4 + 24 : 0));
  const h = Math.ceil((g.graph().height ?? 0) + top);
  const out: string[] = [];
  const label = `Computation graph of ${xml(displayName(output) ?? 'the output')}: ${nodes.length} boxes, ${edges.length} arrows`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${label}" font-family="${xml(FONT)}" font-size="${FONT_SIZE}">`,
    `<title>${title !== undefined ? xml(title) : label}</title>`,
    `<defs><marker id="${prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#495057"/></marker>` +
      `<marker id="${prefix}-arrow-nograd" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#adb5bd"/></marker></defs>`,
    `<rect width="${w}" height="${h}" fill="#ffffff"/>`,
  );
  if (title !== undefined) out.push(`<text x="12" y="20" font-size="14" font-weight="bold" fill="#212529">${xml(title)}</text>`);
  out.push(`<g transform="translate(0,${top})">`);
  groups.forEach((name, k) => {
    const c = g.node(`group${k}`);
    const x = c.x! - c.width / 2, y = c.y! - c.height / 2;
    out.push(
      `<g data-group="${xml(name)}"><rect x="${num(x)}" y="${num(y)}" width="${num(c.width)}" height="${num(c.height)}" rx="8" fill="#f8f9fa" stroke="#adb5bd" stroke-dasharray="5 3"/>` +
        `<text x="${num(x + 8)}" y="${num(y + 15)}" fill="#495057" font-weight="bold">${xml(name)}</text></g>`,
    );
  });
  edges.forEach((e, k) => {
    const le = g.edge(e.from, e.to, `e${k}`);
    const pts = le.points ?? [];
    if (pts.length < 2) return;
    // a smooth path through dagre's points: straight to the first midpoint, quadratic curves between midpoints
    let d = `M${num(pts[0].x)},${num(pts[0].y)}`;
    for (let i = 1; i < pts.length - 1; i++) {
      const mx = (pts[i].x + pts[i + 1].x) / 2, my = (pts[i].y + pts[i + 1].y) / 2;
      d += ` Q${num(pts[i].x)},${num(pts[i].y)} ${num(mx)},${num(my)}`;
    }
    d += ` L${num(pts[pts.length - 1].x)},${num(pts[pts.length - 1].y)}`;
    const stroke = e.carriesGradient ? '#495057' : '#adb5bd';
    out.push(
      `<g data-edge="${e.from}-${e.to}"><path d="${d}" fill="none" stroke="${stroke}" stroke-width="1.4"${e.carriesGradient ? '' : ' stroke-dasharray="4 3"'} marker-end="url(#${prefix}-arrow${e.carriesGradient ? '' : '-nograd'})"/>`,
    );
    if (le.x !== undefined && le.y !== undefined) {
      out.push(
        `<rect x="${num(le.x - le.width / 2)}" y="${num(le.y - 7)}" width="${le.width}" height="14" rx="3" fill="#ffffff" fill-opacity="0.85"/>` +
          `<text x="${num(le.x)}" y="${num(le.y + 4)}" text-anchor="middle" font-size="11" fill="#495057">${xml(e.label)}</text>`,
      );
    }
    out.push('</g>');
  });
  for (const n of nodes) {
    const ln = g.node(n.id);
    const x = ln.x! - ln.width / 2, y = ln.y! - ln.height / 2;
    const st = SVG_STYLE[n.kind];
    const border = n.isOutput ? 2.6 : n.kind === 'run' ? 2 : 1.2;
    const dash = n.kind === 'input' ? ' stroke-dasharray="4 2"' : '';
    out.push(
      `<g data-node="${n.id}" data-kind="${n.kind}" data-tensor-ids="${n.tensorIds.join(' ')}">` +
        `<rect x="${num(x)}" y="${num(y)}" width="${ln.width}" height="${ln.height}" rx="5" fill="${st.fill}" stroke="${st.stroke}" stroke-width="${border}"${dash}/>`,
    );
    out.push(`<text x="${num(x + PAD)}" y="${num(y + PAD + 11)}" font-weight="bold" fill="#212529">${xml(n.title)}</text>`);
    n.lines.forEach((line, i) => {
      const isGrad = line.trimStart().startsWith('∂');
      out.push(`<text x="${num(x + PAD)}" y="${num(y + PAD + 11 + (i + 1) * LINE_H)}" fill="${isGrad ? '#b02a37' : '#343a40'}" xml:space="preserve">${xml(line)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</g></svg>');
  return `${out.join('\n')}\n`;
}

/**
 * einsum: Einstein summation over any number of operands (PyTorch's `torch.einsum`), composed from
 * differentiable ops, so every derivative order comes from theirs:
 * - a label repeated within one operand (a diagonal, `'ii->i'`) is one strided view (takeView);
 * - a label that no other operand and not the output has is summed out at once (sum);
 * - two operands are contracted by one batched matrix product: each is permuted to
 *   [batch, own labels, contracted labels] and reshaped to 3-D, so the whole contraction runs on the
 *   fast matmul kernel; operands are contracted left to right;
 * - a label of size 1 facing a larger size is broadcast (expand), as PyTorch broadcasts.
 * @module
 */
import { ShapeError, fmtShape } from '../errors.js';
import { stridesOf, type Shape } from '../shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor.js';
import { takeView } from './basic-index.js';

/** A label: a letter, or `…k` for the k-th axis (from the left) of the broadcast ellipsis. */
type Label = string;

interface Parsed {
  inputs: Label[][];
  output: Label[];
}

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** The letters and the position of the ellipsis (-1 if none) of one term. */
function parseTerm(term: string, equation: string): { letters: string[]; ellipsis: number } {
  const letters: string[] = [];
  let ellipsis = -1;
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (isLetter(c)) letters.push(c);
    else if (term.startsWith('...', i) && ellipsis < 0) {
      ellipsis = letters.length;
      i += 2;
    } else {
      throw new ShapeError(`einsum: invalid subscript ${JSON.stringify(term.startsWith('...', i) ? '...' : c)} in ${JSON.stringify(equation)}; expected letters a-z, A-Z and at most one '...' per term`);
    }
  }
  return { letters, ellipsis };
}

/** Parses the equation against the operands' shapes: each operand's axis labels, and the output's. */
function parse(equation: string, shapes: readonly Shape[]): Parsed {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) {
    throw new ShapeError(`einsum: the equation ${JSON.stringify(equation)} has ${terms.length} input term(s) but ${shapes.length} operand(s) were given`);
  }
  const parsed = terms.map((term) => parseTerm(term, equation));
  let ellipsisRank = 0;
  parsed.forEach((p, k) => {
    const rank = shapes[k].length;
    if (p.ellipsis < 0 ? p.letters.length !== rank : p.letters.length > rank) {
      throw new ShapeError(
        `einsum: term ${JSON.stringify(terms[k])} has ${p.letters.length} subscript(s) but operand ${k} has shape ${fmtShape(shapes[k])} (rank ${rank})` +
          (p.ellipsis < 0 ? " and no '...'" : ''),
      );
    }
    if (p.ellipsis >= 0) ellipsisRank = Math.max(ellipsisRank, rank - p.letters.length);
  });
  const ellipsisLabels = (count: number) => Array.from({ length: count }, (_, i) => `…${ellipsisRank - count + i}`);
  const inputs = parsed.map((p, k) =>
    p.ellipsis < 0 ? p.letters : [...p.letters.slice(0, p.ellipsis), ...ellipsisLabels(shapes[k].length - p.letters.length), ...p.letters.slice(p.ellipsis)],
  );
  let output: Label[];
  if (arrow >= 0) {
    const out = parseTerm(eq.slice(arrow + 2), equation);
    const seen = new Set<string>();
    for (const c of out.letters) {
      if (seen.has(c)) throw new ShapeError(`einsum: output subscript ${c} appears more than once in ${JSON.stringify(equation)}`);
      if (!inputs.some((labels) => labels.includes(c))) throw new ShapeError(`einsum: output subscript ${c} of ${JSON.stringify(equation)} appears in no input term`);
      seen.add(c);
    }
    // an explicit output without '...' sums the ellipsis axes, as in PyTorch
    output = out.ellipsis < 0 ? out.letters : [...out.letters.slice(0, out.ellipsis), ...ellipsisLabels(ellipsisRank), ...out.letters.slice(out.ellipsis)];
  } else {
    // implicit output: the ellipsis axes, then the letters used exactly once, in alphabetical (ASCII) order
    const counts = new Map<string, number>();
    for (const labels of inputs) for (const l of labels) if (!l.startsWith('…')) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([l]) => l).sort();
    output = [...ellipsisLabels(ellipsisRank), ...once];
  }
  return { inputs, output };
}

/** An operand on its way through the contraction: the tensor and one label per axis. */
interface Term {
  t: Tensor;
  labels: Label[];
}

/** The diagonal of every label repeated within one operand, as one strided view (sizes must agree). */
function takeDiagonals(term: Term, equation: string, k: number): Term {
  const unique = [...new Set(term.labels)];
  if (unique.length === term.labels.length) return term;
  const strides = stridesOf(term.t.shape);
  const shape: number[] = [];
  const viewStrides: number[] = [];
  for (const l of unique) {
    const axes = term.labels.flatMap((m, i) => (m === l ? [i] : []));
    const sizes = axes.map((i) => term.t.shape[i]);
    if (sizes.some((s) => s !== sizes[0])) {
      throw new ShapeError(`einsum: subscript ${l} is repeated for operand ${k} of shape ${fmtShape(term.t.shape)} in ${JSON.stringify(equation)} but its sizes differ (${sizes.join(' vs ')})`);
    }
    shape.push(sizes[0]);
    viewStrides.push(axes.reduce((s, i) => s + strides[i], 0));
  }
  return { t: takeView(term.t, { shape: Object.freeze(shape), strides: viewStrides, offset: 0 }), labels: unique };
}

/** Sums out the labels of `term` that are not in `keep`. */
function sumOut(term: Term, keep: ReadonlySet<Label>): Term {
  const axes = term.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (axes.length === 0) return term;
  return { t: term.t.sum(axes), labels: term.labels.filter((l) => keep.has(l)) };
}

/** `term` permuted so its labels come in `order` (a permutation of them). */
function arrange(term: Term, order: readonly Label[]): Tensor {
  const axes = order.map((l) => term.labels.indexOf(l));
  return axes.every((a, i) => a === i) ? term.t : term.t.permute(axes);
}

/** The size of `label` in `term` (1 when absent). */
const sizeIn = (term: Term, label: Label) => {
  const i = term.labels.indexOf(label);
  return i < 0 ? 1 : term.t.shape[i];
};

/** Broadcasts `term`'s size-1 axes to the size `sizes` gives their label (where it gives one). */
function broadcastTo(term: Term, sizes: ReadonlyMap<Label, number>): Term {
  const target = term.labels.map((l, i) => (term.t.shape[i] === 1 ? (sizes.get(l) ?? 1) : term.t.shape[i]));
  return target.every((d, i) => d === term.t.shape[i]) ? term : { t: term.t.expand(target), labels: term.labels };
}

/**
 * Contracts two terms into one over the labels they share and `keep` does not hold, by one
 * (batched) matmul: a → [batch, aOwn, contracted], b → [batch, contracted, bOwn].
 */
function contract(a: Term, b: Term, keep: ReadonlySet<Label>): Term {
  a = sumOut(a, new Set([...keep, ...b.labels]));
  b = sumOut(b, new Set([...keep, ...a.labels]));
  // a shared label of size 1 on one side is broadcast to the other side's size
  const shared = new Map(a.labels.filter((l) => b.labels.includes(l)).map((l) => [l, Math.max(sizeIn(a, l), sizeIn(b, l))]));
  a = broadcastTo(a, shared);
  b = broadcastTo(b, shared);
  const batch = a.labels.filter((l) => b.labels.includes(l) && keep.has(l));
  const contracted = a.labels.filter((l) => b.labels.includes(l) && !keep.has(l));
  const aOwn = a.labels.filter((l) => !b.labels.includes(l));
  const bOwn = b.labels.filter((l) => !a.labels.includes(l));
  const size = (labels: Label[], term: Term) => labels.reduce((n, l) => n * sizeIn(term, l), 1);
  const [B, M, K, N] = [size(batch, a), size(aOwn, a), size(contracted, a), size(bOwn, b)];
  const left = arrange(a, [...batch, ...aOwn, ...contracted]).reshape(batch.length > 0 ? [B, M, K] : [M, K]);
  const right = arrange(b, [...batch, ...contracted, ...bOwn]).reshape(batch.length > 0 ? [B, K, N] : [K, N]);
  const shape = [...batch.map((l) => sizeIn(a, l)), ...aOwn.map((l) => sizeIn(a, l)), ...bOwn.map((l) => sizeIn(b, l))];
  return { t: left.matmul(right).reshape(shape), labels: [...batch, ...aOwn, ...bOwn] };
}

/**
 * Einstein summation (PyTorch's `torch.einsum`): `equation` names each operand's axes with letters,
 * e.g. `'ij,jk->ik'` (a matrix product), `'bij,bjk->bik'` (batched), `'i,j->ij'` (outer),
 * `'ii->i'` (a diagonal), `'ii'` (a trace). Labels shared by operands are multiplied, labels left out
 * of the output are summed. Without `->` the output is the labels used exactly once, in alphabetical
 * order (upper case first). `'...'` stands for the axes not named, broadcast between operands;
 * an explicit output without it sums them. A label of size 1 broadcasts against a larger size.
 *
 * d einsum = the einsum of the gradient with the other operands (by the rules of the ops it is
 * composed from: matmul, permute, reshape, sum, expand and the diagonal's strided view)
 *
 * NOTE: operands are contracted left to right, each pair as one matmul; no cheaper order is
 * searched for, so order three or more operands so that each pair's result stays small.
 * @example
 * ```ts
 * einsum('ij,jk->ik', a, b);                 // a.matmul(b)
 * einsum('bi,bi->b', x, y);                  // row-wise dot products
 * einsum('ii', tensor([[1, 2], [3, 4]])).item(); // 5 (the trace)
 * ```
 */
export function einsum(equation: string, ...operands: TensorLike[]): Tensor {
  if (typeof equation !== 'string') throw new ShapeError(`einsum: the equation must be a string such as 'ij,jk->ik', got ${typeof equation}`);
  if (operands.length === 0) throw new ShapeError(`einsum: ${JSON.stringify(equation)} needs at least one operand`);
  const dtype = (operands.find((x) => x instanceof Tensor) as Tensor | undefined)?.dtype;
  const ts = operands.map((x) => (x instanceof Tensor ? x : tensor(x, { dtype })));
  const { inputs, output } = parse(equation, ts.map((t) => t.shape));
  let terms: Term[] = ts.map((t, k) => takeDiagonals({ t, labels: inputs[k] }, equation, k));
  // every label's sizes must agree across operands, or be 1 (which broadcasts)
  const sizes = new Map<Label, number>();
  terms.forEach((term, k) =>
    term.labels.forEach((l, i) => {
      const d = term.t.shape[i];
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== d && seen !== 1 && d !== 1) {
        const name = l.startsWith('…') ? `an axis of '...'` : `subscript ${l}`;
        throw new ShapeError(`einsum: ${name} has size ${d} for operand ${k} (shape ${fmtShape(ts[k].shape)}) which does not broadcast with the size ${seen} seen before, in ${JSON.stringify(equation)}`);
      }
      if (seen === undefined || seen === 1) sizes.set(l, d);
    }),
  );
  // a label needed later: in the output or in an operand still to come
  const neededAfter = (k: number) => new Set([...output, ...terms.slice(k + 1).flatMap((t) => t.labels)]);
  terms = terms.map((term, k) => sumOut(term, new Set([...neededAfter(k), ...terms.slice(0, k).flatMap((t) => t.labels)])));
  let result = terms[0];
  for (let k = 1; k < terms.length; k++) result = contract(result, terms[k], neededAfter(k));
  return arrange(sumOut(result, new Set(output)), output);
}

/**
 * THE op table of the differential test: one line per op. Each line gives
 * - `pick`: how to choose arguments and parameters (see graph.ts), which also decides the op's cases;
 * - `chainrule`: the call through chainrule's public API;
 * - `torch`: the PyTorch float64 expression reference.py evaluates, over the inputs `a`, `b`, `c`
 *   (all of them as the list `xs`), the parameters `p` (a dict), `torch`, `F` (torch.nn.functional)
 *   and the helpers `dims` and `slice_` defined in reference.py.
 * An op added to this table gets per-op cases, special-value cases (elementwise ops and
 * reductions) and a place in the random graphs, with no other change.
 */
import { concat, einsum, matmul as matmulFn, oneHot, pad as padFn, randperm, sign, stack, where as whereFn, type IndexItem, type PadMode, type Tensor, type TensorLike } from '@chainrule/core';
import { BCELoss, CrossEntropyLoss, MSELoss, linear as linearFn, type MSEReduction, type Reduction } from '@chainrule/nn';
import { LAYER_ROWS } from './layers.js';
import type { Json, Tolerance } from './program.js';
import * as pick from './graph.js';
import * as pickB from './pickers-index-sort-shape.js';
import { OPS_CONV } from './ops-conv.js';
import type { Picker } from './graph.js';
import { freshReduce, freshUnary } from './pick-fresh.js';

/** An op's arguments: the first is always a tensor, the rest may be numbers where the op takes a TensorLike. */
export type Args = readonly [Tensor, ...TensorLike[]];

export interface OpRow<P> {
  readonly name: string;
  readonly pick: Picker<P>;
  readonly chainrule: (args: Args, p: P) => Tensor;
  readonly torch: string;
  /** false: the result never requires grad (comparisons, sign). */
  readonly differentiable?: boolean;
  /** A looser tolerance for the second-order gradients of every case that uses the op, with its reason. */
  readonly secondOrderTolerance?: Tolerance;
}

/** Erases a row's parameter type, so rows of all ops share one list (each row is type-checked against its own picker first). */
function row<P>(r: OpRow<P>): OpRow<Json> {
  return r as unknown as OpRow<Json>;
}

const { unary, binary } = pick;
const axesOf = (p: pick.ReduceParams) => (p.axes === null ? undefined : p.axes);

/**
 * Ops batch B: indexing, search and sort, shape, encoding and sampling (pickers in
 * pickers-index-sort-shape.ts). Ops that return values and positions get one row each.
 */
const axisOrAll = (axis: number | null) => (axis === null ? undefined : axis);
const OPS_B: readonly OpRow<Json>[] = [
  // indexing. NOTE: a range [start] of one part is a start (x[start:]), so the helper pads it to three before slice(*...)
  row({
    name: 'index',
    pick: pickB.index,
    chainrule: ([x], p) => x.index(p.spec as IndexItem[]),
    torch:
      'a[tuple(None if s is None else Ellipsis if s == "..." else slice(None) if s == ":" else slice(*(s + [None] * (3 - len(s)))) if isinstance(s, list) ' +
      'else slice(s.get("start"), s.get("end"), s.get("step")) if isinstance(s, dict) else s for s in p["spec"])]',
  }),
  row({ name: 'indexSelect', pick: pickB.indexSelect, chainrule: ([x], p) => x.indexSelect(p.axis, p.index), torch: 'torch.index_select(a, p["axis"], torch.tensor(p["index"]))' }),
  row({ name: 'maskedFill', pick: pickB.maskedFill, chainrule: ([x, m], p) => x.maskedFill(m, p.value), torch: 'a.masked_fill(b != 0, p["value"])' }),
  // search and sort, on inputs without ties; the Special rows hold NaN, ±Infinity, ±0 and ties (sort's stable order, argmax's first position)
  row({ name: 'argmax', pick: pickB.search(false), chainrule: ([x], p) => x.argmax(axisOrAll(p.axis), p), torch: 'torch.argmax(a, dim=p["axis"], keepdim=p["keepdims"]).double()', differentiable: false }),
  row({ name: 'argmin', pick: pickB.search(false), chainrule: ([x], p) => x.argmin(axisOrAll(p.axis), p), torch: 'torch.argmin(a, dim=p["axis"], keepdim=p["keepdims"]).double()', differentiable: false }),
  row({ name: 'argmaxSpecial', pick: pickB.search(true), chainrule: ([x], p) => x.argmax(axisOrAll(p.axis), p), torch: 'torch.argmax(a, dim=p["axis"], keepdim=p["keepdims"]).double()', differentiable: false }),
  row({ name: 'argminSpecial', pick: pickB.search(true), chainrule: ([x], p) => x.argmin(axisOrAll(p.axis), p), torch: 'torch.argmin(a, dim=p["axis"], keepdim=p["keepdims"]).double()', differentiable: false }),
  row({ name: 'maxWithIndices.values', pick: pickB.searchAlong(false), chainrule: ([x], p) => x.maxWithIndices(p.axis, p).values, torch: 'torch.max(a, p["axis"], keepdim=p["keepdims"]).values' }),
  row({ name: 'minWithIndices.values', pick: pickB.searchAlong(false), chainrule: ([x], p) => x.minWithIndices(p.axis, p).values, torch: 'torch.min(a, p["axis"], keepdim=p["keepdims"]).values' }),
  row({ name: 'maxWithIndicesSpecial.values', pick: pickB.searchAlong(true), chainrule: ([x], p) => x.maxWithIndices(p.axis, p).values, torch: 'torch.max(a, p["axis"], keepdim=p["keepdims"]).values' }),
  row({
    name: 'maxWithIndicesSpecial.indices',
    pick: pickB.searchAlong(true),
    chainrule: ([x], p) => x.maxWithIndices(p.axis, p).indices,
    torch: 'torch.max(a, p["axis"], keepdim=p["keepdims"]).indices.double()',
    differentiable: false,
  }),
  row({
    name: 'minWithIndicesSpecial.indices',
    pick: pickB.searchAlong(true),
    chainrule: ([x], p) => x.minWithIndices(p.axis, p).indices,
    torch: 'torch.min(a, p["axis"], keepdim=p["keepdims"]).indices.double()',
    differentiable: false,
  }),
  row({ name: 'sort.values', pick: pickB.sort(false), chainrule: ([x], p) => x.sort(p).values, torch: 'torch.sort(a, dim=p["axis"], descending=p["descending"], stable=True).values' }),
  row({ name: 'sortSpecial.values', pick: pickB.sort(true), chainrule: ([x], p) => x.sort(p).values, torch: 'torch.sort(a, dim=p["axis"], descending=p["descending"], stable=True).values' }),
  row({
    name: 'sortSpecial.indices',
    pick: pickB.sort(true),
    chainrule: ([x], p) => x.sort(p).indices,
    torch: 'torch.sort(a, dim=p["axis"], descending=p["descending"], stable=True).indices.double()',
    differentiable: false,
  }),
  row({ name: 'argsort', pick: pickB.sort(false), chainrule: ([x], p) => x.argsort(p), torch: 'torch.argsort(a, dim=p["axis"], descending=p["descending"]).double()', differentiable: false }),
  row({ name: 'topk.values', pick: pickB.topk(false), chainrule: ([x], p) => x.topk(p.k, p).values, torch: 'torch.topk(a, p["k"], dim=p["axis"], largest=p["largest"]).values' }),
  row({
    name: 'topk.indices',
    pick: pickB.topk(false),
    chainrule: ([x], p) => x.topk(p.k, p).indices,
    torch: 'torch.topk(a, p["k"], dim=p["axis"], largest=p["largest"]).indices.double()',
    differentiable: false,
  }),
  row({ name: 'topkSpecial.values', pick: pickB.topk(true), chainrule: ([x], p) => x.topk(p.k, p).values, torch: 'torch.topk(a, p["k"], dim=p["axis"], largest=p["largest"]).values' }),
  // shape: split and chunk put back together in reverse order, so every piece and its gradient are compared
  row({ name: 'split', pick: pickB.split, chainrule: ([x], p) => concat(x.split(p.size, p.axis).reverse(), { axis: p.axis }), torch: 'torch.cat(torch.split(a, p["size"], dim=p["axis"])[::-1], dim=p["axis"])' }),
  row({ name: 'chunk', pick: pickB.chunk, chainrule: ([x], p) => concat(x.chunk(p.chunks, p.axis).reverse(), { axis: p.axis }), torch: 'torch.cat(torch.chunk(a, p["chunks"], dim=p["axis"])[::-1], dim=p["axis"])' }),
  row({
    name: 'pad',
    pick: pickB.pad,
    chainrule: ([x], p) => padFn(x, p.pads, p.mode === 'constant' ? { value: p.value } : { mode: p.mode as PadMode }),
    torch: 'F.pad(a, p["pads"], value=p["value"]) if p["mode"] == "constant" else F.pad(a, p["pads"], mode=p["mode"])',
  }),
  row({ name: 'flip', pick: pickB.flip, chainrule: ([x], p) => x.flip(p.axes), torch: 'torch.flip(a, p["axes"])' }),
  row({ name: 'repeat', pick: pickB.repeat('repeat'), chainrule: ([x], p) => x.repeat(p.sizes), torch: 'a.repeat(p["sizes"])' }),
  row({ name: 'tile', pick: pickB.repeat('tile'), chainrule: ([x], p) => x.tile(p.sizes), torch: 'torch.tile(a, p["sizes"])' }),
  row({ name: 'tril', pick: pickB.triangle, chainrule: ([x], p) => x.tril(p.k), torch: 'torch.tril(a, p["k"])' }),
  row({ name: 'triu', pick: pickB.triangle, chainrule: ([x], p) => x.triu(p.k), torch: 'torch.triu(a, p["k"])' }),
  row({ name: 'flattenDims', pick: pickB.flattenDims, chainrule: ([x], p) => x.flatten(p.start, p.end), torch: 'torch.flatten(a, p["start"], p["end"])' }),
  row({ name: 'unflatten', pick: pickB.unflatten, chainrule: ([x], p) => x.unflatten(p.axis, p.sizes), torch: 'a.unflatten(p["axis"], p["sizes"])' }),
  row({ name: 'einsumOne', pick: pickB.einsumOne, chainrule: ([x], p) => einsum(p.equation, x), torch: 'torch.einsum(p["equation"], a)' }),
  row({ name: 'einsumTwo', pick: pickB.einsumTwo, chainrule: ([a, b], p) => einsum(p.equation, a, b), torch: 'torch.einsum(p["equation"], a, b)' }),
  // encoding: the one-hot rows of the last axis' argmax (PyTorch returns int64; chainrule the input's dtype)
  row({ name: 'oneHot', pick: pickB.oneHot, chainrule: ([x], p) => oneHot(x.argmax(-1), p.classes), torch: 'F.one_hot(torch.argmax(a, dim=-1), p["classes"]).double()', differentiable: false }),
  // sampling: the streams differ from PyTorch's, so these rows compare what does not depend on them: randperm
  // sorted is 0..n-1; one-hot weights always give their category; every category once without replacement;
  // bernoulli of 0/1 probabilities is those probabilities
  row({
    name: 'randperm',
    pick: pickB.seeded,
    chainrule: ([x], p) => randperm(x.size, { seed: p.seed }).sort().values.reshape(x.shape),
    torch: 'torch.sort(torch.randperm(a.numel())).values.double().reshape(a.shape)',
    differentiable: false,
  }),
  row({
    name: 'multinomialOneHot',
    pick: pickB.multinomial('oneHot'),
    chainrule: ([x], p) => oneHot(x.argmax(-1), p.n).multinomial(p.k, { replacement: true, seed: p.seed }),
    torch: 'torch.multinomial(F.one_hot(torch.argmax(a, dim=-1), p["n"]).double(), p["k"], replacement=True).double()',
    differentiable: false,
  }),
  row({
    name: 'multinomialAll',
    pick: pickB.multinomial('all'),
    chainrule: ([x], p) => x.abs().add(0.5).multinomial(p.k, { seed: p.seed }).sort().values,
    torch: 'torch.sort(torch.multinomial(a.abs() + 0.5, p["k"])).values.double()',
    differentiable: false,
  }),
  row({ name: 'bernoulli', pick: pickB.seeded, chainrule: ([x], p) => x.gt(0).bernoulli({ seed: p.seed }), torch: 'torch.bernoulli((a > 0).double())', differentiable: false }),
];

export const OPS: readonly OpRow<Json>[] = [
  // arithmetic, broadcasting
  row({ name: 'add', pick: binary(), chainrule: ([a, b]) => a.add(b), torch: 'a + b' }),
  row({ name: 'sub', pick: binary(), chainrule: ([a, b]) => a.sub(b), torch: 'a - b' }),
  row({ name: 'mul', pick: binary(), chainrule: ([a, b]) => a.mul(b), torch: 'a * b' }),
  row({ name: 'div', pick: binary('any', 'positive'), chainrule: ([a, b]) => a.div(b), torch: 'a / b' }),
  row({ name: 'pow', pick: binary('positive', 'bounded'), chainrule: ([a, b]) => a.pow(b), torch: 'torch.pow(a, b)' }),
  row({ name: 'maximum', pick: binary(), chainrule: ([a, b]) => a.maximum(b), torch: 'torch.maximum(a, torch.as_tensor(b))' }),
  row({ name: 'minimum', pick: binary(), chainrule: ([a, b]) => a.minimum(b), torch: 'torch.minimum(a, torch.as_tensor(b))' }),
  // elementwise math
  row({ name: 'neg', pick: unary(), chainrule: ([x]) => x.neg(), torch: '-a' }),
  row({ name: 'square', pick: unary(), chainrule: ([x]) => x.square(), torch: 'torch.square(a)' }),
  row({ name: 'exp', pick: unary('bounded'), chainrule: ([x]) => x.exp(), torch: 'torch.exp(a)' }),
  row({ name: 'log', pick: unary('positive'), chainrule: ([x]) => x.log(), torch: 'torch.log(a)' }),
  row({ name: 'sqrt', pick: unary('positive'), chainrule: ([x]) => x.sqrt(), torch: 'torch.sqrt(a)' }),
  row({ name: 'abs', pick: unary(), chainrule: ([x]) => x.abs(), torch: 'torch.abs(a)' }),
  // NOTE: two documented differences of chainrule's sign, matched here: it is not differentiable
  // (its result never requires grad; torch.sign has a zero derivative, so it is detached), and
  // "NaN stays NaN" (torch.sign(NaN) is 0)
  row({ name: 'sign', pick: unary(), chainrule: ([x]) => sign(x), torch: 'torch.where(torch.isnan(a), a, torch.sign(a)).detach()', differentiable: false }),
  row({ name: 'sigmoid', pick: unary(), chainrule: ([x]) => x.sigmoid(), torch: 'torch.sigmoid(a)' }),
  row({ name: 'tanh', pick: unary(), chainrule: ([x]) => x.tanh(), torch: 'torch.tanh(a)' }),
  row({ name: 'relu', pick: unary(), chainrule: ([x]) => x.relu(), torch: 'torch.relu(a)' }),
  row({ name: 'clone', pick: unary(), chainrule: ([x]) => x.clone(), torch: 'torch.clone(a)' }),
  // round trip through float32: both round to nearest, and the gradient is cast back
  row({ name: 'castFloat32', pick: unary(), chainrule: ([x]) => x.cast('float32').cast('float64'), torch: 'a.float().double()' }),
  row({ name: 'clamp', pick: pick.clamp, chainrule: ([x], p) => x.clamp(p.min ?? undefined, p.max ?? undefined), torch: 'torch.clamp(a, min=p["min"], max=p["max"])' }),
  // comparisons (1 or 0, never requiring grad) and selection
  row({ name: 'gt', pick: binary(), chainrule: ([a, b]) => a.gt(b), torch: '(a > b).double()', differentiable: false }),
  row({ name: 'ge', pick: binary(), chainrule: ([a, b]) => a.ge(b), torch: '(a >= b).double()', differentiable: false }),
  row({ name: 'lt', pick: binary(), chainrule: ([a, b]) => a.lt(b), torch: '(a < b).double()', differentiable: false }),
  row({ name: 'le', pick: binary(), chainrule: ([a, b]) => a.le(b), torch: '(a <= b).double()', differentiable: false }),
  row({ name: 'eq', pick: binary(), chainrule: ([a, b]) => a.eq(b), torch: '(a == b).double()', differentiable: false }),
  row({ name: 'ne', pick: binary(), chainrule: ([a, b]) => a.ne(b), torch: '(a != b).double()', differentiable: false }),
  row({ name: 'where', pick: pick.where, chainrule: ([c, a, b]) => whereFn(c, a, b), torch: 'torch.where(a != 0, b, c)' }),
  // reductions. NOTE: chainrule's max/min split the gradient evenly between tied elements (documented
  // on max/min in reduce.ts), which is torch.amax/amin's rule, not torch.max's (all to one index)
  row({ name: 'sum', pick: pick.reduce, chainrule: ([x], p) => x.sum(axesOf(p), p.keepdims), torch: 'torch.sum(a, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({ name: 'mean', pick: pick.reduce, chainrule: ([x], p) => x.mean(axesOf(p), p.keepdims), torch: 'torch.mean(a, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({ name: 'max', pick: pick.reduce, chainrule: ([x], p) => x.max(axesOf(p), p.keepdims), torch: 'torch.amax(a, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({ name: 'min', pick: pick.reduce, chainrule: ([x], p) => x.min(axesOf(p), p.keepdims), torch: 'torch.amin(a, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({ name: 'softmax', pick: pick.alongAxis, chainrule: ([x], p) => x.softmax(p.axis), torch: 'torch.softmax(a, dim=p["axis"])' }),
  row({ name: 'logSoftmax', pick: pick.alongAxis, chainrule: ([x], p) => x.logSoftmax(p.axis), torch: 'torch.log_softmax(a, dim=p["axis"])' }),
  // matrix products
  row({ name: 'matmul', pick: pick.matmul, chainrule: ([a, b]) => a.matmul(b), torch: 'torch.matmul(a, b)' }),
  row({
    name: 'matmulTransposed',
    pick: pick.matmulTransposed,
    chainrule: ([a, b], p) => matmulFn(a, b, p),
    torch: 'torch.matmul(a.transpose(-2, -1) if p["transposeA"] else a, b.transpose(-2, -1) if p["transposeB"] else b)',
  }),
  // layout
  row({ name: 'reshape', pick: pick.reshape, chainrule: ([x], p) => x.reshape(p.shape), torch: 'a.reshape(p["shape"])' }),
  row({ name: 'flatten', pick: pick.flatten, chainrule: ([x]) => x.flatten(), torch: 'a.reshape(-1)' }),
  row({ name: 'transpose', pick: pick.transpose, chainrule: ([x], p) => (p.axes === null ? x.transpose() : x.transpose(...p.axes)), torch: 'a.transpose(*(p["axes"] or (-2, -1)))' }),
  row({ name: 'permute', pick: pick.permute, chainrule: ([x], p) => x.permute(p.axes), torch: 'a.permute(p["axes"])' }),
  row({ name: 'expand', pick: pick.expandTo(true), chainrule: ([x], p) => x.expand(p.shape), torch: 'a.expand(p["shape"])' }),
  row({ name: 'broadcastTo', pick: pick.expandTo(false), chainrule: ([x], p) => x.broadcastTo(p.shape), torch: 'torch.broadcast_to(a, p["shape"])' }),
  row({ name: 'slice', pick: pick.slice, chainrule: ([x], p) => x.slice(p.axis, p.start, p.end ?? undefined, p.step), torch: 'slice_(a, p)' }),
  row({ name: 'squeeze', pick: pick.squeeze, chainrule: ([x], p) => x.squeeze(p.axis ?? undefined), torch: 'a.squeeze() if p["axis"] is None else a.squeeze(p["axis"])' }),
  row({ name: 'unsqueeze', pick: pick.unsqueeze, chainrule: ([x], p) => x.unsqueeze(p.axis), torch: 'a.unsqueeze(p["axis"])' }),
  row({ name: 'concat', pick: pick.concat, chainrule: (xs, p) => concat(xs, { axis: p.axis }), torch: 'torch.cat(xs, dim=p["axis"])' }),
  row({ name: 'stack', pick: pick.stack, chainrule: (xs, p) => stack(xs, { axis: p.axis }), torch: 'torch.stack(xs, dim=p["axis"])' }),
  // Math, activations, reductions and scans of issue 9 (one block, kept together)
  // sin, cos and tan of bounded arguments, asin, acos and log1p away from their branch points: the
  // sine of a large x (a random graph's square of a sum) turns a 1-ulp difference of x into x ulps,
  // and near a pole or branch point a 1-ulp difference of an input (tanh's) is amplified as much,
  // in both engines alike; the special values still take every op to its extremes
  row({ name: 'sin', pick: unary('bounded'), chainrule: ([x]) => x.sin(), torch: 'torch.sin(a)' }),
  row({ name: 'cos', pick: unary('bounded'), chainrule: ([x]) => x.cos(), torch: 'torch.cos(a)' }),
  row({ name: 'tan', pick: unary('bounded'), chainrule: ([x]) => x.tan(), torch: 'torch.tan(a)' }),
  row({ name: 'asin', pick: unary('unit'), chainrule: ([x]) => x.asin(), torch: 'torch.asin(a)' }),
  row({ name: 'acos', pick: unary('unit'), chainrule: ([x]) => x.acos(), torch: 'torch.acos(a)' }),
  row({ name: 'atan', pick: unary(), chainrule: ([x]) => x.atan(), torch: 'torch.atan(a)' }),
  // b > 0 in the random cases: at the origin atan2's gradient is NaN and its value depends on the
  // signs of zeros, which would expose other ops' −0 and NaN-gradient conventions (relu's backward,
  // a loss of −0) rather than atan2's; the special values still cover every quadrant, zeros included
  row({ name: 'atan2', pick: binary('any', 'positive'), chainrule: ([a, b]) => a.atan2(b), torch: 'torch.atan2(a, torch.as_tensor(b))' }),
  row({ name: 'sinh', pick: unary(), chainrule: ([x]) => x.sinh(), torch: 'torch.sinh(a)' }),
  row({ name: 'cosh', pick: unary(), chainrule: ([x]) => x.cosh(), torch: 'torch.cosh(a)' }),
  row({ name: 'log1p', pick: unary('positive'), chainrule: ([x]) => x.log1p(), torch: 'torch.log1p(a)' }),
  row({ name: 'expm1', pick: unary('bounded'), chainrule: ([x]) => x.expm1(), torch: 'torch.expm1(a)' }),
  row({ name: 'log2', pick: unary('positive'), chainrule: ([x]) => x.log2(), torch: 'torch.log2(a)' }),
  row({ name: 'log10', pick: unary('positive'), chainrule: ([x]) => x.log10(), torch: 'torch.log10(a)' }),
  row({ name: 'erf', pick: unary(), chainrule: ([x]) => x.erf(), torch: 'torch.erf(a)' }),
  row({ name: 'reciprocal', pick: unary('positive'), chainrule: ([x]) => x.reciprocal(), torch: 'torch.reciprocal(a)' }),
  row({ name: 'rsqrt', pick: unary('positive'), chainrule: ([x]) => x.rsqrt(), torch: 'torch.rsqrt(a)' }),
  row({ name: 'floor', pick: unary(), chainrule: ([x]) => x.floor(), torch: 'torch.floor(a)' }),
  row({ name: 'ceil', pick: unary(), chainrule: ([x]) => x.ceil(), torch: 'torch.ceil(a)' }),
  row({ name: 'round', pick: unary(), chainrule: ([x]) => x.round(), torch: 'torch.round(a)' }),
  row({ name: 'roundDecimals', pick: unary(), chainrule: ([x]) => x.round({ decimals: 2 }), torch: 'torch.round(a, decimals=2)' }),
  row({ name: 'gelu', pick: unary(), chainrule: ([x]) => x.gelu(), torch: 'F.gelu(a)' }),
  row({ name: 'geluTanh', pick: unary(), chainrule: ([x]) => x.gelu({ approximate: 'tanh' }), torch: 'F.gelu(a, approximate="tanh")' }),
  row({ name: 'silu', pick: unary(), chainrule: ([x]) => x.silu(), torch: 'F.silu(a)' }),
  // NOTE: PyTorch 1.13's second derivative of mish is NaN from x ≈ 710, chainrule's the true 0 (gated.ts); fresh leaves only (pick-fresh.ts)
  row({ name: 'mish', pick: freshUnary(), chainrule: ([x]) => x.mish(), torch: 'F.mish(a)' }),
  row({ name: 'softplus', pick: unary(), chainrule: ([x]) => x.softplus(), torch: 'F.softplus(a)' }),
  // threshold 1: ordinary values reach the linear region
  row({ name: 'softplusBeta', pick: unary(), chainrule: ([x]) => x.softplus({ beta: 2, threshold: 1 }), torch: 'F.softplus(a, beta=2, threshold=1)' }),
  row({ name: 'logSigmoid', pick: unary(), chainrule: ([x]) => x.logSigmoid(), torch: 'F.logsigmoid(a)' }),
  row({ name: 'leakyRelu', pick: unary(), chainrule: ([x]) => x.leakyRelu(), torch: 'F.leaky_relu(a)' }),
  row({ name: 'leakyReluSlope', pick: unary(), chainrule: ([x]) => x.leakyRelu({ negativeSlope: 0.2 }), torch: 'F.leaky_relu(a, negative_slope=0.2)' }),
  row({ name: 'elu', pick: unary(), chainrule: ([x]) => x.elu(), torch: 'F.elu(a)' }),
  row({ name: 'eluAlpha', pick: unary(), chainrule: ([x]) => x.elu({ alpha: 0.5 }), torch: 'F.elu(a, alpha=0.5)' }),
  row({ name: 'selu', pick: unary(), chainrule: ([x]) => x.selu(), torch: 'F.selu(a)' }),
  row({ name: 'hardtanh', pick: unary(), chainrule: ([x]) => x.hardtanh(), torch: 'F.hardtanh(a)' }),
  row({ name: 'hardtanhRange', pick: unary(), chainrule: ([x]) => x.hardtanh({ minVal: -0.5, maxVal: 2 }), torch: 'F.hardtanh(a, min_val=-0.5, max_val=2.0)' }),
  row({ name: 'var', pick: freshReduce(3), chainrule: ([x], p) => x.var(axesOf(p), { keepdims: p.keepdims }), torch: 'torch.var(a, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({
    name: 'varCorrection',
    pick: freshReduce(4, 2),
    chainrule: ([x], p) => x.var(axesOf(p), { correction: p.correction ?? 2, keepdims: p.keepdims }),
    torch: 'torch.var(a, dim=dims(a, p), correction=p.get("correction", 2), keepdim=p["keepdims"])',
  }),
  row({ name: 'std', pick: freshReduce(3), chainrule: ([x], p) => x.std(axesOf(p), { keepdims: p.keepdims }), torch: 'torch.std(a, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({
    name: 'stdPopulation',
    pick: freshReduce(3, 0),
    chainrule: ([x], p) => x.std(axesOf(p), { correction: 0, keepdims: p.keepdims }),
    torch: 'torch.std(a, dim=dims(a, p), correction=0, keepdim=p["keepdims"])',
  }),
  // NOTE: chainrule's norm scales by a power of two and so never overflows or underflows (see norm.ts);
  // the table's values are far from 1e154, where that would differ from PyTorch's Infinity. Fresh
  // leaves only, two elements or more per slice (pick-fresh.ts): a norm at a random graph's zero
  // vector is singular, and of one element it is |x|, whose second derivative 0 both engines get as
  // a difference of terms in 1/|x| that cancel only to rounding
  row({ name: 'norm', pick: freshReduce(2), chainrule: ([x], p) => x.norm(2, axesOf(p), p.keepdims), torch: 'torch.linalg.vector_norm(a, ord=2, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({ name: 'norm1', pick: freshReduce(2), chainrule: ([x], p) => x.norm(1, axesOf(p), p.keepdims), torch: 'torch.linalg.vector_norm(a, ord=1, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({
    name: 'normInf',
    pick: freshReduce(2),
    chainrule: ([x], p) => x.norm(Infinity, axesOf(p), p.keepdims),
    torch: 'torch.linalg.vector_norm(a, ord=float("inf"), dim=dims(a, p), keepdim=p["keepdims"])',
  }),
  row({ name: 'norm3', pick: freshReduce(2), chainrule: ([x], p) => x.norm(3, axesOf(p), p.keepdims), torch: 'torch.linalg.vector_norm(a, ord=3, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({ name: 'normHalf', pick: freshReduce(2), chainrule: ([x], p) => x.norm(0.5, axesOf(p), p.keepdims), torch: 'torch.linalg.vector_norm(a, ord=0.5, dim=dims(a, p), keepdim=p["keepdims"])' }),
  row({
    name: 'prod',
    pick: pick.reduce,
    chainrule: ([x], p) => x.prod(axesOf(p), p.keepdims),
    // NOTE: chainrule's prod documents its gradient as the product of the other elements, which
    // torch.prod's backward is not next to an infinity (it divides by x when there is no zero), so
    // the reference is the product as a left fold of multiplications over the reduced elements
    // (moved last, in row-major order): autograd of the fold gives exactly the product of the others.
    torch: `(lambda a=a, p=p: (lambda d: (lambda f: f.reshape([1 if i in d else s for i, s in enumerate(a.shape)]) if p["keepdims"] else f)(
              __import__("functools").reduce(lambda u, v: u * v,
                a.permute([i for i in range(a.dim()) if i not in d] + d).reshape([s for i, s in enumerate(a.shape) if i not in d] + [-1]).unbind(-1),
                torch.ones([s for i, s in enumerate(a.shape) if i not in d]))))(
            sorted(i % max(a.dim(), 1) for i in ([p["axes"]] if isinstance(p["axes"], int) else dims(a, p)))))()`,
  }),
  row({ name: 'cumsum', pick: pick.alongAxis, chainrule: ([x], p) => x.cumsum(p.axis), torch: 'torch.cumsum(a, dim=p["axis"])' }),
  row({
    name: 'cumsumReverse',
    pick: pick.alongAxis,
    chainrule: ([x], p) => x.cumsum(p.axis, { reverse: true }),
    torch: 'torch.cumsum(a.flip(p["axis"]), dim=p["axis"]).flip(p["axis"])',
  }),
  row({ name: 'cumprod', pick: pick.alongAxis, chainrule: ([x], p) => x.cumprod(p.axis), torch: 'torch.cumprod(a, dim=p["axis"])' }),
  row({
    name: 'cumprodReverse',
    pick: pick.alongAxis,
    chainrule: ([x], p) => x.cumprod(p.axis, { reverse: true }),
    torch: 'torch.cumprod(a.flip(p["axis"]), dim=p["axis"]).flip(p["axis"])',
  }),
  // @chainrule/nn: the fused linear op and every loss, through the loss modules
  row({ name: 'linear', pick: pick.linear, chainrule: ([x, w, b]) => linearFn(x, w as Tensor, b), torch: 'a @ b.transpose(0, 1) + (c if c is not None else 0)' }),
  row({
    name: 'MSELoss',
    pick: pick.pairLoss(['mean', 'sum', 'halfSum'], 'any', 'any'),
    chainrule: ([a, b], p) => new MSELoss({ reduction: p.reduction as MSEReduction }).forward(a, b),
    // 'halfSum' (the article's E = Σ ½ (target − out)²) is torch's 'sum' halved
    torch: 'F.mse_loss(a, b, reduction="sum") / 2 if p["reduction"] == "halfSum" else F.mse_loss(a, b, reduction=p["reduction"])',
  }),
  row({
    name: 'CrossEntropyLoss',
    pick: pick.crossEntropyIndices,
    chainrule: ([x], p) => new CrossEntropyLoss({ reduction: p.reduction as Reduction }).forward(x, p.target),
    torch: 'F.cross_entropy(a, torch.tensor(p["target"]), reduction=p["reduction"])',
  }),
  row({
    name: 'CrossEntropyLossProbs',
    pick: pick.crossEntropyProbs,
    chainrule: ([x, t], p) => new CrossEntropyLoss({ reduction: p.reduction as Reduction }).forward(x, t),
    torch: 'F.cross_entropy(a, b, reduction=p["reduction"])',
  }),
  row({
    name: 'BCELoss',
    pick: pick.pairLoss(['mean', 'sum'], 'unit', 'unit'),
    chainrule: ([a, b], p) => new BCELoss({ reduction: p.reduction as Reduction }).forward(a, b),
    torch: 'F.binary_cross_entropy(a, b, reduction=p["reduction"])',
    secondOrderTolerance: {
      rtol: 1e-9,
      atol: 1e-9,
      reason:
        "PyTorch 1.13's double backward of binary_cross_entropy divides by (p + ε)²(1 − p + ε)² with ε = 1e-12 " +
        '(binary_cross_entropy_double_backward), not p²(1 − p)², so each of its terms is off by about 2ε/p + 2ε/(1 − p) ' +
        "relative, at most 1e-10 for the p in [0.02, 0.98] the 'unit' domain gives, and a sum of such terms that cancels " +
        'keeps that error in absolute terms; chainrule differentiates its first derivative exactly',
    },
  }),
  ...OPS_B,
  ...OPS_CONV,
];

/** Every row PyTorch evaluates: the op table and the nn layer and loss rows of layers.ts (which stay out of the random graphs). */
export const ALL_ROWS: readonly OpRow<Json>[] = [...OPS, ...LAYER_ROWS];

export const OP_BY_NAME: ReadonlyMap<string, OpRow<Json>> = new Map(ALL_ROWS.map((r) => [r.name, r]));
if (OP_BY_NAME.size !== ALL_ROWS.length) throw new Error('ops.ts: two rows share a name');

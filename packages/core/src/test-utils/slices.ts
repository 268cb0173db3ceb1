/**
 * Plain-JS references for reductions and scans that work slice by slice (var, std, norm, prod,
 * cumsum, cumprod): the elements grouped by the output element they reduce into, and back.
 * Written without chainrule code, like reference.ts.
 * @module
 */
import fc from 'fast-check';
import { ravel, size, unravel, type Ref } from './reference.js';
import { shapeArb } from './index.js';

/**
 * For each output element (row-major over the kept shape), the flat positions in `t` of the
 * elements reduced into it, in row-major order.
 */
export function slicePositions(shape: readonly number[], axes: readonly number[]): number[][] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: size(kept) }, () => []);
  for (let i = 0; i < size(shape); i++) groups[ravel(unravel(i, shape).map((v, d) => (axes.includes(d) ? 0 : v)), kept)].push(i);
  return groups;
}

/** A reduction by `f` of each slice's values; the result's shape with or without the reduced axes. */
export function refReduceSlices(t: Ref, axes: readonly number[], keepdims: boolean, f: (values: number[]) => number): Ref {
  const data = slicePositions(t.shape, axes).map((pos) => f(pos.map((p) => t.data[p])));
  const shape = keepdims ? t.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : t.shape.filter((_, i) => !axes.includes(i));
  return { shape, data };
}

/**
 * The gradient of a slice reduction: each slice's upstream value `v[o]` times `df(values)` (the
 * partial derivatives of the slice's result by its elements), scattered back to `t`'s shape.
 */
export function refReduceSlicesGrad(t: Ref, axes: readonly number[], v: readonly number[], df: (values: number[]) => number[]): Ref {
  const data = new Array<number>(t.data.length).fill(0);
  slicePositions(t.shape, axes).forEach((pos, o) => {
    const d = df(pos.map((p) => t.data[p]));
    pos.forEach((p, k) => (data[p] = v[o] * d[k]));
  });
  return { shape: [...t.shape], data };
}

/** A shape with a random subset of its axes (or all: undefined) and a keepdims flag. */
export const reductionArb = shapeArb(4, 3).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    picks: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
    all: fc.boolean(),
    keepdims: fc.boolean(),
  }),
);

/** The axes of a reductionArb value: undefined for all, else the picked ones, the odd ones written negative. */
export function axesOf(r: { shape: number[]; picks: boolean[]; all: boolean }): number[] | undefined {
  if (r.all) return undefined;
  return r.shape.flatMap((_, i) => (r.picks[i] ? [i % 2 === 1 ? i - r.shape.length : i] : []));
}

/** The axes of a reductionArb value as sorted non-negative indices. */
export function positiveAxes(axes: number[] | undefined, rank: number): number[] {
  return (axes ?? Array.from({ length: rank }, (_, i) => i)).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

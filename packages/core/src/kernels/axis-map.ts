/**
 * Axis-map kernels: an output whose element (o₀, o₁, ...) is the input's element
 * (map₀[o₀], map₁[o₁], ...), or a fill value where some map holds -1; and the adjoint, which adds
 * each output element back into the input element it was read from. Padding in every mode is one
 * such map per axis (constant: -1 outside the input; reflect: mirrored; replicate: clamped).
 * @module
 */
import { allocBuffer, dtypeOf, type TensorData } from '../dtype.js';
import { frozenShape, sizeOf, stridesOf, type Shape } from '../shape.js';

/** One map per axis: `null` keeps the axis as it is; else `map[o]` is the input index read at output index o, or -1 for the fill. */
export type AxisMaps = readonly (Int32Array | null)[];

/** The output shape of `maps` over an input of `shape`. */
export function mappedShape(shape: Shape, maps: AxisMaps): Shape {
  return frozenShape(shape.map((d, i) => maps[i]?.length ?? d));
}

/**
 * For each axis, the buffer offset (index · stride) that each output index reads, or -1 for the fill.
 * Offsets are summed along the output's positions by an odometer, so each element costs one add.
 */
function offsetTables(shape: Shape, maps: AxisMaps): Float64Array[] {
  const strides = stridesOf(shape);
  return shape.map((d, i) => {
    const m = maps[i];
    const n = m === null ? d : m.length;
    const table = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      const src = m === null ? o : m[o];
      table[o] = src < 0 ? -1 : src * strides[i];
    }
    return table;
  });
}

/**
 * Calls `f(outPosition, inOffset)` for every output position in row-major order, with the input
 * offset it reads (-1 where any axis reads the fill).
 */
function forEachMapped(shape: Shape, maps: AxisMaps, f: (p: number, offset: number) => void): void {
  const tables = offsetTables(shape, maps);
  const out = tables.map((t) => t.length);
  const total = sizeOf(out);
  if (total === 0) return;
  const nd = out.length;
  const idx = new Array<number>(nd).fill(0);
  for (let p = 0; p < total; p++) {
    let offset = 0;
    for (let d = 0; d < nd; d++) {
      const o = tables[d][idx[d]];
      if (o < 0) {
        offset = -1;
        break;
      }
      offset += o;
    }
    f(p, offset);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

/** The mapped copy of `x`: each output element reads the input element its maps name, or `fill`. */
export function gatherAxesKernel(x: TensorData, maps: AxisMaps, fill: number): TensorData {
  const shape = mappedShape(x.shape, maps);
  const out = allocBuffer(dtypeOf(x.buffer), sizeOf(shape));
  const src = x.buffer;
  forEachMapped(x.shape, maps, (p, offset) => {
    out[p] = offset < 0 ? fill : src[offset];
  });
  return { buffer: out, shape };
}

/** The adjoint of {@link gatherAxesKernel}: zeros of `shape` with every element of `g` added where it was read from (fill positions drop out). */
export function scatterAxesKernel(g: TensorData, maps: AxisMaps, shape: Shape): TensorData {
  const out = allocBuffer(dtypeOf(g.buffer), sizeOf(shape));
  const src = g.buffer;
  forEachMapped(shape, maps, (p, offset) => {
    if (offset >= 0) out[offset] += src[p];
  });
  return { buffer: out, shape };
}

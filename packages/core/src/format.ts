/**
 * `Tensor.toString()`: shape, dtype, values (rounded for reading) and the op that made it.
 * @module
 */
import type { Tensor } from './tensor.js';

const MAX_SHOWN = 1000;


function formatNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  // 10 significant digits either way; exponent form only where fixed notation would be long
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(9).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(10)));
}

/**
 * Formats a tensor for reading, e.g.
 * `tensor([[1, 2], [3, 4]], shape=[2,2], dtype=float64, gradFn=mul)`. Values are rounded to 10
 * significant digits; tensors of more than 1000 elements show their first and last elements only.
 */
export function formatTensor(t: Tensor): string {
  const { buffer, shape } = t;
  let values: string;
  if (shape.length === 0) values = formatNumber(buffer[0]);
  else if (buffer.length > MAX_SHOWN) {
    const head = Array.from(buffer.subarray(0, 3), formatNumber).join(', ');
    const tail = Array.from(buffer.subarray(buffer.length - 3), formatNumber).join(', ');
    values = `[${head}, ..., ${tail}] (flattened)`;
  } else {
    let pos = 0;
    const build = (dim: number): string => {
      const n = shape[dim];
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(dim === shape.length - 1 ? formatNumber(buffer[pos++]) : build(dim + 1));
      return `[${parts.join(', ')}]`;
    };
    values = build(0);
  }
  const extras = [`shape=[${shape.join(',')}]`, `dtype=${t.dtype}`];
  if (t.name !== undefined) extras.unshift(`name=${t.name}`);
  if (t.gradFn !== null) extras.push(`gradFn=${t.gradFn.op.name}`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${values}, ${extras.join(', ')})`;
}

/**
 * summary: a table of a module's layers with their output shapes and parameter counts, as torchinfo's.
 * @module
 */
import { ChainruleError, noGrad, zeros, type DType, type Tensor } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { Module } from './module.js';

/** Options of {@link summary}. @example `{ dtype: 'float32' }` */
export interface SummaryOptions {
  /** The dtype of the zeros fed through the module (default float64). */
  dtype?: DType;
}

/**
 * A torchinfo-style summary of `module`: one row per module of its tree (depth first, in field
 * order, as `namedModules`), with its class, its field path, the shape of its output and the number
 * of parameters it holds itself (its children's are on their own rows; `--` for none), then the total,
 * trainable (requiresGrad) and non-trainable parameter counts (a shared parameter counted once).
 *
 * The shapes come from one forward pass of zeros of `inputShape` (several shapes for a module with
 * several inputs) inside `noGrad`, seen through forward hooks (see {@link Module.registerForwardHook}),
 * which are removed afterwards. A module called more than once shows its first output and the number
 * of calls; a module the forward pass never reached shows `--`. Returns the table as a string
 * (print it with console.log); the module's parameters are not changed, though layers that keep
 * running statistics in training mode update them, as any forward does.
 * @example
 * ```ts
 * console.log(summary(new Sequential(new Dense(4, 8), new ReLU(), new Dense(8, 3)), [1, 4]));
 * // Layer (type (name))    Output Shape   Param #
 * // ═══════════════════════════════════════════
 * // Sequential             [1, 3]         --
 * // ├─Dense (layers.0)     [1, 8]         40
 * // ├─ReLU (layers.1)      [1, 8]         --
 * // └─Dense (layers.2)     [1, 3]         27
 * // ═══════════════════════════════════════════
 * // Total params: 67
 * // Trainable params: 67
 * // Non-trainable params: 0
 * ```
 */
export function summary(module: Module, inputShape: readonly number[] | readonly (readonly number[])[], options: SummaryOptions = {}): string {
  const where = 'summary';
  if (!(module instanceof Module)) throw new ChainruleError(`${where}: expected a Module, got ${describeValue(module)}`);
  if (!Array.isArray(inputShape)) throw new ChainruleError(`${where}: inputShape must be a shape such as [1, 4], or a list of shapes, got ${describeValue(inputShape)}`);
  const shapes = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as readonly (readonly number[])[];
  shapes.forEach((s, i) => {
    if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new ChainruleError(`${where}: input shape ${i} must be an array of non-negative integers, got ${describeValue(s)}`);
    }
  });

  // the tree, depth first in field order, with each row's drawing prefix
  interface Row { module: Module; label: string; outputs: string[] }
  const rows: Row[] = [];
  const seen = new Set<Module>();
  const walk = (m: Module, name: string, prefix: string, branch: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    rows.push({ module: m, label: `${prefix}${branch}${m.constructor.name}${name === '' ? '' : ` (${name})`}`, outputs: [] });
    const children = m.namedChildren().filter(([, c]) => !seen.has(c));
    const below = prefix + (branch === '' ? '' : branch === '├─' ? '│ ' : '  ');
    children.forEach(([childName, c], i) => walk(c, name === '' ? childName : `${name}.${childName}`, below, i === children.length - 1 ? '└─' : '├─'));
  };
  walk(module, '', '', '');

  const handles = rows.map((row) =>
    row.module.registerForwardHook((_m, _inputs, out: Tensor) => {
      row.outputs.push(`[${out.shape.join(', ')}]`);
    }),
  );
  try {
    const inputs = shapes.map((s) => zeros(s, { dtype: options.dtype }));
    noGrad(() => module.forward(...inputs));
  } finally {
    for (const h of handles) h.remove();
  }

  // parameters each module holds itself: its own minus its children's
  const count = (m: Module): number => {
    const inChildren = new Set(m.children().flatMap((c) => c.parameters()));
    return m.parameters().reduce((n, p) => (inChildren.has(p) ? n : n + p.size), 0);
  };
  const table = rows.map((r) => [
    r.label,
    r.outputs.length === 0 ? '--' : r.outputs[0] + (r.outputs.length > 1 ? ` ×${r.outputs.length}` : ''),
    count(r.module) === 0 ? '--' : count(r.module).toLocaleString('en-US'),
  ]);
  const header = ['Layer (type (name))', 'Output Shape', 'Param #'];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join('');
  const rule = '═'.repeat(widths.reduce((a, b) => a + b + 3, -3));
  const params = module.parameters();
  const total = params.reduce((n, p) => n + p.size, 0);
  const trainable = params.reduce((n, p) => (p.requiresGrad ? n + p.size : n), 0);
  return [
    line(header),
    rule,
    ...table.map(line),
    rule,
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
  ].join('\n');
}

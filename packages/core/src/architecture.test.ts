/**
 * The import graph of core runs one way: the base (errors, dtype, shape, kernels, the graph's
 * records, grad mode, anomaly detection, a compiled step's trace state), then the tensors and ops,
 * then the engine and the autograd tools and the compiler, then the public surface. The one cycle allowed is the method surface: Tensor's
 * methods call the ops and the engine, which make Tensors. A file joining any other cycle, or a
 * kernel importing the tensor layer, fails here. Type-only imports do not count: they vanish at
 * run time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Source files of core (tests and test helpers excluded), relative to src/, with '/' separators. */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'test-utils') walk(path);
      } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(relative(SRC, path).split('\\').join('/'));
    }
  };
  walk(SRC);
  return out.sort();
}

/** The files a module imports at run time (`import type`, `export type` and all-type specifier lists skipped). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const deps: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'(\.[^']+)'/gms)) {
    const [, typeOnly, clause, path] = m;
    if (typeOnly) continue;
    const braces = clause!.match(/\{([^}]*)\}/);
    const outsideBraces = clause!.replace(/\{[^}]*\}/, '').replace(/,/g, '').trim();
    const allTypes = braces !== null && outsideBraces === '' && braces[1]!.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    if (allTypes) continue;
    deps.push(normalize(join(dirname(file), path!.replace(/\.js$/, '.ts'))).split('\\').join('/'));
  }
  return deps;
}

/** Strongly connected components with more than one file (Tarjan's algorithm). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const files = sourceFiles();
const graph = new Map(files.map((f) => [f, runtimeImports(f)]));

/** The method surface: the one cycle allowed may hold these files and no other. */
const METHOD_SURFACE = ['autograd/engine.ts', 'op.ts', 'tensor.ts', ...files.filter((f) => f.startsWith('ops/'))].sort();

/** The base layer: imports nothing above itself. */
const BASE = (f: string) =>
  f.startsWith('kernels/') || ['errors.ts', 'dtype.ts', 'shape.ts', 'op-context.ts', 'grad-mode.ts', 'autograd/anomaly.ts', 'format.ts', 'random.ts', 'compile/trace-state.ts'].includes(f);

describe('the import graph of core', () => {
  it('reads every source file and its imports', () => {
    expect(files).toContain('tensor.ts');
    expect(graph.get('tensor.ts')).toContain('ops/index.ts');
  });

  it('has one cycle, the method surface, and no other file joins it', () => {
    const found = cycles(graph);
    expect(found.length).toBe(1);
    const outside = found[0]!.filter((f) => !METHOD_SURFACE.includes(f));
    expect(outside, `files in a cycle outside the method surface: ${outside.join(', ')}`).toEqual([]);
    expect(found[0]).toEqual(expect.arrayContaining(['tensor.ts', 'op.ts', 'ops/index.ts', 'autograd/engine.ts']));
  });

  it('kernels import only the base layer (never the Tensor class)', () => {
    for (const f of files.filter((f) => f.startsWith('kernels/'))) {
      const above = graph.get(f)!.filter((d) => !BASE(d));
      expect(above, `${f} imports ${above.join(', ')}`).toEqual([]);
    }
  });

  it('the base layer imports only the base layer', () => {
    for (const f of files.filter(BASE)) {
      const above = graph.get(f)!.filter((d) => !BASE(d));
      expect(above, `${f} imports ${above.join(', ')}`).toEqual([]);
    }
  });

  it('the tensors, ops and engine never import the autograd tools built on them', () => {
    const tools = ['autograd/explain.ts', 'autograd/gradcheck.ts', 'autograd/functional.ts', 'compile/compile.ts', 'compile/recorder.ts', 'compile/plan.ts'];
    for (const f of [...METHOD_SURFACE, 'create.ts', 'ndarray-interop.ts']) {
      const up = graph.get(f)!.filter((d) => tools.includes(d));
      expect(up, `${f} imports ${up.join(', ')}`).toEqual([]);
    }
  });

  it('nothing but the public surface imports index.ts', () => {
    const importers = files.filter((f) => graph.get(f)!.includes('index.ts'));
    expect(importers).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Every TypeScript or Python block of the README that says it comes "From `packages/examples/src/PATH`"
 * (in the prose since the previous block) is in that file, so the README shows code that compiles
 * and runs: verbatim, or, where the file marks what the README shows with `readme:start` and
 * `readme:end` comments (code inside a function), as exactly the marked lines, unindented.
 */
describe('README code blocks taken from example files', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```(?:ts|python)\n([\s\S]*?)```/g)];
  const claims = blocks
    .map((m) => {
      const before = readme.slice(Math.max(0, m.index! - 1200), m.index);
      const paragraphs = before.split(/```/).pop()!; // only prose since the previous block
      const file = [...paragraphs.matchAll(/`packages\/examples\/src\/([\w/-]+\.(?:ts|py))`/g)].pop()?.[1];
      return file === undefined ? null : { file, code: m[1]! };
    })
    .filter((c): c is { file: string; code: string } => c !== null)
    .filter((c) => c.file !== 'readme-network.ts'); // shown without its wrapper; readme-network.test.ts compares it

  it('finds the claimed blocks (the compiled step, the loops of "From PyTorch", the custom op and layer)', () => {
    expect(claims.map((c) => c.file)).toEqual(['compiled-step.ts', 'iris/from-pytorch.py', 'iris/from-pytorch.ts', 'custom-layer.ts', 'custom-layer.ts']);
  });

  for (const { file, code } of claims) {
    it(`${file} contains the README block starting ${JSON.stringify(code.split('\n')[0])}`, () => {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      const comment = file.endsWith('.py') ? '#' : '//';
      if (source.includes(`${comment} readme:start\n`)) expect(code.trimEnd()).toBe(marked(source, comment));
      else expect(source).toContain(code.trimEnd());
    });
  }
});

/** The lines between `<comment> readme:start` and `<comment> readme:end`, without the first line's indentation. */
function marked(source: string, comment: string): string {
  const inner = source.split(`${comment} readme:start\n`)[1].split(`${comment} readme:end`)[0];
  const indent = /^ */.exec(inner)![0].length;
  return inner
    .split('\n')
    .map((line) => line.slice(indent))
    .join('\n')
    .trimEnd();
}

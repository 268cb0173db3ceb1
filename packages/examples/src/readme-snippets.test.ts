import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Every TypeScript block of the README that says it comes "From `packages/examples/src/NAME.ts`"
 * (in the prose since the previous block) appears in that file verbatim, so the README shows code
 * that compiles and runs.
 */
describe('README code blocks taken from example files', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)];
  const claims = blocks
    .map((m) => {
      const before = readme.slice(Math.max(0, m.index! - 1200), m.index);
      const paragraphs = before.split(/```/).pop()!; // only prose since the previous block
      const file = [...paragraphs.matchAll(/`packages\/examples\/src\/([\w-]+\.ts)`/g)].pop()?.[1];
      return file === undefined ? null : { file, code: m[1]! };
    })
    .filter((c): c is { file: string; code: string } => c !== null)
    .filter((c) => c.file !== 'readme-network.ts'); // shown without its wrapper; readme-network.test.ts compares it

  it('finds the claimed blocks (the custom op and the custom layer)', () => {
    expect(claims.map((c) => c.file)).toEqual(['custom-layer.ts', 'custom-layer.ts']);
  });

  for (const { file, code } of claims) {
    it(`${file} contains the README block starting ${JSON.stringify(code.split('\n')[0])}`, () => {
      const source = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      expect(source).toContain(code.trimEnd());
    });
  }
});
